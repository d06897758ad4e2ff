package source

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TOML front matter says what the same keys say in YAML.
func TestMarkdownTOMLFrontMatterMatchesYAML(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, toml, yaml string }{
		{
			name: "every key, Hugo style",
			toml: "+++\ntitle = \"Full\"\ndate = 2026-03-01T10:00:00+02:00\nupdated = 2026-03-02T09:00:00Z\n" +
				"author = \"Ada Quay <ada@example.com>\"\ntags = [\"harbour\", \"Tides\"]\ncategories = \"tides, weather\"\n" +
				"summary = \"A short summary.\"\nlink = \"https://news.example.com/full\"\nid = \"urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66\"\n" +
				"draft = false\n\n[[enclosures]]\nurl = \"https://media.example.com/a.mp3\"\nlength = 1200\ntype = \"audio/mpeg\"\n+++\nBody.\n",
			yaml: "---\ntitle: Full\ndate: 2026-03-01T10:00:00+02:00\nupdated: 2026-03-02T09:00:00Z\n" +
				"author: Ada Quay <ada@example.com>\ntags: [harbour, Tides]\ncategories: tides, weather\n" +
				"summary: A short summary.\nlink: https://news.example.com/full\nid: urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66\n" +
				"draft: false\nenclosures:\n  - {url: 'https://media.example.com/a.mp3', length: 1200, type: audio/mpeg}\n---\nBody.\n",
		},
		{
			name: "a local datetime is UTC",
			toml: "+++\ntitle = \"Local\"\ndate = 2026-03-01T10:30:00\n+++\nBody.\n",
			yaml: "---\ntitle: Local\ndate: 2026-03-01T10:30:00Z\n---\nBody.\n",
		},
		{
			name: "a local date is midnight UTC",
			toml: "+++\ntitle = \"Day\"\ndate = 2026-03-01\n+++\nBody.\n",
			yaml: "---\ntitle: Day\ndate: 2026-03-01\n---\nBody.\n",
		},
		{
			name: "authors as tables, a slug",
			toml: "+++\nslug = \"harbour/dawn\"\n[[authors]]\nname = \"Ada Quay\"\nemail = \"ada@example.com\"\n[[authors]]\nname = \"Bo Lind\"\n+++\n# Dawn\n\nBody.\n",
			yaml: "---\nslug: harbour/dawn\nauthors:\n  - {name: Ada Quay, email: ada@example.com}\n  - name: Bo Lind\n---\n# Dawn\n\nBody.\n",
		},
		{
			name: "empty front matter",
			toml: "+++\n+++\n# Title\n",
			yaml: "---\n---\n# Title\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := testMarkdown()
			got, gw, err := m.parseArticle("story.md", []byte(tt.toml))
			if err != nil || got == nil {
				t.Fatalf("TOML: item %v, error %v", got, err)
			}
			want, ww, err := m.parseArticle("story.md", []byte(tt.yaml))
			if err != nil || want == nil {
				t.Fatalf("YAML: item %v, error %v", want, err)
			}
			if len(gw) != 0 || len(ww) != 0 {
				t.Errorf("warnings: TOML %+v, YAML %+v", gw, ww)
			}
			if !itemsEqual(*got, *want) || !slices.Equal(got.Enclosures, want.Enclosures) {
				t.Errorf("TOML gave\n%+v\nYAML gave\n%+v", *got, *want)
			}
			if got.Title == "" || strings.Contains(got.ContentHTML, "+++") || strings.Contains(got.ContentHTML, "title") {
				t.Errorf("front matter leaked into the item: %+v", *got)
			}
		})
	}
}

func TestMarkdownTOMLFrontMatterProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		// skip is part of the reason the file is skipped, with its line.
		skip     string
		skipLine int
		// warn is part of a warning's reason, with its line and key.
		warn     string
		warnLine int
		warnKey  string
		draft    bool
	}{
		{
			name:     "an unknown key is reported on its line",
			in:       "+++\ntitle = \"T\"\nlastmod = 2026-03-02\n+++\nBody.\n",
			warn:     `unknown front matter key (did you mean "updated"?)`,
			warnLine: 3,
			warnKey:  "lastmod",
		},
		{
			name:     "a time of day is not a date",
			in:       "+++\ntitle = \"T\"\n\ndate = 07:30:00\n+++\nBody.\n",
			warn:     "date",
			warnLine: 4,
			warnKey:  "date",
		},
		{
			name:     "a wrong type in a table is reported",
			in:       "+++\ntitle = \"T\"\n[[enclosures]]\nurl = \"https://media.example.com/a.mp3\"\nlength = \"big\"\n+++\nBody.\n",
			warn:     "not a whole number of bytes",
			warnLine: 3,
			warnKey:  "enclosures.length",
		},
		{
			name:     "not TOML",
			in:       "+++\ntitle = \"T\"\ntitle2 = \"unterminated\n+++\nBody.\n",
			skip:     "front matter is not valid TOML",
			skipLine: 3,
		},
		{
			name:     "a repeated key is not TOML",
			in:       "+++\ntitle = \"T\"\ntitle = \"U\"\n+++\nBody.\n",
			skip:     "front matter is not valid TOML",
			skipLine: 3,
		},
		{
			name:     "not closed",
			in:       "+++\ntitle = \"T\"\nBody.\n",
			skip:     "not closed by a line of +++",
			skipLine: 1,
		},
		{
			name:  "draft",
			in:    "+++\ntitle = \"T\"\ndraft = true\n+++\nBody.\n",
			draft: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			it, warns, err := testMarkdown().parseArticle("story.md", []byte(tt.in))
			if tt.skip != "" {
				le, ok := err.(*lineError)
				if !ok || !strings.Contains(err.Error(), tt.skip) || le.line != tt.skipLine {
					t.Fatalf("error = %#v, want %q on line %d", err, tt.skip, tt.skipLine)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.draft != (it == nil) {
				t.Errorf("draft = %v, want %v", it == nil, tt.draft)
			}
			if tt.warn == "" {
				if len(warns) > 0 {
					t.Errorf("warnings %+v, want none", warns)
				}
				return
			}
			if !slices.ContainsFunc(warns, func(w lineWarning) bool {
				return strings.Contains(w.reason, tt.warn) && w.line == tt.warnLine && w.key == tt.warnKey
			}) {
				t.Errorf("warnings %+v, want %q on line %d, key %q", warns, tt.warn, tt.warnLine, tt.warnKey)
			}
		})
	}
}

func TestTOMLTime(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.FixedZone("", 2*3600))
	if got, want := tomlTime(at), "2026-03-01T10:00:00+02:00"; got != want {
		t.Errorf("tomlTime(offset datetime) = %q, want %q", got, want)
	}
}

// A Hugo article with TOML front matter publishes as its YAML twin would:
// its keys, its date with the offset it names, no front matter in the body.
func TestMarkdownFetchHugoTOML(t *testing.T) {
	t.Parallel()
	m, buf := newTestMarkdown(filepath.Join("testdata", "markdown", "hugo"))
	items, err := m.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "markdown", "hugo.golden"), items)
	if len(items) != 1 {
		t.Fatalf("%d items, want 1", len(items))
	}
	it := items[0]
	if it.Title != "Night Ferry Timetable Extended" || !it.Published.Equal(time.Date(2026, 2, 14, 17, 45, 0, 0, time.UTC)) ||
		!slices.Equal(it.Categories, []string{"transport", "harbour", "City"}) || len(it.Authors) != 1 || it.Authors[0].Email != "pia@news.example.com" {
		t.Errorf("item = %+v", it)
	}
	if strings.Contains(it.ContentHTML, "+++") || strings.Contains(it.ContentHTML, "draft") {
		t.Errorf("front matter published as body: %s", it.ContentHTML)
	}
	if strings.Contains(buf.String(), "level=WARN") {
		t.Errorf("warnings:\n%s", buf.String())
	}
}
