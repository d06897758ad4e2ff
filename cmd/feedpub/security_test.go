package main

// Security tests of 'feedpub serve' and of what a build publishes: requests
// that try to reach files, methods and malformed or slow requests, the
// response headers that keep browsers from sniffing or running anything,
// and hostile markup in every field of every kind of source.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/htmlcheck"
)

// secAddr is the host:port the server listens on.
func secAddr(s *served) string {
	return strings.TrimSuffix(strings.TrimPrefix(s.base, "http://"), "/")
}

// secWaitServing waits for the first build to be in service.
func secWaitServing(s *served) {
	s.t.Helper()
	waitFor(s.t, "the first build", 15*time.Second, func() bool {
		resp, _ := s.get("/news.rss", nil)
		return resp.StatusCode == http.StatusOK
	})
}

// secRaw writes raw to a new connection to addr, exactly as given, and
// reads one response. A HEAD request is read as one, without a body.
func secRaw(t *testing.T, addr, raw string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(15 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatalf("write %.40q: %v", raw, err)
	}
	method, _, _ := strings.Cut(raw, " ")
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("no response to %.60q: %v", raw, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("body of the response to %.60q: %v", raw, err)
	}
	return resp, body
}

// secLeaks lists what of a site's private files a response body shows.
func secLeaks(body []byte) []string {
	var found []string
	for _, s := range []string{
		"base_url", "sources:", "state:", // the configuration
		"tag:",                              // ids, in the ledger and the feeds
		"repositoryformatversion",           // .git/config
		"secret-marker",                     // every private file of the test site
		"<rss", "<feed", `"items"`, "<html", // documents served under another path
		"root:x:0:0", // /etc/passwd
	} {
		if bytes.Contains(body, []byte(s)) {
			found = append(found, s)
		}
	}
	return found
}

func TestServePathTraversal(t *testing.T) { eachServer(t, true, testServePathTraversal) }

func testServePathTraversal(t *testing.T, flags ...string) {
	t.Parallel()
	s := startServeFlags(t, flags, "@every 1h", map[string]string{
		"articles/a.txt":    "A story that is published. It has a body.\n",
		".git/config":       "[core]\n\trepositoryformatversion = 0\n# secret-marker git\n",
		"public/secret.txt": "secret-marker public\n",
		"data/secret.txt":   "secret-marker data\n",
		"secret.txt":        "secret-marker site\n",
	})
	secWaitServing(s)

	paths := []string{
		"/../feedpub.yaml",
		"/..%2ffeedpub.yaml",
		"/..%2Ffeedpub.yaml",
		"/%2e%2e/feedpub.yaml",
		"/%2e%2e%2ffeedpub.yaml",
		"/..\\feedpub.yaml",
		"/..%5cfeedpub.yaml",
		"/news.rss/../../feedpub.yaml",
		"/news.rss/../feedpub.yaml",
		"/./news.rss",
		"//news.rss",
		"///news.rss",
		"/news%2Erss",
		"/news%2erss",
		"/%6Eews.rss",
		"/news.rss%00",
		"/news.rss%00.txt",
		"/news.rss/",
		"/news.rss;.txt",
		"/NEWS.RSS",
		"/news.RSS",
		"/public/news.rss",
		"/public/",
		"/public/secret.txt",
		"/data/feedpub.db",
		"/data/feedpub.db.jsonl",
		"/data/secret.txt",
		"/articles/",
		"/articles/a.txt",
		"/.git/config",
		"/.git/",
		"/feedpub.yaml",
		"/secret.txt",
		"/etc/passwd",
		"/../../../../etc/passwd",
		"/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
		"/healthz/../feedpub.yaml",
		"/index.html",
		"/.",
		"/..",
		"*",
		"http://127.0.0.1/../feedpub.yaml",
		"http://evil.example/feedpub.yaml",
	}
	for _, p := range paths {
		for _, method := range []string{"GET", "HEAD"} {
			resp, body := secRaw(t, secAddr(s), method+" "+p+" HTTP/1.1\r\nHost: "+secAddr(s)+"\r\nConnection: close\r\n\r\n")
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s %s: %s, want 404 or 400", method, p, resp.Status)
			}
			if leaks := secLeaks(body); len(leaks) > 0 {
				t.Errorf("%s %s: the body shows %q:\n%.300s", method, p, leaks, body)
			}
			if method == "HEAD" && len(body) > 0 {
				t.Errorf("HEAD %s: %d bytes of body", p, len(body))
			}
		}
	}

	// The same through an ordinary client, which sends what it is given
	// for paths it does not clean.
	for _, p := range []string{"/../feedpub.yaml", "/%2e%2e/feedpub.yaml", "/news.rss/../../feedpub.yaml"} {
		resp, body := s.get(p, nil)
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("client GET %s: %s, want 404 or 400", p, resp.Status)
		}
		if leaks := secLeaks(body); len(leaks) > 0 {
			t.Errorf("client GET %s: the body shows %q", p, leaks)
		}
	}

	// A query string or a fragment does not change what a path names.
	resp, body := s.get("/news.rss?../../feedpub.yaml", nil)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("<rss")) || bytes.Contains(body, []byte("base_url")) {
		t.Errorf("GET /news.rss?../../feedpub.yaml: %s, want the feed itself", resp.Status)
	}
}

func TestServeMethods(t *testing.T) { eachServer(t, true, testServeMethods) }

