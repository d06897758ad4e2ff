package source

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/buildid"
	"github.com/feedpub/feedpub/internal/par"
)

// A Text source with a CacheFile reads only the files that changed since
// the last build. For every file the cache keeps its size, modification
// time and a hash of its bytes, and what the file yields apart from its
// body: the article's fields, any skip reason and warnings, and a hash of
// each headline line, with the line's text where the file was the first to
// have it.
//
// A file whose size and modification time match its record is not opened.
// One whose time changed but whose size did not is read and hashed, and
// taken from the cache when its bytes are the same (a touch, a copy, a
// checkout). Articles taken from the cache are sent as partial items
// (feed.Item.Partial, no content); Complete reads the few a feed publishes.
//
// The cache is one file of records in the walk's order, read alongside
// the walk and written anew, next to it, as the walk goes; the new file
// replaces the old one only when the walk completes. Reading and writing
// it is sequential and needs memory for one record at a time, whatever
// the size of the archive. A cache made with other settings or by another
// feedpub binary is ignored, so nothing derived by other code is reused.

// cacheMagic starts every cache file; the byte after it is the format.
const cacheMagic = "feedpub text cache\n"

// cacheFormat is the layout of the records below, and the rules that
// made them: format 2 records notes, and follows the rule that only a
// block after two blank lines holds headlines, so records made by the
// rules of format 1 are never reused.
const cacheFormat = 2

// fileRecord is what the cache knows of one file.
type fileRecord struct {
	size  int64
	mtime int64
	sum   uint64
	// skip says why the file publishes nothing; empty when it does.
	skip  string
	warns []lineWarning
	// article is the file's article without content or summary, and
	// without ID and link where the path gives them; nil for a
	// headline-only or skipped file.
	article *feed.Item
	// headlines are the hashes of the file's headline lines; lines holds
	// the text of those the file was the first to have, "" for others.
	headlines []uint64
	lines     []string
}

// cacheKey orders files as the walk does: '/' sorts before every byte a
// name can hold.
func cacheKey(rel string) string { return strings.ReplaceAll(rel, "/", "\x00") }

// textCache is a Text source's cache during one Stream: the previous
// build's file, read in step with the walk, and the new one being written.
type textCache struct {
	path   string
	log    *slog.Logger
	source string

	in     *bufio.Reader
	inFile *os.File
	// next is the key and record the reader stands on; done when the
	// old file is used up or unusable.
	nextKey string
	nextRec []byte
	done    bool

	out     *bufio.Writer
	outFile *os.File
	// failed stops the writing after an error; the build goes on, and
	// the next one reads every file.
	failed bool
	// written counts the bytes written; lastAt and lastLen say where the
	// last record put went, and puts counts the records.
	written int64
	lastAt  int64
	lastLen int
	puts    int
}

// openCache opens the cache of one Stream; nil when t has none.
func (t *Text) openCache(log *slog.Logger) *textCache {
	if t.CacheFile == "" {
		return nil
	}
	tc := &textCache{path: t.CacheFile, log: log, source: t.SourceName, done: true}
	settings := t.cacheSettings()
	if err := tc.openIn(settings); errors.Is(err, errStaleCache) {
		// After an upgrade or a change of settings: expected.
		log.Info("file cache not used; every file is read", "source", t.SourceName, "cache", tc.path, "error", err)
	} else if err != nil {
		log.Warn("file cache not used; every file is read", "source", t.SourceName, "cache", tc.path, "error", err)
	}
	if err := tc.openOut(settings); err != nil {
		tc.fail(err)
	}
	return tc
}

// cacheSettings is what the records of a cache were made with: a cache
// or index made with anything else is not used.
func (t *Text) cacheSettings() string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%d\x00%s\x00%s\x00%s", buildid.ID(),
		t.SourceName, t.glob(), t.maxSize(), t.Headlines, t.IDPrefix, t.LinkTemplate)
}

// errStaleCache says the cache was made with other settings or by
// another feedpub.
var errStaleCache = errors.New("made with other settings or by another feedpub")

