package page

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/htmlcheck"
)

var update = flag.Bool("update", false, "rewrite golden files")

var testSite = Site{
	Title:    "Valley <Courier>",
	Link:     "https://news.example.com/",
	Language: "en",
	Feeds: []Feed{{Title: "News", SelfURL: map[feed.Format]string{
		feed.RSS: "https://feeds.example.com/news.rss", feed.Atom: "https://feeds.example.com/news.atom", feed.JSON: "https://feeds.example.com/news.json",
	}}},
}

var testItem = feed.Item{
	ID:          "tag:news.example.com,2026-01-01:wire/a.txt",
	Title:       `Harbour "Bridge" <Reopens> & more`,
	Link:        "https://feeds.example.com/items/a",
	Summary:     "The bridge reopened.",
	ContentHTML: "<p>The bridge reopened.</p>\n<p><img src=\"https://feeds.example.com/items/a/photo.jpg\" alt=\"\"></p>",
	Authors:     []feed.Person{{Name: "Lena Brandt", Email: "lena@news.example.com"}, {Email: "desk@news.example.com"}},
	Categories:  []string{"Transport", "Harbour"},
	Published:   time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC),
	Updated:     time.Date(2026, 11, 21, 9, 30, 0, 0, time.UTC),
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./feed/page -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

func TestRenderItem(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := RenderItem(&buf, testSite, testItem, "items/a/"); err != nil {
		t.Fatal(err)
	}
	got := buf.String()
	golden(t, "item.golden.html", buf.Bytes())
	for _, want := range []string{
		`<link rel="canonical" href="https://feeds.example.com/items/a">`,
		`<meta property="og:url" content="https://feeds.example.com/items/a">`,
		`<link rel="stylesheet" href="/feedpub.css">`,
		`<link rel="alternate" type="application/rss+xml" title="News (RSS)" href="https://feeds.example.com/news.rss">`,
		`<link rel="alternate" type="application/feed+json" title="News (JSON Feed)"`,
		`<meta property="article:published_time" content="2026-11-20T08:00:00Z">`,
		`<meta property="og:title" content="Harbour &#34;Bridge&#34; &lt;Reopens&gt; &amp; more">`,
		`<time datetime="2026-11-20T08:00:00Z">20 November 2026</time>`,
		`<h1>Harbour &#34;Bridge&#34; &lt;Reopens&gt; &amp; more</h1>`,
		`by <span>Lena Brandt</span>, <span>desk@news.example.com</span>`,
		`<li>Transport</li><li>Harbour</li>`,
		`<a href="https://news.example.com/">Valley &lt;Courier&gt;</a>`,
		`<img src="https://feeds.example.com/items/a/photo.jpg" alt="">`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("item page lacks %s", want)
		}
	}
	if live := htmlcheck.LiveMarkup(got, htmlcheck.Page); len(live) > 0 {
		t.Errorf("item page holds live markup: %v", live)
	}
}

func TestItemStyle(t *testing.T) {
	t.Parallel()
	tests := []struct{ link, dir, want string }{
		{"https://feeds.example.com/items/a", "items/a/", "/feedpub.css"},
		{"https://feeds.example.com/items/a/", "items/a/", "/feedpub.css"},
		{"https://example.com/news/items/posts/trip", "items/posts/trip/", "/news/feedpub.css"},
		{"https://example.com/news/items/posts/trip/", "items/posts/trip/", "/news/feedpub.css"},
		{"https://example.com/caf%C3%A9/items/a", "items/a/", "/caf%C3%A9/feedpub.css"},
		{"https://example.com/elsewhere/b", "items/a/", "../../feedpub.css"},
		{"https://example.com//items/a", "items/a/", "../../feedpub.css"},
		{"https://example.com//x/items/a", "items/a/", "../../feedpub.css"},
		{"://bad", "items/a/", "../../feedpub.css"},
	}
	for _, tt := range tests {
		if got := itemStyle(tt.link, tt.dir); got != tt.want {
			t.Errorf("itemStyle(%q, %q) = %q, want %q", tt.link, tt.dir, got, tt.want)
		}
	}
}

