package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unsafe"

	"github.com/feedpub/feedpub/feed"
)

// The sources that read local files (Text, Markdown, JSONItems) share the
// helpers below, so that they walk folders, read files, count and report
// problems in the same way and with the same messages.

// checkFolder validates the folder and glob of a source that walks one.
func checkFolder(root, glob string) error {
	if root == "" {
		return errors.New("no folder configured")
	}
	if _, err := path.Match(glob, ""); err != nil {
		return fmt.Errorf("glob %q: %w", glob, err)
	}
	return nil
}

// globMatch returns a match function for walkTree that accepts the base
// names glob matches, as path.Match does.
func globMatch(glob string) func(name string) bool {
	// The usual glob, "*.txt", is a suffix: names have no separator for
	// the star to stop at.
	if suffix, ok := strings.CutPrefix(glob, "*"); ok && !strings.ContainsAny(suffix, `*?[\`) {
		return func(name string) bool { return strings.HasSuffix(name, suffix) }
	}
	return func(name string) bool {
		ok, _ := path.Match(glob, name)
		return ok
	}
}

// walkTree calls visit, in lexical order, for every file below root (a
// folder already resolved by resolveFolder) whose base name match accepts,
// with the file's folder (one string shared by the folder's files), the
// folder's path relative to root in forward slashes ("" for root itself)
// and the file's name, valid only during the call: names starting with
// "." are passed over and such folders not entered, a folder that cannot
// be read is logged and skipped, and symbolic links to folders are not
// entered. It fails when root cannot be read or when ctx ends.
func walkTree(ctx context.Context, root string, log *slog.Logger, sourceName string,
	match func(name string) bool, visit func(dir, relDir string, name []byte)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// One list for each depth of the walk, and one buffer for every
	// read: a walk allocates next to nothing per folder.
	var (
		lists []*dirList
		buf   []byte
	)
	list := func(depth int) *dirList {
		if depth == len(lists) {
			lists = append(lists, &dirList{})
		}
		return lists[depth]
	}
	if err := listDir(root, list(0), &buf); err != nil {
		return fmt.Errorf("read folder %s: %w", root, pathCause(err))
	}
	sep := string(filepath.Separator)
	var walk func(abs, rel string, depth int) error
	walk = func(abs, rel string, depth int) error {
		l := lists[depth]
		for i := range l.len() {
			name := l.name(i)
			if name[0] == '.' {
				continue
			}
			if !l.isDir(i) {
				// match keeps nothing of the name it is given.
				if match(unsafe.String(&name[0], len(name))) {
					visit(abs, rel, name)
				}
				continue
			}
			p, r := abs+sep+string(name), string(name)
			if rel != "" {
				r = rel + "/" + r
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			// A folder that fails part way is walked as far as it
			// was read.
			if err := listDir(p, list(depth+1), &buf); err != nil {
				log.Warn("folder skipped", "source", sourceName, "folder", r, "error", pathCause(err).Error())
			}
			if err := walk(p, r, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root, "", 0)
}

// resolveFolder returns dir with symbolic links resolved, or an error
// naming dir when it is not a folder that can be read.
func resolveFolder(dir string) (string, error) {
	root, err := filepath.EvalSymlinks(dir)
	if err == nil {
		var info fs.FileInfo
		if info, err = os.Stat(root); err == nil && !info.IsDir() {
			err = errors.New("not a directory")
		}
	}
	if err != nil {
		return "", fmt.Errorf("read folder %s: %w", dir, pathCause(err))
	}
	return root, nil
}

// errNotFile says a path names a folder (through a symbolic link), which
// is passed over without a warning.
var errNotFile = errors.New("not a file")

// readLimited reads the file at p, refusing what is not a regular file or
// is larger than limit bytes. The size is checked again while reading, in
// case the file grew after it was listed.
func readLimited(p string, limit int64) ([]byte, error) {
	info, err := statFile(p)
	return readStatted(p, info, err, limit)
}

// readStatted is readLimited for a file already stated: info and statErr
// are what statFile returned for p.
func readStatted(p string, info fileInfo, statErr error, limit int64) ([]byte, error) {
	if statErr != nil {
		return nil, fmt.Errorf("unreadable: %w", pathCause(statErr))
	}
	if info.mode.IsDir() {
		return nil, errNotFile
	}
	if !info.mode.IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if info.size > limit {
		return nil, fmt.Errorf("too large: %d bytes, limit %d", info.size, limit)
	}
	data, err := readFile(p, info.size, limit)
	if err != nil {
		return nil, fmt.Errorf("unreadable: %w", pathCause(err))
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("too large: more than %d bytes", limit)
	}
	return data, nil
}

// pathCause strips the operation and path from a *fs.PathError, for
// messages that name the path themselves.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// sizeLimit returns n, or def when n is zero or less.
func sizeLimit(n, def int64) int64 {
	if n <= 0 {
		return def
	}
	return n
}

// fetchAll is the Fetch of a source that reads through a Scan: it scans
// the source and returns every item the Scan streams.
func fetchAll(ctx context.Context, src interface {
	Scan(context.Context) (feed.Scan, error)
}) ([]feed.Item, error) {
	scan, err := src.Scan(ctx)
	if err != nil {
		return nil, err
	}
	var items []feed.Item
	err = scan.Stream(ctx, func(it feed.Item) error {
		items = append(items, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// wholeItems is the Complete of a Scan that streams no partial items,
// so that it has none to complete.
type wholeItems struct{}

// errNoPartialItems is what wholeItems answers for every item.
var errNoPartialItems = errors.New("the source sends no partial items")

// Complete implements feed.Scan: every item gets errNoPartialItems.
func (wholeItems) Complete(_ context.Context, items []feed.Item) ([]feed.Item, []error) {
	errs := make([]error, len(items))
	for i := range errs {
		errs[i] = errNoPartialItems
	}
	return make([]feed.Item, len(items)), errs
}

// orDiscard returns log, or a logger that discards everything when log is
// nil.
func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}

// lineWarning is a problem in a file that does not stop it, or the item
// concerned, from publishing. line is the line to blame, or 0 when none
// is; key names the header or front matter key or the JSON field
// concerned (a header key in lower case), or is "".
type lineWarning struct {
	line   int
	key    string
	reason string
	// notice marks not a problem but a note on what a heuristic made of
	// the file (a title derived, headlines made into items), logged at
	// info level.
	notice bool
}

// lineError is an error that stops a file or item from publishing, and
// the line to blame.
type lineError struct {
	line int
	key  string
	err  error
}

func (e *lineError) Error() string { return e.err.Error() }
func (e *lineError) Unwrap() error { return e.err }

// problemAt turns an error into a warning, keeping the line and key of a
// *lineError.
func problemAt(err error) lineWarning {
	if le, ok := errors.AsType[*lineError](err); ok {
		return lineWarning{line: le.line, key: le.key, reason: le.err.Error()}
	}
	return lineWarning{reason: err.Error()}
}

// logFileProblem logs a warning about a file with the fixed keys
// "source", "file", "line" (when known), keyName (when w names one) and
// "error", the key of every problem feedpub logs; a notice, which is no
// problem, is logged at info level with the message "article note" and
// the key "note" instead.
func logFileProblem(log *slog.Logger, msg, sourceName, file, keyName string, w lineWarning) {
	level := slog.LevelWarn
	if w.notice {
		level = slog.LevelInfo
	}
	// A full build has notes on most articles: when they are not shown,
	// their arguments are not built either.
	if !log.Enabled(context.Background(), level) {
		return
	}
	args := []any{"source", sourceName, "file", file}
	if w.line > 0 {
		args = append(args, "line", w.line)
	}
	if w.key != "" {
		args = append(args, keyName, w.key)
	}
	if w.notice {
		log.Info("article note", append(args, "note", w.reason)...)
		return
	}
	log.Warn(msg, append(args, "error", w.reason)...)
}
