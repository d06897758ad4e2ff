package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/keyset"
	"github.com/feedpub/feedpub/internal/weburl"
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
// other stories' headlines, set apart by two or more blank lines, which
// become items of their own.
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
	// CacheFile, when set, is the file where a Scan's Stream keeps what
	// each article file yielded, so that the next Stream reads only the
	// files that changed and sends the articles of the others as partial
	// items, which the Scan's Complete fills in. Leave it empty for
	// callers that need every item whole.
	CacheFile string
}

var (
	_ Source          = (*Text)(nil)
	_ feed.UniqueScan = (*textScan)(nil)
)

// Name returns SourceName.
func (t *Text) Name() string { return t.SourceName }

// Fetch walks Root in lexical order and returns the items of every
// matching file: each file's article, then those of its headlines not
// published before, file after file in walk order.
//
// Fetch fails only when Root cannot be read as a folder, when the
// configuration is invalid, or when ctx ends. A problem with one file is
// logged as a warning naming the file, and the other files still publish.
// Symbolic links to files are followed; links to folders are not.
func (t *Text) Fetch(ctx context.Context) ([]feed.Item, error) {
	return fetchAll(ctx, t)
}

// parseChunk is how many files are read and parsed at once, in parallel,
// before their items are emitted in order.
const parseChunk = 128

// Scan lists the files below Root that match and stats them, for one
// build: its Fingerprint digests them with the settings, and its Stream
// reads them, without walking the folder again. Folders that cannot be
// read are logged here.
func (t *Text) Scan(ctx context.Context) (feed.Scan, error) {
	start := time.Now()
	if err := t.check(); err != nil {
		return nil, err
	}
	files, err := scanTree(ctx, t.Root, t.SourceName, globMatch(t.glob()), t.logger())
	if err != nil {
		return nil, err
	}
	return &textScan{t: t, files: files, start: start}, nil
}

// textScan is a Text source's Scan: the files it lists, stated.
type textScan struct {
	t     *Text
	files []*batch
	start time.Time // of the Scan, for the log line of the read
	// token names the state the last completed Stream or Delta left.
	token string
	// fingerprint is kept once made: Stream lets the listing go as it
	// reads (fileIndex.release), after which it cannot be made.
	fingerprint string
	streamed    bool
}

// Fingerprint implements feed.Scan.
func (s *textScan) Fingerprint() string {
	if s.fingerprint == "" && !s.streamed {
		s.fingerprint = fingerprintOf(settingsOf("text", s.t), s.files)
	}
	return s.fingerprint
}

// UniqueIDs implements feed.UniqueScan: a file whose article id another
// file used first is skipped, and so is a headline whose id is taken.
func (s *textScan) UniqueIDs() bool { return true }

// Complete implements feed.Scan.
func (s *textScan) Complete(ctx context.Context, items []feed.Item) ([]feed.Item, []error) {
	return s.t.complete(ctx, items)
}

