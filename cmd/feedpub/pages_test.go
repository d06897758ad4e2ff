package main

import (
	"bytes"
	"context"
	"errors"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// exampleSite returns the files of a site made of the bundled example
// articles and a Markdown article with a photo beside it.
func exampleSite(t *testing.T) (config string, files map[string]string) {
	t.Helper()
	files = map[string]string{
		"posts/trip/index.md": "---\ntitle: A Trip to the Lighthouse\n---\nThe view from the top:\n\n![the bay](bay.png)\n",
		"posts/trip/bay.png":  "\x89PNG\r\n\x1a\n not a real image",
	}
	entries, err := os.ReadDir(filepath.Join("..", "..", "examples", "articles"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("..", "..", "examples", "articles", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files["articles/"+e.Name()] = string(data)
	}
	config = strings.Replace(minimalConfig, "sources:\n", "sources:\n  - name: blog\n    type: markdown\n    path: posts\n", 1) +
		"  - name: blog\n    sources: [blog]\n"
	return config, files
}

// feedLinks reads every item link of every published document.
func feedLinks(t *testing.T, s *served) map[string]string {
	t.Helper()
	links := map[string]string{} // link → title
	for _, name := range []string{"news", "blog"} {
		for _, f := range feed.Formats {
			resp, body := s.get("/"+name+"."+string(f), nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s.%s: %s", name, f, resp.Status)
			}
			report := feed.ValidateFormat(f, body)
			if err := report.Err(); err != nil {
				t.Fatalf("%s.%s: %v", name, f, err)
			}
			for _, it := range report.Items {
				links[it.Link] = it.Title
			}
		}
	}
	return links
}

// localPath turns an item link under the configured base_url into the
// path the test server answers it at.
func localPath(t *testing.T, link string) string {
	t.Helper()
	p, ok := strings.CutPrefix(link, "http://127.0.0.1:8080/")
	if !ok {
		t.Fatalf("item link %s is not below base_url", link)
	}
	return "/" + p
}

func TestServeItemPages(t *testing.T) {
	if testing.Short() {
		t.Skip("starts feedpub serve")
	}
	config, files := exampleSite(t)
	s := startServeConfig(t, config, "@every 1s", files)
	waitFor(t, "the first build", 10*time.Second, func() bool {
		resp, _ := s.get("/blog.atom", nil)
		return resp.StatusCode == http.StatusOK
	})
	links := feedLinks(t, s)
	if len(links) < 5 {
		t.Fatalf("only %d item links published", len(links))
	}
	for link, title := range links {
		resp, body := s.get(localPath(t, link), nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%s: %s %s", link, resp.Status, resp.Header.Get("Content-Type"))
			continue
		}
		if !bytes.Contains(body, []byte("<h1>"+html.EscapeString(title)+"</h1>")) {
			t.Errorf("%s does not show its title %q", link, title)
		}
	}
	resp, body := s.get("/items/trip/bay.png", nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || string(body) != files["posts/trip/bay.png"] {
		t.Errorf("the photo beside the Markdown article: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	resp, body = s.get("/feeds.opml", nil)
	if resp.StatusCode != http.StatusOK || bytes.Count(body, []byte("<outline ")) != 6 {
		t.Errorf("feeds.opml: %s\n%s", resp.Status, body)
	}

	// Deleting an article retires its page: 410 after the next build.
	const orchard = "/items/2026-11-22-orchard-harvest/"
	if resp, _ := s.get(orchard, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("%s before the deletion: %s", orchard, resp.Status)
	}
	if err := os.Remove(filepath.Join(s.dir, "articles", "2026-11-22-orchard-harvest.txt")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deleted article's page to answer 410", 15*time.Second, func() bool {
		resp, _ := s.get(orchard, nil)
		return resp.StatusCode == http.StatusGone
	})
	resp, body = s.get(orchard, nil)
	if resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || !bytes.Contains(body, []byte("removed")) {
		t.Errorf("410 answer: %s %q", resp.Header.Get("Content-Type"), body)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "public", "items", "2026-11-22-orchard-harvest")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the retired page is still in the output folder: %v", err)
	}
}

// chromiumPath is where Debian installs chromium.
const chromiumPath = "/usr/bin/chromium"

// TestChromiumShowsFeedsAsPages opens the feeds in a real headless
// browser. It is skipped only where chromium is not installed and CI is
// not set; CI installs it (.ci/run), and fails here without it.
func TestChromiumShowsFeedsAsPages(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is required under CI: %v", err)
		}
		t.Skipf("chromium is not installed (%v); CI installs it", err)
	}
	s := startServe(t, "@every 1h", map[string]string{
		"articles/a.txt": "Title: Harbour Bridge Reopens\n\nThe bridge reopened on Monday.\n",
		"articles/b.txt": "Title: Ferry Timetable Changes\n\nFerries leave earlier from next week.\n",
	})
	waitFor(t, "the first build", 10*time.Second, func() bool {
		resp, _ := s.get("/news.rss", nil)
		return resp.StatusCode == http.StatusOK
	})
	for _, name := range []string{"news.rss", "news.atom"} {
		dom := dumpDOM(t, s.base+name)
		for _, want := range []string{"<h1>Example News</h1>", "This is a feed", "Harbour Bridge Reopens", "Ferry Timetable Changes", `value="http://127.0.0.1:8080/` + name + `"`} {
			if !strings.Contains(dom, want) {
				t.Errorf("chromium shows %s without %q:\n%s", name, want, dom)
			}
		}
		// Any other client gets the published file byte for byte.
		published, err := os.ReadFile(filepath.Join(s.dir, "public", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, accept := range []string{"", "*/*", "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"} {
			var h map[string]string
			if accept != "" {
				h = map[string]string{"Accept": accept}
			}
			if _, body := s.get(name, h); !bytes.Equal(body, published) {
				t.Errorf("%s with Accept %q is not the published file", name, accept)
			}
		}
	}
}

// dumpDOM loads url in headless chromium and returns the DOM it built.
func dumpDOM(t *testing.T, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromiumPath, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--dump-dom", url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom %s: %v\n%s", url, err, stderr.String())
	}
	return string(out)
}
