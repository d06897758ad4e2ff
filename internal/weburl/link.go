package weburl

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Resolve resolves ref against base (which may be nil) and insists on an
// http or https URL with a host name. It takes ref as sources give it:
// characters a URL cannot carry are left for Link to encode.
func Resolve(ref string, base *url.URL) (*url.URL, error) {
	u, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	if !u.IsAbs() {
		if base == nil {
			return nil, fmt.Errorf("%q is relative and there is no base URL", ref)
		}
		u = base.ResolveReference(u)
	}
	if !IsHTTPURL(u) {
		return nil, fmt.Errorf("%q is not an http(s) URL", ref)
	}
	return u, nil
}

// Link resolves ref against base (which may be nil) into the form a feed
// carries: an http or https URL with a host name, in ASCII. The host takes
// its punycode form; other than ASCII elsewhere, white space, quotes and
// the like are percent-encoded. An empty ref gives "". Link(Link(ref)) is
// Link(ref), and every link it returns passes ParseHTTP.
func Link(ref string, base *url.URL) (string, error) {
	if ref == "" {
		return "", nil
	}
	u, err := Resolve(ref, base)
	if err != nil {
		return "", err
	}
	// url.URL.String escapes other than ASCII in the path and the
	// fragment, but writes the query and the host as given.
	u.RawQuery = EscapeNonASCII(u.RawQuery)
	if host := u.Hostname(); strings.IndexFunc(host, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0 {
		ascii, err := idna.Lookup.ToASCII(host)
		if err != nil {
			return "", fmt.Errorf("%q: host: %w", ref, err)
		}
		if port := u.Port(); port != "" {
			ascii = net.JoinHostPort(ascii, port)
		}
		u.Host = ascii
	}
	// url.Parse lets spaces and quotes through in queries and fragments;
	// a link must not carry them raw.
	link := EscapeIRI(u.String())
	// It lets odd hosts through too ("//\"0", "//::0") that no escape
	// can mend: a link is only what reads back as one. A plain host
	// always does, and spares every usual link a second parse.
	if !plainHost(u.Host) {
		if _, err := ParseHTTP(link); err != nil {
			return "", fmt.Errorf("%q does not make a link: %w", ref, err)
		}
	}
	return link, nil
}

// plainHost reports whether host is a name of ASCII letters, digits, dots
// and hyphens, with an optional port of digits.
func plainHost(host string) bool {
	name, port, _ := strings.Cut(host, ":")
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	for i := 0; i < len(port); i++ {
		if c := port[i]; c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Canonical returns the form of link under which two links name the
// same item: scheme and host in lower case, default port, a trailing slash
// and utm_* tracking parameters dropped. The fragment is kept: many sites
// give each post on a page a link of its own by fragment
// (/2026/03/01#a0800). A link that does not parse is returned as it is.
func Canonical(link string) string {
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil || u.Host == "" {
		return link
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); port != "" && !(u.Scheme == "http" && port == "80") && !(u.Scheme == "https" && port == "443") {
		host += ":" + port
	}
	u.Host = host
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if strings.HasPrefix(strings.ToLower(k), "utm_") {
				q.Del(k)
			}
		}
		u.RawQuery = q.Encode()
	}
	if len(u.Path) > 1 {
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = ""
	}
	return u.String()
}
