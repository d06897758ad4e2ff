package main

import (
	"bytes"
	"context"
	"errors"
	"html"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net"
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
		if strings.HasSuffix(link, "/") {
			t.Errorf("item link %s ends in a slash; the default item_link has none", link)
		}
		p := localPath(t, link)
		resp, body := s.getDirect(p)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Errorf("%s: %s %s", link, resp.Status, resp.Header.Get("Content-Type"))
			continue
		}
		for _, want := range []string{"<h1>" + html.EscapeString(title) + "</h1>", `<link rel="canonical" href="` + link + `">`, `<meta property="og:url" content="` + link + `">`} {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("%s lacks %s", link, want)
			}
		}
		// The folder's spellings reach the page too, as on a static host.
		if resp, _ := s.getDirect(p + "/"); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != p {
			t.Errorf("%s/: %s, Location %q, want a move to %s", p, resp.Status, resp.Header.Get("Location"), p)
		}
		if resp, idx := s.getDirect(p + "/index.html"); resp.StatusCode != http.StatusOK || !bytes.Equal(idx, body) {
			t.Errorf("%s/index.html: %s", p, resp.Status)
		}
	}
	const photo = "http://127.0.0.1:8080/items/trip/bay.png"
	if _, trip := s.getDirect("/items/trip"); !bytes.Contains(trip, []byte(`src="`+photo+`"`)) {
		t.Errorf("the trip page does not show the photo beside its article at %s:\n%s", photo, trip)
	}
	resp, body := s.get(localPath(t, photo), nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || string(body) != files["posts/trip/bay.png"] {
		t.Errorf("the photo beside the Markdown article: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	resp, body = s.get("/feeds.opml", nil)
	if resp.StatusCode != http.StatusOK || bytes.Count(body, []byte("<outline ")) != 6 {
		t.Errorf("feeds.opml: %s\n%s", resp.Status, body)
	}

	// Deleting an article retires its page: 410 after the next build.
	const orchard = "/items/2026-11-22-orchard-harvest"
	if resp, _ := s.getDirect(orchard); resp.StatusCode != http.StatusOK {
		t.Fatalf("%s before the deletion: %s", orchard, resp.Status)
	}
	if err := os.Remove(filepath.Join(s.dir, "articles", "2026-11-22-orchard-harvest.txt")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the deleted article's page to answer 410", 15*time.Second, func() bool {
		resp, _ := s.getDirect(orchard)
		return resp.StatusCode == http.StatusGone
	})
	for _, p := range []string{orchard, orchard + "/", orchard + "/index.html"} {
		resp, body = s.getDirect(p)
		if resp.StatusCode != http.StatusGone || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || !bytes.Contains(body, []byte("removed")) {
			t.Errorf("%s: %s %s %q", p, resp.Status, resp.Header.Get("Content-Type"), body)
		}
	}
	if _, err := os.Stat(filepath.Join(s.dir, "public", "items", "2026-11-22-orchard-harvest")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the retired page is still in the output folder: %v", err)
	}
}

// getDirect is get without following redirects and without headers.
func (s *served) getDirect(path string) (*http.Response, []byte) {
	s.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.base + strings.TrimPrefix(path, "/"))
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

// TestChromiumShowsItemPages opens a Markdown page bundle's page at its
// item's link in a real headless browser and looks at the picture: the
// photo beside the article must be on screen, scaled by the stylesheet
// to the page's width. Skipped as TestChromiumShowsFeedsAsPages is.
func TestChromiumShowsItemPages(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is required under CI: %v", err)
		}
		t.Skipf("chromium is not installed (%v); CI installs it", err)
	}
	// The page names its photo by an absolute URL under base_url, so the
	// server must listen at base_url.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var photo bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 1000, 400))
	draw.Draw(img, img.Bounds(), &image.Uniform{color.RGBA{220, 20, 20, 255}}, image.Point{}, draw.Src)
	if err := png.Encode(&photo, img); err != nil {
		t.Fatal(err)
	}
	config := strings.Replace(minimalConfig, "http://127.0.0.1:8080/", "http://"+addr+"/", 1)
	config = strings.Replace(config, "sources:\n", "sources:\n  - name: blog\n    type: markdown\n    path: posts\n", 1) +
		"  - name: blog\n    sources: [blog]\n"
	s := startServeListen(t, config, "@every 1h", map[string]string{
		"articles/a.txt":      "Title: Harbour Bridge Reopens\n\nThe bridge reopened on Monday.\n",
		"posts/trip/index.md": "---\ntitle: A Trip to the Lighthouse\n---\nThe view from the top:\n\n![the bay](bay.png)\n",
		"posts/trip/bay.png":  photo.String(),
	}, addr)
	waitFor(t, "the first build", 10*time.Second, func() bool {
		resp, _ := s.get("/blog.atom", nil)
		return resp.StatusCode == http.StatusOK
	})
	shot := screenshot(t, s.base+"items/trip")
	// The photo's box on screen: the pixels of its colour.
	box := image.Rectangle{}
	b := shot.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := shot.At(x, y).RGBA()
			if r>>8 > 200 && g>>8 < 40 && bl>>8 < 40 {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	if box.Empty() {
		t.Fatal("the photo beside the article is not on screen")
	}
	// Scaled to the content's width (less than the window's 412 pixels,
	// with the stylesheet's margins) and keeping its 5:2 shape.
	w, h := box.Dx(), box.Dy()
	if w >= 400 || box.Min.X < 12 || h*100/w < 37 || h*100/w > 43 {
		t.Errorf("the photo is shown at %v (%dx%d); the stylesheet did not fit it to the page", box, w, h)
	}
}

// screenshot loads url in headless chromium in a phone-sized window and
// returns what it shows.
func screenshot(t *testing.T, url string) image.Image {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out := filepath.Join(t.TempDir(), "shot.png")
	cmd := exec.CommandContext(ctx, chromiumPath, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--window-size=412,900", "--screenshot="+out, url)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot %s: %v\n%s", url, err, msg)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot of %s: %v", url, err)
	}
	return img
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
