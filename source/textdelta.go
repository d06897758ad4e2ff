package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/cespare/xxhash/v2"
	"github.com/feedpub/feedpub/feed"
)

// A Scan's Delta works from the index (textindex.go): it merges the
// listing with the index, reads only the files whose metadata changed,
// and decides from the owners whether the change stays within those
// files: an item id, a headline line or a headline key that another file
// claims first or takes over, a removed file whose headlines others
// repeat, or any duplicate in the archive makes Delta answer that it
// cannot tell, and the build reads everything.
//
// Delta leaves the records of the files it read in an overlay file
// (CacheFile + ".delta"), which the next full read folds into the cache.

// maxOverlay bounds the overlay: past it, a build reads everything and
// folds the overlay into the cache.
const maxOverlay = 16 << 20

// ownerTable is one table of owners during a Delta: the index's, sorted
// by hash, with owners by their place in the old listing (remap gives
// their place in the new one, -1 for a removed file), and the changes the
// Delta made on top.
type ownerTable struct {
	sorted ownedView
	remap  []int32
	mod    map[uint64]int32 // noOwner: deleted
}

// noOwner is the owner of a hash nobody owns.
const noOwner = -1

// owner returns the place in the new listing of the file that owns h, or
// noOwner.
func (o *ownerTable) owner(h uint64) int32 {
	if at, ok := o.mod[h]; ok {
		return at
	}
	if at := o.ownerBefore(h); at != noOwner {
		return o.remap[at]
	}
	return noOwner
}

// ownerBefore returns the place in the old listing of the file that owned
// h in the index, or noOwner.
func (o *ownerTable) ownerBefore(h uint64) int32 {
	i, found := sort.Find(o.sorted.len(), func(i int) int { return cmp.Compare(h, o.sorted.at(i).h) })
	if !found {
		return noOwner
	}
	return o.sorted.at(i).at
}

func (o *ownerTable) set(h uint64, at int32) {
	if o.mod == nil {
		o.mod = map[uint64]int32{}
	}
	o.mod[h] = at
}

func (o *ownerTable) del(h uint64) { o.set(h, noOwner) }

// table returns the owners as the new index keeps them, sorted by hash.
func (o *ownerTable) table() []owned {
	var added []owned
	for h, at := range o.mod {
		if at != noOwner {
			added = append(added, owned{h, at})
		}
	}
	slices.SortFunc(added, func(a, b owned) int { return cmp.Compare(a.h, b.h) })
	out := make([]owned, 0, o.sorted.len()+len(added))
	for i := range o.sorted.len() {
		e := o.sorted.at(i)
		for len(added) > 0 && added[0].h < e.h {
			out, added = append(out, added[0]), added[1:]
		}
		if _, changed := o.mod[e.h]; changed {
			continue
		}
		if at := o.remap[e.at]; at != noOwner {
			out = append(out, owned{e.h, at})
		}
	}
	return append(out, added...)
}

// Token implements feed.DeltaScan.
func (s *textScan) Token() string { return s.token }

// Delta implements feed.DeltaScan; see the comment at the top of this
// file.
func (s *textScan) Delta(ctx context.Context, since string) (feed.Delta, bool, error) {
	t := s.t
	if t.CacheFile == "" || since == "" {
		return feed.Delta{}, false, nil
	}
	d := &deltaRun{t: t, log: t.logger(), start: s.start, readAgain: map[int]bool{}}
	ok, why, err := d.run(ctx, s, since)
	if err != nil || !ok {
		if why != "" {
			d.log.Info("reading every file", "source", t.SourceName, "reason", why)
		}
		return feed.Delta{}, false, err
	}
	return d.delta, true, nil
}

// deltaRun is one Delta in progress.
type deltaRun struct {
	t     *Text
	log   *slog.Logger
	start time.Time
	// old is the index of the last read. refs is the new one, in walk
	// order: a file's entry is the old one's at refs[i] when that is 0
	// or more, else added[-refs[i]-1]. ids, lines and keys map each owned
	// hash to its owner's place in refs.
	old              *loadedIndex
	refs             []int32
	added            []indexFile
	ids, lines, keys *ownerTable
	cache, overlay   *os.File
	overlayAt        int64
	newRecords       []byte
	delta            feed.Delta
	read, touched    int
	// readAgain holds the places of the files read again, which reported
	// their problems as they were read.
	readAgain map[int]bool
}

// change is a listed file whose metadata changed, or a new one.
type change struct {
	f   statted
	old int // its place in the old index; -1 for a new file
	at  int // its place in the new one
}