// openIn opens the previous build's cache for reading, if it is one this
// build can use.
func (tc *textCache) openIn(settings string) error {
	f, err := os.Open(tc.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	tc.inFile, tc.in = f, bufio.NewReaderSize(f, 64<<10)
	magic := make([]byte, len(cacheMagic)+1)
	if _, err := io.ReadFull(tc.in, magic); err != nil || string(magic[:len(cacheMagic)]) != cacheMagic {
		tc.closeIn()
		return errors.New("not a cache file of this feedpub")
	}
	if magic[len(cacheMagic)] != cacheFormat {
		// Made by an older (or newer) feedpub: expected after an upgrade.
		tc.closeIn()
		return fmt.Errorf("format %d, not %d: %w", magic[len(cacheMagic)], cacheFormat, errStaleCache)
	}
	stored, err := tc.chunk()
	if err != nil || string(stored) != settings {
		tc.closeIn()
		if err != nil {
			return err
		}
		return errStaleCache
	}
	tc.done = false
	tc.advance()
	return nil
}

// chunk reads one length-prefixed byte string.
func (tc *textCache) chunk() ([]byte, error) {
	n, err := binary.ReadUvarint(tc.in)
	if err != nil {
		return nil, err
	}
	if n > 1<<24 {
		return nil, fmt.Errorf("record of %d bytes", n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(tc.in, b); err != nil {
		return nil, err
	}
	return b, nil
}

// advance reads the next key and record.
func (tc *textCache) advance() {
	key, err := tc.chunk()
	var rec []byte
	if err == nil {
		rec, err = tc.chunk()
	}
	if err != nil {
		if !errors.Is(err, io.EOF) {
			tc.log.Warn("file cache damaged; the files after this point are read", "source", tc.source, "cache", tc.path, "error", err)
		}
		tc.closeIn()
		return
	}
	if string(key) <= tc.nextKey && tc.nextKey != "" {
		tc.log.Warn("file cache out of order; the files after this point are read", "source", tc.source, "cache", tc.path)
		tc.closeIn()
		return
	}
	tc.nextKey, tc.nextRec = string(key), rec
}

// record returns the stored record of rel, or nil. Calls must come in walk
// order.
func (tc *textCache) record(rel string) []byte {
	if tc == nil {
		return nil
	}
	key := cacheKey(rel)
	for !tc.done && tc.nextKey < key {
		tc.advance()
	}
	if tc.done || tc.nextKey != key {
		return nil
	}
	rec := tc.nextRec
	tc.advance()
	return rec
}

func (tc *textCache) closeIn() {
	if tc.inFile != nil {
		tc.inFile.Close()
	}
	tc.inFile, tc.in, tc.done = nil, nil, true
}

// openOut starts the new cache file next to the old one, and removes the
// temporary files of builds that were killed before they finished. Builds
// that share a ledger take turns, so no other build is writing one.
func (tc *textCache) openOut(settings string) error {
	dir, base := filepath.Split(tc.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "."+base+".tmp-*"))
	for _, p := range old {
		os.Remove(p)
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tc.outFile, tc.out = f, bufio.NewWriterSize(f, 64<<10)
	tc.out.WriteString(cacheMagic)
	tc.out.WriteByte(cacheFormat)
	tc.written = int64(len(cacheMagic) + 1)
	tc.writeChunk([]byte(settings))
	return nil
}

func (tc *textCache) writeChunk(b []byte) {
	var n [binary.MaxVarintLen64]byte
	m, _ := tc.out.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))])
	tc.out.Write(b)
	tc.written += int64(m + len(b))
}

// put appends a file's record to the new cache, and notes where it went.
func (tc *textCache) put(rel string, rec []byte) {
	if tc == nil || tc.failed {
		return
	}
	tc.writeChunk([]byte(cacheKey(rel)))
	var n [binary.MaxVarintLen64]byte
	tc.lastAt, tc.lastLen = tc.written+int64(binary.PutUvarint(n[:], uint64(len(rec)))), len(rec)
	tc.puts++
	tc.writeChunk(rec)
}

// fail logs a cache error and gives up writing the cache for this build.
func (tc *textCache) fail(err error) {
	if !tc.failed {
		tc.log.Warn("file cache not written; the next build reads every file", "source", tc.source, "cache", tc.path, "error", err)
	}
	tc.failed = true
	if tc.outFile != nil {
		tc.outFile.Close()
		os.Remove(tc.outFile.Name())
		tc.outFile = nil
	}
}

// finish closes the old cache and, when the walk completed (ok), puts the
// new one in its place; otherwise the new one is dropped and the old one
// stays.
func (tc *textCache) finish(ok bool) {
	if tc == nil {
		return
	}
	tc.closeIn()
	if tc.failed || tc.outFile == nil {
		return
	}
	if !ok {
		tc.outFile.Close()
		os.Remove(tc.outFile.Name())
		return
	}
	// Without a sync, a crash could leave a renamed but empty file; a
	// cache that does not read is ignored, but costs a full read.
	err := tc.out.Flush()
	if err == nil {
		err = tc.outFile.Sync()
	}
	if cerr := tc.outFile.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tc.outFile.Name(), tc.path)
	}
	if err != nil {
		tc.fail(err)
	}
	tc.outFile = nil
}

