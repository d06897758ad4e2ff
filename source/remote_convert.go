package source

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	gofeedatom "github.com/mmcdole/gofeed/atom"
	gofeedjson "github.com/mmcdole/gofeed/json"
	gofeedrss "github.com/mmcdole/gofeed/rss"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/weburl"
)

// maxUpstreamID bounds the length of an upstream item id used as it is in
// an item ID; a longer one is replaced by its digest.
const maxUpstreamID = 512

// parse turns a feed document into items, in document order. now is the
// time of the fetch: later dates are moved back to it, or to the date an
// item of prev with the same ID was given, so that an item dated in the
// future keeps one date from fetch to fetch.
func (r *Remote) parse(res remoteResponse, feedURL *url.URL, now time.Time, prev []feed.Item) (items []feed.Item, err error) {
	defer func() {
		// The parser reads whatever a stranger's server sends; a bug in
		// it fails this fetch, not the build.
		if p := recover(); p != nil {
			items, err = nil, fmt.Errorf("parser failed: %v", p)
		}
	}()
	body := res.body
	kind, err := sniffDocument(body)
	if err != nil {
		return nil, err
	}
	log := r.logger()
	switch kind {
	case kindXML:
		var note string
		if body, note = decodeXML(body, res.contentType); note != "" {
			log.Warn("feed read leniently", "source", r.SourceName, "error", note)
		}
	case kindJSON:
		body, err = repairJSONFeed(body, func(item, field, problem string) {
			log.Warn("feed item field dropped", "source", r.SourceName, "item", item, "field", field, "error", problem)
		})
		if err != nil {
			return nil, err
		}
	}
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	f, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, fmt.Errorf("%w: %w", errNotAFeed, err)
		}
		return nil, err
	}
	return r.convert(f, feedURL, now, prev), nil
}