func (d *deltaRun) run(ctx context.Context, s *textScan, since string) (ok bool, why string, err error) {
	t := d.t
	old, err := loadIndex(t.indexPath(), t.cacheSettings())
	if err != nil {
		return false, "no file index of the last read", nil
	}
	if old.token != since {
		return false, "the last build did not publish from the last read", nil
	}
	if info, err := os.Stat(t.overlayPath()); err == nil {
		if info.Size() > maxOverlay {
			return false, "the records of earlier partial reads are folded into the cache", nil
		}
		d.overlayAt = info.Size()
	}
	d.old = old

	// The listing against the old index, both in walk order. Files with
	// problems are reported at every build, as a full read reports them:
	// those that did not change are noted on the way.
	remap := make([]int32, old.count())
	d.refs = make([]int32, 0, old.count()+64)
	var changes []change
	var removed, problems []int
	i := 0
	var e indexFile
	if old.count() > 0 {
		e = old.file(0)
	}
	next := func() {
		if i++; i < old.count() {
			e = old.file(i)
		}
	}
	// listed takes file k of b, which the old index lists as entry i.
	listed := func(b *batch, k int) (ok bool, why string) {
		at := len(d.refs)
		switch info := b.infos[k]; {
		case e.flags&fileDup != 0:
			return false, "an id or headline is used by two files"
		case e.flags&fileNoRecord != 0 && e.flags&fileNotFile == 0:
			return false, "a file could not be read last time"
		case e.size != info.size || e.mtime != info.mtime || (e.flags&fileNotFile != 0) != info.mode.IsDir():
			changes = append(changes, change{f: b.file(k), old: i, at: at})
		case e.flags&fileProblem != 0:
			problems = append(problems, at)
		}
		remap[i] = int32(at)
		d.refs = append(d.refs, int32(i))
		next()
		return true, ""
	}
	for b, k := range eachPlace(s.files) {
		if b.errs[k] != nil {
			return false, "a file could not be examined", nil
		}
		// Most files are the index's next entry: that is found without
		// making their path.
		if i < old.count() && !b.isRel(k, e.rel) {
			rel := b.rel(k)
			for i < old.count() && relLess(e.rel, rel) {
				remap[i] = -1
				removed = append(removed, i)
				next()
			}
		}
		if i < old.count() && b.isRel(k, e.rel) {
			if ok, why := listed(b, k); !ok {
				return false, why, nil
			}
			continue
		}
		at := len(d.refs)
		f := b.file(k)
		changes = append(changes, change{f: f, old: -1, at: at})
		d.refs = append(d.refs, 0)
		d.setFile(at, indexFile{rel: f.rel})
	}
	for ; i < old.count(); next() {
		if e.flags&fileDup != 0 {
			return false, "an id or headline is used by two files", nil
		}
		remap[i] = -1
		removed = append(removed, i)
	}
	if n := len(changes) + len(removed); n > 1000 || n > len(d.refs)/10+10 {
		return false, fmt.Sprintf("%d files changed", n), nil
	}

	// Owners, by place in the new listing; a removed file may own only
	// its article's id.
	d.ids = &ownerTable{sorted: old.ids, remap: remap}
	d.lines = &ownerTable{sorted: old.lines, remap: remap}
	d.keys = &ownerTable{sorted: old.keys, remap: remap}
	if len(removed) > 0 {
		for _, tab := range []*ownerTable{d.lines, d.keys} {
			for i := range tab.sorted.len() {
				if remap[tab.sorted.at(i).at] < 0 {
					return false, "a removed file had headlines other files may repeat", nil
				}
			}
		}
	}
	defer d.closeFiles()

	// Removed files take their article with them.
	for _, o := range removed {
		f := old.file(o)
		if f.flags&fileNotFile != 0 || f.where == inNothing {
			continue
		}
		rec, err := d.record(f)
		if err != nil {
			return false, "the record of a removed file could not be read", nil
		}
		if id := d.articleID(f.rel, rec); id != "" && d.ids.ownerBefore(idHash(id)) == int32(o) {
			d.ids.del(idHash(id))
			d.delta.Before = append(d.delta.Before, id)
		}
	}
	for _, c := range changes {
		if err := ctx.Err(); err != nil {
			return false, "", err
		}
		var prev *indexFile
		if c.old >= 0 {
			f := old.file(c.old)
			prev = &f
		}
		if ok, why := d.reread(c, prev); !ok {
			return false, why, nil
		}
	}
	for _, at := range problems {
		if d.readAgain[at] {
			continue
		}
		f := d.file(at)
		rec, err := d.record(f)
		if err != nil {
			return false, "the record of a file with problems could not be read", nil
		}
		for _, wn := range rec.warns {
			if !wn.notice {
				logFileProblem(d.log, "article warning", t.SourceName, f.rel, "key", wn)
			}
		}
		if rec.skip != "" {
			logFileProblem(d.log, "article skipped", t.SourceName, f.rel, "key", lineWarning{reason: rec.skip})
		}
	}
	if err := d.save(s); err != nil {
		d.log.Warn("file index not written; the next build reads every file", "source", t.SourceName, "error", err)
		return false, "", nil
	}
	d.log.Info("source read", "source", t.SourceName, "files", len(d.refs), "changed", d.read, "touched", d.touched,
		"removed", len(removed), "items", len(d.delta.Items), "took", time.Since(d.start))
	return true, "", nil
}

