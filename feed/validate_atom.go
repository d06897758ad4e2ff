package feed

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/weburl"
)

// Atom 1.0 (RFC 4287).

// atomKind says how an Atom element is checked.
type atomKind int

const (
	atomText    atomKind = iota // a text construct (3.1)
	atomContent                 // atom:content (4.1.3)
	atomPerson                  // a person construct (3.2)
	atomDate                    // a date construct (3.3)
	atomID                      // an absolute IRI (4.2.6)
	atomIRI                     // an IRI reference (icon, logo, uri)
	atomEmail                   // an email address
	atomPlain                   // any text (name, generator)
	atomEmpty                   // no content (link, category)
	atomParent                  // entry, source
)

// atomChild describes an Atom element allowed inside another.
type atomChild struct {
	kind     atomKind
	once     bool
	required bool
}

// atomSchema lists, for each Atom element that holds others, the Atom
// elements it may hold (RFC 4287 section 4). Elements of other namespaces
// are extensions.
var atomSchema = map[string]map[string]atomChild{
	"feed": {
		"author": {atomPerson, false, false}, "category": {atomEmpty, false, false},
		"contributor": {atomPerson, false, false}, "generator": {atomPlain, true, false},
		"icon": {atomIRI, true, false}, "id": {atomID, true, true}, "link": {atomEmpty, false, false},
		"logo": {atomIRI, true, false}, "rights": {atomText, true, false}, "subtitle": {atomText, true, false},
		"title": {atomText, true, true}, "updated": {atomDate, true, true}, "entry": {atomParent, false, false},
	},
	"entry": {
		"author": {atomPerson, false, false}, "category": {atomEmpty, false, false},
		"content": {atomContent, true, false}, "contributor": {atomPerson, false, false},
		"id": {atomID, true, true}, "link": {atomEmpty, false, false}, "published": {atomDate, true, false},
		"rights": {atomText, true, false}, "source": {atomParent, true, false}, "summary": {atomText, true, false},
		"title": {atomText, true, true}, "updated": {atomDate, true, true},
	},
	"source": {
		"author": {atomPerson, false, false}, "category": {atomEmpty, false, false},
		"contributor": {atomPerson, false, false}, "generator": {atomPlain, true, false},
		"icon": {atomIRI, true, false}, "id": {atomID, true, false}, "link": {atomEmpty, false, false},
		"logo": {atomIRI, true, false}, "rights": {atomText, true, false}, "subtitle": {atomText, true, false},
		"title": {atomText, true, false}, "updated": {atomDate, true, false},
	},
	"author":      {"name": {atomPlain, true, true}, "uri": {atomIRI, true, false}, "email": {atomEmail, true, false}},
	"contributor": {"name": {atomPlain, true, true}, "uri": {atomIRI, true, false}, "email": {atomEmail, true, false}},
}

// atomAttrs lists the attributes in no namespace each Atom element may
// have; required ones are marked true. Elements not listed take none.
var atomAttrs = map[string]map[string]bool{
	"link":      {"href": true, "rel": false, "type": false, "hreflang": false, "title": false, "length": false},
	"category":  {"term": true, "scheme": false, "label": false},
	"content":   {"type": false, "src": false},
	"generator": {"uri": false, "version": false},
	"title":     {"type": false}, "subtitle": {"type": false}, "rights": {"type": false}, "summary": {"type": false},
}

// atomRels are the link relations registered with IANA that Atom readers
// meet; others must be absolute IRIs.
var atomRels = map[string]bool{
	"alternate": true, "related": true, "self": true, "enclosure": true, "via": true,
	"license": true, "replies": true, "edit": true, "edit-media": true, "first": true, "last": true,
	"next": true, "previous": true, "prev": true, "prev-archive": true, "next-archive": true,
	"current": true, "hub": true, "payment": true, "service": true, "describedby": true,
	"search": true, "up": true, "icon": true, "lrdd": true, "archives": true, "alternate-feed": true,
}

