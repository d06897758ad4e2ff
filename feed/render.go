package feed

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"strconv"
	"time"

	"github.com/feedpub/feedpub/internal/weburl"
	"github.com/gorilla/feeds"
)

// rssDocs is where an RSS document points readers for the format it follows.
const rssDocs = "https://www.rssboard.org/rss-specification"

// Render writes items as a document of format f. Items are written in the
// order given (see Select) and are cleaned of characters XML cannot carry
// even when the caller skipped Normalize. It fails with ErrNoItems for an
// empty list: a feed with no items has no date to give.
//
// The documents are built from gorilla/feeds' types with what they lack
// filled in: the RSS self link and dc:creator, several categories and
// authors, Atom's own feed id and xml:lang, and dates that are never empty
// or taken from the clock. The same meta and items always give the same bytes.
func Render(w io.Writer, f Format, meta Meta, items []Item) error {
	if len(items) == 0 {
		return ErrNoItems
	}
	clean := make([]Item, len(items))
	for i, it := range items {
		clean[i] = cleanItem(it)
	}
	meta = cleanMeta(meta)
	bw := bufio.NewWriterSize(w, 64<<10)
	var err error
	switch f {
	case RSS:
		err = writeXML(bw, rssDocument(meta, clean))
	case Atom:
		// Atom entries sharing an updated date draw validator warnings,
		// and readers order entries by it: the copy written is spread a
		// second apart, in feed order (see DistinctUpdated).
		err = writeXML(bw, atomDocument(meta, DistinctUpdated(clean)))
	case JSON:
		err = writeJSON(bw, jsonDocument(meta, clean))
	default:
		return fmt.Errorf("render: unknown format %q", f)
	}
	if err != nil {
		return fmt.Errorf("render %s: %w", f, err)
	}
	return bw.Flush()
}

func cleanItem(it Item) Item {
	it.ID = CleanText(it.ID)
	it.Title = CleanText(it.Title)
	it.Link = CleanText(it.Link)
	it.Summary = CleanText(it.Summary)
	it.ContentHTML = CleanText(it.ContentHTML)
	it.Authors = cleanPeople(it.Authors)
	cats := make([]string, len(it.Categories))
	for i, c := range it.Categories {
		cats[i] = CleanText(c)
	}
	it.Categories = cats
	encs := make([]Enclosure, len(it.Enclosures))
	for i, e := range it.Enclosures {
		typ := CleanText(e.Type)
		if !mediaType().MatchString(typ) {
			typ = "" // not type/subtype: written as unknown rather than wrong
		}
		encs[i] = Enclosure{URL: CleanText(e.URL), Length: max(e.Length, 0), Type: typ}
	}
	it.Enclosures = encs
	if it.Origin != nil {
		it.Origin = &Origin{ID: CleanText(it.Origin.ID), Title: CleanText(it.Origin.Title), Link: CleanText(it.Origin.Link), FeedURL: CleanText(it.Origin.FeedURL)}
	}
	it.Published = wholeSecondUTC(it.Published)
	it.Updated = wholeSecondUTC(it.Updated)
	if it.Published.IsZero() {
		it.Published = it.Updated
	}
	if it.Updated.Before(it.Published) {
		it.Updated = it.Published
	}
	return it
}

func cleanMeta(m Meta) Meta {
	m.ID = CleanText(m.ID)
	m.Title = CleanText(m.Title)
	m.Description = CleanText(m.Description)
	m.Link = CleanText(m.Link)
	m.Language = CleanText(m.Language)
	m.Icon = CleanText(m.Icon)
	m.Generator = CleanText(m.Generator)
	m.Authors = cleanPeople(m.Authors)
	self := make(map[Format]string, len(m.SelfURL))
	for f, u := range m.SelfURL {
		self[f] = CleanText(u)
	}
	m.SelfURL = self
	m.Hubs = cleanStrings(m.Hubs)
	m.History = History{
		Archive: m.History.Archive,
		Current: cleanURLs(m.History.Current),
		Prev:    cleanURLs(m.History.Prev),
		Next:    cleanURLs(m.History.Next),
	}
	return m
}

func cleanPeople(ps []Person) []Person {
	out := make([]Person, len(ps))
	for i, p := range ps {
		out[i] = Person{Name: CleanText(p.Name), Email: CleanText(p.Email), URL: CleanText(p.URL)}
	}
	return out
}

// gorillaFeed converts to gorilla/feeds' model, whose converters give the
// skeleton of each format.
func gorillaFeed(meta Meta, items []Item) *feeds.Feed {
	published, updated := newest(items)
	f := &feeds.Feed{
		Title:       meta.Title,
		Link:        &feeds.Link{Href: meta.Link},
		Description: meta.Description,
		Id:          meta.ID,
		Created:     published,
		Updated:     updated,
	}
	for _, it := range items {
		f.Items = append(f.Items, &feeds.Item{
			Title:       it.Title,
			Link:        &feeds.Link{Href: it.Link},
			Description: it.Summary,
			Id:          it.ID,
			Created:     it.Published,
			Updated:     it.Updated,
			Content:     it.ContentHTML,
		})
	}
	return f
}

