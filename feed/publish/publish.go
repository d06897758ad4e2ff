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
	"context"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
)

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
	// Sources are read in this order; a Source that is also a Scanner
	// is read through one Scan a build (seams.go).
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
//
// A build is the pipeline below, one named stage a call; each
// optimisation (skipping an unchanged build, partial items, reused
// documents, archive pages, item pages) is a named step of one stage, in
// a file of its own.
func (b *Builder) Build(ctx context.Context) (*Result, error) {
	r := b.newRun(ctx)
	// Skip: when no source and no setting changed since the last build,
	// and its files are as it left them, they stand (unchanged.go).
	if res, skipped, err := r.skipIfUnchanged(ctx); skipped {
		return res, err
	}
	// Collect: every source fetched or streamed; its items normalised,
	// held back when dated later than the build (hold.go), settled with
	// the ledger (settle.go, partial.go) and offered to the feeds they
	// belong to (collect.go).
	if err := r.collect(ctx); err != nil {
		return nil, err
	}
	// Lay out every document to publish with its items, older items
	// moved to archive pages, partial items completed (documents.go).
	docs, err := r.documents(ctx)
	if err != nil {
		return nil, err
	}
	// Render, or reuse the files of the last build where a feed's inputs
	// did not change; then the archive pages (archive.go) and the item
	// pages (pages.go). Everything is validated before a byte is written.
	if err := r.renderFeeds(docs); err != nil {
		return nil, err
	}
	archived, err := r.renderArchives(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.renderPages(docs, archived); err != nil {
		return nil, err
	}
	// Write what changed, atomically, and sync the object store
	// (write.go, store.go).
	if err := r.write(ctx); err != nil {
		return nil, err
	}
	// Remember the archive layout and this build, for the next build to
	// compare with (unchanged.go).
	r.remember(ctx)
	return r.res, nil
}

// run is one build in progress: the Builder's settings and what the build
// has learned so far. Every stage of Build is a method of it.
type run struct {
	*Builder
	logger *slog.Logger
	now    func() time.Time
	// state is where builds leave their record for the next one; nil
	// when there is none (see Builder.state).
	state ledger.Ledger
	// last is the record the last build left, or nil.
	last *lastBuild
	// fp is this build's fingerprint; "" when it has none.
	fp string
	// scanners holds, by source index, each source that is a Scanner
	// (nil for the others); scans holds its Scan for this build once
	// taken, or scanErrs the error taking it gave.
	scanners []Scanner
	scans    []feed.Scan
	scanErrs []error
	// stamp is the time the ledger records this build's observations at.
	stamp      time.Time
	archives   []*archive // by feed index; nil for feeds without one
	selections selections
	// dropped lists the items normalisation dropped (dropKey), and docs
	// the documents laid out, for the record of a delta (delta.go).
	dropped []string
	docs    []document
	res     *Result
}

// newRun starts a build: its logger and clock, and the last build's record.
func (b *Builder) newRun(ctx context.Context) *run {
	r := &run{
		Builder:  b,
		logger:   b.Logger,
		now:      b.Now,
		scanners: make([]Scanner, len(b.Sources)),
		scans:    make([]feed.Scan, len(b.Sources)),
		scanErrs: make([]error, len(b.Sources)),
		res:      &Result{},
	}
	if r.logger == nil {
		r.logger = slog.New(slog.DiscardHandler)
	}
	if r.now == nil {
		r.now = time.Now
	}
	for i, src := range b.Sources {
		r.scanners[i], _ = src.(Scanner)
	}
	r.state = b.state()
	r.last = lastBuildOf(ctx, r.state)
	return r
}

// scan returns source i's Scan for this build, taken on first use, so
// that the fingerprint and the read of one build see the same files.
// Source i must be a Scanner.
func (r *run) scan(ctx context.Context, i int) (feed.Scan, error) {
	if r.scans[i] == nil && r.scanErrs[i] == nil {
		r.scans[i], r.scanErrs[i] = r.scanners[i].Scan(ctx)
	}
	return r.scans[i], r.scanErrs[i]
}
