package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// recordingHub is a WebSub hub started by the test that records the
// hub.url of every publish ping it receives.
type recordingHub struct {
	srv   *httptest.Server
	mu    sync.Mutex
	pings []string
}

func newRecordingHub(t *testing.T) *recordingHub {
	t.Helper()
	h := &recordingHub{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.FormValue("hub.mode") != "publish" {
			http.Error(w, "not a publish ping", http.StatusBadRequest)
			return
		}
		h.mu.Lock()
		h.pings = append(h.pings, r.FormValue("hub.url"))
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// take returns the pings received since the last call, sorted.
func (h *recordingHub) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := slices.Sorted(slices.Values(h.pings))
	h.pings = nil
	return out
}

var newsURLs = []string{"http://127.0.0.1:8080/news.atom", "http://127.0.0.1:8080/news.json", "http://127.0.0.1:8080/news.rss"}

// TestBuildPingsHubs: a one-shot build pings every hub once for each
// document it changed, before it exits, and not at all when nothing
// changed; every document names the hubs.
func TestBuildPingsHubs(t *testing.T) {
	t.Parallel()
	a, b := newRecordingHub(t), newRecordingHub(t)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"feedpub.yaml":   minimalConfig + "hubs:\n  - " + a.srv.URL + "/\n  - " + b.srv.URL + "/\n",
		"articles/a.txt": "A first story about the harbour. More here.\n",
	})
	build := func() {
		t.Helper()
		if _, stderr, err := feedpub(t, "build", "-config", filepath.Join(dir, "feedpub.yaml")); err != nil {
			t.Fatalf("build: %v\n%s", err, stderr)
		}
	}
	build()
	for _, h := range []*recordingHub{a, b} {
		if got := h.take(); !slices.Equal(got, newsURLs) {
			t.Errorf("first build: hub received %q, want one ping for each of %q", got, newsURLs)
		}
	}
	for _, f := range feed.Formats {
		data := readFile(t, filepath.Join(dir, "public", "news."+string(f)))
		for _, h := range []*recordingHub{a, b} {
			if !bytes.Contains(data, []byte(h.srv.URL+"/")) {
				t.Errorf("news.%s does not name hub %s", f, h.srv.URL)
			}
		}
	}

	build()
	if got := a.take(); len(got) != 0 {
		t.Errorf("a build that changed nothing pinged %q", got)
	}

	writeFiles(t, dir, map[string]string{"articles/b.txt": "A second story about the orchard. More here.\n"})
	build()
	if got := a.take(); !slices.Equal(got, newsURLs) {
		t.Errorf("a build that changed the feed pinged %q, want %q", got, newsURLs)
	}
}

