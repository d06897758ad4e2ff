package publish

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/internal/buildid"
)

// A build over a large archive whose sources can say what changed
// (feed.DeltaScan) need not read the archive: the last build recorded each
// feed's items, and the new items are those of the files that changed,
// merged with the recorded ones the changed files did not take back.
//
// That merge gives what reading everything would, because items of files
// that did not change keep their dates (the ledger's) and their places in
// the stream (their Pos), so an item the last build left out still ranks
// below every item it published. The merge is therefore exact whenever
// the feed ends up with as many items as its limit, none ranking below the
// last build's last one, or when the last build published every item it
// had; otherwise, as for a build that holds items back, a feed of several
// sources, archives or per-category feeds, or a source that cannot tell,
// the build reads everything.

// deltaKey is where the ledger's state keeps the record a delta builds on.
const deltaKey = "publish/delta"

// deltaRecord is what a build leaves for the next one to merge into.
type deltaRecord struct {
	// Settings digests what shapes a feed's items (deltaSettings).
	Settings string `json:"settings"`
	// Tokens maps each source to the token of the read the build
	// published from.
	Tokens map[string]string `json:"tokens"`
	// Items and Dropped are the build's Result.Items and the items
	// normalisation dropped (dropKey).
	Items   int          `json:"items"`
	Dropped []string     `json:"dropped,omitempty"`
	Feeds   []deltaFeeds `json:"feeds"`
}

// deltaFeeds is one feed's published items, whole and newest first, and
// whether it had more than it published.
type deltaFeeds struct {
	Name  string      `json:"name"`
	Items []feed.Item `json:"items"`
	More  bool        `json:"more,omitempty"`
}