func TestRenderFeed(t *testing.T) {
	t.Parallel()
	meta := feed.Meta{Title: "News <&>", Description: "All the news", SelfURL: testSite.Feeds[0].SelfURL}
	items := []feed.Item{testItem, {Title: "Headline only", Published: testItem.Published}}
	tests := []struct {
		format feed.Format
		path   string
		want   []string
	}{
		{feed.RSS, "news.rss", []string{`value="https://feeds.example.com/news.rss"`, `Also as <a href="https://feeds.example.com/news.atom">Atom</a>, <a href="https://feeds.example.com/news.json">JSON Feed</a>.`, `href="feedpub.css"`}},
		{feed.JSON, "category/x.json", []string{`value="https://feeds.example.com/news.json"`, `href="../feedpub.css"`, `<title>News &lt;&amp;&gt; (JSON Feed feed)</title>`}},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderFeed(&buf, testSite, meta, tt.format, items, tt.path); err != nil {
				t.Fatal(err)
			}
			got := buf.String()
			want := append(tt.want,
				`<h1>News &lt;&amp;&gt;</h1>`, `This is a feed`, `<p>All the news</p>`,
				`<a href="https://feeds.example.com/items/a">Harbour &#34;Bridge&#34; &lt;Reopens&gt; &amp; more</a>`,
				`<strong>Headline only</strong>`, `<time datetime="2026-11-20T08:00:00Z">20 November 2026</time>`)
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("feed view lacks %s", w)
				}
			}
			if live := htmlcheck.LiveMarkup(got, htmlcheck.Page); len(live) > 0 {
				t.Errorf("feed view holds live markup: %v", live)
			}
		})
	}
}

func TestRenderGone(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := RenderGone(&buf, testSite); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"This item was removed", `href="/feedpub.css"`, `href="https://feeds.example.com/news.atom"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("gone page lacks %s", want)
		}
	}
}

func TestRenderOPML(t *testing.T) {
	t.Parallel()
	feeds := append(testSite.Feeds, Feed{Title: "News: Sport & Play", SelfURL: map[feed.Format]string{feed.Atom: "https://feeds.example.com/category/sport.atom"}})
	var buf bytes.Buffer
	if err := RenderOPML(&buf, testSite, feeds); err != nil {
		t.Fatal(err)
	}
	golden(t, "feeds.golden.opml", buf.Bytes())
	if n := strings.Count(buf.String(), "<outline "); n != 4 {
		t.Errorf("%d outlines, want one per format of every feed: 4", n)
	}
	if err := RenderOPML(&buf, testSite, []Feed{{Title: "x", SelfURL: map[feed.Format]string{feed.RSS: "/relative.rss"}}}); err == nil {
		t.Error("an OPML list with a relative feed URL was rendered")
	}
}

func TestValidateOPML(t *testing.T) {
	t.Parallel()
	const ok = `<outline type="rss" text="A" xmlUrl="https://a.example/feed"/>`
	tests := []struct {
		name, doc string
		want      string // part of the error; empty: valid
	}{
		{"valid", `<opml version="2.0"><head><title>T</title></head><body>` + ok + `</body></opml>`, ""},
		{"version 1.0", `<opml version="1.0"><head><title>T</title></head><body>` + ok + `</body></opml>`, "version"},
		{"no title", `<opml version="2.0"><head/><body>` + ok + `</body></opml>`, "title"},
		{"no outline", `<opml version="2.0"><head><title>T</title></head><body/></opml>`, "no outline"},
		{"no text", `<opml version="2.0"><head><title>T</title></head><body><outline type="rss" xmlUrl="https://a.example/f"/></body></opml>`, "no text"},
		{"relative xmlUrl", `<opml version="2.0"><head><title>T</title></head><body><outline type="rss" text="A" xmlUrl="f.rss"/></body></opml>`, "xmlUrl"},
		{"not xml", `<opml version="2.0"><head>`, "opml"},
		{"other root", `<rss version="2.0"></rss>`, "opml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateOPML([]byte(tt.doc))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("valid list refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one about %q", err, tt.want)
			}
		})
	}
}

func TestRelRoot(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"news.rss": "", "items/a/": "../../", "category/x.atom": "../", "items/2026/a/": "../../../"} {
		if got := relRoot(in); got != want {
			t.Errorf("relRoot(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzValidateOPML checks that the OPML validator never panics and never
// accepts what it cannot decode.
func FuzzValidateOPML(f *testing.F) {
	f.Add([]byte(`<opml version="2.0"><head><title>T</title></head><body><outline type="rss" text="A" xmlUrl="https://a.example/feed"/></body></opml>`))
	f.Add([]byte(`<opml/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = ValidateOPML(data)
	})
}
