package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedpub/feedpub/feed"
)

// feedpub runs the command line in-process and returns what it printed.
func feedpub(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

const minimalConfig = `title: Example News
link: https://news.example.com/
base_url: http://127.0.0.1:8080/
output: public
state: data/feedpub.db
sources:
  - name: wire
    type: text
    path: articles
feeds:
  - name: news
    sources: [wire]
`

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// validFeeds checks the three published documents of feed name in dir and
// returns the item count of each.
func validFeeds(t *testing.T, dir, name string) map[feed.Format]int {
	t.Helper()
	counts := map[feed.Format]int{}
	for _, f := range feed.Formats {
		data, err := os.ReadFile(filepath.Join(dir, name+"."+string(f)))
		if err != nil {
			t.Fatal(err)
		}
		report, err := feed.Validate(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := report.Err(); err != nil {
			t.Errorf("%s.%s: %v", name, f, err)
		}
		counts[f] = len(report.Items)
	}
	return counts
}

func TestBuildMinimalConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"feedpub.yaml":     minimalConfig,
		"articles/one.txt": "A first story about the U.S. economy grew today. More here.\n",
	})
	stdout, stderr, err := feedpub(t, "build", "-config", filepath.Join(dir, "feedpub.yaml"))
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	if !strings.HasPrefix(stdout, "news: 1 items, changed, ") {
		t.Errorf("summary line = %q", stdout)
	}
	for f, n := range validFeeds(t, filepath.Join(dir, "public"), "news") {
		if n != 1 {
			t.Errorf("%s has %d items, want 1", f, n)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "feedpub.db")); err != nil {
		t.Errorf("ledger not created: %v", err)
	}
	stdout, _, err = feedpub(t, "build", "-config", filepath.Join(dir, "feedpub.yaml"))
	if err != nil || !strings.Contains(stdout, "unchanged") {
		t.Errorf("second build: %q, %v; want unchanged", stdout, err)
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"ok/feedpub.yaml":      minimalConfig,
		"ok/articles/a.txt":    "Story.\n",
		"bad/feedpub.yaml":     minimalConfig + "colour: blue\n",
		"nosrc/feedpub.yaml":   minimalConfig,
		"empty/feedpub.yaml":   minimalConfig,
		"empty/articles/e.txt": "",
	})
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no command", nil, 2, "no command"},
		{"unknown command", []string{"publish"}, 2, "unknown command"},
		{"unknown flag", []string{"build", "-nope"}, 2, "flag provided but not defined"},
		{"help", []string{"build", "-h"}, 0, ""},
		{"unknown config key", []string{"build", "-config", filepath.Join(dir, "bad/feedpub.yaml")}, 2, "feedpub.yaml:13: colour: unknown key"},
		{"missing config", []string{"build", "-config", filepath.Join(dir, "none.yaml")}, 2, "none.yaml"},
		{"missing source folder", []string{"build", "-config", filepath.Join(dir, "nosrc/feedpub.yaml")}, 2, "feedpub.yaml:9: sources[0].path"},
		{"nothing to publish", []string{"build", "-config", filepath.Join(dir, "empty/feedpub.yaml")}, 1, "feed has no items"},
		{"bad log format", []string{"build", "-log-format", "xml", "-config", filepath.Join(dir, "ok/feedpub.yaml")}, 2, "-log-format"},
		{"ok", []string{"build", "-config", filepath.Join(dir, "ok/feedpub.yaml")}, 0, ""},
		{"validate nothing", []string{"validate"}, 2, "at least one"},
		{"validate missing file", []string{"validate", filepath.Join(dir, "none.rss")}, 1, "failed validation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := feedpub(t, tt.args...)
			code := 0
			if err != nil {
				code = exitCode(err)
			}
			if code != tt.code {
				t.Errorf("exit status %d (%v), want %d", code, err, tt.code)
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("error %v does not mention %q", err, tt.want)
			}
		})
	}
}