// readCached reads one file for a Stream with a cache: from its record
// when the file is unchanged, else from disk, with a new record. It runs
// on several goroutines at once and touches no shared state.
func (t *Text) readCached(f statted, raw []byte) parsed {
	if f.err != nil {
		return parsed{err: fmt.Errorf("unreadable: %w", pathCause(f.err))}
	}
	if f.info.mode.IsDir() {
		return parsed{notFile: true}
	}
	var rec *fileRecord
	if raw != nil {
		rec, _ = decodeRecord(raw) // a record that does not decode is a miss
	}
	if rec != nil && rec.size == f.info.size && rec.mtime == f.info.mtime {
		return parsed{cached: rec, raw: raw}
	}
	data, err := readStatted(f.abs(), f.info, nil, t.maxSize())
	if errors.Is(err, errNotFile) {
		return parsed{notFile: true}
	}
	if err != nil {
		return parsed{err: err}
	}
	sum := xxhash.Sum64(data)
	if rec != nil && rec.size == int64(len(data)) && rec.sum == sum {
		// Only the time changed: a touch, a copy, a checkout.
		rec.mtime = f.info.mtime
		return parsed{cached: rec}
	}
	p := t.parseData(f.rel, data)
	p.record = t.newRecord(f.rel, int64(len(data)), f.info.mtime, sum, &p)
	return p
}

// newRecord makes the record of a file just parsed. It keeps only what a
// build needs of an article it does not publish: no content and no
// summary, and no ID or link when the path gives them. The text of its
// headlines is filled in when the record is stored, for the lines the
// file is the first to have.
func (t *Text) newRecord(rel string, size, mtime int64, sum uint64, p *parsed) *fileRecord {
	rec := &fileRecord{size: size, mtime: mtime, sum: sum, warns: p.warns, headlines: p.lineHashes}
	if p.err != nil {
		rec.skip = p.err.Error()
	}
	if p.article != nil {
		a := *p.article
		a.ContentHTML, a.ContentClean, a.Summary = "", false, ""
		// What the path gives is left out; a header's id or link is
		// compared with it only when there is one, sparing the two
		// strings a file that names neither.
		if !p.named.id || a.ID == t.fileID(rel) {
			a.ID = ""
		}
		if !p.named.link || a.Link == t.fileLink(rel) {
			a.Link = ""
		}
		rec.article = &a
	}
	return rec
}

// complete is the Complete of a Text source's Scan: it reads the file of
// each item again and returns the item whole. An item whose file no
// longer yields it gets an error instead.
func (t *Text) complete(ctx context.Context, items []feed.Item) ([]feed.Item, []error) {
	out := make([]feed.Item, len(items))
	errs := make([]error, len(items))
	par.For(len(items), func(i int) {
		if err := ctx.Err(); err != nil {
			errs[i] = err
			return
		}
		it := items[i]
		rel := it.Ref
		abs := filepath.Join(t.Root, filepath.FromSlash(rel))
		info, err := statFile(abs)
		p := t.parseFile(statted{dir: filepath.Dir(abs), rel: rel, info: info, err: err})
		switch {
		case p.err != nil:
			errs[i] = fmt.Errorf("file %s: %w", rel, p.err)
		case p.notFile || p.article == nil || p.article.ID != it.ID:
			errs[i] = fmt.Errorf("file %s no longer holds item %s", rel, it.ID)
		default:
			out[i] = *p.article
			out[i].Pos = it.Pos
		}
	})
	return out, errs
}

