package publish

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/page"
)

// Pages configures the web pages a build publishes beside its feeds: a
// page for every published item whose link feedpub made up, the files its
// content refers to, a stylesheet, an OPML list of the feeds and an HTML
// view of each feed for static hosting.
//
// A page is online while its item is in any document the build publishes:
// renderSite is handed every document's items, so a kind of document added
// later (archive pages, say) keeps its items' pages by joining that list.
// A page whose item is in none is removed and recorded as gone.
type Pages struct {
	// Site is what every page says about the site. The build fills its
	// Feeds with the configured feeds.
	Site page.Site
	// BaseURL is where the output folder is served, ending in "/".
	BaseURL string
	// Prefix is the start of the links that are pages, below BaseURL, such
	// as BaseURL + "items/". An item gets a page when it comes from one of
	// Sources and its link is Prefix followed by a path, with or without a
	// final "/". The page is the index.html of the folder that path names
	// ("items/x/index.html" for ".../items/x"), which static hosts serve at
	// the link, and feedpub serve too.
	Prefix  string
	Sources []string
}

// MaxBundleFile bounds the size of one file published beside an item's
// page; larger files are left out with a warning.
const MaxBundleFile = 32 << 20

// manifestName is the file in the output folder that lists the pages the
// last build published, so that the next one can retire those whose item
// is gone, and the pages retired so far, which answer 410 Gone.
const manifestName = ".feedpub-pages.json"

// Site is what a build published besides its feed documents.
type Site struct {
	// Page is what every page says about the site, its feeds included.
	Page page.Site
	// Files are the item pages, their bundled files, the stylesheet, the
	// OPML list and the feeds' HTML views, in a fixed order.
	Files []SiteFile
	// Gone lists the folders of retired item pages as request paths
	// ("/items/x/"); a server answers 410 at every spelling of each.
	Gone []string
	// Changed reports whether any file was written or retired.
	Changed bool
}

// SiteFile is one published file of a Site.
type SiteFile struct {
	// Name is the file's path below the output folder, slash-separated.
	Name string
	// Path is the request path it is served at: the path of its item's
	// link ("/items/x" or "/items/x/") for the page in "items/x/index.html".
	Path        string
	ContentType string
	Body        []byte
	// Page is the folder of the item page the file belongs to ("items/x/"),
	// empty for the site's other files.
	Page string
}

// manifest is the content of manifestName.
type manifest struct {
	// Pages maps each page folder ("items/x/") to its files' names.
	Pages map[string][]string `json:"pages"`
	// Files are the site's other files, at the output's root.
	Files []string `json:"files"`
	Gone  []string `json:"gone,omitempty"`
	// Paths maps each page folder to the request path of its page, the
	// path of its item's link ("/items/x"), when that is not the folder's
	// own ("/items/x/").
	Paths map[string]string `json:"paths,omitempty"`
}

const htmlType = "text/html; charset=utf-8"

// renderPages renders, with Pages, the site of the documents published
// (not waiting) and of the archive pages' items into the result.
func (r *run) renderPages(docs []document, archived [][]feed.Item) error {
	if r.Pages == nil {
		return nil
	}
	var names []string
	var metas []feed.Meta
	var published [][]feed.Item
	for _, d := range docs {
		if !d.waiting {
			names, metas, published = append(names, d.name), append(metas, d.meta), append(published, d.items)
		}
	}
	// Archived items keep their pages: their lists follow the
	// documents' own, with no view of their own.
	site, err := r.renderSite(names, metas, append(published, archived...), r.logger)
	if err != nil {
		return err
	}
	r.res.Site = site
	return nil
}

// renderSite renders the pages of the items of lists, the documents named
// names with metas, before anything is written.
func (b *Builder) renderSite(names []string, metas []feed.Meta, lists [][]feed.Item, logger *slog.Logger) (*Site, error) {
	site := &Site{Page: b.siteMeta()}
	var buf bytes.Buffer
	add := func(pageDir, name, urlPath, ctype string, body []byte) {
		site.Files = append(site.Files, SiteFile{Name: name, Path: urlPath, ContentType: ctype, Body: body, Page: pageDir})
	}
	render := func(name string, fn func(io.Writer) error) ([]byte, error) {
		buf.Reset()
		if err := fn(&buf); err != nil {
			return nil, fmt.Errorf("page %s: %w", name, err)
		}
		return bytes.Clone(buf.Bytes()), nil
	}

	done := map[string]bool{}
	for _, items := range lists {
		for _, it := range items {
			dir, urlPath, ok := b.pageDir(it)
			if !ok || done[dir] {
				continue
			}
			done[dir] = true
			body, err := render(dir, func(w io.Writer) error { return page.RenderItem(w, site.Page, it, dir) })
			if err != nil {
				return nil, err
			}
			add(dir, dir+"index.html", urlPath, htmlType, body)
			for _, bf := range it.Bundle {
				data, err := readBundleFile(bf.Path)
				if err != nil {
					logger.Warn("file beside item page not published", "source", it.Source, "item", it.ID, "file", bf.Name, "error", err)
					continue
				}
				add(dir, dir+bf.Name, "/"+dir+bf.Name, ContentType(bf.Name), data)
			}
		}
	}

	add("", page.StyleName, "/"+page.StyleName, ContentType(page.StyleName), page.Style)
	var all []page.Feed
	for i, name := range names {
		all = append(all, page.Feed{Title: metas[i].Title, SelfURL: metas[i].SelfURL})
		view := name + ".html"
		body, err := render(view, func(w io.Writer) error {
			return page.RenderFeed(w, site.Page, metas[i], feed.RSS, lists[i], view)
		})
		if err != nil {
			return nil, err
		}
		add("", view, "/"+view, htmlType, body)
	}
	opml, err := render(page.OPMLName, func(w io.Writer) error { return page.RenderOPML(w, site.Page, all) })
	if err != nil {
		return nil, err
	}
	add("", page.OPMLName, "/"+page.OPMLName, ContentType(page.OPMLName), opml)
	return site, nil
}