// checkAtom applies the Atom rules and returns the number of entries, or -1
// when the root is not an Atom <feed>.
func (v *validation) checkAtom(root *docElem) int {
	if root.space != nsAtom || root.local != "feed" {
		v.errorf(`the root element is <%s> in namespace %q; an Atom document has <feed xmlns=%q>`, root.qname(), root.space, nsAtom)
		return -1
	}
	root.walk(func(e *docElem) {
		lang, ok := e.attr(nsXML, "lang")
		switch {
		case !ok, strings.TrimSpace(lang) == "":
			// xml:lang="" says the language is unknown (XML 1.0 2.12).
		default:
			if !isLanguageTag(lang) {
				v.errorRule(ruleXML, "%s: xml:lang %q is not a language tag", at(e), clipValue(lang))
			}
		}
		if base, ok := e.attr(nsXML, "base"); ok {
			v.checkIRIRef(e, "xml:base", base)
		}
		if e.space != nsAtom && e.parent != nil && e.parent.space == nsAtom {
			v.checkExtension(e)
		}
	})
	v.checkAtomElement(root)
	self := atomLinks(root, "self")
	if len(self) == 0 {
		v.warnf(`%s: missing <link rel="self">; readers and hubs learn the feed's address from it`, at(root))
	}
	for _, l := range self {
		if href, _ := l.attr("", "href"); v.report.Self == "" {
			v.report.Self = strings.TrimSpace(href)
		}
		if href, _ := l.attr("", "href"); strings.TrimSpace(href) == "" {
			v.warnf(`%s: <link rel="self"> has an empty href, which names the document only where it is fetched from`, at(l))
		}
	}
	entries := root.all(nsAtom, "entry")
	feedHasAuthor := root.first(nsAtom, "author") != nil
	ids := map[string]int{}
	updated := map[string]int{}
	for i, en := range entries {
		v.checkAtomEntry(i+1, en, feedHasAuthor, ids, updated)
	}
	return len(entries)
}

// atomLinks returns e's Atom links of relation rel.
func atomLinks(e *docElem, rel string) []*docElem {
	var out []*docElem
	for _, l := range e.all(nsAtom, "link") {
		r, _ := l.attr("", "rel")
		if strings.TrimSpace(r) == "" {
			r = "alternate"
		}
		if r == rel || r == "http://www.iana.org/assignments/relation/"+rel {
			out = append(out, l)
		}
	}
	return out
}

// checkAtomElement checks e's children against the schema, then descends.
func (v *validation) checkAtomElement(e *docElem) {
	schema := atomSchema[e.local]
	if t := strings.TrimSpace(e.textValue()); t != "" {
		v.errorf("%s: <%s> holds the text %q; it holds elements only", at(e), e.local, clipValue(t))
	}
	seen := map[string]int{}
	for _, c := range e.children {
		if c.space != nsAtom {
			continue
		}
		spec, known := schema[c.local]
		if !known {
			v.errorf("%s: <%s> is not an Atom element inside <%s>", at(c), c.qname(), e.local)
			continue
		}
		seen[c.local]++
		if spec.once && seen[c.local] == 2 {
			v.errorf("%s: <%s> appears more than once in <%s>", at(c), c.local, e.local)
		}
		v.checkAtomAttrs(c)
		v.checkAtomValue(c, spec.kind)
		if spec.kind == atomParent || spec.kind == atomPerson {
			v.checkAtomElement(c)
		}
	}
	for _, name := range atomRequired[e.local] {
		if seen[name] == 0 {
			v.errorf("%s: <%s> is missing required element <%s>", at(e), e.local, name)
		}
	}
	if e.local == "feed" || e.local == "entry" || e.local == "source" {
		v.checkAtomAlternates(e)
	}
}