// encodeRecord returns the stored form of r: a version byte, then
// uvarints, varints and length-prefixed strings in the order below.
func encodeRecord(r *fileRecord) []byte {
	b := make([]byte, 0, recordSize(r))
	b = binary.AppendUvarint(b, uint64(r.size))
	b = binary.AppendVarint(b, r.mtime)
	b = binary.BigEndian.AppendUint64(b, r.sum)
	str := func(s string) { b = binary.AppendUvarint(b, uint64(len(s))); b = append(b, s...) }
	tm := func(t time.Time) {
		if t.IsZero() {
			b = append(b, 0)
			return
		}
		// The zone is not kept: items are published in UTC.
		b = append(b, 1)
		b = binary.AppendVarint(b, t.Unix())
		b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	}
	str(r.skip)
	b = binary.AppendUvarint(b, uint64(len(r.warns)))
	for _, w := range r.warns {
		b = binary.AppendUvarint(b, uint64(w.line))
		str(w.key)
		str(w.reason)
		if w.notice {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	if a := r.article; a != nil {
		b = append(b, 1)
		str(a.ID)
		str(a.Title)
		str(a.Link)
		tm(a.Published)
		tm(a.Updated)
		b = binary.AppendUvarint(b, uint64(len(a.Authors)))
		for _, p := range a.Authors {
			str(p.Name)
			str(p.Email)
			str(p.URL)
		}
		b = binary.AppendUvarint(b, uint64(len(a.Categories)))
		for _, c := range a.Categories {
			str(c)
		}
	} else {
		b = append(b, 0)
	}
	b = binary.AppendUvarint(b, uint64(len(r.headlines)))
	for i, h := range r.headlines {
		b = binary.BigEndian.AppendUint64(b, h)
		line := ""
		if i < len(r.lines) {
			line = r.lines[i]
		}
		str(line)
	}
	return b
}

// recordSize is at least the length of r's stored form, so that
// encodeRecord makes its buffer once: every string with room for its
// length, and room for every number.
func recordSize(r *fileRecord) int {
	const num = binary.MaxVarintLen64
	n := 6*num + len(r.skip)
	for _, w := range r.warns {
		n += 4*num + len(w.key) + len(w.reason)
	}
	if a := r.article; a != nil {
		n += 10*num + len(a.ID) + len(a.Title) + len(a.Link)
		for _, p := range a.Authors {
			n += 3*num + len(p.Name) + len(p.Email) + len(p.URL)
		}
		for _, c := range a.Categories {
			n += num + len(c)
		}
	}
	for i := range r.headlines {
		n += 8 + num
		if i < len(r.lines) {
			n += len(r.lines[i])
		}
	}
	return n
}

// errBadRecord is returned for a record that does not decode; the file is
// then read as if it had none.
var errBadRecord = errors.New("bad cache record")

func decodeRecord(v []byte) (*fileRecord, error) {
	d := decoder{b: v}
	r := &fileRecord{size: int64(d.uvarint()), mtime: d.varint(), sum: d.uint64()}
	r.skip = d.str()
	if n := d.count(); n > 0 {
		r.warns = make([]lineWarning, n)
		for i := range r.warns {
			r.warns[i] = lineWarning{line: int(d.uvarint()), key: d.str(), reason: d.str(), notice: d.flag()}
		}
	}
	if d.flag() {
		a := &feed.Item{ID: d.str(), Title: d.str(), Link: d.str()}
		a.Published = d.time()
		a.Updated = d.time()
		if n := d.count(); n > 0 {
			a.Authors = make([]feed.Person, n)
			for i := range a.Authors {
				a.Authors[i] = feed.Person{Name: d.str(), Email: d.str(), URL: d.str()}
			}
		}
		if n := d.count(); n > 0 {
			a.Categories = make([]string, n)
			for i := range a.Categories {
				a.Categories[i] = d.str()
			}
		}
		r.article = a
	}
	if n := d.count(); n > 0 {
		r.headlines = make([]uint64, n)
		r.lines = make([]string, n)
		for i := range r.headlines {
			r.headlines[i] = d.uint64()
			r.lines[i] = d.str()
		}
	}
	if d.err || len(d.b) != 0 {
		return nil, errBadRecord
	}
	return r, nil
}

// decoder reads a record, remembering any error instead of returning it
// from every call.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.err = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// uvarint and varint accept only the shortest encoding of a number, the
// one encodeRecord writes, so that a record has one stored form: one whose
// last byte is zero, past the first, has a shorter one.
func (d *decoder) uvarint() uint64 {
	if len(d.b) > 0 && d.b[0] < 0x80 {
		// Most numbers of a record or an index entry fit in a byte.
		v := uint64(d.b[0])
		d.b = d.b[1:]
		return v
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 || d.b[n-1] == 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	// Zig-zag, as binary.Varint decodes it.
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	return v
}

func (d *decoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.err = true
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// count reads a length that must fit in what is left, so that a damaged
// record cannot ask for a huge allocation.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = true
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count()
	if d.err {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// flag reads a byte that must be 0 or 1.
func (d *decoder) flag() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.err = true
	return false
}

func (d *decoder) time() time.Time {
	if !d.flag() {
		return time.Time{}
	}
	sec, nsec := d.varint(), d.uvarint()
	if d.err || nsec >= 1e9 {
		d.err = true
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}
