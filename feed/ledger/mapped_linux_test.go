//go:build linux

package ledger

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestReadingTheWholeLedgerLeavesLittleMapped checks that a build's
// observations and an export, which between them read every page of the
// ledger file through bbolt's memory map, do not leave the whole file
// counted in the process's resident memory.
func TestReadingTheWholeLedgerLeavesLittleMapped(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.db")
	b, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	now := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	const items, batch = 40000, 2048
	for start := 0; start < items; start += batch {
		var entries []Entry
		for i := start; i < min(start+batch, items); i++ {
			entries = append(entries, Entry{ID: fmt.Sprintf("tag:example.com,2026:wire/%03d/%06d.txt", i/1000, i), Hash: fmt.Sprintf("%032x", i)})
		}
		if _, err := b.Observe(t.Context(), now, entries); err != nil {
			t.Fatal(err)
		}
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	afterObserve := mappedKB(t, path)
	n := 0
	if err := b.Export(t.Context(), func(Record) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != items {
		t.Fatalf("exported %d records, want %d", n, items)
	}
	afterExport := mappedKB(t, path)
	// What one batch of lookups or one batch of the export maps stays;
	// the file as a whole must not.
	limit := info.Size() / 1024 / 4
	t.Logf("ledger %d KB; resident in the map after observing %d KB, after exporting %d KB", info.Size()/1024, afterObserve, afterExport)
	if afterObserve > limit || afterExport > limit {
		t.Errorf("the ledger's map holds %d KB after observing and %d KB after exporting every record of a %d KB file; want at most %d KB",
			afterObserve, afterExport, info.Size()/1024, limit)
	}
}

// mappedKB returns the resident size, in KB, of this process's mappings of
// the file at path, from /proc/self/smaps.
func mappedKB(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	defer f.Close()
	var total int64
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) >= 5 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			in = len(fields) == 6 && fields[5] == path
			continue
		}
		if in && len(fields) >= 2 && fields[0] == "Rss:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			total += kb
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return total
}
