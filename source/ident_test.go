package source

import (
	"strings"
	"testing"

	"github.com/feedpub/feedpub/feed"
)

func TestSlugify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Harbour Bridge", "harbour-bridge"},
		{"accents dropped", "Été à Noël", "ete-a-noel"},
		{"letters without decomposition", "Straße Łódź Færøy", "strasse-lodz-faeroy"},
		{"compatibility forms", "ＦＵＬＬ ﬁle ²", "full-file-2"},
		{"apostrophe splits", "Trump’s plan", "trump-s-plan"},
		{"runs and ends trimmed", "--a  __ b--", "a-b"},
		{"digits kept", "000_64be57c9", "000-64be57c9"},
		{"no usable letters", "Привет, мир", "item"},
		{"empty", "", "item"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := feed.Slug(tt.in); got != tt.want {
				t.Errorf("feed.Slug(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if got, want := slugPath("News/Été 2026/Big Story"), "news/ete-2026/big-story"; got != want {
		t.Errorf("slugPath = %q, want %q", got, want)
	}
}

func TestTruncateSlug(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"short enough", "a-b-c", 5, "a-b-c"},
		{"cut at a dash", "abc-def-ghi", 8, "abc-def"},
		{"cut just before a dash", "abc-def-ghi", 7, "abc-def"},
		{"cut inside a word backs off", "abc-defgh", 6, "abc"},
		{"one long word is cut inside", "abcdefghij", 4, "abcd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := truncateSlug(tt.in, tt.n); got != tt.want {
				t.Errorf("truncateSlug(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}

func TestHeadlineKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, a, b string
	}{
		{"case", "Rail Workers Vote", "rail workers vote"},
		{"curly and straight quotes", "Mayor’s “Plan” Fails", `mayor's "plan" fails`},
		{"low and reversed quotes", "‚a‛ „b‟", `'a' "b"`},
		{"primes", "6′ tall, 5″ wide", `6' tall, 5" wide`},
		{"dashes", "Rwanda–Congo — Deal ‐ ‑ ‒ ―", "rwanda-congo - deal - - - -"},
		{"white space", "  Two\u00a0 spaces\tand tab ", "two spaces and tab"},
		{"compatibility forms", "ﬁnal ＳＣＯＲＥ", "final score"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ka, kb := headlineKey(tt.a), headlineKey(tt.b)
			if ka != kb {
				t.Errorf("headlineKey(%q) = %q, headlineKey(%q) = %q, want equal", tt.a, ka, tt.b, kb)
			}
		})
	}
}

func TestHeadlineSlug(t *testing.T) {
	t.Parallel()
	long := headlineKey(strings.Repeat("wordy ", 40))
	tests := []struct {
		name, key, wantPrefix string
	}{
		{"readable", "rail workers vote", "headlines/rail-workers-vote-"},
		{"long key cut at a word", long, "headlines/" + strings.TrimSuffix(strings.Repeat("wordy-", 13), "-") + "-"},
		{"no Latin letters", "привет", "headlines/item-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := headlineSlug(tt.key)
			if !strings.HasPrefix(got, tt.wantPrefix) || len(got) != len(tt.wantPrefix)+8 {
				t.Errorf("headlineSlug(%q) = %q, want %q followed by 8 hex digits", tt.key, got, tt.wantPrefix)
			}
		})
	}
	if headlineSlug("привет") == headlineSlug("мир") {
		t.Error("headlines without Latin letters share a slug")
	}
}
