package source

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedpub/feedpub/feed"
)

const testLink = "http://127.0.0.1:8080/items/{slug}"

// testText is a Text configured as the tests expect, without a folder.
func testText() *Text {
	return &Text{SourceName: "wire", IDPrefix: testPrefix, LinkTemplate: testLink}
}

func TestParseArticle(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 2000)
	tests := []struct {
		name string
		rel  string // defaults to "story.txt"
		in   string
		// skip is part of the reason the file is skipped, or "".
		skip string
		// noArticle says the file yields headlines only.
		noArticle bool
		title     string
		html      string
		headlines []string
		// warn is part of a warning's reason, or "" for no warning;
		// warnLine, when set, is the line that warning names.
		warn     string
		warnLine int
		// note, when set, is part of the reason of a notice.
		note string
		// check, if set, inspects the article further.
		check func(t *testing.T, it *feed.Item)
	}{
		{
			name:  "header and body",
			in:    "Title: Harbour bridge reopens\nDate: 2026-03-14 07:30\nUpdated: 2026-03-15T10:00:00+01:00\nAuthor: Mira Quell <mira@example.org>, Desk Staff, news@example.org\nTags: Transport, City, transport, , Infrastructure\nLink: https://example.org/bridge\nSummary: Traffic  flows again.\nID: urn:example:bridge\n\nEngineers finished on Saturday.\nA speed limit stays.\n",
			title: "Harbour bridge reopens",
			html:  "<p>Engineers finished on Saturday.</p>\n<p>A speed limit stays.</p>",
			check: func(t *testing.T, it *feed.Item) {
				want := feed.Item{
					ID:          "urn:example:bridge",
					Title:       "Harbour bridge reopens",
					Link:        "https://example.org/bridge",
					Summary:     "Traffic flows again.",
					ContentHTML: "<p>Engineers finished on Saturday.</p>\n<p>A speed limit stays.</p>",
					Authors: []feed.Person{
						{Name: "Mira Quell", Email: "mira@example.org"},
						{Name: "Desk Staff"},
						{Email: "news@example.org"},
					},
					Categories: []string{"Transport", "City", "Infrastructure"},
					Published:  time.Date(2026, 3, 14, 7, 30, 0, 0, time.UTC),
					Updated:    time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC),
					Source:     "wire",
				}
				if !itemsEqual(*it, want) {
					t.Errorf("item =\n%+v\nwant\n%+v", *it, want)
				}
			},
		},
		{
			name:  "no header: title from the first sentence",
			in:    "The council approved the budget on Tuesday. It was close.\nA second paragraph.\n",
			title: "The council approved the budget on Tuesday",
			html:  "<p>The council approved the budget on Tuesday. It was close.</p>\n<p>A second paragraph.</p>",
			note:  "title taken from the first sentence",
			check: func(t *testing.T, it *feed.Item) {
				if it.ID != testPrefix+"wire/story.txt" || it.Link != "http://127.0.0.1:8080/items/story" {
					t.Errorf("ID, Link = %q, %q", it.ID, it.Link)
				}
				if !it.Published.IsZero() || it.Summary != "The council approved the budget on Tuesday. It was close." || it.Source != "wire" {
					t.Errorf("Published, Summary, Source = %v, %q, %q", it.Published, it.Summary, it.Source)
				}
			},
		},
		{
			name:     "an unknown key is reported and not published",
			in:       "Title: Known keys apply\nColour: red\n\nBody text.\n",
			title:    "Known keys apply",
			html:     "<p>Body text.</p>",
			warn:     `unknown header key "Colour"; line not published`,
			warnLine: 2,
		},
		{
			name:     "a misspelt key is reported with the key meant",
			in:       "Titel: Harbour plan approved\nDate: 2026-03-01\n\nThe council met on Monday.\n",
			title:    "The council met on Monday",
			html:     "<p>The council met on Monday.</p>",
			warn:     `unknown header key "Titel" (did you mean "Title"?)`,
			warnLine: 1,
			check: func(t *testing.T, it *feed.Item) {
				if !it.Published.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("Published = %v: the known Date line must still apply", it.Published)
				}
			},
		},
		{
			name:     "another format's key alone is a header, with the key meant",
			in:       "Category: Sport\n\nThe match ended level.\n",
			title:    "The match ended level",
			html:     "<p>The match ended level.</p>",
			warn:     `unknown header key "Category" (did you mean "Tags"?)`,
			warnLine: 1,
		},
		{
			name:     "unknown keys alone before a body are a header",
			in:       "Colour: red\nMood: calm\n\nThe story.\n",
			title:    "The story",
			html:     "<p>The story.</p>",
			warn:     `unknown header key "Mood"; line not published`,
			warnLine: 2,
		},
		{
			name:     "a header without its blank line",
			in:       "Title: No gap\nDate: 2026-03-01\nThe story starts here.\nIt goes on.\n",
			title:    "No gap",
			html:     "<p>The story starts here.</p>\n<p>It goes on.</p>",
			warn:     "header not followed by a blank line",
			warnLine: 3,
		},
		{
			name:     "within a header, an unknown key with a sentence is still a header line",
			in:       "Title: Embargo\nNote: Hold until Monday.\nDate: 2026-03-01\n\nThe story.\n",
			title:    "Embargo",
			html:     "<p>The story.</p>",
			warn:     `unknown header key "Note"; line not published`,
			warnLine: 2,
			check: func(t *testing.T, it *feed.Item) {
				if it.Published.IsZero() {
					t.Error("the Date line after the unknown key was not applied")
				}
			},
		},
		{
			name:     "an unknown key with no blank line after it stays text, with a warning",
			in:       "Colour: red\nThe story starts here.\n",
			title:    "Colour: red",
			html:     "<p>Colour: red</p>\n<p>The story starts here.</p>",
			warn:     `unknown key "Colour"; published as the story's text`,
			warnLine: 1,
		},
		{
			name:  "prose after a word and a colon is body",
			in:    "Update: The council voted again on Tuesday.\nMore.\n",
			title: "Update: The council voted again on Tuesday",
			html:  "<p>Update: The council voted again on Tuesday.</p>\n<p>More.</p>",
		},
		{
			name:  "a URL line is not a header",
			in:    "https://example.org/story\nThe story.\n",
			title: "https://example.org/story",
			html:  "<p>https://example.org/story</p>\n<p>The story.</p>",
		},
		{
			name:  "a sign-off after one blank line stays in the story",
			in:    "The ferry resumed service on Monday.\nPassengers welcomed the news.\n\nReporting by Jane Doe\nEditing by Sam Lee\n",
			title: "The ferry resumed service on Monday",
			html:  "<p>The ferry resumed service on Monday.</p>\n<p>Passengers welcomed the news.</p>\n<p>Reporting by Jane Doe</p>\n<p>Editing by Sam Lee</p>",
		},
		{
			name:  "a poem's last stanza stays in the poem",
			in:    "Title: Low Tide\n\nThe boats lie still\nthe gulls have gone\n\nand in the dark\nthe lamps burn on\n",
			title: "Low Tide",
			html:  "<p>The boats lie still</p>\n<p>the gulls have gone</p>\n<p>and in the dark</p>\n<p>the lamps burn on</p>",
		},
		{
			name:  "header keys are case-insensitive",
			in:    "TITLE: Loud\ntags: a\n\nBody.\n",
			title: "Loud",
			html:  "<p>Body.</p>",
			check: func(t *testing.T, it *feed.Item) {
				if !slices.Equal(it.Categories, []string{"a"}) {
					t.Errorf("Categories = %q", it.Categories)
				}
			},
		},
		{
			name:  "byte order mark",
			in:    "\ufeffTitle: With BOM\n\nBody.\n",
			title: "With BOM",
			html:  "<p>Body.</p>",
		},
		{
			name:  "CRLF line endings",
			in:    "Title: Windows\r\n\r\nOne.\r\nTwo.\r\n\r\n",
			title: "Windows",
			html:  "<p>One.</p>\n<p>Two.</p>",
		},
		{
			name:  "lone CR line endings",
			in:    "Title: Old Mac\r\rOne.\rTwo.\r",
			title: "Old Mac",
			html:  "<p>One.</p>\n<p>Two.</p>",
		},
		{
			name:  "trailing spaces and blank lines",
			in:    "Title: Tidy   \n\t\n  Body one.   \n\n\n\n   \n",
			title: "Tidy",
			html:  "<p>Body one.</p>",
		},
		{
			name:  "Windows-1252 bytes are decoded with a warning",
			in:    "Caf\xe9 owner says \x93no comment\x94 \x96 again.\n",
			title: "Café owner says “no comment” – again",
			html:  "<p>Café owner says “no comment” – again.</p>",
			warn:  "Windows-1252",
		},
		{
			name: "NUL bytes skip the file",
			in:   "Title: x\n\nBody\x00.\n",
			skip: "NUL",
		},
		{
			name: "empty file is skipped",
			in:   "",
			skip: "empty",
		},
		{
			name: "white space only is skipped",
			in:   " \n\t\r\n\ufeff",
			skip: "empty",
		},
		{
			name: "control characters only is skipped",
			in:   "\x01\x02\n\x1b",
			skip: "empty",
		},
		{
			name:  "control characters are removed",
			in:    "Title: A\x01B\x7f\n\nx\x0by\x1bz \u0085done.\n",
			title: "AB",
			html:  "<p>xyz done.</p>",
		},
		{
			name:  "markup is literal text, escaped once",
			in:    "Body with <script>alert(1)</script> & ]]> inside.\n",
			title: "Body with <script>alert(1)</script> & ]]> inside",
			html:  "<p>Body with &lt;script&gt;alert(1)&lt;/script&gt; &amp; ]]&gt; inside.</p>",
		},
		{
			name: "10,000-character line",
			in:   long + "\n",
			note: "summary is the first paragraph cut to 300 characters",
			check: func(t *testing.T, it *feed.Item) {
				if n := utf8.RuneCountInString(it.Title); n > feed.TitleMax || !strings.HasSuffix(it.Title, "…") {
					t.Errorf("Title has %d characters: %q", n, it.Title)
				}
				if len(it.ContentHTML) < len(long)-10 {
					t.Errorf("ContentHTML has %d bytes, want the whole line", len(it.ContentHTML))
				}
			},
		},
		{
			name:  "header only",
			in:    "Title: Just a title\nDate: 2026-01-02\n",
			title: "Just a title",
			html:  "",
		},
		{
			name: "header without title or body is skipped",
			in:   "Date: 2026-01-02\nTags: a\n\n",
			skip: "no title and no body",
		},
		{
			name:      "headline-only file",
			in:        "Market hall opens on Sundays\nLost dog found after 200 km\n",
			noArticle: true,
			headlines: []string{"Market hall opens on Sundays", "Lost dog found after 200 km"},
			warn:      "no article body",
		},
		{
			name:      "trailing headline block",
			in:        "The story.\nMore story.\n\n\nFerry  timetable trimmed\nRail vote “due”\n\n",
			note:      "last block, after 2 blank lines, read as 2 headlines",
			title:     "The story",
			html:      "<p>The story.</p>\n<p>More story.</p>",
			headlines: []string{"Ferry timetable trimmed", "Rail vote “due”"},
		},
		{
			name:  "a sentence in the last block makes it body",
			in:    "The story.\n\nFerry timetable trimmed\nThis one ends like a sentence.\n",
			title: "The story",
			html:  "<p>The story.</p>\n<p>Ferry timetable trimmed</p>\n<p>This one ends like a sentence.</p>",
		},
		{
			name:  "a sentence ending inside quotes is not a headline",
			in:    "The story.\n\nShe said “no.”\n",
			title: "The story",
			html:  "<p>The story.</p>\n<p>She said “no.”</p>",
		},
		{
			name:  "a line over 200 characters is not a headline",
			in:    "The story.\n\n" + strings.Repeat("x", 201) + "\n",
			title: "The story",
			html:  "<p>The story.</p>\n<p>" + strings.Repeat("x", 201) + "</p>",
		},
		{
			name:  "with a header, a lone short block is body",
			in:    "Title: Short\n\nOne short line\n",
			title: "Short",
			html:  "<p>One short line</p>",
		},
		{
			name:      "header, body and headlines",
			in:        "Title: Full\n\nBody.\n\n\nOther story\n",
			title:     "Full",
			html:      "<p>Body.</p>",
			headlines: []string{"Other story"},
		},
		{
			name:  "bad date is ignored with a warning",
			in:    "Title: T\nDate: yesterday\n\nBody.\n",
			title: "T",
			html:  "<p>Body.</p>",
			warn:  "yesterday",
			check: func(t *testing.T, it *feed.Item) {
				if !it.Published.IsZero() {
					t.Errorf("Published = %v, want zero", it.Published)
				}
			},
		},
		{
			// The rule of weburl.ParseHTTP, as for the configuration and
			// the validator: a link a feed cannot carry as written.
			name:  "link with a character no URL carries is ignored with a warning",
			rel:   "a.txt",
			in:    "Title: T\nLink: https://news.example.com/a|b\n\nBody.\n",
			title: "T",
			html:  "<p>Body.</p>",
			warn:  "not an absolute http(s) URL",
			check: func(t *testing.T, it *feed.Item) {
				if want := "http://127.0.0.1:8080/items/a"; it.Link != want {
					t.Errorf("Link = %q, want %q", it.Link, want)
				}
			},
		},
		{
			name:  "link with a port and no host is ignored with a warning",
			rel:   "a.txt",
			in:    "Title: T\nLink: http://:8080/a\n\nBody.\n",
			title: "T",
			html:  "<p>Body.</p>",
			warn:  "not an absolute http(s) URL",
		},
		{
			name:  "relative link is ignored with a warning",
			rel:   "Desk/Été 2026/Big Story.txt",
			in:    "Title: T\nLink: /bridge\n\nBody.\n",
			title: "T",
			html:  "<p>Body.</p>",
			warn:  "not an absolute http(s) URL",
			check: func(t *testing.T, it *feed.Item) {
				if want := "http://127.0.0.1:8080/items/desk/ete-2026/big-story"; it.Link != want {
					t.Errorf("Link = %q, want %q", it.Link, want)
				}
				if want := testPrefix + "wire/Desk/%C3%89t%C3%A9%202026/Big%20Story.txt"; it.ID != want {
					t.Errorf("ID = %q, want %q", it.ID, want)
				}
			},
		},
		{
			name:  "local ID",
			in:    "Title: T\nID: bridge reopening/2026\n\nBody.\n",
			title: "T",
			html:  "<p>Body.</p>",
			check: func(t *testing.T, it *feed.Item) {
				if want := testPrefix + "wire/bridge%20reopening/2026"; it.ID != want {
					t.Errorf("ID = %q, want %q", it.ID, want)
				}
			},
		},
		{
			name:  "ID with a scheme but a space is a local name",
			in:    "Title: T\nID: urn:a b\n\nBody.\n",
			title: "T",
			html:  "<p>Body.</p>",
			warn:  "not a valid URI",
			check: func(t *testing.T, it *feed.Item) {
				if want := testPrefix + "wire/urn:a%20b"; it.ID != want {
					t.Errorf("ID = %q, want %q", it.ID, want)
				}
			},
		},
		{
			name:  "repeated key keeps the first value",
			in:    "Title: First\nTitle: Second\n\nBody.\n",
			title: "First",
			html:  "<p>Body.</p>",
			warn:  "repeated header key",
		},
		{
			name:  "bad author e-mail keeps the name",
			in:    "Title: T\nAuthor: Ann <not-an-address>\n\nBody.\n",
			title: "T",
			html:  "<p>Body.</p>",
			warn:  "not an e-mail address",
			check: func(t *testing.T, it *feed.Item) {
				if !slices.Equal(it.Authors, []feed.Person{{Name: "Ann"}}) {
					t.Errorf("Authors = %+v", it.Authors)
				}
			},
		},
		{
			name:  "abbreviations do not end the derived title",
			in:    "U.S. and allied officials met on Thursday. They talked.\n",
			title: "U.S. and allied officials met on Thursday",
			html:  "<p>U.S. and allied officials met on Thursday. They talked.</p>",
		},
		{
			name:  "punctuation-only lead still gives a title",
			in:    "--\nBody.\n",
			title: "--",
			html:  "<p>--</p>\n<p>Body.</p>",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rel := tt.rel
			if rel == "" {
				rel = "story.txt"
			}
			it, headlines, warns, err := testText().parseArticle(rel, []byte(tt.in))
			checkWarning(t, warns, tt.warn)
			if tt.warnLine != 0 && !slices.ContainsFunc(warns, func(w lineWarning) bool {
				return w.line == tt.warnLine && strings.Contains(w.reason, tt.warn)
			}) {
				t.Errorf("warnings %+v, want %q at line %d", warns, tt.warn, tt.warnLine)
			}
			if tt.note != "" && !slices.ContainsFunc(warns, func(w lineWarning) bool {
				return w.notice && strings.Contains(w.reason, tt.note)
			}) {
				t.Errorf("notes %+v, want one containing %q", warns, tt.note)
			}
			if tt.skip != "" {
				if err == nil || !strings.Contains(err.Error(), tt.skip) {
					t.Fatalf("error = %v, want one containing %q", err, tt.skip)
				}
				return
			}
			if err != nil {
				t.Fatalf("skipped: %v", err)
			}
			if !slices.Equal(headlines, tt.headlines) {
				t.Errorf("headlines = %q, want %q", headlines, tt.headlines)
			}
			if tt.noArticle {
				if it != nil {
					t.Errorf("article = %+v, want none", *it)
				}
				return
			}
			if it == nil {
				t.Fatal("no article")
			}
			if tt.check == nil || tt.title != "" {
				if it.Title != tt.title {
					t.Errorf("Title = %q, want %q", it.Title, tt.title)
				}
				if it.ContentHTML != tt.html {
					t.Errorf("ContentHTML = %q, want %q", it.ContentHTML, tt.html)
				}
			}
			if tt.check != nil {
				tt.check(t, it)
			}
		})
	}
}

