package source

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// rssDoc wraps items in an RSS 2.0 channel, with decl as the XML
// declaration ("" for none) and extra namespace declarations.
func rssDoc(decl, items string) string {
	return decl + `<rss version="2.0" xmlns:a10="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xmlns:content="http://purl.org/rss/1.0/modules/content/">` +
		`<channel><title>Lenient</title><link>https://lenient.example.com/</link><description>d</description>` + items + `</channel></rss>`
}

// serveTyped answers every request with body and Content-Type ct.
func serveTyped(ct string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ct)
		w.Write(body)
	}
}

func TestRemoteLenient(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("The committee heard evidence from growers, millers and carriers about the season. ", 25)
	tests := []struct {
		name string
		ct   string
		body string
		// check looks at the items; log holds the source's log.
		check func(t *testing.T, items []feed.Item, log string)
	}{
		{
			name: "HTTP charset wins over a missing declaration",
			ct:   "application/rss+xml; charset=ISO-8859-1",
			body: rssDoc("", "<item><guid>a</guid><title>Caf\xe9 cr\xe8me</title><description>x</description></item>"),
			check: func(t *testing.T, items []feed.Item, log string) {
				if len(items) != 1 || items[0].Title != "Café crème" {
					t.Errorf("items %v, want one titled Café crème", titles(items))
				}
				if strings.Contains(log, "leniently") {
					t.Errorf("a declared charset is not leniency, yet: %s", log)
				}
			},
		},
		{
			// The item link is the one weburl.Link makes, host in
			// punycode, and so is the base of the content's links.
			name: "an internationalised host takes its ASCII form in the link and the content",
			ct:   "application/rss+xml; charset=utf-8",
			body: rssDoc("", `<item><guid>a</guid><title>T</title><link>https://bücher.example/2026/a?q=é</link><content:encoded>&lt;p&gt;&lt;img src="b.png"&gt; &lt;a href="#top"&gt;top&lt;/a&gt;&lt;/p&gt;</content:encoded></item>`),
			check: func(t *testing.T, items []feed.Item, log string) {
				if len(items) != 1 {
					t.Fatalf("items %q, want one", titles(items))
				}
				if want := "https://xn--bcher-kva.example/2026/a?q=%C3%A9"; items[0].Link != want {
					t.Errorf("link %q, want %q", items[0].Link, want)
				}
				for _, want := range []string{`src="https://xn--bcher-kva.example/2026/b.png"`, `href="https://xn--bcher-kva.example/2026/a?q=%C3%A9#top"`} {
					if !strings.Contains(items[0].ContentHTML, want) {
						t.Errorf("content %q, want %s", items[0].ContentHTML, want)
					}
				}
			},
		},
		{
			name: "Latin-1 without any declaration is read as Windows-1252",
			ct:   "application/rss+xml",
			body: rssDoc(`<?xml version="1.0"?>`, "<item><guid>a</guid><title>\x93Na\xefve\x94 caf\xe9</title><description>x</description></item>"),
			check: func(t *testing.T, items []feed.Item, log string) {
				if len(items) != 1 || items[0].Title != "“Naïve” café" {
					t.Errorf("items %v, want one titled “Naïve” café", titles(items))
				}
				if len(logLines(log, "feed read leniently", "source=wire", "Windows-1252")) != 1 {
					t.Errorf("no warning naming the source and the fallback:\n%s", log)
				}
			},
		},
		{
			name: "one invalid byte in UTF-8 is replaced",
			ct:   "text/xml",
			body: rssDoc(`<?xml version="1.0" encoding="utf-8"?>`, "<item><guid>a</guid><title>Caf\u00e9 \xff ok</title><description>x</description></item><item><guid>b</guid><title>Second</title><description>y</description></item>"),
			check: func(t *testing.T, items []feed.Item, log string) {
				if len(items) != 2 || items[0].Title != "Café \uFFFD ok" {
					t.Errorf("items %q, want both, the first with U+FFFD", titles(items))
				}
				if len(logLines(log, "feed read leniently", "source=wire", "U+FFFD")) != 1 {
					t.Errorf("no warning naming the source:\n%s", log)
				}
			},
		},
		{
			name: "character references to characters XML forbids are dropped",
			ct:   "application/rss+xml",
			body: rssDoc("", "<item><guid>a</guid><title>A&#x0B; B&#1;</title><description>x &#233; &#xD800;y</description></item>"),
			check: func(t *testing.T, items []feed.Item, log string) {
				if it := items[0]; it.Title != "A B" || it.Summary != "x é y" {
					t.Errorf("title %q, summary %q", it.Title, it.Summary)
				}
				if len(logLines(log, "feed read leniently", "source=wire", "3 character references")) != 1 {
					t.Errorf("no warning naming the source:\n%s", log)
				}
			},
		},
		{
			name: "items with no words at all are kept, named by their file",
			ct:   "application/rss+xml",
			body: rssDoc("", `<item><guid>p1</guid><description>&lt;img src="https://img.example.com/cat.jpg"&gt;</description><link>https://social.example.com/@ann/1</link></item>`+
				`<item><guid>e2</guid><enclosure url="https://cdn.example.com/ep%2042.mp3" length="10" type="audio/mpeg"/></item>`+
				`<item><guid>x3</guid><description>&lt;img src="https://img.example.com/"&gt;</description></item>`),
			check: func(t *testing.T, items []feed.Item, log string) {
				if got := titles(items); !equalStrings(got, []string{"Untitled", "ep 42.mp3", "Untitled"}) {
					t.Errorf("titles %q", got)
				}
				for _, it := range items {
					if _, err := feed.Normalize(it, nil); err != nil {
						t.Errorf("%s does not publish: %v", it.ID, err)
					}
				}
			},
		},
		{
			name: "an encoding no decoder knows is read as UTF-8",
			ct:   "application/rss+xml",
			body: rssDoc(`<?xml version="1.0" encoding="x-unknown-8"?>`, "<item><guid>a</guid><title>Caf\xe9</title><description>x</description></item>"),
			check: func(t *testing.T, items []feed.Item, log string) {
				if items[0].Title != "Café" {
					t.Errorf("title %q", items[0].Title)
				}
				if len(logLines(log, "feed read leniently", "source=wire", "x-unknown-8", "Windows-1252")) != 1 {
					t.Errorf("no warning naming the source and what was done:\n%s", log)
				}
			},
		},
		{
			name: "UTF-8 text declared ASCII is read as UTF-8",
			ct:   "application/rss+xml",
			body: rssDoc(`<?xml version='1.0' encoding='us-ascii'?>`, "<item><guid>a</guid><title>Caf\u00e9</title><description>x</description></item>"),
			check: func(t *testing.T, items []feed.Item, log string) {
				if items[0].Title != "Café" {
					t.Errorf("title %q", items[0].Title)
				}
			},
		},
		{
			name: "a long plain-text description is kept whole as the body",
			ct:   "application/rss+xml",
			body: rssDoc("", "<item><guid>a</guid><title>T</title><description>"+long+"</description></item>"),
			check: func(t *testing.T, items []feed.Item, log string) {
				it := items[0]
				if got := textOfHTML(it.ContentHTML); got != strings.TrimSpace(long) {
					t.Errorf("body holds %d characters of %d", len(got), len(strings.TrimSpace(long)))
				}
				if len(it.Summary) > 400 {
					t.Errorf("summary not shortened: %d bytes", len(it.Summary))
				}
			},
		},
		{
			name: "a short plain-text description stays the summary only",
			ct:   "application/rss+xml",
			body: rssDoc("", "<item><guid>a</guid><title>T</title><description>Short text.</description></item>"),
			check: func(t *testing.T, items []feed.Item, log string) {
				if it := items[0]; it.Summary != "Short text." || it.ContentHTML != "" {
					t.Errorf("summary %q, body %q", it.Summary, it.ContentHTML)
				}
			},
		},
		{
			name: "escaped content:encoded is kept whole",
			ct:   "application/rss+xml",
			body: rssDoc("", "<item><guid>a</guid><title>T</title><description>Lead.</description><content:encoded>&lt;p&gt;"+long+"&lt;/p&gt;</content:encoded></item>"),
			check: func(t *testing.T, items []feed.Item, log string) {
				if got := textOfHTML(items[0].ContentHTML); got != strings.TrimSpace(long) {
					t.Errorf("body holds %d characters of %d", len(got), len(strings.TrimSpace(long)))
				}
			},
		},
		{
			name: "Media RSS description and thumbnail become the body",
			ct:   "application/rss+xml",
			body: rssDoc("", `<item><guid>v1</guid><title>A video</title><link>https://video.example.com/v1</link>`+
				`<media:group><media:title>A video</media:title><media:description>What the video shows.

And a second paragraph.</media:description><media:thumbnail url="https://img.example.com/v1.jpg" width="480"/></media:group></item>`),
			check: func(t *testing.T, items []feed.Item, log string) {
				c := items[0].ContentHTML
				for _, want := range []string{`<img src="https://img.example.com/v1.jpg"`, "<p>What the video shows.</p>", "<p>And a second paragraph.</p>"} {
					if !strings.Contains(c, want) {
						t.Errorf("body %q lacks %q", c, want)
					}
				}
				if items[0].Summary == "" {
					t.Error("no summary from the media description")
				}
			},
		},
		{
			name: "atom:link inside an RSS item is its link",
			ct:   "application/rss+xml",
			body: rssDoc("", `<item><guid isPermaLink="false">urn:uuid:1</guid><a10:link href="https://dotnet.example.com/posts/1"/><title>T</title><description>x</description></item>`),
			check: func(t *testing.T, items []feed.Item, log string) {
				if items[0].Link != "https://dotnet.example.com/posts/1" {
					t.Errorf("link %q", items[0].Link)
				}
			},
		},
		{
			name: "near-miss dates are read, unreadable ones reported",
			ct:   "application/rss+xml",
			body: rssDoc("", `<item><guid>nozone</guid><title>A</title><description>x</description><pubDate>2018-01-06T08:00</pubDate></item>`+
				`<item><guid>named</guid><title>B</title><description>x</description><pubDate>Sat, 06 Jan 2018 08:00:00 CET</pubDate></item>`+
				`<item><guid>bad</guid><title>C</title><description>x</description><pubDate>the sixth of never</pubDate></item>`),
			check: func(t *testing.T, items []feed.Item, log string) {
				want := []time.Time{time.Date(2018, 1, 6, 8, 0, 0, 0, time.UTC), time.Date(2018, 1, 6, 7, 0, 0, 0, time.UTC), {}}
				for i, w := range want {
					if !items[i].Published.Equal(w) {
						t.Errorf("%s: published %s, want %s", items[i].Title, items[i].Published, w)
					}
				}
				if len(logLines(log, "item date unreadable", "source=wire", "/bad", "field=published")) != 1 {
					t.Errorf("the unreadable date is not reported with its item:\n%s", log)
				}
			},
		},
		{
			name: "malformed JSON Feed members are dropped, the items kept",
			ct:   "application/feed+json",
			body: `{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
				{"id": "1", "title": "Tags as a string", "content_text": "a", "tags": "one string"},
				{"id": 2, "title": "Numeric id, bad author", "content_text": "b", "authors": "Ann", "tags": ["ok", 3]},
				"not an object",
				{"id": "3", "title": ["not", "a", "string"], "content_html": "<p>c</p>",
				 "attachments": [{"url": "https://cdn.example.com/a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": "12"}, {"mime_type": "x/y"}]}
			]}`,
			check: func(t *testing.T, items []feed.Item, log string) {
				if len(items) != 3 {
					t.Fatalf("got %d items, want 3", len(items))
				}
				if !strings.HasSuffix(items[1].ID, "/2") || !equalStrings(items[1].Categories, []string{"ok"}) {
					t.Errorf("second item %s, tags %q", items[1].ID, items[1].Categories)
				}
				if e := items[2].Enclosures; len(e) != 1 || e[0].URL != "https://cdn.example.com/a.mp3" || e[0].Length != 0 {
					t.Errorf("attachments %+v", e)
				}
				for _, want := range [][]string{
					{"item=1 ", "field=tags"},
					{"item=2 ", "field=authors"},
					{"item=2 ", "field=tags"},
					{"item=#3 ", "not an object"},
					{"item=3 ", "field=title"},
					{"item=3 ", "field=attachments"},
				} {
					if len(logLines(log, append([]string{"feed item field dropped", "source=wire"}, want...)...)) == 0 {
						t.Errorf("no warning with %q:\n%s", want, log)
					}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newRemoteServer(t, serveTyped(tt.ct, []byte(tt.body)))
			r, _, log := newTestRemote("wire", srv.URL)
			items := mustFetch(t, r)
			if len(items) == 0 {
				t.Fatal("no items")
			}
			for _, it := range items {
				checkSafeHTML(t, it.ContentHTML)
			}
			tt.check(t, items, log.String())
		})
	}
}

func equalStrings(a, b []string) bool { return strings.Join(a, "\x00") == strings.Join(b, "\x00") }

func TestHostLimit(t *testing.T) {
	t.Parallel()
	h := &HostLimit{PerHost: 1}
	release, err := h.acquire(t.Context(), "a.example:80")
	if err != nil {
		t.Fatal(err)
	}
	ended, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := h.acquire(ended, "a.example:80"); !errors.Is(err, context.Canceled) {
		t.Errorf("second request to a busy host: %v, want it to wait until its context ended", err)
	}
	other, err := h.acquire(t.Context(), "b.example:80")
	if err != nil {
		t.Errorf("another host: %v", err)
	} else {
		other()
	}
	release()
	again, err := h.acquire(t.Context(), "a.example:80")
	if err != nil {
		t.Errorf("after release: %v", err)
	} else {
		again()
	}
	var none *HostLimit
	free, err := none.acquire(ended, "a.example:80")
	if err != nil {
		t.Errorf("nil HostLimit: %v", err)
	}
	free()
}

// TestRemoteOutOfTimeBeforeItsTurn checks that a fetch whose time ran out
// before it began (the build's share for fetching spent while it waited
// its turn) still returns, and keeps, the last good items.
func TestRemoteOutOfTimeBeforeItsTurn(t *testing.T) {
	t.Parallel()
	srv := newRemoteServer(t, serveFeed(remoteFixture(t, "rss.xml")))
	r, clock, _ := newTestRemote("wire", srv.URL)
	good := mustFetch(t, r)
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	items, err := r.Fetch(ctx)
	wantStale(t, items, err, good)
	clock.Advance(time.Hour) // past the backoff
	srv.set(serveStatus(http.StatusInternalServerError))
	items, err = r.Fetch(t.Context())
	wantStale(t, items, err, good)
}
