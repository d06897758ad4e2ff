package feed

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/weburl"
	gofeedatom "github.com/mmcdole/gofeed/atom"

	"github.com/mmcdole/gofeed"
)

// sameIRI reports whether an id read back is the id rendered, as far as
// readers can tell. gofeed resolves an Atom id as a URL reference and
// writes it back with net/url, which percent-encodes non-ASCII characters
// in a URL's host, path and fragment and drops an empty authority ("a://"
// becomes "a:"); other readers take the id as written. Each reader sees
// the same id on every fetch, so either form is the id read back.
func sameIRI(got, want string) bool {
	if got == want || weburl.EscapeNonASCII(got) == weburl.EscapeNonASCII(want) {
		return true
	}
	u, err := url.Parse(want)
	return err == nil && u.String() == got
}

// maxMismatches bounds how many differences Match names; the first few are
// what a reader of the error needs.
const maxMismatches = 5

// Match compares the re-parsed items with the items that were rendered, in
// order: the count, then each item's ID, Title, Link, Published and Updated
// (to the second, as instants, so zones and sub-second precision do not
// count). RSS 2.0 has no item update date, so for RSS Updated is compared
// only when the document carries one; for Atom, Updated is compared with
// the distinct dates Render writes there (DistinctUpdated). The error wraps
// ErrMismatch and names the first differences.
func (r *Report) Match(items []Item) error {
	if r.Format == Atom {
		items = DistinctUpdated(items) // as Render writes them
	}
	var diffs []string
	if len(r.Items) != len(items) {
		diffs = append(diffs, fmt.Sprintf("document has %d items, rendered %d", len(r.Items), len(items)))
	}
	for i := range min(len(r.Items), len(items)) {
		got, want := r.Items[i], items[i]
		subject := itemSubject("item", i+1, "id", want.ID)
		if !sameIRI(got.ID, want.ID) {
			diffs = append(diffs, fmt.Sprintf("%s: id reads back as %q", subject, clipValue(got.ID)))
		}
		wantTitle := want.Title
		if want.Untitled && r.Format != Atom {
			wantTitle = "" // only Atom carries the derived title
		}
		if got.Title != wantTitle {
			diffs = append(diffs, fmt.Sprintf("%s: title reads back as %q, rendered %q", subject, clipValue(got.Title), clipValue(wantTitle)))
		}
		if got.Link != want.Link {
			diffs = append(diffs, fmt.Sprintf("%s: link reads back as %q, rendered %q", subject, clipValue(got.Link), clipValue(want.Link)))
		}
		if !sameSecond(got.Published, want.Published) {
			diffs = append(diffs, fmt.Sprintf("%s: published reads back as %s, rendered %s", subject, showTime(got.Published), showTime(want.Published)))
		}
		if (r.Format != RSS || !got.Updated.IsZero()) && !sameSecond(got.Updated, want.Updated) {
			diffs = append(diffs, fmt.Sprintf("%s: updated reads back as %s, rendered %s", subject, showTime(got.Updated), showTime(want.Updated)))
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	if len(diffs) > maxMismatches {
		n := len(diffs) - maxMismatches
		diffs = append(diffs[:maxMismatches], fmt.Sprintf("%d more differences", n))
	}
	return fmt.Errorf("%w: %s: %s", ErrMismatch, r.Format, strings.Join(diffs, "; "))
}

// sameSecond reports whether a and b are the same instant, ignoring
// fractions of a second.
func sameSecond(a, b time.Time) bool {
	return a.Truncate(time.Second).Equal(b.Truncate(time.Second))
}

func showTime(t time.Time) string {
	if t.IsZero() {
		return "no date"
	}
	return t.UTC().Format(time.RFC3339)
}

// reparse reads the document with gofeed, as a feed reader would, and fills
// the report's items from it. count is what the strict pass counted, or -1.
func (v *validation) reparse(f Format, data []byte, count int) {
	parsed, err := parseWithGofeed(data)
	if err != nil {
		v.warnRule(ruleReparse, "gofeed, a widely used reader, cannot read the document: %v", err)
		return
	}
	if parsed.FeedType != string(f) {
		v.warnRule(ruleReparse, "gofeed reads the document as %s, not %s", parsed.FeedType, f)
		return
	}
	if count >= 0 && len(parsed.Items) != count {
		v.warnRule(ruleReparse, "gofeed reads %d items, the strict pass counted %d", len(parsed.Items), count)
	}
	// gofeed gives an Atom entry without <published> its updated date;
	// the entries themselves say what the document holds.
	var entries []*gofeedatom.Entry
	if af, ok := parsed.OriginalFeed().(*gofeedatom.Feed); ok {
		entries = af.Entries
	}
	for i, it := range parsed.Items {
		if it == nil {
			continue
		}
		p := ParsedItem{ID: it.GUID, Title: it.Title, Link: it.Link}
		if it.PublishedParsed != nil {
			p.Published = *it.PublishedParsed
		}
		if it.UpdatedParsed != nil {
			p.Updated = *it.UpdatedParsed
		}
		if i < len(entries) && entries[i] != nil {
			p.Published = time.Time{}
			if entries[i].PublishedParsed != nil {
				p.Published = *entries[i].PublishedParsed
			}
		}
		v.report.Items = append(v.report.Items, p)
	}
}

// parseWithGofeed runs gofeed, turning a panic inside it into an error: a
// validator must report on any input, not crash the build.
func parseWithGofeed(data []byte) (feed *gofeed.Feed, err error) {
	defer func() {
		if r := recover(); r != nil {
			feed, err = nil, fmt.Errorf("gofeed panicked: %v", r)
		}
	}()
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	return p.Parse(bytes.NewReader(data))
}
