package feed

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/feedpub/feedpub/internal/weburl"
)

// RSS 2.0 (https://www.rssboard.org/rss-specification), with the RSS
// Advisory Board's Best Practices Profile for the warnings.

// rssKind says how the text of an RSS element is checked.
type rssKind int

const (
	rssAny    rssKind = iota // any text, or child elements
	rssPlain                 // plain text; blank draws a warning
	rssHTML                  // entity-encoded HTML
	rssURL                   // an absolute URL
	rssMail                  // an email address, optionally with a name
	rssDate                  // an RFC 822 date
	rssInt                   // a non-negative integer
	rssLang                  // a language tag
	rssParent                // holds child elements of its own
)

// rssChild describes an element RSS 2.0 allows inside another.
type rssChild struct {
	kind     rssKind
	once     bool // at most one
	required bool
}

// rssSchema lists, for each RSS 2.0 element that holds others, the
// elements in no namespace it may hold. Any other element in no namespace
// is not RSS 2.0; elements in a namespace are extensions.
var rssSchema = map[string]map[string]rssChild{
	"rss": {"channel": {kind: rssParent, once: true, required: true}},
	"channel": {
		"title": {rssPlain, true, true}, "link": {rssURL, true, true}, "description": {rssAny, true, true},
		"language": {rssLang, true, false}, "copyright": {rssPlain, true, false},
		"managingEditor": {rssMail, true, false}, "webMaster": {rssMail, true, false},
		"pubDate": {rssDate, true, false}, "lastBuildDate": {rssDate, true, false},
		"category": {rssPlain, false, false}, "generator": {rssPlain, true, false},
		"docs": {rssURL, true, false}, "cloud": {rssAny, true, false}, "ttl": {rssInt, true, false},
		"image": {rssParent, true, false}, "rating": {rssPlain, true, false},
		"textInput": {rssParent, true, false}, "skipHours": {rssParent, true, false},
		"skipDays": {rssParent, true, false}, "item": {rssParent, false, false},
	},
	"item": {
		"title": {rssPlain, true, false}, "link": {rssURL, true, false}, "description": {rssHTML, true, false},
		"author": {rssMail, true, false}, "category": {rssPlain, false, false},
		"comments": {rssURL, true, false}, "enclosure": {rssAny, false, false},
		"guid": {rssAny, true, false}, "pubDate": {rssDate, true, false}, "source": {rssPlain, true, false},
	},
	"image": {
		"url": {rssURL, true, true}, "title": {rssPlain, true, true}, "link": {rssURL, true, true},
		"width": {rssInt, true, false}, "height": {rssInt, true, false}, "description": {rssPlain, true, false},
	},
	"textInput": {
		"title": {rssPlain, true, true}, "description": {rssPlain, true, true},
		"name": {rssPlain, true, true}, "link": {rssURL, true, true},
	},
	"skipHours": {"hour": {rssInt, false, false}},
	"skipDays":  {"day": {rssPlain, false, false}},
}

// rssAttrs lists the attributes in no namespace each RSS element may have;
// required ones are marked true.
var rssAttrs = map[string]map[string]bool{
	"rss":       {"version": true},
	"enclosure": {"url": true, "length": true, "type": true},
	"guid":      {"isPermaLink": false},
	"source":    {"url": true},
	"category":  {"domain": false},
	"cloud":     {"domain": true, "port": true, "path": true, "registerProcedure": true, "protocol": true},
}

// at names e for a message: its line and its path.
func at(e *docElem) string { return fmt.Sprintf("line %d (%s)", e.line, e.path()) }

// checkRSS applies the RSS 2.0 rules and returns the number of items in the
// channel, or -1 when the root is not <rss>.
func (v *validation) checkRSS(root *docElem) int {
	if root.space != "" || root.local != "rss" {
		v.errorf(`the root element is <%s> in namespace %q; an RSS 2.0 document has <rss version="2.0"> in no namespace`, root.qname(), root.space)
		return -1
	}
	if ver, _ := root.attr("", "version"); ver != "2.0" {
		v.errorf(`%s: <rss> has version %q, want "2.0"`, at(root), clipValue(ver))
	}
	v.checkPrefixBindings(root, map[string]string{"atom": nsAtom, "content": nsContent, "dc": nsDC})
	v.checkRSSElement(root)
	ch := root.first("", "channel")
	if ch == nil {
		return 0
	}
	v.checkRSSSelf(ch)
	items := ch.all("", "item")
	guids := map[string]int{}
	for i, it := range items {
		v.checkRSSItem(i+1, it, guids)
	}
	return len(items)
}

