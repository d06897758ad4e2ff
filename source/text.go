package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/feedpub/feedpub/feed"
	"golang.org/x/text/unicode/norm"
)

// Defaults of a Text source, used when the field is left zero.
const (
	DefaultTextGlob       = "*.txt"
	DefaultMaxSize  int64 = 1 << 20
)

// Values of Text.Headlines.
const (
	// HeadlinesItems publishes each headline of a trailing headline block
	// as an item of its own.
	HeadlinesItems = "items"
	// HeadlinesIgnore drops headline blocks: they are neither items nor
	// part of the article body.
	HeadlinesIgnore = "ignore"
)

// Text is a folder of plain-text article files: an optional "Key: value"
// header block, one paragraph per line, and an optional trailing block of
// other stories' headlines, which become items of their own.
//
// A file's item ID and link come from its path relative to Root, never
// from its modification time, so they survive checkouts and copies.
type Text struct {
	// SourceName names the source in IDs, links and logs.
	SourceName string
	// Root is the folder walked for articles, recursively.
	Root string
	// Glob selects files by base name, as path.Match does; empty means
	// DefaultTextGlob. Names starting with "." are never read, and folders
	// starting with "." are not entered: they belong to editors and
	// version control.
	Glob string
	// Headlines is HeadlinesItems (the default when empty) or
	// HeadlinesIgnore.
	Headlines string
	// MaxSize bounds a file's size in bytes; larger files are skipped so
	// that a stray dump cannot swamp a feed. Zero or less means
	// DefaultMaxSize.
	MaxSize int64
	// IDPrefix starts every item ID: a tag URI authority and date ending in
	// ':', such as "tag:news.example.com,2026-01-01:".
	IDPrefix string
	// LinkTemplate makes an item's link when its header gives none:
	// "{slug}" is replaced by the item's slug and "{source}" by the
	// path-escaped SourceName. Empty leaves such links empty.
	LinkTemplate string
	// Logger receives a warning for every file skipped or published with a
	// problem; nil discards them.
	Logger *slog.Logger

	mu            sync.Mutex
	read, skipped int
}

var _ Source = (*Text)(nil)

// Name returns SourceName.
func (t *Text) Name() string { return t.SourceName }

// Stats reports how many matching files the last Fetch published from
// (read) and how many it skipped, so that callers can report a source
// whose files all fail even though Fetch itself succeeded. A file
// published with warnings counts as read. After a Fetch that failed, the
// counts cover the files it got to, zero when it read none.
func (t *Text) Stats() (read, skipped int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.read, t.skipped
}

// setStats records the counts Stats reports.
func (t *Text) setStats(read, skipped int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.read, t.skipped = read, skipped
}

