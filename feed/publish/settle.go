package publish

import (
	"context"
	"fmt"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
)

// observe records the items at idx in the ledger and gives each its
// published and updated dates: the source's own where it gave them, else
// the ledger's. Published falls back to the first time the item was seen;
// updated moves only when the item's content hash changes. It returns how
// many items the ledger recorded as new or changed.
func (r *run) observe(ctx context.Context, now time.Time, items []feed.Item, hashes []string, idx []int) (recorded int, err error) {
	if len(idx) == 0 {
		return 0, nil
	}
	entries := make([]ledger.Entry, len(idx))
	for j, i := range idx {
		entries[j] = ledger.Entry{ID: items[i].ID, Hash: hashes[i]}
	}
	recs, err := r.Ledger.Observe(ctx, now, entries)
	if err != nil {
		return 0, fmt.Errorf("ledger: %w", err)
	}
	stamp := now.UTC().Truncate(time.Second)
	for j, i := range idx {
		if recs[j].Changed.Equal(stamp) {
			recorded++
		}
		settle(&items[i], recs[j])
	}
	return recorded, nil
}

// settle gives it the dates its ledger record implies where the source
// gave none.
func settle(it *feed.Item, rec ledger.Record) {
	if it.Published.IsZero() {
		it.Published = rec.FirstSeen.UTC()
	}
	if it.Updated.IsZero() {
		it.Updated = it.Published
		if rec.Changed.After(rec.FirstSeen) {
			it.Updated = rec.Changed.UTC()
		}
	}
	if it.Updated.Before(it.Published) {
		it.Updated = it.Published
	}
}
