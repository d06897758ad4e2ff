package feed

import (
	"unicode"
	"unicode/utf8"
)

// Tidy reports whether s is made only of printable ASCII, line feeds and
// the runes XML allows that keep text in NFC whatever surrounds them
// (Latin text with curly quotes and dashes), with no U+FEFF, and with no line (split
// at '\n') that starts or ends with a space or holds two spaces in a row.
//
// Tidy text is valid UTF-8 and as CleanText leaves it, every line of it
// is as CollapseSpace leaves it, and any text made by cutting it between
// runes and joining the pieces with printable ASCII is as CleanText
// leaves it: a parser that finds its input tidy can skip those passes,
// each of which would read every byte again. One pass over s decides, a
// word at a time where the text is ASCII, as CleanText's own check does.
func Tidy(s string) bool {
	clean, collapsed := Tidiness(s)
	return clean && collapsed
}

// Tidiness is Tidy in two parts. clean reports that s is made only of the
// runes Tidy allows: such text is valid UTF-8 and as CleanText leaves it,
// and so is any text made by cutting it between runes and joining the
// pieces with printable ASCII (removing spaces, for one). collapsed
// reports that besides no line starts or ends with a space or holds two
// in a row. Clean text that is not collapsed, a line ending with a space
// say, needs its lines trimmed and collapsed, and nothing else.
func Tidiness(s string) (clean, collapsed bool) {
	var safe *[0x10000 / 64]uint64
	// gap has its top bit set after a space or a line feed (and at the
	// start, where a space would lead a line), space after a space.
	var gap, space uint64 = 0x80, 0
	// loose is set once a line is found that is not collapsed; from
	// then on only the runes are checked.
	loose := false
	for i := 0; i < len(s); {
		for ; i+8 <= len(s); i += 8 {
			// The word test, written out here since it runs for nearly
			// every word of an article: every byte printable ASCII or
			// a line feed, no space next to a space or a line feed.
			w := load8(s, i)
			nl := zeroBytes(w ^ 0x0A*ones)
			sp := zeroBytes(w ^ 0x20*ones)
			// Bytes beyond ASCII, DEL (the only 7-bit byte that carries
			// into the top bit when 1 is added), and those below 0x20
			// other than line feeds (the top bits set on every byte
			// keep the subtraction from borrowing across bytes).
			bad := w&highs | (w+ones)&highs | ^((w|highs)-0x20*ones)&highs&^nl
			g := sp | nl
			// A space after a gap byte (the byte before the word's first
			// is gap) or before one (the word's first byte against the
			// byte before it, space).
			if bad != 0 || !loose && sp&(g<<8|gap)|sp&(g>>8)|space&g != 0 {
				break
			}
			gap, space = g>>56&0x80, sp>>56&0x80
		}
		// The next eight bytes, one rune at a time: a word that fails
		// the test usually holds a rune beyond ASCII, and a word test
		// at each of the bytes before it would fail as well.
		for end := min(i+8, len(s)); i < end; {
			c := s[i]
			if c < utf8.RuneSelf {
				switch {
				case c == ' ':
					loose = loose || gap != 0
					gap, space = 0x80, 0x80
				case c == '\n':
					loose = loose || space != 0
					gap, space = 0x80, 0
				case c < 0x20 || c == 0x7F:
					return false, false
				default:
					gap, space = 0, 0
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if safe == nil {
				safe = nfcSafe()
			}
			// What CleanText would remove or normalise, and what a
			// line may not hold: white space other than a space, and
			// U+FEFF.
			if (r == utf8.RuneError && size == 1) || !XMLChar(r) || !nfcSafeRune(safe, r) || r == '\uFEFF' || unicode.IsSpace(r) {
				return false, false
			}
			gap, space = 0, 0
			i += size
		}
	}
	// A space may not end the text either.
	return true, !loose && space == 0
}
