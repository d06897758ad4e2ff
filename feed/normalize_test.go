package feed

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://127.0.0.1:8080/")
	zone := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		in   Item
		want Item
	}{
		{
			"control characters are dropped and titles collapsed",
			Item{ID: "tag:x,2026:a", Title: " a\x0b\n  b ", ContentHTML: "<p>x\x00y</p>"},
			Item{ID: "tag:x,2026:a", Title: "a b", Summary: "xy", ContentHTML: "<p>xy</p>"},
		},
		{
			"a link is a URL: query and host in ASCII",
			Item{ID: "tag:x,2026:a", Title: "T", Link: "https://bücher.example:8443/a?q=ü#f"},
			Item{ID: "tag:x,2026:a", Title: "T", Link: "https://xn--bcher-kva.example:8443/a?q=%C3%BC#f"},
		},
		{
			"summary comes from the lead paragraph",
			Item{ID: "tag:x,2026:a", Title: "T", ContentHTML: "<p>Lead &amp; more.</p>\n<p>Second.</p>"},
			Item{ID: "tag:x,2026:a", Title: "T", Summary: "Lead & more.", ContentHTML: "<p>Lead &amp; more.</p>\n<p>Second.</p>"},
		},
		{
			"summary passes over a heading",
			Item{ID: "tag:x,2026:a", Title: "T", ContentHTML: "<h2>Sub</h2><p>Lead.</p>"},
			Item{ID: "tag:x,2026:a", Title: "T", Summary: "Lead.", ContentHTML: "<h2>Sub</h2><p>Lead.</p>"},
		},
		{
			"title derived when missing",
			Item{ID: "tag:x,2026:a", ContentHTML: "<p>Mr. Lee won. He smiled.</p>"},
			Item{ID: "tag:x,2026:a", Title: "Mr. Lee won", Untitled: true, Summary: "Mr. Lee won. He smiled.", ContentHTML: "<p>Mr. Lee won. He smiled.</p>"},
		},
		{
			"relative link resolved, dates in UTC whole seconds",
			Item{ID: "tag:x,2026:a", Title: "T", Link: "items/a", Published: time.Date(2026, 1, 2, 3, 4, 5, 999, zone)},
			Item{ID: "tag:x,2026:a", Title: "T", Link: "http://127.0.0.1:8080/items/a", Published: time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)},
		},
		{
			"categories deduplicated regardless of case, authors cleaned",
			Item{ID: "tag:x,2026:a", Title: "T", Categories: []string{"World", " world ", "", "Tech"}, Authors: []Person{{Name: " Ann  Lee "}, {}, {Name: "Ann Lee"}}},
			Item{ID: "tag:x,2026:a", Title: "T", Categories: []string{"World", "Tech"}, Authors: []Person{{Name: "Ann Lee"}}},
		},
		{
			"an author email that is no address is dropped, the name kept",
			Item{ID: "tag:x,2026:a", Title: "T", Authors: []Person{{Name: "Up", Email: `"><svg onload=alert(1)>`}, {Name: "Ok", Email: "ok@example.com"}, {Email: "newsroom at example dot com"}}},
			Item{ID: "tag:x,2026:a", Title: "T", Authors: []Person{{Name: "Up"}, {Name: "Ok", Email: "ok@example.com"}}},
		},
		{
			"NFC",
			Item{ID: "tag:x,2026:a", Title: "Cafe\u0301"},
			Item{ID: "tag:x,2026:a", Title: "Caf\u00e9"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Normalize(tt.in, base)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Normalize\n got %#v\nwant %#v", got, tt.want)
			}
			again, err := Normalize(got, base)
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("Normalize is not idempotent: %#v, %v", again, err)
			}
		})
	}
}

