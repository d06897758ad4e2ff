package page

import (
	"html/template"
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/feedpub/feedpub/feed"
)

// templates holds every page. html/template escapes each value for the
// context it lands in; only an item's content, which sources sanitise,
// and the fixed type attributes go in as trusted markup.
var templates = template.Must(template.New("").Parse(`
{{- define "head"}}<!doctype html>
<html{{with .Head.Lang}} lang="{{.}}"{{end}}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="stylesheet" href="{{.Head.Style}}">
{{- range .Head.Feeds}}{{$f := .}}{{range .Formats}}
<link rel="alternate" {{.Type}} title="{{$f.Title}} ({{.Label}})" href="{{.URL}}">
{{- end}}{{end}}
{{- end}}

{{- define "top"}}
</head>
<body>
<header class="site"><a href="{{.Head.SiteLink}}">{{.Head.SiteTitle}}</a></header>
{{- end}}

{{- define "foot"}}
<footer class="foot">
{{- range .Head.Feeds}}
<p>Follow {{.Title}}:{{range .Formats}} <a href="{{.URL}}">{{.Label}}</a>{{end}}</p>
{{- end}}
<p><a href="{{.Head.SiteLink}}">{{.Head.SiteTitle}}</a></p>
</footer>
</body>
</html>
{{end}}

{{- define "item"}}{{template "head" .}}
<link rel="canonical" href="{{.Link}}">
{{- with .Description}}
<meta name="description" content="{{.}}">{{end}}
<meta property="og:type" content="article">
<meta property="og:title" content="{{.Heading}}">
<meta property="og:url" content="{{.Link}}">
<meta property="og:site_name" content="{{.Head.SiteTitle}}">
{{- with .Description}}
<meta property="og:description" content="{{.}}">{{end}}
{{- with .Image}}
<meta property="og:image" content="{{.}}">{{end}}
<meta property="article:published_time" content="{{.PublishedISO}}">
{{- if .UpdatedISO}}
<meta property="article:modified_time" content="{{.UpdatedISO}}">{{end}}
{{- range .Authors}}
<meta property="article:author" content="{{.Name}}">{{end}}
{{- range .Categories}}
<meta property="article:tag" content="{{.}}">{{end}}
{{- template "top" .}}
<main>
<article>
<h1>{{.Heading}}</h1>
<p class="meta"><time datetime="{{.PublishedISO}}">{{.PublishedText}}</time>
{{- if .UpdatedISO}} · updated <time datetime="{{.UpdatedISO}}">{{.UpdatedText}}</time>{{end}}
{{- if .Authors}} · by {{range $i, $a := .Authors}}{{if $i}}, {{end}}{{if $a.URL}}<a href="{{$a.URL}}" rel="author">{{$a.Name}}</a>{{else}}<span>{{$a.Name}}</span>{{end}}{{end}}{{end}}</p>
{{- if .Content}}
<div class="content">
{{.Content}}
</div>
{{- end}}
{{- range .Media}}
<p><a href="{{.URL}}">{{.Label}}</a></p>
{{- end}}
{{- if .Categories}}
<ul class="tags">{{range .Categories}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
</article>
</main>
{{- template "foot" .}}
{{- end}}

{{- define "feed"}}{{template "head" .}}
<meta name="robots" content="noindex">
{{- template "top" .}}
<main>
<h1>{{.Heading}}</h1>
{{- with .Description}}
<p>{{.}}</p>
{{- end}}
<section class="subscribe" aria-labelledby="subscribe">
<h2 id="subscribe">This is a feed</h2>
<p>Copy this address into your feed reader to follow {{.Heading}}:</p>
<p><input type="text" readonly value="{{.URL}}" aria-label="{{.Label}} feed address"></p>
{{- if .Others}}
<p>Also as{{range $i, $o := .Others}}{{if $i}},{{end}} <a href="{{$o.URL}}">{{$o.Label}}</a>{{end}}.</p>
{{- end}}
</section>
<h2>Latest items</h2>
<ol class="items">
{{- range .Items}}
<li>{{if .Link}}<a href="{{.Link}}">{{.Title}}</a>{{else}}<strong>{{.Title}}</strong>{{end}}
<time datetime="{{.ISO}}">{{.Text}}</time>
{{- with .Summary}}
<p>{{.}}</p>{{end}}</li>
{{- end}}
</ol>
</main>
{{- template "foot" .}}
{{- end}}

{{- define "gone"}}{{template "head" .}}
<meta name="robots" content="noindex">
{{- template "top" .}}
<main>
<h1>This item was removed</h1>
<p>It is no longer published here. The latest items are in the feeds below{{if .Head.SiteLink}} and on <a href="{{.Head.SiteLink}}">{{.Head.SiteTitle}}</a>{{end}}.</p>
</main>
{{- template "foot" .}}
{{- end}}
`))

