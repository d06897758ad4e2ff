package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
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

// served is a 'feedpub serve' running in-process on a free port.
type served struct {
	t      *testing.T
	dir    string
	base   string
	stderr *syncBuffer
	done   chan error
	stop   context.CancelFunc
}

func startServe(t *testing.T, schedule string, files map[string]string) *served {
	t.Helper()
	return startServeConfig(t, minimalConfig, schedule, files)
}

// startServeConfig is startServe with a configuration of the test's own:
// config is the whole feedpub.yaml but for the schedule, which is added.
func startServeConfig(t *testing.T, config, schedule string, files map[string]string) *served {
	t.Helper()
	return startServeListen(t, config, schedule, files, "127.0.0.1:0")
}

// startServeListen is startServeConfig listening on listen.
func startServeListen(t *testing.T, config, schedule string, files map[string]string, listen string, flags ...string) *served {
	t.Helper()
	dir := t.TempDir()
	files["feedpub.yaml"] = config + "schedule: \"" + schedule + "\"\n"
	writeFiles(t, dir, files)
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{t: t, dir: dir, stderr: &syncBuffer{}, done: make(chan error, 1), stop: cancel}
	stdout := &syncBuffer{}
	go func() {
		args := append([]string{"serve", "-config", filepath.Join(dir, "feedpub.yaml"), "-listen", listen, "-grace", "5s"}, flags...)
		s.done <- run(ctx, args, stdout, s.stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("serve did not stop within 10s")
		}
	})
	addr := regexp.MustCompile(`serving on (http://\S+/)`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := addr.FindStringSubmatch(stdout.String()); m != nil {
			s.base = m[1]
			return s
		}
		select {
		case err := <-s.done:
			t.Fatalf("serve exited: %v\n%s", err, s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("serve printed no address:\n%s\n%s", stdout.String(), s.stderr.String())
	return nil
}

func (s *served) get(path string, header map[string]string) (*http.Response, []byte) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+strings.TrimPrefix(path, "/"), nil)
	// Ask for the identity body, so the ETag is the one of the bytes read.
	req.Header.Set("Accept-Encoding", "identity")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp, body
}

// waitFor polls until cond holds or the time is up.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func TestServeFeeds(t *testing.T) { eachServer(t, false, testServeFeeds) }

func testServeFeeds(t *testing.T, flags ...string) {
	s := startServeFlags(t, flags, "@every 1s", map[string]string{"articles/a.txt": "First story here. More.\n\n\nA Headline\n"})
	waitFor(t, "the first build", 10*time.Second, func() bool {
		resp, _ := s.get("/healthz", nil)
		return resp.StatusCode == http.StatusOK
	})
	for _, f := range feed.Formats {
		resp, body := s.get("/news."+string(f), nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET news.%s: %s", f, resp.Status)
		}
		if got := resp.Header.Get("Content-Type"); got != f.ContentType() {
			t.Errorf("news.%s Content-Type %q", f, got)
		}
		report := feed.ValidateFormat(f, body)
		if err := report.Err(); err != nil || len(report.Items) != 2 {
			t.Errorf("news.%s: %d items, %v", f, len(report.Items), err)
		}
		etag := resp.Header.Get("ETag")
		if !strings.Contains(etag, etagOf(body)[:16]) {
			t.Errorf("news.%s ETag %s does not come from its body", f, etag)
		}
		again, body := s.get("/news."+string(f), map[string]string{"If-None-Match": etag})
		if again.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("If-None-Match: %s with %d bytes, want 304 and no body", again.Status, len(body))
		}
		future := time.Now().Add(24 * time.Hour).UTC().Format(http.TimeFormat)
		again, _ = s.get("/news."+string(f), map[string]string{"If-Modified-Since": future})
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("invented later If-Modified-Since: %s, want 304", again.Status)
		}
	}

	// An edit shows within a few seconds, with a new ETag.
	resp, _ := s.get("/news.atom", nil)
	before := resp.Header.Get("ETag")
	writeFiles(t, s.dir, map[string]string{"articles/b.txt": "Second story arrives. Yes.\n"})
	waitFor(t, "the edit to be served", 10*time.Second, func() bool {
		resp, body := s.get("/news.atom", nil)
		return resp.Header.Get("ETag") != before && bytes.Contains(body, []byte("Second story arrives"))
	})

	// A failing build keeps the feeds in service.
	resp, good := s.get("/news.rss", nil)
	etag := resp.Header.Get("ETag")
	if err := os.RemoveAll(filepath.Join(s.dir, "articles")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a failed build to be logged", 10*time.Second, func() bool {
		return strings.Contains(s.stderr.String(), "build failed")
	})
	resp, body := s.get("/news.rss", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") != etag || !bytes.Equal(body, good) {
		t.Errorf("after a failed build: %s, ETag %s (was %s)", resp.Status, resp.Header.Get("ETag"), etag)
	}
	resp, body = s.get("/healthz", nil)
	var health struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &health); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("healthz right after one failure: %s %s", resp.Status, body)
	}
}