// checkRSSElement checks e's attributes and children against the schema,
// and each child's value, then descends.
func (v *validation) checkRSSElement(e *docElem) {
	v.checkRSSAttrs(e)
	if e.local == "cloud" {
		if p, ok := e.attr("", "port"); ok && (!isUint(p) || strings.Trim(strings.TrimSpace(p), "0") == "") {
			v.errorf("%s: <cloud> port %q is not a positive whole number", at(e), clipValue(p))
		}
	}
	schema, ok := rssSchema[e.local]
	if !ok || e.space != "" {
		return
	}
	if t := strings.TrimSpace(e.textValue()); t != "" {
		v.errorf("%s: <%s> holds the text %q; it holds elements only", at(e), e.local, clipValue(t))
	}
	seen := map[string]int{}
	for _, c := range e.children {
		if c.space != "" {
			v.checkExtension(c)
			continue
		}
		spec, known := schema[c.local]
		if !known {
			v.errorf("%s: <%s> is not an element of RSS 2.0 inside <%s>", at(c), c.qname(), e.local)
			continue
		}
		seen[c.local]++
		if spec.once && seen[c.local] == 2 {
			v.errorf("%s: <%s> appears more than once in <%s>", at(c), c.local, e.local)
		}
		v.checkRSSValue(c, spec.kind)
		if spec.kind == rssParent || c.local == "cloud" {
			v.checkRSSElement(c)
			continue
		}
		v.checkRSSAttrs(c)
		if len(c.children) > 0 && spec.kind != rssAny {
			v.errorf("%s: <%s> holds element <%s>; it takes text only (escape HTML as &lt;)", at(c), c.local, c.children[0].qname())
		}
	}
	for _, name := range rssRequired[e.local] {
		if seen[name] == 0 {
			v.errorf("%s: <%s> is missing required element <%s>", at(e), e.local, name)
		}
	}
	switch e.local {
	case "skipHours":
		v.checkRSSSkip(e, "hour", 24, func(s string) bool {
			n, err := strconv.Atoi(s)
			return err == nil && n >= 0 && n <= 23
		})
	case "skipDays":
		v.checkRSSSkip(e, "day", 7, func(s string) bool {
			switch s {
			case "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday":
				return true
			}
			return false
		})
	case "image":
		for name, most := range map[string]int{"width": 144, "height": 400} {
			if c := e.first("", name); c != nil {
				if n, err := strconv.Atoi(strings.TrimSpace(c.textValue())); err == nil && (n > most || n == 0) {
					v.errorf("%s: <image> %s %d is out of range; at most %d", at(c), name, n, most)
				}
			}
		}
	case "textInput":
		if c := e.first("", "name"); c != nil && !formName().MatchString(strings.TrimSpace(c.textValue())) {
			v.errorf("%s: <name> %q is not a form field name (a letter, then letters, digits, '-', '_', '.' or ':')", at(c), clipValue(c.textValue()))
		}
	}
}

// checkRSSAttrs reports attributes in no namespace that RSS 2.0 does not
// give e, and the ones it requires that e lacks.
func (v *validation) checkRSSAttrs(e *docElem) {
	allowed := rssAttrs[e.local]
	for _, a := range e.attrs {
		if _, known := allowed[a.local]; a.space == "" && !known {
			v.errorf("%s: <%s> has no attribute %q in RSS 2.0", at(e), e.qname(), a.local)
		}
	}
	for _, name := range rssRequiredAttrs[e.local] {
		if _, ok := e.attr("", name); !ok {
			v.errorf("%s: <%s> is missing attribute %q", at(e), e.qname(), name)
		}
	}
}

