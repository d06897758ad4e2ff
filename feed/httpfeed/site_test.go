package httpfeed

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/page"
)

// siteDocs renders a real feed in every format, so that browser views are
// made from what readers get.
func siteDocs(t *testing.T) []feed.Document {
	t.Helper()
	meta := feed.Meta{
		ID: "tag:example.org,2026:feed:news", Title: "Harbour News", Description: "News from the harbour", Link: "https://example.org/",
		SelfURL: map[feed.Format]string{feed.RSS: "https://feeds.example.org/news.rss", feed.Atom: "https://feeds.example.org/news.atom", feed.JSON: "https://feeds.example.org/news.json"},
	}
	when := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	items := []feed.Item{
		{ID: "tag:example.org,2026:a", Title: "Bridge Reopens", Link: "https://feeds.example.org/items/a/", Summary: "The bridge is open.", ContentHTML: "<p>The bridge is open.</p>", Published: when, Updated: when},
		{ID: "tag:example.org,2026:b", Title: "Ferry <Timetable> Changes", Link: "https://feeds.example.org/items/b/", Published: when.Add(-time.Hour), Updated: when.Add(-time.Hour)},
	}
	var docs []feed.Document
	for _, f := range feed.Formats {
		var buf bytes.Buffer
		if err := feed.Render(&buf, f, meta, items); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, feed.Document{Feed: "news", Title: meta.Title, Format: f, Body: buf.Bytes(), Modified: when, SelfURL: meta.SelfURL[f]})
	}
	return docs
}

var (
	testPage  = []byte("<!doctype html><title>Bridge Reopens</title><h1>Bridge Reopens</h1>" + strings.Repeat("<p>The bridge is open.</p>", 40))
	testPhoto = []byte("\xff\xd8\xff\xe0 a photo, not compressible in this test")
)

// newSiteHandler serves siteDocs with a site whose page is at pagePath,
// "/items/a" or "/items/a/".
func newSiteHandler(t *testing.T, pagePath string) (*Handler, []feed.Document) {
	t.Helper()
	docs := siteDocs(t)
	snap, err := NewSiteSnapshot(docs, Site{
		Page: page.Site{Title: "Harbour", Link: "https://example.org/"},
		Files: []SiteFile{
			{Path: pagePath, ContentType: "text/html; charset=utf-8", Body: testPage, Folder: "/items/a/"},
			{Path: "/items/a/photo.jpg", ContentType: "image/jpeg", Body: testPhoto},
			{Path: "/feedpub.css", ContentType: "text/css; charset=utf-8", Body: page.Style},
			{Path: "/feeds.opml", ContentType: "text/x-opml; charset=utf-8", Body: []byte(`<opml version="2.0"/>`)},
		},
		Gone: []string{"/items/old/", "/items/a/"},
	}, built)
	if err != nil {
		t.Fatal(err)
	}
	h := New(Options{Now: newClock(built).now})
	h.Swap(snap)
	return h, docs
}

