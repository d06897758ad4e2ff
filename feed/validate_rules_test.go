package feed

import (
	"bytes"
	"strings"
	"testing"
)

// Minimal documents for the rule tests: each case adds the least it takes
// to break one rule to a document that is otherwise clean under StrictErr.

// miniRSS is an RSS 2.0 document with channel elements ch and one item
// holding item.
func miniRSS(ch, item string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>T</title><link>https://example.com/</link><description>D</description>
<atom:link href="https://example.com/feed.rss" rel="self" type="application/rss+xml"/>` + ch + `
<item><title>I</title><guid>https://example.com/1</guid><pubDate>Mon, 01 Jan 2024 09:30:00 GMT</pubDate>` + item + `</item>
</channel></rss>
`
}

// miniAtom is an Atom document with feed elements feed and one entry
// holding entry, which replaces the entry's summary when it has one.
func miniAtom(feed, entry string) string {
	if !strings.Contains(entry, "<summary") && !strings.Contains(entry, "<content") {
		entry += "<summary>S</summary>"
	}
	return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>tag:example.com,2024:feed</id>
<updated>2024-01-02T00:00:00Z</updated><author><name>A</name></author>
<link rel="self" href="https://example.com/feed.atom"/>` + feed + `
<entry><title>E</title><id>tag:example.com,2024:e</id><updated>2024-01-01T00:00:00Z</updated>
<link href="https://example.com/e"/>` + entry + `</entry>
</feed>
`
}

// miniJSON is a JSON Feed with top-level members top and one item with
// members item.
func miniJSON(top, item string) string {
	return `{"version": "https://jsonfeed.org/version/1.1", "title": "T", "feed_url": "https://example.com/feed.json"` + top +
		`, "items": [{"id": "1", "content_text": "C"` + item + `}]}`
}

