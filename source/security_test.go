package source

// Hostile input in every field of every kind of source: what comes out as
// a feed.Item must hold no markup that could run (HTML content sanitised,
// URLs http(s) only) and no character a feed cannot carry, and the plain
// text of local articles must keep the markup as text, to be escaped once
// when rendered.

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/htmlcheck"
)

// The markup the hostile fields carry.
const (
	hostileScript = `<script>alert(1)</script>`
	hostileImg    = `<img src=x onerror=alert(1)>`
	hostileSVG    = `"><svg onload=alert(1)>`
	hostileJSURL  = `javascript:alert(1)`
	hostileCDATA  = `]]>`
	hostileEntity = `&amp;`
	// hostileText is all of it in one line of plain text.
	hostileText = hostileScript + " " + hostileImg + " " + hostileSVG + " " + hostileCDATA + " " + hostileEntity
)

// hostileHTML is an HTML fragment made of known ways past sanitisers.
const hostileHTML = hostileScript + `<p onmouseover="alert(1)">para</p>` +
	`<a href="javascript:alert(1)">a</a><a href=" JaVaScRiPt:alert(1)">b</a><a href="jav&#x09;ascript:alert(1)">c</a>` +
	`<a href="vbscript:msgbox(1)">d</a><a href="data:text/html,<script>alert(1)</script>">e</a>` +
	hostileImg + hostileSVG + `<iframe src="javascript:alert(1)"></iframe><object data="javascript:alert(1)"></object>` +
	`<embed src="javascript:alert(1)"><form action="javascript:alert(1)"><button formaction="javascript:alert(1)">f</button></form>` +
	`<img srcset="javascript:alert(1) 1x, https://ok.example/a.png 2x">` +
	`<div style="background:url(javascript:alert(1))">g</div><style>*{background:url(javascript:alert(1))}</style>` +
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>` +
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>` +
	`<svg><style><img src=x onerror=alert(1)></style></svg><svg><a xlink:href="javascript:alert(1)"><text>h</text></a></svg>` +
	`<base href="javascript:alert(1)//"><meta http-equiv="refresh" content="0;url=javascript:alert(1)">` +
	`<a href="relative/page">rel</a> ]]> &amp; end`

// hostileControls are characters XML 1.0 cannot carry, and ones it can
// but a feed should not.
const hostileControls = "\x01\x08\x0b\x0c\x1b\x7f"

const hostilePrefix = "tag:news.example.com,2026-01-01:"
const hostileLinks = "https://news.example.com/{source}/{slug}"

// hostileCase is one source configured on hostile input.
type hostileCase struct {
	name string
	// fetch returns the source's items; dir is a fresh folder.
	fetch func(t *testing.T, dir string) ([]feed.Item, error)
	// local sources take text fields as plain text: the item whose id ends
	// in titled must carry the markup in its title, summary, authors and
	// categories as text, and its body must show it as text when body is
	// set.
	local  bool
	titled string
	body   bool
	// minItems is how many items must come out.
	minItems int
	// mayFail lets the source refuse the input whole (feed.ErrStale),
	// publishing nothing of it.
	mayFail bool
}

func hostileWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hostileYAML quotes s as a YAML double-quoted scalar.
func hostileYAML(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// hostileSurrogate stands for a lone UTF-16 surrogate, which Go strings
// cannot hold; hostileJSON writes it as the escape \ud800.
const hostileSurrogate = "(lone-surrogate)"

// hostileJSON encodes v on one line, with nothing HTML-escaped.
func hostileJSON(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(b.String(), hostileSurrogate, `\ud800`)
}

func hostileXML(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func hostileCDATASection(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// hostileTextArticle is a text article with markup in every header and in
// its body and headlines.
const hostileTextArticle = "Title: " + hostileText + " text title " + hostileControls + "\n" +
	"Author: Lena " + hostileImg + " Brandt, " + hostileScript + "\n" +
	"Tags: " + hostileScript + ", " + hostileSVG + ", " + hostileCDATA + hostileEntity + "\n" +
	"Summary: " + hostileText + " " + hostileJSURL + " summary " + hostileControls + "\n" +
	"Link: " + hostileJSURL + "\n" +
	"ID: text-hostile\n" +
	"\n" +
	"Body " + hostileText + ` <a href="javascript:alert(1)">link</a> ` + hostileJSURL + " " + hostileControls + " end.\n" +
	"Second paragraph ]]]]> &lt;b&gt; &#60;script&#62;.\n" +
	"\n\n" +
	hostileScript + " Headline One\n" +
	hostileSVG + " Headline Two\n"

// hostileMarkdown is a Markdown article with markup in every front matter
// key and a body made of raw HTML and links with scripts.
func hostileMarkdown() string {
	return "---\n" +
		"title: " + hostileYAML(hostileText+" markdown title "+hostileControls) + "\n" +
		"author: " + hostileYAML("Ann "+hostileImg+" Lee") + "\n" +
		"authors:\n  - name: " + hostileYAML(hostileScript) + "\n    url: " + hostileYAML(hostileJSURL) + "\n    email: " + hostileYAML(hostileSVG) + "\n" +
		"tags: [" + hostileYAML(hostileScript) + ", " + hostileYAML(hostileSVG+hostileControls) + "]\n" +
		"summary: " + hostileYAML(hostileText+" markdown summary "+hostileControls) + "\n" +
		"link: " + hostileYAML(hostileJSURL) + "\n" +
		"id: md-hostile\n" +
		"enclosures:\n  - " + hostileYAML(hostileJSURL+".mp3") + "\n  - url: " + hostileYAML("https://ok.example/a.mp3\" onerror=\"alert(1)") + "\n" +
		"---\n" +
		"Body with " + hostileScript + " inline and " + hostileImg + ".\n\n" +
		hostileHTML + "\n\n" +
		"[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](vbscript:msgbox(1)) [d](data:text/html,x) <javascript:alert(1)>\n\n" +
		"![i](javascript:alert(1)) ![j](x \"t\" onerror=alert(1)) [e](<javascript:alert(1)>)\n\n" +
		"[ref]: javascript:alert(1)\n\n[f][ref]\n\n" +
		"```html\n" + hostileScript + "\n```\n\n" +
		"Text " + hostileControls + " ]]> &amp; end.\n"
}

// hostileJSONItem is a JSON item with markup in every field.
func hostileJSONItem(id string) map[string]any {
	return map[string]any{
		"id": id, "url": hostileJSURL,
		"title":        hostileText + " json title " + hostileControls + hostileSurrogate,
		"summary":      hostileText + " json summary " + hostileControls,
		"content_html": hostileHTML + hostileControls,
		"authors":      []any{map[string]any{"name": hostileScript + hostileControls, "url": hostileJSURL, "email": hostileSVG}},
		"tags":         []any{hostileScript, hostileCDATA + hostileControls},
		"attachments": []any{
			map[string]any{"url": hostileJSURL, "mime_type": "audio/mpeg"},
			map[string]any{"url": "https://ok.example/a.mp3", "mime_type": "audio/mpeg\" onerror=\"alert(1)"},
		},
		"image":          hostileJSURL,
		"external_url":   hostileJSURL,
		"date_published": "2026-01-02T10:00:00Z",
	}
}

// hostileJSONTextItem is a JSON item whose body is plain text.
func hostileJSONTextItem(id string) map[string]any {
	return map[string]any{
		"id": id, "title": "Plain text body",
		"content_text":   hostileText + "\nline two " + hostileJSURL + " " + hostileControls,
		"date_published": "2026-01-02T11:00:00Z",
	}
}

// hostileRemote serves body with the given Content-Type and returns a
// Remote reading it.
func hostileRemote(t *testing.T, body, contentType string) *Remote {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return &Remote{SourceName: "remote", URL: srv.URL + "/feed", IDPrefix: hostilePrefix}
}

func hostileRSS() string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
<title>` + hostileXML(hostileText+" RSS channel") + `</title>
<link>javascript:alert(1)</link>
<description>` + hostileCDATASection(hostileHTML) + `</description>
<item>
<title>` + hostileCDATASection(hostileText+" RSS item") + `</title>
<link>javascript:alert(1)</link>
<guid isPermaLink="false">rss-1</guid>
<description>` + hostileCDATASection(hostileHTML) + `</description>
<content:encoded>` + hostileCDATASection(hostileHTML) + `</content:encoded>
<author>evil@example.com (` + hostileXML(hostileScript) + `)</author>
<dc:creator>` + hostileXML(hostileImg) + `</dc:creator>
<category>` + hostileXML(hostileScript) + `</category>
<enclosure url="javascript:alert(1)" length="1" type="audio/mpeg"/>
<enclosure url="https://ok.example/a.mp3" length="1" type="audio/mpeg&quot; onerror=&quot;alert(1)"/>
<media:content url="javascript:alert(1)" type="image/png"/>
<pubDate>Mon, 05 Jan 2026 10:00:00 GMT</pubDate>
</item>
<item>
<title>Description only</title>
<guid>javascript:alert(1)</guid>
<description>` + hostileXML(hostileHTML) + `</description>
</item>
<item>
<title>Relative link item</title>
<link>/story</link>
<description>` + hostileXML(`<a href="rel">r</a>`+hostileScript) + `</description>
</item>
</channel>
</rss>
`
}

func hostileAtom() string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="javascript:alert(1)//">
<title type="html">` + hostileXML(hostileText+" Atom feed") + `</title>
<id>urn:example:atom</id>
<updated>2026-01-05T10:00:00Z</updated>
<link rel="alternate" href="javascript:alert(1)"/>
<author><name>` + hostileXML(hostileScript) + `</name><uri>javascript:alert(1)</uri><email>` + hostileXML(hostileSVG) + `</email></author>
<entry>
<title type="html">` + hostileXML(hostileText+" Atom html entry") + `</title>
<id>urn:example:atom:1</id>
<link rel="alternate" href="javascript:alert(1)"/>
<link rel="enclosure" href="javascript:alert(1)" type="audio/mpeg"/>
<updated>2026-01-05T10:00:00Z</updated>
<category term="` + hostileXML(hostileScript) + `" label="` + hostileXML(hostileImg) + `"/>
<summary type="html">` + hostileXML(hostileHTML) + `</summary>
<content type="html">` + hostileXML(hostileHTML) + `</content>
</entry>
<entry xml:base="javascript:alert(1)//">
<title type="text">` + hostileXML(hostileText+" Atom text entry") + `</title>
<id>urn:example:atom:2</id>
<link href="rel/2"/>
<updated>2026-01-05T11:00:00Z</updated>
<content type="text">` + hostileXML(hostileText+" plain text content") + `</content>
</entry>
<entry>
<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><b>Atom</b> xhtml entry <script>alert(1)</script><img src="x" onerror="alert(1)"/></div></title>
<id>urn:example:atom:3</id>
<link href="https://remote.example.org/3"/>
<updated>2026-01-05T12:00:00Z</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script><a href="javascript:alert(1)">x</a><img src="x" onerror="alert(1)"/><p onclick="alert(1)">xhtml</p><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/></div></content>
</entry>
<entry>
<title>Out of line content</title>
<id>urn:example:atom:4</id>
<updated>2026-01-05T13:00:00Z</updated>
<content type="text/html" src="javascript:alert(1)"/>
<summary type="html">` + hostileXML(hostileImg) + `</summary>
</entry>
</feed>
`
}

func hostileJSONFeed(t *testing.T) string {
	item := hostileJSONItem("json-1")
	item["banner_image"] = hostileJSURL
	return hostileJSON(t, map[string]any{
		"version":       "https://jsonfeed.org/version/1.1",
		"title":         hostileText + " JSON feed " + hostileControls,
		"home_page_url": hostileJSURL,
		"feed_url":      hostileJSURL,
		"authors":       []any{map[string]any{"name": hostileScript, "url": hostileJSURL}},
		"items":         []any{item, hostileJSONTextItem("json-2")},
	})
}

func TestSourcesHostileInput(t *testing.T) {
	t.Parallel()
	textSource := func(t *testing.T, dir string) ([]feed.Item, error) {
		hostileWrite(t, filepath.Join(dir, "hostile.txt"), hostileTextArticle)
		hostileWrite(t, filepath.Join(dir, "untitled.txt"), hostileText+" a title from the lead. And more "+hostileControls+".\n")
		hostileWrite(t, filepath.Join(dir, "latin1.txt"), "Title: Caf\xe9 \x80 "+hostileScript+"\n\nBody \x93quoted\x94 "+hostileImg+".\n")
		s := &Text{SourceName: "wire", Root: dir, IDPrefix: hostilePrefix, LinkTemplate: hostileLinks}
		return s.Fetch(t.Context())
	}
	markdownSource := func(allowHTML bool) func(t *testing.T, dir string) ([]feed.Item, error) {
		return func(t *testing.T, dir string) ([]feed.Item, error) {
			hostileWrite(t, filepath.Join(dir, "front.md"), hostileMarkdown())
			hostileWrite(t, filepath.Join(dir, "heading.md"), "# "+hostileImg+" Heading "+hostileScript+"\n\nA paragraph "+hostileSVG+".\n")
			hostileWrite(t, filepath.Join(dir, "lead.md"), "A lead sentence "+hostileSVG+" with "+hostileScript+hostileImg+". More.\n")
			s := &Markdown{SourceName: "md", Root: dir, IDPrefix: hostilePrefix, LinkTemplate: hostileLinks, AllowHTML: allowHTML}
			return s.Fetch(t.Context())
		}
	}
	jsonFile := func(file string, content func(t *testing.T) string) func(t *testing.T, dir string) ([]feed.Item, error) {
		return func(t *testing.T, dir string) ([]feed.Item, error) {
			hostileWrite(t, filepath.Join(dir, file), content(t))
			s := &JSONItems{SourceName: "items", Path: dir, IDPrefix: hostilePrefix, LinkTemplate: hostileLinks}
			return s.Fetch(t.Context())
		}
	}
	remoteSource := func(body func(t *testing.T) string, contentType string) func(t *testing.T, dir string) ([]feed.Item, error) {
		return func(t *testing.T, dir string) ([]feed.Item, error) {
			return hostileRemote(t, body(t), contentType).Fetch(t.Context())
		}
	}

	tests := []hostileCase{
		{name: "text", fetch: textSource, local: true, titled: "wire/text-hostile", body: true, minItems: 5},
		{name: "markdown", fetch: markdownSource(false), local: true, titled: "md/md-hostile", minItems: 3},
		{name: "markdown with allow_html", fetch: markdownSource(true), local: true, titled: "md/md-hostile", minItems: 3},
		{name: "json lines", fetch: jsonFile("items.jsonl", func(t *testing.T) string {
			return hostileJSON(t, hostileJSONItem("hostile-1")) + hostileJSON(t, hostileJSONTextItem("hostile-2"))
		}), local: true, titled: "items/hostile-1", minItems: 2},
		{name: "json feed document", fetch: jsonFile("feed.json", hostileJSONFeed), local: true, titled: "items/json-1", minItems: 2},
		{name: "json array", fetch: jsonFile("items.json", func(t *testing.T) string {
			return "[" + strings.TrimSpace(hostileJSON(t, hostileJSONItem("hostile-1"))) + "," + hostileJSON(t, hostileJSONTextItem("hostile-2")) + "]"
		}), local: true, titled: "items/hostile-1", minItems: 2},
		{name: "remote rss", fetch: remoteSource(func(*testing.T) string { return hostileRSS() }, "application/rss+xml"), minItems: 3},
		{name: "remote atom", fetch: remoteSource(func(*testing.T) string { return hostileAtom() }, "application/atom+xml"), minItems: 4},
		{name: "remote json feed", fetch: remoteSource(hostileJSONFeed, "application/feed+json"), minItems: 2},
		{name: "remote rss with raw control characters", fetch: remoteSource(func(*testing.T) string {
			return strings.ReplaceAll(hostileRSS(), " RSS item", " RSS item "+hostileControls)
		}, "application/rss+xml"), mayFail: true, minItems: 3},
		{name: "remote rss with character references to controls", fetch: remoteSource(func(*testing.T) string {
			return strings.ReplaceAll(hostileRSS(), " RSS item", " RSS item &#1;&#x1b;&#127;")
		}, "application/rss+xml"), mayFail: true, minItems: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			items, err := tc.fetch(t, t.TempDir())
			switch {
			case err != nil && tc.mayFail && errors.Is(err, feed.ErrStale):
				if len(items) > 0 {
					t.Fatalf("refused with %d items: %v", len(items), err)
				}
				t.Logf("refused whole: %v", err)
				return
			case err != nil:
				t.Fatalf("Fetch: %v", err)
			}
			if len(items) < tc.minItems {
				t.Fatalf("%d items, want at least %d", len(items), tc.minItems)
			}
			for _, it := range items {
				for _, p := range hostileItemProblems(it) {
					t.Errorf("item %s: %s", it.ID, p)
				}
			}
			if !tc.local {
				return
			}
			var titled *feed.Item
			for i := range items {
				if items[i].ID == hostilePrefix+tc.titled {
					titled = &items[i]
				}
			}
			if titled == nil {
				t.Fatalf("no item %s%s", hostilePrefix, tc.titled)
			}
			// Plain text keeps the markup as text, escaped nowhere yet.
			if !strings.Contains(titled.Title, hostileText) {
				t.Errorf("Title = %q, want %q in it as text", titled.Title, hostileText)
			}
			if !strings.Contains(titled.Summary, hostileText) {
				t.Errorf("Summary = %q, want %q in it as text", titled.Summary, hostileText)
			}
			cats := strings.Join(titled.Categories, "|")
			if !strings.Contains(cats, hostileScript) {
				t.Errorf("Categories = %q, want %q among them as text", titled.Categories, hostileScript)
			}
			names := ""
			for _, p := range titled.Authors {
				names += p.Name + "|"
			}
			if !strings.Contains(names, hostileScript) && !strings.Contains(names, hostileImg) {
				t.Errorf("Authors = %+v, want the markup of a name as text", titled.Authors)
			}
			if tc.body {
				if text := htmlcheck.Text(titled.ContentHTML); !strings.Contains(text, hostileText) || !strings.Contains(text, `<a href="javascript:alert(1)">link</a>`) {
					t.Errorf("the body's text is %q, want the markup in it as text", text)
				}
			}
		})
	}
}

// hostileItemProblems lists what in an item could run script or break a
// feed: live markup in ContentHTML, URLs that are not absolute http(s),
// and text with characters a feed should not carry or, for one-line
// fields, line breaks.
func hostileItemProblems(it feed.Item) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if it.ID == "" || it.Title == "" {
		add("no ID or no Title: %+v", it)
	}
	line := func(field, s string) {
		if p := hostileBadChars(s); p != "" {
			add("%s: %s", field, p)
		}
		if strings.ContainsAny(s, "\n\r\t") {
			add("%s %q is not on one line", field, s)
		}
	}
	link := func(field, s string) {
		if s == "" {
			return
		}
		if sch := htmlcheck.Scheme(s); sch != "http" && sch != "https" {
			add("%s %q is not an http(s) URL", field, s)
		}
		if p := hostileBadChars(s); p != "" {
			add("%s: %s", field, p)
		}
	}
	line("ID", it.ID)
	line("Title", it.Title)
	line("Summary", it.Summary)
	link("Link", it.Link)
	for _, p := range it.Authors {
		line("author name", p.Name)
		line("author email", p.Email)
		link("author URL", p.URL)
		if p.Email != "" && !hostileEmail.MatchString(p.Email) {
			add("author email %q is not an address", p.Email)
		}
	}
	for _, c := range it.Categories {
		line("category", c)
	}
	for _, e := range it.Enclosures {
		link("enclosure URL", e.URL)
		line("enclosure type", e.Type)
		if strings.ContainsAny(e.Type, `"<> `) {
			add("enclosure type %q is not a media type", e.Type)
		}
	}
	if o := it.Origin; o != nil {
		line("origin ID", o.ID)
		line("origin title", o.Title)
		link("origin link", o.Link)
		link("origin feed URL", o.FeedURL)
	}
	if p := hostileBadChars(it.ContentHTML); p != "" {
		add("ContentHTML: %s", p)
	}
	for _, p := range htmlcheck.LiveMarkup(it.ContentHTML, htmlcheck.Content) {
		add("ContentHTML: %s in %q", p, it.ContentHTML)
	}
	return problems
}

