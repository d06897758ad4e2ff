package feed

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/feeds"
)

// readFixture returns a document from testdata/validate.
func readFixture(t testing.TB, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "validate", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return string(data)
}

// editDoc applies old, new replacement pairs to doc, failing when an old
// string is not there: a broken variant must differ from the good document
// in exactly the way its case says.
func editDoc(t *testing.T, doc string, pairs ...string) string {
	t.Helper()
	if len(pairs)%2 != 0 {
		t.Fatalf("edit pairs: odd count %d", len(pairs))
	}
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(doc, pairs[i]) {
			t.Fatalf("edit: %q not in document", pairs[i])
		}
		doc = strings.Replace(doc, pairs[i], pairs[i+1], 1)
	}
	return doc
}

func mustValidate(t *testing.T, doc string) *Report {
	t.Helper()
	r, err := Validate([]byte(doc))
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	return r
}

func utc(year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, time.UTC)
}

func TestValidateGoodDocuments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		file   string
		format Format
		items  []ParsedItem
	}{
		{"rss", "good.rss", RSS, []ParsedItem{
			{ID: "tag:example.com,2024:fish", Title: "Fish & chips < 5 pounds", Link: "https://example.com/notes/fish", Published: utc(2024, 1, 2, 10, 0)},
			{ID: "https://example.com/notes/second", Title: "Second note", Link: "https://example.com/notes/second", Published: utc(2024, 1, 1, 8, 30)},
		}},
		{"atom", "good.atom", Atom, []ParsedItem{
			{ID: "tag:example.com,2024:fish", Title: "Fish & chips < 5 pounds", Link: "https://example.com/notes/fish", Published: utc(2024, 1, 2, 10, 0), Updated: utc(2024, 1, 3, 7, 0)},
			{ID: "tag:example.com,2024:second", Title: "Second note", Link: "https://example.com/notes/second", Updated: utc(2024, 1, 1, 8, 30)},
		}},
		{"json", "good.json", JSON, []ParsedItem{
			{ID: "tag:example.com,2024:fish", Title: "Fish & chips < 5 pounds", Link: "https://example.com/notes/fish", Published: utc(2024, 1, 2, 10, 0), Updated: utc(2024, 1, 3, 7, 0)},
			{ID: "tag:example.com,2024:second", Title: "Second note", Link: "https://example.com/notes/second", Published: utc(2024, 1, 1, 8, 30), Updated: utc(2024, 1, 1, 8, 30)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := mustValidate(t, readFixture(t, tt.file))
			if r.Format != tt.format {
				t.Errorf("Format = %q, want %q", r.Format, tt.format)
			}
			for _, p := range r.Problems {
				t.Errorf("unexpected problem: %s", p)
			}
			if err := r.Err(); err != nil {
				t.Errorf("Err() = %v, want nil", err)
			}
			if len(r.Items) != len(tt.items) {
				t.Fatalf("got %d items, want %d: %+v", len(r.Items), len(tt.items), r.Items)
			}
			for i, want := range tt.items {
				got := r.Items[i]
				if got.ID != want.ID || got.Title != want.Title || got.Link != want.Link ||
					!got.Published.Equal(want.Published) || !got.Updated.Equal(want.Updated) {
					t.Errorf("item %d = %+v\nwant %+v", i+1, got, want)
				}
			}
		})
	}
}

func TestValidateRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		file  string   // good document to start from
		edits []string // old, new pairs applied to it
		doc   string   // used instead of file and edits when set
		sev   Severity
		want  []string // all in the message of one problem of severity sev
	}{
		// XML layer.
		{name: "xml missing declaration", file: "good.rss",
			edits: []string{`<?xml version="1.0" encoding="UTF-8"?>` + "\n", ""},
			sev:   Warning, want: []string{"missing XML declaration"}},
		{name: "xml declared latin-1", file: "good.rss",
			edits: []string{`encoding="UTF-8"`, `encoding="ISO-8859-1"`},
			sev:   Warning, want: []string{"encoding", "ISO-8859-1"}},
		{name: "xml declaration without encoding", file: "good.atom",
			edits: []string{` encoding="UTF-8"`, ""},
			sev:   Warning, want: []string{"names no encoding"}},
		{name: "xml control character in CDATA", file: "good.rss",
			edits: []string{"R&D.</p>", "R&D\x0b.</p>"},
			sev:   Error, want: []string{"U+000B", "content:encoded", "line 14"}},
		{name: "xml C1 control by character reference", file: "good.rss",
			edits: []string{"<title>Second note", "<title>Second&#x85; note"},
			sev:   Error, want: []string{"U+0085", "item[2]/title"}},
		{name: "xml invalid UTF-8", file: "good.atom",
			edits: []string{"Second note", "Second \xff note"},
			sev:   Error, want: []string{"0xFF", "entry[2]/title"}},
		{name: "xml control character in Atom CDATA", file: "good.atom",
			edits: []string{"<summary type=\"text\">Chips, fish and R&amp;D.</summary>", "<summary><![CDATA[Chips\x01]]></summary>"},
			sev:   Error, want: []string{"U+0001", "entry[1]/summary"}},
		{name: "xml undeclared prefix", file: "good.rss",
			edits: []string{` xmlns:dc="http://purl.org/dc/elements/1.1/"`, ""},
			sev:   Error, want: []string{`prefix "dc" is not declared`, "dc:creator"}},
		{name: "xml undeclared prefix in atom", file: "good.atom",
			edits: []string{`<category term="food"/>`, `<category term="food"/><media:thumbnail url="https://example.com/a.png"/>`},
			sev:   Error, want: []string{`"media"`, "media:thumbnail"}},
		{name: "xml unknown HTML entity", file: "good.rss",
			edits: []string{"<title>Second note", "<title>Second&nbsp;note"},
			sev:   Error, want: []string{"not well formed", "&nbsp;"}},
		{name: "xml mismatched tags", file: "good.atom",
			edits: []string{"</title>\n    <link rel=\"alternate\"", "</titel>\n    <link rel=\"alternate\""},
			sev:   Error, want: []string{"not well formed", "</titel>"}},
		{name: "xml truncated", file: "good.rss",
			edits: []string{"  </channel>\n</rss>\n", ""},
			sev:   Error, want: []string{"ends inside <channel>"}},

		// RSS 2.0.
		{name: "rss missing self link", file: "good.rss",
			edits: []string{`<atom:link href="https://example.com/feed.rss" rel="self" type="application/rss+xml"/>`, ""},
			sev:   Warning, want: []string{"channel", `missing <atom:link rel="self"`}},
		{name: "rss self link type", file: "good.rss",
			edits: []string{`type="application/rss+xml"`, `type="application/xml"`},
			sev:   Warning, want: []string{`<atom:link rel="self">`, "application/rss+xml"}},
		{name: "rss atom prefix bound elsewhere", file: "good.rss",
			edits: []string{`xmlns:atom="http://www.w3.org/2005/Atom"`, `xmlns:atom="http://example.com/atom"`},
			sev:   Error, want: []string{"atom:link", "xmlns:atom must be"}},
		{name: "rss content prefix bound elsewhere", file: "good.rss",
			edits: []string{`xmlns:content="http://purl.org/rss/1.0/modules/content/"`, `xmlns:content="http://example.com/content"`},
			sev:   Error, want: []string{"content:encoded", "xmlns:content must be"}},
		{name: "rss version", file: "good.rss",
			edits: []string{`<rss version="2.0"`, `<rss version="0.91"`},
			sev:   Error, want: []string{"<rss>", "version", "0.91"}},
		{name: "rss channel without description", file: "good.rss",
			edits: []string{"<description>Notes from the example desk.</description>", ""},
			sev:   Error, want: []string{"channel", "missing required element <description>"}},
		{name: "rss channel link relative", file: "good.rss",
			edits: []string{"<link>https://example.com/</link>", "<link>/</link>"},
			sev:   Error, want: []string{"channel", "<link>"}},
		{name: "rss duplicate guid", file: "good.rss",
			edits: []string{"<guid>https://example.com/notes/second</guid>", `<guid isPermaLink="false">tag:example.com,2024:fish</guid>`},
			sev:   Error, want: []string{"item[2]", "tag:example.com,2024:fish", "duplicate <guid>"}},
		{name: "rss missing guid", file: "good.rss",
			edits: []string{"<guid>https://example.com/notes/second</guid>", ""},
			sev:   Warning, want: []string{"item[2]", "missing <guid>"}},
		{name: "rss permalink guid that is not a URL", file: "good.rss",
			edits: []string{`<guid isPermaLink="false">`, "<guid>"},
			sev:   Error, want: []string{"item[1]", "permalink"}},
		{name: "rss item without title or description", file: "good.rss",
			edits: []string{"<title>Second note</title>", "", "<description>Plain words.</description>", ""},
			sev:   Error, want: []string{"item[2]", "<title> or <description>"}},
		{name: "rss missing pubDate", file: "good.rss",
			edits: []string{"<pubDate>Mon, 01 Jan 2024 09:30:00 +0100</pubDate>", ""},
			sev:   Warning, want: []string{"item[2]", "missing <pubDate>"}},
		{name: "rss empty pubDate", file: "good.rss",
			edits: []string{"<pubDate>Mon, 01 Jan 2024 09:30:00 +0100</pubDate>", "<pubDate></pubDate>"},
			sev:   Error, want: []string{"item[2]", "empty <pubDate>"}},
		{name: "rss bad pubDate", file: "good.rss",
			edits: []string{"<pubDate>Mon, 01 Jan 2024 09:30:00 +0100</pubDate>", "<pubDate>2024-01-01T09:30:00+01:00</pubDate>"},
			sev:   Error, want: []string{"item[2]", "<pubDate>", "not an RFC 822 date"}},
		{name: "rss bad lastBuildDate", file: "good.rss",
			edits: []string{"<lastBuildDate>Tue, 02 Jan 2024", "<lastBuildDate>Tue, 32 Jan 2024"},
			sev:   Error, want: []string{"channel/lastBuildDate", "day is out of range"}},
		{name: "rss wrong day of week", file: "good.rss",
			edits: []string{"<pubDate>Mon, 01 Jan 2024", "<pubDate>Sun, 01 Jan 2024"},
			sev:   Error, want: []string{"item[2]", "day of the week", "Monday"}},
		{name: "rss named zone is a warning", file: "good.rss",
			edits: []string{"Mon, 01 Jan 2024 09:30:00 +0100", "Mon, 01 Jan 2024 03:30:00 EST"},
			sev:   Warning, want: []string{"item[2]", "<pubDate>", "zone EST"}},
		{name: "rss author without email", file: "good.rss",
			edits: []string{"<author>jo@example.com (Jo Writer)</author>", "<author>Jo Writer</author>"},
			sev:   Error, want: []string{"item[1]", "<author>", "email"}},
		{name: "rss relative item link", file: "good.rss",
			edits: []string{"<link>https://example.com/notes/second</link>", "<link>/notes/second</link>"},
			sev:   Error, want: []string{"item[2]", "<link>", "/notes/second"}},
		{name: "rss bad language", file: "good.rss",
			edits: []string{"<language>en-us</language>", "<language>English (US)</language>"},
			sev:   Error, want: []string{"<language>", "language tag"}},
		{name: "rss double-escaped title", file: "good.rss",
			edits: []string{"Fish &amp; chips", "Fish &amp;amp; chips"},
			sev:   Warning, want: []string{"item[1]", "<title>", "escaped twice", `"&amp;"`}},
		{name: "rss double-escaped description", file: "good.rss",
			edits: []string{"AT&amp;amp;T", "AT&amp;amp;amp;T"},
			sev:   Warning, want: []string{"item[1]", "<description>", "escaped twice"}},
		{name: "rss double-escaped content:encoded", file: "good.rss",
			edits: []string{"a &lt; b, R&D.", "a &amp;lt; b, R&D."},
			sev:   Warning, want: []string{"item[1]", "<content:encoded>", `"&lt;"`}},
		{name: "rss markup shown as text is a warning", file: "good.rss",
			edits: []string{"<description>Plain words.</description>", "<description>&amp;lt;p&amp;gt;Plain words.&amp;lt;/p&amp;gt;</description>"},
			sev:   Warning, want: []string{"item[2]", "<description>", "<p>"}},

		// Atom 1.0.
		{name: "atom missing self link", file: "good.atom",
			edits: []string{`<link rel="self" type="application/atom+xml" href="https://example.com/feed.atom"/>`, ""},
			sev:   Warning, want: []string{"feed", `missing <link rel="self">`}},
		{name: "atom empty feed id", file: "good.atom",
			edits: []string{"<id>tag:example.com,2024:feed</id>", "<id></id>"},
			sev:   Error, want: []string{"feed/id", "empty <id>"}},
		{name: "atom relative entry id", file: "good.atom",
			edits: []string{"<id>tag:example.com,2024:second</id>", "<id>notes/second</id>"},
			sev:   Error, want: []string{"entry[2]", "<id>", "absolute IRI"}},
		{name: "atom duplicate entry id", file: "good.atom",
			edits: []string{"<id>tag:example.com,2024:second</id>", "<id>tag:example.com,2024:fish</id>"},
			sev:   Warning, want: []string{"entry[2]", "duplicate <id>"}},
		{name: "atom entry without id", file: "good.atom",
			edits: []string{"<id>tag:example.com,2024:second</id>", ""},
			sev:   Error, want: []string{"entry[2]", "missing required element <id>"}},
		{name: "atom empty updated", file: "good.atom",
			edits: []string{"<updated>2024-01-01T09:30:00+01:00</updated>", "<updated></updated>"},
			sev:   Error, want: []string{"entry[2]", "empty <updated>"}},
		{name: "atom empty feed updated", file: "good.atom",
			edits: []string{"<updated>2024-01-03T08:00:00+01:00</updated>\n  <link", "<updated></updated>\n  <link"},
			sev:   Error, want: []string{"feed/updated", "empty <updated>"}},
		{name: "atom bad published", file: "good.atom",
			edits: []string{"<published>2024-01-02T10:00:00Z</published>", "<published>Tue, 02 Jan 2024 10:00:00 +0000</published>"},
			sev:   Error, want: []string{"entry[1]", "<published>", "RFC 3339"}},
		{name: "atom missing entry title", file: "good.atom",
			edits: []string{"<title>Second note</title>", ""},
			sev:   Error, want: []string{"entry[2]", "missing required element <title>"}},
		{name: "atom no author anywhere", file: "good.atom",
			edits: []string{"<author><name>Jo Writer</name></author>", ""},
			sev:   Error, want: []string{"entry[1]", "<author>"}},
		{name: "atom author without name", file: "good.atom",
			edits: []string{"<author><name>Jo Writer</name></author>", "<author><email>jo@example.com</email></author>"},
			sev:   Error, want: []string{"feed/author", "missing required element <name>"}},
		{name: "atom category without term", file: "good.atom",
			edits: []string{`<category term="food"/>`, `<category label="food"/>`},
			sev:   Error, want: []string{"entry[1]", "<category>", "term"}},
		{name: "atom content type", file: "good.atom",
			edits: []string{`<content type="html">`, `<content type="multipart/alternative">`},
			sev:   Error, want: []string{"entry[1]", "<content>", "multipart/alternative", "composite"}},
		{name: "atom summary type", file: "good.atom",
			edits: []string{`<summary type="text">`, `<summary type="plain">`},
			sev:   Error, want: []string{"entry[1]", "<summary>", `"plain"`}},
		{name: "atom entry without content or alternate link", file: "good.atom",
			edits: []string{`<link rel="alternate" type="text/html" href="https://example.com/notes/second"/>`, "",
				`<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Plain &amp; simple.</p></div></content>`, ""},
			sev: Error, want: []string{"entry[2]", "<content>", `rel="alternate"`}},
		{name: "atom xhtml without div", file: "good.atom",
			edits: []string{`<div xmlns="http://www.w3.org/1999/xhtml"><p>Plain &amp; simple.</p></div>`, `<p xmlns="http://www.w3.org/1999/xhtml">Plain</p>`},
			sev:   Error, want: []string{"entry[2]", "<content>", "<div"}},
		{name: "atom root outside the namespace", file: "good.atom",
			edits: []string{`<feed xmlns="http://www.w3.org/2005/Atom"`, `<feed xmlns="http://purl.org/atom/ns#"`},
			sev:   Error, want: []string{"root element is <feed>", "namespace"}},
		{name: "atom bad xml:lang", file: "good.atom",
			edits: []string{`xml:lang="en"`, `xml:lang="en_us"`},
			sev:   Error, want: []string{"xml:lang", "en_us", "language tag"}},
		{name: "atom double-escaped title", file: "good.atom",
			edits: []string{"Fish &amp; chips", "Fish &amp;amp; chips"},
			sev:   Warning, want: []string{"entry[1]", "<title>", `"&amp;"`}},
		{name: "atom double-escaped html content", file: "good.atom",
			edits: []string{"a &amp;lt; b", "a &amp;amp;lt; b"},
			sev:   Warning, want: []string{"entry[1]", "<content>", `"&lt;"`}},
		{name: "atom double-escaped xhtml content", file: "good.atom",
			edits: []string{"Plain &amp; simple", "Plain &amp;amp; simple"},
			sev:   Warning, want: []string{"entry[2]", "<content>", `"&amp;"`}},
		{name: "atom alternate link with a space", file: "good.atom",
			edits: []string{`<link href="https://example.com/notes/fish"/>`, `<link href="notes/fish and chips"/>`},
			sev:   Error, want: []string{"entry[1]/link", "href", "not an IRI"}},

		// JSON Feed 1.1.
		{name: "json id is a number", file: "good.json",
			edits: []string{`"id": "tag:example.com,2024:second"`, `"id": 42`},
			sev:   Error, want: []string{"item 2", `"id" is a number (42)`}},
		{name: "json empty id", file: "good.json",
			edits: []string{`"id": "tag:example.com,2024:second"`, `"id": ""`},
			sev:   Error, want: []string{"item 2", `empty "id"`}},
		{name: "json duplicate id", file: "good.json",
			edits: []string{`"id": "tag:example.com,2024:second"`, `"id": "tag:example.com,2024:fish"`},
			sev:   Error, want: []string{"item 2", `duplicate "id"`}},
		{name: "json missing items",
			doc: `{"version": "https://jsonfeed.org/version/1.1", "title": "T", "feed_url": "https://example.com/feed.json"}`,
			sev: Error, want: []string{`missing "items"`}},
		{name: "json items not an array",
			doc: `{"version": "https://jsonfeed.org/version/1.1", "title": "T", "feed_url": "https://example.com/feed.json", "items": {}}`,
			sev: Error, want: []string{`"items" is a object`}},
		{name: "json version 1.0", file: "good.json",
			edits: []string{`"https://jsonfeed.org/version/1.1"`, `"https://jsonfeed.org/version/1"`},
			sev:   Warning, want: []string{`"version"`, "JSON Feed 1.0"}},
		{name: "json empty title", file: "good.json",
			edits: []string{`"title": "Example Notes"`, `"title": ""`},
			sev:   Error, want: []string{"feed", `"title"`}},
		{name: "json missing feed_url is a warning", file: "good.json",
			edits: []string{`"feed_url": "https://example.com/feed.json",`, ""},
			sev:   Warning, want: []string{`"feed_url"`}},
		{name: "json relative home page", file: "good.json",
			edits: []string{`"home_page_url": "https://example.com/"`, `"home_page_url": "example.com"`},
			sev:   Warning, want: []string{`"home_page_url"`, "relative"}},
		{name: "json item without content", file: "good.json",
			edits: []string{`"content_text": "Plain words.",`, ""},
			sev:   Error, want: []string{"item 2", `"content_html" or "content_text"`}},
		{name: "json empty date", file: "good.json",
			edits: []string{`"date_published": "2024-01-01T09:30:00+01:00"`, `"date_published": ""`},
			sev:   Error, want: []string{"item 2", `empty "date_published"`}},
		{name: "json bad date", file: "good.json",
			edits: []string{`"date_modified": "2024-01-03T08:00:00+01:00"`, `"date_modified": "2024-01-03"`},
			sev:   Error, want: []string{"item 1", `"date_modified"`, "RFC 3339"}},
		{name: "json relative url", file: "good.json",
			edits: []string{`"url": "https://example.com/notes/second"`, `"url": "/notes/second"`},
			sev:   Warning, want: []string{"item 2", `"url"`, "relative"}},
		{name: "json tag not a string", file: "good.json",
			edits: []string{`"tags": ["food"]`, `"tags": ["food", 3]`},
			sev:   Error, want: []string{"item 1", `"tags"[1]`, "number"}},
		{name: "json author without name url or avatar", file: "good.json",
			edits: []string{`"authors": [{"name": "Jo Writer"}]`, `"authors": [{"name": ""}]`},
			sev:   Error, want: []string{"feed", `"authors"[0]`}},
		{name: "json summary with HTML is a warning", file: "good.json",
			edits: []string{`"summary": "Chips, fish and R&D."`, `"summary": "Chips, <em>fish</em> and R&D."`},
			sev:   Warning, want: []string{"item 1", `"summary"`, "<em>"}},
		{name: "json control character in title", file: "good.json",
			edits: []string{`"title": "Second note"`, `"title": "Second\u000b note"`},
			sev:   Error, want: []string{"item 2", `"title"`, "U+000B"}},
		{name: "json double-escaped title", file: "good.json",
			edits: []string{`"title": "Fish & chips < 5 pounds"`, `"title": "Fish &amp; chips &lt; 5 pounds"`},
			sev:   Warning, want: []string{"item 1", `"title"`, `"&amp;"`}},
		{name: "json double-escaped content_html", file: "good.json",
			edits: []string{"AT&amp;T", "AT&amp;amp;T"},
			sev:   Warning, want: []string{"item 1", `"content_html"`, "escaped twice"}},
		{name: "json invalid", file: "good.json",
			edits: []string{`"tags": ["food"]`, `"tags": ["food",]`},
			sev:   Error, want: []string{"not valid JSON"}},
		{name: "json invalid UTF-8", file: "good.json",
			edits: []string{"Plain words.", "Plain \xff words."},
			sev:   Error, want: []string{"UTF-8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := tt.doc
			if doc == "" {
				doc = editDoc(t, readFixture(t, tt.file), tt.edits...)
			}
			r := mustValidate(t, doc)
			found := false
			for _, p := range r.Problems {
				if p.Severity == tt.sev && containsAll(p.Message, tt.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s mentioning %q; problems:\n%s", tt.sev, tt.want, listProblems(r))
			}
			err := r.Err()
			switch {
			case tt.sev == Error && !errors.Is(err, ErrInvalidFeed):
				t.Errorf("Err() = %v, want ErrInvalidFeed", err)
			case tt.sev == Warning && err != nil:
				t.Errorf("Err() = %v, want nil: a warning must not fail the feed", err)
			}
		})
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func listProblems(r *Report) string {
	var b strings.Builder
	for _, p := range r.Problems {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

func TestDetectFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want Format // "" when detection must fail
	}{
		{"rss", `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"/>`, RSS},
		{"atom after comment", `<?xml version="1.0"?><!-- hi --><feed xmlns="http://www.w3.org/2005/Atom"/>`, Atom},
		{"json with BOM and space", "\uFEFF \n {\"version\": \"x\"}", JSON},
		{"rss with control character before root", "<!-- \x01 --><rss/>", RSS},
		{"rss 1.0 is not published", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>`, ""},
		{"html", `<!DOCTYPE html><html><body/></html>`, ""},
		{"json array", `[1, 2]`, ""},
		{"empty", " \n", ""},
		{"no root", `<?xml version="1.0"?>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DetectFormat([]byte(tt.doc))
			if tt.want == "" {
				if !errors.Is(err, ErrUnknownFormat) {
					t.Errorf("DetectFormat = %q, %v; want ErrUnknownFormat", got, err)
				}
				if _, err := Validate([]byte(tt.doc)); !errors.Is(err, ErrUnknownFormat) {
					t.Errorf("Validate error = %v, want ErrUnknownFormat", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("DetectFormat = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestValidateFormatMismatch(t *testing.T) {
	t.Parallel()
	r := ValidateFormat(Atom, []byte(readFixture(t, "good.rss")))
	if !errors.Is(r.Err(), ErrInvalidFeed) {
		t.Fatalf("validating RSS as Atom: Err() = %v, want ErrInvalidFeed", r.Err())
	}
	if !strings.Contains(r.Err().Error(), "root element is <rss>") {
		t.Errorf("Err() = %v, want it to name the root element", r.Err())
	}
}

// renderedItems are the items good.atom was written from.
func renderedItems() []Item {
	return []Item{
		{ID: "tag:example.com,2024:fish", Title: "Fish & chips < 5 pounds", Link: "https://example.com/notes/fish",
			Published: utc(2024, 1, 2, 10, 0), Updated: utc(2024, 1, 3, 7, 0).Add(400 * time.Millisecond)},
		{ID: "tag:example.com,2024:second", Title: "Second note", Link: "https://example.com/notes/second",
			Updated: time.Date(2024, 1, 1, 9, 30, 0, 0, time.FixedZone("CET", 3600))},
	}
}

func TestReportMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(items []Item) []Item
		want   []string // in the error; none means a match
	}{
		{"same items, zones and fractions aside", func(items []Item) []Item { return items }, nil},
		{"fewer items", func(items []Item) []Item { return items[:1] }, []string{"document has 2 items, rendered 1"}},
		{"other id", func(items []Item) []Item { items[1].ID = "tag:example.com,2024:other"; return items }, []string{"item 2", "tag:example.com,2024:other", "id reads back as"}},
		{"other title", func(items []Item) []Item { items[0].Title = "Fish and chips"; return items }, []string{"item 1", "title reads back as", "Fish and chips"}},
		{"other link", func(items []Item) []Item { items[0].Link = "https://example.com/fish"; return items }, []string{"item 1", "link"}},
		{"published an hour off", func(items []Item) []Item { items[0].Published = items[0].Published.Add(time.Hour); return items }, []string{"item 1", "published", "2024-01-02T11:00:00Z"}},
		{"updated a second off", func(items []Item) []Item { items[1].Updated = items[1].Updated.Add(time.Second); return items }, []string{"item 2", "updated"}},
		{"published missing from the document", func(items []Item) []Item { items[1].Published = items[1].Updated; return items }, []string{"item 2", "published reads back as no date"}},
	}
	r := mustValidate(t, readFixture(t, "good.atom"))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := r.Match(tt.change(renderedItems()))
			if tt.want == nil {
				if err != nil {
					t.Errorf("Match = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrMismatch) || !containsAll(err.Error(), tt.want) {
				t.Errorf("Match = %v, want ErrMismatch mentioning %q", err, tt.want)
			}
		})
	}
}

func TestReportMatchRSSWithoutUpdated(t *testing.T) {
	t.Parallel()
	r := mustValidate(t, readFixture(t, "good.rss"))
	items := []Item{
		{ID: "tag:example.com,2024:fish", Title: "Fish & chips < 5 pounds", Link: "https://example.com/notes/fish",
			Published: utc(2024, 1, 2, 10, 0), Updated: utc(2024, 1, 5, 0, 0)},
		{ID: "https://example.com/notes/second", Title: "Second note", Link: "https://example.com/notes/second",
			Published: utc(2024, 1, 1, 8, 30), Updated: utc(2024, 1, 1, 8, 30)},
	}
	if err := r.Match(items); err != nil {
		t.Errorf("Match = %v; RSS carries no item update date, so Updated is not compared", err)
	}
}

func TestEscapedTwiceHeuristic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		src    string // an HTML fragment, as found after the XML or JSON layer
		entity string
		markup string
	}{
		{"bare ampersand and less-than", "AT&T: a < b && c", "", ""},
		{"escaped once", "<p>AT&amp;T says a &lt; b &#38; c&#x3c;d</p>", "", ""},
		{"entity-like words", "R&D; Q&A; &ampersand", "", ""},
		{"entity text inside code is deliberate", "<p>Write <code>&amp;lt;</code> for <b>&lt;</b>.</p><pre>&amp;amp;</pre>", "", ""},
		{"ampersand escaped twice", "<p>AT&amp;amp;T</p>", "&amp;", ""},
		{"less-than escaped twice", "a &amp;lt; b", "&lt;", ""},
		{"numeric reference escaped twice", "caf&amp;#233;", "&#233;", ""},
		{"hex reference escaped twice", "caf&amp;#xE9;", "&#xE9;", ""},
		{"whole markup escaped twice", "&lt;p&gt;Hello&lt;/p&gt;", "", "<p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			entity, markup := htmlEscapedTwice(tt.src)
			if entity != tt.entity || markup != tt.markup {
				t.Errorf("htmlEscapedTwice(%q) = %q, %q; want %q, %q", tt.src, entity, markup, tt.entity, tt.markup)
			}
		})
	}
}

// gorillaGapFeed builds the feed that shows gorilla/feeds' gaps: an item with
// no id and no dates, a feed with no dates, an author with no email.
func gorillaGapFeed() *feeds.Feed {
	return &feeds.Feed{
		Title:       "Example Notes",
		Link:        &feeds.Link{Href: "https://example.com/"},
		Description: "Notes from the example desk.",
		Author:      &feeds.Author{Name: "Jo Writer"},
		Items: []*feeds.Item{{
			Title:       "Fish and chips",
			Link:        &feeds.Link{Href: "https://example.com/notes/fish"},
			Description: "Fish, chips.",
			Author:      &feeds.Author{Name: "Jo Writer"},
		}},
	}
}

// TestValidateCatchesGorillaGaps renders with gorilla/feeds directly and
// checks the validator catches each gap the renderer has to fill.
func TestValidateCatchesGorillaGaps(t *testing.T) {
	t.Parallel()
	render := func(to func(*feeds.Feed) (string, error)) string {
		t.Helper()
		doc, err := to(gorillaGapFeed())
		if err != nil {
			t.Fatalf("gorilla render: %v", err)
		}
		return doc
	}
	problem := func(r *Report, want ...string) {
		t.Helper()
		for _, p := range r.Problems {
			if containsAll(p.Message, want) && r.PublishErr() != nil {
				return
			}
		}
		t.Errorf("no problem that fails publishing mentioning %q; problems:\n%s", want, listProblems(r))
	}

	t.Run("atom random ids and empty updated", func(t *testing.T) {
		first := mustValidate(t, render((*feeds.Feed).ToAtom))
		second := mustValidate(t, render((*feeds.Feed).ToAtom))
		problem(first, "feed/updated", "empty <updated>")
		problem(first, "entry[1]", "empty <updated>")
		if len(first.Items) != 1 || len(second.Items) != 1 {
			t.Fatalf("items: %+v, %+v", first.Items, second.Items)
		}
		if id := first.Items[0].ID; !strings.HasPrefix(id, "urn:uuid:") || id == second.Items[0].ID {
			t.Errorf("ids %q and %q: want random urn:uuid ids that differ between renders", id, second.Items[0].ID)
		}
		// The renderer's items say what the id should have been; Match
		// catches an id made up on the way.
		items := []Item{{ID: "tag:example.com,2024:fish", Title: "Fish and chips", Link: "https://example.com/notes/fish"}}
		if err := first.Match(items); !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), "urn:uuid:") {
			t.Errorf("Match = %v, want ErrMismatch naming the urn:uuid id", err)
		}
	})
	t.Run("rss without self link", func(t *testing.T) {
		r := mustValidate(t, render((*feeds.Feed).ToRss))
		problem(r, "channel", `missing <atom:link rel="self"`)
		problem(r, "item[1]", "missing <guid>")
		problem(r, "item[1]", "missing <pubDate>")
		problem(r, "item[1]", "<author>", "email")
	})
	t.Run("json without ids or dates", func(t *testing.T) {
		r := mustValidate(t, render((*feeds.Feed).ToJSON))
		problem(r, "item 1", `empty "id"`)
	})
}

