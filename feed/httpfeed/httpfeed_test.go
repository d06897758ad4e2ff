package httpfeed

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/prometheus/client_golang/prometheus"
)

// modified has a fractional second on purpose: Last-Modified and
// If-Modified-Since work in whole seconds.
var (
	modified     = time.Date(2024, 5, 6, 7, 8, 9, 500_000_000, time.UTC)
	modifiedHTTP = "Mon, 06 May 2024 07:08:09 GMT"
	built        = time.Date(2024, 5, 6, 7, 10, 0, 0, time.UTC)
)

// clock is a settable time source for Options.Now.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.set(t)
	return c
}

func (c *clock) now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

// feedBody renders a compressible RSS-like document of about size bytes,
// the same for the same seed.
func feedBody(size int, seed uint64) []byte {
	words := strings.Fields("the of and a to in is feed news item world report city council " +
		"weather market science health update published story analysis local people said year")
	rng := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<rss version=\"2.0\"><channel><title>News</title>\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "<item><title>Item %d</title><link>https://example.org/%d</link><description>", i, rng.IntN(1_000_000))
		for range 80 {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		b.WriteString("</description></item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

// testDocs is the published set most tests serve.
func testDocs() []feed.Document {
	self := func(p string) string { return "https://feeds.example.org/" + p }
	return []feed.Document{
		{Feed: "news", Title: "News", Format: feed.RSS, Body: feedBody(150_000, 1), Modified: modified, SelfURL: self("news.rss")},
		{Feed: "news", Title: "News", Format: feed.Atom, Body: feedBody(20_000, 2), Modified: modified, SelfURL: self("news.atom")},
		{Feed: "news", Title: "News", Format: feed.JSON, Body: feedBody(20_000, 3), Modified: modified, SelfURL: self("news.json")},
		{Feed: "category/world", Title: `World <script>alert("x")</script> & more`, Format: feed.RSS, Body: feedBody(5_000, 4), Modified: modified, SelfURL: self("category/world.rss")},
		{Feed: "tiny", Format: feed.JSON, Body: []byte("{}"), SelfURL: self("tiny.json")},
	}
}

// newTestHandler returns a handler serving testDocs on a fixed clock.
func newTestHandler(t testing.TB, opts Options) (*Handler, *clock) {
	t.Helper()
	c := newClock(built.Add(time.Minute))
	if opts.Now == nil {
		opts.Now = c.now
	}
	h := New(opts)
	s, err := NewSnapshot(testDocs(), built)
	if err != nil {
		t.Fatalf("new snapshot: %v", err)
	}
	h.Swap(s)
	return h, c
}

// do serves one request and returns the recorded response.
func do(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// etagFor is the ETag the handler must send for body.
func etagFor(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gzip reader: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

func TestFeedHeaders(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t, Options{HubURL: "https://hub.example.org/"})
	docs := testDocs()
	tests := []struct {
		path        string
		contentType string
		body        []byte
		modified    string
	}{
		{"/news.rss", "application/rss+xml; charset=utf-8", docs[0].Body, modifiedHTTP},
		{"/news.atom", "application/atom+xml; charset=utf-8", docs[1].Body, modifiedHTTP},
		{"/news.json", "application/feed+json; charset=utf-8", docs[2].Body, modifiedHTTP},
		{"/category/world.rss", "application/rss+xml; charset=utf-8", docs[3].Body, modifiedHTTP},
		{"/tiny.json", "application/feed+json; charset=utf-8", docs[4].Body, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			w := do(h, "GET", tt.path)
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200", w.Code)
			}
			want := map[string]string{
				"Content-Type":           tt.contentType,
				"Etag":                   etagFor(tt.body),
				"Last-Modified":          tt.modified,
				"Vary":                   "Accept-Encoding",
				"Cache-Control":          "public, max-age=300",
				"Link":                   "<https://feeds.example.org" + tt.path + `>; rel="self", <https://hub.example.org/>; rel="hub"`,
				"X-Content-Type-Options": "nosniff",
				"Content-Length":         fmt.Sprint(len(tt.body)),
				"Content-Encoding":       "",
			}
			for k, v := range want {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if !bytes.Equal(w.Body.Bytes(), tt.body) {
				t.Errorf("body differs from the document (%d bytes, want %d)", w.Body.Len(), len(tt.body))
			}
		})
	}
}

func TestContentEncoding(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t, Options{})
	identity := testDocs()[0].Body
	tests := []struct {
		name           string
		acceptEncoding []string // nil: no header
		path           string
		wantGzip       bool
	}{
		{"no header", nil, "/news.rss", false},
		{"empty header", []string{""}, "/news.rss", false},
		{"gzip", []string{"gzip"}, "/news.rss", true},
		{"browser list", []string{"gzip, deflate, br, zstd"}, "/news.rss", true},
		{"case insensitive", []string{"GZip"}, "/news.rss", true},
		{"x-gzip", []string{"x-gzip"}, "/news.rss", true},
		{"gzip refused", []string{"gzip;q=0"}, "/news.rss", false},
		{"gzip refused with spaces", []string{"gzip ; q=0.000"}, "/news.rss", false},
		{"low q still acceptable", []string{"identity;q=1, gzip;q=0.001"}, "/news.rss", true},
		{"star", []string{"*"}, "/news.rss", true},
		{"star refused", []string{"*;q=0"}, "/news.rss", false},
		{"star refused gzip named", []string{"*;q=0, gzip"}, "/news.rss", true},
		{"gzip refused star allowed", []string{"gzip;q=0, *"}, "/news.rss", false},
		{"identity refused only", []string{"identity;q=0"}, "/news.rss", false},
		{"identity refused gzip ok", []string{"identity;q=0, gzip"}, "/news.rss", true},
		{"unsupported only", []string{"br, deflate"}, "/news.rss", false},
		{"invalid q ignored", []string{"gzip;q=2"}, "/news.rss", false},
		{"several lines", []string{"deflate", "gzip"}, "/news.rss", true},
		{"not smaller stays identity", []string{"gzip"}, "/tiny.json", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hdr []string
			for _, v := range tt.acceptEncoding {
				hdr = append(hdr, "Accept-Encoding", v)
			}
			w := do(h, "GET", tt.path, hdr...)
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d", w.Code)
			}
			body := w.Body.Bytes()
			if got := w.Header().Get("Etag"); got != etagFor(body) {
				t.Errorf("ETag = %s, want the hash of the sent bytes %s", got, etagFor(body))
			}
			if got := w.Header().Get("Content-Length"); got != fmt.Sprint(len(body)) {
				t.Errorf("Content-Length = %s, body has %d bytes", got, len(body))
			}
			if got := w.Header().Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("Vary = %q", got)
			}
			enc := w.Header().Get("Content-Encoding")
			if tt.wantGzip != (enc == "gzip") {
				t.Fatalf("Content-Encoding = %q, want gzip %v", enc, tt.wantGzip)
			}
			if enc == "gzip" {
				if len(body) >= len(identity) {
					t.Errorf("gzip body %d bytes, not smaller than %d", len(body), len(identity))
				}
				if got := gunzip(t, body); !bytes.Equal(got, identity) {
					t.Errorf("gzip body does not decompress to the identity body")
				}
				if w.Header().Get("Etag") == etagFor(identity) {
					t.Errorf("gzip variant has the identity ETag")
				}
			}
		})
	}
}

