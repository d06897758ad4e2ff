package publish_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/source"
)

// TestPublishedDocumentsReadBackABuild requires the documents read back
// from the output folder, as a server does when it cannot build, to be
// those the build published: feeds, per-category feeds and archive pages,
// with the same bytes, titles, links and flags.
func TestPublishedDocumentsReadBackABuild(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for n := 1; n <= 7; n++ {
		day := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC).AddDate(0, 0, n)
		tag := []string{"world", "sport"}[n%2]
		body := fmt.Sprintf("Title: Story %d\nDate: %s\nTags: %s\n\nStory %d in a sentence.\n", n, day.Format(time.RFC3339), tag, n)
		p := filepath.Join(dir, "articles", fmt.Sprintf("s%d.txt", n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	led, err := ledger.OpenBolt(filepath.Join(dir, "feedpub.db"), ledger.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	self := func(name string) map[feed.Format]string {
		out := map[feed.Format]string{}
		for _, f := range feed.Formats {
			out[f] = archiveBase + name + "." + string(f)
		}
		return out
	}
	meta := feed.Meta{ID: "tag:news.example.com,2026-01-01:feed:news", Title: "News", Link: "https://news.example.com/", SelfURL: self("news")}
	base, _ := url.Parse(archiveBase)
	builder := func(l ledger.Ledger) *publish.Builder {
		return &publish.Builder{
			Sources: []publish.Source{&source.Text{
				SourceName: "wire", Root: filepath.Join(dir, "articles"),
				IDPrefix: "tag:news.example.com,2026-01-01:", LinkTemplate: "https://news.example.com/{slug}",
			}},
			Feeds: []publish.Feed{{
				Name: "news", Meta: meta, Sources: []string{"wire"}, Limit: 2, Archive: true, PerCategory: true,
				ArchiveMeta: func(page int) feed.Meta {
					m := meta
					m.SelfURL = self(publish.ArchiveName("news", page))
					return m
				},
				CategoryMeta: func(category, slug string) feed.Meta {
					m := meta
					m.ID += "/" + slug
					m.Title = meta.Title + ": " + category
					m.SelfURL = self(publish.CategoryName(slug))
					return m
				},
			}},
			Ledger: l,
			Output: filepath.Join(dir, "public"),
			Base:   base,
			Now:    func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) },
		}
	}
	res, err := builder(led).Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]feed.Document{}
	for _, d := range res.Documents() {
		body, err := publish.ReadDocument(filepath.Join(dir, "public"), d)
		if err != nil {
			t.Fatal(err)
		}
		d.Body, d.Changed = body, false
		want[d.Path()] = d
	}
	got := builder(nil).PublishedDocuments()
	if len(got) != len(want) {
		t.Errorf("read back %d documents, the build published %d", len(got), len(want))
	}
	kinds := map[string]int{}
	for _, g := range got {
		w, ok := want[g.Path()]
		if !ok {
			t.Errorf("%s read back, not published", g.Path())
			continue
		}
		switch {
		case string(g.Body) != string(w.Body):
			t.Errorf("%s: bytes differ from the build's", g.Path())
		case g.Title != w.Title || g.SelfURL != w.SelfURL || g.Archive != w.Archive || g.Final != w.Final || !g.Modified.Equal(w.Modified):
			t.Errorf("%s: read back %+v\nthe build's %+v", g.Path(), brief(g), brief(w))
		}
		switch {
		case g.Archive:
			kinds["archive"]++
		case filepath.Dir(g.Feed) == "category":
			kinds["category"]++
		default:
			kinds["feed"]++
		}
	}
	if kinds["archive"] < 6 || kinds["category"] != 6 || kinds["feed"] != 3 {
		t.Errorf("documents read back by kind: %v; want 3 of the feed, 6 of two categories, 6 or more archive pages", kinds)
	}
}

// brief is d without its body, for messages.
func brief(d feed.Document) feed.Document {
	d.Body = nil
	return d
}
