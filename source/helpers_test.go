package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/feedpub/feedpub/feed"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testPrefix is the IDPrefix of the sources under test.
const testPrefix = "tag:news.example.com,2026-01-01:"

// testLogger returns a logger that writes text to the returned buffer.
func testLogger() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

// logLines returns the lines of a log that contain every one of parts.
func logLines(log string, parts ...string) []string {
	var out []string
	for line := range strings.Lines(log) {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

// writeTree writes files, named by slash-separated paths, below root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// twoCopies writes files below two new folders, the second elsewhere and
// with other modification times, as a fresh checkout would give, and
// returns both.
func twoCopies(t *testing.T, files map[string]string) (a, b string) {
	t.Helper()
	a, b = t.TempDir(), filepath.Join(t.TempDir(), "moved", "copy")
	writeTree(t, a, files)
	writeTree(t, b, files)
	later := time.Now().Add(48 * time.Hour)
	err := filepath.WalkDir(b, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, later, later)
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// checkSameIdentity fails t unless the items fetched from two copies of
// a tree number n and have the same IDs and links, item by item.
func checkSameIdentity(t *testing.T, got [2][]feed.Item, n int) {
	t.Helper()
	if len(got[0]) != n || len(got[1]) != n {
		t.Fatalf("got %d and %d items, want %d", len(got[0]), len(got[1]), n)
	}
	for i := range got[0] {
		x, y := got[0][i], got[1][i]
		if x.ID != y.ID || x.Link != y.Link {
			t.Errorf("item %d: ID, Link %q, %q in one copy, %q, %q in the other", i, x.ID, x.Link, y.ID, y.Link)
		}
	}
}

// checkFetchError fails t unless Fetch failed with an error that contains
// want and, when is is not nil, wraps is.
func checkFetchError(t *testing.T, items []feed.Item, err error, want string, is error) {
	t.Helper()
	if err == nil {
		t.Fatalf("Fetch = %d items, want error", len(items))
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to contain %q", err, want)
	}
	if is != nil && !errors.Is(err, is) {
		t.Errorf("error %v is not %v", err, is)
	}
}

// ids returns the IDs of items, in order.
func ids(items []feed.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

// titles returns the titles of items, in order.
func titles(items []feed.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Title
	}
	return out
}

// mustURL parses s, failing t when it does not parse.
func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// itemsJSON returns items as indented JSON, as golden files hold them.
func itemsJSON(t *testing.T, items []feed.Item) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "\t")
	if err := enc.Encode(items); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// checkGolden compares items, as indented JSON, with a golden file, or
// rewrites the file with -update.
func checkGolden(t *testing.T, golden string, items []feed.Item) {
	t.Helper()
	checkGoldenBytes(t, golden, itemsJSON(t, items))
}

// checkGoldenBytes compares got with a golden file, or rewrites the file
// with -update.
func checkGoldenBytes(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("items differ from %s (run with -update to accept):\n%s", golden, got)
	}
}

// checkSafeItem fails t when an item lacks an ID or title, holds text that
// is not valid UTF-8 or that XML refuses, or content that could run
// script.
func checkSafeItem(t *testing.T, it feed.Item) {
	t.Helper()
	if it.ID == "" || it.Title == "" {
		t.Fatalf("item without ID or Title: %+v", it)
	}
	strs := []string{it.ID, it.Title, it.Link, it.Summary, it.ContentHTML}
	for _, p := range it.Authors {
		strs = append(strs, p.Name, p.Email, p.URL)
	}
	for _, e := range it.Enclosures {
		strs = append(strs, e.URL, e.Type)
	}
	strs = append(strs, it.Categories...)
	for _, s := range strs {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 in %q", s)
		}
		for _, r := range s {
			if !feed.XMLChar(r) {
				t.Fatalf("character %U not allowed in XML in %q", r, s)
			}
		}
	}
	checkSafeHTML(t, it.ContentHTML)
}

// checkSafeHTML fails t when fragment is not valid UTF-8, or holds a
// script, style, frame, form or other active element, an event handler or
// style attribute, or a URL attribute that is not http(s) or mailto.
func checkSafeHTML(t *testing.T, fragment string) {
	t.Helper()
	if !utf8.ValidString(fragment) {
		t.Fatalf("invalid UTF-8: %q", fragment)
	}
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "style", "iframe", "object", "embed", "form", "input", "svg", "math":
			t.Fatalf("<%s> survived in %q", tok.Data, fragment)
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
				t.Fatalf("attribute %s survived in %q", a.Key, fragment)
			}
			if urlAttrs[a.Key] {
				u, err := url.Parse(strings.TrimSpace(a.Val))
				if err != nil {
					t.Fatalf("unparsable %s=%q survived in %q", a.Key, a.Val, fragment)
				}
				switch u.Scheme {
				case "", "http", "https", "mailto":
				default:
					t.Fatalf("%s=%q survived in %q", a.Key, a.Val, fragment)
				}
			}
		}
	}
}

// checkRead fails t unless the last "source read" line of log says that
// read files were published from and skipped were skipped.
func checkRead(t *testing.T, log string, read, skipped int) {
	t.Helper()
	lines := logLines(log, `msg="source read"`)
	if len(lines) == 0 {
		t.Errorf("no source read line, want files=%d skipped=%d:\n%s", read, skipped, log)
		return
	}
	last := lines[len(lines)-1]
	if !strings.Contains(last, fmt.Sprintf(" files=%d ", read)) || !strings.Contains(last, fmt.Sprintf(" skipped=%d ", skipped)) {
		t.Errorf("source read line %q, want files=%d skipped=%d", last, read, skipped)
	}
}

// canceledContext returns a context that has already ended.
func canceledContext(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}
