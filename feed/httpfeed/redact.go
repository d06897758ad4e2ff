package httpfeed

import (
	"path/filepath"
	"regexp"
	"strings"
)

// absPath matches an absolute file system path in an error message: a
// slash at the start of the text or after a space, a quote, a bracket, an
// equals sign or a comma (so the slashes of a URL do not match), up to the
// next space, quote, bracket, comma, semicolon or colon.
var absPath = regexp.MustCompile(`(^|[\s"'(\[=,])(/[^\s"'()\[\],;:]*)`)

// redactPaths rewrites the absolute paths in msg, which /healthz shows to
// anyone who asks: a path inside root becomes relative to it (root is the
// configuration's folder, so "articles/a.txt" still says which file), any
// other becomes its file name.
func redactPaths(msg, root string) string {
	return absPath.ReplaceAllStringFunc(msg, func(m string) string {
		i := strings.IndexByte(m, '/')
		lead, p := m[:i], m[i:]
		if root != "" {
			if rel, err := filepath.Rel(root, p); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
				return lead + rel
			}
		}
		return lead + filepath.Base(p)
	})
}
