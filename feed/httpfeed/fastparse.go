package httpfeed

import (
	"bytes"
	"unsafe"

	"github.com/feedpub/feedpub/internal/weburl"
)

// The fast path of Server answers only requests it can read completely and
// unambiguously: a GET or HEAD in origin form, HTTP/1.1, lines ended by
// CRLF, one valid Host, no body and no header whose meaning it would have
// to act on. parseFast recognises exactly those, and every other request,
// including each one that net/http would refuse, goes to net/http, which
// answers it as it always has. Being stricter than net/http is therefore
// always safe; being laxer would not be.

// maxFastValues is how many lines of one repeatable header the fast path
// keeps; a request with more goes to net/http.
const maxFastValues = 4

// maxFastLines bounds the header lines of a request the fast path answers.
const maxFastLines = 64

// fastRequest is what the fast path reads of one request. Its strings
// point into the connection's read buffer and are valid only until the
// response is written.
type fastRequest struct {
	head  bool
	path  string // without the query
	close bool   // Connection: close
	// accept and inm hold the Accept-Encoding and If-None-Match lines, in
	// order; hasINM tells an empty If-None-Match from none.
	accept  [maxFastValues]string
	nAccept int
	inm     [maxFastValues]string
	nINM    int
	ims     string
	hasIMS  bool
}

// bstr views b as a string without copying; the string must not outlive
// the next change to b's bytes.
func bstr(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// parseFast reads the request at the start of buf into r. It returns the
// request's length when buf starts with a whole request the fast path can
// answer, and 0 when the request, whole or not, is for net/http.
func parseFast(buf []byte, r *fastRequest) int {
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return 0
	}
	n := end + 4
	*r = fastRequest{}
	line, rest, _ := bytes.Cut(buf[:end+2], []byte("\r\n"))
	if !parseRequestLine(line, r) {
		return 0
	}
	hosts := 0
	for lines := 0; len(rest) > 0; lines++ {
		if lines == maxFastLines {
			return 0
		}
		line, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := splitHeaderLine(line)
		if !ok {
			return 0
		}
		switch headerOf(name) {
		case hdrHost:
			hosts++
			if !validFastHost(value) {
				return 0
			}
		case hdrAcceptEncoding:
			if r.nAccept == maxFastValues {
				return 0
			}
			r.accept[r.nAccept] = bstr(value)
			r.nAccept++
		case hdrIfNoneMatch:
			if r.nINM == maxFastValues {
				return 0
			}
			r.inm[r.nINM] = bstr(value)
			r.nINM++
		case hdrIfModifiedSince:
			if !r.hasIMS {
				r.ims, r.hasIMS = bstr(value), true
			}
		case hdrConnection:
			switch {
			case asciiEqualFold(value, "close"):
				r.close = true
			case asciiEqualFold(value, "keep-alive"):
			default:
				return 0
			}
		case hdrHandOver:
			return 0
		}
	}
	if hosts != 1 {
		return 0
	}
	return n
}

// parseRequestLine reads "GET /path?query HTTP/1.1". The path may hold
// only what a served path can (unreserved characters and slashes), so that
// it needs no decoding and means what it says; the query, which serving
// ignores, only what RFC 3986 allows in a query.
func parseRequestLine(line []byte, r *fastRequest) bool {
	switch {
	case bytes.HasPrefix(line, []byte("GET /")):
		line = line[4:]
	case bytes.HasPrefix(line, []byte("HEAD /")):
		line, r.head = line[5:], true
	default:
		return false
	}
	target, ok := bytes.CutSuffix(line, []byte(" HTTP/1.1"))
	if !ok {
		return false
	}
	path, query, _ := bytes.Cut(target, []byte("?"))
	for _, c := range path {
		if c != '/' && !weburl.Unreserved(c) {
			return false
		}
	}
	for _, c := range query {
		if !queryChar(c) {
			return false
		}
	}
	r.path = bstr(path)
	return true
}

// queryChar reports whether c may appear in an RFC 3986 query.
func queryChar(c byte) bool {
	if weburl.Unreserved(c) {
		return true
	}
	switch c {
	case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@', '/', '?', '%':
		return true
	}
	return false
}

// splitHeaderLine splits "Name: value" into the name and the value
// without surrounding whitespace. It refuses what net/http refuses (no
// colon, a name that is not a token, which includes a space before the
// colon, control characters in the value) and continuation lines.
func splitHeaderLine(line []byte) (name, value []byte, ok bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return nil, nil, false
	}
	name, value = line[:colon], line[colon+1:]
	for _, c := range name {
		if !tokenChar(c) {
			return nil, nil, false
		}
	}
	for _, c := range value {
		if c < ' ' && c != '\t' || c == 0x7f {
			return nil, nil, false
		}
	}
	return name, trimOWSBytes(value), true
}

// trimOWSBytes is trimOWS for bytes.
func trimOWSBytes(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// tokenChar reports whether c may appear in an RFC 9110 token.
func tokenChar(c byte) bool {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// validFastHost accepts a non-empty host[:port] of letters, digits and
// the punctuation of names and IP addresses; anything else net/http judges.
func validFastHost(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	for _, c := range v {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '.' || c == '-' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

// headerKind is what the fast path does with a header.
type headerKind uint8

const (
	hdrIgnore headerKind = iota
	hdrHost
	hdrAcceptEncoding
	hdrIfNoneMatch
	hdrIfModifiedSince
	hdrConnection
	// hdrHandOver marks headers that change how a request is read or
	// answered beyond what the fast path does: a body, an upgrade, an
	// expectation, a browser's navigation (which may get an HTML view).
	hdrHandOver
)

// headerOf classifies a header by its name, without regard to case.
func headerOf(name []byte) headerKind {
	switch len(name) {
	case 4:
		if asciiEqualFold(name, "host") {
			return hdrHost
		}
	case 6:
		if asciiEqualFold(name, "expect") {
			return hdrHandOver
		}
	case 7:
		if asciiEqualFold(name, "upgrade") {
			return hdrHandOver
		}
	case 10:
		if asciiEqualFold(name, "connection") {
			return hdrConnection
		}
	case 13:
		if asciiEqualFold(name, "if-none-match") {
			return hdrIfNoneMatch
		}
	case 14:
		if asciiEqualFold(name, "content-length") || asciiEqualFold(name, "sec-fetch-mode") {
			return hdrHandOver
		}
	case 15:
		if asciiEqualFold(name, "accept-encoding") {
			return hdrAcceptEncoding
		}
	case 17:
		if asciiEqualFold(name, "if-modified-since") || asciiEqualFold(name, "transfer-encoding") {
			if name[3] == 'm' || name[3] == 'M' {
				return hdrIfModifiedSince
			}
			return hdrHandOver
		}
	case 25:
		if asciiEqualFold(name, "upgrade-insecure-requests") {
			return hdrHandOver
		}
	}
	return hdrIgnore
}

// asciiEqualFold reports whether b equals the lower-case ASCII s, without
// regard to case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
