// Package publish runs one build: it fetches every source, normalises the
// items, settles their identity and dates with the ledger, renders each feed
// in every format, validates what it rendered, and writes the documents that
// changed, atomically.
//
// A build either publishes every feed or leaves the previous files exactly
// as they were: everything is rendered and validated before the first byte
// is written.
package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/internal/buildctx"
	"github.com/feedpub/feedpub/internal/par"
)

// Source yields the items of one configured source. It is the interface
// the source package's readers satisfy.
type Source interface {
	Name() string
	Fetch(ctx context.Context) ([]feed.Item, error)
}

// Feed is one feed to publish: its metadata (self links included), the
// sources it draws from and how many items it carries.
type Feed struct {
	Name    string
	Meta    feed.Meta
	Sources []string
	Limit   int
	// Filter selects the feed's items; nil keeps all.
	Filter *Filter
	// PerCategory also publishes one feed per category of the feed's
	// items, named "category/{slug}", with the meta CategoryMeta gives.
	PerCategory  bool
	CategoryMeta func(category, slug string) feed.Meta `json:"-"`
	// Archive keeps the items beyond Limit in RFC 5005 archive pages of
	// Limit items each (see ArchivePage), whose meta, self links
	// included, ArchiveMeta gives; the feed's own documents link to the
	// newest page. Per-category feeds are not archived.
	Archive     bool
	ArchiveMeta func(page int) feed.Meta `json:"-"`
}

// Builder holds what a build needs. Its zero value is not usable: Sources,
// Feeds and Ledger are required.
type Builder struct {
	Sources []Source
	Feeds   []Feed
	Ledger  ledger.Ledger
	// Output is the folder documents are written to, as {name}.{format}.
	// When empty, nothing is written and Build only returns the documents.
	Output string
	// Base resolves relative item links.
	Base *url.URL
	// Pages, when set, also publishes item pages, the OPML list and the
	// feeds' HTML views; see Pages.
	Pages *Pages
	// Now is the clock the ledger stamps first-seen times with, and the
	// one items dated later than it are held back by.
	Now    func() time.Time
	Logger *slog.Logger
	// PublishFuture publishes items dated later than the build at once,
	// instead of holding them back until their date (hold.go).
	PublishFuture bool
	// Fetchers is how many sources are fetched at once; zero means
	// DefaultFetchers.
	Fetchers int
	// Store, when set, receives the output folder after every build
	// (see Sync), with CacheControl on every object; the folder is then
	// a working copy that later builds compare with.
	Store        Store
	CacheControl string
}

// FeedResult sums up one published feed.
type FeedResult struct {
	Name      string
	Items     int
	Documents []feed.Document
	// Reused reports that the feed had the same items and settings as in
	// the last build, so its documents were read back from the published
	// files instead of being rendered and validated again.
	Reused bool
	// Archive lists the feed's archive pages, oldest first, when it
	// keeps an archive.
	Archive []ArchivePage

	inputs string // renderInputs, for the next build to compare with
}

// Changed reports whether any of the feed's documents, its archive pages
// included, changed.
func (r FeedResult) Changed() bool {
	for _, d := range r.AllDocuments() {
		if d.Changed {
			return true
		}
	}
	return false
}

// AllDocuments lists the feed's documents and then those of its archive
// pages, oldest page first.
func (r FeedResult) AllDocuments() []feed.Document {
	if len(r.Archive) == 0 {
		return r.Documents
	}
	out := slices.Clone(r.Documents)
	for _, p := range r.Archive {
		out = append(out, p.Documents...)
	}
	return out
}

// Result is what a successful build published.
type Result struct {
	Feeds []FeedResult
	// Items counts the items all sources yielded, after normalisation.
	Items int
	// Skipped counts items dropped by normalisation, and those a feed
	// dropped as duplicates of another source's items.
	Skipped int
	// Duplicates counts the items feeds dropped as duplicates of another
	// source's items, once per feed that dropped them; Skipped includes
	// them.
	Duplicates int
	// Recorded counts the items the ledger recorded as new or changed.
	Recorded int
	// Degraded maps each source that failed this time, and whose last
	// good items were used instead, to its error.
	Degraded map[string]error
	// Sources says how each source fared, in configuration order.
	Sources []SourceStatus
	// Held counts the items held back because their date is later than
	// the build's, and NextHeld is the earliest of their dates (zero when
	// none is held): a build from then on publishes that item.
	Held     int
	NextHeld time.Time
	// Site is what the build published besides the feeds, when the
	// Builder has Pages.
	Site *Site

	gone []string // archive pages no longer published, to remove
}