func TestConditional(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t, Options{})
	plain := etagFor(testDocs()[0].Body)
	gz := do(h, "GET", "/news.rss", "Accept-Encoding", "gzip").Header().Get("Etag")
	if gz == plain {
		t.Fatalf("gzip and identity share ETag %s", gz)
	}
	tests := []struct {
		name   string
		header []string
		want   int
	}{
		{"exact", []string{"If-None-Match", plain}, 304},
		{"weak", []string{"If-None-Match", "W/" + plain}, 304},
		{"list", []string{"If-None-Match", `"a", ` + plain + `, "b"`}, 304},
		{"list without spaces", []string{"If-None-Match", `"a",W/` + plain}, 304},
		{"list over two lines", []string{"If-None-Match", `"a"`, "If-None-Match", plain}, 304},
		{"star", []string{"If-None-Match", "*"}, 304},
		{"mismatch", []string{"If-None-Match", `"nope"`}, 200},
		{"unquoted", []string{"If-None-Match", strings.Trim(plain, `"`)}, 200},
		{"other encoding's tag", []string{"If-None-Match", gz}, 200},
		{"empty", []string{"If-None-Match", ""}, 200},
		{"malformed then match", []string{"If-None-Match", `garbage, ` + plain}, 304},
		{"modified since equal", []string{"If-Modified-Since", modifiedHTTP}, 304},
		{"modified since later", []string{"If-Modified-Since", "Tue, 07 May 2024 00:00:00 GMT"}, 304},
		{"modified since in the future", []string{"If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"}, 304},
		{"modified since earlier", []string{"If-Modified-Since", "Mon, 06 May 2024 07:08:08 GMT"}, 200},
		{"modified since RFC 850", []string{"If-Modified-Since", "Monday, 06-May-24 07:08:09 GMT"}, 304},
		{"modified since asctime", []string{"If-Modified-Since", "Mon May  6 07:08:09 2024"}, 304},
		{"modified since unparsable", []string{"If-Modified-Since", "yesterday"}, 200},
		{"none match wins over modified since", []string{"If-None-Match", `"nope"`, "If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT"}, 200},
		{"none match wins when it matches", []string{"If-None-Match", plain, "If-Modified-Since", "Mon, 01 Jan 1990 00:00:00 GMT"}, 304},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, method := range []string{"GET", "HEAD"} {
				w := do(h, method, "/news.rss", tt.header...)
				if w.Code != tt.want {
					t.Fatalf("%s: status = %d, want %d", method, w.Code, tt.want)
				}
				if w.Code != http.StatusNotModified {
					continue
				}
				if w.Body.Len() != 0 {
					t.Errorf("%s: 304 has a %d byte body", method, w.Body.Len())
				}
				for k, v := range map[string]string{
					"Etag":           plain,
					"Last-Modified":  modifiedHTTP,
					"Cache-Control":  "public, max-age=300",
					"Vary":           "Accept-Encoding",
					"Content-Length": "",
					"Content-Type":   "",
				} {
					if got := w.Header().Get(k); got != v {
						t.Errorf("%s: 304 %s = %q, want %q", method, k, got, v)
					}
				}
			}
		})
	}
}

