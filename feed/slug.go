package feed

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// transliterations are Latin letters that have no decomposition, so NFKD
// alone would drop them from a slug.
var transliterations = map[rune]string{
	'ß': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ø': "o", 'Ø': "o",
	'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'þ': "th", 'Þ': "th",
	'ı': "i",
}

// Slug makes a URL path segment from s: NFKD with marks dropped, lower
// case ASCII letters and digits kept, every other run of characters turned
// into one '-', no '-' at either end. It never returns "": text with no
// usable letter becomes "item".
func Slug(s string) string {
	if slugASCII(s) {
		// What slugOf would give, and the usual file name.
		return s
	}
	return slugOf(s)
}

// slugOf is Slug, the whole transformation.
func slugOf(s string) string {
	var b strings.Builder
	gap := false
	put := func(r rune) {
		if gap && b.Len() > 0 {
			b.WriteByte('-')
		}
		gap = false
		b.WriteRune(r)
	}
	for _, r := range norm.NFKD.String(s) {
		if unicode.Is(unicode.M, r) {
			continue
		}
		if t, ok := transliterations[r]; ok {
			for _, c := range t {
				put(c)
			}
			continue
		}
		r = unicode.ToLower(r)
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			put(r)
			continue
		}
		gap = true
	}
	if b.Len() == 0 {
		return "item"
	}
	return b.String()
}

// slugASCII reports whether s is not empty and made only of lower case
// ASCII letters and digits, which Slug keeps as they are.
func slugASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return s != ""
}
