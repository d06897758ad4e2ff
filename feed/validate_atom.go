package feed

import (
	"strings"

	"golang.org/x/text/language"
)

// Atom 1.0 (RFC 4287).

// checkAtom applies the Atom rules and returns the number of entries, or -1
// when the root is not an Atom <feed>.
func (v *validation) checkAtom(root *docElem) int {
	if root.space != specAtomNS || root.local != "feed" {
		v.errorf(`the root element is <%s> in namespace %q; an Atom document has <feed xmlns=%q>`, root.qname(), root.space, specAtomNS)
		return -1
	}
	root.walk(func(e *docElem) {
		lang, ok := e.attr(specXMLNS, "lang")
		switch {
		case !ok:
		case strings.TrimSpace(lang) == "":
			v.errorf("line %d (%s): empty xml:lang", e.line, e.path())
		default:
			if _, err := language.Parse(lang); err != nil {
				v.warnf("line %d (%s): xml:lang %q is not a known language tag", e.line, e.path(), clipValue(lang))
			}
		}
	})
	const subject = "feed"
	v.checkAtomID(subject, root)
	v.checkAtomText(subject, root, "title", true)
	v.checkAtomText(subject, root, "subtitle", false)
	v.checkAtomText(subject, root, "rights", false)
	v.checkAtomDate(subject, root, "updated", true)
	feedAuthors := v.checkAtomPeople(subject, root)
	v.checkAtomLinks(subject, root, true)
	v.checkAtomCategories(subject, root)
	entries := root.all(specAtomNS, "entry")
	ids := map[string]int{}
	for i, en := range entries {
		v.checkAtomEntry(i+1, en, feedAuthors > 0, ids)
	}
	return len(entries)
}

// checkAtomID requires an <id> child holding an absolute IRI and returns it.
func (v *validation) checkAtomID(subject string, e *docElem) string {
	el := e.first(specAtomNS, "id")
	if el == nil {
		v.errorf("%s: missing <id>", subject)
		return ""
	}
	id := strings.TrimSpace(el.textValue())
	switch {
	case id == "":
		v.errorf("%s: empty <id>", subject)
	case !isAbsIRI(id):
		v.errorf("%s: <id> %q is not an absolute IRI", subject, clipValue(id))
	}
	return id
}

func (v *validation) checkAtomEntry(n int, en *docElem, feedHasAuthor bool, ids map[string]int) {
	idElem := en.first(specAtomNS, "id")
	id := ""
	if idElem != nil {
		id = strings.TrimSpace(idElem.textValue())
	}
	subject := itemSubject("entry", n, "id", id)
	v.checkAtomID(subject, en)
	if id != "" {
		if prev, dup := ids[id]; dup {
			v.errorf("%s: duplicate <id>, also on entry %d", subject, prev)
		} else {
			ids[id] = n
		}
	}
	v.checkAtomText(subject, en, "title", true)
	v.checkAtomText(subject, en, "summary", false)
	v.checkAtomText(subject, en, "content", false)
	v.checkAtomText(subject, en, "rights", false)
	v.checkAtomDate(subject, en, "updated", true)
	v.checkAtomDate(subject, en, "published", false)
	if v.checkAtomPeople(subject, en) == 0 && !feedHasAuthor {
		v.errorf("%s: no <author> on the entry or on the feed", subject)
	}
	hasAlternate := v.checkAtomLinks(subject, en, false)
	if en.first(specAtomNS, "content") == nil && !hasAlternate {
		v.errorf(`%s: needs <content> or <link rel="alternate">`, subject)
	}
	v.checkAtomCategories(subject, en)
}

