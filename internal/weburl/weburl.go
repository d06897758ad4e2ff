// Package weburl is the one statement of which URLs feedpub accepts and how
// it writes them: the checks (an http or https URL with a host, an absolute
// IRI, an address to fetch a feed from), the resolution of a link against a
// base into the ASCII form feeds carry, and percent-encoding. The
// configuration, the sources, the feed model, the validator and the server
// all ask it, so that what one accepts the next does not refuse.
package weburl

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// iriExcluded are the ASCII characters that RFC 3987 (and RFC 3986) do not
// allow anywhere in an IRI as written: white space, quotes, angle
// brackets and the like. A link that carries one must be percent-encoded.
const iriExcluded = " \t\r\n<>\"{}|\\^`"

// IsIRI reports whether s is an absolute IRI as written: a scheme, then
// nothing an IRI cannot hold (tag:, urn:, http: and so on). It is the rule
// for ids and link relations in documents.
func IsIRI(s string) bool {
	if s == "" || !IsIRIRef(s) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != ""
}

// IsIRIRef reports whether s may stand as an IRI reference, relative or
// absolute, as far as its characters go: it holds none of those no IRI
// may carry as written (white space, quotes, angle brackets, braces, '|',
// '\', '^', '`').
func IsIRIRef(s string) bool { return !strings.ContainsAny(s, iriExcluded) }

// ParseHTTP parses s as an absolute http or https URL with a host name,
// written as a document or an HTTP header may carry it: an IRI as IsIRI
// takes it, in valid UTF-8, with no white space or control character of
// any script. The error says what is wrong, quoting s.
func ParseHTTP(s string) (*url.URL, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%q is not valid UTF-8", s)
	}
	if i := strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r < utf8.RuneSelf && strings.ContainsRune(iriExcluded, r)
	}); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return nil, fmt.Errorf("%q contains %q, which a URL cannot carry unescaped", s, r)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL", s)
	}
	if !IsHTTPURL(u) {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return u, nil
}

// IsHTTP reports whether ParseHTTP accepts s.
func IsHTTP(s string) bool {
	_, err := ParseHTTP(s)
	return err == nil
}

// IsHTTPURL reports whether u, parsed, is an http or https URL with a host
// name (not just a port). url.Parse writes the scheme in lower case.
func IsHTTPURL(u *url.URL) bool {
	return u != nil && (u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != ""
}

// IsAbsolute reports whether s names itself as an absolute URI: a scheme,
// a colon and something after it, with no white space or control
// character. It is deliberately looser than IsIRI: an id a source gives
// that passes is kept (and percent-encoded by EscapeIRI), and one that
// does not is taken as a local name; changing this rule would change ids.
func IsAbsolute(s string) bool {
	i := schemeEnd(s)
	return i > 0 && i+1 < len(s) &&
		!strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}

// HasScheme reports whether s starts with a URI scheme and its colon
// (RFC 3986 section 3.1), whatever follows.
func HasScheme(s string) bool { return schemeEnd(s) > 0 }

// schemeEnd returns the index of the colon that ends the scheme s starts
// with, or -1 when it starts with none.
func schemeEnd(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9', c == '+', c == '.', c == '-':
			if i == 0 {
				return -1
			}
		case c == ':' && i > 0:
			return i
		default:
			return -1
		}
	}
	return -1
}

// ParseFetch parses s as the address of a feed to fetch: an http or https
// URL with a host name (as ParseHTTP), or a file URL naming an absolute
// path on this machine (file:///path or file://localhost/path).
func ParseFetch(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("no URL")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL", s)
	}
	switch u.Scheme {
	case "http", "https":
		return ParseHTTP(s)
	case "file":
		if (u.Host != "" && u.Host != "localhost") || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("%q: want file:///absolute/path", s)
		}
		return u, nil
	}
	return nil, fmt.Errorf("%q: want http, https or file", s)
}