// TestNormalizeContentClean checks that an item whose source marks its
// content clean normalises as it would unmarked, and that the mark is not
// passed on.
func TestNormalizeContentClean(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://example.com/")
	for _, content := range []string{
		"",
		"<p>Plain text.</p>",
		"  <p>Spaces around \u201cquotes\u201d \u2014 and dashes.</p>\n<p>Second &amp; last.</p>  ",
	} {
		it := Item{ID: "tag:example.com,2026:a", Title: "A", Link: "/a", ContentHTML: content}
		want, err := Normalize(it, base)
		if err != nil {
			t.Fatal(err)
		}
		it.ContentClean = true
		got, err := Normalize(it, base)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) || got.ContentClean {
			t.Errorf("Normalize of clean content %q:\n got %+v\nwant %+v", content, got, want)
		}
	}
}

func TestNormalizeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Item
		want string
	}{
		{"no id", Item{Title: "T"}, "no id"},
		{"relative id", Item{ID: "wire/a.txt", Title: "T"}, "absolute URI"},
		{"no title or text", Item{ID: "tag:x,2026:a"}, "no title"},
		{"relative link without base", Item{ID: "tag:x,2026:a", Title: "T", Link: "/a"}, "relative"},
		{"javascript link", Item{ID: "tag:x,2026:a", Title: "T", Link: "javascript:alert(1)"}, "not an http(s) URL"},
		// A port is not a host: a link needs a host name, as the
		// validator and the configuration insist too.
		{"link with a port and no host", Item{ID: "tag:x,2026:a", Title: "T", Link: "http://:8080/a"}, "not an http(s) URL"},
		{"link whose host is a quote", Item{ID: "tag:x,2026:a", Title: "T", Link: `http://"0/`}, "does not make a link"},
	}
	for _, tt := range tests {
		_, err := Normalize(tt.in, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Normalize error = %v, want it to mention %q", tt.name, err, tt.want)
		}
	}
}

