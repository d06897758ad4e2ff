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

// exportBaseKey is the state key under which a build remembers the size
// of the export when it was last written whole, so that appends stop and
// the export is written whole again (compacted) once it doubled.
const exportBaseKey = "feedpub/export_base"

// journal is the ledger a build sees: it passes every call to the store
// and keeps the records Observe wrote (new ids and changed hashes), so that
// the export beside the ledger can take them as appended lines instead of
// being written whole at every build that recorded something.
type journal struct {
	store
	mu      sync.Mutex
	written map[string]ledger.Record
}

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
		if r.Changed.Equal(stamp) {
			j.written[r.ID] = r
		}
	}
	return recs, nil
}

// records returns what Observe wrote, sorted by id.
func (j *journal) records() []ledger.Record {
	j.mu.Lock()
	defer j.mu.Unlock()
	ids := slices.Sorted(maps.Keys(j.written))
	out := make([]ledger.Record, len(ids))
	for i, id := range ids {
		out[i] = j.written[id]
	}
	return out
}

// appendExport appends recs to the export at path when that file is the
// one this ledger last wrote (its stamp matches, and it ends with a whole
// line) and the appended file stays under twice the size of the last
// whole export. It reports whether it appended; when it did not, the
// caller writes the export whole. Readers of an export merge the records
// of one id (the earliest first-seen date, the latest hash), so a record
// appended after an older line for the same id means what the ledger
// holds.
func appendExport(ctx context.Context, led ledger.State, path string, recs []ledger.Record) (bool, error) {
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
	base, err := strconv.ParseInt(string(baseState), 10, 64)
	if err != nil {
		return false, nil // written whole by an earlier feedpub: do so again
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
	return true, nil
}

// writeExportWhole writes every record of led to path, sorted by id,
// streaming it into the temporary file that replaces path, so that the
// build never holds the export in memory. It returns the number of
// records.
func writeExportWhole(ctx context.Context, led ledger.Ledger, path string) (int, error) {
	var n int
	err := publish.WriteAtomic(path, 0o644, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 64<<10)
		var err error
		if n, err = ledger.WriteJSONL(ctx, bw, led); err != nil {
			return err
		}
		return bw.Flush()
	})
	return n, err
}
