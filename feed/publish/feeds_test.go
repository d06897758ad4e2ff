package publish_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/publish"
)

// listSource is a source whose items are given in the test, standing for
// any of the source package's readers.
type listSource struct {
	name  string
	items []feed.Item
	err   error
}

func (s *listSource) Name() string { return s.name }
func (s *listSource) Fetch(context.Context) ([]feed.Item, error) {
	return s.items, s.err
}

func meta(name string) feed.Meta {
	return feed.Meta{
		ID: "tag:news.example.com,2026:feed:" + name, Title: name, Link: "https://news.example.com/",
		SelfURL: map[feed.Format]string{feed.RSS: "http://x/" + name + ".rss", feed.Atom: "http://x/" + name + ".atom", feed.JSON: "http://x/" + name + ".json"},
	}
}

func item(id, title string, cats ...string) feed.Item {
	return feed.Item{ID: "tag:news.example.com,2026:" + id, Title: title, Link: "https://news.example.com/" + id, Categories: cats,
		Authors: []feed.Person{{Name: "Ann"}}, ContentHTML: "<p>" + title + " body.</p>"}
}

func titles(r publish.FeedResult, res *publish.Result) []string {
	for _, d := range r.Documents {
		if d.Format != feed.Atom {
			continue
		}
		report := feed.ValidateFormat(feed.Atom, d.Body)
		var out []string
		for _, it := range report.Items {
			out = append(out, it.Title)
		}
		slices.Sort(out)
		return out
	}
	return nil
}

func TestFeedsFiltersAndCategories(t *testing.T) {
	t.Parallel()
	wire := &listSource{name: "wire", items: []feed.Item{
		item("w1", "Election results", "Politics", "World"),
		item("w2", "Sponsored: buy this", "World"),
		item("w3", "Harvest report", "Farming"),
	}}
	partner := &listSource{name: "partner", items: []feed.Item{
		// The same page as w1 under another id: dropped as a duplicate link.
		{ID: "tag:partner,2026:x", Title: "Election results (partner)", Link: "https://NEWS.example.com/w1/?utm_source=x", Categories: []string{"world"}, ContentHTML: "<p>x</p>"},
		item("p1", "Rain tomorrow", "Weather"),
	}}
	categoryMeta := func(c, slug string) feed.Meta { m := meta("category/" + slug); m.Title = "All: " + c; return m }
	b := &publish.Builder{
		Sources: []publish.Source{wire, partner},
		Feeds: []publish.Feed{
			{Name: "all", Meta: meta("all"), Sources: []string{"wire", "partner"}, Limit: 50, PerCategory: true, CategoryMeta: categoryMeta},
			{Name: "world", Meta: meta("world"), Sources: []string{"wire", "partner"}, Limit: 50, Filter: &publish.Filter{
				IncludeCategories: []string{"WORLD"}, ExcludeTitle: regexp.MustCompile(`(?i)^sponsored`),
			}},
		},
		Ledger: ledger.NewMemory(),
		Now:    func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) },
	}
	res, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, f := range res.Feeds {
		got[f.Name] = titles(f, res)
	}
	want := map[string][]string{
		"all":               {"Election results", "Harvest report", "Rain tomorrow", "Sponsored: buy this"},
		"world":             {"Election results"},
		"category/farming":  {"Harvest report"},
		"category/politics": {"Election results"},
		"category/weather":  {"Rain tomorrow"},
		"category/world":    {"Election results", "Sponsored: buy this"},
	}
	for name, w := range want {
		if !slices.Equal(got[name], w) {
			t.Errorf("feed %s = %q, want %q", name, got[name], w)
		}
	}
	// Dropped from "all" and from "world": once per feed.
	if res.Duplicates != 2 || res.Skipped != 2 {
		t.Errorf("duplicates %d, skipped %d; want 2 and 2", res.Duplicates, res.Skipped)
	}
	if len(got) != len(want) {
		t.Errorf("feeds published: %v", slices.Sorted(func(yield func(string) bool) {
			for k := range got {
				if !yield(k) {
					return
				}
			}
		}))
	}
}

