package httpfeed

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/page"
)

// Site is what a build publishes besides its feed documents: item pages,
// the files beside them, the stylesheet and the OPML list, and the paths
// of retired item pages.
type Site struct {
	// Page is what the feeds' browser views and the page of a retired
	// item say about the site.
	Page page.Site
	// Files are served at their Path, byte for byte.
	Files []SiteFile
	// Gone are request paths that answer 410 Gone with a short page. A
	// path ending in "/" names a retired page's folder: it answers without
	// its final slash and with "index.html" too.
	Gone []string
}

// SiteFile is one file of a Site.
type SiteFile struct {
	// Path is the request path: "/items/story", "/feedpub.css". Its
	// segments are made of RFC 3986 unreserved characters.
	Path        string
	ContentType string
	Body        []byte
	// Folder, for a page published as a folder's index.html, is that
	// folder's path: Path itself or Path + "/". The folder's other
	// spelling, with or without the final slash, redirects to Path, and
	// Folder + "index.html" is the page too, as on a static host.
	Folder string
}

// site is a Site prepared for serving.
type site struct {
	files  []*siteFile
	byPath map[string]int
	// folders maps the Folder of each page to its index in files.
	folders map[string]int
	gone    map[string]bool
	// goneRep is the page every gone path answers with.
	goneRep representation
	// views parallels Snapshot.docs: the HTML a browser gets for the
	// document, or nil.
	views []*representation
}

type siteFile struct {
	SiteFile
	rep representation
}

