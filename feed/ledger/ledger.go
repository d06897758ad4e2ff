// Package ledger is feedpub's identity ledger. For each item id it remembers
// when feedpub first saw the item, a hash of the item's content, and when
// that hash last changed.
//
// Published and updated dates come from here rather than from file
// modification times, which every checkout, copy or restore resets, so an
// item keeps its dates across rebuilds, restarts, re-checkouts and machines.
//
// Bolt keeps the ledger in one bbolt file; Postgres keeps it in a
// PostgreSQL database that several processes on several machines share;
// Memory keeps it in memory, for tests that need a fixed clock and for dry
// runs. All of them apply the same rules (observe and merge below) and
// store times in UTC, truncated to whole seconds: feeds carry second
// precision, and rounding before storing keeps rebuilt output
// byte-for-byte stable.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Entry is what a build observed of one item: its id and the hash of its
// content (feed.Hash), which is all the ledger needs to date it.
type Entry struct {
	ID   string
	Hash string
}

// Record is what the ledger knows of one item. FirstSeen becomes the item's
// published date and Changed its updated date, unless the source gave dates.
type Record struct {
	ID string
	// FirstSeen is when feedpub first observed the id, in UTC, whole seconds.
	FirstSeen time.Time
	// Hash is the content hash of the latest observation.
	Hash string
	// Changed is when Hash last took a new value (FirstSeen for an item that
	// never changed), in UTC, whole seconds.
	Changed time.Time
}

// Ledger records item identities and their dates. It is an interface so the
// build can run against a bbolt file, an in-memory ledger (dry runs, tests)
// or a shared PostgreSQL database, without knowing which. It is everything
// a build needs of a store, in one seam: the records, reads that record
// nothing, and a small key-value state that builds and sources keep there.
type Ledger interface {
	// Observe records that entries were seen at now and returns their
	// records, one per entry, in the order of entries. An id not seen before
	// gets FirstSeen = Changed = now; a known id whose hash changed gets the
	// new Hash and Changed = now; a known id with the same hash returns the
	// stored record unchanged. When an id occurs more than once in entries,
	// the first occurrence wins and every occurrence gets its record. now is
	// converted to UTC and truncated to whole seconds.
	Observe(ctx context.Context, now time.Time, entries []Entry) ([]Record, error)
	// Export calls fn with every record, sorted by ID, for backups and
	// migrations between implementations. It stops at the first error fn
	// returns and returns it wrapped.
	Export(ctx context.Context, fn func(Record) error) error
	// Import merges recs into the ledger: a new id is added as it is; a known
	// id keeps the earlier FirstSeen of the two, and takes Hash and Changed
	// from whichever of the two has the later Changed (the stored one on a
	// tie), except that a known hash always wins over UnknownHash. Import
	// is all or nothing.
	Import(ctx context.Context, recs []Record) error
	// Lookup returns the record of each id and whether there is one,
	// recording nothing: a build uses it for items whose files did not
	// change, which need their dates and nothing written.
	Lookup(ctx context.Context, ids []string) ([]Record, []bool, error)
	// GetState returns the value stored under key, or nil when there is
	// none. The state holds what builds and sources keep between builds
	// (the last build's record, archive layouts, a remote feed's HTTP
	// validators and last good items); it lives with the ledger, so it
	// is backed up, locked and copied with it.
	GetState(ctx context.Context, key string) ([]byte, error)
	// PutState stores value under key, replacing any previous value.
	PutState(ctx context.Context, key string, value []byte) error
	// Close releases the ledger; later calls return an error wrapping
	// ErrClosed. Closing twice is not an error.
	Close() error
}

var (
	// ErrLocked means another process holds the ledger file open, so a
	// second build or a server and a build do not write it at the same time.
	ErrLocked = errors.New("ledger is locked")
	// ErrCorrupt means the ledger file cannot be read as a ledger; the error
	// names the file (and the item, when one record is bad) and how to
	// recover.
	ErrCorrupt = errors.New("ledger file is corrupt")
	// ErrVersion means the ledger was written by a newer feedpub with a
	// schema this one does not understand; it is left untouched.
	ErrVersion = errors.New("ledger schema is newer than this feedpub")
	// ErrReadOnly means Observe or Import needed to write to a ledger opened
	// read-only.
	ErrReadOnly = errors.New("ledger is read-only")
	// ErrClosed means the ledger was used after Close.
	ErrClosed = errors.New("ledger is closed")
	// ErrInvalid means an entry or record cannot be stored: an empty id, an
	// id longer than MaxIDLen bytes, or a time outside the years 1678 to
	// 2262 (which includes the zero time.Time).
	ErrInvalid = errors.New("invalid ledger entry")
)

// MaxIDLen is the longest id, in bytes, a ledger accepts. It is bbolt's
// key limit, applied to every implementation so they accept the same input.
const MaxIDLen = 32768

// checkEvery is how many entries a loop handles between checks of its
// context, so cancelling a large build is noticed quickly without paying for
// a check per entry.
const checkEvery = 1024

// Stored times are unix nanoseconds in an int64; these are the whole seconds
// at the ends of that range.
var (
	minTime = time.Unix(math.MinInt64/int64(time.Second)+1, 0).UTC()
	maxTime = time.Unix(math.MaxInt64/int64(time.Second), 0).UTC()
)

