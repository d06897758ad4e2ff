package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"testing"
	"time"
)

// FuzzRoundTrip renders arbitrary item fields, normalised, in every format
// and reads them back: each document must pass a strict XML or JSON parse
// and the validator's spec rules, and re-parse to the same ids, titles and
// count.
func FuzzRoundTrip(f *testing.F) {
	f.Add("tag:x,2026:a", "Title & <b>", "https://example.com/a?x=1&y=2", "Summary ]]> \x0b", "<p>Body &amp; more</p>", "Ann <a@b.c>", "World", int64(1767225600))
	f.Add("urn:uuid:1", "", "", "", "<p>Only content. Here.</p>", "", "", int64(0))
	f.Add("https://e.com/x", "\u00e9\u0301 caf\u00e9 \U0001F600", "/relative", "", "]]>]]>", "", "a,b", int64(-1))
	base, _ := url.Parse("http://127.0.0.1:8080/")
	meta := Meta{
		ID: "tag:news.example.com,2026:feed:news", Title: "T", Link: "https://news.example.com/",
		SelfURL: map[Format]string{RSS: "http://127.0.0.1:8080/news.rss", Atom: "http://127.0.0.1:8080/news.atom", JSON: "http://127.0.0.1:8080/news.json"},
	}
	f.Fuzz(func(t *testing.T, id, title, link, summary, content, author, category string, unix int64) {
		date := time.Unix(unix%(1<<33), 0).UTC()
		if date.Year() < 1970 || date.Year() > 2200 {
			date = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		in := Item{
			ID: id, Title: title, Link: link, Summary: summary, ContentHTML: content,
			Authors: []Person{{Name: author}}, Categories: []string{category},
			Published: date, Updated: date,
		}
		it, err := Normalize(in, base)
		if err != nil {
			return // refused input is fine; publishing it is what must not happen
		}
		items := []Item{it}
		for _, format := range Formats {
			var buf bytes.Buffer
			if err := Render(&buf, format, meta, items); err != nil {
				t.Fatalf("%s: render: %v", format, err)
			}
			if format == JSON {
				if !json.Valid(buf.Bytes()) {
					t.Fatalf("json: invalid JSON:\n%s", buf.Bytes())
				}
			} else {
				dec := xml.NewDecoder(&buf)
				dec.Strict = true
				for {
					if _, err := dec.Token(); err != nil {
						if !errors.Is(err, io.EOF) {
							t.Fatalf("%s: strict XML: %v", format, err)
						}
						break
					}
				}
				buf.Reset()
				if err := Render(&buf, format, meta, items); err != nil {
					t.Fatal(err)
				}
			}
			report := ValidateFormat(format, buf.Bytes())
			if err := report.PublishErr(); err != nil {
				t.Fatalf("%s: %v\n%s", format, err, buf.Bytes())
			}
			if err := report.Match([]Item{cleanItem(it)}); err != nil {
				t.Fatalf("%s: %v\n%s", format, err, buf.Bytes())
			}
		}
	})
}

// TestIDsReadersRewrite publishes ids that gofeed reads back rewritten
// (characters beyond ASCII in every part of a URL, percent-encoded; an
// empty authority, dropped) while other readers take them as written: the
// document must pass either way, and carry each id exactly as it was first
// published, so that no reader ever sees it change.
func TestIDsReadersRewrite(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("http://127.0.0.1:8080/")
	meta := Meta{
		ID: "tag:news.example.com,2026:feed:news", Title: "T", Link: "https://news.example.com/",
		SelfURL: map[Format]string{RSS: "http://127.0.0.1:8080/news.rss", Atom: "http://127.0.0.1:8080/news.atom", JSON: "http://127.0.0.1:8080/news.json"},
	}
	for _, id := range []string{
		"a:#Ƒ", "https://e.example/Ƒ", "https://é.example/", "tag:x,2026:a#Ƒ",
		"https://e.example/?q=Ƒ", "urn:x:Ƒ", "https://de.example/artikel/über-uns#abschnitt-ä",
		"a://", "a://#x",
	} {
		it, err := Normalize(Item{ID: id, Title: "t", Published: time.Unix(0, 0)}, base)
		if err != nil {
			t.Fatalf("Normalize(%q): %v", id, err)
		}
		if it.ID != id {
			t.Errorf("Normalize changed id %q to %q", id, it.ID)
		}
		for _, format := range Formats {
			var buf bytes.Buffer
			if err := Render(&buf, format, meta, []Item{it}); err != nil {
				t.Fatal(err)
			}
			report := ValidateFormat(format, buf.Bytes())
			if err := report.PublishErr(); err != nil {
				t.Errorf("%s, id %q: %v", format, id, err)
			}
			if err := report.Match([]Item{cleanItem(it)}); err != nil {
				t.Errorf("%s, id %q: %v", format, id, err)
			}
			if !bytes.Contains(buf.Bytes(), []byte(id)) {
				t.Errorf("%s: id %q is not in the document as written", format, id)
			}
		}
		// Another id is still another id.
		var buf bytes.Buffer
		Render(&buf, Atom, meta, []Item{it})
		other := cleanItem(it)
		other.ID += "x"
		if ValidateFormat(Atom, buf.Bytes()).Match([]Item{other}) == nil {
			t.Errorf("id %q matched %q", id, other.ID)
		}
	}
}
