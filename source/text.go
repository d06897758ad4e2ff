package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/par"
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

	counts fileCounts
}

var _ Source = (*Text)(nil)

// Name returns SourceName.
func (t *Text) Name() string { return t.SourceName }

// Stats reports how many matching files the last Fetch published from
// (read) and how many it skipped, so that callers can report a source
// whose files all fail even though Fetch itself succeeded. A file
// published with warnings counts as read. After a Fetch that failed, the
// counts cover the files it got to, zero when it read none.
func (t *Text) Stats() (read, skipped int) { return t.counts.get() }

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
	t.counts.set(0, 0)
	if err := t.check(); err != nil {
		return fmt.Errorf("source %s: %w", t.SourceName, err)
	}
	w := &textWalk{
		t:         t,
		log:       t.logger(),
		emit:      emit,
		ids:       map[string]string{},
		headlines: map[string]bool{},
		lines:     map[string]bool{},
	}
	var paths []filePath
	err := walkFiles(ctx, t.Root, w.log, t.SourceName, globMatch(t.glob()), func(p, rel string) {
		paths = append(paths, filePath{abs: p, rel: rel})
	})
	if err != nil {
		return fmt.Errorf("source %s: %w", t.SourceName, err)
	}
	results := make([]parsed, parseChunk)
	for lo := 0; lo < len(paths); lo += parseChunk {
		chunk := paths[lo:min(lo+parseChunk, len(paths))]
		par.For(len(chunk), func(i int) { results[i] = t.parseFile(chunk[i]) })
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
	t.counts.set(w.read, w.skipped)
	w.log.Info("source read", "source", t.SourceName, "files", w.read, "skipped", w.skipped,
		"articles", w.articles, "headlines", w.headlineItems, "took", time.Since(start))
	return nil
}

// check validates the fields Fetch relies on.
func (t *Text) check() error {
	if err := checkFolder(t.Root, t.glob()); err != nil {
		return err
	}
	switch t.Headlines {
	case "", HeadlinesItems, HeadlinesIgnore:
	default:
		return fmt.Errorf("headlines %q: want %q or %q", t.Headlines, HeadlinesItems, HeadlinesIgnore)
	}
	return nil
}

// glob returns Glob or its default.
func (t *Text) glob() string { return cmp.Or(t.Glob, DefaultTextGlob) }

// maxSize returns MaxSize or its default.
func (t *Text) maxSize() int64 { return sizeLimit(t.MaxSize, DefaultMaxSize) }

// logger returns Logger, or one that discards everything.
func (t *Text) logger() *slog.Logger { return orDiscard(t.Logger) }

// textWalk is the state of one Fetch.
type textWalk struct {
	t   *Text
	log *slog.Logger

	// ids maps each ID already used to the file that used it.
	ids map[string]string
	// headlines holds the keys of the headlines already published.
	headlines map[string]bool
	// lines holds the headline lines already seen, as written.
	lines         map[string]bool
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
	warns     []lineWarning
	notFile   bool
	err       error
}

// parseFile reads and parses one article file. It runs on several
// goroutines at once and touches no shared state.
func (t *Text) parseFile(f filePath) parsed {
	data, err := readLimited(f.abs, t.maxSize())
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
		logFileProblem(w.log, "article warning", w.t.SourceName, rel, "key", wn)
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
		// h shares the file's whole text: the map keeps a copy of the
		// line alone, or every file would stay in memory to the end.
		w.lines[strings.Clone(h)] = true
		title, key, ok := headlineTitle(h)
		if !ok || w.headlines[key] {
			continue
		}
		w.headlines[strings.Clone(key)] = true
		item := w.t.headlineItem(title, key)
		if prev, dup := w.ids[item.ID]; dup {
			logFileProblem(w.log, "headline skipped", w.t.SourceName, rel, "key",
				lineWarning{reason: fmt.Sprintf("id %s already used by %s", item.ID, prev)})
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
	logFileProblem(w.log, "article skipped", w.t.SourceName, rel, "key", lineWarning{reason: reason})
}

// parseArticle turns one file's bytes into its article item (nil for a
// headline-only file) and its headline lines, which Fetch deduplicates
// across files. relpath is the file's path below Root, with forward
// slashes. A non-nil error says why the file publishes nothing.
func (t *Text) parseArticle(relpath string, data []byte) (*feed.Item, []string, []lineWarning, error) {
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
	id := itemID(t.IDPrefix, t.SourceName, relpath)
	if f.id != "" {
		id = ownItemID(t.IDPrefix, t.SourceName, f.id)
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
		link = fillLink(t.LinkTemplate, t.SourceName, slugPath(strings.TrimSuffix(relpath, path.Ext(relpath))))
	}
	// The summary is the lead paragraph's, as Normalize would derive it
	// from the HTML; made here from the text, it spares that parse.
	summary := f.summary
	if summary == "" && len(f.paragraphs) > 0 {
		summary = feed.Summarize(f.paragraphs[0], feed.SummaryMax)
	}
	return feed.Item{
		ID:          id,
		Title:       title,
		Link:        link,
		Summary:     summary,
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
		Link:   fillLink(t.LinkTemplate, t.SourceName, headlineSlug(key)),
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