func TestServeReloadAndShutdown(t *testing.T) {
	s := startServe(t, "@every 1h", map[string]string{"articles/a.txt": "First story here. More.\n"})
	waitFor(t, "the first build", 10*time.Second, func() bool {
		resp, _ := s.get("/news.rss", nil)
		return resp.StatusCode == http.StatusOK
	})

	// An invalid configuration is refused on SIGHUP; the feeds stay.
	cfgPath := filepath.Join(s.dir, "feedpub.yaml")
	good, _ := os.ReadFile(cfgPath)
	writeFiles(t, s.dir, map[string]string{"feedpub.yaml": string(good) + "bogus: key\n"})
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reload to be refused", 5*time.Second, func() bool {
		return strings.Contains(s.stderr.String(), "configuration reload refused")
	})
	if resp, _ := s.get("/news.rss", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("after a refused reload: %s", resp.Status)
	}

	// A valid one is taken, and rebuilds at once with the new title.
	writeFiles(t, s.dir, map[string]string{"feedpub.yaml": strings.Replace(string(good), "Example News", "Renamed News", 1)})
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reloaded title", 10*time.Second, func() bool {
		_, body := s.get("/news.json", nil)
		return bytes.Contains(body, []byte("Renamed News"))
	})
	waitFor(t, "the reloaded title on the index page", 10*time.Second, func() bool {
		_, body := s.get("/", nil)
		return bytes.Contains(body, []byte("<h1>Renamed News</h1>"))
	})

	s.stop()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve returned %v on shutdown, want nil (exit 0)", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	s.done <- nil // for the cleanup
}

// TestServeShutdownUnderLoad stops the server while clients poll it: every
// response that starts must arrive whole, and serve must return nil.
func TestServeShutdownUnderLoad(t *testing.T) { eachServer(t, false, testServeShutdownUnderLoad) }

func testServeShutdownUnderLoad(t *testing.T, flags ...string) {
	s := startServeFlags(t, flags, "@every 1h", map[string]string{"articles/a.txt": strings.Repeat("A long story goes on. ", 2000) + "\n"})
	waitFor(t, "the first build", 10*time.Second, func() bool {
		resp, _ := s.get("/news.rss", nil)
		return resp.StatusCode == http.StatusOK
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	complete, broken := 0, 0
	stop := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 5 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, s.base+"news.rss", nil)
				req.Header.Set("Accept-Encoding", "identity")
				resp, err := client.Do(req)
				if err != nil {
					return // the listener is closed: no new requests
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				if err != nil || int64(len(body)) != resp.ContentLength {
					broken++
				} else {
					complete++
				}
				mu.Unlock()
			}
		}()
	}
	// Stop while requests are in flight: after the first whole response,
	// however long a loaded machine takes to give it.
	waitFor(t, "a whole response under load", 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return complete > 0
	})
	s.stop()
	var err error
	select {
	case err = <-s.done:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s")
	}
	close(stop)
	wg.Wait()
	s.done <- nil
	if err != nil {
		t.Errorf("serve returned %v, want nil", err)
	}
	if complete == 0 || broken > 0 {
		t.Errorf("%d whole responses, %d cut off", complete, broken)
	}
}

