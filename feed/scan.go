package feed

import (
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CleanText and CollapseSpace run over every byte of every article, several
// times in a build, and nearly always find the text as it should be. The
// helpers below let them confirm that eight bytes at a time (a "word"),
// falling back to byte-by-byte work only around the bytes that need a
// closer look.

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// load8 reads s[i:i+8] as a little-endian word; the compiler turns it into
// one load on the platforms that allow unaligned loads.
func load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// zeroBytes returns a word with the high bit set in exactly the bytes of w
// that are zero.
func zeroBytes(w uint64) uint64 {
	const lows = 0x7F7F7F7F7F7F7F7F
	return ^(((w & lows) + lows) | w | lows)
}

// printable8 reports whether every byte of w is printable ASCII, 0x20 to
// 0x7E: nothing CleanText would remove or has to normalise.
func printable8(w uint64) bool {
	// A byte below 0x20 borrows when 0x20 is taken from it; the test is
	// exact for the word as a whole.
	below := (w - 0x20*ones) &^ w & highs
	return below|w&highs|zeroBytes(w^0x7F*ones) == 0
}

// nfcSafe holds, for every rune of the Basic Multilingual Plane, whether it
// is in NFC on its own, has combining class 0 and never combines with the
// rune before it. Text made only of such runes is in NFC as it stands,
// which spares the full check for the common case: Latin text with curly
// quotes and dashes.
var nfcSafe = sync.OnceValue(func() *[0x10000 / 64]uint64 {
	var t [0x10000 / 64]uint64
	var buf [utf8.UTFMax]byte
	for r := rune(0x80); r < 0x10000; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := buf[:utf8.EncodeRune(buf[:], r)]
		p := norm.NFC.Properties(s)
		if p.CCC() == 0 && p.BoundaryBefore() && norm.NFC.IsNormal(s) {
			t[r/64] |= 1 << (r % 64)
		}
	}
	return &t
})

// nfcSafeRune reports whether r is one of nfcSafe's runes; runes beyond the
// Basic Multilingual Plane are never taken as safe.
func nfcSafeRune(t *[0x10000 / 64]uint64, r rune) bool {
	return r < 0x10000 && t[r/64]&(1<<(r%64)) != 0
}
