package feed

import (
	"cmp"
	"container/heap"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/feedpub/feedpub/internal/keyset"
	"github.com/feedpub/feedpub/internal/weburl"
	"golang.org/x/net/html"
)

// ErrNoItems is returned when a feed would be rendered or published with no
// items at all.
var ErrNoItems = errors.New("feed has no items")

// NormalizeID returns id as Normalize writes it: a build compares the ids
// a source names with those it published in this form.
func NormalizeID(id string) string {
	// An empty fragment says nothing, and readers that parse ids as
	// URLs drop it: leave it out so that they read the id as written.
	id = strings.TrimSuffix(weburl.EscapeIRI(strings.TrimSpace(CleanText(id))), "#")
	// Schemes are case-insensitive and readers compare ids as strings
	// after lower-casing them: write the canonical form.
	if scheme, _, ok := strings.Cut(id, ":"); ok && strings.ToLower(scheme) != scheme {
		id = strings.ToLower(scheme) + id[len(scheme):]
	}
	return id
}

// Normalize returns it cleaned for publication: text in NFC with characters
// XML 1.0 does not allow removed, titles on one line, a plain-text summary of
// at most SummaryMax characters (derived from the content's lead when
// missing), relative links resolved against base, categories deduplicated,
// and dates in UTC at whole seconds. It fails when the item has no id, no
// title or text to derive one from, or a link that cannot be made absolute.
func Normalize(it Item, base *url.URL) (Item, error) {
	out := Item{
		ID:          NormalizeID(it.ID),
		Title:       CollapseSpace(CleanText(it.Title)),
		Untitled:    it.Untitled,
		Summary:     CollapseSpace(CleanText(it.Summary)),
		ContentHTML: strings.TrimSpace(cleanContent(it)),
		Source:      it.Source,
		Partial:     it.Partial,
		Ref:         it.Ref,
		Pos:         it.Pos,
		Bundle:      it.Bundle,
		Published:   wholeSecondUTC(it.Published),
		Updated:     wholeSecondUTC(it.Updated),
	}
	if out.ID == "" {
		return Item{}, fmt.Errorf("item %q: no id", out.Title)
	}
	if !weburl.IsIRI(out.ID) {
		return Item{}, fmt.Errorf("item %s: id is not an absolute URI", out.ID)
	}
	// The lead is parsed out of the HTML only when it is needed: most
	// sources give a summary and a title.
	if out.Summary == "" && out.ContentHTML != "" {
		out.Summary = LeadText(out.ContentHTML)
	}
	out.Summary = Summarize(out.Summary, SummaryMax)
	if out.Title == "" {
		// An empty summary here means the content has no text either.
		out.Title = DeriveTitle(out.Summary)
		out.Untitled = true
	}
	if out.Title == "" {
		return Item{}, fmt.Errorf("item %s: no title and no text to derive one from", out.ID)
	}
	link, err := weburl.Link(strings.TrimSpace(CleanText(it.Link)), base)
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
			if p.URL, err = weburl.Link(p.URL, base); err != nil {
				p.URL = ""
			}
		}
		// RSS and Atom take only an address here; anything else a
		// source passed on is dropped, keeping the name.
		if p.Email != "" && !EmailAddress(p.Email) {
			p.Email = ""
		}
		if !p.IsZero() && !slices.Contains(out.Authors, p) {
			out.Authors = append(out.Authors, p)
		}
	}
	for _, e := range it.Enclosures {
		u, err := weburl.Link(strings.TrimSpace(CleanText(e.URL)), base)
		if err != nil || u == "" {
			return Item{}, fmt.Errorf("item %s: enclosure: %v", out.ID, cmp.Or(err, errors.New("no URL")))
		}
		out.Enclosures = append(out.Enclosures, Enclosure{URL: u, Length: max(e.Length, 0), Type: strings.TrimSpace(CleanText(e.Type))})
	}
	if o := it.Origin; o != nil {
		origin := &Origin{ID: strings.TrimSpace(CleanText(o.ID)), Title: CollapseSpace(CleanText(o.Title))}
		origin.Link, _ = weburl.Link(strings.TrimSpace(CleanText(o.Link)), nil)
		origin.FeedURL = strings.TrimSpace(CleanText(o.FeedURL))
		out.Origin = origin
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

// cleanContent returns CleanText(it.ContentHTML), which is the content
// as it is when the source says so.
func cleanContent(it Item) string {
	if it.ContentClean {
		return it.ContentHTML
	}
	return CleanText(it.ContentHTML)
}

// EmailAddress reports whether s is a bare email address (addr-spec), as
// RSS author elements and Atom email elements require.
func EmailAddress(s string) bool {
	if s == "" || strings.ContainsAny(s, " <>\"(),;\t\r\n") || !strings.Contains(s, "@") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func wholeSecondUTC(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Second)
}

// LeadText returns the plain text of the first block of an HTML fragment
// that has any text, passing over headings when a paragraph follows: its
// lead paragraph.
func LeadText(fragment string) string {
	lead, heading := "", ""
	textBlocks(fragment, func(block string, isHeading bool) bool {
		if isHeading {
			heading = cmp.Or(heading, block)
			return true
		}
		lead = block
		return false
	})
	return cmp.Or(lead, heading)
}

// PlainText returns the text of an HTML fragment, one line per block.
func PlainText(fragment string) string {
	var blocks []string
	textBlocks(fragment, func(block string, _ bool) bool {
		blocks = append(blocks, block)
		return true
	})
	return strings.Join(blocks, "\n")
}

// textBlocks calls fn with the collapsed text of each block of an HTML
// fragment that has any, and whether the block is a heading, in order,
// until fn returns false.
func textBlocks(fragment string, fn func(text string, heading bool) bool) {
	z := html.NewTokenizer(strings.NewReader(fragment))
	var b strings.Builder
	heading := false
	flush := func() bool {
		s := CollapseSpace(b.String())
		b.Reset()
		h := heading
		heading = false
		return s == "" || fn(s, h)
	}
	for {
		switch z.Next() {
		case html.ErrorToken:
			flush()
			return
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			if blockElement[string(name)] {
				if !flush() {
					return
				}
				if tok := string(name); len(tok) == 2 && tok[0] == 'h' && tok[1] >= '1' && tok[1] <= '6' {
					heading = true
				}
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
		// io.Writer promises not to modify what it is given, so the
		// string's bytes are handed over without a copy.
		h.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
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
	for _, e := range it.Enclosures {
		field("e")
		field(e.URL)
		field(strconv.FormatInt(e.Length, 10))
		field(e.Type)
	}
	if o := it.Origin; o != nil {
		field("o")
		field(o.ID)
		field(o.Title)
		field(o.Link)
		field(o.FeedURL)
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

// Selection chooses the items a feed publishes, offered one at a time: one
// per id and, across sources, one per canonical link (the first one given
// wins, so sources listed first take precedence), newest first, at most
// limit of them (no limit when limit <= 0). Items with equal dates keep the
// order they were given in, which sources make deterministic (files in name
// order, an article before the headlines listed under it), so equal dates
// still give one fixed order.
//
// It keeps only the newest limit items offered, so a feed over an archive
// of any size needs memory for its own items alone (and for the ids and
// links seen).
type Selection struct {
	limit int
	// seen remembers every id offered, by hash: a few words an item,
	// whatever the archive's size. links maps every canonical link to the
	// first item offered with it, whose id a duplicate is reported with.
	seen  keyset.Set
	links *keyset.Map[linkOwner]
	// unique is set when no id can be offered twice (NewUniqueSelection):
	// seen is then not kept.
	unique bool
	heap   selHeap
	seq    int
}

// linkOwner is the first item offered with a canonical link.
type linkOwner struct{ source, id string }

// NewSelection returns an empty Selection of at most limit items (no limit
// when limit <= 0).
func NewSelection(limit int) *Selection { return NewSelectionOf(limit, 2) }

// NewSelectionOf is NewSelection for items of the given number of sources.
// With one source no item can be a duplicate by link, so links are not
// remembered at all: a feed of one source over an archive needs no memory
// for them.
func NewSelectionOf(limit, sources int) *Selection {
	s := &Selection{limit: limit, seen: keyset.NewSet()}
	if sources > 1 {
		s.links = keyset.NewMap[linkOwner]()
	}
	return s
}

// NewUniqueSelection is NewSelection for the items of one source that
// never offers two items with one id (a UniqueScan's Stream). It keeps
// no record of ids or links, so that a feed over an archive of any size
// needs memory for its own items alone.
func NewUniqueSelection(limit int) *Selection { return &Selection{limit: limit, unique: true} }

// Offer considers it for the selection and reports whether it was kept for
// now; an item that Consider finds a duplicate is refused.
func (s *Selection) Offer(it Item) bool {
	kept, _ := s.Consider(it)
	return kept
}

// Consider is Offer that also says why an item was refused: duplicateOf is
// the id of the item it duplicates, "" when it was not a duplicate (it was
// kept, or was older than every item kept). An item is a duplicate when
// its id was offered before, or when an item of another source was offered
// before with the same canonical link: two sources that carry the same
// story publish it once. Items of one source are never duplicates by link,
// since each has an identity of its own (several posts can link one page).
func (s *Selection) Consider(it Item) (kept bool, duplicateOf string) {
	if !s.unique && s.seen.Has(it.ID) {
		return false, it.ID
	}
	if link := s.linkOf(it); link != "" {
		if owner, ok := s.links.Get(link); ok && owner.source != it.Source {
			return false, owner.id
		} else if !ok {
			s.links.Put(link, linkOwner{source: it.Source, id: it.ID})
		}
	}
	if !s.unique {
		s.seen.Add(it.ID)
	}
	s.seq++
	e := selEntry{it: it, seq: s.seq}
	if s.limit <= 0 || len(s.heap) < s.limit {
		heap.Push(&s.heap, e)
		return true, ""
	}
	if !s.heap.worse(s.heap[0], e) {
		return false, "" // older than everything kept
	}
	s.heap[0] = e
	heap.Fix(&s.heap, 0)
	return true, ""
}

// linkOf returns the canonical link under which the selection remembers
// it; "" when it remembers no links.
func (s *Selection) linkOf(it Item) string {
	if s.links == nil {
		return ""
	}
	return weburl.Canonical(it.Link)
}

// Len is the number of items kept.
func (s *Selection) Len() int { return len(s.heap) }

// Items returns the kept items, newest first, equal dates in the order they
// were offered.
func (s *Selection) Items() []Item {
	entries := slices.Clone(s.heap)
	slices.SortFunc(entries, func(a, b selEntry) int {
		if c := Newest(a.it, b.it); c != 0 {
			return c
		}
		return a.seq - b.seq
	})
	out := make([]Item, len(entries))
	for i, e := range entries {
		out[i] = e.it
	}
	return out
}

type selEntry struct {
	it  Item
	seq int
}

// selHeap is a min-heap with the item to drop first at the top: the
// oldest, and among equals the one offered last.
type selHeap []selEntry

func (h selHeap) worse(a, b selEntry) bool {
	if c := Newest(a.it, b.it); c != 0 {
		return c > 0
	}
	return a.seq > b.seq
}

func (h selHeap) Len() int           { return len(h) }
func (h selHeap) Less(i, j int) bool { return h.worse(h[i], h[j]) }
func (h selHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *selHeap) Push(x any)        { *h = append(*h, x.(selEntry)) }
func (h *selHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// LastUpdated returns the newest date among items' published and updated
// dates: the date of the feed as a whole.
func LastUpdated(items []Item) time.Time {
	published, updated := newest(items)
	return Latest(updated, published)
}

// newest returns the latest published and the latest updated date among
// items.
func newest(items []Item) (published, updated time.Time) {
	for _, it := range items {
		published = Latest(published, it.Published)
		updated = Latest(updated, it.Updated)
	}
	return published, updated
}

// Latest returns the latest of ts, the first of equal instants; the zero
// time when there is none. It is the one statement of "newest date".
func Latest(ts ...time.Time) time.Time {
	var t time.Time
	for _, u := range ts {
		if u.After(t) {
			t = u
		}
	}
	return t
}
