package source

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/weburl"
)

// ugcPolicy is the one sanitising policy of the package, for all the HTML
// it publishes, whether written locally or taken from other people's
// feeds: bluemonday's policy for user-generated content, which removes
// scripts, styles, event handler attributes, forms and frames, and allows
// only http, https and mailto URLs. A built policy is safe for concurrent
// use.
var ugcPolicy = sync.OnceValue(bluemonday.UGCPolicy)

// sanitizeUGC returns an HTML fragment with everything ugcPolicy forbids
// removed.
func sanitizeUGC(fragment string) string {
	return ugcPolicy().Sanitize(unwrapNoscript(fragment))
}

// noscriptTag matches a <noscript> element, or a stray start or end tag.
var noscriptTag = regexp.MustCompile(`(?i)</?noscript\b[^>]*>`)

// unwrapNoscript removes <noscript> tags and keeps what they hold. A feed
// reader runs no scripts, so the fallback is what its reader should see
// (the code of an embedded gist, an image loaded lazily by script); the
// sanitiser would otherwise drop it with the element.
func unwrapNoscript(fragment string) string {
	if !strings.Contains(strings.ToLower(fragment), "noscript") {
		return fragment
	}
	return noscriptTag.ReplaceAllString(fragment, "")
}

// sanitizeContent makes an untrusted HTML fragment safe to publish: it is
// sanitised with ugcPolicy, and its URLs are then made absolute against
// base by safeAbsoluteHTML, which also drops any URL attribute that does
// not end up http, https or mailto. A nil base leaves relative URLs
// relative. The result is valid UTF-8 with no character XML refuses.
func sanitizeContent(fragment string, base *url.URL) string {
	s := sanitizeUGC(feed.CleanText(fragment))
	s = safeAbsoluteHTML(s, base)
	return strings.TrimSpace(feed.CleanText(s))
}

// baseURL parses an item link for resolving its content's relative URLs;
// nil when there is none that can serve.
func baseURL(link string) *url.URL {
	u, err := weburl.ParseHTTP(link)
	if err != nil {
		return nil
	}
	return u
}

// urlAttrs are the attributes whose value is a single URL.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "cite": true, "longdesc": true, "poster": true,
	"background": true, "action": true, "formaction": true, "icon": true,
	"manifest": true, "data": true, "codebase": true, "xlink:href": true,
	"usemap": true,
}

// safeAbsoluteHTML resolves the relative URLs of content about to be
// published against base (in href, src, srcset, poster, cite and similar
// attributes), so that it means the same wherever a reader shows it, and
// leaves nothing to a later step: base must be an absolute http or
// https URL (anything else counts as nil, which leaves relative URLs
// relative), and every URL attribute whose value does not parse or names
// a scheme other than http, https and mailto is removed, so that
// javascript: and data: URLs never survive. srcset candidates are
// resolved one by one; a srcset with any bad candidate, or a mailto one,
// is removed whole. Every tag is written out afresh; text and comments
// are copied as they are.
func safeAbsoluteHTML(fragment string, base *url.URL) string {
	return safeFolderHTML(fragment, base, false)
}

// safeFolderHTML is safeAbsoluteHTML that, when folder is true, takes base
// as a folder, as a static site generator does with a page bundle's link:
// a reference with a path ("img.png", "../x") resolves below base's path
// as if it ended in "/", while one without ("#note", "?q") still refers to
// base itself.
func safeFolderHTML(fragment string, base *url.URL, folder bool) string {
	if !weburl.IsHTTPURL(base) {
		base = nil
	}
	dir := base
	if folder && base != nil && !strings.HasSuffix(base.Path, "/") {
		d := *base
		d.Path += "/"
		if d.RawPath != "" {
			d.RawPath += "/"
		}
		dir = &d
	}
	return rewriteURLs(fragment, base, dir, true)
}

// rewriteURLs is AbsoluteHTML and, when strict, safeAbsoluteHTML, with
// references that have a path resolved against dir. A tag is written out
// afresh when strict or when one of its URLs changed, and otherwise copied
// byte for byte.
func rewriteURLs(fragment string, base, dir *url.URL, strict bool) string {
	if !strings.Contains(fragment, "<") {
		return fragment
	}
	// The schemes an absolute URL may have; nil allows any, and values
	// that do not parse.
	var linkSchemes, imageSchemes []string
	if strict {
		linkSchemes = []string{"http", "https", "mailto"}
		imageSchemes = linkSchemes[:2]
	}
	z := html.NewTokenizer(strings.NewReader(fragment))
	var b strings.Builder
	b.Grow(len(fragment) + len(fragment)/8)
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.StartTagToken, html.SelfClosingTagToken:
		default:
			b.Write(z.Raw())
			continue
		}
		// Token lowercases the tag in the tokenizer's buffer: keep the
		// tag as written first.
		var raw string
		if !strict {
			raw = string(z.Raw())
		}
		tok := z.Token()
		changed := false
		attrs := tok.Attr[:0]
		for _, a := range tok.Attr {
			v, ok := a.Val, true
			switch {
			case urlAttrs[a.Key]:
				v, ok = resolveRef(a.Val, base, dir, linkSchemes)
			case a.Key == "srcset":
				v, ok = resolveSrcset(a.Val, base, dir, imageSchemes)
			}
			if !ok {
				changed = true
				continue
			}
			if v != a.Val {
				a.Val = v
				changed = true
			}
			attrs = append(attrs, a)
		}
		tok.Attr = attrs
		if strict || changed {
			b.WriteString(tok.String())
		} else {
			b.WriteString(raw)
		}
	}
}

// resolveRef resolves one URL attribute value against base, or against
// dir when it has a path. A value that is empty or absolute, or relative
// with a nil base, is returned as it is. schemes lists the schemes an absolute value may name: with nil,
// every value is kept, even one that does not parse; otherwise ok is
// false for a value that does not parse or names another scheme.
func resolveRef(ref string, base, dir *url.URL, schemes []string) (string, bool) {
	v := strings.TrimSpace(ref)
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return ref, schemes == nil
	case u.Scheme != "":
		return ref, schemes == nil || slices.Contains(schemes, u.Scheme)
	case v == "" || base == nil:
		return ref, true
	case u.Path != "" && dir != nil:
		return dir.ResolveReference(u).String(), true
	}
	return base.ResolveReference(u).String(), true
}

// resolveSrcset resolves the URL of each candidate of a srcset attribute,
// keeping its width or density descriptor, as resolveRef does. With a nil
// schemes list, empty candidates are kept and nothing is refused;
// otherwise empty candidates are dropped, and ok is false when any
// candidate is refused or none is left.
func resolveSrcset(set string, base, dir *url.URL, schemes []string) (string, bool) {
	cands := strings.Split(set, ",")
	out := cands[:0]
	for _, c := range cands {
		f := strings.Fields(c)
		if len(f) == 0 {
			if schemes == nil {
				out = append(out, c)
			}
			continue
		}
		u, ok := resolveRef(f[0], base, dir, schemes)
		if !ok {
			return "", false
		}
		f[0] = u
		out = append(out, strings.Join(f, " "))
	}
	if schemes != nil && len(out) == 0 {
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
			switch {
			case textHiddenElements[string(raw)] && tt == html.StartTagToken:
				hidden++
			case textHiddenElements[string(raw)] && tt == html.EndTagToken:
				hidden = max(hidden-1, 0)
			case textBreakElements[string(raw)]:
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
