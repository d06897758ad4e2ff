package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

func urls(name string) map[Format]string {
	return map[Format]string{
		RSS:  "http://127.0.0.1:8080/" + name + ".rss",
		Atom: "http://127.0.0.1:8080/" + name + ".atom",
		JSON: "http://127.0.0.1:8080/" + name + ".json",
	}
}

// archivePageMeta is the meta of page 2 of an archived feed with two hubs
// and a 15-minute schedule: every extension at once.
func archivePageMeta() Meta {
	m := testMeta()
	m.SelfURL = urls("news/archive/2")
	m.Hubs = []string{"https://hub.example.org/", "https://push.example.net/hub"}
	m.UpdateEvery = 15 * time.Minute
	m.History = History{Archive: true, Current: urls("news"), Prev: urls("news/archive/1"), Next: urls("news/archive/3")}
	return m
}

func init() {
	goldenCases = append(goldenCases, struct {
		name  string
		meta  func() Meta
		items []Item
	}{
		name: "archive_page_hubs_polling",
		meta: archivePageMeta,
		items: []Item{{
			ID: "tag:news.example.com,2026-01-01:wire/old.txt", Title: "An older story",
			Link: "http://127.0.0.1:8080/items/old", Summary: "It happened a while ago.",
			ContentHTML: "<p>It happened a while ago.</p>", Published: day, Updated: day,
		}},
	})
}

// links reads back the links of a rendered RSS or Atom document by
// relation, and whether it carries fh:archive, as a reader's XML parser
// sees them: by namespace, not by prefix.
func readLinks(t *testing.T, f Format, doc []byte) (map[string][]string, bool) {
	t.Helper()
	rels := map[string][]string{}
	archive := false
	dec := xml.NewDecoder(bytes.NewReader(doc))
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			// Feed-level elements only: depth 2 in Atom (feed/link),
			// 3 in RSS (rss/channel/atom:link).
			top := (f == Atom && depth == 2) || (f == RSS && depth == 3)
			if top && e.Name.Space == NSHistory && e.Name.Local == "archive" {
				archive = true
			}
			if top && e.Name.Space == nsAtom && e.Name.Local == "link" {
				var rel, href string
				for _, a := range e.Attr {
					switch a.Name.Local {
					case "rel":
						rel = a.Value
					case "href":
						href = a.Value
					}
				}
				rels[rel] = append(rels[rel], href)
			}
		case xml.EndElement:
			depth--
		}
	}
	return rels, archive
}

