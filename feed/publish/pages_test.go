package publish_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/page"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/source"
)

// pageSite is a site with a text and a Markdown source whose links
// feedpub makes up, and a source of items that link elsewhere.
type pageSite struct {
	t      *testing.T
	dir    string
	logBuf bytes.Buffer
	// textOnly leaves out the sources that cannot tell a build that
	// nothing changed, so that the build can stop early.
	textOnly bool
	// slash spells the item links with a final "/".
	slash bool
}

// spellings are the two spellings of the default item link.
var spellings = []struct {
	name  string
	slash bool
}{{"link without final slash", false}, {"link with final slash", true}}

// pageLink is the link of the item whose page is in folder dir ("items/x/").
func (s *pageSite) pageLink(dir string) string {
	if s.slash {
		return "http://127.0.0.1:8080/" + dir
	}
	return "http://127.0.0.1:8080/" + strings.TrimSuffix(dir, "/")
}

func (s *pageSite) write(name, body string) {
	s.t.Helper()
	p := filepath.Join(s.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *pageSite) build() *publish.Result {
	s.t.Helper()
	led, err := ledger.OpenBolt(filepath.Join(s.dir, "data", "feedpub.db"), ledger.BoltOptions{})
	if err != nil {
		s.t.Fatal(err)
	}
	defer led.Close()
	const baseURL = "http://127.0.0.1:8080/"
	base, _ := url.Parse(baseURL)
	logger := slog.New(slog.NewTextHandler(&s.logBuf, nil))
	prefix, link := "tag:news.example.com,2026-01-01:", baseURL+"items/{slug}"
	if s.slash {
		link += "/"
	}
	meta := feed.Meta{
		ID: prefix + "feed:news", Title: "Example News", Link: "https://news.example.com/",
		SelfURL: map[feed.Format]string{feed.RSS: baseURL + "news.rss", feed.Atom: baseURL + "news.atom", feed.JSON: baseURL + "news.json"},
	}
	elsewhere := item("x", "Linked elsewhere")
	elsewhere.Link = baseURL + "items/x/" // the right shape, from a source without pages
	b := &publish.Builder{
		Sources: []publish.Source{
			&source.Text{SourceName: "wire", Root: filepath.Join(s.dir, "articles"), IDPrefix: prefix, LinkTemplate: link, Logger: logger},
			&source.Markdown{SourceName: "blog", Root: filepath.Join(s.dir, "posts"), IDPrefix: prefix, LinkTemplate: link, PageBundles: true, Logger: logger},
			&listSource{name: "remote", items: []feed.Item{elsewhere}},
		},
		Feeds:  []publish.Feed{{Name: "news", Meta: meta, Sources: []string{"wire", "blog", "remote"}, Limit: 50}},
		Ledger: led,
		Output: filepath.Join(s.dir, "public"),
		Base:   base,
		Now:    func() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) },
		Logger: logger,
		Pages: &publish.Pages{
			Site:    page.Site{Title: "Example News", Link: "https://news.example.com/"},
			BaseURL: baseURL, Prefix: baseURL + "items/", Sources: []string{"wire", "blog"},
		},
	}
	if s.textOnly {
		b.Sources = b.Sources[:1]
	}
	res, err := b.Build(s.t.Context())
	if err != nil {
		s.t.Fatalf("build: %v\nlog:\n%s", err, s.logBuf.String())
	}
	return res
}

// outputFiles lists every file of the output folder with its bytes.
func (s *pageSite) outputFiles() map[string][]byte {
	s.t.Helper()
	return tree(s.t, filepath.Join(s.dir, "public"))
}

func TestItemPages(t *testing.T) {
	t.Parallel()
	for _, sp := range spellings {
		t.Run(sp.name, func(t *testing.T) {
			t.Parallel()
			testItemPages(t, &pageSite{t: t, dir: t.TempDir(), slash: sp.slash})
		})
	}
}