// itemPage is the data of the item template.
type itemPage struct {
	Head                              headData
	Title, Heading, Link, Description string
	Image                             string
	PublishedISO, PublishedText       string
	UpdatedISO, UpdatedText           string
	Authors                           []feed.Person
	Categories                        []string
	Content                           template.HTML
	Media                             []mediaLink
}

type mediaLink struct{ URL, Label string }

// RenderItem writes the page of it, an item whose page is the index of
// folder p below the output root ("items/story/"). it.ContentHTML must be
// sanitised, as every source's is.
func RenderItem(w io.Writer, site Site, it feed.Item, p string) error {
	head := newHead(site, p)
	head.Style = itemStyle(it.Link, p)
	d := itemPage{
		Head:          head,
		Heading:       clean(it.Title),
		Link:          it.Link,
		Description:   clean(it.Summary),
		PublishedISO:  dateISO(it.Published),
		PublishedText: dateText(it.Published),
		Content:       template.HTML(it.ContentHTML),
	}
	d.Title = d.Heading + " · " + d.Head.SiteTitle
	if it.Updated.After(it.Published) && dateText(it.Updated) != dateText(it.Published) {
		d.UpdatedISO, d.UpdatedText = dateISO(it.Updated), dateText(it.Updated)
	}
	for _, a := range it.Authors {
		if a.Name == "" {
			a.Name = a.Email
		}
		if a.Name != "" {
			d.Authors = append(d.Authors, feed.Person{Name: clean(a.Name), URL: a.URL})
		}
	}
	for _, c := range it.Categories {
		if c = clean(c); c != "" && !slices.Contains(d.Categories, c) {
			d.Categories = append(d.Categories, c)
		}
	}
	for _, e := range it.Enclosures {
		if d.Image == "" && strings.HasPrefix(e.Type, "image/") {
			d.Image = e.URL
		}
		name := e.URL[strings.LastIndexByte(e.URL, '/')+1:]
		if name == "" {
			name = e.URL
		}
		d.Media = append(d.Media, mediaLink{URL: e.URL, Label: "Attachment: " + name + " (" + e.Type + ")"})
	}
	return execute(w, "item", d)
}

// itemStyle is the stylesheet's URL on the page of the item linked link,
// in folder p. The page is served at its link, with or without a final
// slash, and a static host serves it at the folder: no one relative URL
// reaches the stylesheet from both, so the page names it by its path
// below the host, taken from link (base_url's path, then "feedpub.css").
// A link that does not end in p falls back to the folder-relative URL.
func itemStyle(link, p string) string {
	u, err := url.Parse(link)
	if err != nil {
		return relRoot(p) + StyleName
	}
	base, ok := strings.CutSuffix(strings.TrimSuffix(u.EscapedPath(), "/"), "/"+strings.TrimSuffix(p, "/"))
	if !ok || base != "" && (!strings.HasPrefix(base, "/") || strings.HasPrefix(base, "//") || strings.HasSuffix(base, "/")) {
		return relRoot(p) + StyleName
	}
	return base + "/" + StyleName
}

// feedPage is the data of the feed template.
type feedPage struct {
	Head           headData
	Title, Heading string
	Description    string
	URL, Label     string
	Others         []formatLink
	Items          []viewItem
}

type viewItem struct{ Title, Link, Summary, ISO, Text string }

// RenderFeed writes the browser view of the document of format of a feed
// with meta and items, served at path p below the root ("news.rss"). The
// view links its items' pages and names the document's own URL for
// copying into a reader.
func RenderFeed(w io.Writer, site Site, meta feed.Meta, format feed.Format, items []feed.Item, p string) error {
	d := feedPage{
		Head:        newHead(site, p),
		Heading:     clean(meta.Title),
		Description: clean(meta.Description),
		URL:         meta.SelfURL[format],
		Label:       format.Label(),
	}
	d.Title = d.Heading + " (" + d.Label + " feed)"
	for _, l := range (Feed{SelfURL: meta.SelfURL}).links() {
		if l.URL != d.URL {
			d.Others = append(d.Others, l)
		}
	}
	for _, it := range items {
		d.Items = append(d.Items, viewItem{
			Title: clean(it.Title), Link: it.Link, Summary: clean(it.Summary),
			ISO: dateISO(it.Published), Text: dateText(it.Published),
		})
	}
	return execute(w, "feed", d)
}

// gonePage is the data of the gone template.
type gonePage struct {
	Head  headData
	Title string
}

// RenderGone writes the short page that answers, with 410 Gone, for an
// item that is no longer published. One page serves every removed item,
// so its stylesheet link is root-relative.
func RenderGone(w io.Writer, site Site) error {
	d := gonePage{Head: newHead(site, ""), Title: "Removed · " + clean(site.Title)}
	d.Head.Style = "/" + StyleName
	return execute(w, "gone", d)
}