// checkWarning fails t unless some warning's reason contains want, or,
// when want is "", unless there is no warning at all. Notes are not
// warnings: checkNote looks at those.
func checkWarning(t *testing.T, warns []lineWarning, want string) {
	t.Helper()
	warns = slices.DeleteFunc(slices.Clone(warns), func(w lineWarning) bool { return w.notice })
	if want == "" {
		if len(warns) > 0 {
			t.Errorf("warnings %+v, want none", warns)
		}
		return
	}
	for _, w := range warns {
		if strings.Contains(w.reason, want) {
			return
		}
	}
	t.Errorf("warnings %+v, want one containing %q", warns, want)
}

// itemsEqual compares items field by field, times with Equal.
func itemsEqual(a, b feed.Item) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Link == b.Link && a.Summary == b.Summary &&
		a.ContentHTML == b.ContentHTML && slices.Equal(a.Authors, b.Authors) &&
		slices.Equal(a.Categories, b.Categories) && a.Published.Equal(b.Published) &&
		a.Updated.Equal(b.Updated) && a.Source == b.Source
}

func TestHeadlineItem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, line, wantTitle, wantID string
		ok                            bool
	}{
		{"plain", "Rail  workers vote", "Rail workers vote", testPrefix + "wire#rail%20workers%20vote", true},
		{"quotes, hash and slash escaped", "“Best” #1 in A/B", "“Best” #1 in A/B", testPrefix + "wire#%22best%22%20%231%20in%20a%2Fb", true},
		{"nothing left", "\x01 \x02", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			title, key, ok := headlineTitle(tt.line)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			it := testText().headlineItem(title, key)
			if it.Title != tt.wantTitle || it.ID != tt.wantID {
				t.Errorf("Title, ID = %q, %q; want %q, %q", it.Title, it.ID, tt.wantTitle, tt.wantID)
			}
			if want := "http://127.0.0.1:8080/items/" + headlineSlug(key); it.Link != want {
				t.Errorf("Link = %q, want %q", it.Link, want)
			}
			if it.ContentHTML != "" || it.Summary != "" || !it.Published.IsZero() || !it.Updated.IsZero() {
				t.Errorf("headline item has more than a title: %+v", it)
			}
		})
	}
}