// deltaSettings digests everything besides the sources' files that shapes
// the items of the feeds; "" when the configuration has no delta builds.
func (r *run) deltaSettings() string {
	if r.state == nil {
		return ""
	}
	for _, sc := range r.scanners {
		if sc == nil {
			return ""
		}
	}
	for _, f := range r.Feeds {
		if len(f.Sources) != 1 || f.Archive || f.PerCategory || f.Limit <= 0 {
			return ""
		}
	}
	h := sha256.New()
	fmt.Fprintf(h, "binary %s\noutput %s\nbase %v\nfuture %t\n", buildid.ID(), r.Output, r.Base, r.PublishFuture)
	for _, s := range r.Sources {
		fmt.Fprintf(h, "source %s\n", s.Name())
	}
	for _, f := range r.Feeds {
		fmt.Fprintf(h, "feed %s\n", describeFeed(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// collectDelta is collect from the last build's record and the sources'
// deltas; it reports false, having changed nothing, when this build must
// read everything.
func (r *run) collectDelta(ctx context.Context) (bool, error) {
	settings := r.deltaSettings()
	if settings == "" || r.state == nil || r.last == nil || r.last.Held > 0 {
		return false, nil
	}
	raw, err := r.state.GetState(ctx, deltaKey)
	if err != nil || raw == nil {
		return false, nil
	}
	var rec deltaRecord
	if json.Unmarshal(raw, &rec) != nil || rec.Settings != settings || len(rec.Feeds) != len(r.Feeds) {
		return false, nil
	}
	var batch []feed.Item
	before := map[string]bool{}
	for i, src := range r.Sources {
		scan, err := r.scan(ctx, i)
		if err != nil {
			return false, nil // the full read reports it
		}
		ds, ok := scan.(feed.DeltaScan)
		if !ok || rec.Tokens[src.Name()] == "" {
			return false, nil
		}
		d, ok, err := ds.Delta(ctx, rec.Tokens[src.Name()])
		if err != nil || !ok {
			return false, err
		}
		for _, it := range d.Items {
			it.Source = src.Name()
			batch = append(batch, it)
		}
		for _, id := range d.Before {
			before[dropKey(src.Name(), id)] = true
		}
	}

	// The items of the changed files, as take makes them.
	items, hashes, dropped := normalizeAll(batch, r.Base, r.logger)
	// Held items are counted on a result of its own until the delta is
	// taken: a build that falls back to reading everything holds them
	// again.
	held := &Result{}
	items, hashes = r.holdFuture(items, hashes, r.stamp, held, r.logger)
	items, _, recorded, err := r.settleBatch(ctx, r.stamp, items, hashes, r.logger)
	if err != nil {
		return false, err
	}
	gone := map[string]bool{} // by source and normalised id
	for key := range before {
		src, id, _ := strings.Cut(key, "\x00") // dropKey
		gone[dropKey(src, feed.NormalizeID(id))] = true
	}
	for _, it := range items {
		gone[dropKey(it.Source, it.ID)] = true
	}

	var sels selections
	for i, f := range r.Feeds {
		last := rec.Feeds[i]
		if last.Name != f.Name {
			return false, nil
		}
		var cands []feed.Item
		for _, it := range last.Items {
			if !gone[dropKey(it.Source, it.ID)] {
				cands = append(cands, it)
			}
		}
		for _, it := range items {
			if slices.Contains(f.Sources, it.Source) && f.Filter.Match(it) {
				cands = append(cands, it)
			}
		}
		// Offered in stream order, as reading everything offers them.
		slices.SortStableFunc(cands, func(a, b feed.Item) int { return cmp.Compare(a.Pos, b.Pos) })
		sel := &feedSelection{feed: f, main: feed.NewSelectionOf(f.Limit, len(f.Sources)), categories: map[string]*categorySelection{}}
		for _, it := range cands {
			if _, dup := sel.main.Consider(it); dup == "" {
				sel.candidates++
			}
		}
		if last.More {
			got := sel.main.Items()
			if len(got) < f.Limit || len(last.Items) == 0 || ranks(got[len(got)-1], last.Items[len(last.Items)-1]) > 0 {
				// An item the last build left out may belong now.
				r.logger.Info("reading every file: a feed lost items an unread one may replace", "feed", f.Name)
				return false, nil
			}
			sel.candidates = max(sel.candidates, sel.main.Len()+1)
		}
		sels = append(sels, sel)
	}

	// Committed: what the full read would have counted.
	r.selections = sels
	r.dropped = dropped
	for _, key := range rec.Dropped {
		if !before[key] {
			r.dropped = append(r.dropped, key)
		}
	}
	counted := 0
	for key := range before {
		if !slices.Contains(rec.Dropped, key) {
			counted++
		}
	}
	r.res.Held, r.res.NextHeld = held.Held, held.NextHeld
	r.res.Items = rec.Items - counted + len(items)
	r.res.Skipped = len(r.dropped)
	r.res.Recorded = recorded
	for _, src := range r.Sources {
		r.res.Sources = append(r.res.Sources, SourceStatus{Name: src.Name()})
	}
	r.logger.Info("read only what changed", "items_changed", len(items), "items_before", len(before))
	return true, nil
}

// ranks orders a and b, items of one source, as a feed does: newest
// first, then in stream order.
func ranks(a, b feed.Item) int {
	if c := feed.Newest(a, b); c != 0 {
		return c
	}
	return cmp.Compare(a.Pos, b.Pos)
}

// recordDelta records what the next build's delta merges into, when this
// build's configuration and sources allow one; otherwise it removes any
// record, so that none outlives the build it describes.
func (r *run) recordDelta(ctx context.Context) error {
	settings := r.deltaSettings()
	rec := deltaRecord{Settings: settings, Tokens: map[string]string{}, Items: r.res.Items, Dropped: r.dropped}
	ok := settings != "" && r.res.Held == 0 && len(r.docs) == len(r.Feeds)
	for i, src := range r.Sources {
		if !ok {
			break
		}
		ds, isDelta := r.scans[i].(feed.DeltaScan)
		if !isDelta || ds.Token() == "" {
			ok = false
			break
		}
		rec.Tokens[src.Name()] = ds.Token()
	}
	for i, d := range r.docs {
		if !ok {
			break
		}
		sel := r.selections[i]
		// Items that could not be completed were dropped from the
		// document: which items rank next is not known.
		if d.name != r.Feeds[i].Name || d.waiting || len(d.items) != sel.main.Len() || slices.ContainsFunc(d.items, func(it feed.Item) bool { return it.Pos == "" }) {
			ok = false
			break
		}
		rec.Feeds = append(rec.Feeds, deltaFeeds{Name: d.name, Items: d.items, More: sel.candidates > sel.main.Len()})
	}
	if !ok {
		if raw, _ := r.state.GetState(ctx, deltaKey); raw == nil || string(raw) == "{}" {
			return nil
		}
		return r.state.PutState(ctx, deltaKey, []byte("{}"))
	}
	raw, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return r.state.PutState(ctx, deltaKey, raw)
}

// Forget removes the records builds leave for the next one in state, so
// that the next build reads every source whole and renders every feed.
// Call it after the ledger changed outside a build (an import, a
// recovery): the records carry dates the ledger may no longer hold.
func Forget(ctx context.Context, state ledger.Ledger) error {
	for _, key := range []string{lastBuildKey, deltaKey} {
		if err := state.PutState(ctx, key, []byte("{}")); err != nil {
			return fmt.Errorf("forget the last build: %w", err)
		}
	}
	return nil
}