func writeXML(w io.Writer, doc any) error {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	buf.WriteString("\n")
	_, err := w.Write(hexRefs(buf.Bytes()))
	return err
}

func writeJSON(w io.Writer, doc any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// RSS 2.0, with the Atom namespace for the self link, content:encoded for
// the HTML body and dc:creator for authors without an email address, as
// the RSS Best Practices Profile recommends.

type rssDoc struct {
	XMLName   xml.Name `xml:"rss"`
	Version   string   `xml:"version,attr"`
	ContentNS string   `xml:"xmlns:content,attr"`
	AtomNS    string   `xml:"xmlns:atom,attr"`
	DCNS      string   `xml:"xmlns:dc,attr,omitempty"`
	SyNS      string   `xml:"xmlns:sy,attr,omitempty"`
	FhNS      string   `xml:"xmlns:fh,attr,omitempty"`
	Channel   *rssChannel
}

type rssChannel struct {
	XMLName xml.Name `xml:"channel"`
	*feeds.RssFeed
	AtomLinks []atomNSLink `xml:"atom:link"`
	// Polling hints (RSS 1.0 syndication module) and the RFC 5005
	// archive marker.
	SyPeriod    string     `xml:"sy:updatePeriod,omitempty"`
	SyFrequency int        `xml:"sy:updateFrequency,omitempty"`
	Archive     *struct{}  `xml:"fh:archive"`
	Items       []*rssItem `xml:"item"`
}

type atomNSLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

type rssItem struct {
	XMLName xml.Name `xml:"item"`
	// Title replaces gorilla/feeds' own, which is always written: an
	// untitled item has none.
	Title string `xml:"title,omitempty"`
	*feeds.RssItem
	Link string `xml:"link,omitempty"`
	// Description is optional when the item has a title; an empty
	// element is left out rather than written.
	Description string `xml:"description,omitempty"`
	Content     *feeds.RssContent
	Categories  []string `xml:"category"`
	Creators    []string `xml:"dc:creator"`
	Enclosure   *feeds.RssEnclosure
	Source      *rssSource
}

type rssSource struct {
	XMLName xml.Name `xml:"source"`
	URL     string   `xml:"url,attr"`
	Title   string   `xml:",chardata"`
}

func rssDocument(meta Meta, items []Item) *rssDoc {
	g := (&feeds.Rss{Feed: gorillaFeed(meta, items)}).RssFeed()
	published, updated := newest(items)
	g.PubDate = published.Format(time.RFC1123Z)
	g.LastBuildDate = updated.Format(time.RFC1123Z)
	g.Description = meta.Description
	if g.Description == "" {
		g.Description = meta.Title
	}
	g.Language = meta.Language
	g.Generator = meta.Generator
	g.Docs = rssDocs
	g.ManagingEditor = ""
	if len(meta.Authors) > 0 && meta.Authors[0].Email != "" && meta.Authors[0].Name != "" {
		g.ManagingEditor = rssPerson(meta.Authors[0])
	}
	if meta.Icon != "" {
		g.Image = &feeds.RssImage{Url: meta.Icon, Title: meta.Title, Link: meta.Link}
	}
	ch := &rssChannel{RssFeed: g}
	if self := meta.SelfURL[RSS]; self != "" {
		ch.AtomLinks = append(ch.AtomLinks, atomNSLink{Href: self, Rel: "self", Type: RSS.MediaType()})
	}
	doc := &rssDoc{Version: "2.0", ContentNS: nsContent, AtomNS: nsAtom, Channel: ch}
	rssExtensions(doc, meta)
	for i, it := range items {
		gi := g.Items[i]
		gi.PubDate = it.Published.Format(time.RFC1123Z)
		gi.Guid = &feeds.RssGuid{Id: it.ID, IsPermaLink: "false"}
		if it.ID == it.Link {
			gi.Guid.IsPermaLink = "true"
		}
		gi.Author = ""
		// Readers take an RSS description as HTML, so the plain-text
		// summary is escaped as HTML before XML escapes it again.
		ri := &rssItem{RssItem: gi, Title: it.Title, Link: it.Link, Description: html.EscapeString(it.Summary), Categories: it.Categories}
		if it.Untitled {
			ri.Title = ""
		}
		if it.ContentHTML != "" {
			ri.Content = &feeds.RssContent{Content: it.ContentHTML}
		}
		// RSS's author element takes "email (Name)"; names or addresses
		// alone go into dc:creator.
		if len(it.Authors) == 1 && it.Authors[0].Email != "" && it.Authors[0].Name != "" {
			gi.Author = rssPerson(it.Authors[0])
		} else {
			for _, p := range it.Authors {
				ri.Creators = append(ri.Creators, personName(p))
			}
		}
		if len(ri.Creators) > 0 {
			doc.DCNS = nsDC
		}
		// RSS allows one enclosure per item; its length is required, 0
		// when unknown.
		gi.Enclosure = nil
		if len(it.Enclosures) > 0 {
			e := it.Enclosures[0]
			ri.Enclosure = &feeds.RssEnclosure{Url: e.URL, Length: strconv.FormatInt(e.Length, 10), Type: cmp.Or(e.Type, "application/octet-stream")}
		}
		gi.Source = ""
		if o := it.Origin; o != nil && o.FeedURL != "" {
			ri.Source = &rssSource{URL: o.FeedURL, Title: cmp.Or(o.Title, o.FeedURL)}
		}
		ch.Items = append(ch.Items, ri)
	}
	return doc
}

func rssPerson(p Person) string { return p.Email + " (" + p.Name + ")" }

func personName(p Person) string {
	switch {
	case p.Name != "":
		return p.Name
	case p.Email != "":
		return p.Email
	}
	return p.URL
}

// Atom 1.0 (RFC 4287).

type atomDoc struct {
	XMLName xml.Name `xml:"feed"`
	*feeds.AtomFeed
	Lang      string             `xml:"xml:lang,attr,omitempty"`
	Links     []feeds.AtomLink   `xml:"link"`
	Authors   []feeds.AtomAuthor `xml:"author"`
	Generator string             `xml:"generator,omitempty"`
	FhNS      string             `xml:"xmlns:fh,attr,omitempty"`
	Archive   *struct{}          `xml:"fh:archive"`
	Entries   []*atomEntry       `xml:"entry"`
}

type atomEntry struct {
	XMLName xml.Name `xml:"entry"`
	*feeds.AtomEntry
	Authors    []feeds.AtomAuthor `xml:"author"`
	Categories []atomCategory     `xml:"category"`
	Source     *atomSource
}

type atomSource struct {
	XMLName xml.Name         `xml:"source"`
	ID      string           `xml:"id,omitempty"`
	Title   string           `xml:"title,omitempty"`
	Updated string           `xml:"updated,omitempty"`
	Links   []feeds.AtomLink `xml:"link"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func atomPeople(ps []Person) []feeds.AtomAuthor {
	var out []feeds.AtomAuthor
	for _, p := range ps {
		name := p.Name
		if name == "" {
			name = personName(p)
		}
		out = append(out, feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: name, Email: p.Email, Uri: p.URL}})
	}
	return out
}

func atomDocument(meta Meta, items []Item) *atomDoc {
	g := (&feeds.Atom{Feed: gorillaFeed(meta, items)}).AtomFeed()
	_, updated := newest(items)
	g.Id = meta.ID
	g.Updated = updated.Format(time.RFC3339)
	g.Icon = meta.Icon
	g.Link, g.Author = nil, nil
	doc := &atomDoc{AtomFeed: g, Lang: meta.Language, Generator: meta.Generator, Authors: atomPeople(meta.Authors)}
	if self := meta.SelfURL[Atom]; self != "" {
		doc.Links = append(doc.Links, feeds.AtomLink{Href: self, Rel: "self", Type: Atom.MediaType()})
	}
	if meta.Link != "" {
		doc.Links = append(doc.Links, feeds.AtomLink{Href: meta.Link, Rel: "alternate", Type: "text/html"})
	}
	atomExtensions(doc, meta)
	anonymous := false
	for i, it := range items {
		ge := g.Entries[i]
		ge.Id = it.ID
		ge.Updated = it.Updated.Format(time.RFC3339)
		ge.Published = it.Published.Format(time.RFC3339)
		ge.Author = nil
		ge.Links = nil
		if it.Link != "" {
			ge.Links = []feeds.AtomLink{{Href: it.Link, Rel: "alternate", Type: "text/html"}}
		}
		for _, enc := range it.Enclosures {
			l := feeds.AtomLink{Href: enc.URL, Rel: "enclosure", Type: enc.Type}
			if enc.Length > 0 {
				l.Length = strconv.FormatInt(enc.Length, 10)
			}
			ge.Links = append(ge.Links, l)
		}
		ge.Source = ""
		// An entry needs content or an alternate link (RFC 4287 4.1.2).
		if ge.Content == nil && it.Link == "" {
			ge.Content = &feeds.AtomContent{Type: "text", Content: cmp.Or(it.Summary, it.Title)}
		}
		ge.Summary = nil
		// A headline has no text but its title; readers show the summary
		// under it, and an entry with neither summary nor content is
		// flagged by validators, so the title stands in.
		summary := it.Summary
		if summary == "" && ge.Content == nil {
			summary = it.Title
		}
		if summary != "" {
			ge.Summary = &feeds.AtomSummary{Content: summary, Type: "text"}
		}
		e := &atomEntry{AtomEntry: ge, Authors: atomPeople(it.Authors)}
		if o := it.Origin; o != nil {
			// RFC 4287 4.2.11 asks a source to keep the feed's id, title
			// and updated date; an upstream without an id (or with one
			// that is no IRI) is known by its address, and the entry's
			// own date is the newest the source is known to have.
			srcID := o.ID
			if !weburl.IsIRI(srcID) {
				srcID = cmp.Or(o.FeedURL, o.Link)
			}
			src := &atomSource{ID: srcID, Title: cmp.Or(o.Title, o.FeedURL, o.Link), Updated: ge.Updated}
			if o.FeedURL != "" {
				src.Links = append(src.Links, feeds.AtomLink{Href: o.FeedURL, Rel: "self"})
			}
			if o.Link != "" {
				src.Links = append(src.Links, feeds.AtomLink{Href: o.Link, Rel: "alternate", Type: "text/html"})
			}
			e.Source = src
		}
		for _, c := range it.Categories {
			e.Categories = append(e.Categories, atomCategory{Term: c})
		}
		if len(e.Authors) == 0 {
			anonymous = true
		}
		doc.Entries = append(doc.Entries, e)
	}
	// Atom requires an author for every entry, on the entry or the feed.
	if anonymous && len(doc.Authors) == 0 {
		doc.Authors = []feeds.AtomAuthor{{AtomPerson: feeds.AtomPerson{Name: meta.Title}}}
	}
	return doc
}

// JSON Feed 1.1.

type jsonDoc struct {
	*feeds.JSONFeed
	// Items is required by JSON Feed even when empty, so never omitted.
	Items []*jsonItem `json:"items"`
}

type jsonItem struct {
	*feeds.JSONItem
	// Attachments replaces gorilla/feeds' own, which names the size
	// "size" where JSON Feed 1.1 says size_in_bytes.
	Attachments []jsonAttachment `json:"attachments,omitempty"`
	// Extension carries what JSON Feed has no field for, under the
	// underscore prefix the spec reserves for extensions.
	Extension *jsonExtension `json:"_feedpub,omitempty"`
}

type jsonAttachment struct {
	URL      string `json:"url"`
	MIMEType string `json:"mime_type"`
	Size     int64  `json:"size_in_bytes,omitempty"`
}

type jsonExtension struct {
	Source *jsonSource `json:"source,omitempty"`
}

type jsonSource struct {
	ID          string `json:"id,omitempty"`
	Title       string `json:"title,omitempty"`
	HomePageURL string `json:"home_page_url,omitempty"`
	FeedURL     string `json:"feed_url,omitempty"`
}

func jsonPeople(ps []Person) []*feeds.JSONAuthor {
	var out []*feeds.JSONAuthor
	for _, p := range ps {
		out = append(out, &feeds.JSONAuthor{Name: personName(p), Url: p.URL})
	}
	return out
}

func jsonDocument(meta Meta, items []Item) *jsonDoc {
	g := (&feeds.JSON{Feed: gorillaFeed(meta, items)}).JSONFeed()
	g.Author = nil
	g.Authors = jsonPeople(meta.Authors)
	g.Language = meta.Language
	g.FeedUrl = meta.SelfURL[JSON]
	g.Icon = meta.Icon
	doc := &jsonDoc{JSONFeed: g}
	jsonExtensions(doc, meta)
	for i, it := range items {
		gi := g.Items[i]
		ji := &jsonItem{JSONItem: gi}
		doc.Items = append(doc.Items, ji)
		gi.Image = ""
		if it.Untitled {
			gi.Title = ""
		}
		for _, e := range it.Enclosures {
			ji.Attachments = append(ji.Attachments, jsonAttachment{URL: e.URL, MIMEType: cmp.Or(e.Type, "application/octet-stream"), Size: e.Length})
		}
		if o := it.Origin; o != nil {
			ji.Extension = &jsonExtension{Source: &jsonSource{ID: o.ID, Title: o.Title, HomePageURL: o.Link, FeedURL: o.FeedURL}}
		}
		gi.Author = nil
		gi.Authors = jsonPeople(it.Authors)
		gi.Tags = it.Categories
		gi.Summary = it.Summary
		published, updated := it.Published, it.Updated
		gi.PublishedDate, gi.ModifiedDate = &published, &updated
		// An item needs content_html or content_text; a title-only
		// item carries its summary or title as text.
		if gi.ContentHTML == "" {
			gi.ContentText = it.Summary
			if gi.ContentText == "" {
				gi.ContentText = it.Title
			}
		}
	}
	return doc
}
