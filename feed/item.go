// Package feed holds feedpub's item model and everything that turns items
// into published documents: normalisation, rendering to RSS 2.0, Atom 1.0 and
// JSON Feed 1.1, and validation of what was rendered.
//
// The package is pure: it takes values and io.Writers, and does no file
// discovery or network access. Sources adapt their input into Items; the
// publish sub-package wires sources, the identity ledger and the renderers.
package feed

import "time"

// Person is an author of a feed or of an item.
type Person struct {
	Name  string
	Email string
	URL   string
}

// IsZero reports whether p names nobody.
func (p Person) IsZero() bool { return p.Name == "" && p.Email == "" && p.URL == "" }

// Item is one entry of a feed, whatever source it came from.
//
// Sources fill what their input says and leave the rest zero: a zero
// Published is filled from the identity ledger's first-seen time, and a zero
// Updated is derived from the time the item's content last changed.
type Item struct {
	// ID is a stable, globally unique URI (a tag: URI for local sources).
	ID string
	// Title is plain text on one line.
	Title string
	// Link is the absolute URL of the item's web page.
	Link string
	// Summary is plain text, at most SummaryMax characters after Normalize.
	Summary string
	// ContentHTML is the item's body as an HTML fragment, escaped once.
	ContentHTML string
	Authors     []Person
	Categories  []string
	Published   time.Time
	Updated     time.Time
	// Source is the name of the configured source the item came from.
	Source string
}

// Meta describes a feed as a whole: the channel of RSS, the feed element of
// Atom, the top-level object of JSON Feed.
type Meta struct {
	// ID is the feed's own stable URI (Atom feed id), never its link.
	ID          string
	Title       string
	Description string
	// Link is the home page the feed belongs to.
	Link     string
	Language string
	Authors  []Person
	// SelfURL maps each format to the absolute URL the document is served
	// at; every rendered document carries its own self link.
	SelfURL map[Format]string
	// Icon is an optional absolute URL of a square image.
	Icon string
	// Generator names the software, written into RSS and Atom.
	Generator string
}

// Format is one of the published document formats.
type Format string

// The formats feedpub publishes, named by their file extension.
const (
	RSS  Format = "rss"
	Atom Format = "atom"
	JSON Format = "json"
)

// Formats lists every published format in a fixed order.
var Formats = []Format{RSS, Atom, JSON}

// ContentType is the media type a document of format f is served with.
func (f Format) ContentType() string {
	switch f {
	case RSS:
		return "application/rss+xml; charset=utf-8"
	case Atom:
		return "application/atom+xml; charset=utf-8"
	case JSON:
		return "application/feed+json; charset=utf-8"
	}
	return "application/octet-stream"
}