// Stream implements feed.Scan: it calls emit with each item, in Fetch's
// order, as soon as it is ready. Files are read and parsed on every CPU.
//
// A Scan streams once: the listing is let go as the files are read.
func (s *textScan) Stream(ctx context.Context, emit func(feed.Item) error) error {
	if s.streamed {
		return errors.New("the listing was streamed already")
	}
	// Made now, while the listing is whole, so that it stays the same.
	s.Fingerprint()
	files := s.files
	s.files, s.streamed = nil, true
	t := s.t
	w := &textWalk{
		t:         t,
		log:       t.logger(),
		emit:      emit,
		ids:       keyset.NewHashedMap[uint32](xxhash.Sum64String),
		listing:   newFileIndex(files),
		headlines: keyset.NewSet(),
		lines:     map[uint64]bool{},
	}
	w.cache = t.openCache(w.log)
	if w.cache != nil {
		// The old index points into the cache this Stream replaces: a
		// Stream that does not complete must leave none behind.
		os.Remove(t.indexPath())
		w.index = newTextIndex(t, w.log)
	}
	complete := false
	defer func() {
		w.cache.finish(complete)
		if s.token = w.saveIndex(complete); s.token != "" {
			// The records of the last Deltas are in the new cache now.
			removeOverlay(t)
		}
		// The id table of a large archive is mapped outside the heap:
		// a daemon's next collection may be minutes away.
		w.ids.Free()
	}()
	// Chunks are read and parsed up to parseAhead ahead of the one that
	// publishes.
	var pending []*parseJob
	defer func() {
		for _, j := range pending {
			j.wait()
		}
	}()
	n := 0
	for chunk := range chunks(files, parseChunk) {
		pending = append(pending, s.startParse(w.cache, n, chunk))
		n += len(chunk)
		w.listing.release(n)
		if len(pending) <= parseAhead {
			continue
		}
		if err := w.publishJob(ctx, pending[0]); err != nil {
			return err
		}
		pending = pending[1:]
	}
	for len(pending) > 0 {
		if err := w.publishJob(ctx, pending[0]); err != nil {
			return err
		}
		pending = pending[1:]
	}
	complete = true
	w.log.Info("source read", "source", t.SourceName, "files", w.read, "skipped", w.skipped,
		"unchanged", w.unchanged, "articles", w.articles, "headlines", w.headlineItems, "took", time.Since(s.start))
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

	// ids maps each ID already used, as feed.NormalizeID writes it (so
	// that the Scan is a feed.UniqueScan), to the number of the file that
	// used it, in walk order: a number takes less memory than a path, and
	// listing gives the path back for the rare duplicate. Its keys start
	// with the hash the index's owner table of ids is sorted by, and the
	// number is the file's place in the index: that table is made from
	// it at the end (saveIndex).
	ids     *keyset.Map[uint32]
	listing fileIndex
	// file is the number of the file being published.
	file uint32
	// headlines holds the keys of the headlines already published.
	headlines keyset.Set
	// lines holds the hashes of the headline lines already seen, as
	// written.
	lines map[uint64]bool
	// cache is nil without Text.CacheFile; index, then, records what the
	// walk saw for the next build's Delta (textdelta.go).
	cache         *textCache
	index         *textIndex
	at            int // the file being published: its place in index
	emitted       int // items emitted from that file so far
	puts          int // the cache's puts before that file
	emit          func(feed.Item) error
	articles      int
	headlineItems int
	read, skipped int
	unchanged     int
}

// parsed is what reading and parsing one file gave.
type parsed struct {
	article *feed.Item
	// named says which of the article's id and link its header gave.
	named     named
	headlines []string
	// lineHashes are the hashes of headlines, by which lines are
	// deduplicated and cached.
	lineHashes []uint64
	warns      []lineWarning
	notFile    bool
	err        error
	// cached is set instead of the fields above when the file did not
	// change: its record stands for it, and raw is the record as stored
	// when it is to be stored again as it is. record is the new record
	// of a file that was parsed.
	cached, record *fileRecord
	raw            []byte
}

// parseFile reads and parses one article file. It runs on several
// goroutines at once and touches no shared state.
func (t *Text) parseFile(f statted) parsed {
	data, err := readStatted(f.abs(), f.info, f.err, t.maxSize())
	if errors.Is(err, errNotFile) {
		return parsed{notFile: true}
	}
	if err != nil {
		return parsed{err: err}
	}
	return t.parseData(f.rel, data)
}

// parseData parses the bytes of the article file at rel.
func (t *Text) parseData(rel string, data []byte) parsed {
	article, headlines, warns, named, err := t.parseNamed(rel, data)
	hashes := make([]uint64, len(headlines))
	for i, h := range headlines {
		hashes[i] = xxhash.Sum64String(h)
	}
	return parsed{article: article, named: named, headlines: headlines, lineHashes: hashes, warns: warns, err: err}
}

// publish logs what parsing one file found and emits its items: the
// article, then each headline not published before.
func (w *textWalk) publish(f statted, r *parsed) error {
	rel := f.rel
	if r.notFile {
		w.log.Debug("symbolic link to folder not followed", "source", w.t.SourceName, "file", rel)
		return nil
	}
	if rec := r.cached; rec != nil {
		if !w.linesKnown(rec) {
			// The file that had the text of one of this file's
			// headlines changed or went: read this one afresh.
			*r = w.t.readCached(f, nil)
			return w.publish(f, r)
		}
		return w.publishCached(rel, r)
	}
	if rec := r.record; rec != nil && w.cache != nil {
		// Stored once the walk says which headlines this file is the
		// first to have.
		rec.lines = make([]string, len(rec.headlines))
		defer func() { w.cache.put(rel, encodeRecord(rec)) }()
	}
	for _, wn := range r.warns {
		logFileProblem(w.log, "article warning", w.t.SourceName, rel, "key", wn)
	}
	if r.err != nil {
		w.skip(rel, r.err.Error())
		return nil
	}
	if article := r.article; article != nil {
		if ok, err := w.emitArticle(rel, *article); !ok || err != nil {
			return err
		}
	}
	w.read++
	if w.t.Headlines == HeadlinesIgnore {
		return nil
	}
	for i, h := range r.headlines {
		// Most repeats of a headline are byte for byte the same line:
		// they are recognised by its hash before any folding work.
		sum := r.lineHashes[i]
		if w.lines[sum] {
			continue
		}
		w.lines[sum] = true
		w.index.ownLine(sum, w.at)
		if r.record != nil && w.cache != nil {
			r.record.lines[i] = h
		}
		if err := w.emitHeadline(rel, h); err != nil {
			return err
		}
	}
	return nil
}

