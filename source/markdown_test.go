package source

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
)

const mdLink = "https://news.example.com/items/{slug}"

// testMarkdown is a Markdown source configured as the tests expect,
// without a folder.
func testMarkdown() *Markdown {
	return &Markdown{SourceName: "blog", IDPrefix: testPrefix, LinkTemplate: mdLink}
}

// newTestMarkdown returns a Markdown source on root whose log is written
// to the returned buffer.
func newTestMarkdown(root string) (*Markdown, *bytes.Buffer) {
	m := testMarkdown()
	m.Root = root
	log, buf := testLogger()
	m.Logger = log
	return m, buf
}

func TestMarkdownParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		rel       string // defaults to "story.md"
		in        string
		allowHTML bool
		// skip is part of the reason the file is skipped, and skipLine the
		// line the skip names (0: none).
		skip     string
		skipLine int
		draft    bool
		title    string
		// has and hasNot are substrings the content must and must not hold.
		has, hasNot []string
		// warn is part of a warning's reason, with the line and key it
		// must name; "" for no warning at all.
		warn     string
		warnLine int
		warnKey  string
		check    func(t *testing.T, it *feed.Item)
	}{
		{
			name:   "no front matter: the heading is the title and leaves the body",
			in:     "# Harbour opens at dawn\n\nThe first boats arrived at six.\n",
			title:  "Harbour opens at dawn",
			has:    []string{"<p>The first boats arrived at six.</p>"},
			hasNot: []string{"<h1>", "Harbour opens"},
		},
		{
			name:  "setext heading",
			in:    "Harbour opens\n=============\n\nBoats.\n",
			title: "Harbour opens",
		},
		{
			name:  "heading with inline markup and entities",
			in:    "# Fish &amp; *chips* `prices` rise\n\nBody.\n",
			title: "Fish & chips prices rise",
		},
		{
			name:  "no front matter and no heading: the first sentence",
			in:    "The mayor spoke at noon. She left at one.\n\nMore text.\n",
			title: "The mayor spoke at noon",
			has:   []string{"<p>The mayor spoke at noon. She left at one.</p>"},
		},
		{
			name:  "a lower heading is not a title",
			in:    "## Background\n\nThe plan dates from 2019. It was shelved.\n",
			title: "The plan dates from 2019",
			has:   []string{"<h2>Background</h2>"},
		},
		{
			name:  "a heading inside a quote is not a title",
			in:    "> # Quoted\n\nOwn words here.\n",
			title: "Own words here",
		},
		{
			name:  "a list alone gives the title",
			in:    "- Bread is dearer\n- Milk is not\n",
			title: "Bread is dearer",
		},
		{
			name:  "a front matter title keeps the heading in the body",
			in:    "---\ntitle: From the front matter\n---\n# Heading\n\nBody.\n",
			title: "From the front matter",
			has:   []string{"<h1>Heading</h1>"},
		},
		{
			name:  "byte order mark and CRLF",
			in:    "\ufeff---\r\ntitle: Written on Windows\r\ntags: a, b\r\n---\r\nBody line.\r\n",
			title: "Written on Windows",
			has:   []string{"<p>Body line.</p>"},
			check: func(t *testing.T, it *feed.Item) {
				if !slices.Equal(it.Categories, []string{"a", "b"}) {
					t.Errorf("Categories = %q", it.Categories)
				}
			},
		},
		{
			name:  "empty front matter",
			in:    "---\n---\n# Title\n",
			title: "Title",
		},
		{
			name: "every key",
			in: "---\ntitle: Full\ndate: 2026-03-01T10:00:00+02:00\nupdated: Mon, 02 Mar 2026 09:00:00 GMT\n" +
				"author: Ada Quay <ada@example.com>\ntags: [harbour, Tides]\ncategories: tides, weather\n" +
				"summary: A short summary.\nlink: https://news.example.com/full\nid: urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66\n" +
				"slug: ignored when there is a link\ndraft: false\n" +
				"enclosure: {url: 'https://media.example.com/a.mp3', length: 1200, type: audio/mpeg}\n---\nBody.\n",
			title: "Full",
			check: func(t *testing.T, it *feed.Item) {
				want := feed.Item{
					ID:          "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
					Title:       "Full",
					Link:        "https://news.example.com/full",
					Summary:     "A short summary.",
					ContentHTML: "<p>Body.</p>",
					Authors:     []feed.Person{{Name: "Ada Quay", Email: "ada@example.com"}},
					Categories:  []string{"harbour", "Tides", "weather"},
					Published:   time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC),
					Updated:     time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
					Source:      "blog",
				}
				if !itemsEqual(*it, want) {
					t.Errorf("item\n%+v\nwant\n%+v", *it, want)
				}
				if it.Published.Location() != time.UTC || it.Updated.Location() != time.UTC {
					t.Errorf("dates not in UTC: %v, %v", it.Published, it.Updated)
				}
				wantEnc := []feed.Enclosure{{URL: "https://media.example.com/a.mp3", Length: 1200, Type: "audio/mpeg"}}
				if !slices.Equal(it.Enclosures, wantEnc) {
					t.Errorf("Enclosures = %+v, want %+v", it.Enclosures, wantEnc)
				}
			},
		},
		{
			name: "keys in any case",
			in:   "---\nTitle: Capital keys\nDate: 2026-03-01\n---\nBody.\n",
			check: func(t *testing.T, it *feed.Item) {
				if it.Title != "Capital keys" || !it.Published.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("Title, Published = %q, %v", it.Title, it.Published)
				}
			},
		},
		{
			name:  "YAML timestamp forms",
			in:    "---\ntitle: T\ndate: 2026-03-01 10:00:00\nupdated: 2026-03-02t10:00:00.5-05:00\n---\n",
			title: "T",
			check: func(t *testing.T, it *feed.Item) {
				if !it.Published.Equal(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)) {
					t.Errorf("Published = %v", it.Published)
				}
				if !it.Updated.Equal(time.Date(2026, 3, 2, 15, 0, 0, 5e8, time.UTC)) {
					t.Errorf("Updated = %v", it.Updated)
				}
			},
		},
		{
			name: "authors as strings and mappings",
			in: "---\ntitle: T\nauthors:\n  - Tomas Reyes <tomas@example.org>\n  - name: Lena Vogt\n    url: https://lena.example.net/\n" +
				"  - email: desk@example.com\n  - Tomas Reyes <tomas@example.org>\n---\n",
			check: func(t *testing.T, it *feed.Item) {
				want := []feed.Person{
					{Name: "Tomas Reyes", Email: "tomas@example.org"},
					{Name: "Lena Vogt", URL: "https://lena.example.net/"},
					{Email: "desk@example.com"},
				}
				if !slices.Equal(it.Authors, want) {
					t.Errorf("Authors = %+v, want %+v", it.Authors, want)
				}
			},
		},
		{
			name:     "an unknown author key",
			in:       "---\ntitle: T\nauthors:\n  - name: Lena\n    avatar: https://x.example/a.png\n---\n",
			warn:     "unknown author key",
			warnLine: 5,
			warnKey:  "authors.avatar",
		},
		{
			name:     "a bad author e-mail",
			in:       "---\ntitle: T\nauthor: Bo <not-an-address>\n---\n",
			warn:     "not an e-mail address",
			warnLine: 3,
			warnKey:  "author",
		},
		{
			name: "tags as a comma string, merged with categories",
			in:   "---\ntitle: T\ntags: council,  budget , Council\ncategories: [Budget, roads]\n---\n",
			check: func(t *testing.T, it *feed.Item) {
				if want := []string{"council", "budget", "roads"}; !slices.Equal(it.Categories, want) {
					t.Errorf("Categories = %q, want %q", it.Categories, want)
				}
			},
		},
		{
			name: "enclosures list, types given and guessed",
			in: "---\ntitle: T\nenclosures:\n  - url: https://media.example.com/ep1.mp3\n    length: 100\n" +
				"  - https://media.example.com/photo.JPG\n  - {url: https://media.example.com/doc, type: application/pdf}\n---\n",
			check: func(t *testing.T, it *feed.Item) {
				want := []feed.Enclosure{
					{URL: "https://media.example.com/ep1.mp3", Length: 100, Type: "audio/mpeg"},
					{URL: "https://media.example.com/photo.JPG", Type: "image/jpeg"},
					{URL: "https://media.example.com/doc", Type: "application/pdf"},
				}
				if !slices.Equal(it.Enclosures, want) {
					t.Errorf("Enclosures = %+v, want %+v", it.Enclosures, want)
				}
			},
		},
		{
			name:     "an enclosure with a relative URL",
			in:       "---\ntitle: T\nenclosure:\n  url: media/a.mp3\n---\n",
			warn:     "not an absolute http(s) URL; enclosure ignored",
			warnLine: 4,
			warnKey:  "enclosure",
			check: func(t *testing.T, it *feed.Item) {
				if len(it.Enclosures) != 0 {
					t.Errorf("Enclosures = %+v, want none", it.Enclosures)
				}
			},
		},
		{
			name:     "an enclosure of unknown type",
			in:       "---\ntitle: T\nenclosure: https://media.example.com/file.unknownext\n---\n",
			warn:     "no media type",
			warnLine: 3,
			warnKey:  "enclosure",
		},
		{
			name:     "an enclosure with a bad length",
			in:       "---\ntitle: T\nenclosure:\n  url: https://media.example.com/a.mp3\n  length: -5\n---\n",
			warn:     "not a whole number of bytes",
			warnLine: 5,
			warnKey:  "enclosure.length",
			check: func(t *testing.T, it *feed.Item) {
				if len(it.Enclosures) != 1 || it.Enclosures[0].Length != 0 {
					t.Errorf("Enclosures = %+v, want one of length 0", it.Enclosures)
				}
			},
		},
		{
			name:  "draft",
			in:    "---\ntitle: Not yet\ndraft: true\n---\nBody.\n",
			draft: true,
		},
		{
			name:     "a draft value that is not a boolean is a draft",
			in:       "---\ntitle: Not yet\ndraft: maybe\n---\nBody.\n",
			draft:    true,
			warn:     "treated as a draft",
			warnLine: 3,
			warnKey:  "draft",
		},
		{
			name:     "a bad date",
			in:       "---\ntitle: T\n\ndate: 31/12/2026\n---\nBody.\n",
			title:    "T",
			warn:     "31/12/2026",
			warnLine: 4,
			warnKey:  "date",
			check: func(t *testing.T, it *feed.Item) {
				if !it.Published.IsZero() {
					t.Errorf("Published = %v, want zero", it.Published)
				}
			},
		},
		{
			name:     "an unknown key",
			in:       "---\ntitle: T\n# a comment\nweather: sunny\n---\nBody.\n",
			title:    "T",
			warn:     "unknown front matter key",
			warnLine: 4,
			warnKey:  "weather",
		},
		{
			name:     "a repeated key",
			in:       "---\ntitle: First\nTitle: Second\n---\n",
			title:    "First",
			warn:     "first on line 2",
			warnLine: 3,
			warnKey:  "title",
		},
		{
			name:     "a list where one value belongs",
			in:       "---\ntitle: [a, b]\n---\nBody here.\n",
			title:    "Body here",
			warn:     "want a single value",
			warnLine: 2,
			warnKey:  "title",
		},
		{
			name:     "a relative front matter link",
			in:       "---\ntitle: T\nlink: /posts/t\n---\n",
			warn:     "not an absolute http(s) URL",
			warnLine: 3,
			warnKey:  "link",
			check: func(t *testing.T, it *feed.Item) {
				if it.Link != "https://news.example.com/items/story" {
					t.Errorf("Link = %q, want the template's", it.Link)
				}
			},
		},
		{
			name:     "invalid YAML",
			in:       "---\ntitle: T\n\tsummary: indented with a tab\n---\nBody.\n",
			skip:     "not valid YAML",
			skipLine: 3,
		},
		{
			name:     "invalid YAML on a later line",
			in:       "---\ntitle: T\nsummary: fine\ntags: [a, b\n---\nBody.\n",
			skip:     "not valid YAML",
			skipLine: 4,
		},
		{
			name:     "front matter that is not a mapping",
			in:       "---\n- a\n- b\n---\nBody.\n",
			skip:     "not a mapping",
			skipLine: 2,
		},
		{
			name:     "front matter never closed",
			in:       "---\ntitle: T\n\nBody.\n",
			skip:     "not closed",
			skipLine: 1,
		},
		{
			name: "empty file",
			in:   "",
			skip: "empty",
		},
		{
			name: "NUL bytes",
			in:   "# T\x00\n",
			skip: "NUL",
		},
		{
			name: "nothing to take a title from",
			in:   "![a photo](photo.jpg)\n",
			skip: "no title",
		},
		{
			name:  "path-derived ID and link",
			rel:   "2026/03/Été à Paris.md",
			in:    "Body.\n",
			title: "Body",
			check: func(t *testing.T, it *feed.Item) {
				if want := testPrefix + "blog/2026/03/%C3%89t%C3%A9%20%C3%A0%20Paris.md"; it.ID != want {
					t.Errorf("ID = %q, want %q", it.ID, want)
				}
				if want := "https://news.example.com/items/2026/03/ete-a-paris"; it.Link != want {
					t.Errorf("Link = %q, want %q", it.Link, want)
				}
			},
		},
		{
			name: "a local id and a slug",
			in:   "---\ntitle: T\nid: desk/42\nslug: /Market Square/Night/\n---\n",
			check: func(t *testing.T, it *feed.Item) {
				if want := testPrefix + "blog/desk/42"; it.ID != want {
					t.Errorf("ID = %q, want %q", it.ID, want)
				}
				if want := "https://news.example.com/items/market-square/night"; it.Link != want {
					t.Errorf("Link = %q, want %q", it.Link, want)
				}
			},
		},
		{
			name:  "relative URLs resolve against the link",
			in:    "---\ntitle: T\nlink: https://news.example.com/2026/ferry/\n---\n![ferry](img/ferry.jpg) [map](/maps/harbour) [top](#top) [mail](mailto:desk@example.com)\n",
			title: "T",
			has: []string{
				`src="https://news.example.com/2026/ferry/img/ferry.jpg"`,
				`href="https://news.example.com/maps/harbour"`,
				`href="https://news.example.com/2026/ferry/#top"`,
				`href="mailto:desk@example.com"`,
			},
		},
		{
			name:  "GFM: tables, strikethrough, autolinks, task lists",
			in:    "# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ www.example.com\n\n- [x] done\n- [ ] open\n",
			title: "T",
			has: []string{
				"<table>", "<td>1</td>", "<del>old</del>", `<a href="http://www.example.com" rel="nofollow">`,
				"<li>☑ done</li>", "<li>☐ open</li>",
			},
			hasNot: []string{"<input"},
		},
		{
			name:   "typographer off",
			in:     "\"Quoted\" -- and...\n",
			title:  `"Quoted" -- and...`,
			hasNot: []string{"“", "–", "…"},
		},
		{
			name:   "raw HTML off: scripts and handlers dropped",
			in:     "# T\n\nText.\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\nInline <b onclick=\"alert(1)\">bold</b>.\n",
			title:  "T",
			has:    []string{"<p>Text.</p>"},
			hasNot: []string{"<script", "onerror", "onclick", "alert(1)", "<b"},
		},
		{
			name:   "raw HTML off: no javascript: links",
			in:     "[click](javascript:alert(1)) and [also](JAVASCRIPT:alert(2)) and <javascript:alert(3)>\n",
			has:    []string{"<p>click and also and javascript:alert(3)</p>"},
			hasNot: []string{"<a", "href"},
		},
		{
			name:      "raw HTML on: kept, then sanitised",
			allowHTML: true,
			in: "# T\n\n<div onclick=\"steal()\">Hello <b>there</b></div>\n\n<script>alert(1)</script>\n\n" +
				"<p><img src=\"pics/a.png\" onerror=\"alert(1)\"> <a href=\"javascript:alert(1)\">j</a> <iframe src=\"https://evil.example\"></iframe></p>\n\n" +
				"[md](javascript:alert(2))\n",
			title: "T",
			has:   []string{"<b>there</b>", `src="https://news.example.com/items/pics/a.png"`},
			hasNot: []string{
				"<script", "alert(1)", "onerror", "onclick", "steal", "javascript:", "<iframe",
			},
		},
		{
			name:  "control characters are dropped",
			in:    "# Ti\x01tle\n\nBo\x0bdy.\n",
			title: "Title",
			has:   []string{"<p>Body.</p>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := testMarkdown()
			m.AllowHTML = tt.allowHTML
			rel := tt.rel
			if rel == "" {
				rel = "story.md"
			}
			it, warns, err := m.parseArticle(rel, []byte(tt.in))
			checkLineWarning(t, warns, tt.warn, tt.warnLine, tt.warnKey)
			if tt.skip != "" {
				if err == nil {
					t.Fatalf("parsed, want skip %q: %+v", tt.skip, it)
				}
				w := problemAt(err)
				if !strings.Contains(w.reason, tt.skip) || w.line != tt.skipLine {
					t.Errorf("skip reason %q at line %d, want %q at line %d", w.reason, w.line, tt.skip, tt.skipLine)
				}
				return
			}
			if err != nil {
				t.Fatalf("skipped: %v", err)
			}
			if tt.draft {
				if it != nil {
					t.Errorf("draft published: %+v", it)
				}
				return
			}
			if it == nil {
				t.Fatal("treated as a draft")
			}
			if tt.title != "" && it.Title != tt.title {
				t.Errorf("Title = %q, want %q", it.Title, tt.title)
			}
			if it.ID == "" || it.Title == "" || it.Source != "blog" {
				t.Errorf("ID, Title, Source = %q, %q, %q", it.ID, it.Title, it.Source)
			}
			for _, s := range tt.has {
				if !strings.Contains(it.ContentHTML, s) {
					t.Errorf("content lacks %q:\n%s", s, it.ContentHTML)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(it.ContentHTML, s) {
					t.Errorf("content holds %q:\n%s", s, it.ContentHTML)
				}
			}
			if tt.check != nil {
				tt.check(t, it)
			}
		})
	}
}