func (v *validation) checkRSSSkip(e *docElem, child string, most int, valid func(string) bool) {
	if len(e.all("", child)) == 0 {
		v.errorf("%s: <%s> holds no <%s>", at(e), e.local, child)
	}
	seen := map[string]bool{}
	for i, c := range e.all("", child) {
		s := strings.TrimSpace(c.textValue())
		switch {
		case !valid(s):
			v.errorf("%s: <%s> %q is not a valid %s", at(c), child, clipValue(s), child)
		case seen[s]:
			v.errorf("%s: <%s> %q appears twice", at(c), child, clipValue(s))
		}
		seen[s] = true
		if i == most {
			v.errorf("%s: <%s> holds more than %d <%s> elements", at(e), e.local, most, child)
		}
	}
}

func isUint(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// checkRSSValue checks the text of an element by its kind.
func (v *validation) checkRSSValue(e *docElem, kind rssKind) {
	s := e.textValue()
	trimmed := strings.TrimSpace(s)
	subject := at(e)
	field := "<" + e.local + ">"
	switch kind {
	case rssPlain:
		if trimmed == "" && e.local != "description" {
			v.warnf("%s: empty %s", subject, field)
		}
		v.checkPlainText(subject, field, s, false)
		if m := htmlTag().FindString(s); m != "" && e.local != "description" {
			v.note(Warning, ruleBest, true, "%s: %s is plain text but holds the HTML tag %q", subject, field, clipValue(m))
		}
	case rssHTML:
		v.checkHTMLText(subject, field, s)
	case rssURL:
		switch {
		case trimmed == "":
			v.errorf("%s: empty %s", subject, field)
		case !weburl.IsIRI(trimmed):
			v.errorf("%s: %s %q is not an absolute URL", subject, field, clipValue(trimmed))
		case strings.IndexFunc(trimmed, func(r rune) bool { return r >= 0x80 }) >= 0:
			v.errorf("%s: %s %q holds characters a URL must percent-encode", subject, field, clipValue(trimmed))
		case !weburl.IsHTTP(trimmed):
			v.warnf("%s: %s %q is not an http(s) URL", subject, field, clipValue(trimmed))
		}
	case rssMail:
		v.checkRSSEmail(subject, e)
	case rssDate:
		v.checkRFC822(subject, e)
	case rssInt:
		if !isUint(trimmed) {
			v.errorf("%s: %s %q is not a whole number", subject, field, clipValue(trimmed))
		} else if n, _ := strconv.Atoi(trimmed); n == 0 && e.local == "ttl" {
			v.errorf("%s: %s is 0; a time to live is a positive number of minutes", subject, field)
		}
	case rssLang:
		v.checkLanguage(subject, field, s)
	}
}

// checkExtension checks the extension elements of RSS and Atom that
// feedpub knows: Dublin Core dates and languages, Atom dates and links in
// RSS, content:encoded, geo positions and Creative Commons licenses.
func (v *validation) checkExtension(c *docElem) {
	switch {
	case c.space == nsDC && c.local == "date":
		v.checkW3CDTF(at(c), "<dc:date>", c.textValue())
	case c.space == nsAtom && (c.local == "updated" || c.local == "published"):
		v.checkRFC3339(at(c), "<"+c.qname()+">", c.textValue())
	case c.space == nsAtom && c.local == "link":
		if href, ok := c.attr("", "href"); !ok || !weburl.IsIRI(strings.TrimSpace(href)) {
			v.errorRule(ruleAtom, "%s: <%s> href %q is not an absolute URL", at(c), c.qname(), clipValue(href))
		}
	case c.space == nsDC && c.local == "language":
		v.checkLanguage(at(c), "<dc:language>", c.textValue())
	case geoRanges[c.space+" "+c.local] != 0:
		limit := geoRanges[c.space+" "+c.local]
		f, err := strconv.ParseFloat(strings.TrimSpace(c.textValue()), 64)
		if err != nil || f < -limit || f > limit {
			v.errorRule("geo", "%s: <%s> %q is not a number from %v to %v", at(c), c.qname(), clipValue(c.textValue()), -limit, limit)
		}
	case c.space == "http://backend.userland.com/creativeCommonsRssModule" && c.local == "license":
		if !weburl.IsIRI(strings.TrimSpace(c.textValue())) {
			v.errorRule("Creative Commons module", "%s: <%s> %q is not the URL of a license", at(c), c.qname(), clipValue(c.textValue()))
		}
	case c.space == nsContent && c.local == "encoded":
		v.checkHTMLText(at(c), "<content:encoded>", c.textValue())
	}
}

// checkRSSSelf asks for <atom:link rel="self">, which tells readers and
// hubs the feed's own address (RSS Best Practices Profile).
func (v *validation) checkRSSSelf(ch *docElem) {
	found := false
	for _, l := range ch.all(nsAtom, "link") {
		if rel, _ := l.attr("", "rel"); rel != "self" {
			continue
		}
		found = true
		href, _ := l.attr("", "href")
		if v.report.Self == "" {
			v.report.Self = strings.TrimSpace(href)
		}
		if !weburl.IsHTTP(href) {
			v.warnRule(ruleRSSBest, `%s: <atom:link rel="self"> href %q is not an absolute http(s) URL`, at(l), clipValue(href))
		}
		if typ, _ := l.attr("", "type"); typ != RSS.MediaType() {
			v.warnRule(ruleRSSBest, `%s: <atom:link rel="self"> has type %q, want %q`, at(l), clipValue(typ), RSS.MediaType())
		}
	}
	if !found {
		v.warnRule(ruleRSSBest, `%s: missing <atom:link rel="self" type=%q> (with xmlns:atom=%q)`, at(ch), RSS.MediaType(), nsAtom)
	}
}

// checkRSSItem applies the rules that span an item's elements. guids maps
// each guid seen to the number of its item.
func (v *validation) checkRSSItem(n int, it *docElem, guids map[string]int) {
	guidElem := it.first("", "guid")
	guid := ""
	if guidElem != nil {
		guid = strings.TrimSpace(guidElem.textValue())
	}
	subject := at(it)
	if guid != "" {
		subject += fmt.Sprintf(" (guid %q)", clipValue(guid))
	}
	title, desc := it.first("", "title"), it.first("", "description")
	if blankElem(title) && blankElem(desc) {
		v.errorf("%s: an item needs a non-empty <title> or <description>", subject)
	}
	switch {
	case guidElem == nil:
		v.warnRule(ruleRSSBest, "%s: missing <guid>; readers tell items apart by it", subject)
	case guid == "":
		v.errorf("%s: empty <guid>; a guid identifies its item", subject)
	default:
		if prev, dup := guids[guid]; dup {
			v.errorf("%s: duplicate <guid>, also on item %d; a guid identifies one item", subject, prev)
		} else {
			guids[guid] = n
		}
		if perma, ok := guidElem.attr("", "isPermaLink"); (!ok || perma == "true") && !weburl.IsHTTP(guid) {
			v.errorf(`%s: <guid> is a permalink (isPermaLink absent or "true") but not an http(s) URL; add isPermaLink="false"`, subject)
		}
	}
	if guidElem != nil {
		if perma, ok := guidElem.attr("", "isPermaLink"); ok && perma != "true" && perma != "false" {
			v.errorf(`%s: <guid> has isPermaLink %q, want "true" or "false"`, at(guidElem), clipValue(perma))
		}
	}
	if it.first("", "pubDate") == nil {
		v.warnRule(ruleRSSBest, "%s: missing <pubDate>", subject)
	}
	for _, enc := range it.all("", "enclosure") {
		if u, ok := enc.attr("", "url"); ok && !weburl.IsIRI(strings.TrimSpace(u)) {
			v.errorf("%s: <enclosure> url %q is not an absolute URL", at(enc), clipValue(u))
		}
		if l, ok := enc.attr("", "length"); ok && !isUint(l) {
			v.errorf("%s: <enclosure> length %q is not a whole number of bytes", at(enc), clipValue(l))
		}
		if t, ok := enc.attr("", "type"); ok && !mediaType().MatchString(strings.TrimSpace(t)) {
			v.errorf("%s: <enclosure> type %q is not a media type", at(enc), clipValue(t))
		}
	}
	if len(it.all("", "enclosure")) > 1 {
		v.warnRule(ruleRSSBest, "%s: more than one <enclosure>; many readers take only the first", subject)
	}
	if src := it.first("", "source"); src != nil {
		if u, ok := src.attr("", "url"); ok && !weburl.IsIRI(strings.TrimSpace(u)) {
			v.errorf("%s: <source> url %q is not an absolute URL", at(src), clipValue(u))
		}
	}
	if c := it.first("", "comments"); c != nil && blankElem(c) {
		v.errorf("%s: empty <comments>", at(c))
	}
}

// geoRanges are the limits of the latitudes and longitudes of the geo
// vocabularies feeds use.
var geoRanges = map[string]float64{
	"http://www.w3.org/2003/01/geo/wgs84_pos# lat": 90, "http://www.w3.org/2003/01/geo/wgs84_pos# long": 180,
	"http://geourl.org/rss/module/ latitude": 90, "http://geourl.org/rss/module/ longitude": 180,
	"http://postneo.com/icbm latitude": 90, "http://postneo.com/icbm longitude": 180,
}

// mediaType matches a MIME type such as audio/mpeg.
var mediaType = lazyRegexp(`^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(?:\s*;.*)?$`)

// rssEmail finds an email address in a person field such as
// "jo@example.com (Jo Writer)".
var rssEmail = lazyRegexp(`[^\s@()<>,;:"]+@[^\s@()<>,;:"]+\.[^\s@()<>,;:"]+`)

// rssContact is the form RSS 2.0 gives its person fields: an address, then
// the name in parentheses.
var rssContact = lazyRegexp(`^([^\s()<>,;:"]+@[^\s()<>,;:"]+)(\s*\((.*)\))?$`)

// parenthesised matches a comment in parentheses.
var parenthesised = lazyRegexp(`\([^()]*\)`)

// formName is a form field name, as textInput's name must be.
var formName = lazyRegexp(`^[A-Za-z_][A-Za-z0-9_.:-]*$`)

// checkRSSEmail requires an email address where RSS 2.0 asks for one
// (author, managingEditor, webMaster): "email (Name)". A bare name belongs
// in dc:creator.
func (v *validation) checkRSSEmail(subject string, e *docElem) {
	s := strings.TrimSpace(e.textValue())
	field := "<" + e.qname() + ">"
	switch m := rssContact().FindStringSubmatch(s); {
	case m != nil && EmailAddress(m[1]):
		if m[2] == "" {
			v.warnRule(ruleRSSBest, "%s: %s %q has no name; write \"email (Name)\"", subject, field, clipValue(s))
		}
	case strings.HasPrefix(strings.ToLower(s), "mailto:"):
		v.warnRule(ruleRSSBest, "%s: %s %q is a mailto: URL; write \"email (Name)\"", subject, field, clipValue(s))
	case rssEmail().MatchString(parenthesised().ReplaceAllString(s, "")):
		v.warnRule(ruleRSSBest, "%s: %s %q is not in the form \"email (Name)\"", subject, field, clipValue(s))
	default:
		v.errorf("%s: %s %q has no email address outside parentheses; RSS wants \"email (Name)\", a bare name goes in <dc:creator>", subject, field, clipValue(s))
	}
}

// rssRequired and rssRequiredAttrs list, in name order, the children and
// attributes rssSchema and rssAttrs mark required, so that the checks look them up
// once rather than on every element.
var rssRequired, rssRequiredAttrs = func() (elems, attrs map[string][]string) {
	elems, attrs = map[string][]string{}, map[string][]string{}
	for parent, children := range rssSchema {
		for _, name := range slices.Sorted(maps.Keys(children)) {
			if children[name].required {
				elems[parent] = append(elems[parent], name)
			}
		}
	}
	for elem, list := range rssAttrs {
		for _, name := range slices.Sorted(maps.Keys(list)) {
			if list[name] {
				attrs[elem] = append(attrs[elem], name)
			}
		}
	}
	return elems, attrs
}()
