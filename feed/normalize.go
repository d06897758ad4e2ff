package feed

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// ErrNoItems is returned when a feed would be rendered or published with no
// items at all.
var ErrNoItems = errors.New("feed has no items")

// Normalize returns it cleaned for publication: text in NFC with characters
// XML 1.0 does not allow removed, titles on one line, a plain-text summary of
// at most SummaryMax characters (derived from the content's lead when
// missing), relative links resolved against base, categories deduplicated,
// and dates in UTC at whole seconds. It fails when the item has no id, no
// title or text to derive one from, or a link that cannot be made absolute.
func Normalize(it Item, base *url.URL) (Item, error) {
	out := Item{
		ID:          strings.TrimSpace(CleanText(it.ID)),
		Title:       CollapseSpace(CleanText(it.Title)),
		Summary:     CollapseSpace(CleanText(it.Summary)),
		ContentHTML: strings.TrimSpace(CleanText(it.ContentHTML)),
		Source:      it.Source,
		Published:   wholeSecondUTC(it.Published),
		Updated:     wholeSecondUTC(it.Updated),
	}
	if out.ID == "" {
		return Item{}, fmt.Errorf("item %q: no id", out.Title)
	}
	if u, err := url.Parse(out.ID); err != nil || u.Scheme == "" {
		return Item{}, fmt.Errorf("item %s: id is not an absolute URI", out.ID)
	}
	lead := ""
	if out.ContentHTML != "" {
		lead = LeadText(out.ContentHTML)
	}
	if out.Summary == "" {
		out.Summary = lead
	}
	out.Summary = Summarize(out.Summary, SummaryMax)
	if out.Title == "" {
		out.Title = DeriveTitle(cmp.Or(out.Summary, lead))
	}
	if out.Title == "" {
		return Item{}, fmt.Errorf("item %s: no title and no text to derive one from", out.ID)
	}
	link, err := absoluteURL(strings.TrimSpace(CleanText(it.Link)), base)
	if err != nil {
		return Item{}, fmt.Errorf("item %s: link: %w", out.ID, err)
	}
	out.Link = link
	for _, p := range it.Authors {
		p = Person{
			Name:  CollapseSpace(CleanText(p.Name)),
			Email: strings.TrimSpace(CleanText(p.Email)),
			URL:   strings.TrimSpace(CleanText(p.URL)),
		}
		if p.URL != "" {
			if p.URL, err = absoluteURL(p.URL, base); err != nil {
				p.URL = ""
			}
		}
		if !p.IsZero() && !slices.Contains(out.Authors, p) {
			out.Authors = append(out.Authors, p)
		}
	}
	seen := make(map[string]bool, len(it.Categories))
	for _, c := range it.Categories {
		c = CollapseSpace(CleanText(c))
		key := strings.ToLower(c)
		if c == "" || seen[key] {
			continue
		}
		seen[key] = true
		out.Categories = append(out.Categories, c)
	}
	return out, nil
}

func wholeSecondUTC(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Second)
}

// absoluteURL resolves ref against base and insists on an http(s) result.
// An empty ref stays empty.
func absoluteURL(ref string, base *url.URL) (string, error) {
	if ref == "" {
		return "", nil
	}
	u, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	if !u.IsAbs() {
		if base == nil {
			return "", fmt.Errorf("%q is relative and there is no base URL", ref)
		}
		u = base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL", ref)
	}
	return u.String(), nil
}

// LeadText returns the plain text of the first block of an HTML fragment
// that has any text: its lead paragraph.
func LeadText(fragment string) string {
	z := html.NewTokenizer(strings.NewReader(fragment))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return CollapseSpace(b.String())
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			if blockElement[string(name)] {
				if s := CollapseSpace(b.String()); s != "" {
					return s
				}
				b.Reset()
			} else if string(name) == "br" {
				b.WriteByte(' ')
			}
		}
	}
}

var blockElement = map[string]bool{
	"p": true, "div": true, "blockquote": true, "li": true, "ul": true, "ol": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"pre": true, "table": true, "tr": true, "figure": true, "figcaption": true,
	"section": true, "article": true, "header": true, "footer": true, "hr": true,
}

// Hash returns a digest of everything a reader sees of it except the dates
// the ledger assigns, so the ledger can tell when an item really changed.
// Dates the source gave explicitly are part of it.
func Hash(it Item) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(it.ID)
	field(it.Title)
	field(it.Link)
	field(it.Summary)
	field(it.ContentHTML)
	for _, p := range it.Authors {
		field("a")
		field(p.Name)
		field(p.Email)
		field(p.URL)
	}
	for _, c := range it.Categories {
		field("c")
		field(c)
	}
	for _, t := range []time.Time{it.Published, it.Updated} {
		if t.IsZero() {
			field("")
		} else {
			field(t.UTC().Format(time.RFC3339))
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Newest orders items newest first: by published date, then by updated
// date.
func Newest(a, b Item) int {
	if c := b.Published.Compare(a.Published); c != 0 {
		return c
	}
	return b.Updated.Compare(a.Updated)
}

// Select returns the items a feed publishes: one per id (the first one
// given wins), newest first, at most limit of them (no limit when limit <= 0).
// Items with equal dates keep the order they were given in, which sources
// make deterministic (files in name order, an article before the headlines
// listed under it), so equal dates still give one fixed order.
func Select(items []Item, limit int) []Item {
	seen := make(map[string]bool, len(items))
	out := make([]Item, 0, len(items))
	for _, it := range items {
		if seen[it.ID] {
			continue
		}
		seen[it.ID] = true
		out = append(out, it)
	}
	slices.SortStableFunc(out, Newest)
	if limit > 0 && len(out) > limit {
		out = out[:limit:limit]
	}
	return out
}

// LastUpdated returns the newest date among items' published and updated
// dates: the date of the feed as a whole.
func LastUpdated(items []Item) time.Time {
	var t time.Time
	for _, it := range items {
		if it.Updated.After(t) {
			t = it.Updated
		}
		if it.Published.After(t) {
			t = it.Published
		}
	}
	return t
}