// file returns the new index's entry of the file at at.
func (d *deltaRun) file(at int) indexFile {
	if ref := d.refs[at]; ref < 0 {
		return d.added[-ref-1]
	}
	return d.old.file(int(d.refs[at]))
}

// setFile replaces the new index's entry of the file at at.
func (d *deltaRun) setFile(at int, f indexFile) {
	if ref := d.refs[at]; ref < 0 {
		d.added[-ref-1] = f
		return
	}
	d.added = append(d.added, f)
	d.refs[at] = int32(-len(d.added))
}

// record reads the record of f from the cache or the overlay.
func (d *deltaRun) record(f indexFile) (*fileRecord, error) {
	var file **os.File
	var p string
	switch f.where {
	case inCache:
		file, p = &d.cache, d.t.CacheFile
	case inOverlay:
		file, p = &d.overlay, d.t.overlayPath()
	default:
		return nil, errBadRecord
	}
	if *file == nil {
		fh, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		*file = fh
	}
	buf := make([]byte, f.n)
	if _, err := (*file).ReadAt(buf, f.off); err != nil {
		return nil, err
	}
	rec, err := decodeRecord(buf)
	if err != nil {
		return nil, err
	}
	if rec.size != f.size || rec.sum != f.sum {
		return nil, errBadRecord
	}
	return rec, nil
}

func (d *deltaRun) closeFiles() {
	for _, f := range []*os.File{d.cache, d.overlay} {
		if f != nil {
			f.Close()
		}
	}
}

// articleID returns the id of the article rec holds for the file at rel,
// or "".
func (d *deltaRun) articleID(rel string, rec *fileRecord) string {
	if rec.skip != "" || rec.article == nil {
		return ""
	}
	if rec.article.ID != "" {
		return rec.article.ID
	}
	return d.t.fileID(rel)
}