func testServeMethods(t *testing.T, flags ...string) {
	t.Parallel()
	s := startServeFlags(t, flags, "@every 1h", map[string]string{"articles/a.txt": "A story that is published. It has a body.\n"})
	secWaitServing(s)

	methods := []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "BREW", "get", "Get"}
	routes := []string{"/news.rss", "/news.atom", "/news.json", "/", "/healthz", "/metrics"}
	for _, m := range methods {
		for _, p := range routes {
			raw := m + " " + p + " HTTP/1.1\r\nHost: " + secAddr(s) + "\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody"
			resp, body := secRaw(t, secAddr(s), raw)
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %s, want 405", m, p, resp.Status)
				continue
			}
			if got := resp.Header.Get("Allow"); got != "GET, HEAD" {
				t.Errorf("%s %s: Allow %q, want \"GET, HEAD\"", m, p, got)
			}
			if string(body) != "405 method not allowed\n" {
				t.Errorf("%s %s: body %.200q, want only the 405 message", m, p, body)
			}
			if resp.Header.Get("Etag") != "" || resp.Header.Get("Last-Modified") != "" {
				t.Errorf("%s %s: a 405 carries the document's validators", m, p)
			}
		}
		// Paths that name nothing are 404 whatever the method.
		resp, body := secRaw(t, secAddr(s), m+" /nothing-here HTTP/1.1\r\nHost: "+secAddr(s)+"\r\nConnection: close\r\n\r\n")
		if resp.StatusCode != http.StatusNotFound || len(secLeaks(body)) > 0 {
			t.Errorf("%s /nothing-here: %s %.100q, want 404", m, resp.Status, body)
		}
	}

	// CONNECT in its own authority form names no path of the server.
	resp, body := secRaw(t, secAddr(s), "CONNECT "+secAddr(s)+" HTTP/1.1\r\nHost: "+secAddr(s)+"\r\nConnection: close\r\n\r\n")
	if resp.StatusCode/100 != 4 || len(secLeaks(body)) > 0 {
		t.Errorf("CONNECT %s: %s %.100q, want a 4xx and no document", secAddr(s), resp.Status, body)
	}
	// A method that is not an HTTP token is refused by net/http itself.
	for _, m := range []string{"G(E)T", "GE\x01T"} {
		resp, body = secRaw(t, secAddr(s), m+" /news.rss HTTP/1.1\r\nHost: "+secAddr(s)+"\r\nConnection: close\r\n\r\n")
		if resp.StatusCode != http.StatusBadRequest || len(secLeaks(body)) > 0 {
			t.Errorf("method %q: %s %.100q, want 400", m, resp.Status, body)
		}
	}

	// HEAD gets the headers of GET and no body.
	resp, body = secRaw(t, secAddr(s), "HEAD /news.rss HTTP/1.1\r\nHost: "+secAddr(s)+"\r\nConnection: close\r\n\r\n")
	if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.Header.Get("Etag") == "" {
		t.Errorf("HEAD /news.rss: %s with %d bytes, ETag %q", resp.Status, len(body), resp.Header.Get("Etag"))
	}
}

func TestServeMalformedRequests(t *testing.T) { eachServer(t, true, testServeMalformedRequests) }

func testServeMalformedRequests(t *testing.T, flags ...string) {
	t.Parallel()
	s := startServeFlags(t, flags, "@every 1h", map[string]string{"articles/a.txt": "A story that is published. It has a body.\n"})
	secWaitServing(s)
	host := "Host: " + secAddr(s) + "\r\n"

	tests := []struct {
		name string
		raw  string
		want int
	}{
		{"headers over MaxHeaderBytes", "GET /news.rss HTTP/1.1\r\n" + host + "X-Big: " + strings.Repeat("a", 40<<10) + "\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"many headers over MaxHeaderBytes", "GET /news.rss HTTP/1.1\r\n" + host + strings.Repeat("X-Many: "+strings.Repeat("b", 100)+"\r\n", 400) + "\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"request line over MaxHeaderBytes", "GET /" + strings.Repeat("n", 64<<10) + " HTTP/1.1\r\n" + host + "\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"garbage request line", "GARBAGE\r\n\r\n", http.StatusBadRequest},
		{"no protocol", "GET /news.rss\r\n" + host + "\r\n", http.StatusBadRequest},
		{"bad protocol", "GET /news.rss HTTP/x.y\r\n" + host + "\r\n", http.StatusBadRequest},
		{"unknown HTTP version", "GET /news.rss HTTP/9.9\r\n" + host + "\r\n", http.StatusHTTPVersionNotSupported},
		{"control character in target", "GET /news.rss\x01 HTTP/1.1\r\n" + host + "\r\n", http.StatusBadRequest},
		{"NUL in target", "GET /news\x00.rss HTTP/1.1\r\n" + host + "\r\n", http.StatusBadRequest},
		{"header line without colon", "GET /news.rss HTTP/1.1\r\n" + host + "Bad Header Line\r\n\r\n", http.StatusBadRequest},
		{"space before colon", "GET /news.rss HTTP/1.1\r\n" + host + "X-Bad : v\r\n\r\n", http.StatusBadRequest},
		{"no Host in HTTP/1.1", "GET /news.rss HTTP/1.1\r\n\r\n", http.StatusBadRequest},
		{"two Host headers", "GET /news.rss HTTP/1.1\r\n" + host + host + "\r\n", http.StatusBadRequest},
		{"bad Content-Length", "GET /news.rss HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n", http.StatusBadRequest},
		{"two different Content-Lengths", "GET /news.rss HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", http.StatusBadRequest},
		{"unknown transfer coding", "GET /news.rss HTTP/1.1\r\n" + host + "Transfer-Encoding: rot13\r\n\r\n", http.StatusNotImplemented},
	}
	for _, tc := range tests {
		resp, body := secRaw(t, secAddr(s), tc.raw)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %s, want %d", tc.name, resp.Status, tc.want)
		}
		if leaks := secLeaks(body); len(leaks) > 0 {
			t.Errorf("%s: the body shows %q", tc.name, leaks)
		}
	}

	// Headers just under the limit are served.
	resp, body := secRaw(t, secAddr(s), "GET /news.rss HTTP/1.1\r\n"+host+"X-Big: "+strings.Repeat("a", 12<<10)+"\r\nConnection: close\r\n\r\n")
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("<rss")) {
		t.Errorf("12 KiB of headers: %s, want the feed", resp.Status)
	}

	// The server is still up and serving.
	if resp, _ := s.get("/news.rss", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("after malformed requests: %s", resp.Status)
	}
}

// TestServeSlowHeaders holds connections that send their headers slowly or
// not at all: each is closed once readHeaderTimeout has passed, with at
// most a 400, and other clients are served meanwhile.
func TestServeSlowHeaders(t *testing.T) { eachServer(t, true, testServeSlowHeaders) }

