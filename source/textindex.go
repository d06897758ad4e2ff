package source

import (
	"bufio"
	"cmp"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"unsafe"

	"github.com/cespare/xxhash/v2"
	"github.com/feedpub/feedpub/feed"
)

// A Text source with a CacheFile also keeps an index beside it
// (CacheFile + ".index"): every file the last read saw, in walk order,
// with its size, modification time, content hash and where its record is,
// and who owns what: which file each item id, headline line and headline
// key went to, first in walk order. A Scan's Delta (textdelta.go) works
// from it. Each completed Stream or Delta writes a new index under a new
// token; a Stream writes it as the walk goes, so that it holds no entry
// per file, and a Delta reads it in place.

// indexMagic starts every index file; the byte after it is the format.
const indexMagic = "feedpub text index\n"

// Format 3 hashes ids as NormalizeID writes them; format 2 hashed them
// as the source named them.
const indexFormat = 3

// Flags of an indexFile.
const (
	fileNotFile  = 1 << iota // a link to a folder: not read
	fileProblem              // skipped or warned about: logged every build
	fileDup                  // lost an id to another file
	fileNoRecord             // has no record (could not be read)
)

// Where an indexFile's record is.
const (
	inNothing = iota
	inCache
	inOverlay
)

// indexFile is what the index knows of one listed file.
type indexFile struct {
	rel         string
	size, mtime int64
	sum         uint64
	flags       uint8
	where       uint8
	off         int64
	n           int
}

// owned says which file (by place in the index) owns a hash.
type owned struct {
	h  uint64
	at int32
}

// ownedView is an owner table as the index file holds it: 12 bytes an
// entry, the hash then the owner, big-endian, sorted by hash. A Delta
// searches it in place rather than loading it.
type ownedView string

const ownedSize = 12

func (v ownedView) len() int { return len(v) / ownedSize }

func (v ownedView) at(i int) owned {
	e := v[i*ownedSize:]
	h := uint64(e[0])<<56 | uint64(e[1])<<48 | uint64(e[2])<<40 | uint64(e[3])<<32 | uint64(e[4])<<24 | uint64(e[5])<<16 | uint64(e[6])<<8 | uint64(e[7])
	at := int32(uint32(e[8])<<24 | uint32(e[9])<<16 | uint32(e[10])<<8 | uint32(e[11]))
	return owned{h, at}
}

// sortOwners sorts a table by hash, as the index keeps it.
func sortOwners(tab []owned) []owned {
	slices.SortFunc(tab, func(a, b owned) int { return cmp.Compare(a.h, b.h) })
	return tab
}

// textIndex is the index a Stream builds as it goes: the entries of the
// files go to the file as they come, so that a Stream holds none of them;
// the owner tables, which the file keeps sorted, wait for the end.
type textIndex struct {
	out         *indexWriter
	cur         indexFile // the entry of the file being published
	count       int
	lines, keys []owned
}

// newTextIndex starts the index of a Stream of t; nil, logged, when it
// cannot be written.
func newTextIndex(t *Text, log *slog.Logger) *textIndex {
	out, err := createIndex(t.indexPath(), t.cacheSettings())
	if err != nil {
		log.Warn("file index not written; the next build reads every file", "source", t.SourceName, "error", err)
		return nil
	}
	return &textIndex{out: out}
}

// idHash is the hash by which owner tables know an item id (and textWalk
// its ids): that of the
// id as feed.NormalizeID writes it, under which a build tells ids apart.
func idHash(id string) uint64 { return xxhash.Sum64String(feed.NormalizeID(id)) }

func (ix *textIndex) ownLine(sum uint64, at int) {
	if ix != nil {
		ix.lines = append(ix.lines, owned{sum, int32(at)})
	}
}

func (ix *textIndex) ownKey(key string, at int) {
	if ix != nil {
		ix.keys = append(ix.keys, owned{xxhash.Sum64String(key), int32(at)})
	}
}

// duplicate marks the file being published, which lost an id to another.
func (ix *textIndex) duplicate() {
	if ix != nil {
		ix.cur.flags |= fileDup
	}
}

// begin starts the index entry of the next file of a Stream.
func (w *textWalk) begin(f statted) {
	w.emitted = 0
	if w.index == nil {
		return
	}
	w.at = w.index.count
	w.index.cur = indexFile{rel: f.rel}
	w.puts = w.cache.puts
}

// end completes the file's index entry from what reading it gave, and
// writes it.
func (w *textWalk) end(r *parsed) {
	if w.index == nil {
		return
	}
	e := &w.index.cur
	rec := r.cached
	if rec == nil {
		rec = r.record
	}
	switch {
	case r.notFile:
		e.flags |= fileNotFile
	case rec == nil:
		e.flags |= fileNoRecord | fileProblem
	default:
		e.size, e.mtime, e.sum = rec.size, rec.mtime, rec.sum
		if rec.skip != "" || slices.ContainsFunc(rec.warns, func(w lineWarning) bool { return !w.notice }) {
			e.flags |= fileProblem
		}
	}
	if w.cache.puts != w.puts {
		e.where, e.off, e.n = inCache, w.cache.lastAt, w.cache.lastLen
	}
	w.index.out.file(*e)
	w.index.count++
}

