package httpfeed

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed/page"
)

// mapFetcher serves bodies from a map, counting fetches.
type mapFetcher struct {
	mu     sync.Mutex
	bodies map[Sum][]byte
	calls  int
	fail   bool
}

func (f *mapFetcher) Body(_ context.Context, sum Sum) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if b, ok := f.bodies[sum]; ok && !f.fail {
		return b, nil
	}
	return nil, errors.New("not stored")
}

func (f *mapFetcher) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// storedPair serves one snapshot as built and as stored: its manifest
// through JSON, with the bodies of lazy resources left to a fetcher.
func storedPair(t *testing.T) (orig, stored *Handler, fetch *mapFetcher, m Manifest) {
	t.Helper()
	docs := siteDocs(t)
	for _, d := range siteDocs(t) {
		d.Feed, d.Archive, d.Final = "news/archive/1", true, true
		d.SelfURL = "https://feeds.example.org/news/archive/1." + string(d.Format)
		docs = append(docs, d)
	}
	snap, err := NewSiteSnapshot(docs, Site{
		Page: page.Site{Title: "Harbour", Link: "https://example.org/"},
		Files: []SiteFile{
			{Path: "/items/a", ContentType: "text/html; charset=utf-8", Body: testPage, Folder: "/items/a/"},
			{Path: "/items/a/photo.jpg", ContentType: "image/jpeg", Body: testPhoto},
			{Path: "/feedpub.css", ContentType: "text/css; charset=utf-8", Body: page.Style},
			{Path: "/feeds.opml", ContentType: "text/x-opml; charset=utf-8", Body: []byte(`<opml version="2.0"/>`)},
		},
		Gone: []string{"/items/old/"},
	}, built)
	if err != nil {
		t.Fatal(err)
	}
	orig = New(Options{Now: newClock(built).now})
	orig.Swap(snap)

	full := snap.Manifest()
	fetch = &mapFetcher{bodies: map[Sum][]byte{}}
	for _, r := range full.Resources {
		for _, v := range r.Variants {
			fetch.bodies[v.SHA256] = v.Body
		}
	}
	raw, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for i, r := range m.Resources {
		if !r.Lazy {
			for j, v := range r.Variants {
				m.Resources[i].Variants[j].Body = fetch.bodies[v.SHA256]
			}
		}
	}
	ss, err := NewStoredSnapshot(m, fetch)
	if err != nil {
		t.Fatal(err)
	}
	stored = New(Options{Now: newClock(built).now})
	stored.Swap(ss)
	return orig, stored, fetch, m
}

// TestStoredSnapshotServesTheSameBytes requires a snapshot stored as its
// manifest, and served again elsewhere, to answer every request exactly
// as the original: status, headers (ETag, Last-Modified, Content-Type,
// Content-Encoding, Cache-Control...) and body.
func TestStoredSnapshotServesTheSameBytes(t *testing.T) {
	t.Parallel()
	orig, stored, fetch, m := storedPair(t)
	lazy := 0
	for _, r := range m.Resources {
		if r.Lazy {
			lazy++
			if !(r.Kind == KindDocument || r.Kind == KindView) && r.Path != "/items/a" && r.Path != "/items/a/photo.jpg" {
				t.Errorf("%s %s is lazy; only archive pages and item pages should be", r.Kind, r.Path)
			}
		}
	}
	if lazy != 8 { // 3 archive documents, their 3 views, the page and its photo
		t.Errorf("%d lazy resources, want 8", lazy)
	}
	paths := []string{"/", "/news.rss", "/news.atom", "/news.json", "/news/archive/1.rss", "/news/archive/1.atom", "/news/archive/1.json",
		"/items/a", "/items/a/", "/items/a/index.html", "/items/a/photo.jpg", "/feedpub.css", "/feeds.opml", "/items/old", "/items/old/", "/nothing.rss"}
	headers := map[string]map[string]string{
		"plain":   nil,
		"gzip":    {"Accept-Encoding": "gzip"},
		"browser": chromiumNavigation,
	}
	for _, p := range paths {
		for name, hdr := range headers {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				a, b := doSite(orig, method, p, hdr), doSite(stored, method, p, hdr)
				if a.Code != b.Code || !maps.EqualFunc(a.Header(), b.Header(), slices.Equal) || a.Body.String() != b.Body.String() {
					t.Errorf("%s %s (%s): stored snapshot answers\n%d %v (%d bytes)\nthe original\n%d %v (%d bytes)",
						method, p, name, b.Code, b.Header(), b.Body.Len(), a.Code, a.Header(), a.Body.Len())
				}
			}
		}
	}
	if fetch.count() == 0 {
		t.Error("no body was fetched on demand")
	}

	// A conditional request for a lazy document needs no bytes.
	etag := doSite(stored, http.MethodGet, "/news/archive/1.atom", nil).Header().Get("Etag")
	before := fetch.count()
	if rec := doSite(stored, http.MethodGet, "/news/archive/1.atom", map[string]string{"If-None-Match": etag}); rec.Code != http.StatusNotModified {
		t.Errorf("conditional request: %d, want 304", rec.Code)
	}
	if doSite(stored, http.MethodHead, "/items/a", nil); fetch.count() != before {
		t.Errorf("a 304 and a HEAD fetched %d bodies, want none", fetch.count()-before)
	}

	// A body that cannot be fetched is a 503 to retry, never a wrong body.
	fetch.mu.Lock()
	fetch.fail = true
	fetch.mu.Unlock()
	rec := doSite(stored, http.MethodGet, "/items/a/photo.jpg", nil)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || rec.Header().Get("Etag") != "" {
		t.Errorf("fetch failure: %d %v, want 503 with Retry-After and no ETag", rec.Code, rec.Header())
	}
	if rec := doSite(stored, http.MethodGet, "/news.rss", nil); rec.Code != http.StatusOK {
		t.Errorf("a document held in memory: %d while fetches fail, want 200", rec.Code)
	}
}