// checkTidyParse checks that parseText's short way through tidy text
// gives what the long way gives.
func checkTidyParse(t *testing.T, data []byte) {
	t.Helper()
	fast, fastWarns, fastErr := parseTextTidy(data, true)
	slow, slowWarns, slowErr := parseTextTidy(data, false)
	if fast.clean {
		// What the item's ContentClean promises.
		if html := paragraphsHTML(fast.paragraphs); feed.CleanText(html) != html {
			t.Errorf("parseText(%q): clean, but its paragraphs make HTML that CleanText changes: %q", data, html)
		}
	}
	if slow.clean {
		t.Errorf("parseText(%q): clean the slow way", data)
	}
	fast.clean = false
	if fmt.Sprint(fastErr) != fmt.Sprint(slowErr) || !reflect.DeepEqual(fast, slow) || !reflect.DeepEqual(fastWarns, slowWarns) {
		t.Errorf("parseText(%q):\nfast %+v %+v %v\nslow %+v %+v %v", data, fast, fastWarns, fastErr, slow, slowWarns, slowErr)
	}
}

// checkHeadlineLike compares collapsedHeadlineLike, which decides most
// lines by their length and last byte, with its definition.
func checkHeadlineLike(t *testing.T, line string) {
	t.Helper()
	r, _ := utf8.DecodeLastRuneInString(strings.TrimRight(line, closingQuotes))
	want := line != "" && utf8.RuneCountInString(line) <= maxHeadline && r != '.' && r != '!' && r != '?' && r != '…'
	if got := collapsedHeadlineLike(line); got != want {
		t.Errorf("collapsedHeadlineLike(%q) = %v, want %v", line, got, want)
	}
}

