package source

import (
	"net/url"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"

	"github.com/feedpub/feedpub/feed"
)

// contentPolicy is the sanitising policy for HTML taken from other
// people's feeds: bluemonday's policy for user-generated content, which
// removes scripts, styles, event handler attributes, forms and frames, and
// allows only http, https and mailto URLs.
var contentPolicy = sync.OnceValue(bluemonday.UGCPolicy)

// sanitizeContent makes an untrusted HTML fragment safe to publish: it is
// sanitised with contentPolicy, and its URLs are then made absolute against
// base by absolutizeHTML, which also drops any URL attribute that does not
// end up http, https or mailto. A nil base leaves relative URLs relative.
// The result is valid UTF-8 with no character XML refuses.
func sanitizeContent(fragment string, base *url.URL) string {
	s := contentPolicy().Sanitize(feed.CleanText(fragment))
	s = absolutizeHTML(s, base)
	return strings.TrimSpace(feed.CleanText(s))
}

// remoteURLAttrs are the attributes whose value is a single URL.
var remoteURLAttrs = map[string]bool{
	"href": true, "src": true, "cite": true, "longdesc": true, "poster": true,
	"background": true, "action": true, "formaction": true, "icon": true,
	"manifest": true, "data": true, "codebase": true, "xlink:href": true,
}

// absolutizeHTML resolves the relative URLs of an HTML fragment's href,
// src and other URL attributes against base (an absolute http or https
// URL; anything else counts as nil), and removes every URL attribute whose
// value does not parse or names a scheme other than http, https and mailto,
// so that javascript: and data: URLs never survive. srcset candidates are
// resolved one by one; a srcset with any bad candidate is removed whole.
// Text and comments are copied as they are.
//
// It is the remote source's own copy of what markdown's AbsoluteHTML does
// for local content; the two are meant to become one.
func absolutizeHTML(fragment string, base *url.URL) string {
	if !strings.Contains(fragment, "<") {
		return fragment
	}
	if base != nil && ((base.Scheme != "http" && base.Scheme != "https") || base.Host == "") {
		base = nil
	}
	z := html.NewTokenizer(strings.NewReader(fragment))
	var b strings.Builder
	b.Grow(len(fragment))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			attrs := tok.Attr[:0]
			for _, a := range tok.Attr {
				switch {
				case remoteURLAttrs[a.Key]:
					v, ok := remoteRef(a.Val, base)
					if !ok {
						continue
					}
					a.Val = v
				case a.Key == "srcset":
					v, ok := remoteSrcset(a.Val, base)
					if !ok {
						continue
					}
					a.Val = v
				}
				attrs = append(attrs, a)
			}
			tok.Attr = attrs
			b.WriteString(tok.String())
		default:
			b.Write(z.Raw())
		}
	}
}

// remoteRef resolves one URL attribute value against base. ok is false
// when the value does not parse or names a scheme other than http, https
// and mailto.
func remoteRef(ref string, base *url.URL) (string, bool) {
	ref = strings.TrimSpace(ref)
	u, err := url.Parse(ref)
	if err != nil {
		return "", false
	}
	if u.Scheme != "" {
		switch u.Scheme {
		case "http", "https", "mailto":
			return ref, true
		}
		return "", false
	}
	if base == nil {
		return ref, true
	}
	return base.ResolveReference(u).String(), true
}

// remoteSrcset resolves each candidate URL of a srcset attribute.
func remoteSrcset(srcset string, base *url.URL) (string, bool) {
	var out []string
	for cand := range strings.SplitSeq(srcset, ",") {
		fields := strings.Fields(cand)
		if len(fields) == 0 {
			continue
		}
		u, ok := remoteRef(fields[0], base)
		if !ok || strings.HasPrefix(u, "mailto:") {
			return "", false
		}
		fields[0] = u
		out = append(out, strings.Join(fields, " "))
	}
	if len(out) == 0 {
		return "", false
	}
	return strings.Join(out, ", "), true
}

// textHiddenElements hold no text a reader sees.
var textHiddenElements = map[string]bool{
	"script": true, "style": true, "template": true, "iframe": true,
	"object": true, "noembed": true, "noframes": true, "head": true,
}

// textBreakElements separate the words on either side of them.
var textBreakElements = map[string]bool{
	"br": true, "p": true, "div": true, "blockquote": true, "li": true,
	"ul": true, "ol": true, "dl": true, "dt": true, "dd": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"pre": true, "table": true, "tr": true, "td": true, "th": true,
	"figure": true, "figcaption": true, "section": true, "article": true,
	"header": true, "footer": true, "hr": true, "img": true,
}

// textOfHTML returns the plain text of an HTML fragment on one line:
// entities decoded, tags removed (with a space where a block or line break
// stood), the content of scripts and styles dropped, white space collapsed,
// and characters XML refuses removed. Text without '<' or '&' is only
// cleaned.
func textOfHTML(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return feed.CollapseSpace(feed.CleanText(s))
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	hidden := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return feed.CollapseSpace(feed.CleanText(b.String()))
		case html.TextToken:
			if hidden == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			raw, _ := z.TagName()
			name := string(raw)
			switch {
			case textHiddenElements[name] && tt == html.StartTagToken:
				hidden++
			case textHiddenElements[name] && tt == html.EndTagToken:
				hidden = max(hidden-1, 0)
			case textBreakElements[name]:
				b.WriteByte(' ')
			}
		}
	}
}

// looksLikeHTML reports whether s has at least one HTML tag, as opposed to
// plain text that may hold a stray '<' or an entity.
func looksLikeHTML(s string) bool {
	if !strings.Contains(s, "<") {
		return false
	}
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return false
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			return true
		}
	}
}

// textParagraphsHTML renders plain text as HTML paragraphs, one per run of
// non-blank lines.
func textParagraphsHTML(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var paras []string
	var cur strings.Builder
	for line := range strings.SplitSeq(s, "\n") {
		if strings.TrimSpace(line) == "" {
			if cur.Len() > 0 {
				paras = append(paras, cur.String())
				cur.Reset()
			}
			continue
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(line)
	}
	if cur.Len() > 0 {
		paras = append(paras, cur.String())
	}
	return feed.ParagraphsHTML(paras)
}