// checkAtomAlternates allows one alternate link per type and hreflang
// (RFC 4287 4.1.1 and 4.1.2).
func (v *validation) checkAtomAlternates(e *docElem) {
	seen := map[string]bool{}
	for _, l := range atomLinks(e, "alternate") {
		typ, _ := l.attr("", "type")
		lang, _ := l.attr("", "hreflang")
		key := typ + "\x00" + lang
		if seen[key] {
			v.errorf(`%s: a second <link rel="alternate"> with type %q and hreflang %q`, at(l), clipValue(typ), clipValue(lang))
		}
		seen[key] = true
	}
}

// checkAtomAttrs checks the attributes of an Atom element.
func (v *validation) checkAtomAttrs(e *docElem) {
	allowed := atomAttrs[e.local]
	for _, a := range e.attrs {
		if _, known := allowed[a.local]; a.space == "" && !known {
			v.errorf("%s: <%s> has no attribute %q in Atom", at(e), e.local, a.local)
		}
	}
	for _, name := range atomRequiredAttrs[e.local] {
		if val, ok := e.attr("", name); !ok || strings.TrimSpace(val) == "" && name != "href" {
			v.errorf("%s: <%s> is missing attribute %q", at(e), e.local, name)
		}
	}
	switch e.local {
	case "link":
		href, _ := e.attr("", "href")
		v.checkIRIRef(e, "href", href)
		if rel, ok := e.attr("", "rel"); ok {
			rel = strings.TrimSpace(rel)
			switch {
			case rel == "":
				v.errorf("%s: <link> has an empty rel", at(e))
			case atomRels[rel]:
			case strings.Contains(rel, ":"):
				if !weburl.IsIRI(rel) {
					v.errorf("%s: <link> rel %q is neither a registered relation nor an absolute IRI", at(e), clipValue(rel))
				}
			default:
				v.warnf("%s: <link> rel %q is not a registered relation", at(e), clipValue(rel))
			}
		}
		if typ, ok := e.attr("", "type"); ok && !mediaType().MatchString(strings.TrimSpace(typ)) {
			v.errorf("%s: <link> type %q is not a media type", at(e), clipValue(typ))
		}
		if hl, ok := e.attr("", "hreflang"); ok {
			if !isLanguageTag(strings.TrimSpace(hl)) {
				v.errorf("%s: <link> hreflang %q is not a language tag", at(e), clipValue(hl))
			}
		}
		if n, ok := e.attr("", "length"); ok && !isUint(n) {
			v.errorf("%s: <link> length %q is not a whole number of bytes", at(e), clipValue(n))
		}
	case "category":
		if s, ok := e.attr("", "scheme"); ok {
			v.checkAbsIRI(e, "scheme", s)
		}
	case "generator":
		if s, ok := e.attr("", "uri"); ok {
			v.checkIRIRef(e, "uri", s)
		}
	}
}

// checkIRIRef checks an IRI reference: relative ones are resolved against
// xml:base or the document's address, so only its syntax can be wrong.
func (v *validation) checkIRIRef(e *docElem, field, s string) {
	if !weburl.IsIRIRef(s) {
		v.errorf("%s: <%s> %s %q is not an IRI: it holds white space or a character IRIs do not allow", at(e), e.local, field, clipValue(s))
	}
}

// checkAbsIRI checks an attribute that must be an absolute IRI.
func (v *validation) checkAbsIRI(e *docElem, field, s string) {
	if !weburl.IsIRI(s) {
		v.errorf("%s: <%s> %s %q is not an absolute IRI", at(e), e.local, field, clipValue(s))
	}
}

