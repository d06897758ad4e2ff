package page

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"

	"github.com/feedpub/feedpub/internal/weburl"
)

// OPMLName is the file name of the OPML list, at the root of the output
// folder.
const OPMLName = "feeds.opml"

// opml is an OPML 2.0 subscription list.
type opml struct {
	XMLName xml.Name  `xml:"opml"`
	Version string    `xml:"version,attr"`
	Title   string    `xml:"head>title"`
	Outline []outline `xml:"body>outline"`
}

type outline struct {
	Type    string `xml:"type,attr"`
	Text    string `xml:"text,attr"`
	Title   string `xml:"title,attr,omitempty"`
	XMLURL  string `xml:"xmlUrl,attr"`
	HTMLURL string `xml:"htmlUrl,attr,omitempty"`
}

// RenderOPML writes an OPML 2.0 list with one subscription for every
// format of every one of feeds, in order, and checks it with ValidateOPML.
// The list has no dates, so the same feeds give the same bytes.
func RenderOPML(w io.Writer, site Site, feeds []Feed) error {
	doc := opml{Version: "2.0", Title: clean(site.Title)}
	for _, f := range feeds {
		for _, l := range f.links() {
			// OPML 2.0 lets text hold encoded HTML, and readers and
			// validators take it as HTML: a title's own "&" or "<" is
			// escaped for HTML before XML escapes it again.
			t := html.EscapeString(clean(f.Title) + " (" + l.Label + ")")
			doc.Outline = append(doc.Outline, outline{Type: "rss", Text: t, Title: t, XMLURL: l.URL, HTMLURL: site.Link})
		}
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("render opml: %w", err)
	}
	buf.WriteByte('\n')
	if err := ValidateOPML(buf.Bytes()); err != nil {
		return fmt.Errorf("rendered opml does not validate: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// ValidateOPML checks data against the OPML 2.0 rules a subscription list
// must keep: well-formed XML, an opml root of version 2.0 with a head and
// a body, a title, and outlines that each have a text and, for a
// subscription (type "rss"), an absolute http(s) xmlUrl.
func ValidateOPML(data []byte) error {
	var doc struct {
		XMLName xml.Name `xml:"opml"`
		Version string   `xml:"version,attr"`
		Head    *struct {
			Title string `xml:"title"`
		} `xml:"head"`
		Body *struct {
			Outline []outline `xml:"outline"`
		} `xml:"body"`
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("opml: %w", err)
	}
	var errs []error
	if doc.Version != "2.0" {
		errs = append(errs, fmt.Errorf("opml: version %q, want 2.0", doc.Version))
	}
	if doc.Head == nil || doc.Head.Title == "" {
		errs = append(errs, errors.New("opml: head has no title"))
	}
	if doc.Body == nil || len(doc.Body.Outline) == 0 {
		errs = append(errs, errors.New("opml: body has no outline"))
	} else {
		for i, o := range doc.Body.Outline {
			if o.Text == "" {
				errs = append(errs, fmt.Errorf("opml: outline %d has no text", i+1))
			}
			if o.Type == "rss" && !weburl.IsHTTP(o.XMLURL) {
				errs = append(errs, fmt.Errorf("opml: outline %d: xmlUrl %q is not an absolute http(s) URL", i+1, o.XMLURL))
			}
			if o.HTMLURL != "" && !weburl.IsHTTP(o.HTMLURL) {
				errs = append(errs, fmt.Errorf("opml: outline %d: htmlUrl %q is not an absolute http(s) URL", i+1, o.HTMLURL))
			}
		}
	}
	return errors.Join(errs...)
}