// Documents lists every document of every feed, archive pages included.
// An archive page's document not rendered by this build has no Body: use
// Load.
func (r *Result) Documents() []feed.Document {
	var out []feed.Document
	for _, f := range r.Feeds {
		out = append(out, f.AllDocuments()...)
	}
	return out
}

// Build runs one build. Items a source yields that cannot be published
// (no id, no title, a link that cannot be made absolute) are logged by id and
// skipped. A source that fails, a feed left with no items, or a document that
// does not validate fails the whole build before anything is written.
func (b *Builder) Build(ctx context.Context) (*Result, error) {
	logger := b.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	// Sources may keep what the fingerprint check learned for the rest
	// of this build, and only this build.
	ctx = buildctx.New(ctx)
	state := b.state()
	last := lastBuildOf(ctx, state)
	var fp string
	if state != nil {
		fp = b.fingerprint(ctx)
	}
	if fp != "" && !heldDue(last, now()) {
		if res, ok := b.unchanged(fp, last); ok && b.unchangedArchives(ctx, state, res, logger) && b.siteUnchanged(res) {
			logger.Info("no source changed since the last build; the published feeds stand")
			// A store that missed the last build's upload catches up.
			if err := b.syncStore(ctx, logger); err != nil {
				return nil, err
			}
			return res, nil
		}
	}
	res := &Result{}
	stamp := now()
	archives := b.loadArchives(ctx, state, logger)
	selections := newSelections(b.Feeds, archives)
	batch := make([]feed.Item, 0, batchSize)
	flush := func() error {
		items, hashes, skipped := normalizeAll(batch, b.Base, logger)
		batch = batch[:0]
		items, hashes = b.holdFuture(items, hashes, stamp, res, logger)
		items, hashes, recorded, err := b.settleBatch(ctx, stamp, items, hashes, logger)
		if err != nil {
			return err
		}
		res.Skipped += skipped
		res.Items += len(items)
		res.Recorded += recorded
		for i, it := range items {
			dups := selections.offer(it, hashes[i], logger)
			res.Skipped += dups
			res.Duplicates += dups
		}
		return nil
	}
	fetching := b.startFetches(ctx)
	defer fetching.stop()
	for i, src := range b.Sources {
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
		if st, ok := src.(Streamer); ok {
			err = st.Stream(ctx, emit)
		} else {
			var items []feed.Item
			items, err = fetching.result(i)
			for _, it := range items {
				if ferr := emit(it); ferr != nil {
					return nil, ferr
				}
			}
		}
		if errors.Is(err, feed.ErrStale) {
			if res.Degraded == nil {
				res.Degraded = map[string]error{}
			}
			res.Degraded[name] = err
			logger.Warn("source degraded; its last good items are published", "source", name, "error", err)
		} else if err != nil {
			return nil, fmt.Errorf("source %s: %w", name, err)
		}
		res.Sources = append(res.Sources, SourceStatus{Name: name, Err: err, RetryAt: feed.RetryAt(err)})
	}
	if err := flush(); err != nil {
		return nil, err
	}

	// Every document to render, in order, with its items.
	type doc struct {
		name    string
		meta    feed.Meta
		sources []string
		// archived feeds are always published: their archive pages
		// follow the feed.
		archived bool
	}
	var docs []doc
	var lists [][]feed.Item
	for i, f := range b.Feeds {
		sel := selections[i]
		meta, items := f.Meta, sel.main.Items()
		if a := archives[i]; a != nil {
			items = a.split(items)
			a.layout()
			if len(items) == 0 {
				items = a.reclaim()
			}
			meta.History.Prev = a.newest()
		}
		docs = append(docs, doc{f.Name, meta, f.Sources, archives[i] != nil})
		lists = append(lists, items)
		for _, slug := range slices.Sorted(maps.Keys(sel.categories)) {
			c := sel.categories[slug]
			docs = append(docs, doc{CategoryName(slug), f.CategoryMeta(c.name, slug), f.Sources, false})
			lists = append(lists, c.sel.Items())
		}
	}
	lists, recorded, err := b.completeSelected(ctx, stamp, lists, logger)
	if err != nil {
		return nil, err
	}
	res.Recorded += recorded
	waiting := make([]bool, len(docs))
	for i, d := range docs {
		if len(lists[i]) == 0 && len(docs) > 1 && !d.archived && allDegraded(d.sources, res.Degraded) {
			// Sites that have never answered must not stop the other
			// feeds: this one waits for its first good fetch.
			logger.Warn("feed not published: every one of its sources failed and has no last good items", "feed", d.name)
			waiting[i] = true
			continue
		}
		if len(lists[i]) == 0 {
			why := "its sources and filters left nothing to publish"
			if res.Held > 0 {
				why += fmt.Sprintf("; %d items are held until their date, the first at %s", res.Held, res.NextHeld.UTC().Format(time.RFC3339))
			}
			return nil, fmt.Errorf("feed %s: %w (%s); the previous files are kept", d.name, feed.ErrNoItems, why)
		}
		inputs := renderInputs(d.meta, lists[i])
		fr, ok := b.reuse(last, d.name, inputs, len(lists[i]))
		if ok {
			logger.Debug("feed items and settings unchanged; published documents kept", "feed", d.name)
		} else {
			if fr, err = renderFeed(d.name, d.meta, lists[i]); err != nil {
				return nil, err
			}
			fr.inputs = inputs
		}
		res.Feeds = append(res.Feeds, fr)
	}
	if len(res.Feeds) == 0 {
		return nil, fmt.Errorf("%w: every source failed; the previous files are kept", feed.ErrNoItems)
	}
	archived, err := b.renderArchives(ctx, res, archives, logger)
	if err != nil {
		return nil, err
	}

	if b.Pages != nil {
		var names []string
		var metas []feed.Meta
		var published [][]feed.Item
		for i, d := range docs {
			if !waiting[i] {
				names, metas, published = append(names, d.name), append(metas, d.meta), append(published, lists[i])
			}
		}
		// Archived items keep their pages: their lists follow the
		// documents' own, with no view of their own.
		if res.Site, err = b.renderSite(names, metas, append(published, archived...), logger); err != nil {
			return nil, err
		}
	}
	if b.Output != "" {
		// Pages first and retired pages last, so that no feed ever links
		// a page that is not there.
		if res.Site != nil {
			if err := b.writeSite(res.Site); err != nil {
				return nil, err
			}
		}
		if err := b.write(res); err != nil {
			return nil, err
		}
		if res.Site != nil {
			if err := b.retirePages(res.Site, logger); err != nil {
				return nil, err
			}
		}
		if err := b.syncStore(ctx, logger); err != nil {
			return nil, err
		}
	}
	if state != nil {
		for _, a := range archives {
			if a == nil {
				continue
			}
			if err := a.save(ctx, state); err != nil {
				// The pages are published; without their record the
				// next build lays the archive out again.
				logger.Warn("archive state not recorded", "feed", a.feed.Name, "error", err)
			}
		}
		if err := b.remember(ctx, fp, state, res, stamp); err != nil {
			logger.Warn("build not recorded; the next build will not be skipped", "error", err)
		}
	}
	return res, nil
}

