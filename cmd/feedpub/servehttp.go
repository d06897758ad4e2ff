package main

import (
	"context"
	"net"
	"net/http"

	"github.com/feedpub/feedpub/feed/httpfeed"
)

// httpServer is what serve needs of the server in front of the handler:
// an http.Server, or an httpfeed.Server with its fast path in front of one.
type httpServer interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}

// httpServer returns the server serve runs: httpfeed's fast path, which
// hands every request it does not answer itself to srv, or with -net-http
// srv alone.
func (s *server) httpServer(srv *http.Server) httpServer {
	if s.netHTTP {
		return srv
	}
	return &httpfeed.Server{Handler: s.handler, HTTP: srv}
}
