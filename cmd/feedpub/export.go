package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/publish"
)

// exportBaseKey is the state key under which a build remembers, as "SIZE
// LATEST", the size of the export when it was last written whole, so that
// appends stop and the export is written whole again (compacted) once it
// doubled, and the latest change time (unix seconds) of any line in it.
const exportBaseKey = "feedpub/export_base"

// journal is the ledger a build sees: it passes every call to the store
// and keeps the records Observe wrote (new ids and changed hashes), so that
// the export beside the ledger can take them as appended lines instead of
// being written whole at every build that recorded something.
type journal struct {
	store
	mu      sync.Mutex
	written map[string]ledger.Record
	// first is the earliest time, in whole seconds, at which Observe
	// wrote a record.
	first time.Time
	// overflow: Observe wrote more than journalLimit records, which
	// written no longer holds: the export is written whole.
	overflow bool
}

// journalLimit is the most records a journal keeps. A build that writes
// more (the first build of an archive, an import) writes the export whole,
// so the journal never holds a record per item of the archive.
const journalLimit = 1 << 14

func newJournal(s store) *journal {
	return &journal{store: s, written: map[string]ledger.Record{}}
}

// Observe implements ledger.Ledger. A record whose Changed is this
// observation's time was written by it: the rule Builder uses to count
// what it recorded.
func (j *journal) Observe(ctx context.Context, now time.Time, entries []ledger.Entry) ([]ledger.Record, error) {
	recs, err := j.store.Observe(ctx, now, entries)
	if err != nil {
		return recs, err
	}
	stamp := now.UTC().Truncate(time.Second)
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, r := range recs {
		if j.overflow || !r.Changed.Equal(stamp) {
			continue
		}
		if _, ok := j.written[r.ID]; !ok && len(j.written) >= journalLimit {
			j.overflow, j.written = true, nil
			break
		}
		j.written[r.ID] = r
		if j.first.IsZero() || stamp.Before(j.first) {
			j.first = stamp
		}
	}
	return recs, nil
}

// records returns what Observe wrote, sorted by id, and the earliest time
// at which it wrote; ok is false when it wrote too many to keep, or j is
// nil.
func (j *journal) records() (recs []ledger.Record, since time.Time, ok bool) {
	if j == nil {
		return nil, time.Time{}, false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.overflow {
		return nil, time.Time{}, false
	}
	ids := slices.Sorted(maps.Keys(j.written))
	out := make([]ledger.Record, len(ids))
	for i, id := range ids {
		out[i] = j.written[id]
	}
	return out, j.first, true
}

// appendExport appends recs to the export at path when that file is the
// one this ledger last wrote (its stamp matches, and it ends with a whole
// line) and the appended file stays under twice the size of the last
// whole export. It reports whether it appended; when it did not, the
// caller writes the export whole. Readers of an export merge the records
// of one id, taking the earliest first-seen date and the hash with the
// latest change time, so a record appended after an older line for the
// same id means what the ledger holds, provided it changed later than
// every line before it: recs were written at since or later, so appending
// waits for the export to be written whole when a line changed at since or
// later (two builds in one second, a clock set back, records imported from
// a machine whose clock runs ahead).
func appendExport(ctx context.Context, led ledger.Ledger, path string, recs []ledger.Record, since time.Time) (bool, error) {
	stamp, err := fileStamp(path)
	if err != nil {
		return false, nil // missing or unreadable: write it whole
	}
	prev, err := led.GetState(ctx, exportStampKey)
	if err != nil || string(prev) != stamp {
		return false, err
	}
	baseState, err := led.GetState(ctx, exportBaseKey)
	if err != nil {
		return false, err
	}
	base, latest, ok := parseExportBase(string(baseState))
	if !ok {
		return false, nil // written whole by an earlier feedpub: do so again
	}
	if latest >= since.Unix() {
		return false, nil // a line may change as late as an appended one
	}
	var lines strings.Builder
	if err := ledger.WriteRecords(&lines, recs); err != nil {
		return false, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return false, nil
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	size := fi.Size()
	if size+int64(lines.Len()) > 2*base {
		return false, nil // time to compact
	}
	if size > 0 {
		// A torn last line (a crash during an earlier append) would make
		// the next record unreadable: write the export whole instead.
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, size-1); err != nil || last[0] != '\n' {
			return false, nil
		}
	}
	if _, err := io.WriteString(f, lines.String()); err != nil {
		return false, fmt.Errorf("append to %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return false, fmt.Errorf("append to %s: %w", path, err)
	}
	for _, r := range recs {
		latest = max(latest, r.Changed.Unix())
	}
	return true, led.PutState(ctx, exportBaseKey, formatExportBase(base, latest))
}

func formatExportBase(size, latest int64) []byte {
	return []byte(strconv.FormatInt(size, 10) + " " + strconv.FormatInt(latest, 10))
}

func parseExportBase(s string) (size, latest int64, ok bool) {
	a, b, ok := strings.Cut(s, " ")
	if !ok {
		return 0, 0, false
	}
	size, err1 := strconv.ParseInt(a, 10, 64)
	latest, err2 := strconv.ParseInt(b, 10, 64)
	return size, latest, err1 == nil && err2 == nil
}

// writeExportWhole writes every record of led to path, sorted by id,
// streaming it into the temporary file that replaces path, so that the
// build never holds the export in memory, and remembers its size and
// latest change time for appendExport. It returns the number of records.
func writeExportWhole(ctx context.Context, led store, path string) (int, error) {
	var n int
	spy := &latestChange{Ledger: led}
	err := publish.WriteAtomic(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		var err error
		if n, err = ledger.WriteJSONL(ctx, bw, spy); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return n, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return n, err
	}
	return n, led.PutState(ctx, exportBaseKey, formatExportBase(fi.Size(), spy.latest))
}

// latestChange notes the latest change time of the records its ledger
// exports.
type latestChange struct {
	ledger.Ledger
	latest int64
}

func (l *latestChange) Export(ctx context.Context, fn func(ledger.Record) error) error {
	return l.Ledger.Export(ctx, func(r ledger.Record) error {
		l.latest = max(l.latest, r.Changed.Unix())
		return fn(r)
	})
}