// checkAtomValue checks an Atom element's content by its kind.
func (v *validation) checkAtomValue(e *docElem, kind atomKind) {
	s := e.textValue()
	trimmed := strings.TrimSpace(s)
	field := "<" + e.local + ">"
	switch kind {
	case atomText, atomContent:
		v.checkAtomText(e)
	case atomDate:
		v.checkRFC3339(at(e), field, s)
	case atomID:
		switch {
		case trimmed == "":
			v.errorf("%s: empty <id>", at(e))
		case trimmed != s:
			v.errorf("%s: <id> %q has white space around it; an IRI holds none", at(e), clipValue(s))
		case !weburl.IsIRI(trimmed):
			v.errorf("%s: <id> %q is not an absolute IRI", at(e), clipValue(trimmed))
		default:
			v.checkURIScheme(e, trimmed)
		}
	case atomIRI:
		if trimmed == "" {
			v.errorf("%s: empty %s", at(e), field)
		}
		v.checkIRIRef(e, "text", s)
	case atomEmail:
		if !EmailAddress(trimmed) {
			v.errorf("%s: <email> %q is not an email address", at(e), clipValue(trimmed))
		}
	case atomPlain:
		if e.local == "name" && trimmed == "" {
			v.warnf("%s: empty <name>", at(e))
		}
		if len(e.children) > 0 {
			v.errorf("%s: %s holds element <%s>; it takes text only", at(e), field, e.children[0].qname())
		}
	case atomEmpty:
		if trimmed != "" && e.local == "link" {
			v.warnf("%s: <link> has text; its address belongs in href", at(e))
		}
	}
}

// tagURI matches a tag: URI (RFC 4151): an authority (a domain name or an
// email address), a date, and a specific part.
var tagURI = lazyRegexp(`^tag:(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*,(\d{4})(?:-(\d\d)(?:-(\d\d))?)?:[A-Za-z0-9\-._~%!$&'()*+,;=:@/?\x{80}-\x{10FFFF}]*(?:#.*)?$`)

// checkURIScheme checks the syntax of the id schemes feeds use most. Its
// findings are errors, but heuristic ones for publishing: an id taken from
// another feed must stay as it was given, so feedpub cannot mend it.
func (v *validation) checkURIScheme(e *docElem, id string) {
	scheme, _, _ := strings.Cut(id, ":")
	switch strings.ToLower(scheme) {
	case "tag":
		m := tagURI().FindStringSubmatch(id)
		ok := m != nil
		if ok && m[2] != "" {
			day := "01"
			if m[3] != "" {
				day = m[3]
			}
			_, err := time.Parse("2006-01-02", m[1]+"-"+m[2]+"-"+day)
			ok = err == nil
		}
		if !ok {
			v.note(Error, "RFC 4151", true, "%s: <id> %q is not a valid tag: URI like tag:example.com,2006-01-02:specific", at(e), clipValue(id))
		}
	case "urn":
		if !urnSyntax().MatchString(id) {
			v.note(Error, "RFC 8141", true, "%s: <id> %q is not a valid urn: like urn:uuid:...", at(e), clipValue(id))
		}
	case "http", "https":
		if !weburl.IsHTTP(id) {
			v.note(Error, ruleAtom, true, "%s: <id> %q is not a valid http(s) URI", at(e), clipValue(id))
		}
	}
}

// urnSyntax matches a URN, or its IRI form: a namespace identifier and a
// specific string.
var urnSyntax = lazyRegexp(`(?i)^urn:[a-z0-9][a-z0-9-]{0,31}:[a-z0-9()+,\-.:=@;$_!*'%/?#~&\x{80}-\x{10FFFF}]+$`)