func testServeSlowHeaders(t *testing.T, flags ...string) {
	t.Parallel()
	s := startServeFlags(t, flags, "@every 1h", map[string]string{"articles/a.txt": "A story that is published. It has a body.\n"})
	secWaitServing(s)

	const (
		silent   = 30 // connections that send a request line and stop
		trickles = 3  // connections that send one header byte every 300ms
		earliest = readHeaderTimeout - 500*time.Millisecond
		latest   = readHeaderTimeout + 4*time.Second
	)
	type outcome struct {
		kind    string
		elapsed time.Duration
		got     []byte
		err     error
	}
	results := make(chan outcome, silent+trickles)
	var wg sync.WaitGroup
	for i := range silent + trickles {
		trickle := i >= silent
		wg.Go(func() {
			kind := "silent"
			if trickle {
				kind = "trickle"
			}
			conn, err := net.DialTimeout("tcp", secAddr(s), 5*time.Second)
			if err != nil {
				results <- outcome{kind: kind, err: err}
				return
			}
			defer conn.Close()
			start := time.Now()
			// A bound of the test's own, well past the server's.
			conn.SetReadDeadline(start.Add(latest + 5*time.Second))
			if _, err := io.WriteString(conn, "GET /news.rss HTTP/1.1\r\n"); err != nil {
				results <- outcome{kind: kind, err: err}
				return
			}
			if trickle {
				stop := make(chan struct{})
				defer close(stop)
				go func() {
					tick := time.NewTicker(300 * time.Millisecond)
					defer tick.Stop()
					for n := 0; n < 60; n++ {
						select {
						case <-stop:
							return
						case <-tick.C:
						}
						if _, err := io.WriteString(conn, "X"); err != nil {
							return
						}
					}
				}()
			}
			got, err := io.ReadAll(io.LimitReader(conn, 64<<10))
			if errors.Is(err, syscall.ECONNRESET) {
				// Closed with a trickled byte still unread: a reset
				// is a close too.
				err = nil
			}
			results <- outcome{kind: kind, elapsed: time.Since(start), got: got, err: err}
		})
	}

	// While they hang, the feeds are served, promptly.
	time.Sleep(500 * time.Millisecond)
	// As generous as a loaded machine needs while still telling: a server
	// that waited on the slow clients would answer only once their
	// readHeaderTimeout ran out, 4.5s from now.
	client := &http.Client{Timeout: 4 * time.Second}
	for i := range 20 {
		req, _ := http.NewRequest(http.MethodGet, s.base+"news.json", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("request %d while slow clients hang: %v", i, err)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("request %d while slow clients hang: %s", i, resp.Status)
		}
	}

	wg.Wait()
	close(results)
	for o := range results {
		switch {
		case o.err != nil:
			t.Errorf("%s connection: %v after %v (the server did not close it)", o.kind, o.err, o.elapsed.Round(time.Millisecond))
		case o.elapsed < earliest || o.elapsed > latest:
			t.Errorf("%s connection closed after %v, want between %v and %v", o.kind, o.elapsed.Round(time.Millisecond), earliest, latest)
		case o.kind == "silent" && len(o.got) != 0:
			t.Errorf("silent connection got %q before it was closed, want nothing", o.got)
		case o.kind == "trickle" && len(o.got) != 0 && !bytes.HasPrefix(o.got, []byte("HTTP/1.1 400 Bad Request\r\n")):
			// net/http answers 400 to a header cut off mid-line by the
			// deadline, and nothing to one that never started.
			t.Errorf("trickle connection got %q before it was closed, want nothing or a 400", o.got)
		}
		if leaks := secLeaks(o.got); len(leaks) > 0 {
			t.Errorf("%s connection: the response shows %q", o.kind, leaks)
		}
	}
}

func TestServeSecurityHeaders(t *testing.T) { eachServer(t, true, testServeSecurityHeaders) }

func testServeSecurityHeaders(t *testing.T, flags ...string) {
	t.Parallel()
	s := startServeFlags(t, flags, "@every 1h", map[string]string{"articles/a.txt": "A story that is published. It has a body.\n" + strings.Repeat("More words so that gzip pays. ", 50) + "\n"})
	secWaitServing(s)

	for _, f := range feed.Formats {
		for _, enc := range []string{"identity", "gzip"} {
			resp, _ := s.get("/news."+string(f), map[string]string{"Accept-Encoding": enc})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("news.%s (%s): %s", f, enc, resp.Status)
			}
			if got := resp.Header.Get("Content-Type"); got != f.ContentType() {
				t.Errorf("news.%s (%s): Content-Type %q, want %q", f, enc, got, f.ContentType())
			}
			if got := resp.Header.Values("X-Content-Type-Options"); len(got) != 1 || got[0] != "nosniff" {
				t.Errorf("news.%s (%s): X-Content-Type-Options %q, want nosniff", f, enc, got)
			}
			if enc == "gzip" && resp.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("news.%s: gzip asked, Content-Encoding %q", f, resp.Header.Get("Content-Encoding"))
			}
		}
		resp, _ := secRaw(t, secAddr(s), "HEAD /news."+string(f)+" HTTP/1.1\r\nHost: "+secAddr(s)+"\r\nConnection: close\r\n\r\n")
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Type") != f.ContentType() {
			t.Errorf("HEAD news.%s: Content-Type %q, X-Content-Type-Options %q", f, resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"))
		}
	}

	resp, page := s.get("/", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("index: %s", resp.Status)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("index Content-Type %q", got)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("index X-Content-Type-Options %q, want nosniff", got)
	}
	csp := resp.Header.Values("Content-Security-Policy")
	if len(csp) != 1 {
		t.Fatalf("index Content-Security-Policy: %q, want one", csp)
	}
	for _, problem := range secCSPProblems(csp[0]) {
		t.Errorf("index Content-Security-Policy %q: %s", csp[0], problem)
	}
	if problems := htmlcheck.LiveMarkup(string(page), htmlcheck.Page); len(problems) > 0 {
		t.Errorf("index page: %s", strings.Join(problems, "; "))
	}

	// Error pages are plain text that no browser sniffs.
	for _, raw := range []string{
		"GET /nothing HTTP/1.1\r\nHost: " + secAddr(s) + "\r\nConnection: close\r\n\r\n",
		"POST /news.rss HTTP/1.1\r\nHost: " + secAddr(s) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	} {
		resp, _ := secRaw(t, secAddr(s), raw)
		if resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%.20q: %s, Content-Type %q, X-Content-Type-Options %q", raw, resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("X-Content-Type-Options"))
		}
	}
	resp, _ = s.get("/healthz", nil)
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("healthz X-Content-Type-Options %q", resp.Header.Get("X-Content-Type-Options"))
	}
}