// convert adapts a parsed feed into items.
func (r *Remote) convert(f *gofeed.Feed, feedURL *url.URL, now time.Time, prev []feed.Item) []feed.Item {
	before := make(map[string]feed.Item, len(prev))
	for _, it := range prev {
		before[it.ID] = it
	}
	var (
		atomFeed, _ = f.OriginalFeed().(*gofeedatom.Feed)
		jsonFeed, _ = f.OriginalFeed().(*gofeedjson.Feed)
		rssFeed, _  = f.OriginalFeed().(*gofeedrss.Feed)
	)
	var fetchBase *url.URL
	if feedURL.Scheme == "http" || feedURL.Scheme == "https" {
		fetchBase = feedURL
	}
	siteLink := f.Link
	if siteLink == "" && atomFeed != nil {
		siteLink = atomAlternate(atomFeed.Links)
	}
	origin := feed.Origin{
		Title: textOfHTML(f.Title),
		Link:  remoteLink(siteLink, fetchBase),
	}
	if atomFeed != nil {
		origin.ID = strings.TrimSpace(feed.CleanText(atomFeed.ID))
	}
	if fetchBase != nil {
		origin.FeedURL = feedURL.String()
	} else {
		// A local file's path is nobody's business: credit the feed's own
		// address, if it gives one.
		origin.FeedURL = remoteLink(f.FeedLink, nil)
	}
	linkBase := fetchBase
	if origin.Link != "" {
		linkBase, _ = url.Parse(origin.Link)
	}
	feedAuthors := remotePersons(f.Authors)

	log := r.logger()
	// originals returns the item's entry in the feed as parsed before
	// gofeed translated it, and the link it is known by.
	originals := func(i int, gi *gofeed.Item) (entry *gofeedatom.Entry, jitem *gofeedjson.Item, ritem *gofeedrss.Item, rawURL string) {
		rawURL = strings.TrimSpace(gi.Link)
		switch {
		case atomFeed != nil && i < len(atomFeed.Entries):
			entry = atomFeed.Entries[i]
		case jsonFeed != nil && i < len(jsonFeed.Items):
			jitem = jsonFeed.Items[i]
		case rssFeed != nil && i < len(rssFeed.Items):
			ritem = rssFeed.Items[i]
		}
		switch {
		case rawURL != "":
		case ritem != nil && atomLinkOf(gi) != "":
			rawURL = atomLinkOf(gi)
		case entry != nil:
			rawURL = strings.TrimSpace(atomAlternate(entry.Links))
		case jitem != nil:
			rawURL = strings.TrimSpace(jitem.ExternalURL)
		case ritem != nil && ritem.GUID != nil && !strings.EqualFold(strings.TrimSpace(ritem.GUID.IsPermalink), "false"):
			// An RSS guid is the item's permalink unless it says otherwise.
			if g := strings.TrimSpace(ritem.GUID.Value); remoteLink(g, nil) != "" {
				rawURL = g
			}
		}
		return entry, jitem, ritem, rawURL
	}
	sh := r.linkHolders(f.Items, before, originals)
	textIDs := map[string]string{} // link, title and text of items without a guid → their id
	seen := make(map[string]bool, len(f.Items))
	items := make([]feed.Item, 0, len(f.Items))
	for i, gi := range f.Items {
		if gi == nil {
			continue
		}
		entry, jitem, _, rawURL := originals(i, gi)
		link := remoteLink(rawURL, linkBase)

		upstream := strings.TrimSpace(gi.GUID)
		if upstream == "" {
			upstream = rawURL
		}
		if upstream == "" {
			upstream = "sha256:" + digest(gi.Title+"\n"+cmp.Or(gi.Content, gi.Description))
		}
		id := r.itemID(upstream)
		if strings.TrimSpace(gi.GUID) == "" && rawURL != "" {
			id = r.sharedLinkID(id, rawURL, gi, i, sh, seen, textIDs)
		}
		if seen[id] {
			log.Warn("item skipped", "source", r.SourceName, "id", id, "error", "id already used by an earlier item of the feed")
			continue
		}
		seen[id] = true

		contentBase := linkBase
		if link != "" {
			contentBase, _ = url.Parse(link)
		}
		it := feed.Item{
			ID:          id,
			Title:       textOfHTML(gi.Title),
			Link:        link,
			Summary:     feed.Summarize(textOfHTML(gi.Description), feed.SummaryMax),
			ContentHTML: remoteContentHTML(gi, entry, jitem, contentBase),
			Authors:     remotePersons(gi.Authors),
			Published:   remoteDate(r.itemDate(id, "published", gi.PublishedParsed, gi.Published), now, before[id].Published),
			Updated:     remoteDate(r.itemDate(id, "updated", gi.UpdatedParsed, gi.Updated), now, before[id].Updated),
			Source:      r.SourceName,
		}
		if it.ContentHTML == "" {
			if body, text := mediaBody(gi); body != "" {
				it.ContentHTML = sanitizeContent(body, contentBase)
				if it.Summary == "" {
					it.Summary = feed.Summarize(feed.CollapseSpace(feed.CleanText(text)), feed.SummaryMax)
				}
			}
		}
		if len(it.Authors) == 0 {
			it.Authors = feedAuthors
		}
		for _, c := range gi.Categories {
			if c = textOfHTML(c); c != "" {
				it.Categories = append(it.Categories, c)
			}
		}
		for _, e := range gi.Enclosures {
			if e == nil {
				continue
			}
			if enc, ok := remoteEnclosure(e, linkBase); ok {
				it.Enclosures = append(it.Enclosures, enc)
			}
		}
		if it.Title == "" && it.Summary == "" && feed.LeadText(it.ContentHTML) == "" {
			// Nothing to derive a title from (a photo or an episode
			// with no words): name the item by its file rather than lose
			// it.
			it.Title = nameOfItem(it)
		}
		o := origin
		it.Origin = &o
		items = append(items, it)
	}
	return items
}

// remoteContentHTML returns an item's body as sanitised HTML with absolute URLs:
// its content, or its description when that is HTML. Content that is plain
// text (Atom type="text", JSON Feed content_text) becomes paragraphs.
func remoteContentHTML(gi *gofeed.Item, entry *gofeedatom.Entry, jitem *gofeedjson.Item, base *url.URL) string {
	raw, isText := gi.Content, false
	switch {
	case jitem != nil && jitem.ContentHTML == "" && jitem.ContentText != "":
		isText = true
	case entry != nil && entry.Content != nil:
		t := strings.ToLower(strings.TrimSpace(entry.Content.Type))
		isText = t == "" || t == "text" || (strings.HasPrefix(t, "text/") && t != "text/html")
	}
	if strings.TrimSpace(raw) == "" {
		raw, isText = gi.Description, false
		if !looksLikeHTML(raw) {
			// A plain-text description is the summary; when the summary
			// cannot hold all of it, the whole text is the body, so that
			// nothing the upstream wrote is lost.
			text := textOfHTML(raw)
			if text == "" || feed.Summarize(text, feed.SummaryMax) == text {
				return ""
			}
			isText = true
		}
	}
	if isText {
		raw = textParagraphsHTML(raw)
	}
	return sanitizeContent(raw, base)
}

