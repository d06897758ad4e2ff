// Package feed holds feedpub's item model and everything that turns items
// into published documents: normalisation, rendering to RSS 2.0, Atom 1.0 and
// JSON Feed 1.1, and validation of what was rendered.
//
// The package is pure: it takes values and io.Writers, and does no file
// discovery or network access. Sources adapt their input into Items; the
// publish sub-package wires sources, the identity ledger and the renderers.
package feed

import (
	"errors"
	"slices"
	"strings"
	"time"
)

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
	// Untitled marks an item whose source gave it no title: Normalize
	// derives Title from its text for Atom, which requires one, and RSS and
	// JSON Feed, which do not, leave the title out, so that readers do not
	// show the same text twice.
	Untitled bool
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
	// Enclosures are attached media: audio, video, images, documents.
	// RSS carries only the first.
	Enclosures []Enclosure
	// Origin names the upstream feed of an aggregated item; nil for
	// items feedpub publishes first.
	Origin *Origin
	// Source is the name of the configured source the item came from.
	Source string
	// Partial marks an item whose file did not change since the last
	// build: its source sent everything but ContentHTML, which only the
	// items a feed publishes need. Ref is the source's own reference to
	// the item's file, for reading the content when it is needed and for
	// naming the file in logs; it is never published.
	Partial bool
	Ref     string
	// Pos is the item's place in its source's stream, as a string that
	// orders the way the stream does. A source whose Scan is a DeltaScan
	// sets it, so that a build that reads only what changed orders items
	// with equal dates as reading everything would. It is never
	// published.
	Pos string `json:",omitempty"`
	// Bundle lists the local files the item's content refers to by a
	// relative path, published beside the item's page when feedpub
	// writes one (as a static site generator's page bundle). It is not
	// part of any feed document.
	Bundle []BundleFile `json:",omitempty"`
	// ContentClean is set by a source whose ContentHTML is already as
	// CleanText leaves it, so that Normalize need not read all of it once
	// more to find that out. It is never published, and Normalize leaves
	// it unset in the item it returns.
	ContentClean bool `json:"-"`
}

// BundleFile is a local file published beside an item's page.
type BundleFile struct {
	// Path is the file on disk.
	Path string
	// Name is the file's path below the page's URL, slash-separated and
	// made of path segments that need no escaping.
	Name string
}

// Enclosure is a media file attached to an item.
type Enclosure struct {
	// URL is absolute.
	URL string
	// Length is the size in bytes; 0 when unknown.
	Length int64
	// Type is the media type, such as audio/mpeg.
	Type string
}

// Origin describes the feed an aggregated item was taken from, written as
// RSS <source>, Atom <source> and a JSON Feed extension, so readers can
// credit it.
type Origin struct {
	// ID is the upstream feed's id (Atom), if it has one.
	ID    string
	Title string
	// Link is the upstream site's home page.
	Link string
	// FeedURL is where the upstream feed is fetched from.
	FeedURL string
}

// ErrStale is wrapped by a source's Fetch error when the source could not
// be read this time and returned the items of its last good read instead.
// A build goes on with them and reports the source as degraded; any other
// Fetch error fails the build.
var ErrStale = errors.New("source failed; its last good items are used")

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
	// Hubs are the absolute URLs of the WebSub hubs readers may subscribe
	// to for pushed updates, announced in every document.
	Hubs []string
	// UpdateEvery is how often the feed is rebuilt, written into RSS as
	// the ttl and sy:updatePeriod/sy:updateFrequency polling hints; zero
	// writes neither.
	UpdateEvery time.Duration
	// History places the document in an RFC 5005 archived feed; its zero
	// value places it in none.
	History History
}

// History links a document into an RFC 5005 archived feed: the current
// document links to the newest archive document, and every archive
// document to its neighbours and to the current one. Each map gives the
// URL by format; a missing entry writes no link.
type History struct {
	// Archive marks an archive document (fh:archive): its items are
	// final, and it is worth caching for long.
	Archive bool
	// Current is the current (subscription) document.
	Current map[Format]string
	// Prev is the archive document just older than this one.
	Prev map[Format]string
	// Next is the archive document just newer than this one; the newest
	// archive document has none, its next being the current document.
	Next map[Format]string
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

// Label is the format's name as people know it: "RSS", "Atom", "JSON Feed".
func (f Format) Label() string {
	switch f {
	case RSS:
		return "RSS"
	case Atom:
		return "Atom"
	case JSON:
		return "JSON Feed"
	}
	return strings.ToUpper(string(f))
}

// MediaType is the media type of format f, without parameters: what a
// self link's type attribute and an autodiscovery link name.
func (f Format) MediaType() string {
	switch f {
	case RSS:
		return "application/rss+xml"
	case Atom:
		return "application/atom+xml"
	case JSON:
		return "application/feed+json"
	}
	return "application/octet-stream"
}

// ContentType is the media type a document of format f is served with.
func (f Format) ContentType() string {
	if !slices.Contains(Formats, f) {
		return f.MediaType()
	}
	return f.MediaType() + "; charset=utf-8"
}
