package source

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/net/html"

	"github.com/feedpub/feedpub/feed"
)

// markdownSlugPath is the path a Markdown file's default link is made
// from: its path below the source folder without the extension, except
// that a file named index.md stands for its folder, as a page bundle does
// in Hugo ("posts/trip/index.md" is "posts/trip").
func markdownSlugPath(relpath string) string {
	p := strings.TrimSuffix(relpath, path.Ext(relpath))
	if dir, base := path.Split(p); base == "index" && dir != "" {
		return strings.TrimSuffix(dir, "/")
	}
	return p
}

// bundleFiles finds the local files an article's content refers to by a
// relative path and that belong beside its page, with PageBundles: content
// URLs, resolved against the item's link taken as a folder, that lead
// below that folder to a file next to the article or in a folder beside
// it. relpath is the article's path
// below Root. Only media and documents (the types of mediaTypes) are
// taken, never other articles or hidden files; a reference to a file that
// is not there is logged.
func (m *Markdown) bundleFiles(relpath string, it *feed.Item) []feed.BundleFile {
	if !m.PageBundles || it.Link == "" {
		return nil
	}
	link := it.Link
	if !strings.HasSuffix(link, "/") {
		link += "/"
	}
	if !strings.Contains(it.ContentHTML, link) {
		return nil
	}
	root, err := os.OpenRoot(m.Root)
	if err != nil {
		return nil
	}
	defer root.Close()
	dir := path.Dir(relpath)
	var out []feed.BundleFile
	for _, ref := range contentURLs(it.ContentHTML) {
		name, ok := strings.CutPrefix(ref, link)
		if !ok {
			continue
		}
		if i := strings.IndexAny(name, "?#"); i >= 0 {
			name = name[:i]
		}
		if !bundleName(name) || slices.ContainsFunc(out, func(b feed.BundleFile) bool { return b.Name == name }) {
			continue
		}
		if feed.MediaTypeByExt(path.Ext(name)) == "" || globMatch(m.glob())(path.Base(name)) {
			continue
		}
		rel := path.Join(dir, name)
		st, err := root.Lstat(filepath.FromSlash(rel))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			m.logger().Warn("article refers to a local file that does not exist", "source", m.SourceName, "file", relpath, "missing", rel)
			continue
		case err != nil || !st.Mode().IsRegular():
			continue
		}
		out = append(out, feed.BundleFile{Path: filepath.Join(m.Root, filepath.FromSlash(rel)), Name: name})
	}
	return out
}

// bundleName reports whether name, a path below an item's page, can be a
// published file's name: segments of RFC 3986 unreserved characters that
// are not empty and do not start with a dot.
func bundleName(name string) bool {
	if name == "" {
		return false
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == "" || seg[0] == '.' {
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

// contentURLs lists the URLs of an HTML fragment's links, images and
// media: href, src, poster and every candidate of srcset.
func contentURLs(fragment string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			for {
				key, val, more := z.TagAttr()
				switch string(key) {
				case "href", "src", "poster":
					out = append(out, strings.TrimSpace(string(val)))
				case "srcset":
					for cand := range strings.SplitSeq(string(val), ",") {
						if f := strings.Fields(cand); len(f) > 0 {
							out = append(out, f[0])
						}
					}
				}
				if !more {
					break
				}
			}
		}
	}
}