// siteMeta is what every page says about the site: Pages.Site with the
// configured feeds.
func (b *Builder) siteMeta() page.Site {
	site := b.Pages.Site
	site.Feeds = nil
	for _, f := range b.Feeds {
		site.Feeds = append(site.Feeds, page.Feed{Title: f.Meta.Title, SelfURL: f.Meta.SelfURL})
	}
	return site
}

// pageDir is the folder, below the output, of it's page ("items/x/"), the
// request path the page is served at, its link's path ("/items/x" or
// "/items/x/"), and whether it gets one.
func (b *Builder) pageDir(it feed.Item) (dir, urlPath string, ok bool) {
	p := b.Pages
	if !slices.Contains(p.Sources, it.Source) || !strings.HasPrefix(it.Link, p.Prefix) || !strings.HasPrefix(p.Prefix, p.BaseURL) {
		return "", "", false
	}
	rel := strings.TrimPrefix(it.Link, p.BaseURL)
	dir = strings.TrimSuffix(rel, "/")
	if !safeRelPath(dir) {
		return "", "", false
	}
	return dir + "/", "/" + rel, true
}

// safeRelPath reports whether p is a relative, slash-separated path whose
// segments are not empty, "." or "..", and need no escaping in a URL.
func safeRelPath(p string) bool {
	if p == "" {
		return false
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, ".") {
			return false
		}
		for i := 0; i < len(seg); i++ {
			c := seg[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~') {
				return false
			}
		}
	}
	return true
}

// readBundleFile reads a file to publish beside a page: a regular file of
// at most MaxBundleFile bytes.
func readBundleFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if st.Size() > MaxBundleFile {
		return nil, fmt.Errorf("%d bytes, more than the %d allowed", st.Size(), MaxBundleFile)
	}
	return io.ReadAll(io.LimitReader(f, MaxBundleFile+1))
}

// writeSite writes every file of site whose bytes changed. It runs before
// the feeds are written, so that no feed links a page not there yet.
func (b *Builder) writeSite(site *Site) error {
	files := site.Files
	for len(files) > 0 {
		// The files of item pages that follow one another are written
		// together: each waits for the disk twice (the file and its
		// folder synced), and a first build writes one page per item
		// of every feed. What comes after them is written after all of
		// them, in order.
		n := 1
		if files[0].Page != "" {
			for n < len(files) && files[n].Page != "" {
				n++
			}
		}
		changed := make([]bool, n)
		errs := make([]error, n)
		writeEach(n, func(i int) { changed[i], errs[i] = b.writeSiteFile(files[i]) })
		for i := range n {
			if errs[i] != nil {
				return errs[i]
			}
			site.Changed = site.Changed || changed[i]
		}
		files = files[n:]
	}
	return nil
}

// writeSiteFile writes one file of the site when its bytes changed.
func (b *Builder) writeSiteFile(f SiteFile) (bool, error) {
	p := filepath.Join(b.Output, filepath.FromSlash(f.Name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return false, fmt.Errorf("write page %s: %w", f.Name, err)
	}
	changed, err := WriteFileAtomic(p, f.Body, 0o644)
	if err != nil {
		return false, fmt.Errorf("write page %s: %w", f.Name, err)
	}
	return changed, nil
}

// writers is how many files writeEach writes at once: writes wait on the
// disk rather than on a CPU.
const writers = 8

// writeEach calls write(i) for every i in [0, n), at most writers at a
// time, and returns when all calls have.
func writeEach(n int, write func(i int)) {
	if n == 1 {
		write(0)
		return
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, writers)
	for i := range n {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			write(i)
		})
	}
	wg.Wait()
}

