package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// minimal is the smallest configuration feedpub documents; it must load as
// written.
const minimal = `title: Example News
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

func noEnv(string) (string, bool) { return "", false }

func TestParseMinimal(t *testing.T) {
	t.Parallel()
	c, err := Parse("/srv/site/feedpub.yaml", []byte(minimal), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"output", c.Output, "/srv/site/public"},
		{"state", c.State, "/srv/site/data/feedpub.db"},
		{"source path", c.Sources[0].Path, "/srv/site/articles"},
		{"glob", c.Sources[0].Glob, "*.txt"},
		{"headlines", c.Sources[0].Headlines, "items"},
		{"tag prefix", c.TagPrefix(), "tag:news.example.com,2026-01-01:"},
		{"feed url", c.FeedURL("news", "rss"), "http://127.0.0.1:8080/news.rss"},
		{"item link", c.LinkTemplate(c.Sources[0]), "http://127.0.0.1:8080/items/{slug}"},
		{"schedule", c.Schedule, DefaultSchedule},
		{"listen", c.Listen, DefaultListen},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %q, want %q", ch.name, ch.got, ch.want)
		}
	}
	if c.Feeds[0].Limit != 50 {
		t.Errorf("limit = %d, want the default 50", c.Feeds[0].Limit)
	}
	if c.Sources[0].MaxSize != 1<<20 {
		t.Errorf("max_size = %d, want 1 MiB", c.Sources[0].MaxSize)
	}
	if time.Duration(c.BuildTimeout) != 5*time.Minute {
		t.Errorf("build_timeout = %v", time.Duration(c.BuildTimeout))
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		// want lists substrings of the error, file:line and key first.
		want []string
	}{
		{"unknown top-level key", minimal + "titel: x\n", []string{"f.yaml:13: titel: unknown key"}},
		{"unknown source key", strings.Replace(minimal, "    path: articles", "    path: articles\n    paht: x", 1), []string{"f.yaml:10: sources[0].paht: unknown key"}},
		{"missing title", strings.Replace(minimal, "title: Example News\n", "", 1), []string{"title: required"}},
		{"relative base_url", strings.Replace(minimal, "http://127.0.0.1:8080/", "/feeds/", 1), []string{"f.yaml:3: base_url:", "not an absolute http(s) URL"}},
		// The rule the validator and the server apply (weburl.ParseHTTP):
		// a host name, not a port alone, and nothing a URL cannot carry.
		{"base_url with a port and no host", strings.Replace(minimal, "http://127.0.0.1:8080/", "http://:8080/", 1), []string{"f.yaml:3: base_url:", "not an absolute http(s) URL"}},
		{"hub with a space", minimal + "hubs: [\"https://hub.example.com/a b\"]\n", []string{"f.yaml:13: hubs[0]:", "cannot carry unescaped"}},
		// As the remote source fetches it (weburl.ParseFetch): a file URL
		// names an absolute path on this machine.
		{"feed url on another machine", strings.Replace(strings.Replace(minimal, "type: text", "type: feed", 1), "    path: articles\n", "    url: file://server/feeds/a.xml\n", 1), []string{"f.yaml:9: sources[0].url:", "file:///absolute/path"}},
		{"unknown source in feed", strings.Replace(minimal, "[wire]", "[wires]", 1), []string{"f.yaml:12: feeds[0].sources[0]: no source is named \"wires\""}},
		{"bad limit", minimal + "    limit: 0\n", []string{"f.yaml:13: feeds[0].limit: must be 1 or more"}},
		{"bad type", strings.Replace(minimal, "type: text", "type: txt", 1), []string{"f.yaml:8: sources[0].type:", "\"txt\""}},
		{"bad name", strings.Replace(minimal, "name: news", "name: News Feed", 1), []string{"feeds[0].name", "lower-case"}},
		{"limit not a number", minimal + "    limit: many\n", []string{"f.yaml:13", "many"}},
		{"unset env", strings.Replace(minimal, "Example News", "${SITE_TITLE}", 1), []string{"f.yaml:1: title: environment variable SITE_TITLE is not set"}},
		{"duplicate key", minimal + "title: Again\n", []string{"f.yaml:13: title: key given twice (first on line 1)"}},
		{"not a mapping", "- a\n- b\n", []string{"f.yaml:1:", "mapping"}},
		{"invalid yaml", "title: [unclosed\n", []string{"f.yaml:", "invalid YAML"}},
		{"empty", "", []string{"f.yaml: the file is empty"}},
		{"bad schedule", minimal + "schedule: every hour\n", []string{"f.yaml:13: schedule:", "@every"}},
		{"key of another type", strings.Replace(minimal, "    path: articles", "    path: articles\n    url: https://example.org/feed", 1), []string{"f.yaml:10: sources[0].url: does not apply to sources of type text"}},
		{"feed without url", strings.Replace(strings.Replace(minimal, "type: text", "type: feed", 1), "    path: articles\n", "", 1), []string{"sources[0].url: required"}},
		{"bad filter", minimal + "    include:\n      title: \"([a-z\"\n", []string{"f.yaml:14: feeds[0].include.title:", "regular expression"}},
		{"two per_category", minimal + "    per_category: true\n  - name: other\n    per_category: true\n", []string{"feeds[1].per_category: only one feed"}},
		{"bad id_date", minimal + "id_date: 2026-13-45\n", []string{"id_date", "not a valid date"}},
		{"ledger_file is the ledger", minimal + "ledger_file: data/feedpub.db\n", []string{"f.yaml:13: ledger_file: must not be the ledger"}},
		{"ledger_file is the export", minimal + "ledger_file: ./data/feedpub.db.jsonl\n", []string{"f.yaml:13: ledger_file:", "backup export"}},
		{"bad size", strings.Replace(minimal, "    path: articles", "    path: articles\n    max_size: lots", 1), []string{"f.yaml:10", "lots"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("f.yaml", []byte(tt.yaml), noEnv)
			if err == nil {
				t.Fatal("Parse accepted the configuration")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseErrorType(t *testing.T) {
	t.Parallel()
	_, err := Parse("f.yaml", []byte(minimal+"bogus: 1\n"), noEnv)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v is not a *config.Error", err)
	}
	if ce.File != "f.yaml" || ce.Line != 13 || ce.Key != "bogus" {
		t.Errorf("Error = %+v, want f.yaml line 13 key bogus", ce)
	}
}

func TestParseEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{"SITE": "From Env", "HOST": "feeds.example.org"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	y := strings.Replace(minimal, "Example News", "${SITE} costs $5", 1)
	y = strings.Replace(y, "http://127.0.0.1:8080/", "https://${HOST}/${PREFIX:-feeds}", 1)
	c, err := Parse("f.yaml", []byte(y), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if c.Title != "From Env costs $5" {
		t.Errorf("title = %q", c.Title)
	}
	if c.BaseURL != "https://feeds.example.org/feeds/" {
		t.Errorf("base_url = %q", c.BaseURL)
	}
}

func TestParseAllSourceTypes(t *testing.T) {
	t.Parallel()
	y := `title: Planet
