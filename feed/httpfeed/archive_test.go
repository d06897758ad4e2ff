package httpfeed

import (
	"net/http"
	"strings"
	"testing"

	"github.com/feedpub/feedpub/feed"
)

// TestArchivePages: archive pages are served like feeds, the final ones
// with a day's max-age and the newest with the schedule's; none is listed
// on the index page. Every hub is announced in the feeds' Link header, and
// none in the archive pages'.
func TestArchivePages(t *testing.T) {
	t.Parallel()
	h := New(Options{HubURLs: []string{"https://hub.example.org/", "https://push.example.net/hub"}, Now: newClock(built).now})
	self := func(p string) string { return "https://feeds.example.org/" + p }
	docs := append(testDocs(),
		feed.Document{Feed: "news/archive/1", Title: "News", Format: feed.Atom, Body: feedBody(3_000, 5), Modified: modified, SelfURL: self("news/archive/1.atom"), Archive: true, Final: true},
		feed.Document{Feed: "news/archive/2", Title: "News", Format: feed.Atom, Body: feedBody(3_000, 6), Modified: modified, SelfURL: self("news/archive/2.atom"), Archive: true},
	)
	s, err := NewSnapshot(docs, built)
	if err != nil {
		t.Fatal(err)
	}
	h.Swap(s)
	tests := []struct {
		path  string
		cache string
	}{
		{"/news/archive/1.atom", "public, max-age=86400"},
		{"/news/archive/2.atom", "public, max-age=300"},
		{"/news.atom", "public, max-age=300"},
	}
	for _, tt := range tests {
		w := do(h, "GET", tt.path)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", tt.path, w.Code)
		}
		if got := w.Header().Get("Cache-Control"); got != tt.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tt.path, got, tt.cache)
		}
		wantLink := "<" + self(tt.path[1:]) + `>; rel="self"`
		if !strings.Contains(tt.path, "archive/") {
			wantLink += `, <https://hub.example.org/>; rel="hub", <https://push.example.net/hub>; rel="hub"`
		}
		if got := w.Header().Get("Link"); got != wantLink {
			t.Errorf("%s: Link %q, want %q", tt.path, got, wantLink)
		}
		w2 := do(h, "GET", tt.path, "If-None-Match", w.Header().Get("Etag"))
		if w2.Code != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", tt.path, w2.Code)
		}
		if got := w2.Header().Get("Cache-Control"); got != tt.cache {
			t.Errorf("%s 304: Cache-Control %q, want %q", tt.path, got, tt.cache)
		}
	}
	index := do(h, "GET", "/").Body.String()
	if strings.Contains(index, "archive/") {
		t.Error("the index page lists archive pages")
	}
	if !strings.Contains(index, self("news.atom")) {
		t.Error("the index page lost the feeds")
	}
}