// allDegraded reports whether every one of sources failed in this build.
func allDegraded(sources []string, degraded map[string]error) bool {
	for _, name := range sources {
		if degraded[name] == nil {
			return false
		}
	}
	return len(sources) > 0
}

// Streamer is implemented by sources that can hand over their items one
// at a time, so that a build never holds a whole archive in memory.
type Streamer interface {
	Stream(ctx context.Context, emit func(feed.Item) error) error
}

// batchSize is how many items are normalised together, on every CPU, and
// recorded in the ledger in one transaction.
const batchSize = 2048

// normalizeAll normalises items and hashes them on every CPU, logging and
// dropping those that cannot be published; the order is kept.
func normalizeAll(items []feed.Item, base *url.URL, logger *slog.Logger) ([]feed.Item, []string, int) {
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
	kept, skipped := 0, 0
	for i := range out {
		if errs[i] != nil {
			skipped++
			logger.Warn("item skipped", "source", items[i].Source, "error", errs[i])
			continue
		}
		out[kept], hashes[kept] = out[i], hashes[i]
		kept++
	}
	return out[:kept], hashes[:kept], skipped
}

// feedSelection follows one feed through a build: the newest items that
// pass its filter, and, for per-category feeds, those of each category.
type feedSelection struct {
	feed       Feed
	main       *feed.Selection
	arch       *archive // nil unless the feed keeps an archive
	categories map[string]*categorySelection
}

type categorySelection struct {
	name string // as first spelled
	sel  *feed.Selection
}

type selections []*feedSelection