func TestNormalizeLongSummary(t *testing.T) {
	t.Parallel()
	it, err := Normalize(Item{ID: "tag:x,2026:a", Title: "T", Summary: strings.Repeat("Word and word. ", 60)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(it.Summary); n > SummaryMax || !strings.HasSuffix(it.Summary, ".") {
		t.Errorf("summary of %d characters, not cut at a sentence: %q", n, it.Summary)
	}
}

func TestHash(t *testing.T) {
	t.Parallel()
	a := Item{ID: "tag:x,2026:a", Title: "T", ContentHTML: "<p>x</p>"}
	b := a
	b.ContentHTML = "<p>y</p>"
	c := a
	c.Published = time.Now() // ledger-assigned dates are not part of the hash when zero
	if Hash(a) == Hash(b) {
		t.Error("different content, same hash")
	}
	if a2 := a; Hash(a) != Hash(a2) {
		t.Error("hash is not deterministic")
	}
	if Hash(a) == Hash(c) {
		t.Error("an explicit date does not change the hash")
	}
	// Field boundaries matter: moving text between fields changes the hash.
	d := Item{ID: "tag:x,2026:a", Title: "Tx", Summary: ""}
	e := Item{ID: "tag:x,2026:a", Title: "T", Summary: "x"}
	if Hash(d) == Hash(e) {
		t.Error("hash ignores field boundaries")
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	items := []Item{
		{ID: "b", Published: d},
		{ID: "a", Published: d},
		{ID: "c", Published: d.Add(time.Hour)},
		{ID: "a", Published: d.Add(48 * time.Hour), Title: "duplicate"},
		{ID: "d", Published: d, Updated: d.Add(time.Minute)},
	}
	got := selectItems(items, 3)
	var ids []string
	for _, it := range got {
		ids = append(ids, it.ID)
	}
	if strings.Join(ids, ",") != "c,d,b" {
		t.Errorf("Select order = %v, want c,d,b (b before a: given first)", ids)
	}
	for _, it := range selectItems(items, 0) {
		if it.Title == "duplicate" {
			t.Error("Select kept the later duplicate")
		}
	}
	if n := len(selectItems(items, 0)); n != 4 {
		t.Errorf("Select without limit kept %d items, want 4", n)
	}
}

// selectItems offers items to a Selection and returns what it keeps.
func selectItems(items []Item, limit int) []Item {
	s := NewSelection(limit)
	for _, it := range items {
		s.Offer(it)
	}
	return s.Items()
}

// TestUniqueSelectionSelectsAsSelection checks that a selection that
// keeps no record of ids keeps what an ordinary one keeps, items in the
// same order, when no id comes twice: dates that tie, dates out of order,
// limits below, at and above the number of items.
func TestUniqueSelectionSelectsAsSelection(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 15))
	for round := range 50 {
		var items []Item
		for i := range rng.IntN(40) {
			day := time.Date(2026, 1, 1+rng.IntN(6), 0, 0, 0, 0, time.UTC)
			items = append(items, Item{ID: fmt.Sprintf("urn:x:%d", i), Published: day, Source: "wire"})
		}
		for _, limit := range []int{0, 1, 5, 40} {
			plain, unique := NewSelectionOf(limit, 1), NewUniqueSelection(limit)
			for _, it := range items {
				k1, d1 := plain.Consider(it)
				k2, d2 := unique.Consider(it)
				if k1 != k2 || d1 != d2 {
					t.Fatalf("round %d, limit %d, %s: Consider = %v, %q; unique %v, %q", round, limit, it.ID, k1, d1, k2, d2)
				}
			}
			var a, b []string
			for _, it := range plain.Items() {
				a = append(a, it.ID)
			}
			for _, it := range unique.Items() {
				b = append(b, it.ID)
			}
			if !slices.Equal(a, b) {
				t.Errorf("round %d, limit %d: unique selection kept %v, want %v", round, limit, b, a)
			}
		}
	}
}

func TestNewestDates(t *testing.T) {
	t.Parallel()
	day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
	tests := []struct {
		name                     string
		items                    []Item
		last, published, updated time.Time
	}{
		{"none", nil, time.Time{}, time.Time{}, time.Time{}},
		{"published only", []Item{{Published: day(2)}, {Published: day(5)}, {Published: day(3)}}, day(5), day(5), time.Time{}},
		{"an update is newer", []Item{{Published: day(2), Updated: day(9)}, {Published: day(5)}}, day(9), day(5), day(9)},
		{"a later item is newer than an update", []Item{{Published: day(2), Updated: day(4)}, {Published: day(7)}}, day(7), day(7), day(4)},
	}
	for _, tt := range tests {
		if got := LastUpdated(tt.items); !got.Equal(tt.last) {
			t.Errorf("%s: LastUpdated = %v, want %v", tt.name, got, tt.last)
		}
		if p, u := newest(tt.items); !p.Equal(tt.published) || !u.Equal(tt.updated) {
			t.Errorf("%s: newest = %v, %v; want %v, %v", tt.name, p, u, tt.published, tt.updated)
		}
	}
	// Equal instants: the first given wins, so a caller's zone is kept.
	paris := time.FixedZone("CET", 3600)
	if got := Latest(day(1).In(paris), day(1)); got.Location() != paris {
		t.Errorf("Latest of equal instants = %v, want the first", got)
	}
	if got := Latest(); !got.IsZero() {
		t.Errorf("Latest() = %v, want the zero time", got)
	}
}

func TestFormatTypes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		f                  Format
		media, contentType string
	}{
		{RSS, "application/rss+xml", "application/rss+xml; charset=utf-8"},
		{Atom, "application/atom+xml", "application/atom+xml; charset=utf-8"},
		{JSON, "application/feed+json", "application/feed+json; charset=utf-8"},
		{"xml", "application/octet-stream", "application/octet-stream"},
	} {
		if got := tt.f.MediaType(); got != tt.media {
			t.Errorf("%s: MediaType = %q, want %q", tt.f, got, tt.media)
		}
		if got := tt.f.ContentType(); got != tt.contentType {
			t.Errorf("%s: ContentType = %q, want %q", tt.f, got, tt.contentType)
		}
	}
	for ext, want := range map[string]string{".mp3": "audio/mpeg", ".JPG": "image/jpeg", ".opus": "audio/ogg", ".html": "", ".txt": "", "": ""} {
		if got := MediaTypeByExt(ext); got != want {
			t.Errorf("MediaTypeByExt(%q) = %q, want %q", ext, got, want)
		}
	}
}