// checkAtomText checks a text construct (title, subtitle, rights, summary)
// or content: its type, and the hygiene of its text.
func (v *validation) checkAtomText(subject string, e *docElem, local string, required bool) {
	el := e.first(specAtomNS, local)
	field := "<" + local + ">"
	if el == nil {
		if required {
			v.errorf("%s: missing %s", subject, field)
		}
		return
	}
	typ, _ := el.attr("", "type")
	if typ == "" {
		typ = "text"
	}
	if local == "content" {
		if _, ok := el.attr("", "src"); ok {
			return // out-of-line content takes any media type
		}
	}
	switch typ {
	case "text":
		if len(el.children) > 0 {
			v.errorf(`%s: %s of type "text" contains markup <%s>; use type "html" or "xhtml"`, subject, field, el.children[0].qname())
		}
		if required && blankElem(el) {
			v.warnf("%s: empty %s", subject, field)
		}
		if local != "content" {
			v.checkPlainText(subject, field, el.textValue(), false)
		}
	case "html":
		v.checkHTMLText(subject, field, el.textValue())
	case "xhtml":
		if len(el.children) != 1 || el.children[0].space != specXHTMLNS || el.children[0].local != "div" {
			v.errorf(`%s: %s of type "xhtml" must hold exactly one <div xmlns=%q>`, subject, field, specXHTMLNS)
		}
		if m := xhtmlEscapedTwice(el); m != "" {
			v.escapedTwicef("%s: %s is escaped twice: its text shows %q", subject, field, m)
		}
	default:
		v.errorf(`%s: %s has type %q; want "text", "html" or "xhtml"`, subject, field, clipValue(typ))
	}
}

// checkAtomDate checks an RFC 3339 date child; required ones must be there.
func (v *validation) checkAtomDate(subject string, e *docElem, local string, required bool) {
	el := e.first(specAtomNS, local)
	if el == nil {
		if required {
			v.errorf("%s: missing <%s>", subject, local)
		}
		return
	}
	v.checkRFC3339(subject, "<"+local+">", el.textValue())
}

// checkAtomPeople checks the <author> and <contributor> children of e and
// returns how many authors there are.
func (v *validation) checkAtomPeople(subject string, e *docElem) int {
	authors := 0
	for _, c := range e.children {
		if c.space != specAtomNS || (c.local != "author" && c.local != "contributor") {
			continue
		}
		if c.local == "author" {
			authors++
		}
		if blankElem(c.first(specAtomNS, "name")) {
			v.errorf("%s: <%s> has no <name>", subject, c.local)
		}
		if uri := c.first(specAtomNS, "uri"); uri != nil && !isAbsIRI(strings.TrimSpace(uri.textValue())) {
			v.errorf("%s: <%s> <uri> %q is not an absolute IRI", subject, c.local, clipValue(uri.textValue()))
		}
		if email := c.first(specAtomNS, "email"); email != nil && !rssEmail.MatchString(email.textValue()) {
			v.errorf("%s: <%s> <email> %q is not an email address", subject, c.local, clipValue(email.textValue()))
		}
	}
	return authors
}

// checkAtomLinks checks the <link> children of e, requiring rel="self" on
// the feed, and reports whether there is an alternate link.
func (v *validation) checkAtomLinks(subject string, e *docElem, feedLevel bool) (hasAlternate bool) {
	hasSelf := false
	for _, l := range e.all(specAtomNS, "link") {
		rel, _ := l.attr("", "rel")
		if rel == "" {
			rel = "alternate"
		}
		href, _ := l.attr("", "href")
		if strings.TrimSpace(href) == "" {
			v.errorf(`%s: <link rel=%q> has no href`, subject, clipValue(rel))
			continue
		}
		switch rel {
		case "self":
			hasSelf = true
		case "alternate":
			hasAlternate = true
		default:
			continue
		}
		if !isWebURL(href) {
			v.errorf(`%s: <link rel=%q> href %q is not an absolute http(s) URL`, subject, rel, clipValue(href))
		}
	}
	if feedLevel && !hasSelf {
		v.errorf(`%s: missing <link rel="self">`, subject)
	}
	return hasAlternate
}

func (v *validation) checkAtomCategories(subject string, e *docElem) {
	for _, c := range e.all(specAtomNS, "category") {
		if term, _ := c.attr("", "term"); strings.TrimSpace(term) == "" {
			v.errorf("%s: <category> has no term attribute", subject)
		}
	}
}
