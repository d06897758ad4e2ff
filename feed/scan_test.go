package feed

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"
)

// The word-at-a-time fast paths of CleanText and CollapseSpace must give
// exactly what the plain definitions give: cleanSlow (filter, then NFC) and
// strings.Fields joined by single spaces.

func checkFastPaths(t *testing.T, s string) {
	t.Helper()
	if got, want := CleanText(s), cleanSlow(s); got != want {
		t.Errorf("CleanText(%q) = %q, want %q", s, got, want)
	}
	if got, want := CollapseSpace(s), strings.Join(strings.Fields(s), " "); got != want {
		t.Errorf("CollapseSpace(%q) = %q, want %q", s, got, want)
	}
	checkTidy(t, s)
}

// checkTidy checks what Tidy promises of s when it finds s tidy: text
// that CleanText leaves as it is, lines that CollapseSpace and a right
// trim leave as they are, and pieces of s that, joined with ASCII in any
// order, CleanText leaves as they are.
//
// Tidiness splits the promise: clean text is as CleanText leaves it, and
// so are its pieces joined with ASCII, whatever its spaces; collapsed
// text has its lines collapsed too, and is tidy.
func checkTidy(t *testing.T, s string) {
	t.Helper()
	clean, collapsed := Tidiness(s)
	if Tidy(s) != (clean && collapsed) {
		t.Errorf("Tidy(%q) = %v, Tidiness = %v, %v", s, Tidy(s), clean, collapsed)
	}
	if !clean {
		return
	}
	if cleanSlow(s) != s || strings.ContainsRune(s, '\uFEFF') {
		t.Errorf("Tidiness(%q) says clean, but CleanText gives %q", s, cleanSlow(s))
	}
	if collapsed {
		for line := range strings.SplitSeq(s, "\n") {
			if strings.Join(strings.Fields(line), " ") != line || strings.TrimRightFunc(line, unicode.IsSpace) != line {
				t.Errorf("Tidy(%q), but line %q is not collapsed", s, line)
			}
		}
	}
	for i := range s {
		for _, sep := range []string{"", "<p>", "&amp;", ">"} {
			if joined := s[i:] + sep + s[:i]; cleanSlow(joined) != joined {
				t.Errorf("Tidiness(%q) says clean, but %q is not clean", s, joined)
			}
		}
	}
	// Trimmed and collapsed line by line, clean text is tidy.
	var lines []string
	for line := range strings.SplitSeq(s, "\n") {
		lines = append(lines, strings.Join(strings.Fields(line), " "))
	}
	if tidied := strings.Join(lines, "\n"); !Tidy(tidied) {
		t.Errorf("Tidiness(%q) says clean, but its lines collapsed, %q, are not tidy", s, tidied)
	}
}

// TestTidy checks that text of the usual kind is found tidy, so that the
// parsers' short way is taken.
func TestTidy(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"",
		"line one\nline two\n\nline four",
		"Quotes \u201cfine\u201d \u2014 dashes \u2019 and \u2026\n\n\nA headline\n",
		strings.Repeat("word\n", 40),
	} {
		if !Tidy(s) {
			t.Errorf("Tidy(%q) = false", s)
		}
		checkTidy(t, s)
	}
	// Clean text whose spaces need collapsing, as writers leave it: not
	// tidy, but clean.
	for _, s := range []string{
		"A headline that ends with a space \nNext",
		"Two  spaces in \u201cquoted\u201d text, and a long line after them to pass a word or two.",
		" Leading space\n",
		"Trailing space at the very end ",
		"Lines \n \n  between\n",
	} {
		clean, collapsed := Tidiness(s)
		if !clean || collapsed {
			t.Errorf("Tidiness(%q) = %v, %v; want clean, not collapsed", s, clean, collapsed)
		}
		checkTidy(t, s)
	}
	// Runes CleanText changes are not clean, whatever the spaces.
	for _, s := range []string{"Tab\there", "CR\r\n", "NUL\x00", "Bad \xff byte", "Mark\ufeff", "No\u00a0break", "e\u0301 combining", "Two  spaces, then a \x01"} {
		if clean, _ := Tidiness(s); clean {
			t.Errorf("Tidiness(%q) says clean", s)
		}
	}
}

func TestFastPathsMatchDefinitions(t *testing.T) {
	t.Parallel()
	cases := []string{
		"",
		"abcdefgh",
		"abcdefg ",
		" bcdefgh",
		"abcdefgh ijklmnop",
		"abcdefg  ijklmnop",        // double space across a word boundary
		"abcdefg hijklmno pqrstuv", // single spaces at word edges
		"abcdefgh\tijklmnop",
		"abcdefgh\x7fijklmnop",
		"abcdefgh\x1fijklmnop",
		"abcdefgh\x00ijklmnop",
		"abcdefghe\u0301 and more text",         // combining mark after a full word
		"abcdefgh\u212b angstrom sign",          // a singleton that NFC replaces
		"abcdefgh\u1100\u1161 hangul jamo",      // jamo that compose
		"quotes \u201cfine\u201d \u2014 dashes", // safe punctuation
		"abcdefgh\u00a0nbsp",
		"abcdefgh\u2028line separator",
		"trailing space after eight   ",
		"\xff\xfe invalid bytes after",
		"abcdefgh\u0085next line",
		"emoji 😀 beyond the BMP e\u0301",
		"\u2000\u2001 en quad em quad",
		strings.Repeat("word ", 40),
		strings.Repeat("word  ", 40),
		"line one\nline two\n\nline four",
		"abcdefg\n ijklmnop",   // a line that starts with a space
		"abcdefg \nijklmnop",   // one that ends with one
		"abcdefgh \nijklmnop",  // across a word boundary
		"abcdefgh\n\n\nijklm ", // the text ends with a space
		" abcdefgh\nijklmnop",  // and starts with one
		"line\u2019s \u201cquote\u201d\n\u0338 composes with >",
		"a\ufeff b\nabcdefgh\ufeff",
		"abcdefgh\x85\ufdd0\n",
		strings.Repeat("word\n", 40),
		strings.Repeat("word \n", 40),
	}
	for _, s := range cases {
		checkFastPaths(t, s)
	}
	// Random strings over an alphabet of the bytes and runes the fast
	// paths treat differently, at every alignment.
	alphabet := []string{"a", "Z", "0", " ", " ", "  ", "\t", "\n", "\r", "\x7f", "\x1f", "~",
		"é", "e\u0301", "\u0301", "\u00a0", "\u2019", "\u2014", "\u212b", "\u1100", "\u1161", "\uac00", "\u11a8",
		"\u3000", "😀", "\xff", "\xc3", "\ufffd", "\ufeff", "\ufdd0"}
	rng := rand.New(rand.NewPCG(7, 11))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(40) {
			if rng.IntN(3) == 0 {
				b.WriteString("abcdefgh"[:1+rng.IntN(8)])
			} else {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
		}
		checkFastPaths(t, b.String())
	}
}

func FuzzFastPaths(f *testing.F) {
	f.Add("abcdefg  ijklmnop")
	f.Add("abcdefghe\u0301 and more")
	f.Add("quotes \u201cfine\u201d \u2014 dashes\t")
	f.Add("two lines\nof text \u2014 tidy\n\nand a third")
	f.Fuzz(func(t *testing.T, s string) { checkFastPaths(t, s) })
}