// reread reads one changed or new file, and works out what it yields now
// and what it yielded before; ok is false, with the reason, when the
// change reaches beyond the file.
func (d *deltaRun) reread(c change, prev *indexFile) (ok bool, why string) {
	t, at, rel := d.t, int32(c.at), c.f.rel
	// What the file yielded before.
	var before []string
	var oldLines []uint64
	ownedLine := false
	var ownedLines, ownedKeys []uint64
	// The last file in walk order may change what it was the first to
	// list: no file after it can list that first instead, so it goes with
	// the file, and what the file lists now is claimed as a new file's.
	last := int(at) == len(d.refs)-1
	release := func() {
		for _, h := range ownedLines {
			d.lines.del(h)
		}
		for _, h := range ownedKeys {
			d.keys.del(h)
		}
	}
	if prev != nil && prev.flags&fileNotFile == 0 {
		rec, err := d.record(*prev)
		if err != nil {
			return false, "the record of a changed file could not be read"
		}
		if prev.size == c.f.info.size {
			if data, err := readStatted(c.f.abs(), c.f.info, nil, t.maxSize()); err == nil && xxhash.Sum64(data) == prev.sum {
				// Only the time changed: a touch, a copy, a checkout.
				f := d.file(int(at))
				f.mtime = c.f.info.mtime
				d.setFile(int(at), f)
				d.touched++
				return true, ""
			}
		}
		if id := d.articleID(rel, rec); id != "" && d.ids.owner(idHash(id)) == at {
			before = append(before, id)
		}
		oldLines = rec.headlines
		for i, h := range rec.headlines {
			if d.lines.owner(h) != at || slices.Contains(rec.headlines[:i], h) {
				continue
			}
			ownedLine = true
			ownedLines = append(ownedLines, h)
			if rec.lines[i] == "" {
				return false, "the record of a changed file lacks a headline it was the first to list"
			}
			if title, key, ok := headlineTitle(rec.lines[i]); ok && d.keys.owner(xxhash.Sum64String(key)) == at {
				ownedKeys = append(ownedKeys, xxhash.Sum64String(key))
				if id := t.headlineItem(title, key).ID; d.ids.owner(idHash(id)) == at {
					before = append(before, id)
				}
			}
		}
	}
	for _, id := range before {
		d.ids.del(idHash(id))
	}
	d.delta.Before = append(d.delta.Before, before...)
	d.read++
	d.readAgain[c.at] = true

	// What it yields now.
	entry := indexFile{rel: rel, size: c.f.info.size, mtime: c.f.info.mtime}
	data, err := readStatted(c.f.abs(), c.f.info, nil, t.maxSize())
	if errors.Is(err, errNotFile) {
		if ownedLine && !last {
			return false, "a file whose headlines others may repeat became a folder"
		}
		release()
		entry.flags = fileNotFile
		d.setFile(int(at), entry)
		return true, ""
	}
	var p parsed
	if err != nil {
		p = parsed{err: err}
	} else {
		entry.sum = xxhash.Sum64(data)
		p = t.parseData(rel, data)
	}
	sameLines := prev != nil && p.err == nil && slices.Equal(oldLines, p.lineHashes)
	if ownedLine && !sameLines {
		if !last {
			return false, "a file changed the headlines it was the first to list"
		}
		release()
	}
	for _, wn := range p.warns {
		logFileProblem(d.log, "article warning", t.SourceName, rel, "key", wn)
	}
	var rec *fileRecord
	if err == nil {
		rec = t.newRecord(rel, int64(len(data)), c.f.info.mtime, entry.sum, &p)
		rec.lines = make([]string, len(rec.headlines))
	}
	if p.err != nil || slices.ContainsFunc(p.warns, func(w lineWarning) bool { return !w.notice }) {
		entry.flags |= fileProblem
	}
	k := 0
	emit := func(it feed.Item) {
		it.Pos = itemPos(rel, k)
		k++
		d.delta.Items = append(d.delta.Items, it)
	}
	if p.err != nil {
		logFileProblem(d.log, "article skipped", t.SourceName, rel, "key", lineWarning{reason: p.err.Error()})
	} else {
		if p.article != nil {
			h := idHash(p.article.ID)
			if d.ids.owner(h) != noOwner {
				return false, "a changed file's id is used by another file"
			}
			d.ids.set(h, at)
			emit(*p.article)
		}
		if t.Headlines != HeadlinesIgnore {
			for i, line := range p.headlines {
				sum := p.lineHashes[i]
				if slices.Contains(p.lineHashes[:i], sum) {
					continue
				}
				if owner := d.lines.owner(sum); owner != noOwner && (owner != at || !sameLines) {
					if owner > at {
						return false, "a changed file lists a headline first that a later file had first"
					}
					continue
				}
				d.lines.set(sum, at)
				rec.lines[i] = line
				title, key, ok := headlineTitle(line)
				if !ok {
					continue
				}
				kh := xxhash.Sum64String(key)
				if owner := d.keys.owner(kh); owner != noOwner && (owner != at || !sameLines) {
					if owner > at {
						return false, "a changed file lists a headline first that a later file had first"
					}
					continue
				}
				d.keys.set(kh, at)
				item := t.headlineItem(title, key)
				ih := idHash(item.ID)
				if d.ids.owner(ih) != noOwner {
					return false, "a headline's id is used by another item"
				}
				d.ids.set(ih, at)
				emit(item)
			}
		}
	}
	if rec == nil {
		entry.flags |= fileNoRecord
		d.setFile(int(at), entry)
		return true, ""
	}
	entry.where, entry.off = inOverlay, d.overlayAt+int64(len(d.newRecords))
	enc := encodeRecord(rec)
	entry.n = len(enc)
	d.newRecords = append(d.newRecords, enc...)
	d.setFile(int(at), entry)
	return true, ""
}

// save appends the new records to the overlay and writes the new index.
func (d *deltaRun) save(s *textScan) error {
	if len(d.newRecords) > 0 {
		f, err := os.OpenFile(d.t.overlayPath(), os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		_, err = f.WriteAt(d.newRecords, d.overlayAt)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	iw, err := createIndex(d.t.indexPath(), d.t.cacheSettings())
	if err != nil {
		return err
	}
	for _, ref := range d.refs {
		if ref >= 0 {
			iw.raw(d.old.raw(int(ref)))
		} else {
			iw.file(d.added[-ref-1])
		}
	}
	token, err := iw.finish(d.ids.table(), d.lines.table(), d.keys.table())
	if err != nil {
		return err
	}
	s.token = token
	return nil
}
