package feed

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSentences(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"plain", "One thing. Two things! Three?", []string{"One thing.", "Two things!", "Three?"}},
		{"dotted acronym", "U.S. and Russian officials met. They talked.", []string{"U.S. and Russian officials met.", "They talked."}},
		{"acronym mid sentence", "Talks at the U.S. Embassy ended. Next.", []string{"Talks at the U.S. Embassy ended.", "Next."}},
		{"title abbreviation", "Mr. Smith and Dr. Jones spoke. Then left.", []string{"Mr. Smith and Dr. Jones spoke.", "Then left."}},
		{"initials", "J. K. Rowling wrote it. It sold.", []string{"J. K. Rowling wrote it.", "It sold."}},
		{"lower case after period", "It cost approx. ten dollars. Fine.", []string{"It cost approx. ten dollars.", "Fine."}},
		{"e.g.", "Fruit, e.g. apples, grew. Good.", []string{"Fruit, e.g. apples, grew.", "Good."}},
		{"closing quote", `He said "stop." Then left.`, []string{`He said "stop."`, "Then left."}},
		{"curly quote", "She said “certain hopes.” Talks go on.", []string{"She said “certain hopes.”", "Talks go on."}},
		{"decimal", "It grew 14.2 percent. Wow.", []string{"It grew 14.2 percent.", "Wow."}},
		{"number then capital", "Founded in 1987. Still here.", []string{"Founded in 1987.", "Still here."}},
		{"no final punctuation", "No period here", []string{"No period here"}},
		{"ellipsis", "Wait... What now?", []string{"Wait...", "What now?"}},
		{"collapses space", "  A  b.\n\nC  d. ", []string{"A b.", "C d."}},
		{"empty", "", nil},
		{"company", "Acme Inc. Said it would grow. Ok.", []string{"Acme Inc. Said it would grow.", "Ok."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Sentences(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDeriveTitle(t *testing.T) {
	t.Parallel()
	long := "U.S. and Russian officials met for six hours in Istanbul on Thursday to address diplomatic issues, marking an early test of efforts to mend strained relations. Next sentence."
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"short sentence loses its period", "The bridge will close. More text.", "The bridge will close"},
		{"question kept", "Is the bridge safe? Engineers say yes.", "Is the bridge safe?"},
		{"long sentence cut at a word", long, "U.S. and Russian officials met for six hours in Istanbul on Thursday to address diplomatic issues, marking an…"},
		{"acronym at the end kept", "Talks moved to the U.S.", "Talks moved to the U.S."},
		{"comma trimmed at cut", strings.Repeat("word ", 20) + "tail, " + strings.Repeat("more ", 20), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := DeriveTitle(tt.in)
			if n := utf8.RuneCountInString(got); n > TitleMax {
				t.Errorf("DeriveTitle gave %d characters, want at most %d: %q", n, TitleMax, got)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("DeriveTitle(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			if strings.HasSuffix(got, ",…") || strings.HasSuffix(got, " …") {
				t.Errorf("DeriveTitle left punctuation or space before the ellipsis: %q", got)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly ten", 11, "exactly ten"},
		{"one two three four", 10, "one two…"},
		{"one two, three four", 10, "one two…"},
		{"averyveryverylongword", 8, "averyve…"},
		{"héllo wörld ünïcode", 13, "héllo wörld…"},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		got := Truncate(tt.in, tt.max)
		if got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		if utf8.RuneCountInString(got) > max(tt.max, 0) {
			t.Errorf("Truncate(%q, %d) = %q is too long", tt.in, tt.max, got)
		}
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	s1 := strings.Repeat("a", 200) + "."
	s2 := "Second sentence here."
	s3 := "B" + strings.Repeat("b", 120) + "."
	if got, want := Summarize(s1+" "+s2+" "+s3, SummaryMax), s1+" "+s2; got != want {
		t.Errorf("Summarize kept %q, want the two sentences that fit", got)
	}
	long := strings.Repeat("word ", 100)
	got := Summarize(long, SummaryMax)
	if utf8.RuneCountInString(got) > SummaryMax || !strings.HasSuffix(got, "…") {
		t.Errorf("Summarize of one long sentence = %q (%d chars)", got, utf8.RuneCountInString(got))
	}
	if got := Summarize("Short.", SummaryMax); got != "Short." {
		t.Errorf("Summarize(short) = %q", got)
	}
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"control characters dropped", "a\x0bb\x00c\x1fd", "abcd"},
		{"tab and newlines kept", "a\tb\nc\rd", "a\tb\nc\rd"},
		{"C1 controls dropped", "a\u0085b\u0093c", "abc"},
		{"noncharacters dropped", "a\uFFFEb\uFFFFc\uFDD0d", "abcd"},
		{"invalid UTF-8 dropped", "a\xffb\xc3", "ab"},
		{"replacement character kept", "a\uFFFDb", "a\uFFFDb"},
		{"NFC", "e\u0301", "\u00e9"},
		{"astral kept", "a😀b", "a😀b"},
	}
	for _, tt := range tests {
		if got := CleanText(tt.in); got != tt.want {
			t.Errorf("%s: CleanText(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
		if got := CleanText(CleanText(tt.in)); got != tt.want {
			t.Errorf("%s: CleanText is not idempotent: %q", tt.name, got)
		}
	}
}

func TestParagraphsHTML(t *testing.T) {
	t.Parallel()
	got := ParagraphsHTML([]string{"a < b & c", "", "  \"q\"  ", "<script>x</script>"})
	want := "<p>a &lt; b &amp; c</p>\n<p>&#34;q&#34;</p>\n<p>&lt;script&gt;x&lt;/script&gt;</p>"
	if got != want {
		t.Errorf("ParagraphsHTML\n got %q\nwant %q", got, want)
	}
}

// summarizeBySentences is Summarize written over the whole Sentences
// split, as the early-stopping one must behave.
func summarizeBySentences(text string, max int) string {
	text = CollapseSpace(text)
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	var kept []string
	n := 0
	for _, s := range Sentences(text) {
		c := utf8.RuneCountInString(s)
		if len(kept) > 0 {
			c++
		}
		if n+c > max {
			break
		}
		kept = append(kept, s)
		n += c
	}
	if len(kept) == 0 {
		return Truncate(text, max)
	}
	return strings.Join(kept, " ")
}

// nextSentenceRunes is nextSentence as first written, decoding every
// rune: nextSentence, which looks for final punctuation byte by byte,
// must agree with it.
func nextSentenceRunes(s string, start int) (end, next int) {
	for i := start; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r != '.' && r != '!' && r != '?' && r != '…' {
			continue
		}
		end := i
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

// checkNextSentence compares nextSentence with nextSentenceRunes from
// every byte of s.
func checkNextSentence(t *testing.T, s string) {
	t.Helper()
	for start := range len(s) + 1 {
		end, next := nextSentence(s, start)
		wantEnd, wantNext := nextSentenceRunes(s, start)
		if end != wantEnd || next != wantNext {
			t.Fatalf("nextSentence(%q, %d) = %d, %d; want %d, %d", s, start, end, next, wantEnd, wantNext)
		}
	}
}

func TestNextSentenceMatchesRunes(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"",
		"One. Two! Three? Four… Five",
		"Wait… What…? “Yes.” No",
		"\xe2\x80 broken\xe2. Then \xe2\x80\xa6 A",
		"Café — ends…’ Next",
		"Mr. Smith. Dr. J. Doe said. 3. items",
	} {
		checkNextSentence(t, s)
	}
}

// FuzzFirstSentence checks that FirstSentence and Summarize, which stop
// splitting early, agree with the whole split of Sentences.
func FuzzFirstSentence(f *testing.F) {
	f.Add("Mr. Smith went to Washington. He said: \u201cNo.\u201d Then he left!", 40)
	f.Add("The U.S. economy grew. Prices rose 3.5 per cent in Jan. and Feb. alone... Really?! Yes.", 30)
	f.Add("  one   sentence without an end  ", 10)
	f.Add("", 5)
	f.Fuzz(func(t *testing.T, s string, max int) {
		checkNextSentence(t, s)
		max = max%400 + 1
		if max < 1 {
			max += 400
		}
		want := ""
		if ss := Sentences(s); len(ss) > 0 {
			want = ss[0]
		}
		if got := FirstSentence(s); got != want {
			t.Errorf("FirstSentence(%q) = %q, want %q", s, got, want)
		}
		if got, want := Summarize(s, max), summarizeBySentences(s, max); got != want {
			t.Errorf("Summarize(%q, %d) = %q, want %q", s, max, got, want)
		}
	})
}

func TestSlugASCII(t *testing.T) {
	t.Parallel()
	// Slug's short way for lower case letters and digits gives what the
	// whole transformation gives.
	for _, s := range []string{"", "a", "000123", "abc-def", "Abc", "a b", "z9", "\u00e9", "-", "0"} {
		if got, want := Slug(s), slugOf(s); got != want {
			t.Errorf("Slug(%q) = %q, want %q", s, got, want)
		}
	}
}

func TestAtMostRunes(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "abc", "\u00e9\u00e9\u00e9", "ab\xffc", "\xe2\x80", strings.Repeat("\u2019", 10), "a\u00e9b\u2026c"} {
		for max := range 12 {
			if got, want := atMostRunes(s, max), utf8.RuneCountInString(s) <= max; got != want {
				t.Errorf("atMostRunes(%q, %d) = %v, want %v", s, max, got, want)
			}
		}
	}
}
