package feed

import (
	"regexp"
	"strings"
	"time"
)

// RSS 2.0 (https://www.rssboard.org/rss-specification).

// checkRSS applies the RSS 2.0 rules and returns the number of items in the
// channel, or -1 when the root is not <rss>.
func (v *validation) checkRSS(root *docElem) int {
	if root.space != "" || root.local != "rss" {
		v.errorf(`the root element is <%s> in namespace %q; an RSS 2.0 document has <rss version="2.0"> in no namespace`, root.qname(), root.space)
		return -1
	}
	if ver, _ := root.attr("", "version"); ver != "2.0" {
		v.errorf(`<rss> has version %q, want "2.0"`, clipValue(ver))
	}
	v.checkPrefixBindings(root, map[string]string{"atom": specAtomNS, "content": specContentNS, "dc": specDCNS})
	for _, it := range root.all("", "item") {
		v.errorf("line %d (%s): <item> outside <channel>", it.line, it.path())
	}
	channels := root.all("", "channel")
	if len(channels) == 0 {
		v.errorf("<rss> has no <channel>")
		return 0
	}
	if len(channels) > 1 {
		v.errorf("<rss> has %d <channel> elements, want one", len(channels))
	}
	ch := channels[0]
	const subject = "channel"
	if title := ch.first("", "title"); blankElem(title) {
		v.errorf("%s: missing or empty <title>", subject)
	} else {
		v.checkPlainText(subject, "<title>", title.textValue(), false)
	}
	if link := ch.first("", "link"); link == nil {
		v.errorf("%s: missing <link>", subject)
	} else {
		v.checkWebURL(subject, "<link>", link.textValue())
	}
	if desc := ch.first("", "description"); desc == nil {
		v.errorf("%s: missing <description>", subject)
	} else if blankElem(desc) {
		v.warnf("%s: empty <description>", subject)
	}
	v.checkRSSSelf(subject, ch)
	if lang := ch.first("", "language"); lang != nil {
		v.checkLanguage(subject, "<language>", lang.textValue())
	}
	for _, name := range []string{"pubDate", "lastBuildDate"} {
		if e := ch.first("", name); e != nil {
			v.checkRFC1123(subject, e)
		}
	}
	for _, name := range []string{"managingEditor", "webMaster"} {
		if e := ch.first("", name); e != nil {
			v.checkRSSEmail(subject, e)
		}
	}
	v.checkExtensionDates(subject, ch)
	items := ch.all("", "item")
	guids := map[string]int{}
	for i, it := range items {
		v.checkRSSItem(i+1, it, guids)
	}
	return len(items)
}

// checkRSSSelf requires <atom:link rel="self">, which tells readers and
// hubs the feed's own address (RSS Best Practices Profile).
func (v *validation) checkRSSSelf(subject string, ch *docElem) {
	found := false
	for _, l := range ch.all(specAtomNS, "link") {
		if rel, _ := l.attr("", "rel"); rel != "self" {
			continue
		}
		found = true
		href, _ := l.attr("", "href")
		if !isWebURL(href) {
			v.errorf(`%s: <atom:link rel="self"> href %q is not an absolute http(s) URL`, subject, clipValue(href))
		}
		if typ, _ := l.attr("", "type"); typ != "application/rss+xml" {
			v.errorf(`%s: <atom:link rel="self"> has type %q, want "application/rss+xml"`, subject, clipValue(typ))
		}
	}
	if !found {
		v.errorf(`%s: missing <atom:link rel="self" type="application/rss+xml"> (with xmlns:atom=%q)`, subject, specAtomNS)
	}
}

