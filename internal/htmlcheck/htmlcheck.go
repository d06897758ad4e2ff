// Package htmlcheck finds, in HTML that feedpub publishes or serves, what
// a browser or feed reader would run, load or submit: the security tests
// of every package judge output with it, so that they hold it to one
// standard.
package htmlcheck

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Policy says what a kind of HTML may hold besides plain markup.
type Policy int

const (
	// Content is someone else's HTML as feedpub publishes it, sanitised:
	// no active or styling elements, no form controls, no style
	// attributes.
	Content Policy = iota
	// Fragment is HTML feedpub writes into a feed or page from text it
	// escaped: no active elements, forms, <link> or refreshing <meta>, and
	// no style that loads anything.
	Fragment
	// Page is a whole page feedpub renders itself: as Fragment, except
	// that its own read-only form fields and stylesheet links are allowed.
	Page
)

// urlAttrs are the HTML attributes whose value is a URL.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "data": true,
	"poster": true, "background": true, "cite": true, "longdesc": true, "codebase": true,
	"lowsrc": true, "dynsrc": true, "manifest": true, "icon": true, "ping": true,
	"xlink:href": true, "archive": true, "usemap": true, "profile": true,
}

// Scheme returns the scheme of a URL attribute value as a browser reads
// it: leading and trailing spaces and controls stripped, tabs and newlines
// removed anywhere, in lower case; "" for a relative reference.
func Scheme(v string) string {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	v = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, v)
	i := strings.IndexAny(v, ":/?#")
	if i <= 0 || v[i] != ':' {
		return ""
	}
	return strings.ToLower(v[:i])
}

// Parse parses s as a reader would: a fragment inside a <div>, or, for a
// Page, a whole document.
func Parse(s string, p Policy) ([]*html.Node, error) {
	if p == Page {
		doc, err := html.Parse(strings.NewReader(s))
		return []*html.Node{doc}, err
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	return html.ParseFragment(strings.NewReader(s), ctx)
}

// LiveMarkup parses s under policy p and lists what in it could run
// script, load something or phish: active elements, event handler
// attributes, and URL attributes whose scheme is not http, https or
// mailto (relative references pass), and what else p forbids.
func LiveMarkup(s string, p Policy) []string {
	roots, err := Parse(s, p)
	if err != nil {
		return []string{"HTML does not parse: " + err.Error()}
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch name := strings.ToLower(n.Data); name {
			case "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal":
				add("a <%s> element", n.Data)
			case "form", "button", "input", "textarea", "select":
				if p != Page {
					add("a <%s> element", n.Data)
				}
			case "link":
				if p != Page {
					add("a <%s> element", n.Data)
				}
			case "meta":
				if p == Content {
					add("a <%s> element", n.Data)
				}
				for _, a := range n.Attr {
					if p != Content && strings.EqualFold(a.Key, "http-equiv") {
						add("a <meta http-equiv> element")
					}
				}
			case "style", "svg", "math", "template":
				if p == Content {
					add("a <%s> element", n.Data)
				}
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if a.Namespace != "" {
					key = strings.ToLower(a.Namespace) + ":" + key
				}
				switch {
				case strings.HasPrefix(strings.ToLower(a.Key), "on"):
					add("<%s %s=%q>", n.Data, a.Key, a.Val)
				case key == "style" && (p == Content || strings.Contains(strings.ToLower(a.Val), "url(")):
					add("<%s style=%q>", n.Data, a.Val)
				case key == "srcset":
					for cand := range strings.SplitSeq(a.Val, ",") {
						if f := strings.Fields(cand); len(f) > 0 {
							if sch := Scheme(f[0]); sch != "" && sch != "http" && sch != "https" {
								add("<%s srcset=%q>", n.Data, a.Val)
							}
						}
					}
				case urlAttrs[key] || urlAttrs[strings.ToLower(a.Key)]:
					switch Scheme(a.Val) {
					case "", "http", "https", "mailto":
					default:
						add("<%s %s=%q>", n.Data, a.Key, a.Val)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, r := range roots {
		walk(r)
	}
	return problems
}

// Text returns the text an HTML fragment shows.
func Text(fragment string) string {
	nodes, err := Parse(fragment, Fragment)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, n := range nodes {
		appendText(&b, n)
	}
	return b.String()
}

// ElementText returns the text of the first element a in the tree of n.
func ElementText(n *html.Node, a atom.Atom) string {
	if n.Type == html.ElementNode && n.DataAtom == a {
		var b strings.Builder
		appendText(&b, n)
		return b.String()
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if s := ElementText(c, a); s != "" {
			return s
		}
	}
	return ""
}

func appendText(b *strings.Builder, n *html.Node) {
	if n.Type == html.TextNode {
		b.WriteString(n.Data)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		appendText(b, c)
	}
}