// secCSPProblems lists what makes a Content-Security-Policy for a page of
// links too lax: it must fall back to 'none', allow no script from
// anywhere, and keep the page from being framed or rebased.
func secCSPProblems(policy string) []string {
	directives := map[string][]string{}
	for d := range strings.SplitSeq(policy, ";") {
		fields := strings.Fields(d)
		if len(fields) == 0 {
			continue
		}
		name := strings.ToLower(fields[0])
		if _, dup := directives[name]; !dup {
			directives[name] = fields[1:]
		}
	}
	var problems []string
	if v, ok := directives["default-src"]; !ok || len(v) != 1 || v[0] != "'none'" {
		problems = append(problems, fmt.Sprintf("default-src %q, want 'none'", v))
	}
	for _, name := range []string{"script-src", "script-src-elem", "script-src-attr", "object-src", "connect-src", "frame-src", "worker-src"} {
		if v, ok := directives[name]; ok && (len(v) != 1 || v[0] != "'none'") {
			problems = append(problems, fmt.Sprintf("%s %q allows something", name, v))
		}
	}
	for name, v := range directives {
		for _, src := range v {
			switch strings.ToLower(src) {
			case "'unsafe-eval'", "'wasm-unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:":
				problems = append(problems, fmt.Sprintf("%s allows %s", name, src))
			case "'unsafe-inline'":
				if name != "style-src" && name != "style-src-elem" && name != "style-src-attr" {
					problems = append(problems, fmt.Sprintf("%s allows 'unsafe-inline'", name))
				}
			}
		}
	}
	for _, name := range []string{"base-uri", "frame-ancestors", "form-action"} {
		if v := directives[name]; len(v) != 1 || v[0] != "'none'" {
			problems = append(problems, fmt.Sprintf("%s %q, want 'none'", name, v))
		}
	}
	return problems
}

// The markup every hostile field carries.
const (
	secScript  = `<script>alert(1)</script>`
	secImg     = `<img src=x onerror=alert(1)>`
	secSVG     = `"><svg onload=alert(1)>`
	secJSURL   = `javascript:alert(1)`
	secCDATA   = `]]>`
	secEntity  = `&amp;`
	secHostile = secScript + " " + secImg + " " + secSVG + " " + secCDATA + " " + secEntity
)

