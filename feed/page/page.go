// Package page renders the HTML that feedpub publishes beside its feeds:
// a page for every item whose link feedpub made up, a browser view of each
// feed document, the page that answers for a removed item, the one
// stylesheet they share, and the OPML list of every feed.
//
// Like its parent package it is pure: it takes values and io.Writers.
// Every page is plain semantic HTML rendered with html/template, with no
// script, and links its stylesheet by a relative URL (an item page: by
// its path below the host, see itemStyle) so that the same files work
// from feedpub serve and from any static file server.
package page

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// StyleName is the file name of the stylesheet, at the root of the
// output folder.
const StyleName = "feedpub.css"

// Style is the stylesheet every page links.
//
//go:embed feedpub.css
var Style []byte

// Site is what every page says about the site it belongs to.
type Site struct {
	// Title is the site's name.
	Title string
	// Link is the site's home page, an absolute URL.
	Link string
	// Language is the pages' language tag; empty leaves it unsaid.
	Language string
	// Feeds are announced for autodiscovery on every page and listed in
	// the OPML document.
	Feeds []Feed
}

// Feed is one published feed with the URL of each of its formats.
type Feed struct {
	Title   string
	SelfURL map[feed.Format]string
}

// formatLink is one format of a feed as the templates show it.
type formatLink struct {
	Label string
	// Type is the autodiscovery type attribute, trusted so that "+" stays
	// literal; it is built from fixed media types only.
	Type template.HTMLAttr
	URL  string
}

// links lists f's formats in the order of feed.Formats.
func (f Feed) links() []formatLink {
	var out []formatLink
	for _, format := range feed.Formats {
		if u := f.SelfURL[format]; u != "" {
			out = append(out, formatLink{Label: format.Label(), Type: typeAttr(format), URL: u})
		}
	}
	return out
}

// typeAttr is the type attribute of an autodiscovery link to format f.
func typeAttr(f feed.Format) template.HTMLAttr {
	return template.HTMLAttr(`type="` + f.MediaType() + `"`)
}

// relRoot is the relative URL from a resource at path p (below the root,
// without a leading slash) to the root folder: "" for "news.rss",
// "../../" for "items/story/".
func relRoot(p string) string {
	return strings.Repeat("../", strings.Count(p, "/"))
}

// clean is text from configuration or sources as a page shows it: no
// character XML or a terminal would choke on, one line.
func clean(s string) string { return feed.CollapseSpace(feed.CleanText(s)) }

// dateText is how a page writes a date for people.
func dateText(t time.Time) string { return t.UTC().Format("2 January 2006") }

// dateISO is how a page writes a date for machines.
func dateISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// headData is what every page's head and frame share.
type headData struct {
	Lang      string
	SiteTitle string
	SiteLink  string
	Style     string
	Feeds     []feedLinks
}

type feedLinks struct {
	Title   string
	Formats []formatLink
}

func newHead(site Site, p string) headData {
	h := headData{Lang: site.Language, SiteTitle: clean(site.Title), SiteLink: site.Link, Style: relRoot(p) + StyleName}
	for _, f := range site.Feeds {
		h.Feeds = append(h.Feeds, feedLinks{Title: clean(f.Title), Formats: f.links()})
	}
	return h
}

// execute runs the named template into w.
func execute(w io.Writer, name string, data any) error {
	if err := templates.ExecuteTemplate(w, name, data); err != nil {
		return fmt.Errorf("render %s page: %w", name, err)
	}
	return nil
}
