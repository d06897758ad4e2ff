package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/pgtest"
	bolt "go.etcd.io/bbolt"
)

var (
	t0 = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
	t2 = t0.Add(48 * time.Hour)
)

// constructor makes a fresh, empty ledger that is closed when the test ends.
type constructor struct {
	name string
	open func(t *testing.T) Ledger
}

// implementations lists every Ledger, so shared behaviour is tested once
// for all of them.
func implementations() []constructor {
	return []constructor{
		{"bolt", func(t *testing.T) Ledger {
			t.Helper()
			return openBolt(t, filepath.Join(t.TempDir(), "ledger.db"), BoltOptions{})
		}},
		{"memory", func(t *testing.T) Ledger {
			t.Helper()
			m := NewMemory()
			t.Cleanup(func() { _ = m.Close() })
			return m
		}},
		{"postgres", func(t *testing.T) Ledger {
			t.Helper()
			return openPostgres(t, pgtest.URL(t), PostgresOptions{})
		}},
	}
}

// openBolt opens path and closes it when the test ends.
func openBolt(t *testing.T, path string, opts BoltOptions) *Bolt {
	t.Helper()
	b, err := OpenBolt(path, opts)
	if err != nil {
		t.Fatalf("OpenBolt(%s): %v", path, err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func rec(id string, first time.Time, hash string, changed time.Time) Record {
	return Record{ID: id, FirstSeen: first, Hash: hash, Changed: changed}
}

// checkRecords fails unless got and want hold the same records in the same
// order, with every time in UTC.
func checkRecords(t *testing.T, what string, got, want []Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d records, want %d:\n got %v\nwant %v", what, len(got), len(want), got, want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.Hash != w.Hash || !g.FirstSeen.Equal(w.FirstSeen) || !g.Changed.Equal(w.Changed) {
			t.Errorf("%s: record %d:\n got %+v\nwant %+v", what, i, g, w)
		}
		if g.FirstSeen.Location() != time.UTC || g.Changed.Location() != time.UTC {
			t.Errorf("%s: record %d (%s): times not in UTC: %v, %v", what, i, g.ID, g.FirstSeen, g.Changed)
		}
	}
}

// exportAll returns every record l exports, in export order.
func exportAll(t *testing.T, l Ledger) []Record {
	t.Helper()
	var out []Record
	if err := l.Export(t.Context(), func(r Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatalf("Export: %v", err)
	}
	return out
}

func observeOK(t *testing.T, l Ledger, now time.Time, entries ...Entry) []Record {
	t.Helper()
	recs, err := l.Observe(t.Context(), now, entries)
	if err != nil {
		t.Fatalf("Observe(%s): %v", now.Format(time.RFC3339), err)
	}
	return recs
}

// manyEntries returns n entries with ids in no particular order and
// hashes shaped like feed.Hash.
func manyEntries(n int, salt string) []Entry {
	entries := make([]Entry, n)
	for i := range entries {
		sum := sha256.Sum256(fmt.Appendf(nil, "%s%d", salt, i))
		entries[i] = Entry{
			ID:   fmt.Sprintf("tag:example.org,2024:posts/%08x-%d", uint32(i)*2654435761, i),
			Hash: hex.EncodeToString(sum[:16]),
		}
	}
	return entries
}

func TestObserve(t *testing.T) {
	t.Parallel()
	type step struct {
		now     time.Time
		entries []Entry
		want    []Record
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first observation sets first seen and changed to now", []step{
			{t0, []Entry{{"a", "h1"}}, []Record{rec("a", t0, "h1", t0)}},
		}},
		{"same hash later keeps first seen and changed", []step{
			{t0, []Entry{{"a", "h1"}}, []Record{rec("a", t0, "h1", t0)}},
			{t1, []Entry{{"a", "h1"}}, []Record{rec("a", t0, "h1", t0)}},
			{t2, []Entry{{"a", "h1"}}, []Record{rec("a", t0, "h1", t0)}},
		}},
		{"changed hash moves changed but not first seen", []step{
			{t0, []Entry{{"a", "h1"}}, []Record{rec("a", t0, "h1", t0)}},
			{t1, []Entry{{"a", "h2"}}, []Record{rec("a", t0, "h2", t1)}},
			{t2, []Entry{{"a", "h2"}}, []Record{rec("a", t0, "h2", t1)}},
		}},
		{"changing back to an old hash is a change", []step{
			{t0, []Entry{{"a", "h1"}}, []Record{rec("a", t0, "h1", t0)}},
			{t1, []Entry{{"a", "h2"}}, []Record{rec("a", t0, "h2", t1)}},
			{t2, []Entry{{"a", "h1"}}, []Record{rec("a", t0, "h1", t2)}},
		}},
		{"duplicate new ids: the first wins", []step{
			{t0, []Entry{{"a", "h1"}, {"b", "x"}, {"a", "h2"}},
				[]Record{rec("a", t0, "h1", t0), rec("b", t0, "x", t0), rec("a", t0, "h1", t0)}},
			{t1, []Entry{{"a", "h1"}}, []Record{rec("a", t0, "h1", t0)}},
		}},
		{"duplicate known ids: the first wins", []step{
			{t0, []Entry{{"a", "h1"}}, []Record{rec("a", t0, "h1", t0)}},
			{t1, []Entry{{"a", "h2"}, {"a", "h1"}}, []Record{rec("a", t0, "h2", t1), rec("a", t0, "h2", t1)}},
			{t2, []Entry{{"a", "h1"}, {"a", "h2"}}, []Record{rec("a", t0, "h1", t2), rec("a", t0, "h1", t2)}},
		}},
		{"records come back in the order of entries", []step{
			{t0, []Entry{{"c", "3"}, {"a", "1"}, {"b", "2"}},
				[]Record{rec("c", t0, "3", t0), rec("a", t0, "1", t0), rec("b", t0, "2", t0)}},
			{t1, []Entry{{"b", "2"}, {"d", "4"}, {"a", "1x"}, {"c", "3"}},
				[]Record{rec("b", t0, "2", t0), rec("d", t1, "4", t1), rec("a", t0, "1x", t1), rec("c", t0, "3", t0)}},
		}},
		{"items missing from a build keep their record", []step{
			{t0, []Entry{{"a", "1"}, {"b", "2"}}, []Record{rec("a", t0, "1", t0), rec("b", t0, "2", t0)}},
			{t1, []Entry{{"b", "2"}}, []Record{rec("b", t0, "2", t0)}},
			{t2, []Entry{{"a", "1"}}, []Record{rec("a", t0, "1", t0)}},
		}},
		{"now is stored in UTC, truncated to whole seconds", []step{
			{time.Date(2024, 3, 1, 10, 0, 0, 999_999_999, time.FixedZone("CET", 3600)),
				[]Entry{{"a", "h1"}}, []Record{rec("a", t0, "h1", t0)}},
			{time.Date(2024, 3, 1, 5, 0, 0, 1, time.FixedZone("EST", -5*3600)),
				[]Entry{{"a", "h2"}}, []Record{rec("a", t0, "h2", t1)}},
		}},
		{"empty hash is a hash like any other", []step{
			{t0, []Entry{{"a", ""}}, []Record{rec("a", t0, "", t0)}},
			{t1, []Entry{{"a", "h"}}, []Record{rec("a", t0, "h", t1)}},
		}},
		{"no entries", []step{
			{t0, nil, []Record{}},
		}},
	}
	for _, impl := range implementations() {
		for _, tt := range tests {
			t.Run(impl.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				l := impl.open(t)
				for i, s := range tt.steps {
					got := observeOK(t, l, s.now, s.entries...)
					checkRecords(t, fmt.Sprintf("step %d", i), got, s.want)
				}
			})
		}
	}
}

func TestObserveInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		now     time.Time
		entries []Entry
	}{
		{"empty id", t0, []Entry{{"a", "1"}, {"", "2"}}},
		{"id too long", t0, []Entry{{"a", "1"}, {strings.Repeat("x", MaxIDLen+1), "2"}}},
		{"zero now", time.Time{}, []Entry{{"a", "1"}}},
		{"now past 2262", time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), []Entry{{"a", "1"}}},
	}
	for _, impl := range implementations() {
		for _, tt := range tests {
			t.Run(impl.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				l := impl.open(t)
				_, err := l.Observe(t.Context(), tt.now, tt.entries)
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Observe: got %v, want ErrInvalid", err)
				}
				if got := exportAll(t, l); len(got) != 0 {
					t.Errorf("a rejected Observe stored %v", got)
				}
			})
		}
	}
}

func TestImport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		existing []Record
		in       []Record
		want     []Record
	}{
		{"new ids are added as they are",
			[]Record{rec("b", t0, "b", t0)},
			[]Record{rec("c", t1, "c", t2), rec("a", t0, "a", t1)},
			[]Record{rec("a", t0, "a", t1), rec("b", t0, "b", t0), rec("c", t1, "c", t2)}},
		{"the earlier first seen is kept when the stored one is earlier",
			[]Record{rec("a", t0, "h", t1)},
			[]Record{rec("a", t1, "h", t1)},
			[]Record{rec("a", t0, "h", t1)}},
		{"the earlier first seen is kept when the imported one is earlier",
			[]Record{rec("a", t1, "h", t2)},
			[]Record{rec("a", t0, "h", t0)},
			[]Record{rec("a", t0, "h", t2)}},
		{"hash and changed come from the later changed",
			[]Record{rec("a", t0, "old", t0)},
			[]Record{rec("a", t1, "new", t2)},
			[]Record{rec("a", t0, "new", t2)}},
		{"an older imported change does not replace the stored hash",
			[]Record{rec("a", t1, "new", t2)},
			[]Record{rec("a", t0, "old", t1)},
			[]Record{rec("a", t0, "new", t2)}},
		{"on equal changed the stored hash stays",
			[]Record{rec("a", t0, "stored", t1)},
			[]Record{rec("a", t0, "imported", t1)},
			[]Record{rec("a", t0, "stored", t1)}},
		{"duplicates in one import merge by the same rules",
			nil,
			[]Record{rec("a", t1, "x", t1), rec("a", t0, "y", t0), rec("a", t2, "z", t2), rec("a", t1, "w", t2)},
			[]Record{rec("a", t0, "z", t2)}},
		{"times are stored in UTC, truncated to whole seconds",
			nil,
			[]Record{rec("a", t0.Add(999*time.Millisecond).In(time.FixedZone("X", 7200)), "h", t1.Add(time.Nanosecond))},
			[]Record{rec("a", t0, "h", t1)}},
		{"a date from a published feed never replaces a known hash",
			[]Record{rec("a", t1, "h", t1)},
			[]Record{rec("a", t0, UnknownHash, t2)},
			[]Record{rec("a", t0, "h", t1)}},
		{"a known hash replaces one from a published feed",
			[]Record{rec("a", t0, UnknownHash, t2)},
			[]Record{rec("a", t0, "h", t1)},
			[]Record{rec("a", t0, "h", t1)}},
		{"importing what is stored changes nothing",
			[]Record{rec("a", t0, "h", t1), rec("b", t1, "g", t2)},
			[]Record{rec("b", t1, "g", t2), rec("a", t0, "h", t1)},
			[]Record{rec("a", t0, "h", t1), rec("b", t1, "g", t2)}},
	}
	for _, impl := range implementations() {
		for _, tt := range tests {
			t.Run(impl.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				l := impl.open(t)
				if err := l.Import(t.Context(), tt.existing); err != nil {
					t.Fatalf("Import(existing): %v", err)
				}
				if err := l.Import(t.Context(), tt.in); err != nil {
					t.Fatalf("Import: %v", err)
				}
				checkRecords(t, "export", exportAll(t, l), tt.want)
			})
		}
	}
}

func TestImportInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []Record
	}{
		{"empty id", []Record{rec("a", t0, "h", t0), rec("", t0, "h", t0)}},
		{"zero first seen", []Record{rec("a", t0, "h", t0), rec("b", time.Time{}, "h", t0)}},
		{"zero changed", []Record{rec("a", t0, "h", t0), rec("b", t0, "h", time.Time{})}},
	}
	for _, impl := range implementations() {
		for _, tt := range tests {
			t.Run(impl.name+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				l := impl.open(t)
				if err := l.Import(t.Context(), tt.in); !errors.Is(err, ErrInvalid) {
					t.Fatalf("Import: got %v, want ErrInvalid", err)
				}
				if got := exportAll(t, l); len(got) != 0 {
					t.Errorf("a rejected Import stored %v", got)
				}
			})
		}
	}
}

// TestExportImportRoundTrip moves records between every pair of
// implementations, as a backup, a migration or a dry run does.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	for _, from := range implementations() {
		for _, to := range implementations() {
			t.Run(from.name+"->"+to.name, func(t *testing.T) {
				t.Parallel()
				src := from.open(t)
				entries := manyEntries(2*exportBatch+10, "v1")
				observeOK(t, src, t0, entries...)
				changed := slices.Clone(entries[:100])
				for i := range changed {
					changed[i].Hash += "x"
				}
				observeOK(t, src, t1, changed...)
				observeOK(t, src, t2, Entry{"late", "h"})

				want := exportAll(t, src)
				if len(want) != len(entries)+1 {
					t.Fatalf("exported %d records, want %d", len(want), len(entries)+1)
				}
				if !slices.IsSortedFunc(want, func(a, b Record) int { return strings.Compare(a.ID, b.ID) }) {
					t.Fatal("export is not sorted by id")
				}

				dst := to.open(t)
				if err := dst.Import(t.Context(), want); err != nil {
					t.Fatalf("Import: %v", err)
				}
				checkRecords(t, "round trip", exportAll(t, dst), want)

				// The imported ledger dates the next build as the original would.
				got := observeOK(t, dst, t2.Add(time.Hour), changed[0], entries[200])
				checkRecords(t, "observe after import", got, []Record{
					rec(changed[0].ID, t0, changed[0].Hash, t1),
					rec(entries[200].ID, t0, entries[200].Hash, t0),
				})
			})
		}
	}
}

