package httpfeed

import (
	"bufio"
	"bytes"
	"net/http"
	"slices"
	"testing"
	"time"
)

// FuzzParseFast checks parseFast against net/http's own request parser:
// whatever the fast path takes, net/http must take too, read to the same
// end, and understand the same way in everything the fast path uses.
func FuzzParseFast(f *testing.F) {
	for _, s := range []string{
		"GET /news.rss HTTP/1.1\r\nHost: x\r\n\r\n",
		"HEAD /a/b.json?x=1 HTTP/1.1\r\nHost: 127.0.0.1:80\r\nAccept-Encoding: gzip\r\nIf-None-Match: \"a\"\r\n\r\nGET / HTTP/1.1\r\n",
		"GET / HTTP/1.1\r\nhost: x\r\nconnection: Close\r\nIf-Modified-Since: Mon, 06 May 2024 07:08:09 GMT\r\nIf-None-Match:\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: a\r\nAccept-Encoding:\tb \r\nX: \xff\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET /x HTTP/1.0\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r fastRequest
		n := parseFast(data, &r)
		if n == 0 {
			return
		}
		in := bytes.NewReader(data)
		br := bufio.NewReader(in)
		req, err := http.ReadRequest(br)
		if err != nil {
			t.Fatalf("the fast path took %q, net/http refuses it: %v", data[:n], err)
		}
		if rest := in.Len() + br.Buffered(); rest != len(data)-n {
			t.Errorf("the fast path read %d bytes, net/http %d", n, len(data)-rest)
		}
		wantMethod := http.MethodGet
		if r.head {
			wantMethod = http.MethodHead
		}
		path := req.URL.Path
		if req.URL.RawPath != "" {
			path = req.URL.RawPath
		}
		switch {
		case req.Method != wantMethod:
			t.Errorf("method %q, the fast path read %q", req.Method, wantMethod)
		case path != r.path:
			t.Errorf("path %q, the fast path read %q", path, r.path)
		case req.ProtoMajor != 1 || req.ProtoMinor != 1:
			t.Errorf("protocol %s", req.Proto)
		case req.Close != r.close:
			t.Errorf("close %v, the fast path read %v", req.Close, r.close)
		case req.ContentLength != 0 || len(req.TransferEncoding) > 0:
			t.Errorf("a body: length %d, transfer encoding %q", req.ContentLength, req.TransferEncoding)
		case !slices.Equal(req.Header["Accept-Encoding"], r.accept[:r.nAccept]):
			t.Errorf("Accept-Encoding %q, the fast path read %q", req.Header["Accept-Encoding"], r.accept[:r.nAccept])
		case !slices.Equal(req.Header["If-None-Match"], r.inm[:r.nINM]):
			t.Errorf("If-None-Match %q, the fast path read %q", req.Header["If-None-Match"], r.inm[:r.nINM])
		case req.Header.Get("If-Modified-Since") != r.ims:
			t.Errorf("If-Modified-Since %q, the fast path read %q", req.Header.Get("If-Modified-Since"), r.ims)
		case browserNavigation(req.Header):
			t.Errorf("a browser's navigation taken by the fast path")
		case req.Header.Get("Expect") != "" || req.Header.Get("Upgrade") != "":
			t.Errorf("Expect or Upgrade taken by the fast path")
		}
	})
}

// fastRequests are requests of the kinds feed readers send, each one the
// fast path answers.
var fastRequests = []string{
	"GET /news.rss HTTP/1.1\r\nHost: feeds.example.org\r\nUser-Agent: reader/1.0\r\nAccept: application/rss+xml, */*\r\n\r\n",
	"GET /news.rss HTTP/1.1\r\nHost: feeds.example.org\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n",
	"GET /news.atom HTTP/1.1\r\nHost: feeds.example.org\r\nIf-None-Match: \"x\", W/\"y\"\r\nIf-Modified-Since: Mon, 06 May 2024 07:08:09 GMT\r\n\r\n",
	"HEAD /news.json?x=1 HTTP/1.1\r\nHost: feeds.example.org\r\nIf-Modified-Since: Sun, 05 May 2024 00:00:00 GMT\r\nConnection: close\r\n\r\n",
}

// TestFastPathAllocatesNothing reads and prepares the answer to each of
// fastRequests without allocating.
func TestFastPathAllocatesNothing(t *testing.T) {
	h, _ := newTestHandler(t, Options{})
	c := &fastConn{s: &Server{Handler: h}, out: make([]byte, 0, 1024)}
	now := time.Now()
	for _, raw := range fastRequests {
		data := []byte(raw)
		allocs := testing.AllocsPerRun(100, func() {
			if parseFast(data, &c.req) != len(data) {
				t.Fatalf("the fast path does not take %q", raw)
			}
			if _, _, ok := c.prepare(&c.req, now); !ok {
				t.Fatalf("the fast path does not answer %q", raw)
			}
		})
		if allocs != 0 {
			t.Errorf("%.40q: %v allocations per request, want none", raw, allocs)
		}
	}
}

// BenchmarkFastPath is the fast path's own work per request, without the
// system calls: reading the request and preparing the header.
func BenchmarkFastPath(b *testing.B) {
	h, _ := newTestHandler(b, Options{})
	c := &fastConn{s: &Server{Handler: h}, out: make([]byte, 0, 1024)}
	data := [][]byte{}
	for _, raw := range fastRequests {
		data = append(data, []byte(raw))
	}
	b.ReportAllocs()
	now := time.Now()
	for i := 0; b.Loop(); i++ {
		d := data[i%len(data)]
		parseFast(d, &c.req)
		c.prepare(&c.req, now)
	}
}
