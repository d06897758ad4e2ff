package httpfeed

import (
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"
)

// fastBufSize is the read buffer of a fast-path connection. A request that
// does not fit is larger than any feed reader sends, and goes to net/http,
// which applies MaxHeaderBytes.
const fastBufSize = 4096

// fastCopyMax is the largest body copied behind the header to leave in one
// write; larger ones are sent with sendfile or writev, also one system
// call, so that no connection keeps a buffer the size of a body.
const fastCopyMax = 2 << 10

// deadlineSlack is how stale a deadline may be before it is set again: the
// fast path extends its deadlines at most once a second, which makes each
// timeout up to a second shorter than configured and spares a timer update
// on every request.
const deadlineSlack = time.Second

// States of a fast-path connection, for Shutdown: it closes idle ones and
// lets active ones finish their response.
const (
	connIdle int32 = iota
	connActive
	connClosed
)

// fastConn is one connection on the fast path.
type fastConn struct {
	s     *Server
	c     *net.TCPConn
	rc    syscall.RawConn
	state atomic.Int32

	buf []byte
	out []byte
	req fastRequest

	readUntil, writeUntil time.Time
	dateSec               int64
	date                  [len(timeFormat) + 2]byte

	// bufs sends a header and a large body with one writev.
	bufArr [2][]byte
	bufs   net.Buffers

	// send is the state of a header and sendfile in progress
	// (fastsend_linux.go).
	send fileSend
	// readStep is c.readRaw, bound once; got is what it read.
	readStep func(fd uintptr) bool
	got      int
}

func newFastConn(s *Server, c *net.TCPConn) *fastConn {
	fc := &fastConn{s: s, c: c, buf: make([]byte, fastBufSize), out: make([]byte, 0, 1024)}
	fc.rc, _ = c.SyscallConn()
	fc.send.init()
	fc.readStep = fc.readRaw
	return fc
}

// outcome is what became of a request on the fast path.
type outcome uint8

const (
	served   outcome = iota
	handOver         // for net/http, with the connection
	failed           // the connection broke
)

// serve reads and answers requests until the connection closes or is
// handed over.
func (c *fastConn) serve() {
	defer c.s.untrack(c)
	hs := c.s.HTTP
	now := time.Now()
	c.setReadDeadline(now, cmpOr(hs.ReadHeaderTimeout, hs.ReadTimeout), false)
	for {
		c.state.Store(connIdle)
		if c.s.shutdown.Load() {
			c.closeIfIdle()
			return
		}
		// An error comes with no bytes: a timeout, the client's close or
		// a broken connection, each of which ends it without a word, as
		// in net/http.
		n := c.read()
		if !c.state.CompareAndSwap(connIdle, connActive) {
			return // closed by Shutdown
		}
		if n == 0 {
			_ = c.c.Close()
			return
		}
		now = time.Now()
		closeAfter := false
		for start := 0; start < n; {
			k := parseFast(c.buf[start:n], &c.req)
			if k == 0 {
				c.handOver(c.buf[start:n])
				return
			}
			switch c.respond(&c.req, now) {
			case handOver:
				c.handOver(c.buf[start:n])
				return
			case failed:
				_ = c.c.Close()
				return
			}
			start += k
			if c.req.close {
				// What a client sends after asking to close is not
				// answered, as net/http does not answer it.
				closeAfter = true
				break
			}
		}
		if closeAfter {
			c.closeGracefully()
			return
		}
		c.setReadDeadline(now, cmpOr(hs.IdleTimeout, hs.ReadTimeout), true)
	}
}

// cmpOr returns a, or b when a is zero.
func cmpOr(a, b time.Duration) time.Duration {
	if a != 0 {
		return a
	}
	return b
}

