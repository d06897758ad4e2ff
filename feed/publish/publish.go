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
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
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
	CategoryMeta func(category, slug string) feed.Meta
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
	// Now is the clock the ledger stamps first-seen times with.
	Now    func() time.Time
	Logger *slog.Logger
}

// Document is one rendered feed document.
type Document struct {
	Feed   string
	Format feed.Format
	Title  string
	Body   []byte
	// Modified is the feed's newest item date.
	Modified time.Time
	SelfURL  string
	// Changed reports whether the bytes differ from the file on disk.
	Changed bool
}

// FeedResult sums up one published feed.
type FeedResult struct {
	Name      string
	Items     int
	Documents []Document
}

// Changed reports whether any of the feed's documents changed.
func (r FeedResult) Changed() bool {
	for _, d := range r.Documents {
		if d.Changed {
			return true
		}
	}
	return false
}

// Result is what a successful build published.
type Result struct {
	Feeds []FeedResult
	// Items counts the items all sources yielded, after normalisation.
	Items int
	// Skipped counts items dropped by normalisation.
	Skipped int
	// Recorded counts the items the ledger recorded as new or changed.
	Recorded int
	// Degraded maps each source that failed this time, and whose last
	// good items were used instead, to its error.
	Degraded map[string]error
}

// Documents lists every document of every feed.
func (r *Result) Documents() []Document {
	var out []Document
	for _, f := range r.Feeds {
		out = append(out, f.Documents...)
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
	res := &Result{}
	bySource := map[string][]feed.Item{}
	var all []feed.Item
	for _, src := range b.Sources {
		items, err := src.Fetch(ctx)
		if errors.Is(err, feed.ErrStale) {
			if res.Degraded == nil {
				res.Degraded = map[string]error{}
			}
			res.Degraded[src.Name()] = err
			logger.Warn("source degraded; its last good items are published", "source", src.Name(), "items", len(items), "error", err)
		} else if err != nil {
			return nil, fmt.Errorf("source %s: %w", src.Name(), err)
		}
		for _, it := range items {
			it.Source = src.Name()
			n, err := feed.Normalize(it, b.Base)
			if err != nil {
				res.Skipped++
				logger.Warn("item skipped", "source", src.Name(), "error", err)
				continue
			}
			all = append(all, n)
		}
	}
	res.Items = len(all)

	recorded, err := b.settleDates(ctx, now(), all)
	if err != nil {
		return nil, err
	}
	res.Recorded = recorded
	for _, it := range all {
		bySource[it.Source] = append(bySource[it.Source], it)
	}

	for _, f := range b.Feeds {
		var pool []feed.Item
		for _, name := range f.Sources {
			for _, it := range bySource[name] {
				if f.Filter.Match(it) {
					pool = append(pool, it)
				}
			}
		}
		items := feed.Select(pool, f.Limit)
		if len(items) == 0 {
			return nil, fmt.Errorf("feed %s: %w (its sources and filters left nothing to publish); the previous files are kept", f.Name, feed.ErrNoItems)
		}
		fr, err := renderFeed(f.Name, f.Meta, items)
		if err != nil {
			return nil, err
		}
		res.Feeds = append(res.Feeds, fr)
		if f.PerCategory {
			for _, c := range categories(pool) {
				var in []feed.Item
				for _, it := range pool {
					if slices.ContainsFunc(it.Categories, func(ic string) bool { return feed.Slug(ic) == c.slug }) {
						in = append(in, it)
					}
				}
				fr, err := renderFeed("category/"+c.slug, f.CategoryMeta(c.name, c.slug), feed.Select(in, f.Limit))
				if err != nil {
					return nil, err
				}
				res.Feeds = append(res.Feeds, fr)
			}
		}
	}

	if b.Output != "" {
		if err := b.write(res); err != nil {
			return nil, err
		}
	}
	return res, nil
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
		fr.Documents = append(fr.Documents, Document{
			Feed: name, Format: format, Title: meta.Title, Body: body,
			Modified: modified, SelfURL: meta.SelfURL[format],
		})
	}
	return fr, nil
}

type category struct{ name, slug string }

// categories lists the categories of items by slug, in slug order, each
// named as it was first spelled.
func categories(items []feed.Item) []category {
	seen := map[string]bool{}
	var out []category
	for _, it := range items {
		for _, c := range it.Categories {
			slug := feed.Slug(c)
			if !seen[slug] {
				seen[slug] = true
				out = append(out, category{name: c, slug: slug})
			}
		}
	}
	slices.SortFunc(out, func(a, b category) int { return strings.Compare(a.slug, b.slug) })
	return out
}

// settleDates gives every item its published and updated dates: the
// source's own where it gave them, else the ledger's. Published falls back
// to the first time the item was seen; updated moves only when the item's
// content hash changes.
func (b *Builder) settleDates(ctx context.Context, now time.Time, items []feed.Item) (recorded int, err error) {
	entries := make([]ledger.Entry, len(items))
	for i, it := range items {
		entries[i] = ledger.Entry{ID: it.ID, Hash: feed.Hash(it)}
	}
	recs, err := b.Ledger.Observe(ctx, now, entries)
	if err != nil {
		return 0, fmt.Errorf("ledger: %w", err)
	}
	stamp := now.UTC().Truncate(time.Second)
	for i := range items {
		it, rec := &items[i], recs[i]
		if rec.Changed.Equal(stamp) {
			recorded++
		}
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
	return recorded, nil
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
	if err := report.SpecErr(); err != nil {
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
		for di := range res.Feeds[fi].Documents {
			d := &res.Feeds[fi].Documents[di]
			path := filepath.Join(b.Output, filepath.FromSlash(d.Feed)+"."+string(d.Format))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return fmt.Errorf("write feed %s: %w", d.Feed, err)
			}
			changed, err := WriteFileAtomic(path, d.Body, 0o644)
			if err != nil {
				return fmt.Errorf("write feed %s: %w", d.Feed, err)
			}
			d.Changed = changed
		}
	}
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