func TestInitThenBuild(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "site")
	stdout, _, err := feedpub(t, "init", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "feedpub.yaml") {
		t.Errorf("init output = %q", stdout)
	}
	if _, _, err := feedpub(t, "init", dir); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second init = %v, want a refusal to overwrite", err)
	}
	if _, stderr, err := feedpub(t, "build", "-config", filepath.Join(dir, "feedpub.yaml")); err != nil {
		t.Fatalf("build of the starter site: %v\n%s", err, stderr)
	}
	counts := validFeeds(t, filepath.Join(dir, "public"), "news")
	if counts[feed.RSS] < 2 {
		t.Errorf("starter feed has %d items, want at least the two articles", counts[feed.RSS])
	}
	stdout, _, err = feedpub(t, "validate", filepath.Join(dir, "public", "news.rss"), filepath.Join(dir, "public", "news.atom"), filepath.Join(dir, "public", "news.json"))
	if err != nil {
		t.Fatalf("validate: %v\n%s", err, stdout)
	}
	if strings.Count(stdout, ": ok: ") != 3 {
		t.Errorf("validate output:\n%s", stdout)
	}
}

func TestBuildExamples(t *testing.T) {
	t.Parallel()
	dir := buildExamples(t)
	validFeeds(t, filepath.Join(dir, "public"), "news")
}

// buildExamples builds the bundled example, as README's quick start runs
// it, into a copy so the test leaves the repository as it was, and returns
// the copy's folder.
func buildExamples(t *testing.T) string {
	t.Helper()
	return buildExamplesWith(t, nil)
}

// buildExamplesWith is buildExamples with the example configuration
// changed by edit first.
func buildExamplesWith(t *testing.T, edit func(config string) string) string {
	t.Helper()
	dir := t.TempDir()
	cfg, err := os.ReadFile("../../examples/feedpub.yaml")
	if err != nil {
		t.Fatal(err)
	}
	config := string(cfg)
	if edit != nil {
		config = edit(config)
	}
	files := map[string]string{"feedpub.yaml": config}
	matches, _ := filepath.Glob("../../examples/articles/*.txt")
	if len(matches) < 3 {
		t.Fatalf("examples/articles holds %d articles, want at least 3", len(matches))
	}
	for _, m := range matches {
		data, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		files["articles/"+filepath.Base(m)] = string(data)
	}
	writeFiles(t, dir, files)
	if _, stderr, err := feedpub(t, "build", "-config", filepath.Join(dir, "feedpub.yaml")); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	return dir
}

// TestMalformedInputs builds a source full of awkward files: each gives a
// valid item with its text escaped once, or a warning naming it; none
// makes the feed invalid or loses the good article.
func TestMalformedInputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	long := strings.Repeat("Lorem ipsum dolor sit amet ", 400)
	files := map[string]string{
		"feedpub.yaml":               minimalConfig,
		"articles/good.txt":          "The good article stays published. It has two sentences.\n",
		"articles/empty.txt":         "",
		"articles/binary.txt":        "\x00\x01\x02binary\x00",
		"articles/latin1.txt":        "Caf\xe9 owners cheer the \x93new\x94 square. It opened today.\n",
		"articles/crlf.txt":          "Windows lines end differently.\r\nSecond paragraph.\r\n\r\n\r\nA Headline From Windows\r\n",
		"articles/bom.txt":           "\xef\xbb\xbfA file with a byte order mark. Fine.\n",
		"articles/control.txt":       "Control\x0b characters\x1f vanish. Yes.\n",
		"articles/cdata.txt":         "Text with ]]> inside and <script>alert(1)</script> & more. End.\n",
		"articles/long.txt":          long + ".\n",
		"articles/header-only.txt":   "Title: Only a Header\nDate: 2026-01-02\n",
		"articles/headline-only.txt": "Just a Headline\nAnother Headline Here\n",
	}
	writeFiles(t, dir, files)
	_, stderr, err := feedpub(t, "build", "-config", filepath.Join(dir, "feedpub.yaml"))
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	for _, name := range []string{"empty.txt", "binary.txt", "latin1.txt", "headline-only.txt"} {
		if !strings.Contains(stderr, name) {
			t.Errorf("no warning names %s:\n%s", name, stderr)
		}
	}
	counts := validFeeds(t, filepath.Join(dir, "public"), "news")
	for f, n := range counts {
		if n < 10 {
			t.Errorf("%s has %d items; some good input was lost", f, n)
		}
	}
	rss, _ := os.ReadFile(filepath.Join(dir, "public", "news.rss"))
	for _, want := range []string{"Café owners cheer the “new” square", "The good article stays published", "&lt;script&gt;", "Only a Header"} {
		if !bytes.Contains(rss, []byte(want)) {
			t.Errorf("news.rss lacks %q", want)
		}
	}
	for _, bad := range []string{"\x0b", "\x1f", "<script>", "&amp;amp;lt;"} {
		if bytes.Contains(rss, []byte(bad)) {
			t.Errorf("news.rss contains %q", bad)
		}
	}
}
