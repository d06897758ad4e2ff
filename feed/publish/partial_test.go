package publish_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/source"
)

// twinSites are two copies of one site, built side by side with the same
// clock: one keeps a file cache and reads only what changed, the other
// reads everything every time. Whatever happens to the files, both must
// publish the same bytes.
type twinSites struct {
	t     *testing.T
	dirs  [2]string
	clock time.Time
	log   bytes.Buffer
}

func newTwins(t *testing.T, files map[string]string) *twinSites {
	tw := &twinSites{t: t, dirs: [2]string{t.TempDir(), t.TempDir()}, clock: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	for name, body := range files {
		tw.write(name, body)
	}
	return tw
}

// write writes a file into both sites, with the same modification time.
func (tw *twinSites) write(name, body string) {
	tw.t.Helper()
	mtime := time.Now().Add(time.Duration(len(body)) * time.Millisecond)
	for _, dir := range tw.dirs {
		p := filepath.Join(dir, "articles", name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tw.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			tw.t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			tw.t.Fatal(err)
		}
	}
}

func (tw *twinSites) remove(name string) {
	tw.t.Helper()
	for _, dir := range tw.dirs {
		if err := os.Remove(filepath.Join(dir, "articles", name)); err != nil {
			tw.t.Fatal(err)
		}
	}
}

// touch gives a file a new modification time in both sites.
func (tw *twinSites) touch(name string) {
	tw.t.Helper()
	later := time.Now().Add(time.Hour)
	for _, dir := range tw.dirs {
		if err := os.Chtimes(filepath.Join(dir, "articles", name), later, later); err != nil {
			tw.t.Fatal(err)
		}
	}
}

// build builds both sites with feeds and returns their documents, cached
// site first.
func (tw *twinSites) build(feeds func() []publish.Feed) [2]map[string][]byte {
	tw.t.Helper()
	var out [2]map[string][]byte
	for i := range tw.dirs {
		// No output folder: every build renders, none is skipped by the
		// fingerprint, so the cache is what is tested.
		b, led := tw.builder(i, slog.New(slog.NewTextHandler(&tw.log, nil)), feeds())
		res, err := b.Build(context.Background())
		led.Close()
		if err != nil {
			tw.t.Fatalf("build: %v\nlog:\n%s", err, tw.log.String())
		}
		out[i] = map[string][]byte{}
		for _, d := range res.Documents() {
			out[i][d.Feed+"."+string(d.Format)] = d.Body
		}
	}
	return out
}

// builder returns the Builder of site i, with its ledger, which the
// caller closes: one text source, a file cache in the first site only,
// and no output folder.
func (tw *twinSites) builder(i int, logger *slog.Logger, feeds []publish.Feed) (*publish.Builder, *ledger.Bolt) {
	tw.t.Helper()
	dir := tw.dirs[i]
	led, err := ledger.OpenBolt(filepath.Join(dir, "data", "feedpub.db"), ledger.BoltOptions{})
	if err != nil {
		tw.t.Fatal(err)
	}
	text := &source.Text{
		SourceName: "wire", Root: filepath.Join(dir, "articles"),
		IDPrefix: "tag:news.example.com,2026-01-01:", LinkTemplate: "http://127.0.0.1:8080/items/{slug}", Logger: logger,
	}
	if i == 0 {
		text.CacheFile = filepath.Join(dir, "data", "feedpub.db.files", "wire")
	}
	base, _ := url.Parse("http://127.0.0.1:8080/")
	return &publish.Builder{
		Sources: []publish.Source{text},
		Feeds:   feeds,
		Ledger:  led,
		Base:    base,
		Now:     func() time.Time { return tw.clock },
		Logger:  logger,
	}, led
}

// check builds both sites and fails unless they publish the same bytes.
func (tw *twinSites) check(step string, feeds func() []publish.Feed) {
	tw.t.Helper()
	docs := tw.build(feeds)
	if len(docs[0]) != len(docs[1]) {
		tw.t.Fatalf("%s: %d documents with the cache, %d without", step, len(docs[0]), len(docs[1]))
	}
	for name, body := range docs[1] {
		if !bytes.Equal(docs[0][name], body) {
			tw.t.Errorf("%s: %s differs with the cache:\n%s\nwithout:\n%s", step, name, docs[0][name], body)
		}
	}
}

func TestCachedBuildsPublishWhatFullReadsPublish(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	for i := range 30 {
		files[fmt.Sprintf("%02d/story-%02d.txt", i%3, i)] = fmt.Sprintf(
			"Story number %d opens with this sentence. It goes on.\nA second paragraph for story %d.\n\n\nShared Headline\nHeadline Of Story %d\n", i, i, i)
	}
	files["01/tagged.txt"] = "Title: Tagged Story\nTags: Weather, Farming\nAuthor: Ann Writer <ann@example.com>\n\nRain is forecast for the valley.\n"
	files["02/dated.txt"] = "Title: Dated Story\nDate: 2026-01-15T08:00:00Z\nTags: Weather\n\nFrost hit the orchards overnight.\n"
	feeds := map[string]func() []publish.Feed{
		"categories and filters": func() []publish.Feed {
			return []publish.Feed{
				{Name: "news", Meta: meta("news"), Sources: []string{"wire"}, Limit: 10, PerCategory: true,
					CategoryMeta: func(c, slug string) feed.Meta { return meta("category/" + slug) }},
				{Name: "weather", Meta: meta("weather"), Sources: []string{"wire"}, Limit: 5,
					Filter: &publish.Filter{IncludeCategories: []string{"weather"}, ExcludeTitle: regexp.MustCompile(`Dated`)}},
			}
		},
		// A filter on the text: partial items must be completed before
		// it can judge them.
		"content filter": func() []publish.Feed {
			return []publish.Feed{
				{Name: "frost", Meta: meta("frost"), Sources: []string{"wire"}, Limit: 5,
					Filter: &publish.Filter{IncludeContent: regexp.MustCompile(`(?i)frost|paragraph for story 1\b`)}},
			}
		},
	}
	for name, feeds := range feeds {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tw := newTwins(t, files)
			tw.check("first build", feeds)
			tw.clock = tw.clock.Add(time.Hour)
			tw.check("nothing changed", feeds)

			tw.clock = tw.clock.Add(time.Hour)
			tw.write("00/story-27.txt", "Story number 27 was corrected. Frost is now mentioned.\n\n\nShared Headline\nA New Headline\n")
			tw.touch("01/story-01.txt")
			tw.check("one edit, one touch", feeds)

			tw.clock = tw.clock.Add(time.Hour)
			tw.remove("00/story-00.txt") // the first file to have "Shared Headline"
			tw.write("03/new.txt", "Title: Brand New\nTags: Weather\n\nA story added later.\n")
			tw.check("a file removed, one added", feeds)

			// The edited story is the newest: it must have been completed
			// with its new text.
			docs := tw.build(feeds)
			for doc, body := range docs[0] {
				if strings.HasPrefix(doc, "news.") || strings.HasPrefix(doc, "frost.") {
					if !bytes.Contains(body, []byte("Frost is now mentioned")) {
						t.Errorf("%s: the edited story's new text is not published:\n%s", doc, body)
					}
				}
			}
			if !strings.Contains(tw.log.String(), "unchanged=3") {
				t.Errorf("the cached source does not report its unchanged files:\n%s", tw.log.String())
			}
		})
	}
}