func doSite(h http.Handler, method, path string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Request headers as measured from clients.
var (
	chromiumNavigation = map[string]string{
		"Accept":                    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8",
		"Sec-Fetch-Dest":            "document",
		"Sec-Fetch-Mode":            "navigate",
		"Sec-Fetch-Site":            "none",
		"Sec-Fetch-User":            "?1",
		"Upgrade-Insecure-Requests": "1",
	}
	plainHTTPNavigation = map[string]string{
		"Accept":                    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
		"Upgrade-Insecure-Requests": "1",
	}
)

func TestFeedBrowserView(t *testing.T) {
	t.Parallel()
	h, docs := newSiteHandler(t, "/items/a")
	tests := []struct {
		name   string
		header map[string]string
		html   bool
	}{
		{"no headers, as curl", nil, false},
		{"Accept */*", map[string]string{"Accept": "*/*"}, false},
		{"a feed reader", map[string]string{"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.8, */*;q=0.5", "User-Agent": "Reader/1.0"}, false},
		{"a reader that also takes HTML", map[string]string{"Accept": "application/atom+xml, text/html;q=0.5"}, false},
		{"a browser navigation", chromiumNavigation, true},
		{"a browser navigation to a plain-http origin", plainHTTPNavigation, true},
		{"a frame", merge(chromiumNavigation, map[string]string{"Sec-Fetch-Dest": "iframe"}), false},
		{"a script's fetch", map[string]string{"Sec-Fetch-Mode": "cors", "Sec-Fetch-Dest": "empty", "Accept": "*/*"}, false},
		{"Upgrade-Insecure-Requests without HTML", map[string]string{"Upgrade-Insecure-Requests": "1", "Accept": "application/rss+xml"}, false},
		{"HTML refused", map[string]string{"Upgrade-Insecure-Requests": "1", "Accept": "text/html;q=0, */*"}, false},
	}
	for _, d := range docs {
		path := "/news." + string(d.Format)
		for _, tt := range tests {
			t.Run(string(d.Format)+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				rec := doSite(h, http.MethodGet, path, tt.header)
				if rec.Code != http.StatusOK {
					t.Fatalf("status %d", rec.Code)
				}
				if v := rec.Header().Get("Vary"); !strings.Contains(v, "Sec-Fetch-Mode") || !strings.Contains(v, "Sec-Fetch-Dest") || !strings.Contains(v, "Accept-Encoding") {
					t.Errorf("Vary %q does not name what decided the answer", v)
				}
				body := rec.Body.String()
				if !tt.html {
					if !bytes.Equal(rec.Body.Bytes(), d.Body) {
						t.Errorf("got %q..., want the published document byte for byte", body[:min(len(body), 80)])
					}
					if ct := rec.Header().Get("Content-Type"); ct != d.Format.ContentType() {
						t.Errorf("Content-Type %q", ct)
					}
					return
				}
				if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("view Content-Type %q", ct)
				}
				if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
					t.Errorf("view Cache-Control %q, want no-store", cc)
				}
				if rec.Header().Get("Etag") != "" {
					t.Error("view carries an ETag")
				}
				for _, want := range []string{"<h1>Harbour News</h1>", "News from the harbour", "This is a feed", `value="` + d.SelfURL + `"`,
					`<a href="https://feeds.example.org/items/a/">Bridge Reopens</a>`, "Ferry &lt;Timetable&gt; Changes"} {
					if !strings.Contains(body, want) {
						t.Errorf("view lacks %s", want)
					}
				}
			})
		}
	}
	// A reader's conditional request is still answered for the document.
	rec := doSite(h, http.MethodGet, "/news.atom", nil)
	again := doSite(h, http.MethodGet, "/news.atom", map[string]string{"If-None-Match": rec.Header().Get("Etag")})
	if again.Code != http.StatusNotModified {
		t.Errorf("conditional GET of the feed: %d", again.Code)
	}
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func TestSitePages(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ page, other string }{
		{"/items/a", "/items/a/"},
		{"/items/a/", "/items/a"},
	} {
		t.Run(tt.page, func(t *testing.T) {
			t.Parallel()
			testSitePages(t, tt.page, tt.other)
		})
	}
}

