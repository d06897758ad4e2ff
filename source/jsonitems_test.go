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

const jsonLink = "https://news.example.com/wire/{slug}"

// testJSONItems is a JSONItems source configured as the tests expect,
// without a path.
func testJSONItems() *JSONItems {
	return &JSONItems{SourceName: "wire", IDPrefix: testPrefix, LinkTemplate: jsonLink}
}

// newTestJSONItems returns a JSONItems source on p whose log is written
// to the returned buffer.
func newTestJSONItems(p string) (*JSONItems, *bytes.Buffer) {
	j := testJSONItems()
	j.Path = p
	log, buf := testLogger()
	j.Logger = log
	return j, buf
}

func TestJSONItemsParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string // defaults to "items.jsonl"
		in   string
		// fileErr is part of the reason the whole file is skipped, and
		// fileLine the line it names.
		fileErr  string
		fileLine int
		// skips are the expected item skips, in line order.
		skips []lineWarning
		// titles are those of the items published, in order.
		titles []string
		// warn, if set, is a warning the first item must carry.
		warn  *lineWarning
		check func(t *testing.T, items []parsedItem)
	}{
		{
			name:   "JSON Lines with blank lines",
			in:     "{\"id\": \"a\", \"title\": \"A\"}\n\n   \n{\"id\": \"b\", \"title\": \"B\"}\n",
			titles: []string{"A", "B"},
			check: func(t *testing.T, items []parsedItem) {
				if items[0].line != 1 || items[1].line != 4 {
					t.Errorf("lines %d, %d; want 1, 4", items[0].line, items[1].line)
				}
			},
		},
		{
			name:   "an unknown field skips its item and names line and field",
			in:     "{\"id\": \"a\", \"title\": \"A\"}\n{\"id\": \"b\", \"title\": \"B\", \"colour\": \"red\"}\n{\"id\": \"c\", \"title\": \"C\"}\n",
			titles: []string{"A", "C"},
			skips:  []lineWarning{{line: 2, key: "colour", reason: `unknown field "colour"`}},
		},
		{
			name:   "extension fields are ignored, at every level",
			in:     `{"id": "a", "title": "A", "_desk": {"x": 1}, "authors": [{"name": "N", "_pronouns": "they"}], "attachments": [{"url": "https://m.example/a.mp3", "_cdn": true}]}`,
			titles: []string{"A"},
		},
		{
			name:   "an unknown field of an author",
			in:     `{"id": "a", "title": "A", "authors": [{"name": "N"}, {"name": "M", "nick": "m"}]}`,
			skips:  []lineWarning{{line: 1, key: "authors[1].nick", reason: "unknown field"}},
			titles: nil,
		},
		{
			name:  "a field given twice under an alias",
			in:    `{"id": "a", "title": "A", "url": "https://x.example/a", "link": "https://x.example/b"}`,
			skips: []lineWarning{{line: 1, key: "link", reason: "given twice"}},
		},
		{
			name:  "a type error",
			in:    "\n{\"id\": \"a\", \"title\": \"A\", \"tags\": \"one, two\"}\n",
			skips: []lineWarning{{line: 2, key: "tags", reason: "is a string, want an array"}},
		},
		{
			name:  "a fractional size",
			in:    `{"id": "a", "title": "A", "attachments": [{"url": "https://m.example/a.mp3", "size_in_bytes": 1.5}]}`,
			skips: []lineWarning{{line: 1, key: "attachments[0].size_in_bytes", reason: "whole number"}},
		},
		{
			name:   "a malformed line",
			in:     "{\"id\": \"a\", \"title\": \"A\"}\n{\"id\": \"b\", \"title\": \n{\"id\": \"c\", \"title\": \"C\"}\n",
			titles: []string{"A", "C"},
			skips:  []lineWarning{{line: 2, reason: "malformed JSON"}},
		},
		{
			name:  "a line that is not an object",
			in:    "[1, 2]\n",
			skips: []lineWarning{{line: 1, reason: "is an array, not an object"}},
		},
		{
			name:  "no id",
			in:    `{"title": "A"}`,
			skips: []lineWarning{{line: 1, key: "id", reason: "no id"}},
		},
		{
			name:  "a blank id",
			in:    `{"id": "  ", "title": "A"}`,
			skips: []lineWarning{{line: 1, key: "id", reason: "no id"}},
		},
		{
			name:  "no title and no content",
			in:    `{"id": "a", "url": "https://x.example/a", "tags": ["t"]}`,
			skips: []lineWarning{{line: 1, reason: "no title and no text"}},
		},
		{
			name:   "a bad date publishes with a warning",
			in:     `{"id": "a", "title": "A", "date": "yesterday"}`,
			titles: []string{"A"},
			warn:   &lineWarning{line: 1, key: "date", reason: `"yesterday"`},
		},
		{
			name: "ids: absolute URIs kept, others prefixed and escaped, numbers accepted",
			in: `{"id": "urn:isbn:0451450523", "title": "A"}` + "\n" + `{"id": "desk/Story 1#x", "title": "B"}` + "\n" +
				`{"id": 1234567890123, "title": "C"}`,
			check: func(t *testing.T, items []parsedItem) {
				want := []string{"urn:isbn:0451450523", testPrefix + "wire/desk/Story%201%23x", testPrefix + "wire/1234567890123"}
				for i, it := range items {
					if it.item.ID != want[i] {
						t.Errorf("ID %d = %q, want %q", i, it.item.ID, want[i])
					}
				}
				if want := "https://news.example.com/wire/desk-story-1-x"; items[1].item.Link != want {
					t.Errorf("Link = %q, want %q", items[1].item.Link, want)
				}
			},
		},
		{
			name:   "content_text becomes paragraphs",
			in:     `{"id": "a", "content_text": "First line. Second sentence.\n\nThird <line> & more."}`,
			titles: []string{"First line"},
			check: func(t *testing.T, items []parsedItem) {
				if want := "<p>First line. Second sentence.</p>\n<p>Third &lt;line&gt; &amp; more.</p>"; items[0].item.ContentHTML != want {
					t.Errorf("ContentHTML = %q, want %q", items[0].item.ContentHTML, want)
				}
			},
		},
		{
			name:   "content_html is sanitised and made absolute; it wins over content_text",
			in:     `{"id": "a", "title": "A", "url": "https://x.example/posts/a", "content_text": "ignored", "content_html": "<p onclick=\"x()\">Hi <img src=\"i.png\" onerror=\"x()\"><script>alert(1)</script><a href=\"javascript:alert(1)\">j</a></p>"}`,
			titles: []string{"A"},
			check: func(t *testing.T, items []parsedItem) {
				if want := `<p>Hi <img src="https://x.example/posts/i.png">j</p>`; items[0].item.ContentHTML != want {
					t.Errorf("ContentHTML = %q, want %q", items[0].item.ContentHTML, want)
				}
			},
		},
		{
			name:   "links: url, else the template, else external_url",
			in:     `{"id": "a", "title": "A", "external_url": "https://elsewhere.example/x"}` + "\n" + `{"id": "b", "title": "B", "url": "/relative"}`,
			titles: []string{"A", "B"},
			warn:   nil,
			check: func(t *testing.T, items []parsedItem) {
				if want := "https://news.example.com/wire/a"; items[0].item.Link != want {
					t.Errorf("Link = %q, want %q", items[0].item.Link, want)
				}
				if want := "https://news.example.com/wire/b"; items[1].item.Link != want {
					t.Errorf("Link = %q, want %q (a relative url is not used)", items[1].item.Link, want)
				}
				if len(items[1].warns) != 1 || items[1].warns[0].key != "url" || items[1].warns[0].line != 2 {
					t.Errorf("warnings %+v, want one for url at line 2", items[1].warns)
				}
			},
		},
		{
			name:     "a lone item object is not a document",
			file:     "item.json",
			in:       "\n" + `{"id": "a", "title": "A"}`,
			fileErr:  "not a JSON Feed 1.x document",
			fileLine: 2,
		},
		{
			name: "every field, in an array",
			file: "items.json",
			in: `[{"id": "https://x.example/p/1", "url": "https://x.example/p/1", "title": " Full  item ", "summary": "Sum.",
				"content_html": "<p>Body.</p>", "date_published": "2026-04-01T06:00:00+01:00", "date_modified": "Thu, 02 Apr 2026 10:00:00 GMT",
				"authors": [{"name": "Ada", "url": "https://x.example/ada", "avatar": "https://x.example/ada.png", "email": "ada@x.example"}],
				"tags": ["a", "b"], "language": "en",
				"attachments": [{"url": "https://x.example/ep.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 100, "title": "Ep", "duration_in_seconds": 61.5}],
				"image": "https://x.example/cover.png", "banner_image": "https://x.example/banner.png"}]`,
			titles: []string{"Full item"},
			check: func(t *testing.T, items []parsedItem) {
				want := feed.Item{
					ID:          "https://x.example/p/1",
					Title:       "Full item",
					Link:        "https://x.example/p/1",
					Summary:     "Sum.",
					ContentHTML: "<p>Body.</p>",
					Authors:     []feed.Person{{Name: "Ada", Email: "ada@x.example", URL: "https://x.example/ada"}},
					Categories:  []string{"a", "b"},
					Published:   time.Date(2026, 4, 1, 5, 0, 0, 0, time.UTC),
					Updated:     time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC),
					Source:      "wire",
				}
				if !itemsEqual(items[0].item, want) {
					t.Errorf("item\n%+v\nwant\n%+v", items[0].item, want)
				}
				wantEnc := []feed.Enclosure{
					{URL: "https://x.example/ep.mp3", Length: 100, Type: "audio/mpeg"},
					{URL: "https://x.example/cover.png", Type: "image/png"},
				}
				if !slices.Equal(items[0].item.Enclosures, wantEnc) {
					t.Errorf("Enclosures = %+v, want %+v", items[0].item.Enclosures, wantEnc)
				}
			},
		},
		{
			name:   "attachments: type guessed, relative URL left out",
			in:     `{"id": "a", "title": "A", "attachments": [{"url": "https://m.example/ep.mp3"}, {"url": "ep2.mp3", "mime_type": "audio/mpeg"}]}`,
			titles: []string{"A"},
			warn:   &lineWarning{line: 1, key: "attachments[1]", reason: "attachment left out"},
			check: func(t *testing.T, items []parsedItem) {
				want := []feed.Enclosure{{URL: "https://m.example/ep.mp3", Type: "audio/mpeg"}}
				if !slices.Equal(items[0].item.Enclosures, want) {
					t.Errorf("Enclosures = %+v, want %+v", items[0].item.Enclosures, want)
				}
			},
		},
		{
			name: "a JSON Feed 1.0 document, author object, byte order mark",
			file: "feed.json",
			in: "\ufeff{\"version\": \"https://jsonfeed.org/version/1\", \"title\": \"F\",\n \"items\": [\n" +
				"  {\"id\": \"1\", \"title\": \"One\", \"author\": {\"name\": \"Bo\", \"url\": \"https://bo.example/\"}},\n" +
				"  {\"id\": \"2\",\n   \"title\": \"Two\", \"bogus\": 1},\n  {\"id\": \"3\", \"title\": \"Three\"}\n]}\n",
			titles: []string{"One", "Three"},
			skips:  []lineWarning{{line: 4, key: "bogus", reason: "unknown field"}},
			check: func(t *testing.T, items []parsedItem) {
				if want := []feed.Person{{Name: "Bo", URL: "https://bo.example/"}}; !slices.Equal(items[0].item.Authors, want) {
					t.Errorf("Authors = %+v, want %+v", items[0].item.Authors, want)
				}
				if items[0].line != 3 || items[1].line != 6 {
					t.Errorf("lines %d, %d; want 3, 6", items[0].line, items[1].line)
				}
			},
		},
		{
			name:   "a JSON Feed document with the version last",
			file:   "feed.json",
			in:     `{"items": [{"id": "1", "title": "One"}], "version": "https://jsonfeed.org/version/1.1"}`,
			titles: []string{"One"},
		},
		{
			name:     "an object that is not a JSON Feed",
			file:     "feed.json",
			in:       "{\n\"items\": [{\"id\": \"1\", \"title\": \"One\"}]}",
			fileErr:  `not a JSON Feed 1.x document (version "")`,
			fileLine: 1,
		},
		{
			name:   "an array with entries that are not objects",
			file:   "list.json",
			in:     "[\n  {\"id\": \"1\", \"title\": \"One\"},\n  \"two\",\n  null,\n  {\"id\": \"3\", \"title\": \"Three\"}\n]",
			titles: []string{"One", "Three"},
			skips:  []lineWarning{{line: 3, reason: "is a string"}, {line: 4, reason: "is null"}},
		},
		{
			name:     "a malformed JSON document",
			file:     "list.json",
			in:       "[\n  {\"id\": \"1\", \"title\": \"One\"},\n  {\"id\": \"2\" \"title\": \"Two\"}\n]",
			fileErr:  "malformed JSON",
			fileLine: 3,
		},
		{
			name:     "a truncated JSON document",
			file:     "list.json",
			in:       "[\n  {\"id\": \"1\", \"title\": \"One\"},\n",
			fileErr:  "unexpected end",
			fileLine: 3,
		},
		{
			name:     "data after the document",
			file:     "list.json",
			in:       "[{\"id\": \"1\", \"title\": \"One\"}]\n[]",
			fileErr:  "malformed JSON",
			fileLine: 2,
		},
		{
			name:     "a scalar document",
			file:     "list.json",
			in:       "\n\n42",
			fileErr:  "not a JSON Feed document or an array",
			fileLine: 3,
		},
		{
			name:    "an empty document",
			file:    "list.json",
			in:      " \n",
			fileErr: "empty file",
		},
		{
			name:    "NUL bytes",
			in:      "{\"id\": \"a\x00\"}",
			fileErr: "NUL",
		},
		{
			name:   "CRLF JSON Lines",
			in:     "{\"id\": \"a\", \"title\": \"A\"}\r\n{\"id\": \"b\", \"title\": \"B\"}\r\n",
			titles: []string{"A", "B"},
		},
		{
			name:   "control characters and invalid UTF-8 are cleaned",
			in:     "{\"id\": \"a\", \"title\": \"Ti\\u0001tle \xff\"}",
			titles: []string{"Title \uFFFD"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file := tt.file
			if file == "" {
				file = "items.jsonl"
			}
			items, skips, err := testJSONItems().parseFile(file, []byte(tt.in))
			if tt.fileErr != "" {
				if err == nil {
					t.Fatalf("parsed %d items, want the file skipped", len(items))
				}
				w := problemAt(err)
				if !strings.Contains(w.reason, tt.fileErr) || w.line != tt.fileLine {
					t.Errorf("file skipped for %q at line %d, want %q at line %d", w.reason, w.line, tt.fileErr, tt.fileLine)
				}
				return
			}
			if err != nil {
				t.Fatalf("file skipped: %v", err)
			}
			if len(skips) != len(tt.skips) {
				t.Errorf("skips %+v, want %+v", skips, tt.skips)
			} else {
				for i, s := range skips {
					w := tt.skips[i]
					if s.line != w.line || s.key != w.key || !strings.Contains(s.reason, w.reason) {
						t.Errorf("skip %d = %+v, want line %d, key %q, reason with %q", i, s, w.line, w.key, w.reason)
					}
				}
			}
			var got []string
			for _, it := range items {
				got = append(got, it.item.Title)
				checkSafeItem(t, it.item)
			}
			if tt.titles != nil && !slices.Equal(got, tt.titles) {
				t.Errorf("titles = %q, want %q", got, tt.titles)
			}
			if tt.warn != nil {
				if len(items) == 0 {
					t.Fatal("no items")
				}
				if !slices.ContainsFunc(items[0].warns, func(w lineWarning) bool {
					return w.line == tt.warn.line && w.key == tt.warn.key && strings.Contains(w.reason, tt.warn.reason)
				}) {
					t.Errorf("warnings %+v, want one like %+v", items[0].warns, *tt.warn)
				}
			}
			if tt.check != nil {
				tt.check(t, items)
			}
		})
	}
}