func TestRenderHistoryAndHubs(t *testing.T) {
	t.Parallel()
	items := []Item{{ID: "tag:x,2026:a", Title: "A", Link: "https://x.example/a", Published: day, Updated: day}}
	current := testMeta()
	current.Hubs = []string{"https://hub.example.org/"}
	current.History = History{Prev: urls("news/archive/7")}
	tests := []struct {
		name        string
		meta        Meta
		wantArchive bool
		want        map[string]string // rel → href, for format f's URL of name
	}{
		{"current document", current, false, map[string]string{"hub": "https://hub.example.org/", "prev-archive": "news/archive/7", "self": "news"}},
		{"archive page", archivePageMeta(), true, map[string]string{"hub": "https://hub.example.org/", "current": "news", "prev-archive": "news/archive/1", "next-archive": "news/archive/3", "self": "news/archive/2"}},
	}
	for _, tt := range tests {
		for _, f := range []Format{RSS, Atom} {
			var buf bytes.Buffer
			if err := Render(&buf, f, tt.meta, items); err != nil {
				t.Fatal(err)
			}
			if err := ValidateFormat(f, buf.Bytes()).SpecErr(); err != nil {
				t.Errorf("%s %s does not validate: %v", tt.name, f, err)
			}
			rels, archive := readLinks(t, f, buf.Bytes())
			if archive != tt.wantArchive {
				t.Errorf("%s %s: fh:archive %t, want %t", tt.name, f, archive, tt.wantArchive)
			}
			for rel, want := range tt.want {
				if rel != "hub" {
					want = urls(want)[f]
				}
				if len(rels[rel]) == 0 || rels[rel][0] != want {
					t.Errorf("%s %s: rel=%s links %q, want %q first", tt.name, f, rel, rels[rel], want)
				}
			}
			if !tt.wantArchive && (len(rels["next-archive"]) > 0 || len(rels["current"]) > 0) {
				t.Errorf("%s %s: the current document has archive-page links: %v", tt.name, f, rels)
			}
		}
		var buf bytes.Buffer
		if err := Render(&buf, JSON, tt.meta, items); err != nil {
			t.Fatal(err)
		}
		if err := ValidateFormat(JSON, buf.Bytes()).SpecErr(); err != nil {
			t.Errorf("%s json does not validate: %v", tt.name, err)
		}
		var doc struct {
			NextURL string `json:"next_url"`
			Hubs    []struct {
				Type string `json:"type"`
				URL  string `json:"url"`
			} `json:"hubs"`
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if want := urls(tt.want["prev-archive"])[JSON]; doc.NextURL != want {
			t.Errorf("%s json: next_url %q, want %q (the next older document)", tt.name, doc.NextURL, want)
		}
		if len(doc.Hubs) == 0 || doc.Hubs[0].Type != "WebSub" || doc.Hubs[0].URL != "https://hub.example.org/" {
			t.Errorf("%s json: hubs %+v", tt.name, doc.Hubs)
		}
	}
}

// TestRenderWithoutExtensions: a meta that asks for none of them gets
// none of their namespaces or elements.
func TestRenderWithoutExtensions(t *testing.T) {
	t.Parallel()
	items := []Item{{ID: "tag:x,2026:a", Title: "A", Link: "https://x.example/a", Published: day, Updated: day}}
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Render(&buf, f, testMeta(), items); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{NSHistory, NSSyndication, "<ttl>", `"hubs"`, "next_url", `rel="hub"`, "archive"} {
			if strings.Contains(buf.String(), s) {
				t.Errorf("%s carries %q without being asked to", f, s)
			}
		}
	}
}

func TestPollingHints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		every     time.Duration
		ttl       int
		period    string
		perPeriod int
	}{
		{time.Minute, 1, "hourly", 60},
		{90 * time.Second, 2, "hourly", 40},
		{15 * time.Minute, 15, "hourly", 4},
		{time.Hour, 60, "hourly", 1},
		{6 * time.Hour, 360, "daily", 4},
		{24 * time.Hour, 1440, "daily", 1},
		{48 * time.Hour, 2880, "weekly", 3},
		{7 * 24 * time.Hour, 10080, "weekly", 1},
		{30 * 24 * time.Hour, 43200, "monthly", 1},
		{400 * 24 * time.Hour, 576000, "yearly", 1},
	}
	for _, tt := range tests {
		if got := TTL(tt.every); got != tt.ttl {
			t.Errorf("TTL(%v) = %d, want %d", tt.every, got, tt.ttl)
		}
		period, n := UpdatePeriod(tt.every)
		if period != tt.period || n != tt.perPeriod {
			t.Errorf("UpdatePeriod(%v) = %s %d, want %s %d", tt.every, period, n, tt.period, tt.perPeriod)
		}
	}

	m := testMeta()
	m.UpdateEvery = 6 * time.Hour
	var buf bytes.Buffer
	if err := Render(&buf, RSS, m, []Item{{ID: "tag:x,2026:a", Title: "A", Link: "https://x.example/a", Published: day, Updated: day}}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Channel struct {
			TTL       int    `xml:"ttl"`
			Period    string `xml:"http://purl.org/rss/1.0/modules/syndication/ updatePeriod"`
			Frequency int    `xml:"http://purl.org/rss/1.0/modules/syndication/ updateFrequency"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Channel.TTL != 360 || doc.Channel.Period != "daily" || doc.Channel.Frequency != 4 {
		t.Errorf("RSS hints: ttl %d, sy:updatePeriod %q, sy:updateFrequency %d; want 360, daily, 4", doc.Channel.TTL, doc.Channel.Period, doc.Channel.Frequency)
	}
	if err := ValidateFormat(RSS, buf.Bytes()).SpecErr(); err != nil {
		t.Errorf("RSS with polling hints does not validate: %v", err)
	}
}