// TestServeLastPublishedOnFailedStart restarts serve on a site whose source
// broke: the files of the last good build are served.
func TestServeLastPublishedOnFailedStart(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"feedpub.yaml":   minimalConfig + "    per_category: true\n",
		"articles/a.txt": "Tags: Harbour\n\nA story that was published. Yes.\n",
	})
	if _, stderr, err := feedpub(t, "build", "-config", filepath.Join(dir, "feedpub.yaml")); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	published, _ := os.ReadFile(filepath.Join(dir, "public", "news.atom"))
	// Every article is now unreadable as an article: the build fails.
	writeFiles(t, dir, map[string]string{"articles/a.txt": ""})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-config", filepath.Join(dir, "feedpub.yaml"), "-listen", "127.0.0.1:0"}, stdout, stderr)
	}()
	var base string
	waitFor(t, "the address", 10*time.Second, func() bool {
		m := regexp.MustCompile(`serving on (http://\S+/)`).FindStringSubmatch(stdout.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	})
	s := &served{t: t, base: base}
	waitFor(t, "the published files to be served", 10*time.Second, func() bool {
		resp, body := s.get("/news.atom", nil)
		return resp.StatusCode == http.StatusOK && bytes.Equal(body, published)
	})
	if !strings.Contains(stderr.String(), "build failed") {
		t.Errorf("the failed build is not logged:\n%s", stderr.String())
	}
	// Per-category feeds are served from their files too.
	category, _ := os.ReadFile(filepath.Join(dir, "public", "category", "harbour.rss"))
	if resp, body := s.get("/category/harbour.rss", nil); resp.StatusCode != http.StatusOK || len(category) == 0 || !bytes.Equal(body, category) {
		t.Errorf("the last published per-category feed: %s", resp.Status)
	}
	if resp, body := s.get("/items/a/", nil); resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("A story that was published")) {
		t.Errorf("the last published item page: %s", resp.Status)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v", err)
	}
}

// TestServePicksUpABuildRunBesideIt runs 'feedpub build' on the state a
// server uses: the build records the new sources, so the server's next
// build finds nothing changed, and must still serve what was published.
func TestServePicksUpABuildRunBesideIt(t *testing.T) {
	s := startServe(t, "@every 1s", map[string]string{"articles/a.txt": "The first story is published. It has a body.\n"})
	waitFor(t, "the first build", 30*time.Second, func() bool {
		resp, _ := s.get("/news.json", nil)
		return resp.StatusCode == http.StatusOK
	})
	writeFiles(t, s.dir, map[string]string{"articles/b.txt": "Title: Ferry Timetable Changes\n\nThe ferry leaves earlier from Monday.\n"})
	if _, stderr, err := feedpub(t, "build", "-config", filepath.Join(s.dir, "feedpub.yaml")); err != nil {
		t.Fatalf("build beside serve: %v\n%s", err, stderr)
	}
	onDisk, err := os.ReadFile(filepath.Join(s.dir, "public", "news.json"))
	if err != nil || !bytes.Contains(onDisk, []byte("Ferry Timetable Changes")) {
		t.Fatalf("the build did not publish the new story: %v", err)
	}
	waitFor(t, "serve to serve what the build published", 30*time.Second, func() bool {
		_, body := s.get("/news.json", nil)
		return bytes.Equal(body, onDisk)
	})
}

// TestBodyDir checks where the server keeps the files of large bodies:
// beside the state file, else in the cache or output folder, and in memory
// when none of them is a folder.
func TestBodyDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data, cache, public := filepath.Join(dir, "data"), filepath.Join(dir, "cache"), filepath.Join(dir, "public")
	for _, d := range []string{data, cache, public} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	missing := filepath.Join(dir, "missing")
	pg := "postgres://feedpub@localhost/feedpub"
	tests := []struct {
		name                 string
		state, cache, output string
		want                 string
	}{
		{"state file", filepath.Join(data, "feedpub.db"), "", public, data},
		{"state folder missing", filepath.Join(missing, "feedpub.db"), "", public, public},
		{"postgres with cache", pg, cache, public, cache},
		{"postgres without cache", pg, "", public, public},
		{"nothing here", pg, missing, missing, ""},
	}
	for _, tt := range tests {
		cfg := &config.Config{State: tt.state, CacheDir: tt.cache, Output: tt.output}
		if got := bodyDir(cfg); got != tt.want {
			t.Errorf("%s: body folder %q, want %q", tt.name, got, tt.want)
		}
	}
}