func TestJSONItemsFetchGolden(t *testing.T) {
	t.Parallel()
	j, buf := newTestJSONItems(filepath.Join("testdata", "json", "items"))
	items, err := j.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "json", "items.golden"), items)
	log := buf.String()
	for _, want := range [][]string{
		{`msg="item skipped"`, "file=wire.jsonl", "line=4", "field=colour", "unknown field"},
		{`msg="item skipped"`, "file=wire.jsonl", "line=5", "malformed JSON"},
		{`msg="item skipped"`, "file=wire.jsonl", "line=6", "field=id", "no id"},
		{`msg="item skipped"`, "file=feed.json", "line=15", "field=size", "unknown field"},
		{`msg="item skipped"`, "file=archive/2025.json", "line=3", "field=title", "want a string"},
		{`msg="item skipped"`, "file=archive/2025.json", "line=4", "not an object"},
		{`msg="file skipped"`, "file=archive/broken.json", "line=3", "malformed JSON"},
	} {
		if lines := logLines(log, want...); len(lines) != 1 {
			t.Errorf("want one log line with %q:\n%s", want, log)
		}
	}
	if n := len(logLines(log, "level=WARN")); n != 7 {
		t.Errorf("%d warnings, want 7:\n%s", n, log)
	}
	if logLines(log, "readme.txt") != nil {
		t.Errorf("readme.txt was read:\n%s", log)
	}
	checkRead(t, log, 3, 1)
}

func TestJSONItemsFetchFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"one.jsonl":  `{"id": "a", "title": "A"}` + "\n",
		"notes.txt":  "Not JSON.\n",
		"empty.json": "",
	})
	tests := []struct {
		name    string
		path    string
		titles  []string
		wantErr string
		is      error
	}{
		{name: "a JSON Lines file", path: filepath.Join(dir, "one.jsonl"), titles: []string{"A"}},
		{name: "a file of another type", path: filepath.Join(dir, "notes.txt"), wantErr: "want a .json or .jsonl file"},
		{name: "a missing file", path: filepath.Join(dir, "gone.json"), wantErr: "read " + filepath.Join(dir, "gone.json"), is: fs.ErrNotExist},
		{name: "no path", path: "", wantErr: "no file or folder configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			j, _ := newTestJSONItems(tt.path)
			items, err := j.Fetch(t.Context())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Fetch error = %v, want one containing %q", err, tt.wantErr)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("error %v is not %v", err, tt.is)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := titles(items); !slices.Equal(got, tt.titles) {
				t.Errorf("titles = %q, want %q", got, tt.titles)
			}
		})
	}
	j, buf := newTestJSONItems(filepath.Join(dir, "empty.json"))
	if _, err := j.Fetch(t.Context()); err != nil {
		t.Fatal(err)
	}
	if lines := logLines(buf.String(), `msg="file skipped"`, "file=empty.json", "empty file"); len(lines) != 1 {
		t.Errorf("no warning for an empty file:\n%s", buf)
	}
	checkRead(t, buf.String(), 0, 1)
}