func TestDegradedSourceKeepsOthers(t *testing.T) {
	t.Parallel()
	stale := &listSource{name: "remote", items: []feed.Item{item("r1", "Last good item")}, err: fmt.Errorf("source remote: %w: connection refused", feed.ErrStale)}
	broken := &listSource{name: "broken", err: errors.New("folder missing")}
	ok := &listSource{name: "wire", items: []feed.Item{item("w1", "Fresh item")}}
	b := &publish.Builder{
		Sources: []publish.Source{stale, ok},
		Feeds:   []publish.Feed{{Name: "news", Meta: meta("news"), Sources: []string{"remote", "wire"}, Limit: 10}},
		Ledger:  ledger.NewMemory(),
		Base:    &url.URL{Scheme: "http", Host: "x"},
	}
	res, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Feeds[0].Items != 2 || !errors.Is(res.Degraded["remote"], feed.ErrStale) {
		t.Errorf("items %d, degraded %v: want both items and remote degraded", res.Feeds[0].Items, res.Degraded)
	}
	b.Sources = []publish.Source{broken, ok}
	if _, err := b.Build(context.Background()); err == nil {
		t.Error("a source failing without ErrStale did not fail the build")
	}
}

// TestDuplicatesOnlyAcrossSources checks that no item with an identity of
// its own is dropped for sharing a link with another item of its source
// (posts on one page told apart by fragment, podcast episodes that all
// link the show's home page, two posts linking one URL), while an item of
// another source with the same link is dropped and logged with both ids.
func TestDuplicatesOnlyAcrossSources(t *testing.T) {
	t.Parallel()
	var own []feed.Item
	for i, link := range []string{
		"https://blog.example.com/2026/03/01.html#a0800",
		"https://blog.example.com/2026/03/01.html#a0900",
		"https://podcast.example.com/",
		"https://podcast.example.com/",
		"https://sponsor.example.com/offer",
		"https://sponsor.example.com/offer",
	} {
		own = append(own, feed.Item{ID: fmt.Sprintf("tag:blog.example.com,2026:post-%d", i), Title: fmt.Sprintf("Post %d", i), Link: link, ContentHTML: "<p>Text.</p>"})
	}
	blog := &listSource{name: "blog", items: own}
	other := &listSource{name: "other", items: []feed.Item{
		{ID: "tag:other.example.com,2026:copy", Title: "Copy", Link: "https://PODCAST.example.com:443/", ContentHTML: "<p>Copy.</p>"},
		{ID: "tag:other.example.com,2026:frag", Title: "Other fragment", Link: "https://blog.example.com/2026/03/01.html#a1000", ContentHTML: "<p>Own.</p>"},
	}}
	log, buf := newLogger()
	b := &publish.Builder{
		Sources: []publish.Source{blog, other},
		Feeds:   []publish.Feed{{Name: "news", Meta: meta("news"), Sources: []string{"blog", "other"}, Limit: 100}},
		Ledger:  ledger.NewMemory(),
		Logger:  log,
	}
	res, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Feeds[0].Items != 7 {
		t.Errorf("published %d items, want the 6 of blog and 1 of other", res.Feeds[0].Items)
	}
	if res.Skipped != 1 || res.Duplicates != 1 {
		t.Errorf("skipped %d, duplicates %d; want 1 and 1", res.Skipped, res.Duplicates)
	}
	out := buf.String()
	for _, want := range []string{"id=tag:other.example.com,2026:copy", "duplicate_of=tag:blog.example.com,2026:post-2"} {
		if !strings.Contains(out, want) {
			t.Errorf("log does not say %q:\n%s", want, out)
		}
	}
}

// newLogger returns a text logger and the buffer it writes to. The buffer
// is safe to read once the build has returned.
func newLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewTextHandler(buf, nil)), buf
}

// syncBuffer is a bytes.Buffer that sources fetched at once may log to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// blockingSource is a source whose Fetch waits for its context to end, as
// a remote feed that never answers does, and then reports itself stale.
type blockingSource struct{ name string }