func TestNotModifiedGzip(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t, Options{})
	first := do(h, "GET", "/news.rss", "Accept-Encoding", "gzip")
	etag := first.Header().Get("Etag")
	w := do(h, "GET", "/news.rss", "Accept-Encoding", "gzip", "If-None-Match", etag)
	if w.Code != http.StatusNotModified {
		t.Fatalf("status = %d, want 304", w.Code)
	}
	if got := w.Header().Get("Etag"); got != etag {
		t.Errorf("304 ETag = %s, want %s", got, etag)
	}
}

func TestHeadMatchesGet(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t, Options{})
	tests := []struct{ name, path, acceptEncoding string }{
		{"identity", "/news.rss", ""},
		{"gzip", "/news.rss", "gzip"},
		{"index", "/", "gzip"},
		{"healthz", "/healthz", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			get := do(h, "GET", tt.path, "Accept-Encoding", tt.acceptEncoding)
			head := do(h, "HEAD", tt.path, "Accept-Encoding", tt.acceptEncoding)
			if get.Code != head.Code {
				t.Errorf("HEAD status %d, GET %d", head.Code, get.Code)
			}
			if head.Body.Len() != 0 {
				t.Errorf("HEAD has a %d byte body", head.Body.Len())
			}
			if fmt.Sprint(get.Header()) != fmt.Sprint(head.Header()) {
				t.Errorf("headers differ:\nGET  %v\nHEAD %v", get.Header(), head.Header())
			}
			if got := head.Header().Get("Content-Length"); got != fmt.Sprint(get.Body.Len()) {
				t.Errorf("HEAD Content-Length = %s, GET body %d bytes", got, get.Body.Len())
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t, Options{})
	for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		for _, path := range []string{"/news.rss", "/", "/healthz", "/metrics"} {
			t.Run(method+" "+path, func(t *testing.T) {
				t.Parallel()
				w := do(h, method, path)
				if w.Code != http.StatusMethodNotAllowed {
					t.Fatalf("status = %d, want 405", w.Code)
				}
				if got := w.Header().Get("Allow"); got != "GET, HEAD" {
					t.Errorf("Allow = %q", got)
				}
			})
		}
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t, Options{})
	for _, path := range []string{
		"/../news.rss",
		"/./news.rss",
		"//news.rss",
		"/news.rss/",
		"/news.rss/..",
		"/%2e%2e/x",
		"/%2e%2e/news.rss",
		"/news%2Erss",
		"/%6Eews.rss",
		"/NEWS.rss",
		"/news.RSS",
		"/news",
		"/news.xml",
		"/news.rss.gz",
		"/category/",
		"/category",
		"/category%2Fworld.rss",
		"/category//world.rss",
		"/category/../news.rss",
		"/index.html",
		"/healthz/",
		"/metrics/x",
	} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			w := do(h, "GET", path)
			if w.Code != http.StatusNotFound {
				t.Fatalf("status = %d, want 404", w.Code)
			}
			if got := w.Header().Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q", got)
			}
		})
	}
	// The positive control: the same handler serves the canonical paths.
	for _, path := range []string{"/news.rss", "/category/world.rss"} {
		if w := do(h, "GET", path); w.Code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, w.Code)
		}
	}
}