// TestServeArchiveAndHubDown serves an archived feed while its hub is
// down: the build is not held up, the ping is retried and counted, and
// archive pages are served like the feeds, the final ones with a long
// max-age.
func TestServeArchiveAndHubDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	hubURL := down.URL + "/"
	down.Close()
	config := strings.Replace(minimalConfig, "    sources: [wire]\n", "    sources: [wire]\n    limit: 2\n    archive: true\n", 1) + "hubs: [\"" + hubURL + "\"]\n"
	files := map[string]string{}
	for i, name := range []string{"a", "b", "c", "d", "e"} {
		files["articles/"+name+".txt"] = "Title: Story " + name + "\nDate: 2026-11-2" + string(rune('0'+i)) + "\n\nWhat happened in story " + name + ".\n"
	}
	s := startServeConfig(t, config, "@every 1h", files)
	waitFor(t, "the first build", 10*time.Second, func() bool {
		resp, _ := s.get("/news.atom", nil)
		return resp.StatusCode == http.StatusOK
	})
	waitFor(t, "the ping to the hub that is down to be retried", 30*time.Second, func() bool {
		_, body := s.get("/metrics", nil)
		return bytes.Contains(body, []byte(`feedpub_websub_pings_total{result="retry"}`))
	})

	resp, body := s.get("/news.atom", nil)
	if link := resp.Header.Get("Link"); !strings.Contains(link, "<"+hubURL+`>; rel="hub"`) {
		t.Errorf("Link header %q does not name the hub", link)
	}
	if !bytes.Contains(body, []byte(`href="`+hubURL+`" rel="hub"`)) {
		t.Errorf("news.atom does not name the hub:\n%s", body)
	}
	// Five stories, two in the current document: page 1 (full, with a
	// newer page) and page 2.
	for _, tt := range []struct {
		path  string
		cache string
	}{
		{"/news/archive/1.atom", "public, max-age=86400"},
		{"/news/archive/1.rss", "public, max-age=86400"},
		{"/news/archive/1.json", "public, max-age=86400"},
		{"/news/archive/2.atom", ""},
	} {
		resp, body := s.get(tt.path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", tt.path, resp.Status)
		}
		format := feed.Format(tt.path[strings.LastIndexByte(tt.path, '.')+1:])
		if got := resp.Header.Get("Content-Type"); got != format.ContentType() {
			t.Errorf("%s: Content-Type %q", tt.path, got)
		}
		if err := feed.ValidateFormat(format, body).Err(); err != nil {
			t.Errorf("%s does not validate: %v", tt.path, err)
		}
		if bytes.Contains(body, []byte(hubURL)) || strings.Contains(resp.Header.Get("Link"), "hub") {
			t.Errorf("%s names the hub; readers subscribe to the feed, not its archive", tt.path)
		}
		cc := resp.Header.Get("Cache-Control")
		if tt.cache != "" && cc != tt.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tt.path, cc, tt.cache)
		}
		if tt.cache == "" && cc == "public, max-age=86400" {
			t.Errorf("%s, the newest page, is cached for a day", tt.path)
		}
		again, rest := s.get(tt.path, map[string]string{"If-None-Match": resp.Header.Get("ETag")})
		if again.StatusCode != http.StatusNotModified || len(rest) != 0 {
			t.Errorf("%s with its ETag: %s, want 304", tt.path, again.Status)
		}
		gz, zipped := s.get(tt.path, map[string]string{"Accept-Encoding": "gzip"})
		if gz.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(zipped))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(plain, body) {
				t.Errorf("%s: the gzip body is not the document", tt.path)
			}
		} else if len(body) > 1024 {
			t.Errorf("%s (%d bytes) is not served gzipped", tt.path, len(body))
		}
	}
	_, index := s.get("/", nil)
	if bytes.Contains(index, []byte("archive/")) {
		t.Error("the index page lists archive pages")
	}
}

// TestServePingsHubsPerChangedBuild: a server building every second pings
// its hub once per document of the builds that changed it, and not for
// the builds in between that changed nothing.
func TestServePingsHubsPerChangedBuild(t *testing.T) {
	h := newRecordingHub(t)
	s := startServeConfig(t, minimalConfig+"hubs: [\""+h.srv.URL+"/\"]\n", "@every 1s", map[string]string{
		"articles/a.txt": "A first story about the harbour. More here.\n",
	})
	builds := func() int { return strings.Count(s.stderr.String(), `msg="build finished"`) }
	waitFor(t, "the first build's pings", 30*time.Second, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.pings) >= len(newsURLs)
	})
	if got := h.take(); !slices.Equal(got, newsURLs) {
		t.Errorf("the first build pinged %q, want %q", got, newsURLs)
	}
	// Three more builds that change nothing.
	after := builds() + 3
	waitFor(t, "three unchanged builds", 30*time.Second, func() bool { return builds() >= after })
	if got := h.take(); len(got) != 0 {
		t.Errorf("builds that changed nothing pinged %q", got)
	}
	// Written beside and renamed in, so that no build reads half of it.
	writeFiles(t, s.dir, map[string]string{"b.txt.new": "A second story about the orchard. More here.\n"})
	if err := os.Rename(filepath.Join(s.dir, "b.txt.new"), filepath.Join(s.dir, "articles", "b.txt")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the changed build's pings", 30*time.Second, func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return len(h.pings) >= len(newsURLs)
	})
	// Let two more builds pass: they change nothing and ping nothing.
	after = builds() + 2
	waitFor(t, "two more builds", 30*time.Second, func() bool { return builds() >= after })
	if got := h.take(); !slices.Equal(got, newsURLs) {
		t.Errorf("the changed build, and the two after it, pinged %q; want %q once", got, newsURLs)
	}
}
