package httpfeed

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// serverPair is the same snapshot served by a Server and by a plain
// http.Server, each with a Handler of its own, so that their answers, and
// their metrics, can be compared.
type serverPair struct {
	fast, std string // addresses
	srv       *Server
	fastPaths atomic.Int64 // requests the fast path answered
}

// testHTTPServer is an http.Server with feedpub serve's limits.
func testHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ConnContext:       ConnContext,
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// startPair starts both servers; configure may change the fast one's
// http.Server before it starts.
func startPair(t *testing.T, configure func(*http.Server)) *serverPair {
	t.Helper()
	p := &serverPair{}
	// The fast server sends from unnamed files in a folder, as feedpub
	// serve does; the other one from memory files.
	hf, _ := newTestHandler(t, Options{BodyDir: t.TempDir()})
	hs, _ := newTestHandler(t, Options{})
	httpSrv := testHTTPServer(hf)
	if configure != nil {
		configure(httpSrv)
	}
	p.srv = &Server{Handler: hf, HTTP: httpSrv, onFast: func(string) { p.fastPaths.Add(1) }}
	lnf, lns := listen(t), listen(t)
	p.fast, p.std = lnf.Addr().String(), lns.Addr().String()
	std := testHTTPServer(hs)
	done := make(chan error, 2)
	go func() { done <- p.srv.Serve(lnf) }()
	go func() { done <- std.Serve(lns) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := p.srv.Shutdown(ctx); err != nil {
			t.Errorf("fast server shutdown: %v", err)
		}
		if err := std.Shutdown(ctx); err != nil {
			t.Errorf("http server shutdown: %v", err)
		}
		for range 2 {
			if err := <-done; !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("serve returned %v, want http.ErrServerClosed", err)
			}
		}
	})
	return p
}

