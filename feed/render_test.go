package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

var day = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func testMeta() Meta {
	return Meta{
		ID:          "tag:news.example.com,2026-01-01:feed:news",
		Title:       "Example News",
		Description: "Stories & more",
		Link:        "https://news.example.com/",
		Language:    "en",
		Generator:   "feedpub",
		SelfURL: map[Format]string{
			RSS:  "http://127.0.0.1:8080/news.rss",
			Atom: "http://127.0.0.1:8080/news.atom",
			JSON: "http://127.0.0.1:8080/news.json",
		},
	}
}

// goldenCases are rendered in every format and compared with
// testdata/render/<case>.<format>.
var goldenCases = []struct {
	name  string
	meta  func() Meta
	items []Item
}{
	{
		name: "article_and_headline",
		meta: testMeta,
		items: []Item{
			{
				ID: "tag:news.example.com,2026-01-01:wire/bridge.txt", Title: "Council approves bridge repairs",
				Link: "http://127.0.0.1:8080/items/bridge", Summary: "The council approved a plan.",
				ContentHTML: "<p>The council approved a plan.</p>\n<p>Work starts in March.</p>",
				Authors:     []Person{{Name: "Lena Brandt", Email: "lena@news.example.com"}},
				Categories:  []string{"Local", "Transport"},
				Published:   day, Updated: day.Add(2 * time.Hour), Source: "wire",
			},
			{
				ID: "tag:news.example.com,2026-01-01:wire#library%20extends%20hours", Title: "Library Extends Hours",
				Link: "http://127.0.0.1:8080/items/headlines/library-extends-hours", Published: day.Add(-time.Hour), Updated: day.Add(-time.Hour),
			},
		},
	},
	{
		name: "hostile_text",
		meta: func() Meta {
			m := testMeta()
			m.Title = "Tom & Jerry's <News>"
			m.Authors = []Person{{Name: "Desk"}}
			return m
		},
		items: []Item{{
			ID: "tag:news.example.com,2026-01-01:wire/x.txt", Title: "a < b && c > d \"q\" 'a'\x0b",
			Link:        "http://127.0.0.1:8080/items/x?a=1&b=2",
			Summary:     "]]> <script>alert(1)</script> &amp; \x01",
			ContentHTML: "<p>]]&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; ]]></p>\x0c",
			Authors:     []Person{{Name: "A. Writer"}, {Name: "B. Writer"}},
			Categories:  []string{"R&D", "<b>"},
			Published:   day, Updated: day,
		}},
	},
}

func init() {
	goldenCases = append(goldenCases, struct {
		name  string
		meta  func() Meta
		items []Item
	}{
		name: "enclosure_and_origin",
		meta: testMeta,
		items: []Item{{
			ID: "tag:news.example.com,2026-01-01:partner/urn:uuid:1", Title: "Podcast episode 12",
			Link: "https://partner.example.org/ep12", Summary: "Episode twelve.", ContentHTML: "<p>Episode twelve.</p>",
			Enclosures: []Enclosure{{URL: "https://cdn.example.org/ep12.mp3", Length: 31337, Type: "audio/mpeg"}, {URL: "https://cdn.example.org/ep12.jpg", Type: "image/jpeg"}},
			Origin:     &Origin{ID: "urn:uuid:partner", Title: "Partner Radio", Link: "https://partner.example.org/", FeedURL: "https://partner.example.org/feed.atom"},
			Published:  day, Updated: day, Source: "partner",
		}},
	})
}

func TestRenderGolden(t *testing.T) {
	for _, tc := range goldenCases {
		for _, f := range Formats {
			t.Run(tc.name+"."+string(f), func(t *testing.T) {
				var buf bytes.Buffer
				if err := Render(&buf, f, tc.meta(), tc.items); err != nil {
					t.Fatal(err)
				}
				golden := filepath.Join("testdata", "render", tc.name+"."+string(f))
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test ./feed -update to create it)", err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("%s differs from the golden file; got:\n%s", golden, buf.Bytes())
				}
				// A second render gives the same bytes.
				var again bytes.Buffer
				if err := Render(&again, f, tc.meta(), tc.items); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf.Bytes(), again.Bytes()) {
					t.Error("two renders of the same input differ")
				}
			})
		}
	}
}