// TestServerPaths sends raw request lines through a real server, so nothing
// between the client and the handler can clean the paths.
func TestServerPaths(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t, Options{})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	tests := []struct {
		target string
		want   int
	}{
		{"/news.rss", 200},
		{"/category/world.rss", 200},
		{"/../news.rss", 404},
		{"/%2e%2e/news.rss", 404},
		{"/category%2fworld.rss", 404},
		{"//news.rss", 404},
	}
	for _, tt := range tests {
		req, err := http.NewRequestWithContext(t.Context(), "GET", srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = tt.target
		// Asked for explicitly, gzip is not decoded by the transport, so the
		// ETag can be checked against the bytes on the wire.
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.target, err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("GET %s: read: %v", tt.target, err)
		}
		if res.StatusCode != tt.want {
			t.Errorf("GET %s = %d, want %d", tt.target, res.StatusCode, tt.want)
		}
		if res.StatusCode == 200 && res.Header.Get("Etag") != etagFor(body) {
			t.Errorf("GET %s: ETag does not match the body", tt.target)
		}
	}

	// HEAD through the real server keeps the Content-Length of GET.
	head, err := http.NewRequestWithContext(t.Context(), "HEAD", srv.URL+"/news.rss", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Do(head)
	if err != nil {
		t.Fatalf("HEAD: %v", err)
	}
	res.Body.Close()
	if want := int64(len(testDocs()[0].Body)); res.ContentLength != want {
		t.Errorf("HEAD Content-Length = %d, want %d", res.ContentLength, want)
	}
}