// testSitePages checks a site whose page is at page; other is the other
// spelling of its folder.
func testSitePages(t *testing.T, pagePath, other string) {
	h, _ := newSiteHandler(t, pagePath)

	rec := doSite(h, http.MethodGet, pagePath, nil)
	if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), testPage) {
		t.Fatalf("page: %d %q", rec.Code, rec.Body.String())
	}
	hdr := rec.Header()
	for key, want := range map[string]string{
		"Content-Type": "text/html; charset=utf-8", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
	} {
		if got := hdr.Get(key); got != want {
			t.Errorf("page %s %q, want %q", key, got, want)
		}
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script") {
		t.Errorf("page CSP %q", csp)
	}
	etag := hdr.Get("Etag")
	if !strings.HasPrefix(etag, `"`) {
		t.Errorf("page ETag %q is not strong", etag)
	}
	if again := doSite(h, http.MethodGet, pagePath, map[string]string{"If-None-Match": etag}); again.Code != http.StatusNotModified {
		t.Errorf("conditional GET of a page: %d", again.Code)
	}
	gz := doSite(h, http.MethodGet, pagePath, map[string]string{"Accept-Encoding": "gzip"})
	if gz.Header().Get("Content-Encoding") != "gzip" {
		t.Fatal("page not sent gzipped")
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, testPage) {
		t.Error("gzipped page does not decompress to the page")
	}
	if idx := doSite(h, http.MethodGet, "/items/a/index.html", nil); idx.Code != http.StatusOK || !bytes.Equal(idx.Body.Bytes(), testPage) {
		t.Errorf("index.html of a page: %d", idx.Code)
	}

	photo := doSite(h, http.MethodGet, "/items/a/photo.jpg", map[string]string{"Accept-Encoding": "gzip"})
	if photo.Code != http.StatusOK || photo.Header().Get("Content-Type") != "image/jpeg" || photo.Header().Get("Content-Encoding") != "" ||
		!bytes.Equal(photo.Body.Bytes(), testPhoto) || !strings.Contains(photo.Header().Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("photo: %d %v", photo.Code, photo.Header())
	}

	moved := doSite(h, http.MethodGet, other, nil)
	if moved.Code != http.StatusMovedPermanently || moved.Header().Get("Location") != pagePath {
		t.Errorf("GET %s: %d, Location %q, want a move to %s", other, moved.Code, moved.Header().Get("Location"), pagePath)
	}
	if head := doSite(h, http.MethodHead, other, nil); head.Code != http.StatusMovedPermanently || head.Body.Len() != 0 {
		t.Errorf("HEAD %s: %d with %d bytes", other, head.Code, head.Body.Len())
	}

	for _, p := range []string{"/items/old/", "/items/old", "/items/old/index.html"} {
		gone := doSite(h, http.MethodGet, p, nil)
		if gone.Code != http.StatusGone || gone.Header().Get("Content-Type") != "text/html; charset=utf-8" ||
			!strings.Contains(gone.Body.String(), "This item was removed") {
			t.Errorf("retired page at %s: %d %q", p, gone.Code, gone.Body.String())
		}
		if head := doSite(h, http.MethodHead, p, nil); head.Code != http.StatusGone || head.Body.Len() != 0 {
			t.Errorf("HEAD of a retired page at %s: %d with %d bytes", p, head.Code, head.Body.Len())
		}
	}
	for _, p := range []string{pagePath, other, "/items/a/index.html"} {
		if post := doSite(h, http.MethodPost, p, nil); post.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST to %s: %d", p, post.Code)
		}
	}
	for _, p := range []string{"/items/never/", "/items/never", "/items/", "/items", "/items/a/../a/", "/items%2Fa/", "/items/a/photo.jpg/", "/index.html"} {
		if rec := doSite(h, http.MethodGet, p, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, rec.Code)
		}
	}

	index := doSite(h, http.MethodGet, "/", nil).Body.String()
	if !strings.Contains(index, `<link rel="outline" type="text/x-opml"`) || !strings.Contains(index, `href="feeds.opml"`) {
		t.Errorf("index page does not link the OPML list:\n%s", index)
	}
}

func TestNewSiteSnapshotRefuses(t *testing.T) {
	t.Parallel()
	docs := siteDocs(t)
	for _, p := range []string{"/news.rss", "items/a/", "/items/../x", "/healthz", "/a b/", "/", "/items//a/"} {
		_, err := NewSiteSnapshot(docs, Site{Files: []SiteFile{{Path: p, ContentType: "text/html", Body: []byte("x")}}}, built)
		if err == nil {
			t.Errorf("site file at %q accepted", p)
		}
	}
	_, err := NewSiteSnapshot(docs, Site{Files: []SiteFile{
		{Path: "/a/", ContentType: "text/html", Body: []byte("x")}, {Path: "/a/", ContentType: "text/html", Body: []byte("y")},
	}}, built)
	if err == nil {
		t.Error("a path published twice was accepted")
	}
	for _, f := range []SiteFile{
		{Path: "/a", Folder: "/b/"}, {Path: "/a", Folder: "/a"}, {Path: "/a/", Folder: "/a//"}, {Path: "/a/x", Folder: "/a/"},
	} {
		f.ContentType, f.Body = "text/html", []byte("x")
		if _, err := NewSiteSnapshot(docs, Site{Files: []SiteFile{f}}, built); err == nil {
			t.Errorf("page at %s as the index of %s accepted", f.Path, f.Folder)
		}
	}
	_, err = NewSiteSnapshot(docs, Site{Files: []SiteFile{
		{Path: "/a", ContentType: "text/html", Body: []byte("x"), Folder: "/a/"}, {Path: "/a/", ContentType: "text/html", Body: []byte("y"), Folder: "/a/"},
	}}, built)
	if err == nil {
		t.Error("two pages of one folder were accepted")
	}
}