// Fetch walks Root in lexical order and returns the items of every
// matching file: each file's article, then those of its headlines not
// published before, file after file in walk order.
//
// Fetch fails only when Root cannot be read as a folder, when the
// configuration is invalid, or when ctx ends. A problem with one file is
// logged as a warning naming the file, and the other files still publish.
// Symbolic links to files are followed; links to folders are not.
func (t *Text) Fetch(ctx context.Context) ([]feed.Item, error) {
	var items []feed.Item
	err := t.Stream(ctx, func(it feed.Item) error {
		items = append(items, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// parseChunk is how many files are read and parsed at once, in parallel,
// before their items are emitted in order.
const parseChunk = 256

// Stream is Fetch without holding the items: it calls emit with each
// item, in Fetch's order, as soon as it is ready, so an archive of any size
// is read in bounded memory. Files are read and parsed on every CPU; an
// error from emit stops the walk and is returned.
func (t *Text) Stream(ctx context.Context, emit func(feed.Item) error) error {
	start := time.Now()
	t.setStats(0, 0)
	if err := t.check(); err != nil {
		return fmt.Errorf("source %s: %w", t.SourceName, err)
	}
	root, err := filepath.EvalSymlinks(t.Root)
	if err == nil {
		var info fs.FileInfo
		if info, err = os.Stat(root); err == nil && !info.IsDir() {
			err = errors.New("not a directory")
		}
	}
	if err != nil {
		return fmt.Errorf("source %s: read folder %s: %w", t.SourceName, t.Root, pathCause(err))
	}
	w := &textWalk{
		t:         t,
		ctx:       ctx,
		root:      root,
		log:       t.logger(),
		emit:      emit,
		ids:       map[string]string{},
		headlines: map[string]bool{},
		lines:     map[string]bool{},
	}
	err = filepath.WalkDir(root, w.visit)
	switch {
	case w.rootErr != nil:
		return fmt.Errorf("source %s: read folder %s: %w", t.SourceName, t.Root, pathCause(w.rootErr))
	case err != nil:
		return fmt.Errorf("source %s: %w", t.SourceName, err)
	}
	results := make([]parsed, parseChunk)
	workers := runtime.GOMAXPROCS(0)
	for lo := 0; lo < len(w.paths); lo += parseChunk {
		chunk := w.paths[lo:min(lo+parseChunk, len(w.paths))]
		var wg sync.WaitGroup
		for k := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := k; i < len(chunk); i += workers {
					results[i] = t.parseFile(chunk[i])
				}
			}()
		}
		wg.Wait()
		for i := range chunk {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("source %s: %w", t.SourceName, err)
			}
			if err := w.publish(chunk[i].rel, &results[i]); err != nil {
				return err
			}
			results[i] = parsed{}
		}
	}
	t.setStats(w.read, w.skipped)
	w.log.Info("source read", "source", t.SourceName, "files", w.read, "skipped", w.skipped,
		"articles", w.articles, "headlines", w.headlineItems, "took", time.Since(start))
	return nil
}

// check validates the fields Fetch relies on.
func (t *Text) check() error {
	if t.Root == "" {
		return errors.New("no folder configured")
	}
	if _, err := path.Match(t.glob(), ""); err != nil {
		return fmt.Errorf("glob %q: %w", t.glob(), err)
	}
	switch t.Headlines {
	case "", HeadlinesItems, HeadlinesIgnore:
	default:
		return fmt.Errorf("headlines %q: want %q or %q", t.Headlines, HeadlinesItems, HeadlinesIgnore)
	}
	return nil
}

// glob returns Glob or its default.
func (t *Text) glob() string {
	if t.Glob == "" {
		return DefaultTextGlob
	}
	return t.Glob
}

// maxSize returns MaxSize or its default.
func (t *Text) maxSize() int64 {
	if t.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return t.MaxSize
}

// logger returns Logger, or one that discards everything.
func (t *Text) logger() *slog.Logger {
	if t.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return t.Logger
}

// textWalk is the state of one Fetch.
type textWalk struct {
	t       *Text
	ctx     context.Context
	root    string
	log     *slog.Logger
	rootErr error

	// ids maps each ID already used to the file that used it.
	ids map[string]string
	// headlines holds the keys of the headlines already published.
	headlines map[string]bool
	// lines holds the headline lines already seen, as written.
	lines map[string]bool
	// paths lists the files to read, in walk order.
	paths         []filePath
	emit          func(feed.Item) error
	articles      int
	headlineItems int
	read, skipped int
}

// filePath names one article file.
type filePath struct{ abs, rel string }

// parsed is what reading and parsing one file gave.
type parsed struct {
	article   *feed.Item
	headlines []string
	warns     []warning
	notFile   bool
	err       error
}

// visit is the filepath.WalkDirFunc of a Fetch.
func (w *textWalk) visit(p string, d fs.DirEntry, err error) error {
	if cerr := w.ctx.Err(); cerr != nil {
		return cerr
	}
	if err != nil {
		if p == w.root {
			w.rootErr = err
			return err
		}
		w.log.Warn("folder skipped", "source", w.t.SourceName, "folder", w.rel(p), "reason", pathCause(err).Error())
		return nil
	}
	if p == w.root {
		return nil
	}
	if strings.HasPrefix(d.Name(), ".") {
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	}
	if d.IsDir() {
		return nil
	}
	if ok, _ := path.Match(w.t.glob(), d.Name()); ok {
		w.paths = append(w.paths, filePath{abs: p, rel: w.rel(p)})
	}
	return nil
}

// rel returns p relative to the root, with forward slashes.
func (w *textWalk) rel(p string) string {
	r, err := filepath.Rel(w.root, p)
	if err != nil {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}

// errNotFile says a path names a folder (through a symbolic link), which
// is passed over without a warning.
var errNotFile = errors.New("not a file")

// parseFile reads and parses one article file. It runs on several
// goroutines at once and touches no shared state.
func (t *Text) parseFile(f filePath) parsed {
	data, err := t.readFile(f.abs)
	if errors.Is(err, errNotFile) {
		return parsed{notFile: true}
	}
	if err != nil {
		return parsed{err: err}
	}
	article, headlines, warns, err := t.parseArticle(f.rel, data)
	return parsed{article: article, headlines: headlines, warns: warns, err: err}
}

// publish logs what parsing one file found and emits its items: the
// article, then each headline not published before.
func (w *textWalk) publish(rel string, r *parsed) error {
	if r.notFile {
		w.log.Debug("symbolic link to folder not followed", "source", w.t.SourceName, "file", rel)
		return nil
	}
	for _, wn := range r.warns {
		args := []any{"source", w.t.SourceName, "file", rel, "reason", wn.reason}
		if wn.key != "" {
			args = append(args, "key", wn.key)
		}
		w.log.Warn("article warning", args...)
	}
	if r.err != nil {
		w.skip(rel, r.err.Error())
		return nil
	}
	if article := r.article; article != nil {
		if prev, dup := w.ids[article.ID]; dup {
			w.skip(rel, fmt.Sprintf("id %s already used by %s", article.ID, prev))
			return nil
		}
		w.ids[article.ID] = rel
		w.articles++
		if err := w.emit(*article); err != nil {
			return err
		}
	}
	w.read++
	if w.t.Headlines == HeadlinesIgnore {
		return nil
	}
	for _, h := range r.headlines {
		// Most repeats of a headline are byte for byte the same line:
		// they are recognised before any folding work.
		if w.lines[h] {
			continue
		}
		w.lines[h] = true
		title, key, ok := headlineTitle(h)
		if !ok || w.headlines[key] {
			continue
		}
		w.headlines[key] = true
		item := w.t.headlineItem(title, key)
		if prev, dup := w.ids[item.ID]; dup {
			w.log.Warn("headline skipped", "source", w.t.SourceName, "file", rel,
				"reason", fmt.Sprintf("id %s already used by %s", item.ID, prev))
			continue
		}
		w.ids[item.ID] = rel
		w.headlineItems++
		if err := w.emit(item); err != nil {
			return err
		}
	}
	return nil
}

// skip logs that a file publishes nothing, and why.
func (w *textWalk) skip(rel, reason string) {
	w.skipped++
	w.log.Warn("article skipped", "source", w.t.SourceName, "file", rel, "reason", reason)
}

// readFile reads the file at p, refusing what is not a regular file or is
// larger than MaxSize. The size is checked again while reading, in case
// the file grew after it was listed.
func (t *Text) readFile(p string) ([]byte, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("unreadable: %w", pathCause(err))
	}
	if info.IsDir() {
		return nil, errNotFile
	}
	if !info.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	limit := t.maxSize()
	if info.Size() > limit {
		return nil, fmt.Errorf("too large: %d bytes, limit %d", info.Size(), limit)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("unreadable: %w", pathCause(err))
	}
	defer f.Close()
	// Read what Stat announced in one go; a file that grew since is
	// still caught by the limit.
	buf := bytes.NewBuffer(make([]byte, 0, info.Size()+1))
	_, err = buf.ReadFrom(io.LimitReader(f, limit+1))
	data := buf.Bytes()
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

// parseArticle turns one file's bytes into its article item (nil for a
// headline-only file) and its headline lines, which Fetch deduplicates
// across files. relpath is the file's path below Root, with forward
// slashes. A non-nil error says why the file publishes nothing.
func (t *Text) parseArticle(relpath string, data []byte) (*feed.Item, []string, []warning, error) {
	f, warns, err := parseText(data)
	if err != nil {
		return nil, nil, warns, err
	}
	if !f.article {
		return nil, f.headlines, warns, nil
	}
	item := t.articleItem(relpath, f)
	return &item, f.headlines, warns, nil
}

// articleItem makes the item of an article file.
func (t *Text) articleItem(relpath string, f textFile) feed.Item {
	// File names may come decomposed (macOS) or composed (most others):
	// NFC keeps IDs the same on both.
	relpath = norm.NFC.String(relpath)
	base := t.IDPrefix + escapeTag(t.SourceName) + "/"
	id := base + escapeTagPath(relpath)
	switch {
	case f.id != "" && absoluteURI(f.id):
		id = f.id
	case f.id != "":
		id = base + escapeTagPath(f.id)
	}
	title := f.title
	if title == "" && len(f.paragraphs) > 0 {
		lead := f.paragraphs[0]
		if title = feed.DeriveTitle(lead); title == "" {
			// A lead made only of punctuation has no sentence to take.
			title = feed.Truncate(lead, feed.TitleMax)
		}
	}
	link := f.link
	if link == "" {
		link = t.link(slugPath(strings.TrimSuffix(relpath, path.Ext(relpath))))
	}
	return feed.Item{
		ID:          id,
		Title:       title,
		Link:        link,
		Summary:     f.summary,
		ContentHTML: feed.ParagraphsHTML(f.paragraphs),
		Authors:     f.authors,
		Categories:  f.tags,
		Published:   f.published,
		Updated:     f.updated,
		Source:      t.SourceName,
	}
}

// headlineItem makes the item of one headline line, and returns the key
// under which copies of it are recognised. ok is false when nothing of the
// headline is left once cleaned.
func (t *Text) headlineItem(title, key string) feed.Item {
	return feed.Item{
		ID:     t.IDPrefix + escapeTag(t.SourceName) + "#" + escapeTag(key),
		Title:  title,
		Link:   t.link(headlineSlug(key)),
		Source: t.SourceName,
	}
}

// headlineTitle cleans a headline line into its title and its dedupe key;
// ok is false when nothing is left.
func headlineTitle(line string) (title, key string, ok bool) {
	title = feed.CollapseSpace(feed.CleanText(line))
	key = headlineKey(title)
	if blank(title) || key == "" {
		return "", "", false
	}
	return title, key, true
}

// link fills LinkTemplate for a slug.
func (t *Text) link(slug string) string {
	if t.LinkTemplate == "" {
		return ""
	}
	return strings.NewReplacer("{slug}", slug, "{source}", url.PathEscape(t.SourceName)).Replace(t.LinkTemplate)
}
