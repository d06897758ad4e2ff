package main

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeLastPublishedArchive: when the first build of a server fails,
// the archive pages the last good build wrote are served with its feeds.
func TestServeLastPublishedArchive(t *testing.T) {
	dir := t.TempDir()
	config := strings.Replace(minimalConfig, "    sources: [wire]\n", "    sources: [wire]\n    limit: 1\n    archive: true\n", 1)
	writeFiles(t, dir, map[string]string{
		"feedpub.yaml":   config,
		"articles/a.txt": "Title: Story A\nDate: 2026-11-01\n\nThe oldest story.\n",
		"articles/b.txt": "Title: Story B\nDate: 2026-11-02\n\nThe middle story.\n",
		"articles/c.txt": "Title: Story C\nDate: 2026-11-03\n\nThe newest story.\n",
	})
	if _, stderr, err := feedpub(t, "build", "-config", filepath.Join(dir, "feedpub.yaml")); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	page1 := readFile(t, filepath.Join(dir, "public", "news", "archive", "1.atom"))
	page2 := readFile(t, filepath.Join(dir, "public", "news", "archive", "2.rss"))
	// Every article is now unreadable as an article: the build fails.
	writeFiles(t, dir, map[string]string{"articles/a.txt": "", "articles/b.txt": "", "articles/c.txt": ""})

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
		resp, _ := s.get("/news.atom", nil)
		return resp.StatusCode == http.StatusOK
	})
	for _, tt := range []struct {
		path  string
		want  []byte
		final bool
	}{
		{"/news/archive/1.atom", page1, true},
		{"/news/archive/2.rss", page2, false},
	} {
		resp, body := s.get(tt.path, nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, tt.want) {
			t.Errorf("%s: %s, %d bytes; want the published file", tt.path, resp.Status, len(body))
		}
		if final := resp.Header.Get("Cache-Control") == "public, max-age=86400"; final != tt.final {
			t.Errorf("%s: Cache-Control %q", tt.path, resp.Header.Get("Cache-Control"))
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