func TestHubLink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, hub, want string
	}{
		{"none", "", `<https://feeds.example.org/news.json>; rel="self"`},
		{"hub", "https://hub.example.org/", `<https://feeds.example.org/news.json>; rel="self", <https://hub.example.org/>; rel="hub"`},
		{"invalid hub ignored", "hub.example.org>; rel=x", `<https://feeds.example.org/news.json>; rel="self"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := newTestHandler(t, Options{HubURL: tt.hub})
			if got := do(h, "GET", "/news.json").Header().Get("Link"); got != tt.want {
				t.Errorf("Link = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBeforeFirstSwap(t *testing.T) {
	t.Parallel()
	c := newClock(built)
	h := New(Options{Now: c.now})
	tests := []struct {
		path       string
		want       int
		retryAfter bool
	}{
		{"/news.rss", 503, true},
		{"/category/world.atom", 503, true},
		{"/anything.json", 503, true},
		{"/", 503, true},
		{"/healthz", 503, false},
		{"/metrics", 200, false},
		{"/favicon.ico", 404, false},
	}
	for _, tt := range tests {
		w := do(h, "GET", tt.path)
		if w.Code != tt.want {
			t.Errorf("GET %s = %d, want %d", tt.path, w.Code, tt.want)
		}
		if got := w.Header().Get("Retry-After") != ""; got != tt.retryAfter {
			t.Errorf("GET %s: Retry-After present %v, want %v", tt.path, got, tt.retryAfter)
		}
	}
	s, err := NewSnapshot(testDocs(), built)
	if err != nil {
		t.Fatal(err)
	}
	h.Swap(s)
	if w := do(h, "GET", "/news.rss"); w.Code != http.StatusOK {
		t.Errorf("after Swap: status = %d, want 200", w.Code)
	}
}

func TestIndex(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t, Options{SiteTitle: "Example <Feeds>"})
	w := do(h, "GET", "/")
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d", w.Code)
	}
	for k, v := range map[string]string{
		"Content-Type":            "text/html; charset=utf-8",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		"Referrer-Policy":         "no-referrer",
		"Etag":                    etagFor(w.Body.Bytes()),
	} {
		if got := w.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	page := w.Body.String()
	head, _, _ := strings.Cut(page, "</head>")
	for _, want := range []string{
		`<link rel="alternate" type="application/rss+xml" title="News (RSS)" href="./news.rss">`,
		`<link rel="alternate" type="application/atom+xml" title="News (Atom)" href="./news.atom">`,
		`<link rel="alternate" type="application/feed+json" title="News (JSON Feed)" href="./news.json">`,
		`<link rel="alternate" type="application/rss+xml" title="World &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more (RSS)" href="./category/world.rss">`,
		`<link rel="alternate" type="application/feed+json" title="tiny (JSON Feed)" href="./tiny.json">`,
		`<title>Example &lt;Feeds&gt;</title>`,
	} {
		if !strings.Contains(head, want) {
			t.Errorf("head lacks %s", want)
		}
	}
	for _, want := range []string{
		`<h2>World &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more</h2>`,
		`value="https://feeds.example.org/category/world.rss"`,
		`<time datetime="2024-05-06T07:10:00Z">`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script") {
		t.Errorf("page contains an unescaped <script")
	}
	// Every link works on this server, whatever address base_url names.
	hrefs := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(hrefs) < 10 {
		t.Errorf("found %d links on the index page", len(hrefs))
	}
	for _, m := range hrefs {
		u, err := url.Parse("http://127.0.0.1:9999/")
		if err == nil {
			u, err = u.Parse(m[1])
		}
		if err != nil || u.Host != "127.0.0.1:9999" {
			t.Errorf("link %q does not stay on the server it was fetched from: %v", m[1], u)
			continue
		}
		if w := do(h, "GET", u.Path); w.Code != http.StatusOK {
			t.Errorf("link %q: GET %s = %d", m[1], u.Path, w.Code)
		}
	}
	gz := do(h, "GET", "/", "Accept-Encoding", "gzip")
	if gz.Header().Get("Content-Encoding") == "gzip" && !bytes.Equal(gunzip(t, gz.Body.Bytes()), w.Body.Bytes()) {
		t.Errorf("gzip index differs from identity")
	}
	if nm := do(h, "GET", "/", "If-None-Match", w.Header().Get("Etag")); nm.Code != http.StatusNotModified {
		t.Errorf("conditional index: status = %d, want 304", nm.Code)
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		swap       bool
		failure    error
		staleAfter time.Duration
		elapsed    time.Duration // from the build to the request
		wantCode   int
		want       map[string]any
	}{
		{"starting", false, nil, 0, time.Minute, 503, map[string]any{"status": "starting", "feeds": 0.0}},
		{"ok", true, nil, 10 * time.Minute, 90 * time.Second, 200, map[string]any{
			"status": "ok", "last_success": "2024-05-06T07:10:00Z", "age_seconds": 90.0, "feeds": 3.0, "documents": 5.0,
		}},
		{"never stale", true, nil, 0, 48 * time.Hour, 200, map[string]any{"status": "ok", "age_seconds": 172800.0}},
		{"stale", true, nil, 10 * time.Minute, 11 * time.Minute, 503, map[string]any{"status": "stale", "age_seconds": 660.0}},
		{"failure reported", true, errors.New("source blog: connection refused"), 10 * time.Minute, 2 * time.Minute, 200, map[string]any{
			"status": "ok", "last_error": "source blog: connection refused", "last_failure": "2024-05-06T07:12:00Z",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClock(built)
			h := New(Options{Now: c.now, StaleAfter: tt.staleAfter})
			if tt.swap {
				s, err := NewSnapshot(testDocs(), built)
				if err != nil {
					t.Fatal(err)
				}
				h.Swap(s)
			}
			c.set(built.Add(tt.elapsed))
			if tt.failure != nil {
				h.ObserveBuild(time.Second, nil, tt.failure)
			}
			w := do(h, "GET", "/healthz")
			if w.Code != tt.wantCode {
				t.Errorf("status = %d, want %d", w.Code, tt.wantCode)
			}
			if got := w.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q", got)
			}
			var got map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("decode %s: %v", w.Body, err)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v (body %s)", k, got[k], v, w.Body)
				}
			}
		})
	}
}

func TestObserveBuildSuccessRefreshesHealth(t *testing.T) {
	t.Parallel()
	h, c := newTestHandler(t, Options{StaleAfter: 10 * time.Minute})
	c.set(built.Add(time.Hour))
	if w := do(h, "GET", "/healthz"); w.Code != http.StatusServiceUnavailable {
		t.Fatalf("before a new build: status = %d, want 503", w.Code)
	}
	// A build whose output did not change succeeds without a Swap.
	h.ObserveBuild(2*time.Second, map[string]int{"news": 3}, nil)
	if w := do(h, "GET", "/healthz"); w.Code != http.StatusOK {
		t.Fatalf("after a successful build: status = %d, want 200", w.Code)
	}
}

func TestSetStaleAfter(t *testing.T) {
	t.Parallel()
	h, c := newTestHandler(t, Options{StaleAfter: time.Hour})
	c.set(built.Add(30 * time.Minute))
	if w := do(h, "GET", "/healthz"); w.Code != http.StatusOK {
		t.Fatalf("within an hour: status = %d, want 200", w.Code)
	}
	// A reload to a tighter schedule makes the same age stale.
	h.SetStaleAfter(10 * time.Minute)
	if w := do(h, "GET", "/healthz"); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"stale"`) {
		t.Fatalf("after SetStaleAfter(10m): %d %s, want 503 stale", w.Code, w.Body)
	}
}