// checkKeyLines compares headerLine and otherKeyLine, which pass over
// most lines without lowering a key or running an expression, with their
// definitions.
func checkKeyLines(t *testing.T, line string) {
	t.Helper()
	wantKey, wantValue, wantOK := "", "", false
	if i := strings.IndexByte(line, ':'); i > 0 && headerKeys[strings.ToLower(line[:i])] {
		wantKey, wantValue, wantOK = strings.ToLower(line[:i]), strings.TrimSpace(line[i+1:]), true
	}
	if key, value, ok := headerLine(line); key != wantKey || value != wantValue || ok != wantOK {
		t.Errorf("headerLine(%q) = %q, %q, %v; want %q, %q, %v", line, key, value, ok, wantKey, wantValue, wantOK)
	}
	m := keyShaped.FindStringSubmatch(line)
	if key, _, ok := otherKeyLine(line); ok != (m != nil) || ok && key != m[1] {
		t.Errorf("otherKeyLine(%q) = %q, %v; want %q", line, key, ok, m)
	}
}

func TestKeyLines(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		"", ":", "Title: T", "TITLE:T", "title:", "Summary: s", "Lin\u212a: http://x/", "LIN\u212a:x",
		"Abcdefghijklmnopqrstuvwx: 24 bytes of key", "Abcdefghijklmnopqrstuvwxy: 25 bytes of key",
		"A long line of text, with a colon: much later than any key.", "https://example.com/",
		"Update: The council voted.", "Nothing to see here",
	} {
		checkKeyLines(t, line)
	}
}