// publishCached emits the items of a file that did not change, from its
// record: the article as a partial item, then the new headlines.
func (w *textWalk) publishCached(rel string, r *parsed) error {
	rec := r.cached
	w.unchanged++
	if r.raw != nil {
		w.cache.put(rel, r.raw)
	} else {
		w.cache.put(rel, encodeRecord(rec))
	}
	for _, wn := range rec.warns {
		if wn.notice {
			// Noted at info level when the file was read; an
			// unchanged file does not repeat it at every build.
			w.log.Debug("article note", "source", w.t.SourceName, "file", rel, "line", wn.line, "note", wn.reason)
			continue
		}
		logFileProblem(w.log, "article warning", w.t.SourceName, rel, "key", wn)
	}
	if rec.skip != "" {
		w.skip(rel, rec.skip)
		return nil
	}
	if rec.article != nil {
		article := *rec.article
		article.Source, article.Partial, article.Ref = w.t.SourceName, true, rel
		// Records leave out what the path gives, as newRecord does.
		if article.ID == "" {
			article.ID = w.t.fileID(rel)
		}
		if article.Link == "" {
			article.Link = w.t.fileLink(rel)
		}
		if ok, err := w.emitArticle(rel, article); !ok || err != nil {
			return err
		}
	}
	w.read++
	if w.t.Headlines == HeadlinesIgnore {
		return nil
	}
	for i, sum := range rec.headlines {
		if w.lines[sum] {
			continue
		}
		w.lines[sum] = true
		w.index.ownLine(sum, w.at)
		if err := w.emitHeadline(rel, rec.lines[i]); err != nil {
			return err
		}
	}
	return nil
}

// linesKnown reports whether the text of every headline of rec that the
// walk has not met yet is in rec.
func (w *textWalk) linesKnown(rec *fileRecord) bool {
	if w.t.Headlines == HeadlinesIgnore {
		return true
	}
	for i, h := range rec.headlines {
		// A file may list a line twice: the text is kept with the first.
		if rec.lines[i] == "" && !w.lines[h] && !slices.Contains(rec.headlines[:i], h) {
			return false
		}
	}
	return true
}

// emitArticle emits a file's article unless its ID was used before, in
// which case the whole file is skipped and ok is false.
func (w *textWalk) emitArticle(rel string, article feed.Item) (ok bool, err error) {
	key := feed.NormalizeID(article.ID)
	if prev, dup := w.ids.Get(key); dup {
		w.skip(rel, fmt.Sprintf("id %s already used by %s", article.ID, w.listing.rel(prev)))
		w.index.duplicate()
		return false, nil
	}
	w.ids.Put(key, w.file)
	w.articles++
	return true, w.emitItem(rel, article)
}

// emitItem emits the next item of the file at rel, with its place in the
// stream.
func (w *textWalk) emitItem(rel string, it feed.Item) error {
	it.Pos = itemPos(rel, w.emitted)
	w.emitted++
	return w.emit(it)
}

// emitHeadline emits the item of one headline line seen for the first
// time, unless a copy of it was published before.
func (w *textWalk) emitHeadline(rel, line string) error {
	title, key, ok := headlineTitle(line)
	if !ok || !w.headlines.Add(key) {
		return nil
	}
	w.index.ownKey(key, w.at)
	item := w.t.headlineItem(title, key)
	idKey := feed.NormalizeID(item.ID)
	if prev, dup := w.ids.Get(idKey); dup {
		logFileProblem(w.log, "headline skipped", w.t.SourceName, rel, "key",
			lineWarning{reason: fmt.Sprintf("id %s already used by %s", item.ID, w.listing.rel(prev))})
		w.index.duplicate()
		return nil
	}
	w.ids.Put(idKey, w.file)
	w.headlineItems++
	return w.emitItem(rel, item)
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
	article, headlines, warns, _, err := t.parseNamed(relpath, data)
	return article, headlines, warns, err
}