// atomAlternate returns the first of links whose rel is alternate, which
// is also what a link without rel means.
func atomAlternate(links []*gofeedatom.Link) string {
	for _, l := range links {
		if l != nil && (l.Rel == "" || l.Rel == "alternate") {
			return l.Href
		}
	}
	return ""
}

// remotePersons converts a feed's people, dropping empty ones.
func remotePersons(ps []*gofeed.Person) []feed.Person {
	var out []feed.Person
	for _, p := range ps {
		if p == nil {
			continue
		}
		q := usablePerson(feed.Person{Name: textOfHTML(p.Name), Email: strings.TrimSpace(feed.CleanText(p.Email))})
		if !q.IsZero() {
			out = append(out, q)
		}
	}
	return out
}

// remoteEnclosure converts an enclosure. ok is false when its URL cannot be made
// absolute http(s).
func remoteEnclosure(e *gofeed.Enclosure, base *url.URL) (feed.Enclosure, bool) {
	u := remoteLink(e.URL, base)
	if u == "" {
		return feed.Enclosure{}, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(e.Length), 10, 64)
	if err != nil || n < 0 {
		n = 0
	}
	typ := strings.TrimSpace(feed.CleanText(e.Type))
	if _, _, err := mime.ParseMediaType(typ); err != nil {
		typ = ""
	}
	return feed.Enclosure{URL: u, Length: n, Type: typ}, true
}

// remoteLink resolves ref, as a feed gives it, against base (which may be
// nil) into the link a feed carries (see weburl.Link); "" when it does
// not make one.
func remoteLink(ref string, base *url.URL) string {
	link, err := weburl.Link(strings.TrimSpace(feed.CleanText(ref)), base)
	if err != nil {
		return ""
	}
	return link
}

// remoteDate returns a feed's date in UTC; zero when there is none. A date
// in the future is moved back to the date the item had at an earlier
// fetch, prev, when that is not in the future either; else it is dropped,
// so that the item takes the date the ledger first saw it on, which
// survives what prev does not (a lost source state, a feed URL that
// moved). gofeed reads a date without a zone as UTC.
func remoteDate(t *time.Time, now, prev time.Time) time.Time {
	if t == nil || t.IsZero() {
		return time.Time{}
	}
	if !t.After(now) {
		return t.UTC()
	}
	if !prev.IsZero() && !prev.After(now) {
		return prev.UTC()
	}
	return time.Time{}
}

// itemDate returns the date gofeed read, or, when it could not read the
// text, the date ParseDate reads in it (no zone, two-digit years, named
// zones). A date that cannot be read either is reported, and the item
// gets the date it was first seen on, from the ledger.
func (r *Remote) itemDate(id, field string, parsed *time.Time, raw string) *time.Time {
	if parsed != nil || strings.TrimSpace(raw) == "" {
		return parsed
	}
	t, err := ParseDate(raw)
	if err != nil {
		r.logger().Warn("item date unreadable; the date it was first seen is used", "source", r.SourceName, "id", id, "field", field, "error", err)
		return nil
	}
	return &t
}

// nameOfItem names an item that has no text at all by the file name of its
// first enclosure, else "Untitled".
func nameOfItem(it feed.Item) string {
	for _, e := range it.Enclosures {
		u, err := url.Parse(e.URL)
		if err != nil {
			continue
		}
		if name := path.Base(strings.TrimSuffix(u.Path, "/")); name != "." && name != "/" && name != "" {
			if n, err := url.PathUnescape(name); err == nil {
				name = n
			}
			if name = feed.CollapseSpace(feed.CleanText(name)); name != "" {
				return name
			}
		}
	}
	return "Untitled"
}

// linkHolder is which of the items without a guid that take their id from
// one link keeps it: at is its index, n how many share the link.
type linkHolder struct{ at, n int }

// derivedIDs are the ids an item without a guid takes when it shares its
// link with others: the link and a digest of its title, or of its title
// and text when titles repeat.
func (r *Remote) derivedIDs(rawURL string, gi *gofeed.Item) [2]string {
	return [2]string{
		r.itemID(rawURL + "#sha256:" + digest(gi.Title)),
		r.itemID(rawURL + "#sha256:" + digest(gi.Title+"\n"+cmp.Or(gi.Content, gi.Description))),
	}
}