// TestRenderValidates renders every golden case and checks the documents
// with the validator, item by item.
func TestRenderValidates(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases {
		for _, f := range Formats {
			var buf bytes.Buffer
			if err := Render(&buf, f, tc.meta(), tc.items); err != nil {
				t.Fatal(err)
			}
			report := ValidateFormat(f, buf.Bytes())
			if err := report.PublishErr(); err != nil {
				t.Errorf("%s.%s does not validate: %v\n%s", tc.name, f, err, buf.Bytes())
			}
			want := make([]Item, len(tc.items))
			for i, it := range tc.items {
				want[i] = cleanItem(it)
			}
			if err := report.Match(want); err != nil {
				t.Errorf("%s.%s: %v", tc.name, f, err)
			}
		}
	}
}

// TestRenderLiteralEntities shows why publishing uses PublishErr: text
// that quotes "&amp;" on purpose comes out exactly as written (Match holds),
// and only the double-escaping heuristic, a warning, objects to it.
func TestRenderLiteralEntities(t *testing.T) {
	t.Parallel()
	tc := goldenCases[1]
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Render(&buf, f, tc.meta(), tc.items); err != nil {
			t.Fatal(err)
		}
		report := ValidateFormat(f, buf.Bytes())
		if report.StrictErr() == nil {
			t.Errorf("%s: the heuristic did not flag the literal entity text", f)
		}
		if err := report.PublishErr(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestRenderHostile checks what each format makes of markup and control
// characters at the XML and JSON level, independent of the golden bytes.
func TestRenderHostile(t *testing.T) {
	t.Parallel()
	tc := goldenCases[1]
	for _, f := range []Format{RSS, Atom} {
		var buf bytes.Buffer
		if err := Render(&buf, f, tc.meta(), tc.items); err != nil {
			t.Fatal(err)
		}
		doc := buf.String()
		for _, bad := range []string{"\x0b", "\x01", "\x0c", "<script>", "<b>"} {
			if strings.Contains(doc, bad) {
				t.Errorf("%s contains %q unescaped", f, bad)
			}
		}
		// RSS readers take the description as HTML: the plain-text
		// summary's markup must arrive as text, escaped as HTML and then XML.
		if f == RSS && !strings.Contains(doc, "<description>]]&#x26;gt; &#x26;lt;script&#x26;gt;alert(1)") {
			t.Errorf("rss description does not carry the summary as escaped HTML:\n%s", doc)
		}
		// The title decodes to the original text, escaped once.
		dec := xml.NewDecoder(strings.NewReader(doc))
		var titles []string
		for {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "title" {
				var s string
				if err := dec.DecodeElement(&s, &se); err != nil {
					t.Fatal(err)
				}
				titles = append(titles, s)
			}
		}
		if len(titles) < 2 || titles[len(titles)-1] != `a < b && c > d "q" 'a'` {
			t.Errorf("%s item title decodes to %q", f, titles)
		}
	}
	var buf bytes.Buffer
	if err := Render(&buf, JSON, tc.meta(), tc.items); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Items []struct {
			Title       string `json:"title"`
			ContentHTML string `json:"content_html"`
		} `json:"items"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if got := doc.Items[0].Title; got != `a < b && c > d "q" 'a'` {
		t.Errorf("JSON title = %q", got)
	}
	if strings.ContainsAny(doc.Items[0].ContentHTML, "\x0c") {
		t.Errorf("JSON content keeps a control character: %q", doc.Items[0].ContentHTML)
	}
}

func TestRenderNoItems(t *testing.T) {
	t.Parallel()
	for _, f := range Formats {
		if err := Render(&bytes.Buffer{}, f, testMeta(), nil); !errors.Is(err, ErrNoItems) {
			t.Errorf("Render(%s) with no items = %v, want ErrNoItems", f, err)
		}
	}
}

func TestRenderGuidPermaLink(t *testing.T) {
	t.Parallel()
	items := []Item{{ID: "https://news.example.com/a", Link: "https://news.example.com/a", Title: "A", Published: day, Updated: day}}
	var buf bytes.Buffer
	if err := Render(&buf, RSS, testMeta(), items); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `<guid isPermaLink="true">https://news.example.com/a</guid>`) {
		t.Errorf("an id equal to the link is not a permalink guid:\n%s", buf.String())
	}
}