func TestCacheControl(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		maxAge func(time.Time) time.Duration
		want   string
	}{
		{"default", nil, "public, max-age=300"},
		{"next build soon", func(time.Time) time.Duration { return 90*time.Second + 700*time.Millisecond }, "public, max-age=90"},
		{"clamped low", func(time.Time) time.Duration { return time.Second }, "public, max-age=10"},
		{"overdue", func(time.Time) time.Duration { return -time.Minute }, "public, max-age=10"},
		{"clamped high", func(time.Time) time.Duration { return 24 * time.Hour }, "public, max-age=3600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, _ := newTestHandler(t, Options{MaxAge: tt.maxAge})
			for range 2 { // the second request takes the cached value
				if got := do(h, "GET", "/news.rss").Header().Get("Cache-Control"); got != tt.want {
					t.Errorf("Cache-Control = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestMaxAgeFollowsClock(t *testing.T) {
	t.Parallel()
	next := built.Add(5 * time.Minute)
	h, c := newTestHandler(t, Options{MaxAge: func(now time.Time) time.Duration { return next.Sub(now) }})
	for _, tt := range []struct {
		at   time.Duration
		want string
	}{{time.Minute, "public, max-age=240"}, {2 * time.Minute, "public, max-age=180"}, {290 * time.Second, "public, max-age=10"}} {
		c.set(built.Add(tt.at))
		if got := do(h, "GET", "/news.rss").Header().Get("Cache-Control"); got != tt.want {
			t.Errorf("at +%v: Cache-Control = %q, want %q", tt.at, got, tt.want)
		}
	}
}

func TestNewSnapshotRejects(t *testing.T) {
	t.Parallel()
	ok := feed.Document{Feed: "news", Format: feed.RSS, Body: []byte("x"), SelfURL: "https://example.org/news.rss"}
	with := func(f func(*feed.Document)) []feed.Document {
		d := ok
		f(&d)
		return []feed.Document{d}
	}
	tests := []struct {
		name  string
		docs  []feed.Document
		built time.Time
	}{
		{"zero build time", []feed.Document{ok}, time.Time{}},
		{"empty feed name", with(func(d *feed.Document) { d.Feed = "" }), built},
		{"dot dot segment", with(func(d *feed.Document) { d.Feed = "../news" }), built},
		{"dot segment", with(func(d *feed.Document) { d.Feed = "a/./b" }), built},
		{"empty segment", with(func(d *feed.Document) { d.Feed = "a//b" }), built},
		{"leading slash", with(func(d *feed.Document) { d.Feed = "/news" }), built},
		{"trailing slash", with(func(d *feed.Document) { d.Feed = "news/" }), built},
		{"percent", with(func(d *feed.Document) { d.Feed = "a%2Fb" }), built},
		{"space", with(func(d *feed.Document) { d.Feed = "a b" }), built},
		{"non-ASCII", with(func(d *feed.Document) { d.Feed = "nouvelles-é" }), built},
		{"unknown format", with(func(d *feed.Document) { d.Format = "xml" }), built},
		{"empty body", with(func(d *feed.Document) { d.Body = nil }), built},
		{"relative self URL", with(func(d *feed.Document) { d.SelfURL = "/news.rss" }), built},
		{"self URL breaking the Link header", with(func(d *feed.Document) { d.SelfURL = "https://example.org/>; rel=x" }), built},
		{"self URL with another scheme", with(func(d *feed.Document) { d.SelfURL = "javascript:alert(1)" }), built},
		{"self URL with a port and no host", with(func(d *feed.Document) { d.SelfURL = "http://:8080/news.rss" }), built},
		{"self URL with a brace", with(func(d *feed.Document) { d.SelfURL = "https://example.org/{news}.rss" }), built},
		{"duplicate", []feed.Document{ok, ok}, built},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if s, err := NewSnapshot(tt.docs, tt.built); err == nil {
				t.Errorf("NewSnapshot accepted %+v: paths %v", tt.docs, s.Paths())
			}
		})
	}
}

func TestNewSnapshotCopiesBodies(t *testing.T) {
	t.Parallel()
	body := []byte(`{"version":"https://jsonfeed.org/version/1.1"}`)
	s, err := NewSnapshot([]feed.Document{{Feed: "n", Format: feed.JSON, Body: body, SelfURL: "https://example.org/n.json"}}, built)
	if err != nil {
		t.Fatal(err)
	}
	want := string(body)
	body[0] = 'X'
	h := New(Options{})
	h.Swap(s)
	if got := do(h, "GET", "/n.json").Body.String(); got != want {
		t.Errorf("body = %q, want %q: the snapshot shares the caller's buffer", got, want)
	}
	if got, want := s.Paths(), []string{"/n.json"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Paths = %v, want %v", got, want)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t, Options{})
	sent := do(h, "GET", "/news.rss").Body.Len()
	sent += do(h, "GET", "/news.rss", "Accept-Encoding", "gzip").Body.Len()
	do(h, "GET", "/news.rss", "If-None-Match", "*")
	do(h, "HEAD", "/news.atom")
	do(h, "GET", "/missing")
	do(h, "POST", "/news.rss")
	h.ObserveBuild(1500*time.Millisecond, map[string]int{"news": 12, "category/world": 3}, nil)
	h.ObserveBuild(time.Second, nil, errors.New("boom"))

	do(h, "GET", "/metrics")
	w := do(h, "GET", "/metrics")
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d", w.Code)
	}
	text := w.Body.String()
	for _, want := range []string{
		`feedpub_http_requests_total{feed="news",format="rss",status="200"} 2`,
		`feedpub_http_requests_total{feed="news",format="rss",status="304"} 1`,
		`feedpub_http_requests_total{feed="news",format="rss",status="405"} 1`,
		`feedpub_http_requests_total{feed="news",format="atom",status="200"} 1`,
		`feedpub_http_requests_total{feed="",format="",status="404"} 1`,
		fmt.Sprintf(`feedpub_http_response_bytes_total{feed="news",format="rss"} %d`, sent),
		`feedpub_http_response_bytes_total{feed="news",format="atom"} 0`,
		`feedpub_builds_total{result="success"} 1`,
		`feedpub_builds_total{result="failure"} 1`,
		`feedpub_build_duration_seconds_count 2`,
		`feedpub_feed_items{feed="news"} 12`,
		`feedpub_feed_items{feed="category/world"} 3`,
		`feedpub_last_success_timestamp_seconds `,
		`feedpub_http_requests_total{feed="",format="metrics",status="200"} `,
		`go_goroutines `,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestSharedRegistry(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	a := New(Options{Registerer: reg})
	b := New(Options{Registerer: reg}) // must not panic on duplicate registration
	s, err := NewSnapshot(testDocs(), built)
	if err != nil {
		t.Fatal(err)
	}
	a.Swap(s)
	b.Swap(s)
	do(a, "GET", "/news.json")
	do(b, "GET", "/news.json")
	text := do(a, "GET", "/metrics").Body.String()
	if want := `feedpub_http_requests_total{feed="news",format="json",status="200"} 2`; !strings.Contains(text, want) {
		t.Errorf("metrics lack %q", want)
	}
	if strings.Contains(text, "go_goroutines") {
		t.Errorf("a caller's registry got the runtime collectors added")
	}
}

// TestConcurrentSwap serves readers while snapshots with different bodies
// are swapped in; run with -race. Every response must be self-consistent:
// its ETag is the hash of the body it came with.
func TestConcurrentSwap(t *testing.T) {
	t.Parallel()
	h := New(Options{})
	snaps := make([]*Snapshot, 4)
	for i := range snaps {
		docs := testDocs()
		for j := range docs {
			docs[j].Body = feedBody(8_000+j*1_000, uint64(10*i+j))
		}
		s, err := NewSnapshot(docs, built.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		snaps[i] = s
	}
	h.Swap(snaps[0])

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				h.Swap(snaps[i%len(snaps)])
			}
		}
	})
	errs := make(chan error, 4)
	var readers sync.WaitGroup
	for g := range 4 {
		readers.Go(func() {
			for i := range 300 {
				path := []string{"/news.rss", "/news.atom", "/category/world.rss", "/"}[(g+i)%4]
				r := httptest.NewRequest("GET", path, nil)
				if i%2 == 0 {
					r.Header.Set("Accept-Encoding", "gzip")
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					errs <- fmt.Errorf("GET %s: status %d", path, w.Code)
					return
				}
				if got, want := w.Header().Get("Etag"), etagFor(w.Body.Bytes()); got != want {
					errs <- fmt.Errorf("GET %s: ETag %s, body hashes to %s", path, got, want)
					return
				}
			}
		})
	}
	readers.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestAcceptedCodings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   []string
		want coding
	}{
		{nil, codingIdentity},
		{[]string{""}, codingIdentity},
		{[]string{"gzip"}, codingIdentity | codingGzip},
		{[]string{"gzip;q=0"}, codingIdentity},
		{[]string{"gzip;q=0.5;foo=bar"}, codingIdentity | codingGzip},
		{[]string{"identity;q=0"}, 0},
		{[]string{"*;q=0"}, 0},
		{[]string{"*;q=0, identity"}, codingIdentity},
		{[]string{"*"}, codingIdentity | codingGzip},
		{[]string{"gzip;q=1.000"}, codingIdentity | codingGzip},
		{[]string{"gzip;q=1.5"}, codingIdentity},
		{[]string{"gzip;q=0.0001"}, codingIdentity},
		{[]string{" , ,gzip , "}, codingIdentity | codingGzip},
	}
	for _, tt := range tests {
		if got := acceptedCodings(tt.in); got != tt.want {
			t.Errorf("acceptedCodings(%q) = %b, want %b", tt.in, got, tt.want)
		}
	}
}

