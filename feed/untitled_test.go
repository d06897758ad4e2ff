package feed

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestRenderUntitled checks that an item whose source gave no title has
// none in RSS and JSON Feed, which allow that, and a title derived from
// its text in Atom, which requires one; and that each document reads
// back as rendered.
func TestRenderUntitled(t *testing.T) {
	t.Parallel()
	d := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	it, err := Normalize(Item{
		ID: "tag:social.example.com,2026:toot/1", Link: "https://social.example.com/@ann/1",
		ContentHTML: "<p>Just saw the harbour lights come on. Beautiful evening.</p>", Published: d, Updated: d,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !it.Untitled || it.Title == "" {
		t.Fatalf("Normalize: untitled %v, title %q; want a derived title on an untitled item", it.Untitled, it.Title)
	}
	titled, err := Normalize(Item{ID: "tag:social.example.com,2026:post/2", Title: "A post", Summary: "Text.", Published: d, Updated: d}, nil)
	if err != nil {
		t.Fatal(err)
	}
	items := []Item{it, titled}
	for _, format := range Formats {
		var buf bytes.Buffer
		if err := Render(&buf, format, testMeta(), items); err != nil {
			t.Fatal(err)
		}
		report := ValidateFormat(format, buf.Bytes())
		if err := report.Err(); err != nil {
			t.Errorf("%s: %v", format, err)
		}
		if err := report.Match(items); err != nil {
			t.Errorf("%s: %v", format, err)
		}
		wantTitle := ""
		if format == Atom {
			wantTitle = it.Title
		}
		if got := report.Items[0].Title; got != wantTitle {
			t.Errorf("%s: untitled item reads back titled %q, want %q", format, got, wantTitle)
		}
		if got := report.Items[1].Title; got != "A post" {
			t.Errorf("%s: titled item reads back %q", format, got)
		}
		if format == RSS && strings.Count(buf.String(), "<title>") != 2 { // the channel's and the titled item's
			t.Errorf("rss has %d <title> elements, want 2", strings.Count(buf.String(), "<title>"))
		}
	}
}