func TestHeadlineLike(t *testing.T) {
	t.Parallel()
	for _, line := range []string{
		"", "A", ".", "Ends here.", "Asks?", "Shouts!", "Trails…", "Quoted \"end.\"", "Quoted 'end'",
		"Curly “end.”", "Curly “end”", "Guillemets »end.»", "'", "\"", "é",
		strings.Repeat("a", maxHeadline), strings.Repeat("a", maxHeadline+1),
		strings.Repeat("é", maxHeadline), strings.Repeat("é", maxHeadline+1), "\xff", "ends in \xe2\x80",
	} {
		checkHeadlineLike(t, line)
	}
}

func TestParseTextTidyMatchesSlow(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"Title: T\nDate: 2026-01-02\n\nFirst paragraph, tidy. Second sentence \u2014 with a dash.\nAnother \u201cquoted\u201d one.\n\n\nOther story\nAnd \u2018another\u2019 story\n",
		"No header at all. Just text.\n",
		"Headline one\nHeadline two\n",
		"Body with  two spaces.\nAnd a trailing one. \n\n\nStory\n",
		"Tabs\tin it.\n\n\n Leading space story\n",
		"Abcdefg \nA space ends the line, at the end of a word of eight bytes.\n",
		"Update: The vote. Passed.\n",
		"Title: Spaced   title  \n\nBody.\n",
		"\u0338 starts a line.\n\nNext \u00a0paragraph.\n",
		"Stray\ufeff mark.\n",
		"",
		"\n\n\n",
	} {
		checkTidyParse(t, []byte(in))
	}
}