// named says which of an article's id and link its header gave; the
// others come from its path.
type named struct{ id, link bool }

// parseNamed is parseArticle that also says which of the article's id
// and link its header gave.
func (t *Text) parseNamed(relpath string, data []byte) (*feed.Item, []string, []lineWarning, named, error) {
	f, warns, err := parseText(data)
	if err != nil {
		return nil, nil, warns, named{}, err
	}
	if !f.article {
		return nil, f.headlines, warns, named{}, nil
	}
	item, fullTitle := t.articleItem(relpath, f)
	return &item, f.headlines, appendDerivedNotes(warns, f, item, fullTitle), named{id: f.id != "", link: f.link != ""}, nil
}

// The notes appendDerivedNotes gives, made once: a build that reads every
// article gives one or two of them an article.
var (
	noteTitle    = "no Title header; title taken from the first sentence"
	noteTitleCut = fmt.Sprintf("no Title header; title taken from the first sentence, cut to %d characters", feed.TitleMax)
	noteSummary  = fmt.Sprintf("no Summary header; summary is the first paragraph cut to %d characters", feed.SummaryMax)
)

// appendDerivedNotes appends to warns the notes on what the article's
// text made of its title and summary where the header gave none;
// fullTitle is the title articleItem derived before it was cut to length.
func appendDerivedNotes(warns []lineWarning, f textFile, item feed.Item, fullTitle string) []lineWarning {
	if len(f.paragraphs) == 0 {
		return warns
	}
	if warns == nil {
		warns = make([]lineWarning, 0, 2)
	}
	lead := f.paragraphs[0]
	if f.title == "" {
		reason := noteTitle
		if item.Title != fullTitle {
			reason = noteTitleCut
		}
		warns = append(warns, lineWarning{notice: true, reason: reason})
	}
	if f.summary == "" && item.Summary != lead {
		warns = append(warns, lineWarning{notice: true, reason: noteSummary})
	}
	return warns
}

// articleItem makes the item of an article file, and returns the title
// it derived from the lead before cutting it to length ("" when the
// header gave one).
func (t *Text) articleItem(relpath string, f textFile) (feed.Item, string) {
	var id string
	if f.id != "" {
		id = ownItemID(t.IDPrefix, t.SourceName, f.id)
	} else {
		id = t.fileID(relpath)
	}
	title, fullTitle := f.title, ""
	if title == "" && len(f.paragraphs) > 0 {
		lead := f.paragraphs[0]
		// feed.DeriveTitle, keeping the uncut title for appendDerivedNotes.
		fullTitle = feed.TrimTitle(feed.FirstSentence(lead))
		if title = feed.Truncate(fullTitle, feed.TitleMax); title == "" {
			// A lead made only of punctuation has no sentence to take.
			title = feed.Truncate(lead, feed.TitleMax)
		}
	}
	link := f.link
	if link == "" {
		link = t.fileLink(relpath)
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
		ContentHTML: paragraphsHTML(f.paragraphs),
		Authors:     f.authors,
		Categories:  f.tags,
		Published:   f.published,
		Updated:     f.updated,
		Source:      t.SourceName,
		Ref:         relpath,

		// Paragraphs of tidy text, escaped into ASCII and put between
		// ASCII tags, stay as feed.CleanText leaves them.
		ContentClean: f.clean,
	}, fullTitle
}

// fileID is the ID of the article of the file at relpath when its header
// gives none.
func (t *Text) fileID(relpath string) string {
	// File names may come decomposed (macOS) or composed (most others):
	// NFC keeps IDs the same on both.
	return itemID(t.IDPrefix, t.SourceName, norm.NFC.String(relpath))
}

// fileLink is the link of the article of the file at relpath when its
// header gives none.
func (t *Text) fileLink(relpath string) string {
	relpath = norm.NFC.String(relpath)
	return fillLink(t.LinkTemplate, t.SourceName, slugPath(strings.TrimSuffix(relpath, path.Ext(relpath))))
}

// headlineItem makes the item of one headline line, and returns the key
// under which copies of it are recognised. ok is false when nothing of the
// headline is left once cleaned.
func (t *Text) headlineItem(title, key string) feed.Item {
	return feed.Item{
		ID:     t.IDPrefix + weburl.EscapeTag(t.SourceName) + "#" + weburl.EscapeTag(key),
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
