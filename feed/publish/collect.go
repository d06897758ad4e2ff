package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/par"
)

// collect reads every source, in configuration order, and hands its items
// on in batches (take). Sources that are Scanners are streamed from their
// Scan; the others are fetched, all started at once (fetch.go). A source
// that fails with feed.ErrStale is published from its last good items;
// any other failure fails the build.
func (r *run) collect(ctx context.Context) error {
	r.stamp = r.now()
	r.archives = r.loadArchives(ctx, r.state, r.logger)
	r.selections = newSelections(r.Feeds, r.archives, func(source string) bool { return r.uniqueIDs(ctx, source) })
	// Only what changed, when the sources can say what that is and it
	// stays within their changed files (delta.go).
	if ok, err := r.collectDelta(ctx); ok || err != nil {
		return err
	}
	// Batches are taken on a goroutine of their own, in order, while the
	// next one fills (takes.go).
	takes := startTakes(ctx, r.take)
	defer takes.stop()
	batch := takes.batch()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := takes.send(batch)
		batch = takes.batch()
		return err
	}
	fetching := r.startFetches(ctx)
	defer fetching.stop()
	for i, src := range r.Sources {
		name := src.Name()
		emit := func(it feed.Item) error {
			it.Source = name
			batch = append(batch, it)
			if len(batch) == batchSize {
				return flush()
			}
			return nil
		}
		var err error
		if r.scanners[i] != nil {
			var scan feed.Scan
			if scan, err = r.scan(ctx, i); err == nil {
				err = scan.Stream(ctx, emit)
			}
		} else {
			var items []feed.Item
			items, err = fetching.result(i)
			for _, it := range items {
				if ferr := emit(it); ferr != nil {
					return ferr
				}
			}
		}
		if err == nil {
			// What this source's items met in the ledger is this
			// source's error, as when each batch was taken at once.
			if err = flush(); err == nil {
				err = takes.drain()
			}
		}
		if err := r.account(name, err); err != nil {
			return err
		}
	}
	return takes.stop()
}

// account records how source name fared, given the error its read
// returned; it returns the error that fails the build, if any.
func (r *run) account(name string, err error) error {
	if errors.Is(err, feed.ErrStale) {
		if r.res.Degraded == nil {
			r.res.Degraded = map[string]error{}
		}
		r.res.Degraded[name] = err
		r.logger.Warn("source degraded; its last good items are published", "source", name, "error", err)
	} else if err != nil {
		return fmt.Errorf("source %s: %w", name, err)
	}
	r.res.Sources = append(r.res.Sources, SourceStatus{Name: name, Err: err, RetryAt: feed.RetryAt(err)})
	return nil
}

// take runs one batch of items through the collect stage: normalised,
// held back when dated later than the build, settled with the ledger,
// and offered to the feeds.
func (r *run) take(ctx context.Context, batch []feed.Item) error {
	items, hashes, dropped := normalizeAll(batch, r.Base, r.logger)
	items, hashes = r.holdFuture(items, hashes, r.stamp, r.res, r.logger)
	items, hashes, recorded, err := r.settleBatch(ctx, r.stamp, items, hashes, r.logger)
	if err != nil {
		return err
	}
	r.dropped = append(r.dropped, dropped...)
	r.res.Skipped += len(dropped)
	r.res.Items += len(items)
	r.res.Recorded += recorded
	for i, it := range items {
		dups := r.selections.offer(it, hashes[i], r.logger)
		r.res.Skipped += dups
		r.res.Duplicates += dups
	}
	return nil
}

// batchSize is how many items are normalised together, on every CPU, and
// recorded in the ledger in one transaction. Two batches are in memory at
// once, one taken while the next fills (takes.go).
const batchSize = 1024

