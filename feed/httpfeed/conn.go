package httpfeed

import (
	"context"
	"net"
	"net/http"
	"syscall"
)

// connKey is the context key of a request's connection, as ConnContext
// stores it.
type connKey struct{}

// ConnContext is meant for http.Server.ConnContext. It gives the Handler
// the TCP connection of each request, which lets it send large bodies with
// sendfile(2) from files of their own, the connection corked meanwhile so
// that the header and the body leave in full segments, as nginx's sendfile
// and tcp_nopush do. Without it, or off Linux, the Handler writes every body
// from memory.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if hc, ok := c.(*handedConn); ok {
		c = hc.TCPConn
	}
	tc, ok := c.(*net.TCPConn)
	if !ok || !corkSupported {
		return ctx
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return ctx
	}
	return context.WithValue(ctx, connKey{}, rc)
}

// requestConn returns the connection ConnContext stored for r, or nil.
func requestConn(r *http.Request) syscall.RawConn {
	rc, _ := r.Context().Value(connKey{}).(syscall.RawConn)
	return rc
}