// exchange writes raw to a new connection to addr and reads one response
// per method in methods (a HEAD response has no body), then whatever
// follows until the server closes, which must be nothing.
func exchange(t *testing.T, addr, raw string, methods ...string) []*http.Response {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	var out []*http.Response
	for _, m := range methods {
		resp, err := http.ReadResponse(br, &http.Request{Method: m})
		if err != nil {
			t.Fatalf("response %d to %.80q: %v", len(out)+1, raw, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("body %d of %.80q: %v", len(out)+1, raw, err)
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		out = append(out, resp)
	}
	return out
}

// describe renders a response for comparison: status, every header but
// Date, in canonical order, and the body.
func describe(resp *http.Response) string {
	var b strings.Builder
	b.WriteString(resp.Status + "\n")
	keys := make([]string, 0, len(resp.Header))
	for k := range resp.Header {
		if k != "Date" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range resp.Header[k] {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	if len(resp.Header["Date"]) != 1 {
		b.WriteString("(Date missing or repeated)\n")
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	b.WriteString("\n")
	b.Write(body)
	return b.String()
}

// TestServerAnswersAsNetHTTP sends the same raw requests to a Server and
// to a plain http.Server over the same snapshot: the answers must be the
// same but for the Date, whether the fast path answered or handed the
// connection over, and the fast path must have answered those it is for.
func TestServerAnswersAsNetHTTP(t *testing.T) {
	p := startPair(t, nil)
	docs := testDocs()
	identity := etagFor(docs[0].Body)
	rep, err := newRepresentation(docs[0].Body, modified)
	if err != nil {
		t.Fatal(err)
	}
	gz := rep.pick(codingGzip).etag
	const host = "Host: feeds.example.org\r\n"
	get := func(target string, header ...string) string {
		return "GET " + target + " HTTP/1.1\r\n" + host + strings.Join(header, "") + "\r\n"
	}
	tests := []struct {
		name    string
		raw     string
		methods []string
		fast    int // requests the fast path must answer
	}{
		{"plain", get("/news.rss"), []string{"GET"}, 1},
		{"gzip", get("/news.rss", "Accept-Encoding: gzip, deflate, br\r\n"), []string{"GET"}, 1},
		{"x-gzip", get("/news.rss", "accept-encoding: x-gzip\r\n"), []string{"GET"}, 1},
		{"gzip refused", get("/news.rss", "Accept-Encoding: gzip;q=0, identity\r\n"), []string{"GET"}, 1},
		{"star", get("/news.rss", "Accept-Encoding: *\r\n"), []string{"GET"}, 1},
		{"identity refused", get("/news.rss", "Accept-Encoding: identity;q=0\r\n"), []string{"GET"}, 1},
		{"two Accept-Encoding lines", get("/news.rss", "Accept-Encoding: br\r\nAccept-Encoding: gzip\r\n"), []string{"GET"}, 1},
		{"bad qvalue", get("/news.rss", "Accept-Encoding: gzip;q=2\r\n"), []string{"GET"}, 1},
		{"HEAD", "HEAD /news.rss HTTP/1.1\r\n" + host + "\r\n", []string{"HEAD"}, 1},
		{"HEAD gzip", "HEAD /news.rss HTTP/1.1\r\n" + host + "Accept-Encoding: gzip\r\n\r\n", []string{"HEAD"}, 1},
		{"If-None-Match", get("/news.rss", "If-None-Match: "+identity+"\r\n"), []string{"GET"}, 1},
		{"If-None-Match of the gzip variant, gzip", get("/news.rss", "Accept-Encoding: gzip\r\nIf-None-Match: "+gz+"\r\n"), []string{"GET"}, 1},
		{"If-None-Match of the gzip variant, identity", get("/news.rss", "If-None-Match: "+gz+"\r\n"), []string{"GET"}, 1},
		{"If-None-Match weak", get("/news.rss", "If-None-Match: W/"+identity+"\r\n"), []string{"GET"}, 1},
		{"If-None-Match star", get("/news.rss", "If-None-Match: *\r\n"), []string{"GET"}, 1},
		{"If-None-Match list", get("/news.rss", "If-None-Match: \"a\", "+identity+"\r\n"), []string{"GET"}, 1},
		{"If-None-Match lines", get("/news.rss", "If-None-Match: \"a\"\r\nIf-None-Match: "+identity+"\r\n"), []string{"GET"}, 1},
		{"If-None-Match other", get("/news.rss", "If-None-Match: \"other\"\r\n"), []string{"GET"}, 1},
		{"If-None-Match empty", get("/news.rss", "If-None-Match:\r\nIf-Modified-Since: "+modifiedHTTP+"\r\n"), []string{"GET"}, 1},
		{"If-Modified-Since same", get("/news.rss", "If-Modified-Since: "+modifiedHTTP+"\r\n"), []string{"GET"}, 1},
		{"If-Modified-Since later", get("/news.rss", "If-Modified-Since: Tue, 07 May 2024 00:00:00 GMT\r\n"), []string{"GET"}, 1},
		{"If-Modified-Since earlier", get("/news.rss", "If-Modified-Since: Sun, 05 May 2024 00:00:00 GMT\r\n"), []string{"GET"}, 1},
		{"If-Modified-Since obsolete form", get("/news.rss", "If-Modified-Since: Monday, 06-May-24 07:08:09 GMT\r\n"), []string{"GET"}, 1},
		{"If-Modified-Since garbage", get("/news.rss", "If-Modified-Since: yesterday\r\n"), []string{"GET"}, 1},
		{"If-None-Match wins over If-Modified-Since", get("/news.rss", "If-None-Match: \"x\"\r\nIf-Modified-Since: "+modifiedHTTP+"\r\n"), []string{"GET"}, 1},
		{"HEAD 304", "HEAD /news.rss HTTP/1.1\r\n" + host + "If-None-Match: " + identity + "\r\n\r\n", []string{"HEAD"}, 1},
		{"small body", get("/tiny.json", "Accept-Encoding: gzip\r\n"), []string{"GET"}, 1},
		{"middle body", get("/news.atom", "Accept-Encoding: gzip\r\n"), []string{"GET"}, 1},
		{"nested feed", get("/category/world.rss"), []string{"GET"}, 1},
		{"index", get("/"), []string{"GET"}, 1},
		{"query", get("/news.rss?utm_source=x&a=%20"), []string{"GET"}, 1},
		{"connection close", get("/news.rss", "Connection: close\r\n"), []string{"GET"}, 1},
		{"connection keep-alive", get("/news.json", "Connection: keep-alive\r\n"), []string{"GET"}, 1},
		{"lower-case and spaced headers", "GET /news.rss HTTP/1.1\r\nhost:feeds.example.org\r\naccept-encoding: \t gzip \r\nUser-Agent: r\xc3\xa9ader\r\n\r\n", []string{"GET"}, 1},
		{"pipelined", get("/news.rss") + "HEAD /news.atom HTTP/1.1\r\n" + host + "\r\n" + get("/news.json", "If-None-Match: *\r\n"), []string{"GET", "HEAD", "GET"}, 3},
		{"pipelined, then handed over", get("/news.rss") + get("/nothing") + get("/news.json"), []string{"GET", "GET", "GET"}, 1},
		{"pipelined after close", get("/news.json", "Connection: close\r\n") + get("/news.rss"), []string{"GET"}, 1},

		// Everything else goes to net/http, with its connection.
		{"not found", get("/nothing"), []string{"GET"}, 0},
		{"healthz", get("/healthz"), []string{"GET"}, 0},
		{"POST", "POST /news.rss HTTP/1.1\r\n" + host + "Content-Length: 4\r\n\r\nbody", []string{"POST"}, 0},
		{"lower-case method", "get /news.rss HTTP/1.1\r\n" + host + "\r\n", []string{"GET"}, 0},
		{"HTTP/1.0", "GET /news.rss HTTP/1.0\r\n\r\n", []string{"GET"}, 0},
		{"HTTP/1.0 keep-alive", "GET /news.rss HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", []string{"GET"}, 0},
		{"absolute form", "GET http://feeds.example.org/news.rss HTTP/1.1\r\n" + host + "\r\n", []string{"GET"}, 0},
		{"escaped path", get("/news%2Erss"), []string{"GET"}, 0},
		{"dot segment", get("/./news.rss"), []string{"GET"}, 0},
		{"double slash", get("//news.rss"), []string{"GET"}, 0},
		{"fragment", get("/news.rss#x"), []string{"GET"}, 0},
		{"zero Content-Length", get("/news.rss", "Content-Length: 0\r\n"), []string{"GET"}, 0},
		{"chunked body", get("/news.rss", "Transfer-Encoding: chunked\r\n") + "0\r\n\r\n", []string{"GET"}, 0},
		{"Expect", get("/news.rss", "Expect: 100-continue\r\n"), []string{"GET"}, 0},
		{"browser", get("/news.rss", "Sec-Fetch-Mode: navigate\r\nSec-Fetch-Dest: document\r\n"), []string{"GET"}, 0},
		{"insecure upgrade", get("/news.rss", "Upgrade-Insecure-Requests: 1\r\nAccept: text/html\r\n"), []string{"GET"}, 0},
		{"other Connection", get("/news.rss", "Connection: Upgrade\r\nUpgrade: websocket\r\n"), []string{"GET"}, 0},
		{"no Host", "GET /news.rss HTTP/1.1\r\n\r\n", []string{"GET"}, 0},
		{"two Hosts", get("/news.rss", host), []string{"GET"}, 0},
		{"Host with a slash", "GET /news.rss HTTP/1.1\r\nHost: a/b\r\n\r\n", []string{"GET"}, 0},
		{"space before colon", get("/news.rss", "X-Bad : v\r\n"), []string{"GET"}, 0},
		{"continuation line", get("/news.rss", "X-A: a\r\n b\r\n"), []string{"GET"}, 0},
		{"bare LF", "GET /news.rss HTTP/1.1\n" + host + "\n", []string{"GET"}, 0},
		{"control character", get("/news.rss", "X-A: a\x01b\r\n"), []string{"GET"}, 0},
		{"unknown version", "GET /news.rss HTTP/9.9\r\n" + host + "\r\n", []string{"GET"}, 0},
		{"unknown transfer coding", get("/news.rss", "Transfer-Encoding: rot13\r\n"), []string{"GET"}, 0},
		{"large header", get("/news.rss", "X-Big: "+strings.Repeat("a", 8<<10)+"\r\n"), []string{"GET"}, 0},
		{"upper-case header names", "GET /news.rss HTTP/1.1\r\nHOST: feeds.example.org\r\nACCEPT-ENCODING: gzip\r\nCONNECTION: CLOSE\r\n\r\n", []string{"GET"}, 1},
		{"two Connection lines", get("/news.rss", "Connection: keep-alive\r\nConnection: close\r\n") + get("/news.json"), []string{"GET"}, 1},
		{"IPv6 Host", "GET /news.rss HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", []string{"GET"}, 1},
		{"five Accept-Encoding lines", get("/news.rss", strings.Repeat("Accept-Encoding: br\r\n", 4)+"Accept-Encoding: gzip\r\n"), []string{"GET"}, 0},
		{"HEAD, then GET", "HEAD /news.atom HTTP/1.1\r\n" + host + "\r\n" + get("/news.atom", "Accept-Encoding: gzip\r\n"), []string{"HEAD", "GET"}, 2},
		{"pipelined, then a request larger than the buffer", get("/news.rss") + get("/news.json", "X-Big: "+strings.Repeat("a", 6<<10)+"\r\n") + get("/tiny.json"), []string{"GET", "GET", "GET"}, 1},
		{"dot-dot segment", get("/category/../news.rss"), []string{"GET"}, 0},
		{"lower-case Content-Length", get("/news.rss", "content-length: 0\r\n"), []string{"GET"}, 0},
		{"upper-case Transfer-Encoding", get("/news.rss", "TRANSFER-ENCODING: chunked\r\n") + "0\r\n\r\n", []string{"GET"}, 0},
		{"bare CR in a value", get("/news.rss", "X-A: a\rb\r\n"), []string{"GET"}, 0},
		{"bare LF hiding a second request", "GET /news.rss HTTP/1.1\r\n" + host + "\nGET /news.json HTTP/1.1\r\n" + host + "\r\n", []string{"GET", "GET"}, 0},
		{"bare LF hiding Content-Length", get("/news.rss", "X-A: a\nContent-Length: 4\r\n") + "body", []string{"GET"}, 0},
		{"percent-encoded slash", get("/category%2Fworld.rss"), []string{"GET"}, 0},
		{"Expect on HEAD", "HEAD /news.rss HTTP/1.1\r\n" + host + "Expect: 100-continue\r\n\r\n", []string{"HEAD"}, 0},
		{"too large header", get("/news.rss", "X-Big: "+strings.Repeat("a", 40<<10)+"\r\n"), []string{"GET"}, 0},
	}
	for _, tc := range tests {
		before := p.fastPaths.Load()
		fast := exchange(t, p.fast, tc.raw, tc.methods...)
		if got := p.fastPaths.Load() - before; got != int64(tc.fast) {
			t.Errorf("%s: the fast path answered %d requests, want %d", tc.name, got, tc.fast)
		}
		std := exchange(t, p.std, tc.raw, tc.methods...)
		for i := range fast {
			if f, s := describe(fast[i]), describe(std[i]); f != s {
				t.Errorf("%s: response %d differs\nfast path:\n%.1500s\nnet/http:\n%.1500s", tc.name, i+1, f, s)
			}
		}
	}

	// Both counted the same requests.
	metrics := func(addr string) string {
		resp := exchange(t, addr, get("/metrics", "Connection: close\r\n"), "GET")[0]
		body, _ := io.ReadAll(resp.Body)
		var lines []string
		for l := range strings.SplitSeq(string(body), "\n") {
			if strings.HasPrefix(l, "feedpub_http_") {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, "\n")
	}
	if f, s := metrics(p.fast), metrics(p.std); f != s || !strings.Contains(f, `status="304"} 10`) {
		t.Errorf("metrics differ:\nfast path:\n%s\nnet/http:\n%s", f, s)
	}
}

// readUntilClosed reads conn until the server closes it, within a bound
// of the test's own well past the server's timeouts, and returns what came.
func readUntilClosed(t *testing.T, conn net.Conn) []byte {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(conn)
	if err != nil && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the server did not close the connection: %v", err)
	}
	return got
}

// TestServerTimeouts checks that the fast path closes connections that
// send nothing, or nothing more, as net/http would: silently.
func TestServerTimeouts(t *testing.T) {
	p := startPair(t, func(s *http.Server) {
		s.ReadHeaderTimeout = 300 * time.Millisecond
		s.IdleTimeout = 300 * time.Millisecond
	})
	t.Run("silent", func(t *testing.T) {
		conn, err := net.Dial("tcp", p.fast)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if got := readUntilClosed(t, conn); len(got) != 0 {
			t.Errorf("a silent connection got %q", got)
		}
	})
	t.Run("half a request", func(t *testing.T) {
		conn, err := net.Dial("tcp", p.fast)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET /news.rss HTTP/1.1\r\n")
		if got := readUntilClosed(t, conn); len(got) != 0 {
			t.Errorf("a connection that stopped mid-request got %q", got)
		}
	})
	t.Run("idle after a response", func(t *testing.T) { answeredThenClosedIdle(t, p.fast) })
}

// answeredThenClosedIdle asks addr for one small document over a new
// connection and requires that answer and then the server's close of the
// idle connection.
func answeredThenClosedIdle(t *testing.T, addr string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /tiny.json HTTP/1.1\r\nHost: x\r\n\r\n")
	got := readUntilClosed(t, conn)
	if !bytes.HasPrefix(got, []byte("HTTP/1.1 200 OK\r\n")) || !bytes.HasSuffix(got, []byte("\r\n\r\n{}")) {
		t.Errorf("an idle connection got %q, want one response and then its close", got)
	}
}

// TestServerIdleTimeoutShorter checks that IdleTimeout holds between
// requests when it is shorter than ReadHeaderTimeout, which only the first
// request has: the idle connection closes long before the hour the first
// request's deadline would have left it.
func TestServerIdleTimeoutShorter(t *testing.T) {
	p := startPair(t, func(s *http.Server) {
		s.ReadHeaderTimeout = time.Hour
		s.IdleTimeout = 300 * time.Millisecond
	})
	answeredThenClosedIdle(t, p.fast)
}

// TestServerWriteTimeout checks that a client that stops reading is cut
// off once WriteTimeout has passed, instead of holding its connection.
func TestServerWriteTimeout(t *testing.T) {
	p := startPair(t, func(s *http.Server) { s.WriteTimeout = 300 * time.Millisecond })
	conn, err := net.Dial("tcp", p.fast)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Far more than the socket buffers hold, read by no one.
	go io.WriteString(conn, strings.Repeat("GET /news.rss HTTP/1.1\r\nHost: x\r\n\r\n", 400))
	deadline := time.Now().Add(30 * time.Second)
	for p.srv.tracked() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the connection of a client that stopped reading is still open")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServerShutdown checks that Shutdown closes idle connections, lets a
// response in progress finish, and returns once all are closed.
func TestServerShutdown(t *testing.T) {
	h, _ := newTestHandler(t, Options{})
	srv := &Server{Handler: h, HTTP: testHTTPServer(h)}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	io.WriteString(idle, "GET /tiny.json HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("before shutdown: %v %v", resp, err)
	}
	// A connection handed over to net/http, idle too.
	handed, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer handed.Close()
	io.WriteString(handed, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, err := http.ReadResponse(bufio.NewReader(handed), nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz before shutdown: %v %v", resp, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("serve returned %v, want http.ErrServerClosed", err)
	}
	for name, c := range map[string]net.Conn{"fast path": idle, "handed over": handed} {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
			t.Errorf("%s connection after shutdown: read %d bytes, %v; want it closed", name, n, err)
		}
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the listener accepts connections after shutdown")
	}
}

// TestServerListenerClosed checks that Serve returns, with an error, when
// its listener is closed by someone else.
func TestServerListenerClosed(t *testing.T) {
	h, _ := newTestHandler(t, Options{})
	srv := &Server{Handler: h, HTTP: testHTTPServer(h)}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "GET /tiny.json HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("before the close: %v %v", resp, err)
	}
	ln.Close()
	select {
	case err := <-done:
		if err == nil || errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve returned %v, want the listener's error", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after its listener was closed")
	}
	srv.Close()
}

// TestServerShutdownDuringResponse checks that a response the fast path
// writes once Shutdown has begun says "Connection: close" and is followed
// by a graceful close, as net/http's are, so that the client sends nothing
// more on a connection about to close and loses nothing to a reset; a
// request pipelined behind it is not answered.
func TestServerShutdownDuringResponse(t *testing.T) {
	h, _ := newTestHandler(t, Options{})
	srv := &Server{Handler: h, HTTP: testHTTPServer(h)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shutdownErr := make(chan error, 1)
	var answered atomic.Int32
	srv.onFast = func(string) {
		if answered.Add(1) != 1 {
			return
		}
		// Shutdown begins while the fast path prepares this response.
		go func() { shutdownErr <- srv.Shutdown(ctx) }()
		for !srv.shutdown.Load() {
			if ctx.Err() != nil {
				t.Error("Shutdown did not begin")
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	const req = "GET /tiny.json HTTP/1.1\r\nHost: x\r\n\r\n"
	if _, err := io.WriteString(conn, req+req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("response during shutdown: %v", err)
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Fatalf("body during shutdown: %v", err)
	}
	if resp.StatusCode != http.StatusOK || !resp.Close {
		t.Errorf("response during shutdown: %s, Connection %q; want 200 OK and Connection: close", resp.Status, resp.Header["Connection"])
	}
	if rest, err := io.ReadAll(br); err != nil || len(rest) != 0 {
		t.Errorf("after the response: %q, %v; want a clean close", rest, err)
	}
	if n := answered.Load(); n != 1 {
		t.Errorf("the fast path answered %d requests, want 1", n)
	}
	if err := <-shutdownErr; err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("serve returned %v, want http.ErrServerClosed", err)
	}
}

// TestServerSplitAndHalfClosed sends requests split into two writes, which
// the fast path may read apart and then hands over with the first part,
// and requests from a client that half-closes after sending them: the
// answers must be net/http's, and a half-closed connection must be closed
// after them.
func TestServerSplitAndHalfClosed(t *testing.T) {
	p := startPair(t, nil)
	const req = "GET /news.rss HTTP/1.1\r\nHost: feeds.example.org\r\nAccept-Encoding: gzip\r\n\r\n"
	talk := func(addr string, parts []string, halfClose bool) []byte {
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		for _, part := range parts {
			if _, err := io.WriteString(conn, part); err != nil {
				t.Fatal(err)
			}
		}
		if !halfClose {
			if _, err := io.WriteString(conn, "GET /tiny.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
		} else if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
		return readUntilClosed(t, conn)
	}
	// The answers, each described as in TestServerAnswersAsNetHTTP.
	answers := func(b []byte) []string {
		br := bufio.NewReader(bytes.NewReader(b))
		var out []string
		for {
			if _, err := br.Peek(1); err == io.EOF {
				return out
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("answer %d: %v", len(out)+1, err)
			}
			out = append(out, describe(resp))
		}
	}
	for _, split := range []int{1, 5, 15, len("GET /news.rss HTTP/1.1\r"), len(req) - 2, len(req) - 1} {
		for _, halfClose := range []bool{false, true} {
			parts := []string{req[:split], req[split:] + req}
			fast, std := answers(talk(p.fast, parts, halfClose)), answers(talk(p.std, parts, halfClose))
			if len(fast) != 2+btoi(!halfClose) || !slices.Equal(fast, std) {
				t.Errorf("split at %d, half-closed %v: %d answers, net/http %d, or they differ", split, halfClose, len(fast), len(std))
			}
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestServerShutdownBlockedSend checks that Shutdown, once its context is
// done, ends a connection whose response is blocked on a client that reads
// nothing (with sendfile, for a body of this size on Linux), and returns.
func TestServerShutdownBlockedSend(t *testing.T) {
	h, _ := newTestHandler(t, Options{})
	hs := testHTTPServer(h)
	hs.WriteTimeout = 0 // only Shutdown can end the send
	var answered atomic.Int32
	srv := &Server{Handler: h, HTTP: hs, onFast: func(string) { answered.Add(1) }}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Far more than the socket buffers hold, read by no one.
	go io.WriteString(conn, strings.Repeat("GET /news.rss HTTP/1.1\r\nHost: x\r\n\r\n", 100))
	for deadline := time.Now().Add(30 * time.Second); answered.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("the fast path answered nothing")
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	shutdownErr := make(chan error, 1)
	go func() { shutdownErr <- srv.Shutdown(ctx) }()
	select {
	case err := <-shutdownErr:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("shutdown: %v, want the context's deadline", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("serve returned %v, want http.ErrServerClosed", err)
	}
	if n := srv.tracked(); n != 0 {
		t.Errorf("%d connections still open", n)
	}
	if n := answered.Load(); n == 100 {
		t.Error("every response was sent: the send never blocked")
	}
}
