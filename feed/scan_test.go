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
	checkCleanLines(t, s)
}

// checkCleanLines checks what CleanLines promises of s: CleanText's
// result, and when it finds s tidy, lines that CollapseSpace and a
// right trim leave as they are, and pieces of s that, joined with ASCII
// in any order, CleanText leaves as they are.
func checkCleanLines(t *testing.T, s string) {
	t.Helper()
	clean, tidy := CleanLines(s)
	if want := cleanSlow(s); clean != want {
		t.Errorf("CleanLines(%q) = %q, want %q", s, clean, want)
	}
	if !tidy {
		return
	}
	if clean != s || strings.ContainsRune(s, '\uFEFF') {
		t.Errorf("CleanLines(%q): tidy, but returned %q", s, clean)
	}
	for line := range strings.SplitSeq(s, "\n") {
		if strings.Join(strings.Fields(line), " ") != line || strings.TrimRightFunc(line, unicode.IsSpace) != line {
			t.Errorf("CleanLines(%q): tidy, but line %q is not collapsed", s, line)
		}
	}
	for i := range s {
		for _, sep := range []string{"", "<p>", "&amp;", ">"} {
			if joined := s[i:] + sep + s[:i]; cleanSlow(joined) != joined {
				t.Errorf("CleanLines(%q): tidy, but %q is not clean", s, joined)
			}
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
