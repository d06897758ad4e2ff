package feed

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TitleMax and SummaryMax bound derived titles and summaries, in characters.
const (
	TitleMax   = 110
	SummaryMax = 300
)

// ellipsis marks text that was cut short.
const ellipsis = "…"

// XMLChar reports whether r may appear in an XML 1.0 document. C1 controls
// (U+0080–U+009F) and noncharacters are allowed by the grammar but
// discouraged, and in practice they are always mojibake: they are refused too.
func XMLChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r >= 0x7F && r <= 0x9F:
		return false
	case r >= 0xD800 && r <= 0xDFFF:
		return false
	case r >= 0xFDD0 && r <= 0xFDEF:
		return false
	case r&0xFFFE == 0xFFFE: // U+xFFFE and U+xFFFF in every plane
		return false
	case r > unicode.MaxRune:
		return false
	}
	return true
}

// CleanText returns s in Unicode NFC with invalid UTF-8 and every character
// XMLChar refuses removed. It is idempotent.
func CleanText(s string) string {
	// Fast path: text that is already clean, the common case, is checked
	// in one pass and returned as it is. Printable ASCII is checked a word
	// at a time; other runes are decoded, checked, and looked up among the
	// runes that keep text in NFC whatever surrounds them.
	var safe *[0x10000 / 64]uint64
	checkNFC := false
	for i := 0; i < len(s); {
		if i+8 <= len(s) && printable8(load8(s, i)) {
			i += 8
			continue
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F {
				return cleanSlow(s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !XMLChar(r) {
			return cleanSlow(s)
		}
		if !checkNFC {
			if safe == nil {
				safe = nfcSafe()
			}
			checkNFC = !nfcSafeRune(safe, r)
		}
		i += size
	}
	if !checkNFC || norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

func cleanSlow(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		if r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD") {
			continue
		}
		if XMLChar(r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// CollapseSpace replaces every run of white space in s with one space and
// trims both ends.
func CollapseSpace(s string) string {
	// Most text is already collapsed: check before building a copy, a
	// word at a time where the text is printable ASCII.
	var prevSpace uint64 = 0x80 // the top bit: the byte before was a space
	for i := 0; i < len(s); {
		for ; i+8 <= len(s); i += 8 {
			// Printable ASCII with no space at the start of a run,
			// written out here since it runs for nearly every word of
			// an article.
			w := load8(s, i)
			sp := zeroBytes(w ^ 0x20*ones)
			if !printable8(w) || sp&(sp<<8|prevSpace) != 0 {
				break
			}
			prevSpace = sp >> 56 & 0x80
		}
		// The next eight bytes, one rune at a time: a word that fails
		// the test usually holds a rune beyond ASCII, and a word test
		// at each of the bytes before it would fail as well.
		for end := min(i+8, len(s)); i < end; {
			c := s[i]
			if c < utf8.RuneSelf {
				sp := asciiSpace[c]
				if sp && (prevSpace != 0 || c != ' ') {
					return strings.Join(strings.Fields(s), " ")
				}
				prevSpace = 0
				if sp {
					prevSpace = 0x80
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if unicode.IsSpace(r) {
				return strings.Join(strings.Fields(s), " ")
			}
			prevSpace = 0
			i += size
		}
	}
	if prevSpace != 0 && s != "" {
		return strings.Join(strings.Fields(s), " ")
	}
	return s
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// ParagraphsHTML renders plain-text paragraphs as HTML <p> elements, escaping
// the text exactly once. Empty paragraphs are dropped.
func ParagraphsHTML(paragraphs []string) string {
	var b strings.Builder
	n := 0
	for _, p := range paragraphs {
		n += len(p) + len("\n<p></p>")
	}
	// Sized for text with nothing to escape, as most is, so that the
	// builder does not copy itself as it grows.
	b.Grow(n)
	for _, p := range paragraphs {
		p = CollapseSpace(p)
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(p))
		b.WriteString("</p>")
	}
	return b.String()
}

// abbreviations end with a period without ending a sentence. Lower case,
// without the period. Words that are also ordinary English words ("no",
// "sat", "mar") are left out: a missed split costs less than a wrong one.
var abbreviations = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "mx": true, "dr": true, "prof": true, "sr": true, "jr": true,
	"st": true, "mt": true, "ft": true, "gen": true, "gov": true, "sen": true, "rep": true, "rev": true,
	"lt": true, "col": true, "capt": true, "cpt": true, "sgt": true, "cmdr": true, "adm": true, "maj": true,
	"pres": true, "supt": true, "det": true, "insp": true, "hon": true, "messrs": true, "mme": true,
	"inc": true, "ltd": true, "co": true, "corp": true, "bros": true, "llc": true, "plc": true,
	"vs": true, "etc": true, "approx": true, "vol": true,
	"fig": true, "figs": true, "dept": true, "univ": true, "assn": true,
	"ave": true, "blvd": true, "rd": true, "hwy": true, "sq": true,
	"jan": true, "feb": true, "mar": true, "apr": true, "jun": true, "jul": true, "aug": true,
	"sep": true, "sept": true, "oct": true, "nov": true, "dec": true,
	"tue": true, "tues": true, "thu": true, "thur": true, "thurs": true, "cf": true, "pp": true,
}

// closers may stand between a sentence's final punctuation and the space
// after it.
const closers = `"')]}’”»›`

// openers may stand before the first letter of a sentence.
const openers = `"'([{‘“«‹¿¡`

// Sentences splits s into sentences. A period ends a sentence only when it
// is followed by white space and a capital letter, a digit or an opening
// quote, and the word before it is neither a known abbreviation (Mr., Gen.,
// Inc.), an initial (J.), nor a dotted acronym (U.S., a.m.). Each sentence
// keeps its final punctuation; white space between sentences is dropped.
func Sentences(s string) []string {
	s = CollapseSpace(s)
	var out []string
	for start := 0; start < len(s); {
		end, next := nextSentence(s, start)
		out = append(out, s[start:end])
		start = next
	}
	return out
}

// nextSentence finds the sentence of s, collapsed, that starts at start:
// it returns where it ends and where the next one starts, len(s) for both
// when it is the last. Callers that need only the first sentences stop
// early instead of splitting a whole paragraph.
func nextSentence(s string, start int) (end, next int) {
	for i := start; i < len(s); {
		// Final punctuation is found byte by byte, without decoding
		// every rune: '.', '!' and '?' are single bytes, and the lead
		// byte of '…' never occurs inside another rune.
		var r rune
		switch c := s[i]; {
		case c == '.' || c == '!' || c == '?':
			r = rune(c)
			i++
		case c == ellipsis[0] && strings.HasPrefix(s[i:], ellipsis):
			r = '…'
			i += len(ellipsis)
		default:
			i++
			continue
		}
		end := i
		// Runs of final punctuation ("?!", "...") and closing quotes stay
		// with the sentence.
		for end < len(s) {
			r2, n := utf8.DecodeRuneInString(s[end:])
			if r2 != '.' && r2 != '!' && r2 != '?' && r2 != '…' && !strings.ContainsRune(closers, r2) {
				break
			}
			end += n
		}
		if end >= len(s) {
			break
		}
		if s[end] != ' ' {
			i = end
			continue
		}
		next, _ := utf8.DecodeRuneInString(s[end+1:])
		if !unicode.IsUpper(next) && !unicode.IsDigit(next) && !strings.ContainsRune(openers, next) {
			i = end
			continue
		}
		if r == '.' && end == i && !endsSentence(s[start:i-1]) {
			i = end
			continue
		}
		return end, end + 1
	}
	return len(s), len(s)
}

// endsSentence reports whether a period after text ends a sentence, judged
// by the word just before the period.
func endsSentence(text string) bool {
	word := text[strings.LastIndexByte(text, ' ')+1:]
	word = strings.TrimLeft(word, openers)
	if word == "" {
		return true
	}
	if strings.Contains(word, ".") {
		// Dotted acronyms and abbreviations: U.S, a.m, e.g, Ph.D.
		return !dotted(word)
	}
	if utf8.RuneCountInString(word) == 1 {
		r, _ := utf8.DecodeRuneInString(word)
		return !unicode.IsUpper(r) // an initial such as "J."
	}
	return !abbreviations[strings.ToLower(word)]
}

// dotted reports whether word is made of short letter groups joined by
// periods, as in "U.S", "e.g" or "Ph.D".
func dotted(word string) bool {
	for part := range strings.SplitSeq(word, ".") {
		n := utf8.RuneCountInString(part)
		if n == 0 || n > 3 {
			return false
		}
		for _, r := range part {
			if !unicode.IsLetter(r) {
				return false
			}
		}
	}
	return true
}

// FirstSentence returns the first sentence of s.
func FirstSentence(s string) string {
	s = CollapseSpace(s)
	end, _ := nextSentence(s, 0)
	return s[:end]
}

// Truncate cuts s to at most max characters at a word boundary, ending it
// with an ellipsis when it was cut. Punctuation left dangling at the cut is
// trimmed. A single word longer than max is cut inside the word.
func Truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max < 1 {
		return ""
	}
	// Keep max-1 characters, leaving room for the ellipsis.
	cut := 0
	for n := 0; n < max-1; n++ {
		_, size := utf8.DecodeRuneInString(s[cut:])
		cut += size
	}
	head := s[:cut]
	// Back off to the last space unless the next character is one already.
	if r, _ := utf8.DecodeRuneInString(s[cut:]); !unicode.IsSpace(r) {
		if sp := strings.LastIndexFunc(head, unicode.IsSpace); sp > 0 {
			head = head[:sp]
		}
	}
	head = strings.TrimRightFunc(head, func(r rune) bool {
		return unicode.IsSpace(r) || (unicode.IsPunct(r) && !strings.ContainsRune(closers+"!?", r))
	})
	return head + ellipsis
}

// TrimTitle removes punctuation a title should not end with: a sentence's
// final period, commas, colons. Question and exclamation marks, closing
// quotes, and the period of a dotted acronym ("U.S.") stay.
func TrimTitle(s string) string {
	s = strings.TrimSpace(s)
	for s != "" {
		r, size := utf8.DecodeLastRuneInString(s)
		switch r {
		case ',', ';', ':', '-', '–', '—':
		case '.':
			word := s[strings.LastIndexByte(s, ' ')+1 : len(s)-size]
			if strings.Contains(word, ".") && dotted(word) {
				return s
			}
			if strings.HasSuffix(s, "...") {
				return s
			}
		default:
			return s
		}
		s = strings.TrimSpace(s[:len(s)-size])
	}
	return s
}

// atMostRunes reports whether s has at most max runes, as
// utf8.RuneCountInString(s) <= max would, counting no further than it
// must: a lead paragraph is often longer than a summary, and is known to
// be so once max+1 runes are counted.
func atMostRunes(s string, max int) bool {
	if len(s) <= max {
		return true
	}
	n := 0
	for i := 0; i < len(s); n++ {
		if n == max {
			return false
		}
		if s[i] < utf8.RuneSelf {
			i++
		} else {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
	}
	return true
}

// DeriveTitle makes a title from a lead paragraph: its first sentence, cut
// to TitleMax characters at a word boundary, trailing punctuation trimmed.
func DeriveTitle(lead string) string {
	return Truncate(TrimTitle(FirstSentence(lead)), TitleMax)
}

// Summarize makes a plain-text summary of at most max characters from text:
// as many whole sentences as fit, or, when even the first does not fit, the
// first sentence cut at a word boundary.
func Summarize(text string, max int) string {
	text = CollapseSpace(text)
	if atMostRunes(text, max) {
		return text
	}
	// Sentences follow one another with one space between them
	// (nextSentence), so the sentences that fit, joined by a space, are
	// the text up to the end of the last of them, copied in one piece
	// so that the summary does not keep the whole text alive.
	cut, n := 0, 0
	for start := 0; start < len(text); {
		end, next := nextSentence(text, start)
		c := utf8.RuneCountInString(text[start:end])
		if cut > 0 {
			c++
		}
		if n+c > max {
			break
		}
		cut, n = end, n+c
		start = next
	}
	if cut == 0 {
		return Truncate(text, max)
	}
	return strings.Clone(text[:cut])
}
