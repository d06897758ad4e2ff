package httpfeed

import (
	"bytes"
	"fmt"
	"html/template"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/page"
)

// indexTemplate is the page served at "/". html/template escapes every
// title and URL for the context it lands in, so a feed title cannot inject
// markup; the Content-Security-Policy sent with the page forbids scripts
// regardless.
var indexTemplate = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
{{- range .Feeds}}{{$feed := .}}{{range .Formats}}
<link rel="alternate" {{.TypeAttr}} title="{{$feed.Title}} ({{.Label}})" href="{{.Href}}">
{{- end}}{{end}}
{{- with .OPML}}
<link rel="outline" type="text/x-opml" title="All feeds (OPML)" href="{{.}}">
{{- end}}
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;color:#222}
h2{font-size:1.15rem;margin:1.5rem 0 .25rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dt{font-weight:600}dd{margin:0}
input{width:100%;font:14px ui-monospace,monospace;border:1px solid #ccc;padding:.2rem .4rem;box-sizing:border-box}
footer{margin-top:2rem;color:#666;font-size:.9rem}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{- range .Feeds}}
<section>
<h2>{{.Title}}</h2>
<dl>
{{- range .Formats}}
<dt><a href="{{.Href}}">{{.Label}}</a></dt>
<dd><input type="text" readonly value="{{.URL}}" aria-label="{{.Label}} URL"></dd>
{{- end}}
</dl>
</section>
{{- else}}
<p>No feeds are published.</p>
{{- end}}
{{- with .OPML}}
<p>Every feed in one file, for importing into a reader: <a href="{{.}}">OPML subscription list</a>.</p>
{{- end}}
<footer>Last built <time datetime="{{.BuiltISO}}">{{.BuiltText}}</time>.</footer>
</body>
</html>
`))

// indexPage is the data of indexTemplate.
type indexPage struct {
	Title     string
	Feeds     []indexFeed
	BuiltISO  string
	BuiltText string
	// OPML is the link to the OPML list of every feed; empty when the
	// snapshot has none.
	OPML string
}

// indexFeed is one feed on the index page, with its formats in the order
// of feed.Formats.
type indexFeed struct {
	name    string
	Title   string
	Formats []indexFormat
}

// indexFormat is one published document of a feed.
type indexFormat struct {
	Label string
	// TypeAttr is the type attribute of the autodiscovery link. It is
	// trusted markup so that "+" stays literal for discovery code that
	// matches the raw text; it is built from fixed media types only.
	TypeAttr template.HTMLAttr
	// Href is the document's path relative to the page: links and
	// autodiscovery reach this server at whatever address the page was
	// fetched from, whichever address base_url names.
	Href string
	// URL is the address the feed names as its own (base_url), the one
	// to subscribe to.
	URL string
}

// renderIndex renders the index page of s. It runs once per swapped
// snapshot; requests only ever get the stored bytes.
func renderIndex(s *Snapshot, siteTitle string) ([]byte, error) {
	// Titles come from configuration and sources; the page gets the same
	// cleaning as the feeds, so no control character reaches a browser
	// or a terminal.
	page := indexPage{
		Title:     feed.CollapseSpace(feed.CleanText(siteTitle)),
		BuiltISO:  s.built.UTC().Format(time.RFC3339),
		BuiltText: s.built.UTC().Format("2 January 2006, 15:04 MST"),
	}
	if s.site != nil {
		if _, ok := s.site.byPath["/"+opmlName]; ok {
			page.OPML = opmlName
		}
	}
	for _, d := range s.docs {
		if d.Archive {
			continue // reached from its feed's links, not listed
		}
		if n := len(page.Feeds); n == 0 || page.Feeds[n-1].name != d.Feed {
			page.Feeds = append(page.Feeds, indexFeed{name: d.Feed, Title: d.Feed})
		}
		f := &page.Feeds[len(page.Feeds)-1]
		if t := feed.CollapseSpace(feed.CleanText(d.Title)); f.Title == f.name && t != "" {
			f.Title = t
		}
		f.Formats = append(f.Formats, indexFormat{
			Label: d.Format.Label(),
			// Format.MediaType gives only fixed types: safe unescaped.
			TypeAttr: template.HTMLAttr(`type="` + d.Format.MediaType() + `"`),
			Href:     "." + d.path,
			URL:      d.SelfURL,
		})
	}
	var buf bytes.Buffer
	if err := indexTemplate.Execute(&buf, page); err != nil {
		return nil, fmt.Errorf("render index: %w", err)
	}
	return buf.Bytes(), nil
}

// opmlName is the OPML list's file name, served at the root.
const opmlName = page.OPMLName