// checkRSSItem applies the item rules. guids maps each guid seen to the
// number of its item.
func (v *validation) checkRSSItem(n int, it *docElem, guids map[string]int) {
	guidElem := it.first("", "guid")
	guid := ""
	if guidElem != nil {
		guid = strings.TrimSpace(guidElem.textValue())
	}
	subject := itemSubject("item", n, "guid", guid)
	title, desc := it.first("", "title"), it.first("", "description")
	if blankElem(title) && blankElem(desc) {
		v.errorf("%s: needs a non-empty <title> or <description>", subject)
	}
	if title != nil {
		v.checkPlainText(subject, "<title>", title.textValue(), false)
	}
	if desc != nil {
		v.checkHTMLText(subject, "<description>", desc.textValue())
	}
	for _, c := range it.all(specContentNS, "encoded") {
		v.checkHTMLText(subject, "<content:encoded>", c.textValue())
	}
	switch {
	case guidElem == nil:
		v.errorf("%s: missing <guid>", subject)
	case guid == "":
		v.errorf("%s: empty <guid>", subject)
	default:
		if prev, dup := guids[guid]; dup {
			v.errorf("%s: duplicate <guid>, also on item %d", subject, prev)
		} else {
			guids[guid] = n
		}
		switch perma, ok := guidElem.attr("", "isPermaLink"); {
		case !ok || perma == "true":
			if !isWebURL(guid) {
				v.errorf(`%s: <guid> is a permalink (isPermaLink absent or "true") but not an absolute http(s) URL; add isPermaLink="false"`, subject)
			}
		case perma != "false":
			v.errorf(`%s: <guid> has isPermaLink %q, want "true" or "false"`, subject, clipValue(perma))
		}
	}
	if p := it.first("", "pubDate"); p == nil {
		v.errorf("%s: missing <pubDate>", subject)
	} else {
		v.checkRFC1123(subject, p)
	}
	if l := it.first("", "link"); l != nil {
		v.checkWebURL(subject, "<link>", l.textValue())
	}
	for _, a := range it.all("", "author") {
		v.checkRSSEmail(subject, a)
	}
	for _, enc := range it.all("", "enclosure") {
		if u, _ := enc.attr("", "url"); !isWebURL(u) {
			v.errorf("%s: <enclosure> url %q is not an absolute http(s) URL", subject, clipValue(u))
		}
		for _, name := range []string{"length", "type"} {
			if _, ok := enc.attr("", name); !ok {
				v.errorf("%s: <enclosure> has no %s", subject, name)
			}
		}
	}
	v.checkExtensionDates(subject, it)
}

// checkExtensionDates checks the RFC 3339 dates that extensions add to RSS
// elements: dc:date, atom:updated and atom:published.
func (v *validation) checkExtensionDates(subject string, e *docElem) {
	for _, c := range e.children {
		if (c.space == specDCNS && c.local == "date") || (c.space == specAtomNS && (c.local == "updated" || c.local == "published")) {
			v.checkRFC3339(subject, "<"+c.qname()+">", c.textValue())
		}
	}
}

// checkRFC1123 checks an RSS date: RFC 822 as RFC 1123 writes it, with a
// four-digit year and a numeric zone, which every reader parses. A named
// zone is tolerated with a warning, as readers know only some names.
func (v *validation) checkRFC1123(subject string, e *docElem) {
	field := "<" + e.qname() + ">"
	raw := e.textValue()
	s := strings.TrimSpace(raw)
	if s == "" {
		v.errorf("%s: empty %s", subject, field)
		return
	}
	if s != raw {
		v.warnf("%s: %s %q has white space around the date", subject, field, clipValue(raw))
	}
	t, err := time.Parse(time.RFC1123Z, s)
	if err != nil {
		if t, err = time.Parse(time.RFC1123, s); err != nil {
			v.errorf(`%s: %s %q is not an RFC 1123 date with a numeric zone, like "Mon, 02 Jan 2006 15:04:05 -0700"`, subject, field, clipValue(s))
			return
		}
		v.warnf("%s: %s %q names its time zone; use a numeric zone such as +0000", subject, field, clipValue(s))
	}
	if day := t.Weekday().String()[:3]; !strings.HasPrefix(s, day) {
		v.errorf("%s: %s %q has the wrong day of the week; the date is a %s", subject, field, clipValue(s), t.Weekday())
	}
}

// rssEmail finds an email address in a person field such as
// "jo@example.com (Jo Writer)".
var rssEmail = regexp.MustCompile(`[^\s@()<>,;:"]+@[^\s@()<>,;:"]+\.[^\s@()<>,;:"]+`)

// checkRSSEmail requires an email address where RSS 2.0 asks for one
// (author, managingEditor, webMaster); a bare name belongs in dc:creator.
func (v *validation) checkRSSEmail(subject string, e *docElem) {
	if s := e.textValue(); !rssEmail.MatchString(s) {
		v.errorf("%s: <%s> %q has no email address; RSS wants \"email (Name)\", a bare name goes in <dc:creator>", subject, e.qname(), clipValue(strings.TrimSpace(s)))
	}
}