func FuzzValidate(f *testing.F) {
	for _, name := range []string{"good.rss", "good.atom", "good.json"} {
		f.Add([]byte(readFixture(f, name)))
	}
	for _, doc := range []string{
		"",
		"<rss/>",
		"<feed/>",
		`{"items": [{"id": 1}]}`,
		"<?xml version=\"1.0\"?><rss><channel><item><title>&amp;amp;\x0b</title></item></channel></rss>",
		`<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">&amp;amp;</div></content></entry></feed>`,
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Validate(data)
		if err != nil {
			if !errors.Is(err, ErrUnknownFormat) {
				t.Fatalf("Validate error %v does not wrap ErrUnknownFormat", err)
			}
			return
		}
		hasError := false
		for _, p := range r.Problems {
			if p.Message == "" {
				t.Fatalf("problem without a message: %+v", p)
			}
			if p.Severity != Error && p.Severity != Warning {
				t.Fatalf("problem with severity %d: %s", p.Severity, p.Message)
			}
			hasError = hasError || p.Severity == Error
		}
		if (r.Err() != nil) != hasError {
			t.Fatalf("Err() = %v with errors among problems: %v", r.Err(), hasError)
		}
		_ = r.Match(nil)
	})
}

// largeDocuments are shapes that made a naive validator quadratic: many
// siblings, deep nesting, a prefix declared far up, refused characters;
// n sets their size.
func largeDocuments(n int) map[string]string {
	head := `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>`
	return map[string]string{
		"wide":     head + strings.Repeat("<item><title>x</title></item>", n) + "</channel></rss>",
		"deep":     head + strings.Repeat("<a>", n) + strings.Repeat("</a>", n) + "</channel></rss>",
		"deep_ns":  head + `<x:a xmlns:x="urn:x">` + strings.Repeat("<x:a>", n) + strings.Repeat("</x:a>", n+1) + "</channel></rss>",
		"xhtml":    `<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="xhtml">` + strings.Repeat("<div>", n) + strings.Repeat("</div>", n) + "</content></entry></feed>",
		"html":     `{"items": [{"content_html": "&amp;` + strings.Repeat("<div>", n) + `"}]}`,
		"badchars": head + strings.Repeat("\x01", 4*n) + "</channel></rss>",
	}
}