func TestExportStopsAtError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	for _, impl := range implementations() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			l := impl.open(t)
			observeOK(t, l, t0, manyEntries(3*exportBatch, "")...)
			n := 0
			err := l.Export(t.Context(), func(Record) error {
				n++
				if n == exportBatch+5 {
					return stop
				}
				return nil
			})
			if !errors.Is(err, stop) {
				t.Fatalf("Export: got %v, want the error fn returned", err)
			}
			if n != exportBatch+5 {
				t.Errorf("fn called %d times after it failed at %d", n, exportBatch+5)
			}
		})
	}
}

// countdownCtx is cancelled from the n+1th call of Err on, so tests can
// cancel at every point where an implementation looks.
type countdownCtx struct {
	context.Context
	left atomic.Int64
}

func (c *countdownCtx) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestCancelled(t *testing.T) {
	t.Parallel()
	ops := []struct {
		name string
		run  func(ctx context.Context, l Ledger) error
	}{
		{"observe", func(ctx context.Context, l Ledger) error {
			_, err := l.Observe(ctx, t1, []Entry{{"new", "h"}})
			return err
		}},
		{"export", func(ctx context.Context, l Ledger) error {
			return l.Export(ctx, func(Record) error { return nil })
		}},
		{"import", func(ctx context.Context, l Ledger) error {
			return l.Import(ctx, []Record{rec("new", t1, "h", t1)})
		}},
	}
	for _, impl := range implementations() {
		for _, op := range ops {
			t.Run(impl.name+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				l := impl.open(t)
				observeOK(t, l, t0, Entry{"old", "h"})
				ctx, cancel := context.WithCancel(t.Context())
				cancel()
				if err := op.run(ctx, l); !errors.Is(err, context.Canceled) {
					t.Fatalf("got %v, want context.Canceled", err)
				}
				checkRecords(t, "after cancel", exportAll(t, l), []Record{rec("old", t0, "h", t0)})
			})
		}
	}
}

// TestCancelledMidway cancels a large Observe at each point it checks its
// context, and requires all of it or none of it to be recorded.
func TestCancelledMidway(t *testing.T) {
	t.Parallel()
	entries := manyEntries(5*checkEvery, "")
	for _, impl := range implementations() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			cancelled := 0
			for checks := range 20 {
				l := impl.open(t)
				ctx := &countdownCtx{Context: t.Context()}
				ctx.left.Store(int64(checks))
				_, err := l.Observe(ctx, t0, entries)
				stored := len(exportAll(t, l))
				switch {
				case errors.Is(err, context.Canceled):
					cancelled++
					if stored != 0 {
						t.Errorf("cancelled after %d checks: %d records stored, want none", checks, stored)
					}
				case err != nil:
					t.Errorf("cancelled after %d checks: %v", checks, err)
				case stored != len(entries):
					t.Errorf("not cancelled after %d checks: %d records stored, want %d", checks, stored, len(entries))
				}
			}
			if cancelled < 5 {
				t.Errorf("only %d of 20 runs saw the cancellation; Observe checks its context too rarely", cancelled)
			}
		})
	}
}

// TestConcurrentObserve races builds that all see the same new items:
// whoever records an item first fixes its first-seen time, and every build
// must be given that time, not its own.
func TestConcurrentObserve(t *testing.T) {
	t.Parallel()
	entries := manyEntries(500, "")
	for _, impl := range implementations() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			l := impl.open(t)
			const builds = 8
			results := make([][]Record, builds)
			errs := make(chan error, builds)
			for g := range builds {
				go func() {
					var err error
					results[g], err = l.Observe(t.Context(), t0.Add(time.Duration(g)*time.Minute), entries)
					errs <- err
				}()
			}
			for range builds {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			stored := map[string]Record{}
			for _, r := range exportAll(t, l) {
				stored[r.ID] = r
			}
			for g, recs := range results {
				for _, r := range recs {
					if want := stored[r.ID]; !r.FirstSeen.Equal(want.FirstSeen) || !r.Changed.Equal(want.Changed) {
						t.Fatalf("build %d was given %+v, but the ledger holds %+v", g, r, want)
					}
				}
			}
		})
	}
}