// saveIndex completes the index of a Stream that completed with its
// cache, and returns its token; otherwise it drops it, leaving no index,
// so that no Delta answers from what this Stream may have changed.
func (w *textWalk) saveIndex(complete bool) string {
	if w.index == nil {
		return ""
	}
	ix := w.index
	if !complete || w.cache.failed {
		ix.out.abort()
		return ""
	}
	// Every id the walk took is in w.ids, under the hash the table is
	// sorted by, with the number of the file that took it: its place in
	// the index.
	ids := make([]owned, 0, w.ids.Len())
	for h, file := range w.ids.Hashes() {
		ids = append(ids, owned{h, int32(file)})
	}
	token, err := ix.out.finish(sortOwners(ids), sortOwners(ix.lines), sortOwners(ix.keys))
	if err != nil {
		w.log.Warn("file index not written; the next build reads every file", "source", w.t.SourceName, "error", err)
		return ""
	}
	return token
}

func (t *Text) indexPath() string   { return t.CacheFile + ".index" }
func (t *Text) overlayPath() string { return t.CacheFile + ".delta" }

func removeOverlay(t *Text) { os.Remove(t.overlayPath()) }

// itemPos is the Pos of the k-th item of the file at rel: walk order, then
// the order within the file. '/' maps to 0 as in cacheKey, and a name
// holds neither 0 nor an empty element, so "\x00\x00" sorts before every
// longer path.
func itemPos(rel string, k int) string {
	b := make([]byte, 0, len(rel)+6)
	for i := 0; i < len(rel); i++ {
		if c := rel[i]; c == '/' {
			b = append(b, 0)
		} else {
			b = append(b, c)
		}
	}
	b = append(b, 0, 0)
	return string(binary.BigEndian.AppendUint32(b, uint32(k)))
}

// relLess orders paths as the walk does: cacheKey order, without making
// the keys.
func relLess(a, b string) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca == '/' {
			return true
		}
		if cb == '/' {
			return false
		}
		return ca < cb
	}
	return len(a) < len(b)
}

// indexWriter writes an index under a new token: the header, then each
// file's entry as it comes, then the owner tables, into a temporary file
// that finish puts in place.
type indexWriter struct {
	path, token string
	tmp         *os.File
	bw          *bufio.Writer
	b           []byte
}

// createIndex starts a new index for p.
func createIndex(p, settings string) (*indexWriter, error) {
	var tok [16]byte
	_, _ = rand.Read(tok[:])
	// Builds that share a ledger take turns: a temporary file left here
	// is a killed build's.
	old, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".tmp-*"))
	for _, o := range old {
		os.Remove(o)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp-*")
	if err != nil {
		return nil, err
	}
	iw := &indexWriter{path: p, token: hex.EncodeToString(tok[:]), tmp: tmp, bw: bufio.NewWriterSize(tmp, 256<<10)}
	iw.b = append(iw.b, indexMagic...)
	iw.b = append(iw.b, indexFormat)
	iw.str(settings)
	iw.str(iw.token)
	return iw, nil
}

func (iw *indexWriter) str(s string) {
	iw.b = binary.AppendUvarint(iw.b, uint64(len(s)))
	iw.b = append(iw.b, s...)
}

func (iw *indexWriter) flushSome() {
	if len(iw.b) > 64<<10 {
		iw.bw.Write(iw.b)
		iw.b = iw.b[:0]
	}
}

// raw writes the next file's entry as an index holds it.
func (iw *indexWriter) raw(entry string) {
	iw.b = append(iw.b, 1)
	iw.b = append(iw.b, entry...)
	iw.flushSome()
}

// file writes the next file's entry; a 1 before each, a 0 after the last.
func (iw *indexWriter) file(f indexFile) {
	iw.b = append(iw.b, 1)
	iw.str(f.rel)
	iw.b = binary.AppendUvarint(iw.b, uint64(f.size))
	iw.b = binary.AppendVarint(iw.b, f.mtime)
	iw.b = binary.BigEndian.AppendUint64(iw.b, f.sum)
	iw.b = append(iw.b, f.flags, f.where)
	iw.b = binary.AppendUvarint(iw.b, uint64(f.off))
	iw.b = binary.AppendUvarint(iw.b, uint64(f.n))
	iw.flushSome()
}