// checkAtomText checks a text construct or content: its type, and the
// hygiene of its text.
func (v *validation) checkAtomText(el *docElem) {
	field := "<" + el.local + ">"
	subject := at(el)
	typ, hasType := el.attr("", "type")
	typ = strings.TrimSpace(typ)
	if !hasType {
		typ = "text"
	}
	if el.local == "content" {
		if src, ok := el.attr("", "src"); ok {
			v.checkIRIRef(el, "src", src)
			if strings.TrimSpace(el.textValue()) != "" || len(el.children) > 0 {
				v.errorf(`%s: <content src=...> must be empty`, subject)
			}
			if hasType && (typ == "text" || typ == "html" || typ == "xhtml") {
				v.errorf(`%s: <content src=...> has type %q; with src the type is a media type`, subject, typ)
			}
			return // out-of-line content takes any media type
		}
	}
	switch typ {
	case "text", "html", "xhtml":
	default:
		if el.local == "content" {
			v.checkAtomMediaContent(el, typ)
			return
		}
	}
	switch typ {
	case "text":
		if len(el.children) > 0 {
			v.errorf(`%s: %s of type "text" contains markup <%s>; use type "html" or "xhtml"`, subject, field, el.children[0].qname())
		}
		if el.local == "title" && blankElem(el) {
			v.warnf("%s: empty %s", subject, field)
		}
		if el.local != "content" {
			v.checkPlainText(subject, field, el.textValue(), false)
			if m := htmlTag().FindString(el.textValue()); m != "" {
				v.note(Warning, ruleBest, true, `%s: %s is of type "text" but holds the HTML tag %q`, subject, field, clipValue(m))
			}
		}
	case "html":
		if len(el.children) > 0 {
			v.errorf(`%s: %s of type "html" holds element <%s>; escape the HTML`, subject, field, el.children[0].qname())
		}
		v.checkHTMLText(subject, field, el.textValue())
	case "xhtml":
		if len(el.children) != 1 || el.children[0].space != nsXHTML || el.children[0].local != "div" || strings.TrimSpace(el.textValue()) != "" {
			v.errorf(`%s: %s of type "xhtml" must hold exactly one <div xmlns=%q>`, subject, field, nsXHTML)
		}
		el.walk(func(d *docElem) {
			if d != el && d.space == "" {
				v.errorf("%s: <%s> inside xhtml %s is in no namespace, so it is not XHTML", at(d), d.qname(), field)
			}
		})
		if m := xhtmlEscapedTwice(el); m != "" {
			v.escapedTwicef("%s: %s is escaped twice: its text shows %q", subject, field, m)
		}
	default:
		if el.local != "content" || !mediaType().MatchString(typ) {
			v.errorf(`%s: %s has type %q; want "text", "html" or "xhtml"`, subject, field, clipValue(typ))
		}
	}
}

// checkAtomEntry applies the rules that span an entry's elements. ids and
// updated map each id and updated date seen to the number of its entry.
func (v *validation) checkAtomEntry(n int, en *docElem, feedHasAuthor bool, ids, updated map[string]int) {
	id := ""
	if el := en.first(nsAtom, "id"); el != nil {
		id = strings.TrimSpace(el.textValue())
	}
	subject := at(en)
	if id != "" {
		subject += fmt.Sprintf(" (id %q)", clipValue(id))
		u := ""
		if el := en.first(nsAtom, "updated"); el != nil {
			u = strings.TrimSpace(el.textValue())
		}
		if prev, dup := ids[id+"\x00"+u]; dup {
			v.errorf("%s: duplicate <id> and <updated>, also on entry %d; two versions of one entry must differ in <updated> (4.1.1)", subject, prev)
		} else if prev, dup := ids[id]; dup {
			v.warnf("%s: duplicate <id>, also on entry %d; readers keep one of them", subject, prev)
		}
		ids[id+"\x00"+u] = n
		if _, dup := ids[id]; !dup {
			ids[id] = n
		}
	}
	if u := en.first(nsAtom, "updated"); u != nil {
		s := strings.TrimSpace(u.textValue())
		if prev, dup := updated[s]; dup && s != "" {
			v.warnf("%s: <updated> %q is the same as entry %d's; readers order entries by it", subject, clipValue(s), prev)
		} else {
			updated[s] = n
		}
	}
	source := en.first(nsAtom, "source")
	if source != nil {
		for _, name := range []string{"id", "title", "updated"} {
			if source.first(nsAtom, name) == nil {
				v.warnf("%s: <source> has no <%s>; a source keeps its feed's id, title and updated date (4.2.11)", at(source), name)
			}
		}
	}
	if en.first(nsAtom, "author") == nil && !feedHasAuthor && (source == nil || source.first(nsAtom, "author") == nil) {
		v.errorf("%s: no <author> on the entry, its source or the feed", subject)
	}
	content := en.first(nsAtom, "content")
	summary := en.first(nsAtom, "summary")
	if content == nil {
		if len(atomLinks(en, "alternate")) == 0 {
			v.errorf(`%s: needs <content> or <link rel="alternate">`, subject)
		}
		if summary == nil {
			v.warnf("%s: neither <summary> nor <content>; readers show the title alone", subject)
		}
	} else if summary == nil {
		typ, _ := content.attr("", "type")
		_, src := content.attr("", "src")
		if src || (strings.Contains(typ, "/") && !strings.HasPrefix(typ, "text/") && !strings.HasSuffix(typ, "+xml") && !strings.HasSuffix(typ, "/xml")) {
			v.errorf("%s: needs <summary>, as its content is not inline text", subject)
		}
	}
	if p, u := en.first(nsAtom, "published"), en.first(nsAtom, "updated"); p != nil && u != nil {
		pt, err1 := time.Parse(time.RFC3339, strings.TrimSpace(p.textValue()))
		ut, err2 := time.Parse(time.RFC3339, strings.TrimSpace(u.textValue()))
		if err1 == nil && err2 == nil && ut.Before(pt) {
			v.warnf("%s: <updated> is before <published>", subject)
		}
	}
}