// secYAML quotes s as a YAML double-quoted scalar.
func secYAML(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// secJSON encodes v as one line of JSON, with nothing HTML-escaped.
func secJSON(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// secXMLText escapes s as XML character data.
func secXMLText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// secRemoteFeeds serves an RSS, an Atom and a JSON feed whose every field
// is hostile, at /feed.rss, /feed.atom and /feed.json.
func secRemoteFeeds(t *testing.T) *httptest.Server {
	t.Helper()
	htmlBody := secScript + `<p onmouseover="alert(1)">para</p>` +
		`<a href="javascript:alert(1)">a</a><a href=" JaVaScRiPt:alert(1)">b</a><a href="jav&#x09;ascript:alert(1)">c</a>` +
		`<a href="vbscript:msgbox(1)">d</a><a href="data:text/html,<script>alert(1)</script>">e</a>` +
		secImg + secSVG + `<iframe src="javascript:alert(1)"></iframe><object data="javascript:alert(1)"></object>` +
		`<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">f</button></form>` +
		`<img srcset="javascript:alert(1) 1x, https://ok.example/a.png 2x">` +
		`<div style="background:url(javascript:alert(1))">g</div>` +
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>` +
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>` +
		`<svg><style><img src=x onerror=alert(1)></style></svg>` +
		`<base href="javascript:alert(1)//"><meta http-equiv="refresh" content="0;url=javascript:alert(1)">` +
		` ]]> &amp; end`
	cdata := func(s string) string { return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>" }
	rss := `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>` + secXMLText(secHostile+" RSS remote") + `</title>
<link>javascript:alert(1)</link>
<description>` + cdata(secHostile+" remote channel") + `</description>
<item>
<title>` + cdata(secHostile+" RSS remote item") + `</title>
<link>javascript:alert(1)</link>
<guid isPermaLink="false">rss-1</guid>
<description>` + cdata(secHostile+` <a href="javascript:alert(1)">d</a> remote summary`) + `</description>
<content:encoded>` + cdata(htmlBody) + `</content:encoded>
<author>evil@example.com (` + secXMLText(secScript) + `)</author>
<dc:creator>` + secXMLText(secImg) + `</dc:creator>
<category>` + secXMLText(secScript) + `</category>
<category>` + secXMLText(secSVG) + `</category>
<enclosure url="javascript:alert(1)" length="1" type="audio/mpeg"/>
<pubDate>Mon, 05 Jan 2026 10:00:00 GMT</pubDate>
</item>
<item>
<title>Second remote RSS item</title>
<link>https://remote.example.org/2</link>
<description>` + secXMLText(htmlBody) + `</description>
<pubDate>Mon, 05 Jan 2026 11:00:00 GMT</pubDate>
</item>
</channel>
</rss>
`
	atomDoc := `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="javascript:alert(1)//">
<title type="html">` + secXMLText(secHostile+" Atom remote") + `</title>
<subtitle type="html">` + secXMLText(secHostile) + `</subtitle>
<id>urn:example:atom</id>
<updated>2026-01-05T10:00:00Z</updated>
<link rel="alternate" href="https://remote.example.org/"/>
<entry>
<title type="html">` + secXMLText(secHostile+" Atom html entry") + `</title>
<id>urn:example:atom:1</id>
<link rel="alternate" href="javascript:alert(1)"/>
<link rel="enclosure" href="javascript:alert(1)" type="audio/mpeg"/>
<updated>2026-01-05T10:00:00Z</updated>
<author><name>` + secXMLText(secScript) + `</name><uri>javascript:alert(1)</uri></author>
<category term="` + secXMLText(secScript) + `"/>
<summary type="html">` + secXMLText(secHostile) + `</summary>
<content type="html">` + secXMLText(htmlBody+`<a href="relative">rel</a>`) + `</content>
</entry>
<entry xml:base="javascript:alert(1)//">
<title type="text">` + secXMLText(secHostile+" Atom text entry") + `</title>
<id>urn:example:atom:2</id>
<link href="rel/2"/>
<updated>2026-01-05T11:00:00Z</updated>
<content type="text">` + secXMLText(secHostile+" plain text content") + `</content>
</entry>
<entry>
<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><b>Atom</b> xhtml entry <script>alert(1)</script></div></title>
<id>urn:example:atom:3</id>
<link href="https://remote.example.org/3"/>
<updated>2026-01-05T12:00:00Z</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script><a href="javascript:alert(1)">x</a><img src="x" onerror="alert(1)"/><p onclick="alert(1)">xhtml</p></div></content>
</entry>
</feed>
`
	jsonDoc := secJSON(t, map[string]any{
		"version":       "https://jsonfeed.org/version/1.1",
		"title":         secHostile + " JSON remote \x01\x1b",
		"home_page_url": secJSURL,
		"feed_url":      secJSURL,
		"description":   secHostile,
		"items": []any{
			map[string]any{
				"id": "json-1", "url": secJSURL, "external_url": secJSURL,
				"title":          secHostile + " JSON remote item \x01\x0b",
				"content_html":   htmlBody,
				"summary":        secHostile,
				"authors":        []any{map[string]any{"name": secScript, "url": secJSURL}},
				"tags":           []any{secScript, secSVG},
				"attachments":    []any{map[string]any{"url": secJSURL, "mime_type": "audio/mpeg"}},
				"date_published": "2026-01-05T10:00:00Z",
			},
			map[string]any{
				"id": "json-2", "url": "https://remote.example.org/j2",
				"title":          "JSON remote text item",
				"content_text":   secHostile + "\nsecond line",
				"date_published": "2026-01-05T11:00:00Z",
			},
		},
	})
	docs := map[string]struct{ body, ctype string }{
		"/feed.rss":  {rss, "application/rss+xml"},
		"/feed.atom": {atomDoc, "application/atom+xml"},
		"/feed.json": {jsonDoc, "application/feed+json"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", d.ctype)
		io.WriteString(w, d.body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestServeHostileMarkup builds a site whose every text field, in every
// kind of source, carries markup meant to run in a reader or on the index
// page, and checks what is served: no live markup anywhere, valid
// documents, and plain-text fields that show the markup as text.
func TestServeHostileMarkup(t *testing.T) {
	t.Parallel()
	remote := secRemoteFeeds(t)

	cfg := strings.NewReplacer(
		"title: Example News\n", "title: "+secYAML(secHostile+" site \x01\x1b")+"\ndescription: "+secYAML(secHostile+" description")+
			"\nauthor:\n  name: "+secYAML(secScript+" editor")+"\n  email: editor@news.example.com\n"+
			"item_link: \"{base_url}/{source}/{slug}\"\n",
		"sources:\n  - name: wire\n    type: text\n    path: articles\n",
		"sources:\n  - name: wire\n    type: text\n    path: articles\n"+
			"  - name: md\n    type: markdown\n    path: md\n    allow_html: true\n"+
			"  - name: md-strict\n    type: markdown\n    path: md\n"+
			"  - name: items\n    type: json\n    path: items\n"+
			"  - name: remote-rss\n    type: feed\n    url: "+remote.URL+"/feed.rss\n    timeout: 10s\n"+
			"  - name: remote-atom\n    type: feed\n    url: "+remote.URL+"/feed.atom\n    timeout: 10s\n"+
			"  - name: remote-json\n    type: feed\n    url: "+remote.URL+"/feed.json\n    timeout: 10s\n",
		"feeds:\n  - name: news\n    sources: [wire]\n",
		"feeds:\n  - name: news\n    title: "+secYAML(secHostile+" feed \x01")+"\n    description: "+secYAML(secHostile)+"\n    per_category: true\n",
	).Replace(minimalConfig)
	if strings.Count(cfg, "remote-") != 3 || !strings.Contains(cfg, "per_category") {
		t.Fatalf("the configuration was not rewritten as meant; minimalConfig changed?\n%s", cfg)
	}

	files := map[string]string{
		"articles/hostile.txt": "Title: " + secHostile + " text title \x01\x0b\x1b\n" +
			"Author: Lena " + secImg + " Brandt, " + secScript + "\n" +
			"Tags: " + secScript + ", " + secSVG + ", " + secCDATA + secEntity + "\n" +
			"Summary: " + secHostile + " " + secJSURL + " text summary\x07\n" +
			"Link: " + secJSURL + "\n" +
			"Date: 2026-01-04T10:00:00Z\n" +
			"\n" +
			"First paragraph " + secHostile + ` <a href="javascript:alert(1)">link</a> ` + secJSURL + " \x1b end.\n" +
			"Second paragraph ]]]]> and &lt;b&gt; and &#60;script&#62;.\n" +
			"\n\n" +
			secScript + " Headline One\n" +
			secSVG + " Headline Two\n",
		"articles/untitled.txt": secHostile + " derived title from the lead. And more.\n",
		"md/front.md": "---\n" +
			"title: " + secYAML(secHostile+" markdown title \x01") + "\n" +
			"author: " + secYAML("Ann "+secImg+" Lee") + "\n" +
			"authors:\n  - name: " + secYAML(secScript) + "\n    url: " + secYAML(secJSURL) + "\n" +
			"tags: [" + secYAML(secScript) + ", " + secYAML(secSVG) + "]\n" +
			"summary: " + secYAML(secHostile+" markdown summary") + "\n" +
			"link: " + secYAML(secJSURL) + "\n" +
			"enclosure: " + secYAML(secJSURL+".mp3") + "\n" +
			"date: 2026-01-03T10:00:00Z\n" +
			"---\n" +
			"Body with " + secScript + " inline and " + secImg + ".\n\n" +
			secScript + "\n\n" +
			`<svg onload=alert(1)><circle r="1"/></svg>` + "\n\n" +
			"[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](vbscript:msgbox(1)) <a href=\"javascript:alert(1)\">raw</a> <javascript:alert(1)>\n\n" +
			"![img](javascript:alert(1)) ![img2](x \"t\" onerror=alert(1))\n\n" +
			secSVG + " ]]> &amp; <iframe src=\"javascript:alert(1)\"></iframe>\n\n" +
			`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>` + "\n\n" +
			`<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button></form>` + "\n\n" +
			"```html\n" + secScript + "\n```\n",
		"md/heading.md": "# " + secImg + " Heading " + secScript + "\n\n" + "A paragraph " + secSVG + ".\n",
		"items/hostile.jsonl": secJSON(t, map[string]any{
			"id": "hostile-1", "url": secJSURL,
			"title":        secHostile + " json title \x01",
			"summary":      secHostile + " json summary",
			"content_html": secScript + `<p onclick="alert(1)">p</p><a href="javascript:alert(1)">x</a>` + secImg + secSVG + " ]]> &amp;",
			"authors":      []any{map[string]any{"name": secScript, "url": secJSURL}},
			"tags":         []any{secScript, secCDATA},
			"attachments":  []any{map[string]any{"url": secJSURL, "mime_type": "audio/mpeg"}},
			"date":         "2026-01-02T10:00:00Z",
		}) + secJSON(t, map[string]any{
			"id": "hostile-2", "title": secHostile + " json text item",
			"content_text": secHostile + "\nline two " + secJSURL,
			"external_url": secJSURL, "image": secJSURL,
			"date": "2026-01-02T11:00:00Z",
		}),
	}
	s := startServeConfig(t, cfg, "@every 1h", files)
	secWaitServing(s)
	if strings.Contains(s.stderr.String(), "source degraded") {
		t.Errorf("a remote source failed:\n%s", s.stderr.String())
	}

	// The index page: no live markup, the titles as text.
	_, page := s.get("/", nil)
	if problems := htmlcheck.LiveMarkup(string(page), htmlcheck.Page); len(problems) > 0 {
		t.Errorf("index page has live markup: %s\n%s", strings.Join(problems, "; "), page)
	}
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	if got := htmlcheck.ElementText(doc, atom.Title); !strings.Contains(got, secScript) || !strings.Contains(got, secSVG) {
		t.Errorf("index <title> = %q, want the site title's markup as text", got)
	}
	if got := htmlcheck.ElementText(doc, atom.H2); !strings.Contains(got, secScript) {
		t.Errorf("index <h2> = %q, want the feed title's markup as text", got)
	}
	// The feeds drop the control characters of the configured titles;
	// the page that lists them must too.
	if p := secBadChars(string(page)); p != "" {
		t.Errorf("index page: %s", p)
	}

	// Every document the snapshot serves, per-category feeds included.
	var paths []string
	for _, f := range feed.Formats {
		paths = append(paths, "/news."+string(f))
	}
	seen := map[string]bool{}
	for _, u := range regexp.MustCompile(`href="\./(category/[^"]+)"`).FindAllSubmatch(page, -1) {
		if p := "/" + string(u[1]); !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	if len(paths) < 6 {
		t.Errorf("the index lists no per-category feeds:\n%s", page)
	}
	for _, p := range paths {
		resp, body := s.get(p, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %s", p, resp.Status)
			continue
		}
		format := feed.Format(p[strings.LastIndexByte(p, '.')+1:])
		report := feed.ValidateFormat(format, body)
		if err := report.PublishErr(); err != nil {
			t.Errorf("%s does not validate: %v", p, err)
		}
		for _, problem := range secDocumentProblems(format, body) {
			t.Errorf("%s: %s", p, problem)
		}
	}

	// Every source is in the feed, and the plain-text fields of the local
	// ones carry the markup as text, escaped once.
	resp, body := s.get("/news.json", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("news.json: %s", resp.Status)
	}
	var jf struct {
		Title string `json:"title"`
		Items []struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &jf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(jf.Title, secHostile) {
		t.Errorf("feed title %q does not carry the configured markup as text", jf.Title)
	}
	titles := map[string]string{}
	for _, it := range jf.Items {
		titles[it.ID] = it.Title
	}
	const prefix = "tag:news.example.com,2026-01-01:"
	for _, src := range []string{"wire/", "wire#", "md/", "md-strict/", "items/", "remote-rss/", "remote-atom/", "remote-json/"} {
		found := false
		for id := range titles {
			found = found || strings.HasPrefix(id, prefix+src)
		}
		if !found {
			t.Errorf("no item of %s in news.json; items: %v", strings.TrimRight(src, "/#"), titles)
		}
	}
	for _, id := range []string{"wire/hostile.txt", "md/front", "md-strict/front", "items/hostile-1", "items/hostile-2"} {
		got := ""
		for gid, title := range titles {
			if strings.HasPrefix(gid, prefix+id) {
				got = title
			}
		}
		if !strings.Contains(got, secHostile) {
			t.Errorf("title of %s = %q, want %q in it as text", id, got, secHostile)
		}
	}
	for _, f := range []feed.Format{feed.RSS, feed.Atom} {
		_, body := s.get("/news."+string(f), nil)
		report := feed.ValidateFormat(f, body)
		found := false
		for _, it := range report.Items {
			if strings.HasSuffix(it.ID, "wire/hostile.txt") {
				found = true
				if !strings.Contains(it.Title, secHostile) {
					t.Errorf("news.%s: title %q, want %q in it as text", f, it.Title, secHostile)
				}
			}
		}
		if !found {
			t.Errorf("news.%s: a reader finds no item wire/hostile.txt", f)
		}
	}
}

// secDocumentProblems lists what in a feed document could run script in a
// reader: HTML fields (RSS item description and content:encoded, Atom
// html and xhtml text constructs, JSON Feed content_html) with live markup,
// URLs that are not http(s), and characters no document should carry.
func secDocumentProblems(format feed.Format, body []byte) []string {
	if format == feed.JSON {
		var doc any
		if err := json.Unmarshal(body, &doc); err != nil {
			return []string{"not JSON: " + err.Error()}
		}
		var problems []string
		secWalkJSON(doc, "", &problems)
		return problems
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	dec := xml.NewDecoder(bytes.NewReader(body))
	type open struct {
		name     xml.Name
		htmlText bool // its text is HTML
		urlText  bool // its text is a URL
		text     strings.Builder
	}
	var stack []*open
	xhtml := 0 // depth inside an xhtml text construct
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return append(problems, "XML: "+err.Error())
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(tok.Name.Local)
			if xhtml > 0 {
				xhtml++
				if name == "script" || name == "iframe" || name == "object" || name == "embed" {
					add("xhtml content holds <%s>", name)
				}
			}
			o := &open{name: tok.Name}
			typ := ""
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Name.Local)
				if strings.HasPrefix(key, "on") {
					add("<%s> has the attribute %s=%q", tok.Name.Local, a.Name.Local, a.Value)
				}
				switch key {
				case "href", "src", "url", "uri":
					if !secHTTPURL(a.Value) {
						add("<%s %s=%q>: not an http(s) URL", tok.Name.Local, a.Name.Local, a.Value)
					}
				case "type":
					typ = a.Value
				}
			}
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1].name.Local
			}
			switch {
			case format == feed.RSS && tok.Name.Space == "" && name == "description" && parent == "item":
				o.htmlText = true
			case format == feed.RSS && tok.Name.Local == "encoded":
				o.htmlText = true
			case format == feed.Atom && typ == "html":
				o.htmlText = true
			case format == feed.Atom && typ == "xhtml":
				xhtml = 1
			}
			switch name {
			case "link", "uri", "url", "icon", "logo", "docs", "comments":
				o.urlText = true
			}
			stack = append(stack, o)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(tok)
			}
		case xml.EndElement:
			if xhtml > 0 {
				xhtml--
			}
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			text := o.text.String()
			if p := secBadChars(text); p != "" {
				add("<%s> %s", o.name.Local, p)
			}
			if o.htmlText {
				for _, p := range htmlcheck.LiveMarkup(text, htmlcheck.Fragment) {
					add("<%s>: %s", o.name.Local, p)
				}
			}
			if o.urlText && strings.TrimSpace(text) != "" && !secHTTPURL(text) {
				add("<%s>%s</%s>: not an http(s) URL", o.name.Local, text, o.name.Local)
			}
		}
	}
	return problems
}

// secWalkJSON checks every string of a JSON Feed document: content_html is
// HTML, the URL members are http(s), and no string holds a character a
// feed should not.
func secWalkJSON(v any, key string, problems *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			secWalkJSON(e, k, problems)
		}
	case []any:
		for _, e := range v {
			secWalkJSON(e, key, problems)
		}
	case string:
		if p := secBadChars(v); p != "" {
			*problems = append(*problems, fmt.Sprintf("%s: %s", key, p))
		}
		switch key {
		case "content_html":
			for _, p := range htmlcheck.LiveMarkup(v, htmlcheck.Fragment) {
				*problems = append(*problems, "content_html: "+p)
			}
		case "url", "external_url", "home_page_url", "feed_url", "icon", "favicon", "image", "banner_image", "avatar", "next_url":
			if v != "" && !secHTTPURL(v) {
				*problems = append(*problems, fmt.Sprintf("%s %q: not an http(s) URL", key, v))
			}
		}
	}
}

// secBadChars describes the first character in s that no published text
// should hold: C0 and C1 controls other than tab, newline and carriage
// return, and the noncharacters U+FFFE and U+FFFF.
func secBadChars(s string) string {
	if !utf8.ValidString(s) {
		return fmt.Sprintf("invalid UTF-8 in %q", s)
	}
	for i, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7f && r <= 0x9f) || r == 0xFFFE || r == 0xFFFF {
			return fmt.Sprintf("character %U in %q", r, s[max(i-40, 0):min(i+20, len(s))])
		}
	}
	return ""
}