// TestBoltObserveRereads writes, between Observe's read and its write, what
// another build could: Observe must read again what it read, and keep the
// other build's first-seen time rather than write its own.
func TestBoltObserveRereads(t *testing.T) {
	t.Parallel()
	b := openBolt(t, filepath.Join(t.TempDir(), "ledger.db"), BoltOptions{})
	b.gap = func() {
		b.gap = nil
		observeOK(t, b, t0, Entry{"a", "h1"})
	}
	recs := observeOK(t, b, t1, Entry{"a", "h1"}, Entry{"b", "h2"})
	if len(recs) != 2 || !recs[0].FirstSeen.Equal(t0) || !recs[1].FirstSeen.Equal(t1) {
		t.Fatalf("Observe across another write gave %+v; want a first seen at %v, b at %v", recs, t0, t1)
	}
	stored := exportAll(t, b)
	if len(stored) != 2 || !stored[0].FirstSeen.Equal(t0) || !stored[1].FirstSeen.Equal(t1) {
		t.Errorf("ledger holds %+v; want a first seen at %v, b at %v", stored, t0, t1)
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	for _, impl := range implementations() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			l := impl.open(t)
			observeOK(t, l, t0, Entry{"a", "h"})
			if err := l.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if _, err := l.Observe(t.Context(), t1, []Entry{{"a", "h"}}); !errors.Is(err, ErrClosed) {
				t.Errorf("Observe after Close: got %v, want ErrClosed", err)
			}
			if err := l.Export(t.Context(), func(Record) error { return nil }); !errors.Is(err, ErrClosed) {
				t.Errorf("Export after Close: got %v, want ErrClosed", err)
			}
			if err := l.Import(t.Context(), []Record{rec("b", t0, "h", t0)}); !errors.Is(err, ErrClosed) {
				t.Errorf("Import after Close: got %v, want ErrClosed", err)
			}
			if err := l.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

// TestBoltPersists checks that what one process recorded is what the next
// one reads, whether it opens the same file or a copy of it elsewhere.
func TestBoltPersists(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		move func(t *testing.T, path string) string
	}{
		{"reopened at the same path", func(t *testing.T, path string) string { return path }},
		{"copied to a new path", func(t *testing.T, path string) string {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			dst := filepath.Join(t.TempDir(), "elsewhere", "copy.db")
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			return dst
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "ledger.db")
			entries := manyEntries(3000, "")
			b, err := OpenBolt(path, BoltOptions{})
			if err != nil {
				t.Fatal(err)
			}
			observeOK(t, b, t0, entries...)
			observeOK(t, b, t1, Entry{entries[7].ID, "changed"})
			want := exportAll(t, b)
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}

			b2 := openBolt(t, tt.move(t, path), BoltOptions{})
			checkRecords(t, "export", exportAll(t, b2), want)
			got := observeOK(t, b2, t2, entries[7], entries[8])
			checkRecords(t, "observe", got, []Record{
				rec(entries[7].ID, t0, entries[7].Hash, t2),
				rec(entries[8].ID, t0, entries[8].Hash, t0),
			})
			if err := b2.Check(); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

// TestBoltUnchangedDoesNotWrite checks the file's bytes, not its size or
// modification time: a rebuild with nothing new must leave it as it was.
func TestBoltUnchangedDoesNotWrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.db")
	entries := manyEntries(2000, "")
	b, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	observeOK(t, b, t0, entries...)
	recs := exportAll(t, b)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	b, err = OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(entries)
	observeOK(t, b, t1, entries...)
	observeOK(t, b, t2, entries[:10]...)
	if err := b.Import(t.Context(), recs[:50]); err != nil {
		t.Fatal(err)
	}
	if err := b.Check(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("an unchanged Observe rewrote the file (%d bytes before, %d after)", len(before), len(after))
	}
	if info2, err := os.Stat(path); err != nil {
		t.Fatal(err)
	} else if !info2.ModTime().Equal(info.ModTime()) {
		t.Errorf("modification time moved from %v to %v", info.ModTime(), info2.ModTime())
	}

	// The comparison can see a change: one changed item rewrites the file.
	b, err = OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	observeOK(t, b, t2, Entry{entries[0].ID, "changed"})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if changed, err := os.ReadFile(path); err != nil {
		t.Fatal(err)
	} else if bytes.Equal(before, changed) {
		t.Error("a changed Observe left the file as it was")
	}
}

// A build records its items in path order, batch after batch; the file
// it leaves should be mostly records, not half-empty pages.
func TestBoltPacksBuildOrderWrites(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.db")
	b := openBolt(t, path, BoltOptions{})
	const n, batch = 40000, 2048
	entries := make([]Entry, n)
	payload := 0
	for i := range entries {
		sum := sha256.Sum256(fmt.Appendf(nil, "%d", i))
		entries[i] = Entry{
			ID:   fmt.Sprintf("tag:example.org,2026-01-01:wire/%03d/%06d.txt", i/1000, i),
			Hash: hex.EncodeToString(sum[:16]),
		}
		payload += len(entries[i].ID) + recordHeader + len(entries[i].Hash)
	}
	for start := 0; start < n; start += batch {
		observeOK(t, b, t0, entries[start:min(start+batch, n)]...)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Each record also costs a 16-byte leaf element; with pages split at
	// half full the file would be well over twice the payload.
	if limit := payload * 3 / 2; info.Size() > int64(limit) {
		t.Errorf("%d records of %d bytes in all take a %d-byte file; want at most %d", n, payload, info.Size(), limit)
	}
	b = openBolt(t, path, BoltOptions{})
	if got := exportAll(t, b); len(got) != n {
		t.Errorf("exported %d records, want %d", len(got), n)
	}
}

func TestBoltCreatesParentDirectories(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state", "feedpub", "ledger.db")
	b := openBolt(t, path, BoltOptions{})
	observeOK(t, b, t0, Entry{"a", "h"})
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Mode().IsRegular() {
		t.Errorf("%s is %v, want a regular file", path, info.Mode())
	}
	if perm := info.Mode().Perm(); perm&^0o644 != 0 {
		t.Errorf("file mode %v grants more than 0644", perm)
	}
}

func TestBoltLocked(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.db")
	first, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, opts := range []BoltOptions{
		{LockTimeout: 200 * time.Millisecond},
		{LockTimeout: 200 * time.Millisecond, ReadOnly: true},
		{LockTimeout: -1},
	} {
		start := time.Now()
		second, err := OpenBolt(path, opts)
		took := time.Since(start)
		if err == nil {
			_ = second.Close()
			t.Fatalf("OpenBolt(%+v) succeeded while the ledger was open", opts)
		}
		if !errors.Is(err, ErrLocked) {
			t.Fatalf("OpenBolt(%+v): got %v, want ErrLocked", opts, err)
		}
		if want := "ledger " + path + " is in use by another feedpub process"; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
		if opts.LockTimeout > 0 && (took < opts.LockTimeout/2 || took > 5*time.Second) {
			t.Errorf("OpenBolt(%+v) gave up after %v", opts, took)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	openBolt(t, path, BoltOptions{LockTimeout: 200 * time.Millisecond})
}

// helperEnv makes the test binary, started by a test, try to open the
// ledger it names and report how that went through its exit code.
const helperEnv = "FEEDPUB_LEDGER_HELPER_OPEN"

// Exit codes of the helper process.
const (
	helperLocked = 0
	helperOpened = 3
	helperFailed = 4
)

// TestHelperProcess is not a test: it is the child that
// TestBoltLockedAcrossProcesses starts.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		return
	}
	b, err := OpenBolt(path, BoltOptions{LockTimeout: 200 * time.Millisecond})
	switch {
	case err == nil:
		_ = b.Close()
		fmt.Print("opened")
		os.Exit(helperOpened)
	case errors.Is(err, ErrLocked):
		fmt.Print(err)
		os.Exit(helperLocked)
	default:
		fmt.Print(err)
		os.Exit(helperFailed)
	}
}

// TestBoltLockedAcrossProcesses is the case that matters in production: a
// second feedpub process, not a second open in this one.
func TestBoltLockedAcrossProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.db")
	child := func() (int, string) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), helperEnv+"="+path)
		out, err := cmd.Output()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("run helper process: %v", err)
		}
		return cmd.ProcessState.ExitCode(), string(out)
	}

	b, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	code, out := child()
	if code != helperLocked || !strings.Contains(out, "is in use by another feedpub process") {
		t.Errorf("child opening a held ledger: exit %d, %q; want exit %d and ErrLocked", code, out, helperLocked)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if code, out := child(); code != helperOpened {
		t.Errorf("child opening a released ledger: exit %d, %q; want exit %d", code, out, helperOpened)
	}
}