func testItemPages(t *testing.T, s *pageSite) {
	photo := "\xff\xd8\xff not really a jpeg"
	s.write("articles/harbour.txt", "Title: Harbour Bridge Reopens\n\nThe bridge reopened on Monday.\n\n\nFerry Timetable Changes\n")
	s.write("posts/trip/index.md", "---\ntitle: A Trip\n---\nSee ![the view](photo.jpg), [the map](maps/map.pdf), "+
		"[a sibling](../other.jpg), [a draft](draft.md), ![gone](missing.png) and [elsewhere](https://example.org/a.jpg).\n")
	s.write("posts/trip/photo.jpg", photo)
	s.write("posts/trip/maps/map.pdf", "%PDF-1.4")
	s.write("posts/trip/draft.md", "---\ndraft: true\n---\nNot yet.\n")
	s.write("posts/other.jpg", "sibling")

	res := s.build()
	files := s.outputFiles()
	for _, want := range []string{
		"items/harbour/index.html", "items/trip/index.html", "items/trip/photo.jpg", "items/trip/maps/map.pdf",
		"feedpub.css", "feeds.opml", "news.html", ".feedpub-pages.json",
	} {
		if _, ok := files[want]; !ok {
			t.Errorf("%s not published; output holds %v", want, slices.Sorted(mapsKeys(files)))
		}
	}
	headlinePages := 0
	for name := range files {
		switch {
		case strings.HasPrefix(name, "items/headlines/") && strings.HasSuffix(name, "/index.html"):
			headlinePages++
		case strings.HasPrefix(name, "items/x/"), strings.HasSuffix(name, "other.jpg"), strings.HasSuffix(name, "draft.md"):
			t.Errorf("%s published; only items whose link feedpub made up get pages, and only their own files", name)
		}
	}
	if headlinePages != 1 {
		t.Errorf("%d headline pages, want 1", headlinePages)
	}
	if got := string(files["items/trip/photo.jpg"]); got != photo {
		t.Errorf("bundled photo holds %q", got)
	}
	if !strings.Contains(s.logBuf.String(), "missing.png") {
		t.Errorf("the reference to a missing file was not logged:\n%s", s.logBuf.String())
	}
	trip := string(files["items/trip/index.html"])
	for _, want := range []string{"<h1>A Trip</h1>", `src="http://127.0.0.1:8080/items/trip/photo.jpg"`, `href="http://127.0.0.1:8080/items/trip/maps/map.pdf"`,
		`<link rel="canonical" href="` + s.pageLink("items/trip/") + `">`, `<meta property="og:url" content="` + s.pageLink("items/trip/") + `">`} {
		if !strings.Contains(trip, want) {
			t.Errorf("trip page lacks %s", want)
		}
	}
	paths := map[string]string{}
	for _, f := range res.Site.Files {
		paths[f.Name] = f.Path
	}
	wantPath := strings.TrimPrefix(s.pageLink("items/trip/"), "http://127.0.0.1:8080")
	for name, want := range map[string]string{"items/trip/index.html": wantPath, "items/trip/photo.jpg": "/items/trip/photo.jpg", "feedpub.css": "/feedpub.css"} {
		if paths[name] != want {
			t.Errorf("%s is served at %q, want %q", name, paths[name], want)
		}
	}
	if err := page.ValidateOPML(files["feeds.opml"]); err != nil {
		t.Error(err)
	}
	if res.Site == nil || !res.Site.Changed {
		t.Fatal("the first build reports no site changed")
	}

	// A rebuild without changes rewrites nothing, and still hands over
	// every page for serving.
	stamp := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for name := range files {
		if err := os.Chtimes(filepath.Join(s.dir, "public", filepath.FromSlash(name)), stamp, stamp); err != nil {
			t.Fatal(err)
		}
	}
	res = s.build()
	if res.Site == nil || res.Site.Changed {
		t.Fatal("an unchanged rebuild reports the site changed")
	}
	var served []string
	for _, f := range res.Site.Files {
		served = append(served, f.Name)
		if f.Path != paths[f.Name] {
			t.Errorf("unchanged rebuild serves %s at %q, the first build at %q", f.Name, f.Path, paths[f.Name])
		}
	}
	if len(served) != len(files)-4 { // all but the manifest and the feeds
		t.Errorf("unchanged rebuild hands over %v, want every file of %v but the manifest and the feeds", served, slices.Sorted(mapsKeys(files)))
	}
	for name := range files {
		st, err := os.Stat(filepath.Join(s.dir, "public", filepath.FromSlash(name)))
		if err != nil || !st.ModTime().Equal(stamp) {
			t.Errorf("unchanged rebuild touched %s", name)
		}
	}

	// A removed article's pages are retired and recorded as gone.
	if err := os.Remove(filepath.Join(s.dir, "articles", "harbour.txt")); err != nil {
		t.Fatal(err)
	}
	s.write("articles/other.txt", "Another story. It stays.\n")
	res = s.build()
	files = s.outputFiles()
	if _, ok := files["items/harbour/index.html"]; ok {
		t.Error("the removed article's page is still published")
	}
	if !slices.Contains(res.Site.Gone, "/items/harbour/") {
		t.Errorf("gone pages %v lack /items/harbour/", res.Site.Gone)
	}
	var m struct{ Gone []string }
	if err := json.Unmarshal(files[".feedpub-pages.json"], &m); err != nil || !slices.Contains(m.Gone, "items/harbour/") {
		t.Errorf("manifest gone list %v, %v", m.Gone, err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "public", "items", "harbour")); err == nil {
		t.Error("the retired page's folder was left behind")
	}

	// An article that comes back is no longer gone.
	s.write("articles/harbour.txt", "Title: Harbour Bridge Reopens\n\nThe bridge reopened on Monday.\n")
	res = s.build()
	if slices.Contains(res.Site.Gone, "/items/harbour/") {
		t.Error("a page published again is still listed as gone")
	}
}

