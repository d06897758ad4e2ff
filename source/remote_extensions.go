package source

import (
	"html"
	"strings"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"
)

// Readers of RSS and Atom look beyond the core elements for an item's link
// and body; these are the extensions feedpub reads the same way.

// atomLinkOf returns the href of the first alternate <atom:link> of an RSS
// item (the a10: form .NET writes), its link when it has no <link>.
func atomLinkOf(gi *gofeed.Item) string {
	for _, l := range gi.Extensions["atom"]["link"] {
		rel := strings.TrimSpace(l.Attrs["rel"])
		if href := strings.TrimSpace(l.Attrs["href"]); href != "" && (rel == "" || rel == "alternate") {
			return href
		}
	}
	return ""
}

// mediaBody returns the body Media RSS gives an item (a video's
// description under media:group or media:content, or on the item itself,
// after its thumbnail as an image) as HTML not yet sanitised, and its
// description as plain text; both "" when it gives none. Readers show this
// for YouTube and similar feeds, which carry no other body.
func mediaBody(gi *gofeed.Item) (body, text string) {
	media := gi.Extensions["media"]
	if media == nil {
		return "", ""
	}
	// The places a description and thumbnail may be, most specific first.
	scopes := [][]ext.Extension{media["group"], media["content"], {{Children: media}}}
	var desc ext.Extension
	var thumb string
	for _, scope := range scopes {
		for _, s := range scope {
			if d := firstChild(s, "description"); desc.Value == "" && d != nil && strings.TrimSpace(d.Value) != "" {
				desc = *d
			}
			if t := firstChild(s, "thumbnail"); thumb == "" && t != nil {
				thumb = strings.TrimSpace(t.Attrs["url"])
			}
		}
	}
	if desc.Value == "" {
		return "", ""
	}
	if strings.EqualFold(strings.TrimSpace(desc.Attrs["type"]), "html") {
		body, text = desc.Value, textOfHTML(desc.Value)
	} else {
		body, text = textParagraphsHTML(desc.Value), desc.Value
	}
	if thumb != "" {
		body = `<p><img src="` + html.EscapeString(thumb) + `" alt=""></p>` + body
	}
	return body, text
}

func firstChild(e ext.Extension, name string) *ext.Extension {
	if cs := e.Children[name]; len(cs) > 0 {
		return &cs[0]
	}
	return nil
}
