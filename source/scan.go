package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"iter"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// A Scan of a source that reads files is its listing: every file it would
// read, in walk order, with what stat said of it, taken once per build
// (scanTree). The Scan's Stream reads those files, and its fingerprint
// digests them: from file metadata alone, a build tells that no source
// changed since the last one, and skips reading, rendering and writing. A
// fingerprint covers the source's settings and, for every listed file,
// the path, size, modification time and mode: an edit, a new or removed
// file, or a copy with new times all change it.

// statted is a listed file and what stat said of it. A listing holds one
// for every file of a source, so it is kept small: the folder's path is
// shared by all its files, and the full path is made when it is needed.
type statted struct {
	// dir is the file's folder; rel its path below the source's
	// folder, in forward slashes, whose last element is its name.
	dir, rel string
	info     fileInfo
	err      error
}

// abs returns the file's path.
func (f *statted) abs() string { return f.dir + string(filepath.Separator) + path.Base(f.rel) }

// fileInfo is what a build needs of a file's fs.FileInfo, in a few words
// rather than the whole of it: listings hold one for every file.
type fileInfo struct {
	size, mtime int64
	mode        fs.FileMode
}

// statFile stats p, following symbolic links as reading does.
func statFile(p string) (fileInfo, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return fileInfo{}, err
	}
	return fileInfo{size: fi.Size(), mtime: fi.ModTime().UnixNano(), mode: fi.Mode()}, nil
}

// batchSize is how many files of one folder a batch of a listing holds
// at most: they are stated together, on one of every CPU.
const batchSize = 256

// batch is a part of a listing: files of one folder, in walk order. A
// listing holds every file of a source, so a file costs its name, stored
// with the others' in one string, and what stat said of it; its statted
// is made when it is asked for.
type batch struct {
	dir    string // the folder
	relDir string // its path below the source's folder; "" for that folder
	names  string // the files' names, one after the other
	ends   []uint32
	// infos are the stat results (nil once let go, fileIndex.release);
	// errs those that failed, by number (nil when none did).
	infos []fileInfo
	errs  map[int]error
	// sum is summarize's hash of the files and their stat results, set
	// once summed.
	sum    [sha256.Size]byte
	summed bool
}

// newBatch makes a batch of the files names of folder dir, relDir below
// the source's folder, not yet stated.
func newBatch(dir, relDir string, names ...string) *batch {
	b := &batch{dir: dir, relDir: relDir, names: strings.Join(names, "")}
	end := uint32(0)
	for _, n := range names {
		end += uint32(len(n))
		b.ends = append(b.ends, end)
	}
	b.infos = make([]fileInfo, len(names))
	return b
}

func (b *batch) len() int { return len(b.ends) }

func (b *batch) name(i int) string {
	start := uint32(0)
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.names[start:b.ends[i]]
}

// rel returns the path of file i below the source's folder, in forward
// slashes.
func (b *batch) rel(i int) string {
	if b.relDir == "" {
		return b.name(i)
	}
	return b.relDir + "/" + b.name(i)
}

// appendRel is rel appended to dst.
func (b *batch) appendRel(dst []byte, i int) []byte {
	if b.relDir != "" {
		dst = append(dst, b.relDir...)
		dst = append(dst, '/')
	}
	return append(dst, b.name(i)...)
}

// file returns file i as a statted.
func (b *batch) file(i int) statted {
	return statted{dir: b.dir, rel: b.rel(i), info: b.infos[i], err: b.errs[i]}
}

// setStat records what stat said of file i.
func (b *batch) setStat(i int, info fileInfo, err error) {
	if err != nil {
		if b.errs == nil {
			b.errs = map[int]error{}
		}
		b.errs[i] = err
	}
	b.infos[i] = info
}

// scanTree lists the files below root that match, in walk order, and stats
// them on every CPU. Stat follows symbolic links, as reading does.
func scanTree(ctx context.Context, root, sourceName string, match func(string) bool, log *slog.Logger) ([]*batch, error) {
	root, err := resolveFolder(root)
	if err != nil {
		return nil, err
	}
	// The files are stated in batches of one folder while the walk goes
	// on, on every CPU: a build that finds nothing changed spends most of
	// its time here.
	var (
		batches []*batch
		cur     *batch
		names   []byte
		wg      sync.WaitGroup
		slots   = make(chan struct{}, runtime.GOMAXPROCS(0))
	)
	dispatch := func() {
		if cur == nil {
			return
		}
		b := cur
		b.names, b.infos = string(names), make([]fileInfo, len(b.ends))
		batches = append(batches, b)
		cur, names = nil, names[:0]
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			statBatch(b)
			b.summarize()
		})
	}
	err = walkTree(ctx, root, log, sourceName, match, func(dir, relDir string, name []byte) {
		if cur != nil && (cur.dir != dir || cur.len() == batchSize) {
			dispatch()
		}
		if cur == nil {
			cur = &batch{dir: dir, relDir: relDir, ends: make([]uint32, 0, batchSize)}
		}
		// Names gather in one buffer, made a string once per batch.
		names = append(names, name...)
		cur.ends = append(cur.ends, uint32(len(names)))
	})
	dispatch()
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return batches, nil
}