func newSelections(feeds []Feed, archives []*archive) selections {
	out := make(selections, len(feeds))
	for i, f := range feeds {
		limit := f.Limit
		if archives[i] != nil {
			// Every unarchived item is kept: those beyond the limit
			// move to the archive once the whole feed is known.
			limit = 0
		}
		out[i] = &feedSelection{feed: f, main: feed.NewSelectionOf(limit, len(f.Sources)), arch: archives[i], categories: map[string]*categorySelection{}}
	}
	return out
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
			if _, dup := s.main.Consider(it); dup != "" {
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
				cs = &categorySelection{name: c, sel: feed.NewSelectionOf(s.feed.Limit, len(s.feed.Sources))}
				s.categories[slug] = cs
			}
			cs.sel.Offer(it)
		}
	}
	return duplicates
}

// renderFeed renders one feed in every format, validated.
func renderFeed(name string, meta feed.Meta, items []feed.Item) (FeedResult, error) {
	fr := FeedResult{Name: name, Items: len(items)}
	modified := feed.LastUpdated(items)
	for _, format := range feed.Formats {
		body, err := renderChecked(format, meta, items)
		if err != nil {
			return FeedResult{}, fmt.Errorf("feed %s: %w", name, err)
		}
		fr.Documents = append(fr.Documents, feed.Document{
			Feed: name, Format: format, Title: meta.Title, Body: body,
			Modified: modified, SelfURL: meta.SelfURL[format],
		})
	}
	return fr, nil
}

// observe records the items at idx in the ledger and gives each its
// published and updated dates: the source's own where it gave them, else
// the ledger's. Published falls back to the first time the item was seen;
// updated moves only when the item's content hash changes. It returns how
// many items the ledger recorded as new or changed.
func (b *Builder) observe(ctx context.Context, now time.Time, items []feed.Item, hashes []string, idx []int) (recorded int, err error) {
	if len(idx) == 0 {
		return 0, nil
	}
	entries := make([]ledger.Entry, len(idx))
	for j, i := range idx {
		entries[j] = ledger.Entry{ID: items[i].ID, Hash: hashes[i]}
	}
	recs, err := b.Ledger.Observe(ctx, now, entries)
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

// renderChecked renders one document and validates it against the items it
// was rendered from, so that a renderer bug never reaches a reader.
func renderChecked(format feed.Format, meta feed.Meta, items []feed.Item) ([]byte, error) {
	var buf bytes.Buffer
	if err := feed.Render(&buf, format, meta, items); err != nil {
		return nil, err
	}
	report := feed.ValidateFormat(format, buf.Bytes())
	// Text that quotes entities ("&amp;") on purpose trips the validator's
	// double-escaping heuristic; Match below proves each title came back
	// exactly as given, which is the exact check.
	if err := report.PublishErr(); err != nil {
		return nil, fmt.Errorf("rendered %s does not validate: %w", format, err)
	}
	if err := report.Match(items); err != nil {
		return nil, fmt.Errorf("rendered %s does not carry its items: %w", format, err)
	}
	return buf.Bytes(), nil
}

// write stores every document whose bytes changed. Each file is replaced
// atomically, so a reader or a crash sees the old or the new version whole.
func (b *Builder) write(res *Result) error {
	if err := os.MkdirAll(b.Output, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	for fi := range res.Feeds {
		if res.Feeds[fi].Reused {
			continue // read back from these very files a moment ago
		}
		for di := range res.Feeds[fi].Documents {
			if err := b.writeDocument(&res.Feeds[fi].Documents[di]); err != nil {
				return err
			}
		}
	}
	return b.writeArchives(res)
}

// writeDocument writes d when its bytes changed, and says so in d.
func (b *Builder) writeDocument(d *feed.Document) error {
	path := b.docPath(d.Feed, d.Format)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write feed %s: %w", d.Feed, err)
	}
	changed, err := WriteFileAtomic(path, d.Body, 0o644)
	if err != nil {
		return fmt.Errorf("write feed %s: %w", d.Feed, err)
	}
	d.Changed = changed
	return nil
}

// WriteFileAtomic replaces path with data unless the file already holds
// exactly those bytes; it reports whether it wrote. The data goes to a
// temporary file in the same folder, is synced, and is renamed over path;
// the folder is synced too. On any error the temporary file is removed and
// path is untouched.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (changed bool, err error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	err = WriteAtomic(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	return err == nil, err
}

// WriteAtomic replaces path with what write writes, through a synced
// temporary file in the same folder renamed over path, and syncs the
// folder. On any error the temporary file is removed and path is untouched.
func WriteAtomic(path string, perm os.FileMode, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		// Without syncing the folder, a crash could forget the rename.
		serr := d.Sync()
		d.Close()
		if serr != nil && !errors.Is(serr, os.ErrInvalid) {
			return fmt.Errorf("sync %s: %w", dir, serr)
		}
	}
	return nil
}