func TestBoltReadOnly(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.db")
	b, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	observeOK(t, b, t0, Entry{"a", "h"}, Entry{"b", "h"})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	r1 := openBolt(t, path, BoltOptions{ReadOnly: true})
	r2 := openBolt(t, path, BoltOptions{ReadOnly: true, LockTimeout: 200 * time.Millisecond})
	checkRecords(t, "observe known", observeOK(t, r1, t1, Entry{"a", "h"}), []Record{rec("a", t0, "h", t0)})
	checkRecords(t, "export", exportAll(t, r2), []Record{rec("a", t0, "h", t0), rec("b", t0, "h", t0)})
	if _, err := r1.Observe(t.Context(), t1, []Entry{{"a", "h"}, {"c", "h"}}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Observe of a new id: got %v, want ErrReadOnly", err)
	}
	if _, err := r1.Observe(t.Context(), t1, []Entry{{"a", "changed"}}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Observe of a changed hash: got %v, want ErrReadOnly", err)
	}
	if err := r1.Import(t.Context(), []Record{rec("a", t0, "h", t0)}); err != nil {
		t.Errorf("Import of nothing new: %v", err)
	}
	if err := r1.Import(t.Context(), []Record{rec("z", t0, "h", t0)}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Import of a new id: got %v, want ErrReadOnly", err)
	}
	if _, err := OpenBolt(path, BoltOptions{LockTimeout: 200 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Errorf("writable open beside readers: got %v, want ErrLocked", err)
	}

	missing := filepath.Join(t.TempDir(), "none", "ledger.db")
	if _, err := OpenBolt(missing, BoltOptions{ReadOnly: true}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only open of a missing file: got %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only open created %s", filepath.Dir(missing))
	}
}

// writeLedger creates a ledger at path holding n items and returns its bytes.
func writeLedger(t *testing.T, path string, n int) []byte {
	t.Helper()
	b, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	observeOK(t, b, t0, manyEntries(n, "")...)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// usedBytes returns how much of the bbolt file at path its pages take.
func usedBytes(t *testing.T, path string) int {
	t.Helper()
	db, err := bolt.Open(path, 0o644, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.View(func(tx *bolt.Tx) error {
		n = tx.Size()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return int(n)
}

// rawBolt runs fn in a write transaction on path with bbolt itself, to
// build files this package would never write.
func rawBolt(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBoltCorruptFile feeds OpenBolt files that are not ledgers, or are
// damaged ones. Each must give ErrCorrupt naming the file, never a panic.
func TestBoltCorruptFile(t *testing.T) {
	t.Parallel()
	validPath := filepath.Join(t.TempDir(), "valid.db")
	valid := writeLedger(t, validPath, 5000)
	// bbolt grows files ahead of use; cutting only unused space is harmless,
	// so cut what the pages in use need.
	used := usedBytes(t, validPath)
	const page = 4096
	if used < 16*page {
		t.Fatalf("valid ledger uses only %d bytes; the truncation cases need more", used)
	}
	random := make([]byte, 64<<10)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(random)
	withGarbage := func(data []byte, from, to int) []byte {
		out := slices.Clone(data)
		copy(out[from:to], random)
		return out
	}

	tests := []struct {
		name string
		data []byte
	}{
		{"random bytes", random},
		{"a few bytes of text", []byte("not a ledger\n")},
		{"a text file of a page", bytes.Repeat([]byte("id,first_seen\n"), page/14+1)},
		{"meta pages zeroed", append(make([]byte, 2*page), valid[2*page:]...)},
		{"meta pages overwritten", withGarbage(valid, 0, 2*page)},
		{"truncated to one page", valid[:page]},
		{"truncated to the meta pages", valid[:2*page]},
		{"truncated to half", valid[:used/2]},
		{"last page in use cut off", valid[:used-page]},
		{"last page in use cut in half", valid[:used-page/2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "ledger.db")
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			b, err := OpenBolt(path, BoltOptions{LockTimeout: time.Second})
			if err == nil {
				_ = b.Close()
				t.Fatal("OpenBolt succeeded on a damaged file")
			}
			checkCorrupt(t, err, path)
			// The failed open released the file.
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			openBolt(t, path, BoltOptions{LockTimeout: -1})
		})
	}
}

// TestBoltCorruptPages damages pages past the meta pages, which bbolt only
// reads when a transaction reaches them. OpenBolt or else Check must report
// ErrCorrupt, and nothing may panic or crash.
func TestBoltCorruptPages(t *testing.T) {
	t.Parallel()
	validPath := filepath.Join(t.TempDir(), "valid.db")
	valid := writeLedger(t, validPath, 5000)
	used := usedBytes(t, validPath)
	const page = 4096
	for _, start := range []int{2, 3, 4, 8, used / page / 2, used/page - 3} {
		t.Run(fmt.Sprintf("from page %d", start), func(t *testing.T) {
			t.Parallel()
			data := slices.Clone(valid)
			rng := rand.NewChaCha8([32]byte{byte(start)})
			_, _ = rng.Read(data[start*page : min(len(data), (start+3)*page)])
			path := filepath.Join(t.TempDir(), "ledger.db")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			b, err := OpenBolt(path, BoltOptions{})
			if err != nil {
				checkCorrupt(t, err, path)
				return
			}
			defer b.Close()
			checkCorrupt(t, b.Check(), path)
			if _, err := b.Observe(t.Context(), t1, manyEntries(5000, "")); err != nil {
				checkCorrupt(t, err, path)
			}
		})
	}
}

func checkCorrupt(t *testing.T, err error, path string) {
	t.Helper()
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want ErrCorrupt", err)
	}
	msg := err.Error()
	for _, want := range []string{path, "feedpub ledger recover", "backup export", "published feeds"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
}

// TestBoltCorruptRecord damages single records, which a file-level check
// cannot see: Check, Observe and Export must each name the item.
func TestBoltCorruptRecord(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value []byte
	}{
		{"empty value", []byte{}},
		{"short value", []byte{recordVersion, 1, 2, 3}},
		{"unknown version", append([]byte{9}, make([]byte, recordHeader)...)},
		{"time not in whole seconds", encodeRecord(nil, rec("bad", t0.Add(time.Millisecond), "h", t0))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "ledger.db")
			writeLedger(t, path, 100)
			rawBolt(t, path, func(tx *bolt.Tx) error {
				return tx.Bucket(itemsBucket).Put([]byte("bad"), tt.value)
			})
			b := openBolt(t, path, BoltOptions{})
			checks := []struct {
				op  string
				err error
			}{
				{"Check", b.Check()},
				{"Export", b.Export(t.Context(), func(Record) error { return nil })},
			}
			_, err := b.Observe(t.Context(), t1, []Entry{{"good", "h"}, {"bad", "h"}})
			checks = append(checks, struct {
				op  string
				err error
			}{"Observe", err})
			for _, c := range checks {
				checkCorrupt(t, c.err, path)
				if !strings.Contains(c.err.Error(), `item "bad"`) {
					t.Errorf("%s: error %q does not name the item", c.op, c.err)
				}
			}
			if got := observeOK(t, b, t1, Entry{"good", "h"}); len(got) != 1 {
				t.Errorf("Observe of a good item returned %v", got)
			}
		})
	}
}

func TestBoltNotALedger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		make func(tx *bolt.Tx) error
		want error
	}{
		{"another program's bbolt file", func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("sessions"))
			return err
		}, ErrCorrupt},
		{"items bucket missing", func(tx *bolt.Tx) error {
			return tx.DeleteBucket(itemsBucket)
		}, ErrCorrupt},
		{"schema version malformed", func(tx *bolt.Tx) error {
			return tx.Bucket(metaBucket).Put(schemaKey, []byte("one"))
		}, ErrCorrupt},
		{"schema from a newer feedpub", func(tx *bolt.Tx) error {
			return tx.Bucket(metaBucket).Put(schemaKey, []byte{schemaVersion + 1})
		}, ErrVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "ledger.db")
			if tt.name != "another program's bbolt file" {
				writeLedger(t, path, 10)
			}
			rawBolt(t, path, tt.make)
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b, err := OpenBolt(path, BoltOptions{})
			if err == nil {
				_ = b.Close()
				t.Fatal("OpenBolt succeeded")
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("got %v, want %v naming %s", err, tt.want, path)
			}
			if after, err := os.ReadFile(path); err != nil {
				t.Fatal(err)
			} else if !bytes.Equal(before, after) {
				t.Error("OpenBolt modified a file it rejected")
			}
		})
	}
}