// checkAtomMediaContent checks inline content of a media type (RFC 4287
// 4.1.3.3): text types hold text, XML types one element, and any other
// type Base64; composite types are not allowed.
func (v *validation) checkAtomMediaContent(el *docElem, typ string) {
	lt := strings.ToLower(typ)
	text := strings.TrimSpace(el.textValue())
	switch {
	case !mediaType().MatchString(typ):
		v.errorf(`%s: <content> has type %q; want "text", "html", "xhtml" or a media type`, at(el), clipValue(typ))
	case strings.HasPrefix(lt, "multipart/") || strings.HasPrefix(lt, "message/"):
		v.errorf("%s: <content> has the composite type %q, which Atom does not allow", at(el), clipValue(typ))
	case strings.HasSuffix(lt, "+xml") || strings.HasSuffix(lt, "/xml"):
		if len(el.children) > 1 || (len(el.children) == 1 && text != "") {
			v.errorf("%s: <content> of type %q must hold one XML element and no text", at(el), clipValue(typ))
		}
	case strings.HasPrefix(lt, "text/"):
		if len(el.children) > 0 {
			v.errorf("%s: <content> of type %q holds element <%s>; it takes text only", at(el), clipValue(typ), el.children[0].qname())
		}
	default:
		if len(el.children) > 0 {
			v.errorf("%s: <content> of type %q holds element <%s>; it takes Base64 text", at(el), clipValue(typ), el.children[0].qname())
		} else if _, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), "")); err != nil {
			v.errorf("%s: <content> of type %q is not Base64", at(el), clipValue(typ))
		}
	}
}

// atomRequired and atomRequiredAttrs list, in name order, the children and
// attributes atomSchema and atomAttrs mark required, so that the checks look them up
// once rather than on every element.
var atomRequired, atomRequiredAttrs = func() (elems, attrs map[string][]string) {
	elems, attrs = map[string][]string{}, map[string][]string{}
	for parent, children := range atomSchema {
		for _, name := range slices.Sorted(maps.Keys(children)) {
			if children[name].required {
				elems[parent] = append(elems[parent], name)
			}
		}
	}
	for elem, list := range atomAttrs {
		for _, name := range slices.Sorted(maps.Keys(list)) {
			if list[name] {
				attrs[elem] = append(attrs[elem], name)
			}
		}
	}
	return elems, attrs
}()