func TestStoredSnapshotRefusesBadManifests(t *testing.T) {
	t.Parallel()
	_, _, fetch, m := storedPair(t)
	clone := func(f func(*Manifest)) Manifest {
		raw, _ := json.Marshal(m)
		var c Manifest
		_ = json.Unmarshal(raw, &c)
		for i, r := range c.Resources {
			for j := range r.Variants {
				c.Resources[i].Variants[j].Body = m.Resources[i].Variants[j].Body
			}
		}
		f(&c)
		return c
	}
	first := func(c *Manifest, kind ResourceKind, lazy bool) *Resource {
		for i := range c.Resources {
			if c.Resources[i].Kind == kind && c.Resources[i].Lazy == lazy {
				return &c.Resources[i]
			}
		}
		t.Fatalf("no %s resource (lazy %v)", kind, lazy)
		return nil
	}
	tests := []struct {
		name  string
		m     Manifest
		fetch BodyFetcher
	}{
		{"no build time", clone(func(c *Manifest) { c.Built = time.Time{} }), fetch},
		{"body of another sum", clone(func(c *Manifest) { r := first(c, KindDocument, false); r.Variants[0].Body = []byte("other") }), fetch},
		{"eager body missing", clone(func(c *Manifest) { first(c, KindFile, false).Variants[0].Body = nil }), fetch},
		{"lazy without a fetcher", m, nil},
		{"unknown coding", clone(func(c *Manifest) { first(c, KindDocument, false).Variants[0].Coding = "br" }), fetch},
		{"document not at its path", clone(func(c *Manifest) { first(c, KindDocument, false).Path = "/other.rss" }), fetch},
		{"unknown kind", clone(func(c *Manifest) { first(c, KindFile, false).Kind = "script" }), fetch},
		{"folder not the file's own", clone(func(c *Manifest) { first(c, KindFile, true).Folder = "/elsewhere/" }), fetch},
		{"file at a document's path", clone(func(c *Manifest) { first(c, KindFile, false).Path = "/news.rss" }), fetch},
		{"file published twice", clone(func(c *Manifest) { c.Resources = append(c.Resources, *first(c, KindFile, false)) }), fetch},
	}
	for _, tt := range tests {
		if _, err := NewStoredSnapshot(tt.m, tt.fetch); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := NewStoredSnapshot(m, fetch); err != nil {
		t.Errorf("the manifest itself: %v", err)
	}
}

// TestManifestIgnoresFileOrder requires the manifests of two snapshots
// that serve the same files, listed in another order, to be equal: a
// build that read its pages back lists them in another order than the one
// that rendered them.
func TestManifestIgnoresFileOrder(t *testing.T) {
	t.Parallel()
	files := []SiteFile{
		{Path: "/items/a", ContentType: "text/html; charset=utf-8", Body: testPage, Folder: "/items/a/"},
		{Path: "/items/a/photo.jpg", ContentType: "image/jpeg", Body: testPhoto},
		{Path: "/feedpub.css", ContentType: "text/css; charset=utf-8", Body: page.Style},
	}
	var manifests [2][]byte
	for i := range manifests {
		snap, err := NewSiteSnapshot(siteDocs(t), Site{Page: page.Site{Title: "Harbour"}, Files: slices.Clone(files)}, built)
		if err != nil {
			t.Fatal(err)
		}
		if manifests[i], err = json.Marshal(snap.Manifest()); err != nil {
			t.Fatal(err)
		}
		slices.Reverse(files)
	}
	if string(manifests[0]) != string(manifests[1]) {
		t.Errorf("manifests differ with the order of the files:\n%s\n%s", manifests[0], manifests[1])
	}
}

// TestServerFetchesLazyBodies requires the standalone Server, whose fast
// path answers documents from memory, to give a stored snapshot's archive
// pages their fetched bytes, never an empty body under the right ETag.
func TestServerFetchesLazyBodies(t *testing.T) {
	t.Parallel()
	orig, stored, fetch, _ := storedPair(t)
	srv := &Server{Handler: stored, HTTP: testHTTPServer(stored)}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve returned %v", err)
		}
	})
	for _, p := range []string{"/news/archive/1.atom", "/news/archive/1.json", "/news.rss"} {
		want := doSite(orig, http.MethodGet, p, nil)
		before := fetch.count()
		resp := exchange(t, ln.Addr().String(), "GET "+p+" HTTP/1.1\r\nHost: feeds.example.org\r\nConnection: close\r\n\r\n", http.MethodGet)[0]
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Etag") != want.Header().Get("Etag") || string(body) != want.Body.String() {
			t.Errorf("GET %s: %d, ETag %s, %d bytes; want 200, ETag %s, %d bytes", p, resp.StatusCode, resp.Header.Get("Etag"), len(body), want.Header().Get("Etag"), want.Body.Len())
		}
		if strings.Contains(p, "archive") && fetch.count() == before {
			t.Errorf("GET %s fetched no body", p)
		}
	}
}