// normTime converts t to the form a ledger stores: UTC, whole seconds.
func normTime(t time.Time) (time.Time, error) {
	t = t.UTC().Truncate(time.Second)
	if t.Before(minTime) || t.After(maxTime) {
		return time.Time{}, fmt.Errorf("time %s is outside %d to %d: %w",
			t.Format(time.RFC3339), minTime.Year(), maxTime.Year(), ErrInvalid)
	}
	return t, nil
}

// checkID rejects ids that a ledger cannot store.
func checkID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("empty id: %w", ErrInvalid)
	case len(id) > MaxIDLen:
		return fmt.Errorf("id %.40q... is %d bytes, more than %d: %w", id, len(id), MaxIDLen, ErrInvalid)
	}
	return nil
}

// dedupe returns the distinct entries in order of first occurrence, and for
// each entry the index of its distinct entry, so duplicates get the record
// of the first occurrence.
// prepareObserve is the start every store's Observe shares: a live ctx,
// now in whole UTC seconds, and the entries with each id once (index maps
// every entry to its unique one).
func prepareObserve(ctx context.Context, now time.Time, entries []Entry) (time.Time, []Entry, []int, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, nil, nil, fmt.Errorf("observe: %w", err)
	}
	now, err := normTime(now)
	if err != nil {
		return time.Time{}, nil, nil, fmt.Errorf("observe: now: %w", err)
	}
	uniq, index, err := dedupe(entries)
	if err != nil {
		return time.Time{}, nil, nil, fmt.Errorf("observe: %w", err)
	}
	return now, uniq, index, nil
}

func dedupe(entries []Entry) (uniq []Entry, index []int, err error) {
	uniq = make([]Entry, 0, len(entries))
	index = make([]int, len(entries))
	pos := make(map[string]int, len(entries))
	for i, e := range entries {
		if err := checkID(e.ID); err != nil {
			return nil, nil, fmt.Errorf("entry %d: %w", i, err)
		}
		if j, ok := pos[e.ID]; ok {
			index[i] = j
			continue
		}
		pos[e.ID] = len(uniq)
		index[i] = len(uniq)
		uniq = append(uniq, e)
	}
	return uniq, index, nil
}

// expand returns the records for entries, given the records of their
// distinct entries as dedupe numbered them.
func expand(recs []Record, index []int) []Record {
	out := make([]Record, len(index))
	for i, j := range index {
		out[i] = recs[j]
	}
	return out
}

// UnknownHash is the Hash of a record recovered from a published feed,
// which carries an item's dates but not the content they were computed
// from. The next observation of the id adopts its hash without moving
// Changed, so a recovered item keeps its updated date too.
const UnknownHash = "unknown"

// observe applies one observation at now to what is stored of e.ID, and
// reports whether the result must be written. It is the one definition of
// Observe's rules that every implementation shares.
func observe(prev Record, found bool, e Entry, now time.Time) (Record, bool) {
	switch {
	case !found:
		return Record{ID: e.ID, FirstSeen: now, Hash: e.Hash, Changed: now}, true
	case prev.Hash == e.Hash:
		return prev, false
	case prev.Hash == UnknownHash:
		prev.Hash = e.Hash
		return prev, true
	default:
		prev.Hash = e.Hash
		prev.Changed = now
		return prev, true
	}
}

// merge applies one imported record to what is stored of its id, and
// reports whether the result differs from what is stored. It is the one
// definition of Import's rules that every implementation shares.
func merge(prev Record, found bool, in Record) (Record, bool) {
	if !found {
		return in, true
	}
	out := prev
	if in.FirstSeen.Before(out.FirstSeen) {
		out.FirstSeen = in.FirstSeen
	}
	switch {
	case in.Hash == UnknownHash && prev.Hash != UnknownHash:
		// A date read from a published feed never replaces a known hash.
	case prev.Hash == UnknownHash && in.Hash != UnknownHash,
		in.Changed.After(out.Changed):
		out.Hash = in.Hash
		out.Changed = in.Changed
	}
	return out, !out.FirstSeen.Equal(prev.FirstSeen) || out.Hash != prev.Hash || !out.Changed.Equal(prev.Changed)
}

// foldImport validates recs, normalises their times and merges records that
// share an id, returning one record per id sorted by id (the order in which
// a B+tree takes them best). Merging duplicates first gives the same result
// as applying them one after another.
func foldImport(ctx context.Context, recs []Record) ([]Record, error) {
	byID := make(map[string]int, len(recs))
	out := make([]Record, 0, len(recs))
	for i, r := range recs {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := checkID(r.ID); err != nil {
			return nil, fmt.Errorf("record %d: %w", i, err)
		}
		var err error
		if r.FirstSeen, err = normTime(r.FirstSeen); err != nil {
			return nil, fmt.Errorf("record %d (%q): first seen: %w", i, r.ID, err)
		}
		if r.Changed, err = normTime(r.Changed); err != nil {
			return nil, fmt.Errorf("record %d (%q): changed: %w", i, r.ID, err)
		}
		if j, ok := byID[r.ID]; ok {
			out[j], _ = merge(out[j], true, r)
			continue
		}
		byID[r.ID] = len(out)
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Record) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