// TestValidateLargeDocuments guards against quadratic work without a
// clock, so a loaded machine cannot fail it: the bytes a validation
// allocates, the same on any machine, grow in step with the document (four
// times the size may cost at most eight times the bytes, where quadratic
// work costs sixteen), and the report stays bounded. BenchmarkValidate
// times the same documents.
func TestValidateLargeDocuments(t *testing.T) {
	// Not parallel: the allocation counters are the whole process's.
	allocated := func(doc string) (uint64, *Report) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		r, err := Validate([]byte(doc))
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		return after.TotalAlloc - before.TotalAlloc, r
	}
	small, large := largeDocuments(5000), largeDocuments(20000)
	for name := range small {
		t.Run(name, func(t *testing.T) {
			a1, _ := allocated(small[name])
			a4, r := allocated(large[name])
			t.Logf("%d bytes for the small document, %d for the large one", a1, a4)
			if a4 > 8*max(a1, 1<<16) {
				t.Errorf("validating a document 4 times larger allocated %d bytes against %d: more than linear", a4, a1)
			}
			if len(r.Problems) > maxProblems+1 {
				t.Errorf("%d problems, want at most %d", len(r.Problems), maxProblems+1)
			}
		})
	}
}

func BenchmarkValidate(b *testing.B) {
	docs := map[string]string{}
	for _, name := range []string{"good.rss", "good.atom", "good.json"} {
		docs[name] = readFixture(b, name)
	}
	for name, doc := range largeDocuments(50000) {
		docs[name] = doc
	}
	for name, doc := range docs {
		b.Run(name, func(b *testing.B) {
			data := []byte(doc)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Validate(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
