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
// doubled, and the latest change time (unix seconds) of any line in it;
// then, one a line as "ID HASH", the records of the lines changed at that
// time, when there are at most maxLatestIDs of them.
const exportBaseKey = "feedpub/export_base"

// maxLatestIDs bounds the ids an export's base names; past it, which ids
// changed last is not known, and an append in that second waits for the
// export to be written whole.
const maxLatestIDs = 256

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
	if latest.unix > since.Unix() || latest.unix == since.Unix() && latest.any(recs) {
		return false, nil // a line may change as late as an appended one
	}
	// Records an earlier build of this second wrote are there already.
	recs = slices.DeleteFunc(slices.Clone(recs), latest.has)
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
		latest.note(r)
	}
	return true, led.PutState(ctx, exportBaseKey, formatExportBase(base, latest))
}

// lastChanged is the latest change time of an export's lines, and the
// hashes of the lines changed then, by id; ids is nil when they are not
// known.
type lastChanged struct {
	unix int64
	ids  map[string]string
}

// note takes one more line into account.
func (l *lastChanged) note(r ledger.Record) {
	switch t := r.Changed.Unix(); {
	case t > l.unix:
		l.unix, l.ids = t, map[string]string{r.ID: r.Hash}
	case t == l.unix && l.ids != nil:
		if l.ids[r.ID] = r.Hash; len(l.ids) > maxLatestIDs {
			l.ids = nil
		}
	}
}

// has reports whether the export's last line for r's id is r.
func (l lastChanged) has(r ledger.Record) bool {
	h, ok := l.ids[r.ID]
	return ok && h == r.Hash && r.Changed.Unix() == l.unix
}

// any reports whether a line of one of recs may have changed last, with
// another hash: an appended line with the same change time would tie with
// it. (A record whose line says the same is there already: see has.)
func (l lastChanged) any(recs []ledger.Record) bool {
	return l.ids == nil || slices.ContainsFunc(recs, func(r ledger.Record) bool {
		h, ok := l.ids[r.ID]
		return ok && h != r.Hash
	})
}

func formatExportBase(size int64, latest lastChanged) []byte {
	b := []byte(strconv.FormatInt(size, 10) + " " + strconv.FormatInt(latest.unix, 10))
	if latest.ids == nil {
		return append(b, "\n*"...)
	}
	for _, id := range slices.Sorted(maps.Keys(latest.ids)) {
		b = append(b, '\n')
		b = append(b, id+" "+latest.ids[id]...)
	}
	return b
}

func parseExportBase(s string) (size int64, latest lastChanged, ok bool) {
	first, rest, more := strings.Cut(s, "\n")
	a, b, ok := strings.Cut(first, " ")
	if !ok {
		return 0, latest, false
	}
	size, err1 := strconv.ParseInt(a, 10, 64)
	unix, err2 := strconv.ParseInt(b, 10, 64)
	latest.unix = unix
	// A base without ids (written by an earlier feedpub) or with "*"
	// does not know them.
	if more && rest != "*" {
		latest.ids = map[string]string{}
		for line := range strings.SplitSeq(rest, "\n") {
			id, hash, _ := strings.Cut(line, " ")
			latest.ids[id] = hash
		}
	}
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
// exports, and which records changed then.
type latestChange struct {
	ledger.Ledger
	latest lastChanged
}

func (l *latestChange) Export(ctx context.Context, fn func(ledger.Record) error) error {
	return l.Ledger.Export(ctx, func(r ledger.Record) error {
		l.latest.note(r)
		return fn(r)
	})
}