// setReadDeadline makes the read deadline now+d (none for d == 0); lazy
// leaves a deadline alone that is at most deadlineSlack short of it. A
// deadline later than now+d is always moved: it is the first request's,
// when ReadHeaderTimeout is longer than IdleTimeout.
func (c *fastConn) setReadDeadline(now time.Time, d time.Duration, lazy bool) {
	var t time.Time
	if d > 0 {
		t = now.Add(d)
	}
	if lazy && (t.IsZero() == c.readUntil.IsZero()) && (t.IsZero() || !t.Before(c.readUntil) && t.Sub(c.readUntil) < deadlineSlack) {
		return
	}
	c.readUntil = t
	_ = c.c.SetReadDeadline(t)
}

// setWriteDeadline is setReadDeadline for writes, with WriteTimeout.
func (c *fastConn) setWriteDeadline(now time.Time) {
	var t time.Time
	if d := c.s.HTTP.WriteTimeout; d > 0 {
		t = now.Add(d)
	}
	if (t.IsZero() == c.writeUntil.IsZero()) && (t.IsZero() || t.Sub(c.writeUntil) < deadlineSlack) {
		return
	}
	c.writeUntil = t
	_ = c.c.SetWriteDeadline(t)
}

// closeIfIdle closes the connection if it waits for a request.
func (c *fastConn) closeIfIdle() {
	if c.state.CompareAndSwap(connIdle, connClosed) {
		_ = c.c.Close()
	}
}

// closeGracefully closes after a response to "Connection: close" as
// net/http does: the write side first, then, once the client has closed
// or half a second has passed, the rest, so that unread bytes from the
// client cannot make the kernel reset the connection before the client
// has read the response.
func (c *fastConn) closeGracefully() {
	_ = c.c.CloseWrite()
	_ = c.c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	for {
		if _, err := c.c.Read(c.buf); err != nil {
			break
		}
	}
	_ = c.c.Close()
}

// handOver gives the connection to net/http, which reads pending first.
func (c *fastConn) handOver(pending []byte) {
	c.s.untrack(c)
	// net/http sets the deadlines it wants, but only those it has
	// timeouts for.
	_ = c.c.SetDeadline(time.Time{})
	hc := &handedConn{TCPConn: c.c, pending: pending}
	if !c.s.handoff.give(hc) {
		_ = c.c.Close()
	}
}

// handedConn is a connection handed to net/http, with the bytes the fast
// path read from it and did not answer.
type handedConn struct {
	*net.TCPConn
	pending []byte
}

// Read returns the pending bytes first.
func (c *handedConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	return c.TCPConn.Read(p)
}

// WriteTo hides net.TCPConn's, which would skip the pending bytes.
func (c *handedConn) WriteTo(w io.Writer) (int64, error) {
	return io.Copy(w, struct{ io.Reader }{c})
}

// respond answers r if it names a resource the fast path serves.
func (c *fastConn) respond(r *fastRequest, now time.Time) outcome {
	body, file, ok := c.prepare(r, now)
	if !ok {
		return handOver
	}
	return c.write(now, c.out, body, file)
}

