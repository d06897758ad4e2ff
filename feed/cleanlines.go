package feed

import (
	"unicode"
	"unicode/utf8"
)

// CleanLines returns CleanText(s) and reports whether s is tidy: made only
// of printable ASCII, line feeds and the runes that keep text in NFC
// whatever surrounds them (Latin text with curly quotes and dashes), with
// no U+FEFF, and with no line (split at '\n') that starts or ends with a
// space or holds two spaces in a row.
//
// A tidy s is returned as it is, every line of it is as CollapseSpace
// leaves it, and any text made by cutting it between runes and joining
// the pieces with printable ASCII is as CleanText leaves it: a parser
// that finds its input tidy can skip those passes, each of which would
// read every byte again. One pass over s decides, a word at a time where
// the text is ASCII, as CleanText's own check does.
func CleanLines(s string) (clean string, tidy bool) {
	var safe *[0x10000 / 64]uint64
	// gap is set after a space or a line feed (and at the start, where
	// a space would lead a line), space after a space alone.
	gap, space := true, false
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			if ok, endsGap, endsSpace := tidy8(load8(s, i), gap, space); ok {
				gap, space = endsGap, endsSpace
				i += 8
				continue
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ':
				if gap {
					return CleanText(s), false
				}
				gap, space = true, true
			case c == '\n':
				if space {
					return CleanText(s), false
				}
				gap, space = true, false
			case c < 0x20 || c == 0x7F:
				return CleanText(s), false
			default:
				gap, space = false, false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if safe == nil {
			safe = nfcSafe()
		}
		// What CleanText would remove or normalise, and what a line
		// may not hold: white space other than a space, and U+FEFF.
		if (r == utf8.RuneError && size == 1) || !XMLChar(r) || !nfcSafeRune(safe, r) || r == '\uFEFF' || unicode.IsSpace(r) {
			return CleanText(s), false
		}
		gap, space = false, false
		i += size
	}
	if space {
		return CleanText(s), false
	}
	return s, true
}

// tidy8 is CleanLines's test for a word: every byte printable ASCII or a
// line feed, no space next to another space or a line feed, nor first
// when the byte before the word (gap) was one, nor after a space (space)
// when it is a line feed. It returns whether the word's last byte is a
// space or a line feed, and whether it is a space.
func tidy8(w uint64, gap, space bool) (ok, endsGap, endsSpace bool) {
	nl := zeroBytes(w ^ 0x0A*ones)
	// Line feeds read as spaces for the printable test.
	if !printable8(w ^ (nl>>7)*(0x0A^0x20)) {
		return false, false, false
	}
	sp := zeroBytes(w ^ 0x20*ones)
	g := sp | nl
	// A space after a gap byte, or before one; the word's first byte
	// against the byte before it.
	if sp&(g<<8) != 0 || sp&(g>>8) != 0 || gap && sp&0x80 != 0 || space && nl&0x80 != 0 {
		return false, false, false
	}
	return true, g>>63 != 0, sp>>63 != 0
}
