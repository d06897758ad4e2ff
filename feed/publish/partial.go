package publish

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
)

// Partial items (feed.Item Partial) are items of files that did not
// change since the last build, which a Scan streams without their
// content. A build dates them from the ledger, which needs no content,
// and asks the Scan for the content of the few a document publishes.

// needsContent reports whether a feed's filter reads item content, which
// partial items lack.
func (f *Filter) needsContent() bool {
	return f != nil && (f.IncludeContent != nil || f.ExcludeContent != nil)
}

// completeAt replaces the partial items at idx with whole ones from their
// sources, normalised and hashed. It returns the indexes of the items that
// could not be completed; they are logged, and the caller drops them.
func (r *run) completeAt(ctx context.Context, items []feed.Item, hashes []string, idx []int, logger *slog.Logger) (failed []int, err error) {
	bySource := map[string][]int{}
	for _, i := range idx {
		bySource[items[i].Source] = append(bySource[items[i].Source], i)
	}
	for name, at := range bySource {
		c, ok := r.completer(name)
		if !ok {
			return nil, fmt.Errorf("source %s sent partial items but cannot complete them", name)
		}
		part := make([]feed.Item, len(at))
		for j, i := range at {
			part[j] = items[i]
		}
		whole, errs := c.Complete(ctx, part)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for j, i := range at {
			if errs[j] == nil {
				whole[j].Source = name
				items[i], errs[j] = feed.Normalize(whole[j], r.Base)
			}
			if errs[j] != nil {
				logger.Warn("item skipped", "source", name, "error", errs[j])
				failed = append(failed, i)
				continue
			}
			hashes[i] = feed.Hash(items[i])
		}
	}
	return failed, nil
}

// completer returns this build's Scan of the source called name, which
// completes the partial items it streamed.
func (r *run) completer(name string) (feed.Scan, bool) {
	for i, s := range r.Sources {
		if s.Name() == name {
			return r.scans[i], r.scans[i] != nil
		}
	}
	return nil, false
}

// settleBatch dates a batch of normalised items and returns those that
// stay, with their content hashes. Whole items are observed by the ledger;
// partial items the ledger knows take their dates, and their hash, from it
// without being observed, since their content did not change; the other
// partial items, and all of them when a filter reads content, are
// completed first.
func (r *run) settleBatch(ctx context.Context, stamp time.Time, items []feed.Item, hashes []string, logger *slog.Logger) ([]feed.Item, []string, int, error) {
	var partial []int
	for i := range items {
		if items[i].Partial {
			partial = append(partial, i)
		}
	}
	known := map[int]ledger.Record{}
	need := partial
	if len(partial) > 0 && !r.needContent() {
		ids := make([]string, len(partial))
		for j, i := range partial {
			ids[j] = items[i].ID
		}
		recs, found, err := r.Ledger.Lookup(ctx, ids)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("ledger: %w", err)
		}
		need = need[:0:0]
		for j, i := range partial {
			if found[j] {
				known[i] = recs[j]
			} else {
				need = append(need, i)
			}
		}
	}
	drop := map[int]bool{}
	if len(need) > 0 {
		failed, err := r.completeAt(ctx, items, hashes, need, logger)
		if err != nil {
			return nil, nil, 0, err
		}
		for _, i := range failed {
			drop[i] = true
		}
	}
	var observed []int
	for i := range items {
		if _, ok := known[i]; !ok && !drop[i] {
			observed = append(observed, i)
		}
	}
	recorded, err := r.observe(ctx, stamp, items, hashes, observed)
	if err != nil {
		return nil, nil, 0, err
	}
	for i, rec := range known {
		settle(&items[i], rec)
		hashes[i] = rec.Hash
	}
	if len(drop) > 0 {
		kept, keptHashes := items[:0], hashes[:0]
		for i, it := range items {
			if !drop[i] {
				kept = append(kept, it)
				keptHashes = append(keptHashes, hashes[i])
			}
		}
		items, hashes = kept, keptHashes
	}
	return items, hashes, recorded, nil
}

// needContent reports whether any feed's filter reads item content.
func (b *Builder) needContent() bool {
	return slices.ContainsFunc(b.Feeds, func(f Feed) bool { return f.Filter.needsContent() })
}

// completeSelected completes the partial items of the lists a build is
// about to render, in place: each distinct item is read once, observed by
// the ledger (which dates it anew only if it changed after all), and lists
// are sorted again in case a date moved. Items that cannot be read are
// dropped from the lists.
func (r *run) completeSelected(ctx context.Context, stamp time.Time, lists [][]feed.Item, logger *slog.Logger) ([][]feed.Item, int, error) {
	var items []feed.Item
	at := map[string]int{}
	for _, l := range lists {
		for _, it := range l {
			if _, seen := at[it.ID]; it.Partial && !seen {
				at[it.ID] = len(items)
				items = append(items, it)
			}
		}
	}
	if len(items) == 0 {
		return lists, 0, nil
	}
	hashes := make([]string, len(items))
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	failed, err := r.completeAt(ctx, items, hashes, idx, logger)
	if err != nil {
		return nil, 0, err
	}
	bad := map[string]bool{}
	for _, i := range failed {
		bad[items[i].ID] = true
		idx = slices.DeleteFunc(idx, func(j int) bool { return j == i })
	}
	recorded, err := r.observe(ctx, stamp, items, hashes, idx)
	if err != nil {
		return nil, 0, err
	}
	out := make([][]feed.Item, len(lists))
	for n, l := range lists {
		for _, it := range l {
			if it.Partial {
				if bad[it.ID] {
					continue
				}
				it = items[at[it.ID]]
			}
			out[n] = append(out[n], it)
		}
		slices.SortStableFunc(out[n], feed.Newest)
	}
	return out, recorded, nil
}