// prepare puts the header of the answer to r in c.out and returns the
// body to send after it, or reports false when the fast path does not
// serve r. It allocates nothing.
func (c *fastConn) prepare(r *fastRequest, now time.Time) (body []byte, file *bodyFile, ok bool) {
	h := c.s.Handler
	st := h.state.Load()
	if st == nil {
		return nil, nil, false
	}
	rt := st.fastRoute(r.path)
	if rt == nil {
		return nil, nil, false
	}
	v := rt.rep.pick(acceptedCodings(r.accept[:r.nAccept]))
	notModified := notModifiedBy(r.inm[:r.nINM], r.nINM > 0, r.ims, rt.rep, v)
	if v.lazy && !notModified && !r.head {
		// The body of a shared snapshot's page is fetched on demand,
		// which takes a request context and may fail: net/http's path
		// does both (fetch.go).
		return nil, nil, false
	}
	if c.s.onFast != nil {
		c.s.onFast(r.path)
	}
	if c.s.shutdown.Load() {
		// As net/http does once Shutdown has begun: the answer says the
		// connection closes, and the serve loop closes it gracefully, so
		// that the client sends nothing more on it and a request it has
		// already sent cannot make the close a reset.
		r.close = true
	}
	cc := rt.cacheControl
	if cc == nil {
		cc = h.cacheControl()
	}
	b := c.out[:0]
	if notModified {
		b = append(b, "HTTP/1.1 304 Not Modified\r\n"...)
		b = c.appendCommon(b, now, cc, v, r.close)
		b = appendFields(b, rt.header304)
		c.out = append(b, "\r\n"...)
		rt.notModified.Inc()
		return nil, nil, true
	}
	b = append(b, "HTTP/1.1 200 OK\r\n"...)
	b = c.appendCommon(b, now, cc, v, r.close)
	b = appendFields(b, rt.header)
	b = appendField(b, "Content-Length", v.lengthHeader)
	if v.encodingHeader != nil {
		b = appendField(b, "Content-Encoding", v.encodingHeader)
	}
	c.out = append(b, "\r\n"...)
	rt.ok.Inc()
	if r.head {
		return nil, nil, true
	}
	rt.bytes.Add(float64(len(v.body)))
	return v.body, v.file, true
}

// appendCommon appends the fields every fast answer carries.
func (c *fastConn) appendCommon(b []byte, now time.Time, cacheControl []string, v *variant, close bool) []byte {
	b = appendField(b, "Cache-Control", cacheControl)
	b = appendField(b, "Etag", v.etagHeader)
	if sec := now.Unix(); sec != c.dateSec {
		c.dateSec = sec
		now.UTC().AppendFormat(c.date[:0], timeFormat)
		c.date[len(c.date)-2], c.date[len(c.date)-1] = '\r', '\n'
	}
	b = append(b, "Date: "...)
	b = append(b, c.date[:]...)
	if close {
		b = append(b, "Connection: close\r\n"...)
	}
	return b
}

// appendFields appends header fields, one line per value.
func appendFields(b []byte, fields []field) []byte {
	for _, f := range fields {
		b = appendField(b, f.key, f.value)
	}
	return b
}

func appendField(b []byte, key string, values []string) []byte {
	for _, v := range values {
		b = append(b, key...)
		b = append(b, ": "...)
		b = append(b, v...)
		b = append(b, "\r\n"...)
	}
	return b
}

// write sends the header hdr and body: small bodies copied behind the
// header in one write, large ones with sendfile from file when there is
// one, and with writev otherwise.
func (c *fastConn) write(now time.Time, hdr, body []byte, file *bodyFile) outcome {
	c.setWriteDeadline(now)
	var err error
	switch {
	case len(body) <= fastCopyMax:
		if len(body) > 0 {
			hdr = append(hdr, body...)
			c.out = hdr
		}
		err = c.send.write(c, hdr)
	case file != nil && c.send.sendFile(c, hdr, body, file, now):
		err = c.send.err
	default:
		c.bufArr[0], c.bufArr[1] = hdr, body
		c.bufs = c.bufArr[:]
		_, err = c.bufs.WriteTo(c.c)
		c.bufArr[0], c.bufArr[1] = nil, nil
	}
	if err != nil {
		return failed
	}
	return served
}

// fastRoute returns the route the fast path serves at path, which
// ServeHTTP would answer the same way with serveRoute, or nil.
func (st *state) fastRoute(path string) *route {
	if i, ok := st.snap.byPath[path]; ok {
		return &st.routes[i]
	}
	ps, sr := st.snap.site, st.site
	if ps != nil && sr != nil {
		if i, ok := ps.byPath[path]; ok {
			return &sr.files[i]
		}
		if path == "/" && (ps.gone["/"] || hasKey(ps.folders, "/")) {
			return nil
		}
	}
	if path == "/" {
		return &st.index
	}
	return nil
}

func hasKey(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}