// sharing is what linkHolders learns of the items without a guid that take
// their id from their link.
type sharing struct {
	// holders maps each link's plain id to how many items share it, of
	// those the last fetch did not know by a derived id, and which of
	// them keeps it.
	holders map[string]linkHolder
	// known maps the index of each item the last fetch knew by a derived
	// id to that id, which it keeps even once it no longer shares its
	// link; reserved holds those ids.
	known    map[int]string
	reserved map[string]bool
}

// linkHolders learns which items without a guid keep the derived ids the
// last fetch knew them by, and, for every link the others take their id
// from, how many share it and which keeps it: the item whose title the
// last fetch's item of that id had, so that its id does not move when
// another item with the same link comes before it; else the first.
//
// An item is known by the id of its link, title and text, its own; or by
// that of its link and title, when no other unknown item of this fetch has
// both, since either might be the one the last fetch knew.
func (r *Remote) linkHolders(gis []*gofeed.Item, before map[string]feed.Item,
	originals func(int, *gofeed.Item) (*gofeedatom.Entry, *gofeedjson.Item, *gofeedrss.Item, string)) sharing {
	sh := sharing{holders: map[string]linkHolder{}, known: map[int]string{}, reserved: map[string]bool{}}
	type candidate struct {
		i       int
		rawURL  string
		derived [2]string
	}
	var cands []candidate
	for i, gi := range gis {
		if gi == nil || strings.TrimSpace(gi.GUID) != "" {
			continue
		}
		if _, _, _, rawURL := originals(i, gi); rawURL != "" {
			cands = append(cands, candidate{i, rawURL, r.derivedIDs(rawURL, gi)})
		}
	}
	claim := func(c candidate, id string) {
		if _, ok := before[id]; ok && !sh.reserved[id] {
			sh.known[c.i], sh.reserved[id] = id, true
		}
	}
	for _, c := range cands {
		claim(c, c.derived[1])
	}
	unknown := map[string]int{}
	for _, c := range cands {
		if _, ok := sh.known[c.i]; !ok {
			unknown[c.derived[0]]++
		}
	}
	for _, c := range cands {
		if _, ok := sh.known[c.i]; !ok && unknown[c.derived[0]] == 1 {
			claim(c, c.derived[0])
		}
	}
	for _, c := range cands {
		if _, ok := sh.known[c.i]; ok {
			continue
		}
		id := r.itemID(c.rawURL)
		h, ok := sh.holders[id]
		if !ok {
			h.at = c.i
		} else if b, was := before[id]; was && b.Title != textOfHTML(gis[h.at].Title) && b.Title == textOfHTML(gis[c.i].Title) {
			h.at = c.i
		}
		h.n++
		sh.holders[id] = h
	}
	return sh
}

// sharedLinkID returns the id of item i, which has no guid and takes the
// id plain from its link. Items that share a link (a live page's updates,
// a feed that links every item to its front page) are told apart by
// derived ids: an item keeps the one the last fetch knew it by; an item
// that repeats another's link, title and text gets that one's id, to be
// skipped as a duplicate; of the rest, the holder keeps the plain id and
// the others take derived ones.
func (r *Remote) sharedLinkID(plain, rawURL string, gi *gofeed.Item, i int, sh sharing,
	seen map[string]bool, textIDs map[string]string) string {
	text := rawURL + "\n" + gi.Title + "\n" + cmp.Or(gi.Content, gi.Description)
	if id, repeat := textIDs[text]; repeat {
		return id
	}
	id, known := sh.known[i]
	h := sh.holders[plain]
	switch {
	case known:
	case h.n > 1 && h.at != i:
		for _, id = range r.derivedIDs(rawURL, gi) {
			if !seen[id] && !sh.reserved[id] {
				break
			}
		}
		r.logger().Info("item shares its link with another; its id is made from the link and its text",
			"source", r.SourceName, "link", rawURL, "id", id)
	default:
		id = plain
	}
	textIDs[text] = id
	return id
}

// itemID is the id of the item known upstream as upstream: a guid, a link
// or a digest, hashed when it is longer than maxUpstreamID.
func (r *Remote) itemID(upstream string) string {
	if len(upstream) > maxUpstreamID {
		upstream = "sha256:" + digest(upstream)
	}
	return r.IDPrefix + weburl.EscapeTag(r.SourceName) + "/" + weburl.EscapeTagPath(upstream)
}

// digest is the SHA-256 of s, in hex.
func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