func mapsKeys(m map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestUnchangedBuildKeepsPages checks that a build that stops early,
// finding nothing changed, still hands over every page for serving, and
// runs in full when a page's file went missing.
func TestUnchangedBuildKeepsPages(t *testing.T) {
	t.Parallel()
	for _, sp := range spellings {
		t.Run(sp.name, func(t *testing.T) {
			t.Parallel()
			testUnchangedBuildKeepsPages(t, &pageSite{t: t, dir: t.TempDir(), textOnly: true, slash: sp.slash})
		})
	}
}

func testUnchangedBuildKeepsPages(t *testing.T, s *pageSite) {
	s.write("articles/harbour.txt", "Title: Harbour Bridge Reopens\n\nThe bridge reopened on Monday.\n")
	first := s.build()
	second := s.build()
	if !strings.Contains(s.logBuf.String(), "no source changed") {
		t.Fatal("the second build did not stop early; this test needs it to")
	}
	if second.Site == nil || len(second.Site.Files) != len(first.Site.Files) {
		t.Fatalf("an early-stopped build hands over %v", second.Site)
	}
	for i, f := range first.Site.Files {
		g := second.Site.Files[i]
		if f.Path != g.Path || f.ContentType != g.ContentType || !bytes.Equal(f.Body, g.Body) {
			t.Errorf("file %s read back as %s (%s)", f.Path, g.Path, g.ContentType)
		}
	}
	page := filepath.Join(s.dir, "public", "items", "harbour", "index.html")
	if err := os.Remove(page); err != nil {
		t.Fatal(err)
	}
	s.build()
	if _, err := os.Stat(page); err != nil {
		t.Errorf("a missing page was not written again: %v", err)
	}
}

// TestLinkSpellingChangeKeepsPages checks that adding or dropping the
// final slash of item_link moves every page to its new path without
// retiring any.
func TestLinkSpellingChangeKeepsPages(t *testing.T) {
	t.Parallel()
	for _, sp := range spellings {
		t.Run(sp.name, func(t *testing.T) {
			t.Parallel()
			s := &pageSite{t: t, dir: t.TempDir(), slash: !sp.slash}
			s.write("articles/harbour.txt", "Title: Harbour Bridge Reopens\n\nThe bridge reopened on Monday.\n")
			s.write("posts/trip/index.md", "---\ntitle: A Trip\n---\n![the view](photo.jpg)\n")
			s.write("posts/trip/photo.jpg", "jpeg")
			s.build()
			s.slash = sp.slash
			res := s.build()
			if len(res.Site.Gone) != 0 {
				t.Errorf("pages retired: %v", res.Site.Gone)
			}
			want := strings.TrimPrefix(s.pageLink("items/harbour/"), "http://127.0.0.1:8080")
			var got string
			for _, f := range res.Site.Files {
				if f.Name == "items/harbour/index.html" {
					got = f.Path
				}
			}
			if got != want {
				t.Errorf("page served at %q, want %q", got, want)
			}
			for _, name := range []string{"harbour/index.html", "trip/index.html", "trip/photo.jpg"} {
				if _, err := os.Stat(filepath.Join(s.dir, "public", "items", filepath.FromSlash(name))); err != nil {
					t.Errorf("page file removed: %v", err)
				}
			}
		})
	}
}