// checkLineWarning fails t unless a warning's reason contains want and it
// names line and key, or, when want is "", unless there is no warning.
func checkLineWarning(t *testing.T, warns []lineWarning, want string, line int, key string) {
	t.Helper()
	if want == "" {
		if len(warns) > 0 {
			t.Errorf("warnings %+v, want none", warns)
		}
		return
	}
	for _, w := range warns {
		if strings.Contains(w.reason, want) && w.line == line && w.key == key {
			return
		}
	}
	t.Errorf("warnings %+v, want one containing %q at line %d with key %q", warns, want, line, key)
}

func TestMarkdownFetchGolden(t *testing.T) {
	t.Parallel()
	m, buf := newTestMarkdown(filepath.Join("testdata", "markdown", "articles"))
	items, err := m.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "markdown", "articles.golden"), items)
	wantIDs := []string{
		testPrefix + "blog/2026/council-budget.md",
		testPrefix + "blog/2026/harbour-ferry.md",
		testPrefix + "blog/2026/rain-notes.md",
		testPrefix + "blog/guest-column.md",
		testPrefix + "blog/odd-keys.md",
	}
	if got := ids(items); !slices.Equal(got, wantIDs) {
		t.Errorf("IDs =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantIDs, "\n"))
	}
	log := buf.String()
	for _, want := range [][]string{
		{`msg="article skipped"`, "file=broken-front-matter.md", "line=3", "not valid YAML"},
		{`msg="article warning"`, "file=odd-keys.md", "line=3", "key=date", "31/12/2026"},
		{`msg="article warning"`, "file=odd-keys.md", "line=4", "key=colour", "unknown front matter key"},
	} {
		if lines := logLines(log, want...); len(lines) != 1 {
			t.Errorf("want one log line with %q:\n%s", want, log)
		}
	}
	if n := len(logLines(log, "level=WARN")); n != 3 {
		t.Errorf("%d warnings, want 3:\n%s", n, log)
	}
	checkRead(t, log, 5, 1)
}

func TestMarkdownFetchProblemFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"a.md":              "---\nid: urn:example:same\n---\nFirst.\n",
		"b.md":              "---\nid: urn:example:same\n---\nSecond.\n",
		"big.md":            strings.Repeat("Long text. ", 200),
		"draft.md":          "---\ndraft: yes\n---\nWork in progress.\n",
		"latin.md":          "Caf\xe9 owners meet.\n",
		".drafts/secret.md": "Hidden folder.\n",
		"sub/.hidden.md":    "Hidden file.\n",
		"sub/ok.markdown":   "Other extension.\n",
		"sub/ok.md":         "Nested.\n",
	})
	m, buf := newTestMarkdown(root)
	m.MaxSize = 1000
	items, err := m.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := titles(items), []string{"First", "Café owners meet", "Nested"}; !slices.Equal(got, want) {
		t.Errorf("titles = %q, want %q", got, want)
	}
	log := buf.String()
	for _, want := range [][]string{
		{`msg="article skipped"`, "file=b.md", "already used by a.md"},
		{`msg="article skipped"`, "file=big.md", "too large"},
		{`msg="article warning"`, "file=latin.md", "Windows-1252"},
	} {
		if lines := logLines(log, want...); len(lines) != 1 {
			t.Errorf("want one log line with %q:\n%s", want, log)
		}
	}
	checkRead(t, log, 3, 2)
}

func TestMarkdownFetchErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"file.md": "Not a folder.\n"})
	missing := filepath.Join(dir, "articles")
	file := filepath.Join(dir, "file.md")
	tests := []struct {
		name    string
		change  func(*Markdown)
		wantErr string
		is      error
	}{
		{"missing folder", func(m *Markdown) { m.Root = missing }, "read folder " + missing + ": ", fs.ErrNotExist},
		{"file instead of folder", func(m *Markdown) { m.Root = file }, "read folder " + file + ": not a directory", nil},
		{"no folder", func(m *Markdown) { m.Root = "" }, "no folder configured", nil},
		{"bad glob", func(m *Markdown) { m.Glob = "[" }, `glob "["`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, _ := newTestMarkdown(dir)
			tt.change(m)
			items, err := m.Fetch(t.Context())
			checkFetchError(t, items, err, tt.wantErr, tt.is)
		})
	}
}

func TestMarkdownFetchCanceled(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{"a.md": "A.\n"})
	ctx := canceledContext(t)
	m, _ := newTestMarkdown(root)
	if _, err := m.Fetch(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch error = %v, want context.Canceled", err)
	}
}

func FuzzMarkdown(f *testing.F) {
	f.Add([]byte("---\ntitle: T\ndate: 2026-01-02\nauthors: [A <a@b.c>, {name: B, url: 'https://b.example'}]\ntags: x, y\n---\n# H\n\nBody. More.\n"))
	f.Add([]byte("\ufeff---\r\nenclosure: {url: https://m.example/a.mp3, length: 3}\r\n---\r\n![i](a.png)\r\n"))
	f.Add([]byte("# <script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n"))
	f.Add([]byte("---\n&a [*a]\n---\n"))
	f.Add([]byte("---\nx: &a {b: *a}\n---\nText\n"))
	f.Add([]byte("| a |\n|---|\n| <b>1</b> |\n\n- [x] t\n"))
	f.Add([]byte("Caf\xe9 \x93q\x94\n---\n"))
	f.Add([]byte("---\ntitle: [\n---\n"))
	f.Add([]byte("+++\ntitle = \"T\"\ndate = 2026-01-02T10:00:00\ntags = [\"a\", 1]\n[[authors]]\nname = \"A\"\n[[enclosures]]\nurl = \"https://m.example/a.mp3\"\nlength = 3\n+++\nBody.\n"))
	f.Add([]byte("+++\ndate = 07:30:00\nx = {y = [1.5, true, 1979-05-27]}\n+++\n"))
	m := testMarkdown()
	unsafe := testMarkdown()
	unsafe.AllowHTML = true
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, src := range []*Markdown{m, unsafe} {
			it, _, err := src.parseArticle("dir/file name.md", data)
			if err != nil || it == nil {
				continue
			}
			checkSafeItem(t, *it)
		}
	})
}
