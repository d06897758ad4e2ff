package feed

import "time"

// Document is one rendered document of a feed: what a build publishes and
// what a server serves, at "/" + Feed + "." + Format, byte for byte.
type Document struct {
	// Feed names the feed: "news", or a nested name such as
	// "category/world" or "news/archive/3". Each slash-separated segment
	// is made of ASCII letters, digits, '-', '_', '.' and '~', and is
	// neither "." nor "..".
	Feed   string
	Format Format
	// Title is the feed's human title, shown on index pages and in
	// autodiscovery links; the feed name stands in when it is empty.
	Title string
	// Body is the rendered document. It is nil for an archive page that a
	// build reused without rendering it: its bytes are in the published
	// file.
	Body []byte
	// Modified is the feed's newest item date: Last-Modified when served;
	// zero leaves it out.
	Modified time.Time
	// SelfURL is the absolute http or https URL the document is published
	// at.
	SelfURL string
	// Archive marks an RFC 5005 archive page; Final one whose page has a
	// newer page after it, so that only an edit of its own items changes
	// it again, and caches may keep it for a day.
	Archive, Final bool
	// Changed reports that the build that made the document wrote bytes
	// different from those published before.
	Changed bool
}

// Path is the document's path below the published root, slash-separated:
// "news.rss", "category/world.atom", "news/archive/3.json".
func (d Document) Path() string { return d.Feed + "." + string(d.Format) }
