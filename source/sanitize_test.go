package source

import (
	"net/url"
	"strings"
	"testing"
)

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
		{"noscript fallback kept", `<script src="https://gist.example.com/1.js"></script><noscript><pre>fmt.Println(1 &lt; 2)</pre></noscript>`, `<pre>fmt.Println(1 &lt; 2)</pre>`},
		{"noscript image kept", `<NoScript class="x"><img src="/lazy.png" alt="L"></noscript>`, `<img src="https://news.example.com/lazy.png" alt="L">`},
		{"script inside noscript still removed", `<noscript><script>alert(1)</script>ok</noscript>`, `ok`},
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

func TestSafeAbsoluteHTML(t *testing.T) {
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
			if got := safeAbsoluteHTML(tc.in, tc.base); got != tc.want {
				t.Errorf("safeAbsoluteHTML(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSafeFolderHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, base, in, want string
	}{
		{"relative image below the link", "https://n.example/items/trip", `<img src="a.png">`, `<img src="https://n.example/items/trip/a.png">`},
		{"dot segments", "https://n.example/items/trip", `<img src="./m/a.png">`, `<img src="https://n.example/items/trip/m/a.png">`},
		{"parent folder", "https://n.example/items/trip", `<a href="../x">x</a>`, `<a href="https://n.example/items/x">x</a>`},
		{"srcset below the link", "https://n.example/items/trip", `<img srcset="a.png 1x, b.png 2x">`, `<img srcset="https://n.example/items/trip/a.png 1x, https://n.example/items/trip/b.png 2x">`},
		{"fragment refers to the link itself", "https://n.example/items/trip", `<a href="#fn1">1</a>`, `<a href="https://n.example/items/trip#fn1">1</a>`},
		{"query refers to the link itself", "https://n.example/items/trip", `<a href="?p=2">2</a>`, `<a href="https://n.example/items/trip?p=2">2</a>`},
		{"root-relative unchanged", "https://n.example/items/trip", `<img src="/a.png">`, `<img src="https://n.example/a.png">`},
		{"link with final slash", "https://n.example/items/trip/", `<img src="a.png">`, `<img src="https://n.example/items/trip/a.png">`},
		{"escaped path kept", "https://n.example/items/caf%C3%A9", `<img src="a.png">`, `<img src="https://n.example/items/caf%C3%A9/a.png">`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := safeFolderHTML(tc.in, mustURL(t, tc.base), true); got != tc.want {
				t.Errorf("safeFolderHTML(%q, %s)\n got %q\nwant %q", tc.in, tc.base, got, tc.want)
			}
		})
	}
}

func TestAbsoluteHTML(t *testing.T) {
	t.Parallel()
	base := mustURL(t, "https://news.example.com/2026/ferry/story")
	tests := []struct {
		name, in, want string
	}{
		{"relative image", `<p><img src="pics/a.png" alt="A"></p>`, `<p><img src="https://news.example.com/2026/ferry/pics/a.png" alt="A"></p>`},
		{"root-relative and parent links", `<a href="/about">x</a> <a href="../list">y</a>`, `<a href="https://news.example.com/about">x</a> <a href="https://news.example.com/2026/list">y</a>`},
		{"protocol-relative", `<img src="//cdn.example.net/a.png">`, `<img src="https://cdn.example.net/a.png">`},
		{"fragment only", `<a href="#notes">n</a>`, `<a href="https://news.example.com/2026/ferry/story#notes">n</a>`},
		{"srcset", `<img srcset="a.png 1x, /b.png 2x">`, `<img srcset="https://news.example.com/2026/ferry/a.png 1x, https://news.example.com/b.png 2x">`},
		{"self-closing tag", `<img src="a.png"/>`, `<img src="https://news.example.com/2026/ferry/a.png"/>`},
		{"video poster and source", `<video poster="p.jpg"><source src="v.mp4"></video>`, `<video poster="https://news.example.com/2026/ferry/p.jpg"><source src="https://news.example.com/2026/ferry/v.mp4"></video>`},
		{"blockquote cite", `<blockquote cite="src.html">q</blockquote>`, `<blockquote cite="https://news.example.com/2026/ferry/src.html">q</blockquote>`},
		{"absolute URLs unchanged, byte for byte", `<A HREF='https://x.example/a?b=1&amp;c=2'>x</A> <a href="mailto:a@b.example">m</a>`, `<A HREF='https://x.example/a?b=1&amp;c=2'>x</A> <a href="mailto:a@b.example">m</a>`},
		{"other schemes left to the sanitiser", `<a href="javascript:alert(1)">j</a>`, `<a href="javascript:alert(1)">j</a>`},
		{"empty href unchanged", `<a href="">e</a>`, `<a href="">e</a>`},
		{"text, entities and comments unchanged", `<p>a &lt; b &amp; "c"</p><!-- src="x" --> src="y"`, `<p>a &lt; b &amp; "c"</p><!-- src="x" --> src="y"`},
		{"script text unchanged", `<script>var s = "<img src='x'>";</script>`, `<script>var s = "<img src='x'>";</script>`},
		{"attribute values re-escaped", `<a title="a &quot;b&quot;" href="q?x=1&amp;y=2">t</a>`, `<a title="a &#34;b&#34;" href="https://news.example.com/2026/ferry/q?x=1&amp;y=2">t</a>`},
		{"no tags", `plain & simple`, `plain & simple`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := absoluteHTML(tt.in, base)
			if got != tt.want {
				t.Errorf("absoluteHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if again := absoluteHTML(got, base); again != got {
				t.Errorf("not idempotent: %q then %q", got, again)
			}
			if same := absoluteHTML(tt.in, nil); same != tt.in {
				t.Errorf("with a nil base: %q, want the input", same)
			}
		})
	}
	rel, _ := url.Parse("/relative/base")
	if in := `<img src="a.png">`; absoluteHTML(in, rel) != in {
		t.Error("a relative base changed the fragment")
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

// absoluteHTML resolves the relative URLs of fragment against base and
// keeps everything else byte for byte, leaving unparsable values and other
// schemes alone; with a nil or relative base the fragment is returned as it
// is. It is the resolution step of safeAbsoluteHTML without the safety
// rules, tested on its own.
func absoluteHTML(fragment string, base *url.URL) string {
	if base == nil || !base.IsAbs() {
		return fragment
	}
	return rewriteURLs(fragment, base, base, false)
}