// TestBoltEmptyFile treats a zero-length file (say, from touch) as a new
// ledger, as bbolt does.
func TestBoltEmptyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	b := openBolt(t, path, BoltOptions{})
	checkRecords(t, "observe", observeOK(t, b, t0, Entry{"a", "h"}), []Record{rec("a", t0, "h", t0)})
}

// BenchmarkObserve measures a first build of a large site (every item new)
// and the common case, a rebuild where nothing changed.
func BenchmarkObserve(b *testing.B) {
	const n = 100_000
	entries := manyEntries(n, "")
	report := func(b *testing.B) {
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
	}
	newBolt := func(b *testing.B, dir string, i int) Ledger {
		l, err := OpenBolt(filepath.Join(dir, fmt.Sprintf("ledger-%d.db", i)), BoltOptions{})
		if err != nil {
			b.Fatal(err)
		}
		return l
	}
	impls := []struct {
		name string
		open func(b *testing.B, dir string, i int) Ledger
	}{
		{"bolt", newBolt},
		{"memory", func(*testing.B, string, int) Ledger { return NewMemory() }},
		{"postgres", func(b *testing.B, _ string, _ int) Ledger {
			l, err := OpenPostgres(b.Context(), pgtest.URL(b), PostgresOptions{})
			if err != nil {
				b.Fatal(err)
			}
			return l
		}},
	}
	for _, impl := range impls {
		b.Run(impl.name+"/first", func(b *testing.B) {
			dir := b.TempDir()
			i := 0
			for b.Loop() {
				b.StopTimer()
				l := impl.open(b, dir, i)
				i++
				b.StartTimer()
				if _, err := l.Observe(b.Context(), t0, entries); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := l.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			report(b)
		})
		b.Run(impl.name+"/unchanged", func(b *testing.B) {
			l := impl.open(b, b.TempDir(), 0)
			defer l.Close()
			if _, err := l.Observe(b.Context(), t0, entries); err != nil {
				b.Fatal(err)
			}
			now := t1
			for b.Loop() {
				now = now.Add(time.Hour)
				if _, err := l.Observe(b.Context(), now, entries); err != nil {
					b.Fatal(err)
				}
			}
			report(b)
		})
	}
}