// normalizeAll normalises items and hashes them on every CPU, logging and
// dropping those that cannot be published, whose source and id it
// returns (dropKey); the order is kept.
func normalizeAll(items []feed.Item, base *url.URL, logger *slog.Logger) ([]feed.Item, []string, []string) {
	out := make([]feed.Item, len(items))
	hashes := make([]string, len(items))
	errs := make([]error, len(items))
	par.For(len(items), func(i int) {
		out[i], errs[i] = feed.Normalize(items[i], base)
		// A partial item lacks its content; it has no hash of its own.
		if errs[i] == nil && !out[i].Partial {
			hashes[i] = feed.Hash(out[i])
		}
	})
	kept := 0
	var dropped []string
	for i := range out {
		if errs[i] != nil {
			dropped = append(dropped, dropKey(items[i].Source, items[i].ID))
			logger.Warn("item skipped", "source", items[i].Source, "error", errs[i])
			continue
		}
		out[kept], hashes[kept] = out[i], hashes[i]
		kept++
	}
	return out[:kept], hashes[:kept], dropped
}

// dropKey names an item a build dropped by its source and its id as the
// source gave it.
func dropKey(source, id string) string { return source + "\x00" + id }

// feedSelection follows one feed through a build: the newest items that
// pass its filter, and, for per-category feeds, those of each category.
type feedSelection struct {
	feed Feed
	main *feed.Selection
	// candidates counts the items offered to main that were not
	// duplicates: when it exceeds main's, items were left out.
	candidates int
	arch       *archive // nil unless the feed keeps an archive
	categories map[string]*categorySelection
	// unique is set for a feed of one source that never yields an id
	// twice: its selections keep no record of ids.
	unique bool
}

// selection returns an empty selection of at most limit items for s.
func (s *feedSelection) selection(limit int) *feed.Selection {
	if s.unique {
		return feed.NewUniqueSelection(limit)
	}
	return feed.NewSelectionOf(limit, len(s.feed.Sources))
}

type categorySelection struct {
	name string // as first spelled
	sel  *feed.Selection
}

type selections []*feedSelection

// newSelections starts the selections of feeds; unique reports whether
// a source never yields an id twice.
func newSelections(feeds []Feed, archives []*archive, unique func(source string) bool) selections {
	out := make(selections, len(feeds))
	for i, f := range feeds {
		limit := f.Limit
		if archives[i] != nil {
			// Every unarchived item is kept: those beyond the limit
			// move to the archive once the whole feed is known.
			limit = 0
		}
		s := &feedSelection{feed: f, arch: archives[i], categories: map[string]*categorySelection{}}
		s.unique = len(f.Sources) == 1 && unique(f.Sources[0])
		s.main = s.selection(limit)
		out[i] = s
	}
	return out
}

// uniqueIDs reports whether the source named source is read through a
// Scan that promises never to yield an id twice (feed.UniqueScan).
func (r *run) uniqueIDs(ctx context.Context, source string) bool {
	for i, src := range r.Sources {
		if src.Name() != source || r.scanners[i] == nil {
			continue
		}
		scan, err := r.scan(ctx, i)
		u, ok := scan.(feed.UniqueScan)
		return err == nil && ok && u.UniqueIDs()
	}
	return false
}

// offer gives an item, with its content hash, to every feed whose sources
// and filter take it. An item that a feed already has from another source
// (by id or canonical link) is dropped from that feed, logged with both
// ids; offer returns how many feeds dropped it.
func (ss selections) offer(it feed.Item, hash string, logger *slog.Logger) (duplicates int) {
	for _, s := range ss {
		if !slices.Contains(s.feed.Sources, it.Source) || !s.feed.Filter.Match(it) {
			continue
		}
		if s.arch == nil || !s.arch.take(it, hash) {
			_, dup := s.main.Consider(it)
			if dup == "" {
				s.candidates++
			}
			if dup != "" {
				duplicates++
				logger.Info("item skipped: a duplicate of an item of another source", "feed", s.feed.Name,
					"id", it.ID, "source", it.Source, "duplicate_of", dup, "link", it.Link)
				continue
			}
		}
		if !s.feed.PerCategory {
			continue
		}
		var done []string
		for _, c := range it.Categories {
			slug := feed.Slug(c)
			if slices.Contains(done, slug) {
				continue
			}
			done = append(done, slug)
			cs := s.categories[slug]
			if cs == nil {
				cs = &categorySelection{name: c, sel: s.selection(s.feed.Limit)}
				s.categories[slug] = cs
			}
			cs.sel.Offer(it)
		}
	}
	return duplicates
}
