package weburl

import "strings"

// A byteSet says which bytes may stand in some part of a URI as they are;
// the others are percent-encoded.
type byteSet [256]bool

func newByteSet(extra string, nonASCII bool) *byteSet {
	var s byteSet
	for c := 0; c < 256; c++ {
		s[c] = Unreserved(byte(c)) || nonASCII && c >= 0x80
	}
	for i := 0; i < len(extra); i++ {
		s[extra[i]] = true
	}
	return &s
}

var (
	// iriKeep: unreserved, reserved, the '%' of an escape, and every byte
	// outside ASCII, which an IRI holds as it is.
	iriKeep = newByteSet(":/?#[]@!$&'()*+,;=%", true)
	// asciiKeep: every ASCII byte.
	asciiKeep = func() *byteSet {
		var s byteSet
		for c := range 0x80 {
			s[c] = true
		}
		return &s
	}()
	// tagKeep: what the specific part of an RFC 4151 tag URI may carry
	// as it is: unreserved, sub-delims, ':' and '@'. '%', '/', '?' and '#'
	// are escaped, so that escaping is reversible and never changes a
	// URI's structure.
	tagKeep = newByteSet("!$&'()*+,;=:@", false)
)

// Unreserved reports whether c is an RFC 3986 unreserved character, the
// only ones a path segment can carry with no question of encoding.
func Unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// EscapeIRI percent-encodes the ASCII characters an IRI cannot hold
// (space, quotes, angle brackets, a second '#' and the like), keeping
// escapes already there and everything outside ASCII, so that an id taken
// from a source is a valid Atom id, and the same id every time.
func EscapeIRI(s string) string {
	// Only the first '#' starts the fragment; one inside it is data.
	return escape(s, iriKeep, strings.IndexByte(s, '#'))
}

// EscapeNonASCII percent-encodes the bytes of s outside ASCII: the URI an
// IRI maps to.
func EscapeNonASCII(s string) string { return escape(s, asciiKeep, -1) }

// EscapeTag percent-encodes s byte by byte for the specific part of a tag
// URI, so that spaces, other than ASCII and even invalid UTF-8 become
// plain ASCII, and '/' too.
func EscapeTag(s string) string { return escape(s, tagKeep, -1) }

// EscapeTagPath escapes each '/'-separated segment of p as EscapeTag,
// keeping the slashes, which a tag URI allows.
func EscapeTagPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = EscapeTag(s)
	}
	return strings.Join(segs, "/")
}

// escape percent-encodes, in upper-case hex, every byte of s that keep does
// not hold; with hash at 0 or more, a '#' anywhere but at index hash too.
// It returns s itself when nothing needs encoding.
func escape(s string, keep *byteSet, hash int) string {
	const hexDigits = "0123456789ABCDEF"
	ok := func(i int) bool { return keep[s[i]] && (s[i] != '#' || hash < 0 || i == hash) }
	n := 0
	for i := 0; i < len(s); i++ {
		if !ok(i) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		if c := s[i]; ok(i) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return string(b)
}
