package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/weburl"
)

// newTestText returns a Text on root whose log is written to the returned
// buffer.
func newTestText(root string) (*Text, *bytes.Buffer) {
	tx := testText()
	tx.Root = root
	log, buf := testLogger()
	tx.Logger = log
	return tx, buf
}

func TestTextFetchSeed(t *testing.T) {
	t.Parallel()
	seed := filepath.Join("..", "..", "shared", "seeds", "000_64be57c9f8e4cd97.txt")
	data, err := os.ReadFile(seed)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("the shared seed folder is not beside the repository")
	}
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, filepath.Base(seed)), data, 0o644); err != nil {
		t.Fatal(err)
	}
	tx, log := newTestText(root)
	items, err := tx.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 18 {
		t.Fatalf("got %d items, want 18 (1 article, 17 headlines):\n%s", len(items), strings.Join(titles(items), "\n"))
	}
	article := items[0]
	if !strings.HasPrefix(article.Title, "U.S. and Russian officials met") {
		t.Errorf("article title %q was cut at an abbreviation", article.Title)
	}
	if n := utf8.RuneCountInString(article.Title); n > feed.TitleMax || !strings.HasSuffix(article.Title, "…") {
		t.Errorf("article title has %d characters and ends %q, want at most %d ending with …", n, article.Title, feed.TitleMax)
	}
	if article.ContentHTML == "" {
		t.Error("article has no content")
	}
	for i, it := range items {
		if it.ID == "" || it.Title == "" || it.Link == "" {
			t.Errorf("item %d lacks ID, Title or Link: %+v", i, it)
		}
		if i > 0 && (it.ContentHTML != "" || !strings.Contains(it.ID, "#")) {
			t.Errorf("item %d is not a headline item: %+v", i, it)
		}
	}
	checkRead(t, log.String(), 1, 0)
	if lines := logLines(log.String(), "level=WARN"); len(lines) > 0 {
		t.Errorf("warnings for the seed: %q", lines)
	}
}

