package publish

import (
	"fmt"
	"log/slog"
	"mime"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// The published layout: which files a build writes below Output, under
// which names, and with which media types. A server that falls back to
// the published files, and a store that uploads them, read it from here.
//
//	{feed}.rss, {feed}.atom, {feed}.json        a feed's documents
//	category/{slug}.{format}                    per-category feeds
//	{feed}/archive/{n}.{format}                 archive pages (ArchiveName)
//	{feed}.html                                 a feed's browser view
//	items/{slug}/index.html, items/{slug}/...   item pages and their files
//	feedpub.css, feeds.opml                     the stylesheet, the OPML list
//	.feedpub-pages.json                         the pages published and retired

// ArchiveName is the name of an archive page's documents, as written below
// the output folder and served: {feed}/archive/{n}.{format}.
func ArchiveName(feedName string, number int) string {
	return feedName + "/archive/" + strconv.Itoa(number)
}

// CategoryName is the name of the per-category feed of the category whose
// slug is slug: category/{slug}.{format}.
func CategoryName(slug string) string { return categoryDir + "/" + slug }

const categoryDir = "category"

// docPath is the file of feed name's document in format.
func (b *Builder) docPath(name string, format feed.Format) string {
	return filepath.Join(b.Output, filepath.FromSlash(feed.Document{Feed: name, Format: format}.Path()))
}

// siteTypes are the media types of the text files a site publishes, so
// that they do not depend on the machine's MIME tables; those of media
// files are feed.MediaTypeByExt's.
var siteTypes = map[string]string{
	".html": htmlType, ".css": "text/css; charset=utf-8", ".opml": "text/x-opml; charset=utf-8",
	".txt": "text/plain; charset=utf-8",
}

// ContentType is the media type of the published file name (a path below
// the output folder), by its extension: a feed format's own, a site file's,
// a media file's, or the machine's MIME table's.
func ContentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if f := feed.Format(strings.TrimPrefix(ext, ".")); slices.Contains(feed.Formats, f) {
		return f.ContentType()
	}
	if t, ok := siteTypes[ext]; ok {
		return t
	}
	if t := feed.MediaTypeByExt(ext); t != "" {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// ReadDocument returns d's bytes: its Body, or, for an archive page a
// build reused without rendering it, the file below output it was
// published to.
func ReadDocument(output string, d feed.Document) ([]byte, error) {
	if d.Body != nil {
		return d.Body, nil
	}
	body, err := os.ReadFile(filepath.Join(output, filepath.FromSlash(d.Path())))
	if err != nil {
		return nil, fmt.Errorf("read document %s: %w", d.Path(), err)
	}
	return body, nil
}

// PublishedDocuments reads back the documents the last good build wrote to
// Output, for serving them when this process cannot build: every feed's,
// its per-category feeds' and its archive pages', each that is there and
// validates (a file that does not is logged and left out). A document's
// Modified is its newest item date; a per-category feed is titled by its
// slug, since its category's own name is only inside the documents.
func (b *Builder) PublishedDocuments() []feed.Document {
	logger := b.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var docs []feed.Document
	for _, f := range b.Feeds {
		docs = append(docs, b.publishedFeed(f.Name, f.Meta, logger)...)
		if f.PerCategory && f.CategoryMeta != nil {
			for _, slug := range b.publishedNames(categoryDir) {
				docs = append(docs, b.publishedFeed(CategoryName(slug), f.CategoryMeta(slug, slug), logger)...)
			}
		}
		if f.Archive && f.ArchiveMeta != nil {
			var pages []int
			for _, name := range b.publishedNames(f.Name + "/archive") {
				if n, err := strconv.Atoi(name); err == nil && n > 0 {
					pages = append(pages, n)
				}
			}
			slices.Sort(pages)
			for i, n := range pages {
				for _, d := range b.publishedFeed(ArchiveName(f.Name, n), f.ArchiveMeta(n), logger) {
					d.Archive, d.Final = true, i+1 < len(pages)
					docs = append(docs, d)
				}
			}
		}
	}
	return docs
}

// publishedNames lists the names, without their format's extension, of
// the documents published in dir below Output, each once.
func (b *Builder) publishedNames(dir string) []string {
	entries, err := os.ReadDir(filepath.Join(b.Output, filepath.FromSlash(dir)))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		ext := path.Ext(e.Name())
		name := strings.TrimSuffix(e.Name(), ext)
		if e.Type().IsRegular() && slices.Contains(feed.Formats, feed.Format(strings.TrimPrefix(ext, "."))) && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// publishedFeed reads the published documents of feed name, each that is
// there and validates.
func (b *Builder) publishedFeed(name string, meta feed.Meta, logger *slog.Logger) []feed.Document {
	var docs []feed.Document
	for _, format := range feed.Formats {
		file := b.docPath(name, format)
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		report := feed.ValidateFormat(format, data)
		if report.Err() != nil || len(report.Items) == 0 {
			logger.Warn("published file does not validate; not served", "file", file)
			continue
		}
		var modified time.Time
		for _, it := range report.Items {
			modified = feed.Latest(modified, it.Published, it.Updated)
		}
		docs = append(docs, feed.Document{
			Feed: name, Title: meta.Title, Format: format, Body: data,
			Modified: modified, SelfURL: meta.SelfURL[format],
		})
	}
	return docs
}