// secHTTPURL reports whether s is an absolute http or https URL.
func secHTTPURL(s string) bool {
	scheme := htmlcheck.Scheme(s)
	return scheme == "http" || scheme == "https"
}

// TestBuildHostileRemotes builds a site whose remote sources redirect to
// a local file or send a body far over max_size: the build publishes the
// other sources, reports both as degraded, shows nothing of the file, and
// stops reading the large body at the limit.
func TestBuildHostileRemotes(t *testing.T) {
	t.Parallel()
	const (
		maxSize = 64 << 10
		offered = 512 << 20
	)
	var written [2]atomic.Int64 // bytes the large bodies got out, without and with Content-Length
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/to-file-301":
			w.Header().Set("Location", "FILE:///etc/passwd")
			w.WriteHeader(http.StatusMovedPermanently)
		case "/to-file-via-hop":
			http.Redirect(w, r, "/to-file", http.StatusTemporaryRedirect)
		case "/huge", "/huge-declared":
			i := 0
			w.Header().Set("Content-Type", "application/rss+xml")
			if r.URL.Path == "/huge-declared" {
				i = 1
				w.Header().Set("Content-Length", strconv.Itoa(offered))
			}
			chunk := []byte("<rss version=\"2.0\"><channel><title>" + strings.Repeat("A", 64<<10))
			for written[i].Load() < offered {
				n, err := w.Write(chunk)
				written[i].Add(int64(n))
				if err != nil {
					return
				}
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)

	var sources strings.Builder
	names := []string{"to-file", "to-file-301", "to-file-via-hop", "huge", "huge-declared"}
	for _, name := range names {
		fmt.Fprintf(&sources, "  - name: %s\n    type: feed\n    url: %s/%s\n    max_size: %d\n    timeout: 20s\n", name, srv.URL, name, maxSize)
	}
	cfg := strings.Replace(minimalConfig, "feeds:\n", sources.String()+"feeds:\n", 1)
	cfg = strings.Replace(cfg, "    sources: [wire]\n", "", 1)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"feedpub.yaml":   cfg,
		"articles/a.txt": "The local story still publishes. It has a body.\n",
	})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"build", "-config", filepath.Join(dir, "feedpub.yaml")}, &stdout, &stderr)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr.String())
	}
	if took > 45*time.Second {
		t.Errorf("the build took %v", took)
	}
	for _, name := range names {
		if !strings.Contains(stdout.String(), "source "+name+": degraded") {
			t.Errorf("source %s is not reported degraded:\n%s", name, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "redirect to a file: URL refused") {
		t.Errorf("the refused redirect is not logged:\n%s", stderr.String())
	}
	if strings.Count(stderr.String(), "feed too large") < 2 {
		t.Errorf("the bodies over max_size are not both logged as too large:\n%s", stderr.String())
	}
	// The client stops reading at the limit: what the server got out is
	// the limit plus what the kernel's socket buffers took.
	for i := range written {
		if n := written[i].Load(); n > 64<<20 {
			t.Errorf("large body %d: the server wrote %d MiB before the client let go", i, n>>20)
		}
	}

	// No line of the file shows in any output.
	passwd, _ := os.ReadFile("/etc/passwd")
	var lines [][]byte
	for _, l := range bytes.Split(passwd, []byte("\n")) {
		if len(l) >= 12 {
			lines = append(lines, l)
		}
	}
	outputs := map[string][]byte{"the log": stderr.Bytes(), "the summary": stdout.Bytes()}
	for _, f := range feed.Formats {
		data, err := os.ReadFile(filepath.Join(dir, "public", "news."+string(f)))
		if err != nil {
			t.Fatal(err)
		}
		outputs["news."+string(f)] = data
		if !bytes.Contains(data, []byte("The local story still publishes")) {
			t.Errorf("news.%s lacks the local story", f)
		}
	}
	for name, data := range outputs {
		for _, l := range lines {
			if bytes.Contains(data, l) {
				t.Errorf("%s shows a line of /etc/passwd: %q", name, l)
			}
		}
		if bytes.Contains(data, []byte("root:x:0:0")) {
			t.Errorf("%s shows the content of /etc/passwd", name)
		}
	}
}

// TestSecurityCheckers makes sure the checks above catch what they look
// for, so that a pass means something.
func TestSecurityCheckers(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`<svg onload=alert(1)>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href=" JaVaScRiPt:alert(1)">x</a>`,
		`<a href="jav&#x09;ascript:alert(1)">x</a>`,
		`<a href="java` + "\n" + `script:alert(1)">x</a>`,
		`<iframe src="https://ok.example/"></iframe>`,
		`<img srcset="https://ok.example/a.png 1x, javascript:alert(1) 2x">`,
		`<svg><a xlink:href="javascript:alert(1)">x</a></svg>`,
		`<form action="https://ok.example/"><input name=x></form>`,
		`<div style="background:url(javascript:alert(1))">x</div>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>`,
		`<svg><style><img src=x onerror=alert(1)></style></svg>`,
	} {
		if len(htmlcheck.LiveMarkup(bad, htmlcheck.Fragment)) == 0 {
			t.Errorf("htmlcheck.LiveMarkup passes %s", bad)
		}
	}
	for _, good := range []string{
		`<p>a <a href="https://ok.example/">b</a> <img src="rel.png" alt="c"> &lt;script&gt;alert(1)&lt;/script&gt;</p>`,
		`<a href="mailto:x@ok.example">m</a>`,
	} {
		if p := htmlcheck.LiveMarkup(good, htmlcheck.Fragment); len(p) > 0 {
			t.Errorf("htmlcheck.LiveMarkup flags %s: %v", good, p)
		}
	}

	docs := []struct {
		format feed.Format
		body   string
	}{
		{feed.RSS, `<rss><channel><item><description>&lt;script&gt;alert(1)&lt;/script&gt;</description></item></channel></rss>`},
		{feed.RSS, `<rss xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><content:encoded><![CDATA[<img src=x onerror=alert(1)>]]></content:encoded></item></channel></rss>`},
		{feed.RSS, `<rss><channel><item><link>javascript:alert(1)</link></item></channel></rss>`},
		{feed.RSS, `<rss><channel><item><title>a&#x1;b</title></item></channel></rss>`},
		{feed.Atom, `<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="html">&lt;a href="javascript:alert(1)"&gt;x&lt;/a&gt;</content></entry></feed>`},
		{feed.Atom, `<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></div></content></entry></feed>`},
		{feed.Atom, `<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="javascript:alert(1)"/></entry></feed>`},
		{feed.JSON, `{"items":[{"content_html":"<script>alert(1)</script>"}]}`},
		{feed.JSON, `{"items":[{"url":"javascript:alert(1)"}]}`},
		{feed.JSON, `{"items":[{"authors":[{"url":"javascript:alert(1)"}]}]}`},
		{feed.JSON, `{"items":[{"title":"a\u0001b"}]}`},
	}
	for _, d := range docs {
		if len(secDocumentProblems(d.format, []byte(d.body))) == 0 {
			t.Errorf("secDocumentProblems passes %s", d.body)
		}
	}
	if p := secDocumentProblems(feed.RSS, []byte(`<rss><channel><item><title>&lt;script&gt;alert(1)&lt;/script&gt;</title><description>&amp;lt;b&amp;gt;</description></item></channel></rss>`)); len(p) > 0 {
		t.Errorf("secDocumentProblems flags a title with markup as text: %v", p)
	}

	for _, policy := range []string{
		"default-src *",
		"default-src 'none'; script-src 'unsafe-inline'",
		"default-src 'none'; script-src https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		"default-src 'none'; style-src 'unsafe-inline'",
	} {
		if len(secCSPProblems(policy)) == 0 {
			t.Errorf("secCSPProblems passes %q", policy)
		}
	}
}