func TestParseIMFFixdate(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		modifiedHTTP, "Sun, 06 Nov 1994 08:49:37 GMT", "Fri, 31 Dec 9999 23:59:59 GMT",
		"Mon, 06 May 2024 07:08:09 UTC", "Mon, 06 Foo 2024 07:08:09 GMT", "Mon, 6 May 2024 07:08:09 GMT",
		"Mon, 32 May 2024 07:08:09 GMT", "Mon, 06 May 2024 24:08:09 GMT", "Mon, 06 May 20x4 07:08:09 GMT", "",
	} {
		got, ok := parseIMFFixdate(s)
		want, err := time.Parse(http.TimeFormat, s)
		if ok != (err == nil) || ok && !got.Equal(want) {
			t.Errorf("parseIMFFixdate(%q) = %v, %v; time.Parse gives %v, %v", s, got, ok, want, err)
		}
	}
}

// discardWriter is the cheapest ResponseWriter there is, so benchmarks
// measure the handler and not a recorder.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	w.status = code
}
func (w *discardWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

func benchmarkServe(b *testing.B, header ...string) {
	h, _ := newTestHandler(b, Options{})
	r := httptest.NewRequest("GET", "/news.rss", nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := &discardWriter{h: make(http.Header)}
	h.ServeHTTP(w, r)
	b.SetBytes(int64(w.n))
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
	if w.status != http.StatusOK && w.status != http.StatusNotModified {
		b.Fatalf("status %d", w.status)
	}
}

func BenchmarkServePlain(b *testing.B) { benchmarkServe(b) }

func BenchmarkServeGzip(b *testing.B) {
	benchmarkServe(b, "Accept-Encoding", "gzip, deflate, br, zstd")
}

func BenchmarkServeNotModified(b *testing.B) {
	etag := etagFor(testDocs()[0].Body)
	benchmarkServe(b, "If-None-Match", etag)
}

func BenchmarkServeNotModifiedSince(b *testing.B) {
	benchmarkServe(b, "If-Modified-Since", modifiedHTTP)
}

// BenchmarkServeParallel is the hot path from every core at once, where
// shared counters could turn into contention.
func BenchmarkServeParallel(b *testing.B) {
	h, _ := newTestHandler(b, Options{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		r := httptest.NewRequest("GET", "/news.rss", nil)
		r.Header.Set("Accept-Encoding", "gzip")
		w := &discardWriter{h: make(http.Header)}
		for pb.Next() {
			clear(w.h)
			h.ServeHTTP(w, r)
		}
	})
}

func BenchmarkNewSnapshot(b *testing.B) {
	docs := testDocs()[:1]
	b.SetBytes(int64(len(docs[0].Body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewSnapshot(docs, built); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHealthzListsDegradedSources(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := New(Options{Registerer: reg, Gatherer: reg})
	snap, err := NewSnapshot([]feed.Document{{Feed: "news", Title: "N", Format: feed.RSS, Body: []byte("<rss/>"), Modified: time.Unix(1e9, 0), SelfURL: "http://x/news.rss"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h.Swap(snap)
	h.ObserveSources(map[string]error{"partner": errors.New("connection refused")})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"degraded_sources":{"partner":"connection refused"}`) {
		t.Errorf("healthz with a degraded source: %d %s", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `feedpub_source_failures_total{source="partner"} 1`) {
		t.Errorf("metrics do not count the failure:\n%s", rec.Body.String())
	}
	h.ObserveSources(nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if strings.Contains(rec.Body.String(), "degraded") {
		t.Errorf("a recovered source is still listed: %s", rec.Body.String())
	}
}
