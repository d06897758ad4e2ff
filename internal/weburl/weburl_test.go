package weburl

import (
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func mustParse(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestParseHTTP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		ok       bool
		errHas   string
	}{
		{"https", "https://news.example.com/a?b=1#c", true, ""},
		{"upper-case scheme", "HTTP://news.example.com/", true, ""},
		{"port", "http://127.0.0.1:8080/", true, ""},
		{"IPv6", "http://[::1]:8080/", true, ""},
		{"internationalised host and path", "https://bücher.example/straße", true, ""},
		{"escapes", "https://x.example/a%20b", true, ""},
		{"empty", "", false, "not an absolute http(s) URL"},
		{"relative", "/news", false, "not an absolute http(s) URL"},
		{"other scheme", "ftp://x.example/", false, "not an absolute http(s) URL"},
		{"javascript", "javascript:alert(1)", false, "not an absolute http(s) URL"},
		{"no authority", "http:/news", false, "not an absolute http(s) URL"},
		{"empty host", "http:///news", false, "not an absolute http(s) URL"},
		// Copies of this rule once took a port alone for a host.
		{"port without a host", "http://:80/", false, "not an absolute http(s) URL"},
		{"bad escape", "http://x.example/%zz", false, "not a URL"},
		{"space", "https://x.example/a b", false, "cannot carry unescaped"},
		{"tab", "https://x.example/a\tb", false, "cannot carry unescaped"},
		{"no-break space", "https://x.example/a\u00a0b", false, "cannot carry unescaped"},
		{"C1 control", "https://x.example/a\u0085b", false, "cannot carry unescaped"},
		{"angle bracket", "https://x.example/<a>", false, "cannot carry unescaped"},
		{"quote", `https://x.example/a"b`, false, "cannot carry unescaped"},
		{"brace", "https://x.example/{a}", false, "cannot carry unescaped"},
		{"pipe", "https://x.example/a|b", false, "cannot carry unescaped"},
		{"invalid UTF-8", "https://x.example/\xff", false, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, err := ParseHTTP(tt.in)
			if tt.ok {
				if err != nil || u == nil {
					t.Fatalf("ParseHTTP(%q) = %v, %v; want a URL", tt.in, u, err)
				}
				if !IsHTTP(tt.in) {
					t.Errorf("IsHTTP(%q) = false, ParseHTTP accepts it", tt.in)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Fatalf("ParseHTTP(%q) error = %v, want one saying %q", tt.in, err, tt.errHas)
			}
			if IsHTTP(tt.in) {
				t.Errorf("IsHTTP(%q) = true, ParseHTTP refuses it", tt.in)
			}
		})
	}
}

