package source

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
)

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestSanitizeContent(t *testing.T) {
	t.Parallel()
	base := mustURL(t, "https://news.example.com/2026/01/story")
	tests := []struct {
		name, in, want string
	}{
		{"script removed with its text", `<p>a</p><script>alert(1)</script>`, `<p>a</p>`},
		{"event handler removed", `<img src="/a.png" onerror="alert(1)">`, `<img src="https://news.example.com/a.png">`},
		{"javascript link removed", `<a href="javascript:alert(1)">x</a>`, `x`},
		{"entity-encoded javascript link removed", `<a href="java&#115;cript:alert(1)">x</a>`, `x`},
		{"data image removed", `<img src="data:image/png;base64,iVBORw0KGgo=">`, ``},
		{"style and iframe removed", `<style>p{}</style><iframe src="https://x.example/"></iframe>b`, `b`},
		{"relative link resolved against the base", `<a href="other">o</a>`, `<a href="https://news.example.com/2026/01/other" rel="nofollow">o</a>`},
		{"root-relative image", `<img src="/a.png" alt="A">`, `<img src="https://news.example.com/a.png" alt="A">`},
		{"protocol-relative link", `<a href="//cdn.example.com/x">x</a>`, `<a href="https://cdn.example.com/x" rel="nofollow">x</a>`},
		{"fragment link", `<a href="#notes">n</a>`, `<a href="https://news.example.com/2026/01/story#notes" rel="nofollow">n</a>`},
		{"mailto kept", `<a href="mailto:desk@example.com">m</a>`, `<a href="mailto:desk@example.com" rel="nofollow">m</a>`},
		{"blockquote cite resolved", `<blockquote cite="/src">q</blockquote>`, `<blockquote cite="https://news.example.com/src">q</blockquote>`},
		{"text escaped once", `a &amp; b &lt;c&gt;`, `a &amp; b &lt;c&gt;`},
		{"invalid UTF-8 dropped", "<p>a\xffb</p>", `<p>ab</p>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := sanitizeContent(tc.in, base); got != tc.want {
				t.Errorf("sanitizeContent(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestAbsolutizeHTML(t *testing.T) {
	t.Parallel()
	base := mustURL(t, "https://news.example.com/a/b")
	tests := []struct {
		name string
		in   string
		base *url.URL
		want string
	}{
		{"relative href", `<a href="c">c</a>`, base, `<a href="https://news.example.com/a/c">c</a>`},
		{"absolute kept as written", `<a href="HTTPS://Other.example/x">x</a>`, base, `<a href="HTTPS://Other.example/x">x</a>`},
		{"no base keeps relative", `<img src="/i.png">`, nil, `<img src="/i.png">`},
		{"file base counts as none", `<img src="/i.png">`, mustURL(t, "file:///etc/feed.xml"), `<img src="/i.png">`},
		{"javascript dropped", `<a href=" JavaScript:x()">x</a>`, base, `<a>x</a>`},
		{"vbscript dropped", `<a href="vbscript:x">x</a>`, nil, `<a>x</a>`},
		{"data dropped", `<img src="data:image/png;base64,AAAA" alt="">`, base, `<img alt="">`},
		{"unparsable dropped", "<a href=\"http://[::1\">x</a>", base, `<a>x</a>`},
		{"srcset resolved", `<img srcset="a.png 1x, /b.png 2x">`, base, `<img srcset="https://news.example.com/a/a.png 1x, https://news.example.com/b.png 2x">`},
		{"srcset with a bad candidate dropped", `<img srcset="a.png 1x, javascript:x 2x">`, base, `<img>`},
		{"text untouched", `a &lt;b&gt; c`, base, `a &lt;b&gt; c`},
		{"comment untouched", `<!-- <a href="x"> -->`, base, `<!-- <a href="x"> -->`},
		{"attribute value re-escaped", `<a href="c?x=1&amp;y=2" title="&quot;q&quot;">c</a>`, base, `<a href="https://news.example.com/a/c?x=1&amp;y=2" title="&#34;q&#34;">c</a>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := absolutizeHTML(tc.in, tc.base); got != tc.want {
				t.Errorf("absolutizeHTML(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTextOfHTML(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain   text\n here", "plain text here"},
		{"Tom &amp; Jerry", "Tom & Jerry"},
		{"<b>bold</b> title", "bold title"},
		{"<p>one</p><p>two</p>", "one two"},
		{"line<br>break", "line break"},
		{`<script>alert("x")</script>visible<style>p{}</style>`, "visible"},
		{"a < b and c > d", "a < b and c > d"},
		{"AT&T", "AT&T"},
		{"bad\xffbyte\x01", "badbyte"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := textOfHTML(tc.in); got != tc.want {
			t.Errorf("textOfHTML(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLooksLikeHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"<p>para</p>", true},
		{"text with <br/> break", true},
		{"plain text", false},
		{"a < b", false},
		{"entities &amp; only", false},
	}
	for _, tc := range tests {
		if got := looksLikeHTML(tc.in); got != tc.want {
			t.Errorf("looksLikeHTML(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestTextParagraphsHTML(t *testing.T) {
	t.Parallel()
	in := "First line\r\ncontinues <here> & there.\n\n  \n\nSecond."
	want := "<p>First line continues &lt;here&gt; &amp; there.</p>\n<p>Second.</p>"
	if got := textParagraphsHTML(in); got != want {
		t.Errorf("textParagraphsHTML = %q, want %q", got, want)
	}
}

// checkSafeHTML fails t when fragment holds a script or style element, an
// event handler attribute, or a URL attribute that is not http(s) or
// mailto.
func checkSafeHTML(t *testing.T, fragment string) {
	t.Helper()
	if !utf8.ValidString(fragment) {
		t.Fatalf("invalid UTF-8: %q", fragment)
	}
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		switch tok.Data {
		case "script", "style", "iframe", "object", "embed", "form", "svg", "math":
			t.Fatalf("<%s> survived in %q", tok.Data, fragment)
		}
		for _, a := range tok.Attr {
			if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
				t.Fatalf("attribute %s survived in %q", a.Key, fragment)
			}
			if remoteURLAttrs[a.Key] {
				u, err := url.Parse(strings.TrimSpace(a.Val))
				if err != nil {
					t.Fatalf("unparsable %s=%q survived in %q", a.Key, a.Val, fragment)
				}
				switch u.Scheme {
				case "", "http", "https", "mailto":
				default:
					t.Fatalf("%s=%q survived in %q", a.Key, a.Val, fragment)
				}
			}
		}
	}
}

func FuzzSanitizeContent(f *testing.F) {
	for _, s := range []string{
		`<p onclick="x()">a <a href="javascript:x()">b</a> <img src="/i.png" onerror="y()"></p>`,
		`<scr<script>ipt>alert(1)</script>`,
		`<a href="jav&#x09;ascript:alert(1)">x</a>`,
		`<svg><a xlink:href="javascript:alert(1)">x</a></svg>`,
		`<math><mi xlink:href="data:x,<script>alert(4)</script>">`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
		`<img srcset="a.png 1x, b.png 2x">`,
		"<p>\xff\x00</p>",
	} {
		f.Add(s)
	}
	base, _ := url.Parse("https://fuzz.example/dir/page")
	f.Fuzz(func(t *testing.T, in string) {
		out := sanitizeContent(in, base)
		checkSafeHTML(t, out)
		if strings.Contains(strings.ToLower(out), "<script") {
			t.Fatalf("script tag in %q", out)
		}
	})
}