// finish writes the owner tables, each sorted by hash, puts the index in
// place and returns its token.
func (iw *indexWriter) finish(tables ...[]owned) (string, error) {
	defer os.Remove(iw.tmp.Name())
	iw.b = append(iw.b, 0)
	for _, tab := range tables {
		iw.b = binary.AppendUvarint(iw.b, uint64(len(tab)))
		for _, o := range tab {
			iw.b = binary.BigEndian.AppendUint64(iw.b, o.h)
			iw.b = binary.BigEndian.AppendUint32(iw.b, uint32(o.at))
			iw.flushSome()
		}
	}
	iw.bw.Write(iw.b)
	err := iw.bw.Flush()
	if cerr := iw.tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// No sync: an index lost to a crash costs a full read, and
		// one that does not decode is not used.
		err = os.Rename(iw.tmp.Name(), iw.path)
	}
	if err != nil {
		os.Remove(iw.path)
		return "", err
	}
	return iw.token, nil
}

// abort drops the index being written, and any older one.
func (iw *indexWriter) abort() {
	iw.tmp.Close()
	os.Remove(iw.tmp.Name())
	os.Remove(iw.path)
}

// loadedIndex is an index as read back. It stays the file's bytes: an
// entry is decoded when it is needed, and the owner tables are searched in
// place, so that a Delta over a large archive holds little more than the
// file.
type loadedIndex struct {
	token string
	data  string
	// offs holds where each file's entry is, as the place of the marker
	// before it, and then the place of the marker after the last.
	offs             []int32
	ids, lines, keys ownedView
}

// count is the number of files in the index.
func (ix *loadedIndex) count() int { return len(ix.offs) - 1 }

// file decodes the entry of the i-th file.
func (ix *loadedIndex) file(i int) indexFile {
	f, _ := decodeEntry(ix.data, int(ix.offs[i])+1)
	return f
}

// raw is the i-th file's entry as the index holds it.
func (ix *loadedIndex) raw(i int) string { return ix.data[ix.offs[i]+1 : ix.offs[i+1]] }

var errNoIndex = errors.New("no usable index")

// loadIndex reads the index at p, if it was made with settings.
func loadIndex(p, settings string) (*loadedIndex, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return parseIndex(data, settings)
}

// decodeEntry decodes the file entry at off in data (after its marker),
// and returns where the next marker is; next is -1 when it does not
// decode.
func decodeEntry(data string, off int) (f indexFile, next int) {
	d := decoder{b: unsafe.Slice(unsafe.StringData(data[off:]), len(data)-off)}
	if m := d.count(); !d.err {
		at := len(data) - len(d.b)
		f.rel, d.b = data[at:at+m], d.b[m:]
	}
	f.size, f.mtime, f.sum = int64(d.uvarint()), d.varint(), d.uint64()
	f.flags, f.where = d.byte(), d.byte()
	o, n := d.uvarint(), d.uvarint()
	if d.err || o > 1<<62 || n > 1<<24 {
		return f, -1
	}
	f.off, f.n = int64(o), int(n)
	return f, len(data) - len(d.b)
}

// parseIndex reads the bytes of an index made with settings, which it
// keeps: the caller must not change them.
func parseIndex(b []byte, settings string) (*loadedIndex, error) {
	if len(b) < len(indexMagic)+1 || string(b[:len(indexMagic)]) != indexMagic || b[len(indexMagic)] != indexFormat || len(b) > math.MaxInt32 {
		return nil, errNoIndex
	}
	data := unsafe.String(unsafe.SliceData(b), len(b))
	d := decoder{b: b[len(indexMagic)+1:]}
	if d.str() != settings {
		return nil, errNoIndex
	}
	ix := &loadedIndex{token: d.str(), data: data}
	// Each entry is decoded once here, to check it, and kept only as
	// where its marker is; the 0 that ends them is kept too.
	for {
		mark := len(data) - len(d.b)
		more := d.flag()
		if d.err {
			return nil, errNoIndex
		}
		ix.offs = append(ix.offs, int32(mark))
		if !more {
			break
		}
		_, next := decodeEntry(data, mark+1)
		if next < 0 {
			return nil, errNoIndex
		}
		d.b = b[next:]
	}
	for _, tab := range []*ownedView{&ix.ids, &ix.lines, &ix.keys} {
		n := d.count()
		if d.err || n > len(d.b)/ownedSize {
			return nil, errNoIndex
		}
		at := len(data) - len(d.b)
		*tab = ownedView(data[at : at+n*ownedSize])
		d.b = d.b[n*ownedSize:]
		for i := range n {
			// Sorted by hash, each once, owners in range: lookups
			// search it.
			o := tab.at(i)
			if o.at < 0 || int(o.at) >= ix.count() || i > 0 && tab.at(i-1).h >= o.h {
				return nil, errNoIndex
			}
		}
	}
	if d.err || len(d.b) != 0 {
		return nil, errNoIndex
	}
	return ix, nil
}
