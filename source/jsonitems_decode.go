package source

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/weburl"
)

// decodeItem makes an item of an object's fields. A non-nil error, a
// *lineError naming the field when one is to blame, says why the item
// is skipped; warnings name problems it publishes with.
func (j *JSONItems) decodeItem(fields []jsonField) (feed.Item, []lineWarning, error) {
	doc, err := decodeItemObject(fields)
	if err != nil {
		return feed.Item{}, nil, err
	}
	var warns []lineWarning
	text := func(s string) string { return feed.CollapseSpace(feed.CleanText(s)) }
	httpField := func(name, s string) string {
		s = strings.TrimSpace(feed.CleanText(s))
		if s != "" && !weburl.IsHTTP(s) {
			warns = append(warns, lineWarning{key: doc.name(name), reason: fmt.Sprintf("%q is not an absolute http(s) URL; ignored", s)})
			return ""
		}
		return s
	}
	date := func(name, s string) time.Time {
		if s = text(s); s == "" {
			return time.Time{}
		}
		t, derr := ParseDate(s)
		if derr != nil {
			warns = append(warns, lineWarning{key: doc.name(name), reason: derr.Error()})
		}
		return t
	}

	it := feed.Item{
		Title:     text(doc.Title),
		Summary:   text(doc.Summary),
		Published: date("date_published", doc.DatePublished),
		Updated:   date("date_modified", doc.DateModified),
		Source:    j.SourceName,
	}
	link := httpField("url", doc.URL)
	external := httpField("external_url", doc.ExternalURL)
	image := httpField("image", doc.Image)
	it.Authors = jsonPeople(doc)
	for _, tag := range doc.Tags {
		if tag = text(tag); tag != "" {
			it.Categories = append(it.Categories, tag)
		}
	}
	encs, ew := jsonEnclosures(doc)
	warns = append(warns, ew...)

	rawID := strings.TrimSpace(feed.CleanText(doc.ID))
	if rawID == "" {
		return feed.Item{}, nil, fieldError("id", "no id")
	}
	it.ID = ownItemID(j.IDPrefix, j.SourceName, rawID)
	if link == "" {
		link = fillLink(j.LinkTemplate, j.SourceName, feed.Slug(rawID))
	}
	if link == "" {
		link = external
	}
	it.Link = link
	switch {
	case strings.TrimSpace(doc.ContentHTML) != "":
		it.ContentHTML = sanitizeContent(doc.ContentHTML, baseURL(link))
	case strings.TrimSpace(doc.ContentText) != "":
		it.ContentHTML = feed.ParagraphsHTML(strings.Split(feed.CleanText(doc.ContentText), "\n"))
	}
	if image != "" && !slices.ContainsFunc(encs, func(e feed.Enclosure) bool { return e.URL == image }) {
		if e, problem := makeEnclosure(image, 0, ""); problem == "" {
			encs = append(encs, e)
		} else {
			warns = append(warns, lineWarning{key: doc.name("image"), reason: problem + "; image not attached"})
		}
	}
	it.Enclosures = encs
	if it.Title == "" {
		lead := it.Summary
		if lead == "" {
			lead = feed.LeadText(it.ContentHTML)
		}
		if it.Title = feed.DeriveTitle(lead); it.Title == "" {
			it.Title = feed.Truncate(feed.CollapseSpace(lead), feed.TitleMax)
		}
	}
	if it.Title == "" {
		return feed.Item{}, nil, errors.New("no title and no text to derive one from")
	}
	return it, warns, nil
}

// jsonPeople returns an item's "authors" (JSON Feed 1.1), or else its
// "author" (1.0), leaving out people with nothing usable.
func jsonPeople(doc jsonItemDoc) []feed.Person {
	list := doc.Authors
	if !doc.HasAuthors && doc.Author != nil {
		list = []jsonPersonDoc{*doc.Author}
	}
	var people []feed.Person
	for _, a := range list {
		p := feed.Person{
			Name:  feed.CollapseSpace(feed.CleanText(a.Name)),
			URL:   feed.CollapseSpace(feed.CleanText(a.URL)),
			Email: feed.CollapseSpace(feed.CleanText(a.Email)),
		}
		if p = usablePerson(p); !p.IsZero() {
			people = append(people, p)
		}
	}
	return people
}

// jsonEnclosures returns an item's attachments as enclosures. An
// attachment without a usable URL or media type is left out with a
// warning.
func jsonEnclosures(doc jsonItemDoc) ([]feed.Enclosure, []lineWarning) {
	var (
		encs  []feed.Enclosure
		warns []lineWarning
	)
	for i, a := range doc.Attachments {
		u := strings.TrimSpace(feed.CleanText(a.URL))
		typ := strings.TrimSpace(feed.CleanText(a.MIMEType))
		enc, problem := makeEnclosure(u, int64(a.SizeInBytes), typ)
		if problem != "" {
			warns = append(warns, lineWarning{key: fmt.Sprintf("%s[%d]", doc.name("attachments"), i), reason: problem + "; attachment left out"})
			continue
		}
		encs = append(encs, enc)
	}
	return encs, warns
}