// eachFile yields the files of batches in order.
func eachFile(batches []*batch) iter.Seq[statted] {
	return func(yield func(statted) bool) {
		for _, b := range batches {
			for i := range b.len() {
				if !yield(b.file(i)) {
					return
				}
			}
		}
	}
}

// eachPlace yields every file of batches in order, as its batch and its
// number there, for loops that need the file's path or statted only now
// and then.
func eachPlace(batches []*batch) iter.Seq2[*batch, int] {
	return func(yield func(*batch, int) bool) {
		for _, b := range batches {
			for i := range b.len() {
				if !yield(b, i) {
					return
				}
			}
		}
	}
}

// isRel reports whether rel is the path of file i.
func (b *batch) isRel(i int, rel string) bool {
	name := b.name(i)
	if b.relDir == "" {
		return rel == name
	}
	return len(rel) == len(b.relDir)+1+len(name) && rel[len(b.relDir)] == '/' &&
		rel[:len(b.relDir)] == b.relDir && rel[len(b.relDir)+1:] == name
}

// chunks yields the files of batches in order, n at a time (fewer at the
// end), in a buffer that is reused: small folders are read in chunks as
// large as big ones.
func chunks(batches []*batch, n int) iter.Seq[[]statted] {
	return func(yield func([]statted) bool) {
		buf := make([]statted, 0, n)
		for f := range eachFile(batches) {
			if buf = append(buf, f); len(buf) == n {
				if !yield(buf) {
					return
				}
				buf = buf[:0]
			}
		}
		if len(buf) > 0 {
			yield(buf)
		}
	}
}

// fileIndex finds a file of a listing by its number in walk order. The
// walk lets the listing go, batch by batch, once it has read past it
// (release): a build that reads every file then keeps only the names of
// the files, for the message about a duplicate id, and not what stat
// said of them.
type fileIndex struct {
	batches []*batch
	// starts holds the number of the first file of each batch.
	starts []int
	// released counts the batches let go, from the first.
	released int
}

func newFileIndex(batches []*batch) fileIndex {
	starts := make([]int, len(batches))
	n := 0
	for i, b := range batches {
		starts[i] = n
		n += b.len()
	}
	return fileIndex{batches: batches, starts: starts}
}

// release lets go of what stat said of the files of the batches whose
// files are all numbered below n.
func (x *fileIndex) release(n int) {
	for ; x.released < len(x.batches) && x.starts[x.released]+x.batches[x.released].len() <= n; x.released++ {
		b := x.batches[x.released]
		b.infos, b.errs = nil, nil
	}
}

// rel returns the path below the source's folder of file n.
func (x *fileIndex) rel(n uint32) string {
	i := sort.Search(len(x.starts), func(i int) bool { return x.starts[i] > int(n) }) - 1
	return x.batches[i].rel(int(n) - x.starts[i])
}

// statEach stats the files of b one by one, by path.
func statEach(b *batch) {
	for i := range b.len() {
		info, err := statFile(b.dir + string(filepath.Separator) + b.name(i))
		b.setStat(i, info, err)
	}
}

// fingerprintOf hashes settings and every file's path, size, modification
// time and mode, in walk order.
func fingerprintOf(settings string, batches []*batch) string {
	h := sha256.New()
	h.Write([]byte(settings))
	for _, bt := range batches {
		if !bt.summed {
			bt.summarize()
		}
		h.Write(bt.sum[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// summarize hashes what a fingerprint takes of the batch's files: their
// paths and what stat said of them. scanTree calls it where the batch was
// stated, on every CPU, so that the fingerprint of a large archive, a hash
// of its batches' hashes, is ready when the walk is done.
func (b *batch) summarize() {
	bp := summaryBufs.Get().(*[]byte)
	defer summaryBufs.Put(bp)
	buf := (*bp)[:0]
	defer func() { *bp = buf[:0] }()
	for i := range b.len() {
		buf = b.appendRel(buf, i)
		if b.errs[i] != nil {
			buf = append(buf, "\x00unreadable\n"...)
			continue
		}
		info := b.infos[i]
		buf = append(buf, 0)
		buf = strconv.AppendInt(buf, info.size, 10)
		buf = append(buf, 0)
		buf = strconv.AppendInt(buf, info.mtime, 10)
		buf = append(buf, 0)
		buf = strconv.AppendUint(buf, uint64(info.mode), 8)
		buf = append(buf, '\n')
	}
	b.sum = sha256.Sum256(buf)
	b.summed = true
}

// summaryBufs keeps summarize's buffers, which hold a batch's lines: one
// each would be garbage enough to start collections during the walk.
var summaryBufs = sync.Pool{New: func() any { return new([]byte) }}

// settingsOf encodes every exported setting of src, a pointer to a source
// struct, but its logger: what the source reads and how it turns files into
// items. It is derived from the struct, so a setting added later counts in
// the fingerprint from the start.
func settingsOf(kind string, src any) string {
	v := reflect.ValueOf(src).Elem()
	var b strings.Builder
	b.WriteString(kind)
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() || f.Type == reflect.TypeFor[*slog.Logger]() {
			continue
		}
		raw, _ := json.Marshal(v.Field(i).Interface())
		fmt.Fprintf(&b, "\x00%s=%s", f.Name, raw)
	}
	return b.String()
}