// hostileEmail is what the feed validator takes for an e-mail address
// where RSS and Atom want one; an author's Email must be one.
var hostileEmail = regexp.MustCompile(`^[^\s@()<>,;:"]+@[^\s@()<>,;:"]+\.[^\s@()<>,;:"]+$`)

// hostileBadChars describes the first character in s that no published
// text should hold: C0 and C1 controls other than tab, newline and
// carriage return, and the noncharacters U+FFFE and U+FFFF.
func hostileBadChars(s string) string {
	if !utf8.ValidString(s) {
		return fmt.Sprintf("invalid UTF-8 in %q", s)
	}
	for i, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7f && r <= 0x9f) || r == 0xFFFE || r == 0xFFFF || !feed.XMLChar(r) {
			return fmt.Sprintf("character %U in %q", r, s[max(i-40, 0):min(i+20, len(s))])
		}
	}
	return ""
}

// TestHostileCheckers makes sure the checks above catch what they look
// for, so that a pass means something.
func TestHostileCheckers(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		hostileScript, hostileImg, hostileSVG,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href="jav&#x09;ascript:alert(1)">x</a>`,
		`<img srcset="https://ok.example/a.png 1x, javascript:alert(1) 2x">`,
		`<svg><a xlink:href="javascript:alert(1)">x</a></svg>`,
		`<form action="https://ok.example/"><input name=x></form>`,
		`<p style="color:red">x</p>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
	} {
		if len(htmlcheck.LiveMarkup(bad, htmlcheck.Content)) == 0 {
			t.Errorf("htmlcheck.LiveMarkup passes %s", bad)
		}
	}
	if p := htmlcheck.LiveMarkup(`<p>a <a href="https://ok.example/" rel="nofollow">b</a> <img src="rel.png" alt="c"> &lt;script&gt;</p>`, htmlcheck.Content); len(p) > 0 {
		t.Errorf("htmlcheck.LiveMarkup flags safe HTML: %v", p)
	}
	bad := []feed.Item{
		{ID: "tag:x,2026:a", Title: "a\x01b"},
		{ID: "tag:x,2026:a", Title: "a\nb"},
		{ID: "tag:x,2026:a", Title: "t", Link: hostileJSURL},
		{ID: "tag:x,2026:a", Title: "t", Authors: []feed.Person{{Name: "n", URL: hostileJSURL}}},
		{ID: "tag:x,2026:a", Title: "t", Enclosures: []feed.Enclosure{{URL: "https://ok.example/a", Type: `a/b" onerror="x`}}},
		{ID: "tag:x,2026:a", Title: "t", Origin: &feed.Origin{Link: hostileJSURL}},
		{ID: "tag:x,2026:a", Title: "t", ContentHTML: hostileImg},
	}
	for _, it := range bad {
		if len(hostileItemProblems(it)) == 0 {
			t.Errorf("hostileItemProblems passes %+v", it)
		}
	}
}