func TestIsHTTPURL(t *testing.T) {
	t.Parallel()
	if IsHTTPURL(nil) {
		t.Error("IsHTTPURL(nil) = true")
	}
	for in, want := range map[string]bool{
		"https://x.example/": true, "HTTP://x.example:80": true, "http://:80/": false,
		"mailto:a@x.example": false, "/a": false, "file:///a": false,
	} {
		if got := IsHTTPURL(mustParse(t, in)); got != want {
			t.Errorf("IsHTTPURL(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsIRI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"tag:news.example.com,2026:wire/a", true},
		{"urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427", true},
		{"https://x.example/é", true},
		{"a:", true},
		{"", false},
		{"no-scheme", false},
		{"/relative", false},
		{"urn:a b", false},
		{"urn:a<b>", false},
		{"urn:a{b}", false},
		{"urn:a\\b", false},
		{"http://x.example/%zz", false},
	}
	for _, tt := range tests {
		if got := IsIRI(tt.in); got != tt.want {
			t.Errorf("IsIRI(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestIsAbsolute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		want      bool
		hasScheme bool
	}{
		{"urn:isbn:0451450523", true, true},
		{"tag:x.example,2026:a", true, true},
		{"a+b.c-d:x", true, true},
		// Looser than IsIRI: these are kept as ids and percent-encoded.
		{"urn:x<y>", true, true},
		{"urn:a{b}", true, true},
		{"urn:", false, true},
		{"urn:a b", false, true},
		{"urn:a\u00a0b", false, true},
		{"urn:a\u0085b", false, true},
		{"1a:x", false, false},
		{":x", false, false},
		{"-a:x", false, false},
		{"é:x", false, false},
		{"story-1", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		if got := IsAbsolute(tt.in); got != tt.want {
			t.Errorf("IsAbsolute(%q) = %v, want %v", tt.in, got, tt.want)
		}
		if got := HasScheme(tt.in); got != tt.hasScheme {
			t.Errorf("HasScheme(%q) = %v, want %v", tt.in, got, tt.hasScheme)
		}
	}
}

func TestParseFetch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		errHas string
	}{
		{"https://x.example/feed.xml", ""},
		{"file:///srv/feeds/a.xml", ""},
		{"file://localhost/srv/feeds/a.xml", ""},
		{"", "no URL"},
		{"ftp://x.example/a", "want http, https or file"},
		{"feed.xml", "want http, https or file"},
		{"file://server/share/a.xml", "want file:///absolute/path"},
		{"file:relative.xml", "want file:///absolute/path"},
		{"http://:80/feed", "not an absolute http(s) URL"},
		{"https://x.example/a b", "cannot carry unescaped"},
		{"http://x.example/%zz", "not a URL"},
	}
	for _, tt := range tests {
		_, err := ParseFetch(tt.in)
		switch {
		case tt.errHas == "" && err != nil:
			t.Errorf("ParseFetch(%q) = %v, want no error", tt.in, err)
		case tt.errHas != "" && (err == nil || !strings.Contains(err.Error(), tt.errHas)):
			t.Errorf("ParseFetch(%q) error = %v, want one saying %q", tt.in, err, tt.errHas)
		}
	}
}

func TestLink(t *testing.T) {
	t.Parallel()
	base := mustParse(t, "https://news.example.com/2026/")
	tests := []struct {
		name, ref string
		base      *url.URL
		want      string
		errHas    string
	}{
		{"empty stays empty", "", base, "", ""},
		{"absolute as it is", "https://x.example/a?b=1&c=2#d", base, "https://x.example/a?b=1&c=2#d", ""},
		{"relative path", "ferry.html", base, "https://news.example.com/2026/ferry.html", ""},
		{"root-relative", "/about", base, "https://news.example.com/about", ""},
		{"scheme-relative", "//cdn.example/a.png", base, "https://cdn.example/a.png", ""},
		{"relative without a base", "ferry.html", nil, "", "relative and there is no base URL"},
		{"other scheme", "mailto:desk@news.example.com", base, "", "not an http(s) URL"},
		{"port without a host", "http://:8080/a", base, "", "not an http(s) URL"},
		{"does not parse", "http://x.example/%zz", base, "", "invalid URL escape"},
		{"space in the path", "https://x.example/a b", nil, "https://x.example/a%20b", ""},
		{"quotes and brackets in the query", `https://x.example/?q="<a>"`, nil, "https://x.example/?q=%22%3Ca%3E%22", ""},
		{"second hash", "https://x.example/#a#b", nil, "https://x.example/#a%23b", ""},
		{"other than ASCII in path, query and fragment", "https://x.example/é?q=é#é", nil, "https://x.example/%C3%A9?q=%C3%A9#%C3%A9", ""},
		{"internationalised host", "https://bücher.example:8443/a", nil, "https://xn--bcher-kva.example:8443/a", ""},
		{"host that has no ASCII form", "https://a\u200db.example/", nil, "", "host"},
		{"quote in the host", `//"0`, base, "", "does not make a link"},
		{"colons for a host", "//::0", base, "", "does not make a link"},
		{"escapes kept", "https://x.example/a%2Fb?c=%41", nil, "https://x.example/a%2Fb?c=%41", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Link(tt.ref, tt.base)
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("Link(%q) = %q, %v; want an error saying %q", tt.ref, got, err, tt.errHas)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Link(%q) = %q, %v; want %q", tt.ref, got, err, tt.want)
			}
		})
	}
}

func TestEscape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		f    func(string) string
		in   string
		want string
	}{
		{"IRI plain", EscapeIRI, "tag:x.example,2026:a/b?c=d#e", "tag:x.example,2026:a/b?c=d#e"},
		{"IRI space, quotes, brackets", EscapeIRI, `urn:a b"<c>{d}|\^` + "`", "urn:a%20b%22%3Cc%3E%7Bd%7D%7C%5C%5E%60"},
		{"IRI keeps other than ASCII and escapes", EscapeIRI, "urn:été%20x", "urn:été%20x"},
		{"IRI second hash", EscapeIRI, "urn:a#b#c", "urn:a#b%23c"},
		{"IRI control", EscapeIRI, "urn:a\x01", "urn:a%01"},
		{"non-ASCII", EscapeNonASCII, "a é b#c%", "a %C3%A9 b#c%"},
		{"non-ASCII invalid UTF-8", EscapeNonASCII, "a\xff", "a%FF"},
		{"tag plain", EscapeTag, "wire-2026_a.b~c:d@e!$&'()*+,;=", "wire-2026_a.b~c:d@e!$&'()*+,;="},
		{"tag space", EscapeTag, "a b", "a%20b"},
		{"tag structure", EscapeTag, "a/b?c#d%e", "a%2Fb%3Fc%23d%25e"},
		{"tag quotes and brackets", EscapeTag, `"<x>"`, "%22%3Cx%3E%22"},
		{"tag other than ASCII", EscapeTag, "Été", "%C3%89t%C3%A9"},
		{"tag invalid UTF-8", EscapeTag, "a\xffb", "a%FFb"},
		{"tag path keeps slashes", EscapeTagPath, "news/Été 2026/a b.txt", "news/%C3%89t%C3%A9%202026/a%20b.txt"},
	}
	for _, tt := range tests {
		if got := tt.f(tt.in); got != tt.want {
			t.Errorf("%s: %q gives %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// FuzzLink resolves any reference against a fixed base: whatever Link
// returns is ASCII, parses, passes ParseHTTP, and is its own link. The
// escapes are checked alongside: their output is ASCII where it must be,
// and parses back to the input.
func FuzzLink(f *testing.F) {
	for _, s := range []string{
		"", "a b", "/x?q=é#f#g", "https://bücher.example/", "//h.example/%41", "http://:80/",
		"HTTP://X.EXAMPLE/a%2fb", `?"<>"`, "#", "https://[::1]:8080/a", "https://u:p@x.example/",
		"https://x.example/?\xff", "tag:x,2026:a",
	} {
		f.Add(s)
	}
	base, err := url.Parse("https://news.example.com/2026/ferry")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ref string) {
		got, err := Link(ref, base)
		if err == nil && ref != "" {
			if !isASCII(got) {
				t.Fatalf("Link(%q) = %q, not ASCII", ref, got)
			}
			if _, err := ParseHTTP(got); err != nil {
				t.Fatalf("Link(%q) = %q, which ParseHTTP refuses: %v", ref, got, err)
			}
			again, err := Link(got, nil)
			if err != nil || again != got {
				t.Fatalf("Link(%q) = %q, but Link of that = %q, %v", ref, got, again, err)
			}
		}
		if tag := EscapeTag(ref); !isASCII(tag) || strings.ContainsAny(tag, "/?# ") {
			t.Fatalf("EscapeTag(%q) = %q", ref, tag)
		} else if back, err := url.PathUnescape(tag); err != nil || back != ref {
			t.Fatalf("EscapeTag(%q) = %q, unescapes to %q, %v", ref, tag, back, err)
		}
		if u := EscapeNonASCII(ref); !isASCII(u) {
			t.Fatalf("EscapeNonASCII(%q) = %q", ref, u)
		}
		if iri := EscapeIRI(ref); strings.ContainsAny(iri, iriExcluded) || strings.Count(iri, "#") > 1 {
			t.Fatalf("EscapeIRI(%q) = %q", ref, iri)
		} else if utf8.ValidString(ref) && HasScheme(ref) && !IsIRI(iri) {
			if _, err := url.Parse(iri); err == nil {
				t.Fatalf("EscapeIRI(%q) = %q, which parses but IsIRI refuses", ref, iri)
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func TestCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"https://News.Example.com/2026/ferry/", "https://news.example.com/2026/ferry"},
		{"HTTPS://news.example.com:443/a", "https://news.example.com/a"},
		{"http://news.example.com:80/a", "http://news.example.com/a"},
		{"http://news.example.com:8080/a", "http://news.example.com:8080/a"},
		{"https://news.example.com/a?utm_source=x&id=3&UTM_Medium=y", "https://news.example.com/a?id=3"},
		{"https://news.example.com/2026/03/01#a0800", "https://news.example.com/2026/03/01#a0800"},
		{"https://news.example.com/", "https://news.example.com/"},
		{"urn:isbn:1", "urn:isbn:1"},
		{"http://x.example/%zz", "http://x.example/%zz"},
	}
	for _, tt := range tests {
		if got := Canonical(tt.in); got != tt.want {
			t.Errorf("Canonical(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// BenchmarkLink makes the link of a typical item: once per item and
// enclosure in every build.
func BenchmarkLink(b *testing.B) {
	base := mustParse(b, "http://127.0.0.1:8080/")
	ref := "https://news.example.com/2026/03/01/harbour-bridge-closes-for-repairs?ref=feed#top"
	b.SetBytes(int64(len(ref)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Link(ref, base); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "links/s")
}

// BenchmarkEscapeTag escapes a typical item path for its tag: id, twice
// per item of a text source.
func BenchmarkEscapeTag(b *testing.B) {
	p := "desk/2026/Été à Paris/harbour bridge closes.txt"
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		EscapeTagPath(p)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "paths/s")
}