// partialSource streams its items whole the first time and partial (with
// no content) afterwards, as a cached source does; its Complete fails for
// the ids in lost. It is its own Scan, one that cannot tell whether it
// changed.
type partialSource struct {
	items    []feed.Item
	sent     int
	lost     map[string]bool
	complete int
}

func (s *partialSource) Name() string { return "wire" }
func (s *partialSource) Fetch(ctx context.Context) ([]feed.Item, error) {
	return nil, errors.New("a Scanner is not fetched")
}
func (s *partialSource) Scan(context.Context) (feed.Scan, error) { return s, nil }
func (s *partialSource) Fingerprint() string                     { return "" }
func (s *partialSource) Stream(ctx context.Context, emit func(feed.Item) error) error {
	defer func() { s.sent++ }()
	for _, it := range s.items {
		if s.sent > 0 {
			it.ContentHTML, it.Summary, it.Partial, it.Ref = "", "", true, it.ID
		}
		if err := emit(it); err != nil {
			return err
		}
	}
	return nil
}

func (s *partialSource) Complete(_ context.Context, items []feed.Item) ([]feed.Item, []error) {
	out := make([]feed.Item, len(items))
	errs := make([]error, len(items))
	for i, it := range items {
		s.complete++
		if s.lost[it.ID] {
			errs[i] = errors.New("file " + it.Ref + " vanished")
			continue
		}
		for _, whole := range s.items {
			if whole.ID == it.ID {
				out[i] = whole
			}
		}
	}
	return out, errs
}

func TestPartialItems(t *testing.T) {
	t.Parallel()
	var items []feed.Item
	for i := range 20 {
		it := item(fmt.Sprintf("s%02d", i), fmt.Sprintf("Story %02d", i))
		it.Published = time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)
		items = append(items, it)
	}
	src := &partialSource{items: items, lost: map[string]bool{items[19].ID: true}}
	led := ledger.NewMemory()
	var log bytes.Buffer
	b := &publish.Builder{
		Sources: []publish.Source{src},
		Feeds:   []publish.Feed{{Name: "news", Meta: meta("news"), Sources: []string{"wire"}, Limit: 5}},
		Ledger:  led,
		Now:     func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) },
		Logger:  slog.New(slog.NewTextHandler(&log, nil)),
	}
	first, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if src.complete != 0 {
		t.Fatalf("whole items were completed %d times", src.complete)
	}
	second, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Only what the feed publishes is read again: its five items. One of
	// them can no longer be read (its file went during the build): it is
	// logged and left out of this build, and the next build, which no
	// longer lists the file, fills the feed again.
	if src.complete != 5 {
		t.Errorf("Complete was asked for %d items, want the 5 the feed publishes", src.complete)
	}
	if !strings.Contains(log.String(), "vanished") {
		t.Errorf("the lost item is not logged:\n%s", log.String())
	}
	want := []string{"Story 15", "Story 16", "Story 17", "Story 18"}
	if got := titles(second.Feeds[0], second); !slicesEqual(got, want) {
		t.Errorf("published %q, want %q (the lost item dropped)", got, want)
	}
	if got := titles(first.Feeds[0], first); got[len(got)-1] != "Story 19" {
		t.Errorf("first build published %q", got)
	}

	// A ledger that does not know the partial items (restored from an
	// older backup, say) has them completed and recorded.
	fresh := ledger.NewMemory()
	b.Ledger = fresh
	src.complete, src.lost = 0, nil
	third, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if src.complete != len(items) || third.Recorded != len(items) {
		t.Errorf("unknown partial items: %d completed, %d recorded, want %d of each", src.complete, third.Recorded, len(items))
	}
}

func slicesEqual(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}