// Content-Security-Policy values. Pages may show the images and media of
// their content, from anywhere, and the one stylesheet; nothing runs,
// submits or frames them. Other files are sandboxed, so that an SVG
// image opened on its own cannot run script.
var (
	valuePageCSP = []string{"default-src 'none'; style-src 'self'; img-src * data:; media-src *; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}
	valueFileCSP = []string{"default-src 'none'; style-src 'unsafe-inline'; sandbox"}
)

// NewSiteSnapshot is NewSnapshot with a Site: its files are served beside
// the documents, its gone paths answer 410, and each RSS, Atom or JSON
// Feed document also gets an HTML view that browsers navigating to it are
// given instead (see browserNavigation), rendered from the document
// itself.
func NewSiteSnapshot(docs []feed.Document, st Site, built time.Time) (*Snapshot, error) {
	s, err := NewSnapshot(docs, built)
	if err != nil {
		return nil, err
	}
	ps := &site{byPath: map[string]int{}, folders: map[string]int{}, gone: map[string]bool{}}
	var errs []error
	for _, f := range st.Files {
		if err := validateSitePath(f.Path); err != nil {
			errs = append(errs, fmt.Errorf("site file %q: %w", f.Path, err))
			continue
		}
		if _, dup := s.byPath[f.Path]; dup {
			errs = append(errs, fmt.Errorf("site file %s: also a feed document", f.Path))
			continue
		}
		if _, dup := ps.byPath[f.Path]; dup {
			errs = append(errs, fmt.Errorf("site file %s: published twice", f.Path))
			continue
		}
		if f.ContentType == "" {
			errs = append(errs, fmt.Errorf("site file %s: no content type", f.Path))
			continue
		}
		if f.Folder != "" {
			if want := strings.TrimSuffix(f.Path, "/") + "/"; f.Folder != want {
				errs = append(errs, fmt.Errorf("site file %s: folder %q is not its path with a final slash", f.Path, f.Folder))
				continue
			}
			if _, dup := ps.folders[f.Folder]; dup {
				errs = append(errs, fmt.Errorf("site file %s: folder %s has two pages", f.Path, f.Folder))
				continue
			}
			ps.folders[f.Folder] = len(ps.files)
		}
		sf := &siteFile{SiteFile: f}
		sf.Body = bytes.Clone(f.Body)
		ps.byPath[f.Path] = len(ps.files)
		ps.files = append(ps.files, sf)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("new snapshot: %w", err)
	}
	for _, g := range st.Gone {
		_, live := ps.byPath[g]
		_, liveFolder := ps.folders[g]
		if validateSitePath(g) == nil && !live && !liveFolder {
			ps.gone[g] = true
		}
	}
	for _, f := range ps.files {
		if f.rep, err = fileRepresentation(f.ContentType, f.Body); err != nil {
			return nil, fmt.Errorf("new snapshot: site file %s: %w", f.Path, err)
		}
	}
	var buf bytes.Buffer
	if err := page.RenderGone(&buf, st.Page); err != nil {
		return nil, fmt.Errorf("new snapshot: %w", err)
	}
	if ps.goneRep, err = newRepresentation(buf.Bytes(), time.Time{}); err != nil {
		return nil, fmt.Errorf("new snapshot: gone page: %w", err)
	}
	ps.views = make([]*representation, len(s.docs))
	for i, d := range s.docs {
		body, err := renderView(s, d, st.Page)
		if err != nil {
			// The document is served all the same; browsers get it as is.
			continue
		}
		rep, err := newRepresentation(body, time.Time{})
		if err != nil {
			return nil, fmt.Errorf("new snapshot: view of %s: %w", d.path, err)
		}
		ps.views[i] = &rep
	}
	s.site = ps
	return s, nil
}

// renderView renders the browser view of document d from its own bytes,
// so that it shows exactly the items a reader would get.
func renderView(s *Snapshot, d *document, st page.Site) ([]byte, error) {
	parsed, err := gofeed.NewParser().Parse(bytes.NewReader(d.Body))
	if err != nil {
		return nil, fmt.Errorf("view of %s: %w", d.path, err)
	}
	meta := feed.Meta{Title: cmp.Or(parsed.Title, d.Title, d.Feed), Description: parsed.Description, SelfURL: map[feed.Format]string{}}
	for _, o := range s.docs {
		if o.Feed == d.Feed {
			meta.SelfURL[o.Format] = o.SelfURL
		}
	}
	items := make([]feed.Item, 0, len(parsed.Items))
	for _, it := range parsed.Items {
		var published time.Time
		if it.PublishedParsed != nil {
			published = *it.PublishedParsed
		} else if it.UpdatedParsed != nil {
			published = *it.UpdatedParsed
		}
		items = append(items, feed.Item{Title: it.Title, Link: it.Link, Summary: feed.LeadText(it.Description), Published: published})
	}
	var buf bytes.Buffer
	if err := page.RenderFeed(&buf, st, meta, d.Format, items, strings.TrimPrefix(d.path, "/")); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fileRepresentation is newRepresentation for a site file, without a
// gzip variant for media that are compressed already.
func fileRepresentation(contentType string, body []byte) (representation, error) {
	mt, _, _ := strings.Cut(contentType, ";")
	if strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+xml") || strings.HasSuffix(mt, "/xml") || strings.HasSuffix(mt, "json") {
		return newRepresentation(body, time.Time{})
	}
	var rep representation
	rep.variants = []variant{newVariant(codingIdentity, body)}
	rep.identity = &rep.variants[0]
	return rep, nil
}

// validateSitePath accepts request paths that start with "/" and whose
// segments validateFeedName would accept; a trailing "/" names a page.
func validateSitePath(p string) error {
	if !strings.HasPrefix(p, "/") || p == "/" {
		return errors.New("not an absolute path below the root")
	}
	if p == "/healthz" || p == "/metrics" {
		return errors.New("reserved path")
	}
	return validateFeedName(strings.TrimSuffix(p[1:], "/"))
}

// siteRoutes are the routes of a site in one Handler state.
type siteRoutes struct {
	files []route
	views []*route // parallel to state.routes; nil entries have no view
	gone  route
}

// newSiteRoutes prepares the routes of s's site; nil when it has none.
func (h *Handler) newSiteRoutes(s *Snapshot) *siteRoutes {
	ps := s.site
	if ps == nil {
		return nil
	}
	sr := &siteRoutes{files: make([]route, len(ps.files)), views: make([]*route, len(ps.views))}
	for i, f := range ps.files {
		extra := []field{{"Content-Type", []string{f.ContentType}}}
		if strings.HasPrefix(f.ContentType, "text/html") {
			extra = append(extra, field{"Content-Security-Policy", valuePageCSP}, field{"Referrer-Policy", valueNoReferrer})
		} else {
			extra = append(extra, field{"Content-Security-Policy", valueFileCSP})
		}
		sr.files[i] = h.newRoute(&f.rep, "", routePage, extra)
	}
	for i, v := range ps.views {
		if v == nil {
			continue
		}
		rt := h.newRoute(v, s.docs[i].Feed, string(s.docs[i].Format), []field{
			{"Content-Type", valueHTML},
			{"Content-Security-Policy", valuePageCSP},
			{"Referrer-Policy", valueNoReferrer},
		})
		setVary(&rt, valueVaryBrowser)
		sr.views[i] = &rt
	}
	sr.gone = h.newRoute(&ps.goneRep, "", routePage, []field{
		{"Content-Type", valueHTML},
		{"Content-Security-Policy", valuePageCSP},
		{"Referrer-Policy", valueNoReferrer},
	})
	return sr
}

// routePage labels the requests for site files in the metrics.
const routePage = "page"

// serveSite answers path from st's site, and reports whether it did.
func (h *Handler) serveSite(w http.ResponseWriter, r *http.Request, st *state, path string) bool {
	ps, sr := st.snap.site, st.site
	if ps == nil || sr == nil {
		return false
	}
	if i, ok := ps.byPath[path]; ok {
		h.serveRoute(w, r, &sr.files[i])
		return true
	}
	if ps.gone[path] {
		h.serveGone(w, r, &sr.gone)
		return true
	}
	// The folder a page is the index of answers at every spelling, as on
	// a static host: its index.html is the page, and the folder's other
	// spelling moves to the one the item links.
	folder, index := strings.CutSuffix(path, "/index.html")
	switch {
	case index:
		folder += "/"
	case !strings.HasSuffix(path, "/"):
		folder = path + "/"
	}
	if i, ok := ps.folders[folder]; ok {
		if index {
			h.serveRoute(w, r, &sr.files[i])
			return true
		}
		if !h.allowMethod(w, r, "", routePage) {
			return true
		}
		w.Header()["Location"] = []string{ps.files[i].Path}
		writePlain(w, r, http.StatusMovedPermanently, bodyMoved, valueMovedLen)
		h.m.requests.WithLabelValues("", routePage, "301").Inc()
		return true
	}
	if ps.gone[folder] {
		h.serveGone(w, r, &sr.gone)
		return true
	}
	return false
}

var (
	bodyMoved     = []byte("301 moved permanently\n")
	valueMovedLen = []string{strconv.Itoa(len(bodyMoved))}
)

// serveGone answers 410 Gone with the short page of a retired item.
func (h *Handler) serveGone(w http.ResponseWriter, r *http.Request, rt *route) {
	if !h.allowMethod(w, r, "", routePage) {
		return
	}
	h.serveFixed(w, r, rt, http.StatusGone, h.cacheControl())
}

// serveFixed sends rt's representation with status, without validators:
// for answers that are not cached as the resource (410 pages, browser
// views).
func (h *Handler) serveFixed(w http.ResponseWriter, r *http.Request, rt *route, status int, cacheControl []string) {
	v := rt.rep.pick(acceptedCodings(r.Header["Accept-Encoding"]))
	if v = h.fetchBody(w, r, rt, v); v == nil {
		return
	}
	hdr := w.Header()
	for _, f := range rt.header {
		hdr[f.key] = f.value
	}
	hdr["Cache-Control"] = cacheControl
	hdr["Content-Length"] = v.lengthHeader
	if v.encodingHeader != nil {
		hdr["Content-Encoding"] = v.encodingHeader
	}
	w.WriteHeader(status)
	h.m.requests.WithLabelValues(rt.feed, rt.format, strconv.Itoa(status)).Inc()
	if r.Method == http.MethodHead {
		return
	}
	sendBody(w, r, v)
}

// setVary replaces the Vary field of rt's headers.
func setVary(rt *route, value []string) {
	for _, hs := range [][]field{rt.header, rt.header304} {
		for i := range hs {
			if hs[i].key == "Vary" {
				hs[i].value = value
			}
		}
	}
}

// siteFiles lists the site routes' body files, for eachFile.
func (sr *siteRoutes) routes() []*route {
	if sr == nil {
		return nil
	}
	out := make([]*route, 0, len(sr.files)+len(sr.views)+1)
	for i := range sr.files {
		out = append(out, &sr.files[i])
	}
	for _, v := range sr.views {
		if v != nil {
			out = append(out, v)
		}
	}
	out = append(out, &sr.gone)
	return slices.Clip(out)
}