func TestTextFetchTree(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"b.txt":              "Second file.\n\n\nShared headline\n",
		"a.txt":              "First file.\n\n\nShared Headline\nOnly in a\n",
		"desk/c.txt":         "Nested file.\n",
		"desk/deeper/d.txt":  "Deeper file.\n\n\nOnly in d\n",
		"desk/notes.md":      "A Markdown note.\n",
		".hidden.txt":        "Hidden file.\n",
		".git/objects/x.txt": "Version control.\n",
		"briefs/list.txt":    "Only in list\nShared headline\n",
	})
	id := func(rel string) string { return testPrefix + "wire/" + rel }
	hl := func(key string) string { return testPrefix + "wire#" + weburl.EscapeTag(key) }
	tests := []struct {
		name      string
		glob      string
		headlines string
		want      []string
	}{
		{
			name: "default glob, headlines as items",
			want: []string{
				id("a.txt"), hl("shared headline"), hl("only in a"), id("b.txt"),
				hl("only in list"), id("desk/c.txt"), id("desk/deeper/d.txt"), hl("only in d"),
			},
		},
		{
			name:      "headlines ignored",
			headlines: HeadlinesIgnore,
			want:      []string{id("a.txt"), id("b.txt"), id("desk/c.txt"), id("desk/deeper/d.txt")},
		},
		{
			name: "glob on base names at every depth",
			glob: "*.md",
			want: []string{id("desk/notes.md")},
		},
		{
			name: "glob matching one name",
			glob: "[bc].txt",
			want: []string{id("b.txt"), hl("shared headline"), id("desk/c.txt")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tx, _ := newTestText(root)
			tx.Glob, tx.Headlines = tt.glob, tt.headlines
			items, err := tx.Fetch(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(items); !slices.Equal(got, tt.want) {
				t.Errorf("IDs =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestTextFetchHeadlines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		want  []string // titles: each article, then its new headlines
	}{
		{
			name: "copies differing in quotes, dashes and case are one headline",
			files: map[string]string{
				"1.txt": "Body one.\n\n\nMayor’s “Plan” – Explained\nOther story\n",
				"2.txt": "Body two.\n\n\nMAYOR'S \"PLAN\" - EXPLAINED\nThird story\n",
			},
			want: []string{"Body one", "Mayor’s “Plan” – Explained", "Other story", "Body two", "Third story"},
		},
		{
			name: "a repeated line within one file is one headline",
			files: map[string]string{
				"1.txt": "Body.\n\n\nSame story\nsame  story\n",
			},
			want: []string{"Body", "Same story"},
		},
		{
			name: "an article title does not suppress a headline",
			files: map[string]string{
				"1.txt": "Title: Bridge reopens\n\nBody.\n",
				"2.txt": "Other body.\n\n\nBridge reopens\n",
			},
			want: []string{"Bridge reopens", "Other body", "Bridge reopens"},
		},
		{
			name: "headline-only file",
			files: map[string]string{
				"1.txt": "Only headlines here\nAnd one more\n",
			},
			want: []string{"Only headlines here", "And one more"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeTree(t, root, tt.files)
			tx, _ := newTestText(root)
			items, err := tx.Fetch(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got := titles(items); !slices.Equal(got, tt.want) {
				t.Errorf("titles = %q, want %q", got, tt.want)
			}
			seen := map[string]bool{}
			for _, it := range items {
				if seen[it.ID] {
					t.Errorf("duplicate ID %s", it.ID)
				}
				seen[it.ID] = true
			}
		})
	}
}

func TestTextFetchProblemFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"good.txt":          "Fine article.\n",
		"latin.txt":         "Caf\xe9 \x93owner\x94 speaks.\n",
		"nul.txt":           "Binary\x00data.\n",
		"empty.txt":         "",
		"blank.txt":         "  \n\n\t\n",
		"big.txt":           strings.Repeat("Long text. ", 200),
		"header-only.txt":   "Date: 2026-01-01\n",
		"bad-date.txt":      "Title: Dated\nDate: 31/12/2026\n\nBody.\n",
		"headline-only.txt": "Just a headline\n",
		"dup-id-1.txt":      "ID: urn:example:same\n\nFirst.\n",
		"dup-id-2.txt":      "ID: urn:example:same\n\nSecond.\n",
		"sub/also-good.txt": "Another fine article.\n",
		"sub/empty-too.txt": "",
	})
	// A link whose target is gone: the file vanished after listing.
	if err := os.Symlink(filepath.Join(root, "gone"), filepath.Join(root, "vanished.txt")); err != nil {
		t.Fatal(err)
	}
	tx, buf := newTestText(root)
	tx.MaxSize = 1000
	items, err := tx.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	log := buf.String()
	wantTitles := []string{"Dated", "Café “owner” speaks", "First", "Fine article", "Another fine article", "Just a headline"}
	got := titles(items)
	slices.Sort(got)
	slices.Sort(wantTitles)
	if !slices.Equal(got, wantTitles) {
		t.Errorf("titles = %q, want %q", got, wantTitles)
	}
	tests := []struct {
		file   string
		msg    string
		reason string
	}{
		{"latin.txt", "article warning", "Windows-1252"},
		{"nul.txt", "article skipped", "NUL"},
		{"empty.txt", "article skipped", "empty"},
		{"blank.txt", "article skipped", "empty"},
		{"big.txt", "article skipped", "too large"},
		{"header-only.txt", "article skipped", "no title"},
		{"bad-date.txt", "article warning", "31/12/2026"},
		{"headline-only.txt", "article warning", "no article body"},
		{"dup-id-2.txt", "article skipped", "already used by dup-id-1.txt"},
		{"vanished.txt", "article skipped", "unreadable"},
		{"sub/empty-too.txt", "article skipped", "empty"},
	}
	for _, tt := range tests {
		if lines := logLines(log, "level=WARN", "msg=\""+tt.msg+"\"", "file="+tt.file, tt.reason); len(lines) != 1 {
			t.Errorf("%s: want one warning %q with reason %q, log:\n%s", tt.file, tt.msg, tt.reason, log)
		}
	}
	if lines := logLines(log, "file=bad-date.txt", "key=date"); len(lines) != 1 {
		t.Errorf("bad date warning does not name the key:\n%s", log)
	}
	checkRead(t, log, 6, 8)
}

func TestTextFetchUnreadableFile(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("running as root, which reads files whatever their mode; cmd/feedpub TestPermissionDeniedFiles covers this case by building as nobody")
	}
	root := t.TempDir()
	writeTree(t, root, map[string]string{"locked.txt": "Locked.\n", "open.txt": "Open.\n"})
	if err := os.Chmod(filepath.Join(root, "locked.txt"), 0); err != nil {
		t.Fatal(err)
	}
	tx, buf := newTestText(root)
	items, err := tx.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := titles(items); !slices.Equal(got, []string{"Open"}) {
		t.Errorf("titles = %q, want [Open]", got)
	}
	if lines := logLines(buf.String(), "article skipped", "file=locked.txt", "permission denied"); len(lines) != 1 {
		t.Errorf("no warning for locked.txt:\n%s", buf)
	}
}

func TestTextFetchErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	writeTree(t, dir, map[string]string{"file.txt": "Not a folder.\n"})
	missing := filepath.Join(dir, "articles")
	tests := []struct {
		name    string
		change  func(*Text)
		wantErr string
		is      error
	}{
		{"missing folder", func(tx *Text) { tx.Root = missing }, "read folder " + missing + ": ", fs.ErrNotExist},
		{"file instead of folder", func(tx *Text) { tx.Root = file }, "read folder " + file + ": not a directory", nil},
		{"no folder", func(tx *Text) { tx.Root = "" }, "no folder configured", nil},
		{"bad glob", func(tx *Text) { tx.Glob = "[" }, `glob "["`, nil},
		{"bad headlines mode", func(tx *Text) { tx.Headlines = "drop" }, `headlines "drop"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tx, buf := newTestText(dir)
			tt.change(tx)
			items, err := tx.Fetch(t.Context())
			checkFetchError(t, items, err, tt.wantErr, tt.is)
			if lines := logLines(buf.String(), `msg="source read"`); lines != nil {
				t.Errorf("a source that could not be read says it was: %q", lines)
			}
		})
	}
}

func TestTextFetchCanceled(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{"a.txt": "A.\n"})
	ctx := canceledContext(t)
	tx, _ := newTestText(root)
	if _, err := tx.Fetch(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch error = %v, want context.Canceled", err)
	}
}

func TestTextFetchSymlinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"outside/elsewhere.txt": "Outside the root.\n",
		"root/inside.txt":       "Inside the root.\n",
		"single.txt":            "Linked file.\n",
	})
	root := filepath.Join(dir, "root")
	for link, target := range map[string]string{
		filepath.Join(root, "folder-link"):   filepath.Join(dir, "outside"),
		filepath.Join(root, "file-link.txt"): filepath.Join(dir, "single.txt"),
		filepath.Join(dir, "root-link"):      root,
	} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	tx, _ := newTestText(filepath.Join(dir, "root-link"))
	items, err := tx.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{testPrefix + "wire/file-link.txt", testPrefix + "wire/inside.txt"}
	if got := ids(items); !slices.Equal(got, want) {
		t.Errorf("IDs = %q, want %q (folder links are not followed)", got, want)
	}
}

func TestTextFetchStableIDs(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"2026/03/bridge.txt":  "Title: Bridge\n\nBody.\n\n\nFerry news\n",
		"2026/03/Été 26.txt":  "Summer body.\n",
		"2026/04/council.txt": "Council body.\n\n\nRail news\n",
	}
	a, b := twoCopies(t, files)
	var got [2][]feed.Item
	for i, root := range []string{a, b} {
		tx, _ := newTestText(root)
		var err error
		if got[i], err = tx.Fetch(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	checkSameIdentity(t, got, 5)
}

func TestTextFetchGolden(t *testing.T) {
	t.Parallel()
	tx, buf := newTestText(filepath.Join("testdata", "articles"))
	items, err := tx.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "articles.golden"), items)
	if lines := logLines(buf.String(), "level=WARN", "file=briefs.txt", "no article body"); len(lines) != 1 {
		t.Errorf("want a warning for the headline-only briefs.txt:\n%s", buf)
	}
}

// TestTextIDsAreUniqueAsPublished checks the promise that makes a Text
// Scan a feed.UniqueScan: no two items it streams have one id as
// feed.NormalizeID writes it, however differently the files spell it,
// and the file that came second is skipped with the first one named, also
// when the first one's folder was read long before.
func TestTextIDsAreUniqueAsPublished(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	files := map[string]string{
		"a/1.txt": "ID: urn:example:one\n\nFirst one.\n",
		"b/1.txt": "ID: URN:example:one\n\nScheme in capitals.\n",
		"b/2.txt": "ID: https://example.com/two#\n\nEmpty fragment.\n",
		"c/1.txt": "ID: https://example.com/two\n\nNo fragment.\n",
		"c/2.txt": "ID: https://example.com/caf\u00e9\n\nComposed.\n",
		"d/1.txt": "ID: https://example.com/cafe\u0301\n\nDecomposed.\n",
		"d/2.txt": "ID: urn:example:other\n\nA different id.\n",
	}
	// Enough files between the first and the last that the first
	// folders' listing is let go before the duplicates are met.
	for i := range 3 * parseChunk {
		files[fmt.Sprintf("b/filler/%04d.txt", i)] = fmt.Sprintf("Filler article %d.\n", i)
	}
	writeTree(t, root, files)
	tx, buf := newTestText(root)
	tx.Headlines = HeadlinesIgnore
	scan, err := tx.Scan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := scan.(feed.UniqueScan); !ok || !u.UniqueIDs() {
		t.Fatal("a Text Scan does not promise unique ids")
	}
	seen := map[string]string{}
	err = scan.Stream(t.Context(), func(it feed.Item) error {
		id := feed.NormalizeID(it.ID)
		if first, dup := seen[id]; dup {
			t.Errorf("%s and %s both streamed with id %s", first, it.Ref, id)
		}
		seen[id] = it.Ref
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct{ file, first string }{
		{"b/1.txt", "a/1.txt"},
		{"c/1.txt", "b/2.txt"},
		{"d/1.txt", "c/2.txt"},
	} {
		if lines := logLines(buf.String(), `msg="article skipped"`, "file="+want.file, "already used by "+want.first); len(lines) != 1 {
			t.Errorf("%s: want it skipped as a duplicate of %s; log:\n%s", want.file, want.first, buf)
		}
	}
	if got, want := len(seen), 3*parseChunk+4; got != want {
		t.Errorf("%d items streamed, want %d", got, want)
	}
}

// TestFileSourcesTellIDsApartAsPublished checks that Markdown and JSON
// items sources, which also promise unique ids (feed.UniqueScan), tell
// ids apart as feed.NormalizeID writes them: an id that differs from an
// earlier one only in the case of its scheme is a duplicate, skipped with
// the earlier one named.
func TestFileSourcesTellIDsApartAsPublished(t *testing.T) {
	t.Parallel()
	mdRoot := t.TempDir()
	writeTree(t, mdRoot, map[string]string{
		"a.md": "---\ntitle: First\nid: urn:example:one\n---\nBody.\n",
		"b.md": "---\ntitle: Second\nid: URN:example:one\n---\nBody.\n",
	})
	md, mdLog := newTestMarkdown(mdRoot)
	jsonPath := filepath.Join(t.TempDir(), "items.jsonl")
	if err := os.WriteFile(jsonPath, []byte(`{"id": "urn:example:one", "title": "First"}`+"\n"+`{"id": "URN:example:one", "title": "Second"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	js, jsLog := newTestJSONItems(jsonPath)
	for _, tt := range []struct {
		name    string
		scanner interface {
			Scan(context.Context) (feed.Scan, error)
		}
		log  *bytes.Buffer
		want string
	}{
		{"markdown", md, mdLog, "already used by a.md"},
		{"json items", js, jsLog, "already used at items.jsonl:1"},
	} {
		scan, err := tt.scanner.Scan(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if u, ok := scan.(feed.UniqueScan); !ok || !u.UniqueIDs() {
			t.Errorf("%s: the Scan does not promise unique ids", tt.name)
		}
		var got []string
		if err := scan.Stream(t.Context(), func(it feed.Item) error { got = append(got, it.Title); return nil }); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []string{"First"}) {
			t.Errorf("%s: streamed %q, want [First]", tt.name, got)
		}
		if !strings.Contains(tt.log.String(), tt.want) {
			t.Errorf("%s: no message %q in the log:\n%s", tt.name, tt.want, tt.log)
		}
	}
}
