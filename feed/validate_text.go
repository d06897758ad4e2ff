package feed

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	htmlatom "golang.org/x/net/html/atom"

	"golang.org/x/net/html"
	"golang.org/x/text/language"
)

// itemSubject names an item in a message: by number, and by id when it has
// one.
func itemSubject(kind string, n int, key, id string) string {
	if id == "" {
		return fmt.Sprintf("%s %d", kind, n)
	}
	return fmt.Sprintf("%s %d (%s %q)", kind, n, key, clipValue(id))
}

// clipValue shortens a value quoted in a message.
func clipValue(s string) string {
	const max = 80
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	i := 0
	for n := 0; n < max-1; n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "…"
}

// Values shared by the formats.

// checkRFC3339 checks an Atom or JSON Feed date.
func (v *validation) checkRFC3339(subject, field, s string) {
	if strings.TrimSpace(s) == "" {
		v.errorf("%s: empty %s", subject, field)
		return
	}
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		v.errorf(`%s: %s %q is not an RFC 3339 date, like "2006-01-02T15:04:05Z"`, subject, field, clipValue(s))
	}
}

func (v *validation) checkLanguage(subject, field, s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		v.errorf("%s: empty %s", subject, field)
		return
	}
	if !isLanguageTag(s) {
		v.errorf("%s: %s %q is not a language tag such as en or en-US", subject, field, clipValue(s))
	}
}

// languageTag is the syntax of a BCP 47 language tag.
var languageTag = lazyRegexp(`^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$`)

// isLanguageTag reports whether s is a language tag in syntax and known
// to the language package.
func isLanguageTag(s string) bool {
	if !languageTag().MatchString(s) {
		return false
	}
	_, err := language.Parse(s)
	return err == nil
}

// Text hygiene.

// leftoverEntity matches entity text left in a value after it was decoded
// once: the mark of a value that was escaped twice.
var leftoverEntity = lazyRegexp(`&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});`)

// htmlTag matches a common HTML tag, in a value that should be plain text.
var htmlTag = lazyRegexp(`(?i)</?(?:a|abbr|b|blockquote|br|code|div|em|h[1-6]|hr|i|img|li|ol|p|pre|span|strong|table|td|tr|ul)(?:\s[^<>]*)?/?>`)

// checkPlainText checks a plain-text field (a title or summary) after
// XML or JSON decoding: no control characters when controls is set (the
// XML pass already reported them for XML documents) and no entity text
// that shows the value was escaped twice. A bare & or < is fine.
func (v *validation) checkPlainText(subject, field, s string, controls bool) {
	if controls {
		v.checkControls(subject, field, s)
	}
	if m := leftoverEntity().FindString(s); m != "" {
		v.escapedTwicef("%s: %s %q is escaped twice: %q shows as text", subject, field, clipValue(s), m)
	}
}

// checkControls reports the first character of s that XMLChar refuses.
func (v *validation) checkControls(subject, field, s string) {
	for _, r := range s {
		if !XMLChar(r) {
			v.errorf("%s: %s contains control character %U", subject, field, r)
			return
		}
	}
}

// checkHTMLText checks an HTML field (RSS description and content:encoded,
// Atom html content, JSON content_html) after the XML or JSON layer is
// decoded: its text, as a browser shows it, must not show entities, and
// should not show markup.
func (v *validation) checkHTMLText(subject, field, src string) {
	entity, markup := htmlEscapedTwice(src)
	if entity != "" {
		v.escapedTwicef("%s: %s is escaped twice: its text shows %q", subject, field, entity)
	}
	if markup != "" {
		v.note(Warning, ruleReadable, true, "%s: %s text shows the tag %q; was the HTML escaped twice?", subject, field, clipValue(markup))
	}
}

// literalElements show their text as written, so entity text in them is
// deliberate: a post about HTML quotes &lt; in <code>.
var literalElements = map[string]bool{
	"code": true, "kbd": true, "pre": true, "samp": true, "script": true, "style": true,
	"template": true, "textarea": true, "tt": true, "xmp": true, "noscript": true, "plaintext": true,
}

// htmlEscapedTwice parses an HTML fragment and looks at its text nodes, as
// a browser would show them, outside code and preformatted elements. It
// returns the first entity text found (such as "&amp;", from "&amp;amp;" in
// the source) and the first tag-like text (such as "<p>", from "&lt;p&gt;").
// A bare & or < in the text is not reported.
func htmlEscapedTwice(src string) (entity, markup string) {
	if !strings.Contains(src, "&") {
		return "", "" // text nodes show & or < only from an entity
	}
	context := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: htmlatom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(src), context)
	if err != nil {
		return "", ""
	}
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if entity != "" {
			return
		}
		switch n.Type {
		case html.ElementNode:
			if literalElements[n.Data] {
				return
			}
		case html.TextNode:
			if m := leftoverEntity().FindString(n.Data); m != "" {
				entity = m
			}
			if m := htmlTag().FindString(n.Data); m != "" && markup == "" {
				markup = m
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	for _, n := range nodes {
		visit(n)
	}
	return entity, markup
}

// xhtmlEscapedTwice returns the first entity text in the decoded text of
// an Atom xhtml construct, outside code and preformatted elements.
func xhtmlEscapedTwice(e *docElem) string {
	if e.space == nsXHTML && literalElements[e.local] {
		return ""
	}
	if m := leftoverEntity().FindString(e.textValue()); m != "" {
		return m
	}
	for _, c := range e.children {
		if m := xhtmlEscapedTwice(c); m != "" {
			return m
		}
	}
	return ""
}

// lazyRegexp compiles expr on its first use. Compiled when the package is
// loaded, the validator's patterns cost every run of feedpub over 2 ms, a
// build that finds nothing changed included.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
