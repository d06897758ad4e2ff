package main

import (
	"log/slog"
	"net"
	"net/url"
)

// warnLoopbackMismatch warns when base_url names a loopback address that
// this server does not listen on (another port, usually, after -listen):
// the feeds' self links and item links then point at a server that is not
// this one, and the feed readers on this machine follow them there.
func warnLoopbackMismatch(logger *slog.Logger, baseURL, listening string) {
	u, err := url.Parse(baseURL)
	if err != nil || !isLoopback(u.Hostname()) {
		return
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	host, lport, err := net.SplitHostPort(listening)
	if err != nil {
		return
	}
	ip := net.ParseIP(host)
	reaches := ip != nil && (ip.IsUnspecified() || ip.IsLoopback()) && u.Scheme == "http"
	if reaches && port == lport {
		return
	}
	logger.Warn("base_url names a loopback address this server does not listen on; the feeds' self and item links point there, while the index page's links follow this server",
		"base_url", baseURL, "listening", "http://"+listening+"/")
}

// isLoopback reports whether host names this machine's loopback interface.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