func TestJSONItemsFetchDuplicateIDs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"a.jsonl": `{"id": "same", "title": "First"}` + "\n" + `{"id": "same", "title": "Again"}` + "\n",
		"b.json":  "[\n" + `{"id": "same", "title": "Later"}, {"id": "other", "title": "Other"}` + "]",
	})
	j, buf := newTestJSONItems(dir)
	items, err := j.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := titles(items), []string{"First", "Other"}; !slices.Equal(got, want) {
		t.Errorf("titles = %q, want %q", got, want)
	}
	log := buf.String()
	if lines := logLines(log, "file=a.jsonl", "line=2", "already used at a.jsonl:1"); len(lines) != 1 {
		t.Errorf("no warning for the repeated id in a.jsonl:\n%s", log)
	}
	if lines := logLines(log, "file=b.json", "line=2", "already used at a.jsonl:1"); len(lines) != 1 {
		t.Errorf("no warning for the repeated id in b.json:\n%s", log)
	}
}

func TestJSONItemsFetchStableIDs(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"2026/04/wire.jsonl": `{"id": "wire-1", "title": "One"}` + "\n" + `{"id": "Été 26", "title": "Two"}` + "\n",
		"feed.json":          `{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "https://x.example/3", "title": "Three"}]}`,
	}
	a, b := twoCopies(t, files)
	var got [2][]feed.Item
	for i, root := range []string{a, b} {
		j, _ := newTestJSONItems(root)
		var err error
		if got[i], err = j.Fetch(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	checkSameIdentity(t, got, 3)
	// An item moved to another file keeps its ID.
	writeTree(t, b, map[string]string{
		"2026/04/wire.jsonl": `{"id": "wire-1", "title": "One"}` + "\n",
		"later/more.jsonl":   `{"id": "Été 26", "title": "Two"}` + "\n",
	})
	j, _ := newTestJSONItems(b)
	moved, err := j.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := ids(got[0])
	if g := ids(moved); !slices.Equal(slices.Sorted(slices.Values(g)), slices.Sorted(slices.Values(want))) {
		t.Errorf("IDs after moving an item = %q, want %q", g, want)
	}
}

func TestJSONItemsFetchCanceled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"a.jsonl": `{"id": "a", "title": "A"}`})
	ctx := canceledContext(t)
	for _, p := range []string{dir, filepath.Join(dir, "a.jsonl")} {
		j, _ := newTestJSONItems(p)
		if _, err := j.Fetch(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Fetch(%s) error = %v, want context.Canceled", p, err)
		}
	}
}