func FuzzParseText(f *testing.F) {
	f.Add([]byte("Tidy lead. With \u201cquotes\u201d \u2014 and dashes.\nSecond paragraph.\n\n\nOther story\nA second one\n"))
	f.Add([]byte("Title: T\nDate: 2026-01-02\nAuthor: A <a@b.c>\n\nBody. More.\n\nHeadline one\nHeadline two\n"))
	f.Add([]byte("\ufeffLead line.\r\n\r\nOther story\r\n"))
	f.Add([]byte("Caf\xe9 \x93quoted\x94\n"))
	f.Add([]byte("ID: urn:x\nLink: http://x/\nTags: a,A,,b\n"))
	f.Add([]byte("\x01\n--\n\n…\n"))
	f.Add([]byte("Titel: T\nCategory: Sport\nDate: 2026-01-02\nBody starts. Here.\n\nReporting by A\n\n\n\nOther story\n"))
	f.Add([]byte("Colour: red\n\nUpdate: The vote. Passed.\n"))
	tx := testText()
	f.Fuzz(func(t *testing.T, data []byte) {
		checkTidyParse(t, data)
		for line := range strings.SplitSeq(string(data), "\n") {
			checkHeadlineLike(t, line)
			checkKeyLines(t, line)
		}
		it, headlines, warns, err := tx.parseArticle("dir/file name.txt", data)
		lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1
		for _, w := range warns {
			if w.line < 0 || w.line > lines {
				t.Fatalf("warning names line %d of a file of %d lines: %+v", w.line, lines, w)
			}
		}
		if err != nil {
			return
		}
		var items []feed.Item
		if it != nil {
			items = append(items, *it)
		}
		for _, h := range headlines {
			if title, key, ok := headlineTitle(h); ok {
				items = append(items, tx.headlineItem(title, key))
			}
		}
		for _, item := range items {
			if item.ID == "" || item.Title == "" {
				t.Fatalf("item without ID or Title: %+v", item)
			}
			for _, s := range []string{item.ID, item.Title, item.Link, item.Summary, item.ContentHTML} {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in %q", s)
				}
				for _, r := range s {
					if !feed.XMLChar(r) {
						t.Fatalf("character %U not allowed in XML in %q", r, s)
					}
				}
			}
		}
	})
}

// FuzzParagraphsHTML checks that the walk's paragraphsHTML, given what
// collapseAll made of some lines, writes what feed.ParagraphsHTML writes.
func FuzzParagraphsHTML(f *testing.F) {
	f.Add("A <b>bold</b> & \"quoted\" 'line'\n  spaced   out  \n\n\u200b\nlast\u00a0line\t")
	f.Add("")
	f.Add("plain")
	f.Fuzz(func(t *testing.T, text string) {
		lines := strings.Split(feed.CleanText(text), "\n")
		paras := collapseAll(lines, false)
		if got, want := paragraphsHTML(paras), feed.ParagraphsHTML(paras); got != want {
			t.Errorf("paragraphsHTML(%q) = %q, want %q", paras, got, want)
		}
	})
}

func TestHeadlinesNote(t *testing.T) {
	t.Parallel()
	for gap := 2; gap < 9; gap++ {
		for n := range 70 {
			want := fmt.Sprintf("last block, after %d blank lines, read as %d headlines of other stories", gap, n)
			if got := headlinesNote(gap, n); got != want {
				t.Errorf("headlinesNote(%d, %d) = %q, want %q", gap, n, got, want)
			}
		}
	}
}
