package httpfeed

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves a Handler over HTTP/1.1 faster than an http.Server alone.
//
// Each connection starts on a fast path that reads requests straight from
// the socket and answers the simple, well-formed GET and HEAD requests for
// the documents, site files and index page of the current snapshot, the
// bulk of a feed server's traffic, with one write of prepared headers (or a
// header and sendfile for large bodies), no header map, no allocation and
// no background reader. The first request it does not answer (another
// method or path, a malformed or incomplete request, a body, a browser's
// navigation, HTTP/1.0) hands the connection, with the bytes already read,
// to HTTP, an ordinary http.Server, for the rest of its life. So every
// request the fast path does not serve is judged and answered by net/http
// exactly as before, limits and error statuses included, and the fast
// path's answers carry the same headers as the Handler's.
//
// The fast path keeps HTTP's ReadHeaderTimeout for a new connection's
// first request, IdleTimeout between requests and WriteTimeout for each
// response (to within a second). Handler is meant to be HTTP's Handler too;
// ConnContext need not be set, Serve sets it.
type Server struct {
	// Handler answers the fast path's requests.
	Handler *Handler
	// HTTP serves every connection the fast path hands over; its
	// timeouts are the fast path's too. Serve sets its ConnContext.
	HTTP *http.Server

	mu       sync.Mutex
	ln       net.Listener
	handoff  *handoffListener
	conns    map[*fastConn]struct{}
	shutdown atomic.Bool
	// wg counts the fast path's connection goroutines.
	wg sync.WaitGroup
	// onFast, when set (by tests), is called with the path of each
	// request the fast path answers.
	onFast func(path string)
}

// Serve accepts connections on ln until Shutdown or Close, and returns
// http.ErrServerClosed after them, like http.Server.Serve.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.shutdown.Load() {
		s.mu.Unlock()
		return http.ErrServerClosed
	}
	s.ln = ln
	s.handoff = newHandoffListener(ln.Addr())
	s.conns = map[*fastConn]struct{}{}
	if s.HTTP.ConnContext == nil {
		s.HTTP.ConnContext = ConnContext
	}
	s.mu.Unlock()

	httpErr := make(chan error, 1)
	go func() {
		err := s.HTTP.Serve(s.handoff)
		if !s.shutdown.Load() {
			// Nothing could be handed over any more: stop.
			_ = ln.Close()
		}
		httpErr <- err
	}()

	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.shutdown.Load() {
				<-httpErr
				return http.ErrServerClosed
			}
			if errors.Is(err, net.ErrClosed) {
				// Closed by someone else, or after HTTP stopped: stop
				// HTTP too, and tell why.
				_ = s.HTTP.Close()
				if herr := <-httpErr; !errors.Is(herr, http.ErrServerClosed) {
					return herr
				}
				return err
			}
			// Out of file descriptors and the like: wait for some to be
			// freed, as http.Server does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		tc, ok := c.(*net.TCPConn)
		if !ok {
			// Only TCP connections get the fast path.
			if !s.handoff.give(c) {
				_ = c.Close()
			}
			continue
		}
		fc := newFastConn(s, tc)
		if !s.track(fc) {
			_ = c.Close()
			continue
		}
		go func() {
			defer s.wg.Done()
			fc.serve()
		}()
	}
}

// track adds c to the connections Shutdown closes, and to those it waits
// for, unless it has begun. Both happen under s.mu, which Shutdown takes
// before it waits: a connection counted after its Wait began could be
// left running when it returns.
func (s *Server) track(c *fastConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutdown.Load() {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

// untrack removes c from the tracked connections.
func (s *Server) untrack(c *fastConn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Shutdown stops the server gracefully, like http.Server.Shutdown: it
// closes the listener, then each connection as soon as it is idle, and
// waits until all are closed or ctx is done, when it closes the rest and
// returns ctx's error. Handed-over connections are shut down by HTTP.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutdown.Store(true)
	ln := s.ln
	s.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	httpDone := make(chan error, 1)
	go func() { httpDone <- s.HTTP.Shutdown(ctx) }()

	fastDone := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(fastDone)
	}()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		s.closeIdle()
		select {
		case <-fastDone:
			return <-httpDone
		case <-ctx.Done():
			s.closeAll()
			<-fastDone
			<-httpDone
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Close closes the listener and every connection at once, like
// http.Server.Close.
func (s *Server) Close() error {
	s.mu.Lock()
	s.shutdown.Store(true)
	ln := s.ln
	s.mu.Unlock()
	var err error
	if ln != nil {
		err = ln.Close()
	}
	s.closeAll()
	s.wg.Wait()
	return errors.Join(err, s.HTTP.Close())
}

// closeIdle closes the connections that wait for a request.
func (s *Server) closeIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.closeIfIdle()
	}
}

// closeAll closes every fast-path connection, busy or not.
func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.c.Close()
	}
}

// handoffListener is the listener HTTP serves: Accept returns the
// connections the fast path handed over.
type handoffListener struct {
	addr   net.Addr
	conns  chan net.Conn
	done   chan struct{}
	closed sync.Once
}

func newHandoffListener(addr net.Addr) *handoffListener {
	return &handoffListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// give hands c to HTTP, and reports false when HTTP no longer accepts.
func (l *handoffListener) give(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

// Accept returns the next handed-over connection.
func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops Accept; the Server's own listener is closed by Shutdown.
func (l *handoffListener) Close() error {
	l.closed.Do(func() { close(l.done) })
	return nil
}

// Addr is the address of the Server's listener.
func (l *handoffListener) Addr() net.Addr { return l.addr }

// tracked is the number of open fast-path connections.
func (s *Server) tracked() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