// retirePages removes the files of pages the last build published and
// this one did not, records them as gone, and writes the manifest. It runs
// after the feeds are written, so that no feed links a page no longer
// there. A page published again is no longer gone.
func (b *Builder) retirePages(site *Site, logger *slog.Logger) error {
	old, err := readManifest(b.Output)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		logger.Warn("page manifest unreadable; pages it listed are not retired", "file", manifestName, "error", err)
	}
	cur := manifestOf(site)
	gone := map[string]bool{}
	for _, g := range old.Gone {
		gone[g] = true
	}
	for dir, files := range old.Pages {
		keep := cur.Pages[dir]
		if keep == nil {
			gone[dir] = true
		}
		for _, f := range files {
			if slices.Contains(keep, f) || !safeRelPath(dir+f) {
				continue
			}
			if err := os.Remove(filepath.Join(b.Output, filepath.FromSlash(dir+f))); err != nil && !errors.Is(err, fs.ErrNotExist) {
				logger.Warn("retired page file not removed", "file", dir+f, "error", err)
			}
			site.Changed = true
		}
		if keep == nil {
			removeEmptyDirs(b.Output, dir)
			logger.Info("item page retired; it answers 410 Gone", "page", dir)
		}
	}
	for dir := range cur.Pages {
		delete(gone, dir)
	}
	cur.Gone = slices.Sorted(maps.Keys(gone))
	site.Gone = site.Gone[:0]
	for _, g := range cur.Gone {
		site.Gone = append(site.Gone, "/"+g)
	}
	raw, err := json.MarshalIndent(cur, "", "  ")
	if err != nil {
		return fmt.Errorf("page manifest: %w", err)
	}
	if _, err := WriteFileAtomic(filepath.Join(b.Output, manifestName), append(raw, '\n'), 0o644); err != nil {
		return fmt.Errorf("page manifest: %w", err)
	}
	return nil
}

// manifestOf lists site's files as the manifest records them.
func manifestOf(site *Site) manifest {
	m := manifest{Pages: map[string][]string{}}
	for _, f := range site.Files {
		if f.Page != "" {
			name := strings.TrimPrefix(f.Name, f.Page)
			m.Pages[f.Page] = append(m.Pages[f.Page], name)
			if name == "index.html" && f.Path != "/"+f.Page {
				if m.Paths == nil {
					m.Paths = map[string]string{}
				}
				m.Paths[f.Page] = f.Path
			}
		} else {
			m.Files = append(m.Files, f.Name)
		}
	}
	return m
}

// removeEmptyDirs removes dir below root, and its parents below root, as
// long as they are empty.
func removeEmptyDirs(root, dir string) {
	for d := strings.TrimSuffix(dir, "/"); d != "" && d != "."; d = path.Dir(d) {
		if os.Remove(filepath.Join(root, filepath.FromSlash(d))) != nil {
			return
		}
	}
}

// readManifest reads the page manifest of the output folder out; a
// missing or unreadable one lists nothing.
func readManifest(out string) (manifest, error) {
	var m manifest
	raw, err := os.ReadFile(filepath.Join(out, manifestName))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return manifest{}, fmt.Errorf("page manifest: %w", err)
	}
	return m, nil
}

// PublishedSite reads back the site the last build wrote to Output: for a
// build that found nothing changed, and for serving the last published
// files when a build fails. ok is false without Pages or Output, or when
// a file the manifest lists is missing.
func (b *Builder) PublishedSite() (site *Site, ok bool) {
	if b.Output == "" || b.Pages == nil {
		return nil, false
	}
	m, err := readManifest(b.Output)
	if err != nil {
		return nil, false
	}
	site = &Site{Page: b.siteMeta()}
	read := func(pageDir, name, urlPath, ctype string) bool {
		if !safeRelPath(name) {
			return false
		}
		body, err := os.ReadFile(filepath.Join(b.Output, filepath.FromSlash(name)))
		if err != nil {
			return false
		}
		site.Files = append(site.Files, SiteFile{Name: name, Path: urlPath, ContentType: ctype, Body: body, Page: pageDir})
		return true
	}
	for _, dir := range slices.Sorted(maps.Keys(m.Pages)) {
		for _, f := range m.Pages[dir] {
			urlPath, ctype := "/"+dir+f, ContentType(f)
			if f == "index.html" {
				urlPath, ctype = "/"+dir, htmlType
				if bare := "/" + strings.TrimSuffix(dir, "/"); m.Paths[dir] == bare {
					urlPath = bare
				}
			}
			if !read(dir, dir+f, urlPath, ctype) {
				return nil, false
			}
		}
	}
	for _, f := range m.Files {
		if !read("", f, "/"+f, ContentType(f)) {
			return nil, false
		}
	}
	for _, g := range m.Gone {
		site.Gone = append(site.Gone, "/"+g)
	}
	return site, true
}

// siteUnchanged completes the result of a build that found nothing
// changed with the site the last build published, and reports whether it
// could: without Pages there is nothing to add.
func (b *Builder) siteUnchanged(res *Result) bool {
	if b.Pages == nil {
		return true
	}
	site, ok := b.PublishedSite()
	res.Site = site
	return ok
}
