package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed/ledger"
)

// TestExportAppendsThenCompacts drives the ledger's clock one second per
// build and changes one item per build: each build appends the records it
// wrote to the export instead of writing it whole, until the export would
// pass twice its last whole size, when it is written whole again, sorted
// with one line per id. Two builds in one second that change one item, and
// an export whose last line is torn, make the build write it whole. At every step the export,
// read as a recovery reads it, holds exactly what the ledger holds.
func TestExportAppendsThenCompacts(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	cfg := &config.Config{State: filepath.Join(dir, "feedpub.db")}
	path := backupPath(cfg)
	led, err := ledger.OpenBolt(cfg.State, ledger.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))

	const n = 6
	hashes := make([]string, n)
	for i := range hashes {
		hashes[i] = fmt.Sprintf("%032x", i)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	// build observes every item at now, with the current hashes, and
	// refreshes the export as a build does. It returns the export's lines.
	build := func(now time.Time) int {
		t.Helper()
		j := newJournal(led)
		entries := make([]ledger.Entry, n)
		for i, h := range hashes {
			entries[i] = ledger.Entry{ID: fmt.Sprintf("tag:example.com,2026:wire/%d.txt", i), Hash: h}
		}
		if _, err := j.Observe(ctx, now, entries); err != nil {
			t.Fatal(err)
		}
		written, _, _ := j.records()
		writeLedgerCopies(ctx, cfg, led, logger, ledgerPrep{}, j, len(written) > 0)
		var whole bytes.Buffer
		if _, err := ledger.WriteJSONL(ctx, &whole, led); err != nil {
			t.Fatal(err)
		}
		got := readFile(t, path)
		if folded := foldExport(t, got); folded != whole.String() {
			t.Fatalf("at %s the export, merged, is not the ledger:\nexport:\n%s\nledger:\n%s", now, got, whole.String())
		}
		if len(got) > 2*whole.Len() {
			t.Errorf("at %s the export is %d bytes, more than twice the ledger's %d", now, len(got), whole.Len())
		}
		return bytes.Count(got, []byte("\n"))
	}

	if lines := build(t0); lines != n {
		t.Fatalf("first build: %d lines, want %d", lines, n)
	}
	var appended, compacted int
	prev := n
	for step := 1; step <= 2*n; step++ {
		hashes[step%n] = fmt.Sprintf("%032x", 100+step)
		lines := build(t0.Add(time.Duration(step) * time.Second))
		switch {
		case lines == prev+1:
			appended++
			last := readFile(t, path)
			last = last[bytes.LastIndexByte(last[:len(last)-1], '\n')+1:]
			if !strings.Contains(string(last), fmt.Sprintf("/%d.txt", step%n)) || !strings.Contains(string(last), hashes[step%n]) {
				t.Errorf("step %d: the appended line is not the changed item's record: %s", step, last)
			}
		case lines == n:
			compacted++
		default:
			t.Errorf("step %d: %d lines after %d, want one more (appended) or %d (written whole)", step, lines, prev, n)
		}
		prev = lines
	}
	if appended == 0 || compacted == 0 {
		t.Errorf("over %d changes: appended %d times, written whole %d times; want both", 2*n, appended, compacted)
	}

	// Two changes in one second: the second line would tie with the first
	// on its change time, so the export is written whole.
	later := t0.Add(time.Hour)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	hashes[3] = "e" + hashes[3][1:]
	if lines := build(later.Add(-time.Second)); lines != n {
		t.Fatalf("export removed: %d lines, want it written whole (%d)", lines, n)
	}
	hashes[0] = "a" + hashes[0][1:]
	if lines := build(later); lines != n+1 {
		t.Fatalf("a change: %d lines, want one appended (%d)", lines, n+1)
	}
	hashes[0] = "b" + hashes[0][1:]
	if lines := build(later); lines != n {
		t.Errorf("second change within a second: %d lines, want the export written whole (%d)", lines, n)
	}
	// Another item changed in that second has no line that could tie
	// with its new one: its record is appended.
	hashes[4] = "f" + hashes[4][1:]
	if lines := build(later); lines != n+1 {
		t.Errorf("a change of another item within the second: %d lines, want one appended (%d)", lines, n+1)
	}
	hashes[4] = "9" + hashes[4][1:]
	if lines := build(later); lines != n {
		t.Errorf("that item changed again within the second: %d lines, want the export written whole (%d)", lines, n)
	}

	// A torn last line, as a crash during an append leaves it.
	hashes[1] = "c" + hashes[1][1:]
	build(later.Add(time.Second))
	data := readFile(t, path)
	if err := os.WriteFile(path, append(data, `{"id":"tag:exa`...), 0o644); err != nil {
		t.Fatal(err)
	}
	// The crash came after the append and before the ledger noted the
	// export's new size and time: say it did note them, so that only the
	// torn line tells.
	stamp, err := fileStamp(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := led.PutState(ctx, exportStampKey, []byte(stamp)); err != nil {
		t.Fatal(err)
	}
	hashes[2] = "d" + hashes[2][1:]
	if lines := build(later.Add(2 * time.Second)); lines != n {
		t.Errorf("after a torn line: %d lines, want the export written whole (%d)", lines, n)
	}
}

// foldExport reads an export as an import does, merging the lines of one
// id, and writes the result as 'ledger export' would.
func foldExport(t *testing.T, data []byte) string {
	t.Helper()
	recs, err := ledger.ReadJSONL(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	m := ledger.NewMemory()
	if err := m.Import(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := ledger.WriteJSONL(context.Background(), &out, m); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestJournalForgetsLargeBuilds: a build that records more than
// journalLimit items (a first build) keeps none of them, and the export is
// written whole, so the journal never holds the archive.
func TestJournalForgetsLargeBuilds(t *testing.T) {
	t.Parallel()
	led, err := ledger.OpenBolt(filepath.Join(t.TempDir(), "feedpub.db"), ledger.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		n      int
		wantOK bool
	}{{journalLimit, true}, {journalLimit + 1, false}} {
		j := newJournal(led)
		entries := make([]ledger.Entry, tc.n)
		for i := range entries {
			entries[i] = ledger.Entry{ID: fmt.Sprintf("tag:example.com,2026:%d/%d", tc.n, i), Hash: "h"}
		}
		// In two calls, as a build observes in batches.
		for _, part := range [][]ledger.Entry{entries[:tc.n/2], entries[tc.n/2:]} {
			if _, err := j.Observe(t.Context(), now, part); err != nil {
				t.Fatal(err)
			}
		}
		recs, since, ok := j.records()
		if ok != tc.wantOK {
			t.Errorf("%d records written: ok %v, want %v", tc.n, ok, tc.wantOK)
		}
		if ok && (len(recs) != tc.n || !since.Equal(now)) {
			t.Errorf("%d records written: journal has %d since %s, want %d since %s", tc.n, len(recs), since, tc.n, now)
		}
		if !ok && (recs != nil || j.written != nil) {
			t.Errorf("%d records written: journal still holds %d", tc.n, len(j.written))
		}
	}
}