func TestValidateRuleTable(t *testing.T) {
	t.Parallel()
	const none Severity = 0
	tests := []struct {
		name string
		doc  string
		sev  Severity // none: the document must be clean under StrictErr
		want []string
	}{
		{"rss clean", miniRSS("", ""), none, nil},
		{"atom clean", miniAtom("", ""), none, nil},
		{"json clean", miniJSON("", ""), none, nil},

		// XML 1.0 and Namespaces.
		{"namespace name with white space", strings.Replace(miniRSS("", ""), `xmlns:dc="http://purl.org/dc/elements/1.1/"`, `xmlns:x="http://example.com/ x"`, 1), Error, []string{"xmlns:x", "white space"}},
		{"unknown encoding", strings.Replace(miniRSS("", ""), `encoding="UTF-8"`, `encoding="x-no-such"`, 1), Error, []string{"x-no-such", "cannot decode"}},
		{"latin-1 is decoded", strings.Replace(strings.Replace(miniRSS("", ""), `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1), "<title>I</title>", "<title>caf\xe9</title>", 1), Warning, []string{"ISO-8859-1", "best published in UTF-8"}},

		// RSS 2.0 structure.
		{"rss unknown element", miniRSS("<colour>red</colour>", ""), Error, []string{"<colour>", "not an element of RSS 2.0"}},
		{"rss element twice", miniRSS("<title>Again</title>", ""), Error, []string{"rss/channel/title[2]", "more than once"}},
		{"rss missing channel link", strings.Replace(miniRSS("", ""), "<link>https://example.com/</link>", "", 1), Error, []string{"missing required element <link>"}},
		{"rss unknown attribute", strings.Replace(miniRSS("", ""), "<item>", `<item colour="red">`, 1), Error, []string{"item[1]", `no attribute "colour"`}},
		{"rss text between elements", miniRSS("stray", ""), Error, []string{"rss/channel", `"stray"`, "elements only"}},
		{"rss item without title or description", strings.Replace(miniRSS("", ""), "<title>I</title>", "", 1), Error, []string{"<title> or <description>"}},
		{"rss enclosure without length", miniRSS("", `<enclosure url="https://example.com/a.mp3" type="audio/mpeg"/>`), Error, []string{"<enclosure>", `"length"`}},
		{"rss enclosure length", miniRSS("", `<enclosure url="https://example.com/a.mp3" length="big" type="audio/mpeg"/>`), Error, []string{"length", "whole number"}},
		{"rss enclosure type", miniRSS("", `<enclosure url="https://example.com/a.mp3" length="1" type="mp3"/>`), Error, []string{"type", "media type"}},
		{"rss two enclosures", miniRSS("", `<enclosure url="https://example.com/a.mp3" length="1" type="audio/mpeg"/><enclosure url="https://example.com/b.mp3" length="1" type="audio/mpeg"/>`), Warning, []string{"more than one <enclosure>"}},
		{"rss ttl zero", miniRSS("<ttl>0</ttl>", ""), Error, []string{"<ttl>", "positive"}},
		{"rss ttl text", miniRSS("<ttl>soon</ttl>", ""), Error, []string{"<ttl>", "whole number"}},
		{"rss image too wide", miniRSS("<image><url>https://example.com/i.png</url><title>T</title><link>https://example.com/</link><width>200</width></image>", ""), Error, []string{"width", "at most 144"}},
		{"rss image without url", miniRSS("<image><title>T</title><link>https://example.com/</link></image>", ""), Error, []string{"<image>", "<url>"}},
		{"rss textInput name", miniRSS("<textInput><title>T</title><description>D</description><name>two words</name><link>https://example.com/s</link></textInput>", ""), Error, []string{"<name>", "form field name"}},
		{"rss skipHours hour 24", miniRSS("<skipHours><hour>24</hour></skipHours>", ""), Error, []string{"<hour>", `"24"`}},
		{"rss skipHours twice the same hour", miniRSS("<skipHours><hour>3</hour><hour>3</hour></skipHours>", ""), Error, []string{"<hour>", "twice"}},
		{"rss skipDays empty", miniRSS("<skipDays></skipDays>", ""), Error, []string{"<skipDays> holds no <day>"}},
		{"rss skipDays bad day", miniRSS("<skipDays><day>Funday</day></skipDays>", ""), Error, []string{"<day>", "Funday"}},
		{"rss cloud port", miniRSS(`<cloud domain="rpc.example.com" port="0" path="/RPC2" registerProcedure="p" protocol="xml-rpc"/>`, ""), Error, []string{"<cloud>", "port"}},
		{"rss link not ASCII", strings.Replace(miniRSS("", "<link>https://example.com/caf\u00e9</link>"), "", "", 1), Error, []string{"<link>", "percent-encode"}},
		{"rss relative link", miniRSS("", "<link>/one</link>"), Error, []string{"<link>", "absolute URL"}},
		{"rss language", miniRSS("<language>English</language>", ""), Error, []string{"<language>", "language tag"}},

		// RSS 2.0 items and the Best Practices Profile.
		{"rss empty guid", strings.Replace(miniRSS("", ""), "<guid>https://example.com/1</guid>", "<guid></guid>", 1), Error, []string{"empty <guid>"}},
		{"rss duplicate guid", strings.Replace(miniRSS("", ""), "</item>", "</item><item><title>J</title><guid>https://example.com/1</guid><pubDate>Mon, 01 Jan 2024 09:30:00 GMT</pubDate></item>", 1), Error, []string{"item[2]", "duplicate <guid>"}},
		{"rss isPermaLink value", strings.Replace(miniRSS("", ""), "<guid>", `<guid isPermaLink="0">`, 1), Error, []string{"isPermaLink", `"0"`}},
		{"rss permalink tag URI", strings.Replace(miniRSS("", ""), "<guid>https://example.com/1</guid>", "<guid>tag:example.com,2024:1</guid>", 1), Error, []string{"permalink", `isPermaLink="false"`}},
		{"rss missing guid", strings.Replace(miniRSS("", ""), "<guid>https://example.com/1</guid>", "", 1), Warning, []string{"missing <guid>"}},
		{"rss missing pubDate", strings.Replace(miniRSS("", ""), "<pubDate>Mon, 01 Jan 2024 09:30:00 GMT</pubDate>", "", 1), Warning, []string{"missing <pubDate>"}},
		{"rss missing self link", strings.Replace(miniRSS("", ""), `<atom:link href="https://example.com/feed.rss" rel="self" type="application/rss+xml"/>`, "", 1), Warning, []string{`missing <atom:link rel="self"`}},
		{"rss author without address", miniRSS("", "<author>Jo Writer</author>"), Error, []string{"<author>", "no email address"}},
		{"rss author name then address", miniRSS("", "<author>Jo (jo@example.com)</author>"), Error, []string{"<author>", "outside parentheses"}},
		{"rss author without name", miniRSS("", "<author>jo@example.com</author>"), Warning, []string{"<author>", "no name"}},
		{"rss author in angle brackets", miniRSS("", "<author>Jo &lt;jo@example.com&gt;</author>"), Warning, []string{"<author>", `"email (Name)"`}},
		{"rss author mailto", miniRSS("", "<author>mailto:jo@example.com</author>"), Warning, []string{"mailto:"}},
		{"rss title with markup", strings.Replace(miniRSS("", ""), "<title>I</title>", "<title>&lt;b&gt;I&lt;/b&gt;</title>", 1), Warning, []string{"<title>", `"<b>"`}},

		// RFC 822 dates.
		{"rss date in UTC", strings.Replace(miniRSS("", ""), "09:30:00 GMT", "09:30:00 UTC", 1), Error, []string{"<pubDate>", `"UTC" is not an RFC 822 zone`}},
		{"rss date numeric zone", strings.Replace(miniRSS("", ""), "09:30:00 GMT", "09:30:00 +0100", 1), none, nil},
		{"rss date without seconds or day name", strings.Replace(miniRSS("", ""), "Mon, 01 Jan 2024 09:30:00 GMT", "1 Jan 2024 09:30 GMT", 1), none, nil},
		{"rss date North American zone", strings.Replace(miniRSS("", ""), "09:30:00 GMT", "09:30:00 EST", 1), Warning, []string{"zone EST"}},
		{"rss date two-digit year", strings.Replace(miniRSS("", ""), "Jan 2024", "Jan 24", 1), Warning, []string{"not in the form readers expect"}},
		{"rss date day of week", strings.Replace(miniRSS("", ""), "Mon, 01 Jan", "Tue, 01 Jan", 1), Error, []string{"day of the week", "Monday"}},
		{"rss date 30 February", strings.Replace(miniRSS("", ""), "01 Jan 2024", "30 Feb 2024", 1), Error, []string{"day is out of range"}},
		{"rss date hour 25", strings.Replace(miniRSS("", ""), "09:30:00", "25:30:00", 1), Error, []string{"time of day"}},
		{"rss date ISO", strings.Replace(miniRSS("", ""), "Mon, 01 Jan 2024 09:30:00 GMT", "2024-01-01T09:30:00Z", 1), Error, []string{"not an RFC 822 date"}},

		// Extensions in RSS.
		{"dc:date as a day", miniRSS("", "<dc:date>2024-01-02</dc:date>"), none, nil},
		{"dc:date month 13", miniRSS("", "<dc:date>2024-13-02</dc:date>"), Error, []string{"<dc:date>", "W3C date"}},
		{"dc:language", miniRSS("<dc:language>en_GB</dc:language>", ""), Error, []string{"<dc:language>", "language tag"}},
		{"geo latitude", strings.Replace(miniRSS("<geo:lat>91</geo:lat>", ""), "<channel>", `<channel xmlns:geo="http://www.w3.org/2003/01/geo/wgs84_pos#">`, 1), Error, []string{"<geo:lat>", "90"}},
		{"creative commons license", strings.Replace(miniRSS("", "<cc:license>Attribution</cc:license>"), "<channel>", `<channel xmlns:cc="http://backend.userland.com/creativeCommonsRssModule">`, 1), Error, []string{"<cc:license>", "URL"}},
		{"hub and archive links pass", strings.Replace(miniRSS(`<atom:link rel="hub" href="https://hub.example.com/"/><atom:link rel="prev-archive" href="https://example.com/feed-1.rss"/><fh:archive/><sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency><ttl>30</ttl>`, ""),
			"<channel>", `<channel xmlns:fh="http://purl.org/syndication/history/1.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">`, 1), none, nil},

		// Atom structure (RFC 4287).
		{"atom unknown element", miniAtom("<colour>red</colour>", ""), Error, []string{"<colour>", "not an Atom element"}},
		{"atom title twice", miniAtom("<title>Again</title>", ""), Error, []string{"feed/title[2]", "more than once"}},
		{"atom entry without id", strings.Replace(miniAtom("", ""), "<id>tag:example.com,2024:e</id>", "", 1), Error, []string{"entry[1]", "missing required element <id>"}},
		{"atom text in feed", miniAtom("stray", ""), Error, []string{`"stray"`, "elements only"}},
		{"atom unknown attribute", miniAtom(`<category term="a" colour="red"/>`, ""), Error, []string{"<category>", `"colour"`}},
		{"atom link without href", miniAtom(`<link rel="related"/>`, ""), Error, []string{"<link>", `"href"`}},
		{"atom link rel not an IRI", miniAtom(`<link rel="urn:a b" href="https://example.com/x"/>`, ""), Error, []string{"rel", "registered relation"}},
		{"atom link rel unregistered", miniAtom(`<link rel="sidebar" href="https://example.com/x"/>`, ""), Warning, []string{"rel", "sidebar"}},
		{"atom link type", miniAtom(`<link rel="related" type="html" href="https://example.com/x"/>`, ""), Error, []string{"type", "media type"}},
		{"atom link hreflang", miniAtom(`<link rel="related" hreflang="english" href="https://example.com/x"/>`, ""), Error, []string{"hreflang"}},
		{"atom link length", miniAtom(`<link rel="related" length="-1" href="https://example.com/x"/>`, ""), Error, []string{"length"}},
		{"atom link href with a space", miniAtom(`<link rel="related" href="https://example.com/a b"/>`, ""), Error, []string{"href", "not an IRI"}},
		{"atom relative link", miniAtom(`<link rel="related" href="/x"/>`, ""), none, nil},
		{"atom two alternates alike", miniAtom(`<link href="https://example.com/"/><link href="https://example.com/again"/>`, ""), Error, []string{"second <link rel=\"alternate\">"}},
		{"atom category without term", miniAtom(`<category label="x"/>`, ""), Error, []string{"<category>", `"term"`}},
		{"atom category scheme relative", miniAtom(`<category term="x" scheme="mine"/>`, ""), Error, []string{"scheme", "absolute IRI"}},
		{"atom hub and archive links pass", strings.Replace(miniAtom(`<link rel="hub" href="https://hub.example.com/"/><link rel="prev-archive" href="https://example.com/feed-1.atom"/><fh:archive/>`, ""), "<feed ", `<feed xmlns:fh="http://purl.org/syndication/history/1.0" `, 1), none, nil},

		// Atom values.
		{"atom id with white space", strings.Replace(miniAtom("", ""), "<id>tag:example.com,2024:e</id>", "<id> tag:example.com,2024:e</id>", 1), Error, []string{"<id>", "white space"}},
		{"atom id relative", strings.Replace(miniAtom("", ""), "<id>tag:example.com,2024:e</id>", "<id>e</id>", 1), Error, []string{"<id>", "absolute IRI"}},
		{"atom tag URI without date", strings.Replace(miniAtom("", ""), "<id>tag:example.com,2024:e</id>", "<id>tag:example.com:e</id>", 1), Error, []string{"tag: URI"}},
		{"atom tag URI month 13", strings.Replace(miniAtom("", ""), "<id>tag:example.com,2024:e</id>", "<id>tag:example.com,2024-13:e</id>", 1), Error, []string{"tag: URI"}},
		{"atom urn without namespace", strings.Replace(miniAtom("", ""), "<id>tag:example.com,2024:e</id>", "<id>urn:uuid</id>", 1), Error, []string{"urn:"}},
		{"atom date", strings.Replace(miniAtom("", ""), "<updated>2024-01-01T00:00:00Z</updated>", "<updated>2024-01-01</updated>", 1), Error, []string{"<updated>", "RFC 3339"}},
		{"atom email", strings.Replace(miniAtom("", ""), "<name>A</name>", "<name>A</name><email>a at example.com</email>", 1), Error, []string{"<email>"}},
		{"atom xml:lang", strings.Replace(miniAtom("", ""), "<feed ", `<feed xml:lang="en_us" `, 1), Error, []string{"xml:lang"}},
		{"atom xml:base with a space", strings.Replace(miniAtom("", ""), "<feed ", `<feed xml:base="https://example.com/a b/" `, 1), Error, []string{"xml:base"}},
		{"atom text type", miniAtom("", `<summary type="plain">S</summary>`), Error, []string{"<summary>", `"plain"`}},
		{"atom html holding elements", miniAtom("", `<summary type="html"><b>S</b></summary>`), Error, []string{"<summary>", "escape the HTML"}},
		{"atom xhtml without div", miniAtom("", `<summary type="xhtml"><p xmlns="http://www.w3.org/1999/xhtml">S</p></summary>`), Error, []string{"exactly one <div"}},
		{"atom xhtml element in no namespace", miniAtom("", `<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">S <b xmlns="">b</b></div></summary>`), Error, []string{"<b>", "no namespace"}},
		{"atom content src and text", miniAtom("", `<summary>S</summary><content src="https://example.com/a.pdf" type="application/pdf">x</content>`), Error, []string{"must be empty"}},
		{"atom content src with type html", miniAtom("", `<summary>S</summary><content src="https://example.com/a" type="html"/>`), Error, []string{"media type"}},
		{"atom content src without summary", miniAtom("", `<content src="https://example.com/a.pdf" type="application/pdf"/>`), Error, []string{"needs <summary>"}},
		{"atom composite content", miniAtom("", `<summary>S</summary><content type="multipart/alternative">x</content>`), Error, []string{"composite"}},
		{"atom text/plain content holding elements", miniAtom("", `<summary>S</summary><content type="text/plain"><x xmlns="urn:x:y"/></content>`), Error, []string{"text only"}},
		{"atom XML content with text", miniAtom("", `<summary>S</summary><content type="image/svg+xml">t<svg xmlns="http://www.w3.org/2000/svg"/></content>`), Error, []string{"one XML element and no text"}},
		{"atom content not Base64", miniAtom("", `<summary>S</summary><content type="image/png">not base64!</content>`), Error, []string{"not Base64"}},
		{"atom content Base64", miniAtom("", `<summary>S</summary><content type="image/png">iVBORw0K</content>`), none, nil},

		// Atom entries.
		{"atom entry without author", strings.Replace(miniAtom("", ""), "<author><name>A</name></author>", "", 1), Error, []string{"no <author>"}},
		{"atom entry without summary or content", strings.Replace(miniAtom("", "<content>C</content>"), "<content>C</content>", "", 1), Warning, []string{"neither <summary> nor <content>"}},
		{"atom entry without content or alternate", strings.Replace(miniAtom("", ""), `<link href="https://example.com/e"/>`, "", 1), Error, []string{`<content> or <link rel="alternate">`}},
		{"atom same entry twice", strings.Replace(miniAtom("", ""), "</entry>", "</entry><entry><title>E</title><id>tag:example.com,2024:e</id><updated>2024-01-01T00:00:00Z</updated><link href=\"https://example.com/e\"/><summary>S</summary></entry>", 1), Error, []string{"entry[2]", "duplicate <id> and <updated>"}},
		{"atom two versions of an entry", strings.Replace(miniAtom("", ""), "</entry>", "</entry><entry><title>E</title><id>tag:example.com,2024:e</id><updated>2024-01-01T01:00:00Z</updated><link href=\"https://example.com/e\"/><summary>S</summary></entry>", 1), Warning, []string{"entry[2]", "duplicate <id>"}},
		{"atom entries sharing updated", strings.Replace(miniAtom("", ""), "</entry>", "</entry><entry><title>F</title><id>tag:example.com,2024:f</id><updated>2024-01-01T00:00:00Z</updated><link href=\"https://example.com/f\"/><summary>S</summary></entry>", 1), Warning, []string{"entry[2]", "same as entry 1"}},
		{"atom updated before published", miniAtom("", "<published>2024-02-01T00:00:00Z</published>"), Warning, []string{"<updated> is before <published>"}},
		{"atom source without id", miniAtom("", "<source><title>Up</title><updated>2024-01-01T00:00:00Z</updated></source>"), Warning, []string{"<source> has no <id>"}},
		{"atom missing self link", strings.Replace(miniAtom("", ""), `<link rel="self" href="https://example.com/feed.atom"/>`, "", 1), Warning, []string{`missing <link rel="self">`}},
		{"atom empty self link", strings.Replace(miniAtom("", ""), `href="https://example.com/feed.atom"`, `href=""`, 1), Warning, []string{`<link rel="self"> has an empty href`}},

		// JSON Feed 1.1.
		{"json hub without url", miniJSON(`, "hubs": [{"type": "WebSub"}]`, ""), Error, []string{`"hubs"[0]`, `"url"`}},
		{"json hub not an object", miniJSON(`, "hubs": ["https://hub.example.com/"]`, ""), Error, []string{`"hubs"[0]`, "object"}},
		{"json hub", miniJSON(`, "hubs": [{"type": "WebSub", "url": "https://hub.example.com/"}]`, ""), none, nil},
		{"json attachment without mime_type", miniJSON("", `, "attachments": [{"url": "https://example.com/a.mp3"}]`), Error, []string{`"attachments"[0]`, `"mime_type"`}},
		{"json attachment without url", miniJSON("", `, "attachments": [{"mime_type": "audio/mpeg"}]`), Error, []string{`"attachments"[0]`, `no "url"`}},
		{"json attachment size", miniJSON("", `, "attachments": [{"url": "https://example.com/a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": -1}]`), Error, []string{`"size_in_bytes"`}},
		{"json expired", miniJSON(`, "expired": "no"`, ""), Error, []string{`"expired"`}},
		{"json item language", miniJSON("", `, "language": "English"`), Error, []string{`"language"`}},
		{"json relative url", miniJSON("", `, "url": "/one"`), Warning, []string{`"url"`, "relative"}},
		{"json url with a space", miniJSON("", `, "url": "https://example.com/a b"`), Error, []string{`"url"`, "not a URL"}},
		// One rule for an http(s) URL everywhere: a host name, not a port
		// alone, and nothing a URL cannot carry as written.
		{"rss permalink guid with a port and no host", strings.Replace(miniRSS("", ""), "<guid>https://example.com/1</guid>", "<guid>http://:8080/1</guid>", 1), Error, []string{"<guid>", "permalink"}},
		{"rss self link with a port and no host", strings.Replace(miniRSS("", ""), `href="https://example.com/feed.rss"`, `href="http://:8080/feed.rss"`, 1), Warning, []string{"self", "not an absolute http(s) URL"}},
		{"atom http id with a no-break space", strings.Replace(miniAtom("", ""), "<id>tag:example.com,2024:e</id>", "<id>https://example.com/a\u00a0b</id>", 1), Error, []string{"<id>", "not a valid http(s) URI"}},
		{"json url with a port and no host", miniJSON("", `, "url": "http://:8080/one"`), Warning, []string{`"url"`, "not an http(s) URL"}},
		{"json description not a string", miniJSON(`, "description": 3`, ""), Error, []string{`"description"`}},
		{"json version 1", strings.Replace(miniJSON("", ""), "version/1.1", "version/1", 1), Warning, []string{"JSON Feed 1.0"}},
		{"json no content", strings.Replace(miniJSON("", ""), `, "content_text": "C"`, "", 1), Error, []string{`"content_html" or "content_text"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := mustValidate(t, tt.doc)
			if tt.sev == none {
				if err := r.StrictErr(); err != nil {
					t.Errorf("want no problem, got %v\n%s", err, tt.doc)
				}
				return
			}
			for _, p := range r.Problems {
				if p.Severity == tt.sev && containsAll(p.Message, tt.want) {
					if p.Rule == "" {
						t.Errorf("problem %q names no rule", p.Message)
					}
					if tt.sev == Warning && r.Err() != nil {
						t.Errorf("a warning case has errors: %v", r.Err())
					}
					return
				}
			}
			t.Errorf("no %s mentioning %q; problems:\n%s", tt.sev, tt.want, listProblems(r))
		})
	}
}

// TestRFC822Zones checks every zone RFC 822 names, and a few it does not.
func TestRFC822Zones(t *testing.T) {
	t.Parallel()
	for _, zone := range []string{"UT", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "A", "M", "N", "Y", "+0000", "-0930"} {
		if r := parseRFC822("Mon, 01 Jan 2024 09:30:00 " + zone); r.err != "" {
			t.Errorf("zone %s: %s", zone, r.err)
		}
	}
	for _, zone := range []string{"UTC", "J", "CET", "+00:00", "0000"} {
		if r := parseRFC822("Mon, 01 Jan 2024 09:30:00 " + zone); r.err == "" {
			t.Errorf("zone %s accepted", zone)
		}
	}
	if r := parseRFC822("Mon, 01 Jan 2024 09:30:00 EST"); r.t.UTC().Hour() != 14 {
		t.Errorf("EST: %v, want 14:30 UTC", r.t.UTC())
	}
}

func TestJSONItemLines(t *testing.T) {
	t.Parallel()
	doc := "{\"title\": \"T\",\n \"x\": {\"items\": [1]},\n \"items\": [\n  {\"id\": \"a\", \"items\": [{}]},\n\n  {\"id\": \"b\"}, {\"id\": \"c\"}\n ]}"
	got := jsonItemLines([]byte(doc))
	want := []int{4, 6, 6}
	if len(got) != len(want) {
		t.Fatalf("lines %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("lines %v, want %v", got, want)
		}
	}
	r := mustValidate(t, strings.Replace(miniJSON("", ""), `{"id": "1"`, "\n\n{\"id\": 1", 1))
	for _, p := range r.Problems {
		if strings.HasPrefix(p.Message, "line 3: item 1") {
			return
		}
	}
	t.Errorf("no problem naming line 3: %s", listProblems(r))
}

// TestPublishProfileTakesUpstreamValues renders what other feeds may hand
// over, kept as given or mended by the renderer, and checks that none of it
// stops a build: ids keep their syntax, odd enclosure types become unknown.
func TestPublishProfileTakesUpstreamValues(t *testing.T) {
	t.Parallel()
	items := []Item{{
		ID: "tag:example.com:no-date", Title: "Up", Link: "https://up.example.org/1", Summary: "S",
		Published: day, Updated: day,
		Authors:    []Person{{Name: "Local", Email: "ops@localhost"}},
		Enclosures: []Enclosure{{URL: "https://up.example.org/a.mp3", Length: 1, Type: "mp3"}},
		Origin:     &Origin{ID: "12345", Title: "Up", Link: "https://up.example.org/", FeedURL: "https://up.example.org/feed.atom"},
	}}
	for _, f := range Formats {
		var buf bytes.Buffer
		if err := Render(&buf, f, testMeta(), items); err != nil {
			t.Fatal(err)
		}
		r := ValidateFormat(f, buf.Bytes())
		if err := r.PublishErr(); err != nil {
			t.Errorf("%s: %v\n%s", f, err, buf.Bytes())
		}
		if f == Atom && r.Err() == nil {
			t.Errorf("atom: the tag: id without a date is not reported")
		}
		if strings.Contains(buf.String(), `"mp3"`) || (f == Atom && strings.Contains(buf.String(), "12345")) {
			t.Errorf("%s keeps a value it should mend:\n%s", f, buf.Bytes())
		}
	}
}