link: https://planet.example.com/
base_url: https://planet.example.com/feeds/
sources:
  - name: wire
    path: wire
  - name: blog
    type: markdown
    path: posts
    allow_html: true
  - name: partner
    type: feed
    url: https://partner.example.org/feed.xml
    timeout: 10s
  - name: pipeline
    type: json
    path: items.jsonl
feeds:
  - name: all
    per_category: true
  - name: world
    sources: [wire, partner]
    include:
      categories: [World]
    exclude:
      title: "(?i)sponsored"
`
	c, err := Parse("/site/feedpub.yaml", []byte(y), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if c.Sources[0].Type != TypeText || c.Sources[1].Glob != "*.md" || !c.Sources[1].AllowHTML {
		t.Errorf("text/markdown defaults: %+v %+v", c.Sources[0], c.Sources[1])
	}
	if time.Duration(c.Sources[2].Timeout) != 10*time.Second || c.Sources[2].MaxSize != 8<<20 {
		t.Errorf("feed source: %+v", c.Sources[2])
	}
	if c.Sources[3].Path != "/site/items.jsonl" {
		t.Errorf("json path = %q", c.Sources[3].Path)
	}
	if len(c.Feeds[0].Sources) != 4 || !c.Feeds[0].PerCategory {
		t.Errorf("feed all: %+v", c.Feeds[0])
	}
	if c.Feeds[1].Include.Categories[0] != "World" || c.Feeds[1].Exclude.Title.String() != "(?i)sponsored" {
		t.Errorf("filters: %+v", c.Feeds[1])
	}
}

func TestSchedules(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := map[string]time.Time{
		"*/15 * * * *":                 start.Add(15 * time.Minute),
		"30 */15 * * * *":              start.Add(30 * time.Second),
		"@every 2s":                    start.Add(2 * time.Second),
		"@hourly":                      start.Add(time.Hour),
		"CRON_TZ=Asia/Tokyo 0 9 * * *": time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC),
	}
	for spec, want := range tests {
		s, err := ParseSchedule(spec)
		if err != nil {
			t.Errorf("%q: %v", spec, err)
			continue
		}
		if got := s.Next(start); !got.Equal(want) {
			t.Errorf("%q: next run %v, want %v", spec, got, want)
		}
	}
}

func TestSizes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]ByteSize{"1024": 1024, "512KiB": 512 << 10, "2MB": 2e6, "1 MiB": 1 << 20} {
		y := strings.Replace(minimal, "    path: articles", "    path: articles\n    max_size: "+in, 1)
		c, err := Parse("f.yaml", []byte(y), noEnv)
		if err != nil {
			t.Errorf("max_size %q: %v", in, err)
			continue
		}
		if c.Sources[0].MaxSize != want {
			t.Errorf("max_size %q = %d, want %d", in, c.Sources[0].MaxSize, want)
		}
	}
}

func TestLoadAndCheckPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "feedpub.yaml")
	if err := os.WriteFile(path, []byte(minimal), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	err = c.CheckPaths()
	if err == nil || !strings.Contains(err.Error(), path+":9: sources[0].path") {
		t.Fatalf("CheckPaths on a missing folder = %v, want an error naming %s:9", err, path)
	}
	if err := os.Mkdir(filepath.Join(dir, "articles"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := c.CheckPaths(); err != nil {
		t.Errorf("CheckPaths with the folder present: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

func TestExampleConfigs(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"../examples/feedpub.yaml", "../cmd/feedpub/starter/feedpub.yaml"} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(strings.ReplaceAll(string(data), "ID_DATE", "2026-01-01"))
		if _, err := Parse(p, data, noEnv); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte("title: ${X:-y}\nsources: [{name: a}]\n"))
	f.Add([]byte("a: &x [1]\nb: *x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data, noEnv)
		if err == nil && (c.Title == "" || len(c.Sources) == 0 || len(c.Feeds) == 0) {
			t.Fatalf("Parse accepted a configuration without title, sources or feeds: %+v", c)
		}
	})
}

func TestMakesPages(t *testing.T) {
	t.Parallel()
	md := Source{Name: "blog", Type: TypeMarkdown}
	tests := []struct {
		name     string
		itemLink string
		src      Source
		want     bool
	}{
		{"default", DefaultItemLink, md, true},
		{"default with final slash", DefaultItemLink + "/", md, true},
		{"old default spelt out", "{base_url}/items/{slug}", md, true},
		{"custom item_link", "{base_url}/posts/{slug}.html", md, false},
		{"other folder", "{base_url}/articles/{slug}/", md, false},
		{"source link", DefaultItemLink, Source{Name: "blog", Type: TypeMarkdown, Link: "{base_url}/b/{slug}"}, false},
		{"remote feed", DefaultItemLink, Source{Name: "wire", Type: TypeFeed}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &Config{ItemLink: tt.itemLink, Sources: []Source{tt.src}}
			if got := c.MakesPages(tt.src); got != tt.want {
				t.Errorf("MakesPages with item_link %q = %v, want %v", tt.itemLink, got, tt.want)
			}
		})
	}
}