// TestBuildHostileAuthorEmails builds a site whose JSON items and remote
// feed name authors with e-mail fields that are markup, not addresses: the
// build must publish, with the items and without the bogus addresses, as
// the text and Markdown sources do when they drop such an address with a
// warning. One stranger's feed must not stop every feed from publishing.
func TestBuildHostileAuthorEmails(t *testing.T) {
	t.Parallel()
	atomDoc := `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Upstream</title>
<id>urn:example:upstream</id>
<updated>2026-01-05T10:00:00Z</updated>
<link rel="alternate" href="https://upstream.example.org/"/>
<entry>
<title>Upstream story</title>
<id>urn:example:upstream:1</id>
<link href="https://upstream.example.org/1"/>
<updated>2026-01-05T10:00:00Z</updated>
<author><name>Upstream Writer</name><email>` + secXMLText(secSVG) + `</email></author>
<content type="html">&lt;p&gt;Upstream body.&lt;/p&gt;</content>
</entry>
</feed>
`
	// Not every address that is not one is an attack.
	plainDoc := strings.NewReplacer(secXMLText(secSVG), "newsroom at upstream dot example", "Upstream story", "Upstream plain story").Replace(atomDoc)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml")
		if r.URL.Path == "/plain.atom" {
			io.WriteString(w, plainDoc)
			return
		}
		io.WriteString(w, atomDoc)
	}))
	t.Cleanup(srv.Close)

	for _, tc := range []struct {
		name, sources, feedSources, want string
		files                            map[string]string
	}{
		{
			name:        "json item",
			sources:     "  - name: items\n    type: json\n    path: items\n",
			feedSources: "[wire, items]",
			files: map[string]string{"items/a.jsonl": secJSON(t, map[string]any{
				"id": "json-a", "title": "A JSON item", "content_text": "Its body.",
				"authors": []any{map[string]any{"name": "Item Writer", "email": secSVG}},
			})},
			want: "A JSON item",
		},
		{
			name:        "remote feed",
			sources:     "  - name: upstream\n    type: feed\n    url: " + srv.URL + "/feed.atom\n    timeout: 10s\n",
			feedSources: "[wire, upstream]",
			files:       map[string]string{},
			want:        "Upstream story",
		},
		{
			name:        "remote feed, plain text for an address",
			sources:     "  - name: upstream\n    type: feed\n    url: " + srv.URL + "/plain.atom\n    timeout: 10s\n",
			feedSources: "[wire, upstream]",
			files:       map[string]string{},
			want:        "Upstream plain story",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := strings.Replace(minimalConfig, "feeds:\n", tc.sources+"feeds:\n", 1)
			cfg = strings.Replace(cfg, "sources: [wire]", "sources: "+tc.feedSources, 1)
			dir := t.TempDir()
			tc.files["feedpub.yaml"] = cfg
			tc.files["articles/a.txt"] = "The local story. It has a body.\n"
			writeFiles(t, dir, tc.files)
			_, stderr, err := feedpub(t, "build", "-config", filepath.Join(dir, "feedpub.yaml"))
			if err != nil {
				t.Fatalf("build failed on an author e-mail that is not an address: %v", err)
			}
			for _, f := range feed.Formats {
				data, err := os.ReadFile(filepath.Join(dir, "public", "news."+string(f)))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(data, []byte(tc.want)) {
					t.Errorf("news.%s lacks %q\n%s", f, tc.want, stderr)
				}
				if bytes.Contains(data, []byte("svg onload")) || bytes.Contains(data, []byte("newsroom at")) {
					t.Errorf("news.%s carries the bogus address", f)
				}
			}
		})
	}
}