func FuzzJSONItems(f *testing.F) {
	f.Add([]byte(`{"id": "a", "title": "A", "content_html": "<p onclick=x>b</p>", "tags": ["t"], "_x": 1}` + "\n" + `{"id": 2, "content_text": "c\nd"}`))
	f.Add([]byte(`{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "u:1", "url": "https://x.example/", "attachments": [{"url": "https://x.example/a.mp3", "size_in_bytes": 3}], "summary": "s"}]}`))
	f.Add([]byte(`[{"id": "a", "authors": [{"name": "n", "avatar": "https://a.example/x.png"}], "content_html": "<img src=x.png>"}, 1, null]`))
	f.Add([]byte("\ufeff[\n{\"id\": \"a\", \"title\": \"\\u0000\\ud800\"}\n]"))
	f.Add([]byte(`{"id": "a", "title": "A", "date": "2026-01-01", "image": "https://x.example/i"}`))
	j := testJSONItems()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"f.jsonl", "f.json"} {
			items, _, err := j.parseFile(name, data)
			if err != nil {
				continue
			}
			for _, it := range items {
				checkSafeItem(t, it.item)
				if it.line < 1 || it.line > bytes.Count(data, []byte("\n"))+1 {
					t.Fatalf("item line %d outside the file", it.line)
				}
			}
		}
	})
}