func (s *blockingSource) Name() string { return s.name }
func (s *blockingSource) Fetch(ctx context.Context) ([]feed.Item, error) {
	<-ctx.Done()
	return nil, fmt.Errorf("source %s: %w", s.name, &feed.StaleError{Cause: ctx.Err(), RetryAt: time.Date(2026, 3, 1, 12, 5, 0, 0, time.UTC)})
}

// TestSlowSourcesDoNotFailTheBuild checks that sources are fetched at
// once, and that those still running when fetching has had its share of
// the build's time are given up, so the build publishes the others.
func TestSlowSourcesDoNotFailTheBuild(t *testing.T) {
	t.Parallel()
	sources := []publish.Source{}
	names := []string{}
	for i := range 6 {
		s := &blockingSource{name: fmt.Sprintf("slow%d", i)}
		sources = append(sources, s)
		names = append(names, s.name)
	}
	sources = append(sources, &listSource{name: "wire", items: []feed.Item{item("w1", "Fresh item")}})
	b := &publish.Builder{
		Sources:  sources,
		Feeds:    []publish.Feed{{Name: "news", Meta: meta("news"), Sources: append(names, "wire"), Limit: 10}},
		Ledger:   ledger.NewMemory(),
		Fetchers: 2, // fewer than the slow sources: they must not wait in turn
	}
	// Generous for a loaded machine; the sources would block forever.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	res, err := b.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Feeds[0].Items != 1 || len(res.Degraded) != 6 {
		t.Errorf("items %d, degraded %d; want the fresh item and six degraded", res.Feeds[0].Items, len(res.Degraded))
	}
	if len(res.Sources) != 7 {
		t.Fatalf("%d source states, want 7", len(res.Sources))
	}
	for _, s := range res.Sources {
		if s.Name == "wire" && (s.Err != nil || !s.RetryAt.IsZero()) {
			t.Errorf("wire: %v, retry %s", s.Err, s.RetryAt)
		}
		if s.Name != "wire" && (!errors.Is(s.Err, feed.ErrStale) || s.RetryAt.IsZero()) {
			t.Errorf("%s: %v, retry %s; want stale with a retry time", s.Name, s.Err, s.RetryAt)
		}
	}
}

// TestFeedOfFailedSourcesWaits checks that a feed whose every source has
// failed without ever giving items is left out, so the other feeds
// publish, and that a build with nothing at all to publish still fails.
func TestFeedOfFailedSourcesWaits(t *testing.T) {
	t.Parallel()
	down := &listSource{name: "down", err: fmt.Errorf("source down: %w: connection refused", feed.ErrStale)}
	ok := &listSource{name: "wire", items: []feed.Item{item("w1", "Fresh item")}}
	b := &publish.Builder{
		Sources: []publish.Source{down, ok},
		Feeds: []publish.Feed{
			{Name: "news", Meta: meta("news"), Sources: []string{"wire"}, Limit: 10},
			{Name: "partner", Meta: meta("partner"), Sources: []string{"down"}, Limit: 10},
		},
		Ledger: ledger.NewMemory(),
		Output: t.TempDir(),
	}
	res, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Feeds) != 1 || res.Feeds[0].Name != "news" || res.Feeds[0].Items != 1 {
		t.Errorf("published %+v, want news alone", res.Feeds)
	}
	b.Feeds = b.Feeds[1:]
	if _, err := b.Build(context.Background()); !errors.Is(err, feed.ErrNoItems) {
		t.Errorf("a build of failed sources only: %v, want ErrNoItems", err)
	}
	b.Sources, b.Feeds = []publish.Source{down}, []publish.Feed{{Name: "a", Meta: meta("a"), Sources: []string{"down"}}, {Name: "b", Meta: meta("b"), Sources: []string{"down"}}}
	if _, err := b.Build(context.Background()); !errors.Is(err, feed.ErrNoItems) {
		t.Errorf("two feeds of failed sources only: %v, want ErrNoItems", err)
	}
}
