package publish

import (
	"log/slog"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// Items whose own date is later than the build are held back, as Hugo
// holds future-dated pages: newsrooms date stories to schedule them, and a
// story dated next week must not sit at the top of the feed until then.
// A held item is not recorded in the ledger, so nothing about it is
// settled before it appears; it keeps its id and its stated date, which
// come from its source. The first build at or after that date publishes
// it: the build record keeps the earliest held date, so an otherwise
// unchanged build is not skipped once it has passed, and serve schedules a
// build for that moment (Result.NextHeld).

// holdFuture removes from items (and their hashes) those dated after now,
// logging each, unless b publishes future items. It returns what is kept
// and adds the held items to res. Aggregated items (with an Origin) are
// never held: their dates are the upstream feed's, which its reader
// already moves back to the fetch time when they lie ahead, a time that
// may be a moment later than now.
func (b *Builder) holdFuture(items []feed.Item, hashes []string, now time.Time, res *Result, logger *slog.Logger) ([]feed.Item, []string) {
	if b.PublishFuture {
		return items, hashes
	}
	kept := 0
	for i, it := range items {
		if !it.Published.After(now) || it.Origin != nil {
			items[kept], hashes[kept] = it, hashes[i]
			kept++
			continue
		}
		res.Held++
		if res.NextHeld.IsZero() || it.Published.Before(res.NextHeld) {
			res.NextHeld = it.Published
		}
		args := []any{"source", it.Source}
		if it.Ref != "" {
			args = append(args, "file", it.Ref)
		}
		args = append(args, "id", it.ID, "appears", it.Published.UTC().Format(time.RFC3339))
		logger.Info("item dated in the future held back until its date", args...)
	}
	clear(items[kept:])
	return items[:kept], hashes[:kept]
}

// heldDue reports whether the earliest item the last build held back is
// due at now, so that its result must not be reused.
func heldDue(last *lastBuild, now time.Time) bool {
	return last != nil && !last.NextHeld.IsZero() && !now.Before(last.NextHeld)
}
