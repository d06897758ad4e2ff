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

// scanTree lists the files below root that match, in walk order, and stats
// them on every CPU. Stat follows symbolic links, as reading does.
func scanTree(ctx context.Context, root, sourceName string, match func(string) bool, log *slog.Logger) ([][]statted, error) {
	root, err := resolveFolder(root)
	if err != nil {
		return nil, err
	}
	// The files are stated in batches of one folder while the walk goes
	// on, on every CPU: a build that finds nothing changed spends most of
	// its time here.
	const batch = 256
	var (
		batches [][]statted
		cur     []statted
		wg      sync.WaitGroup
		slots   = make(chan struct{}, runtime.GOMAXPROCS(0))
	)
	dispatch := func() {
		if len(cur) == 0 {
			return
		}
		b := cur
		batches = append(batches, b)
		cur = make([]statted, 0, batch)
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			statBatch(b[0].dir, b)
		})
	}
	err = walkTree(ctx, root, log, sourceName, match, func(dir, relDir, name string) {
		if len(cur) > 0 && (cur[0].dir != dir || len(cur) == batch) {
			dispatch()
		}
		rel := name
		if relDir != "" {
			rel = relDir + "/" + name
		}
		cur = append(cur, statted{dir: dir, rel: rel})
	})
	dispatch()
	wg.Wait()
	if err != nil {
		return nil, err
	}
	return batches, nil
}

// eachFile yields the files of batches in order.
func eachFile(batches [][]statted) iter.Seq[statted] {
	return func(yield func(statted) bool) {
		for _, b := range batches {
			for _, f := range b {
				if !yield(f) {
					return
				}
			}
		}
	}
}

// chunks yields the files of batches in order, n at a time (fewer at the
// end), in a buffer that is reused: small folders are read in chunks as
// large as big ones.
func chunks(batches [][]statted, n int) iter.Seq[[]statted] {
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

// statEach stats files one by one, by path.
func statEach(files []statted) {
	for i := range files {
		files[i].info, files[i].err = statFile(files[i].abs())
	}
}

// fingerprintOf hashes settings and every file's path, size, modification
// time and mode, in walk order.
func fingerprintOf(settings string, batches [][]statted) string {
	h := sha256.New()
	h.Write([]byte(settings))
	var b []byte
	for f := range eachFile(batches) {
		b = append(b[:0], f.rel...)
		if f.err != nil {
			b = append(b, "\x00unreadable\n"...)
		} else {
			b = append(b, 0)
			b = strconv.AppendInt(b, f.info.size, 10)
			b = append(b, 0)
			b = strconv.AppendInt(b, f.info.mtime, 10)
			b = append(b, 0)
			b = strconv.AppendUint(b, uint64(f.info.mode), 8)
			b = append(b, '\n')
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

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
