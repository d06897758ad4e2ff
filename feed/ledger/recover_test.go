package ledger

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

// TestObserveRecoveredRecord: a record recovered from a published feed
// (UnknownHash) takes the first observed hash without moving its dates,
// and later changes move Changed as usual.
func TestObserveRecoveredRecord(t *testing.T) {
	t.Parallel()
	for _, impl := range implementations() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			l := impl.open(t)
			if err := l.Import(t.Context(), []Record{rec("a", t0, UnknownHash, t1)}); err != nil {
				t.Fatal(err)
			}
			got, err := l.Observe(t.Context(), t2, []Entry{{ID: "a", Hash: "h"}})
			if err != nil {
				t.Fatal(err)
			}
			checkRecords(t, "first observation", got, []Record{rec("a", t0, "h", t1)})
			checkRecords(t, "stored", exportAll(t, l), []Record{rec("a", t0, "h", t1)})
			got, err = l.Observe(t.Context(), t2, []Entry{{ID: "a", Hash: "g"}})
			if err != nil {
				t.Fatal(err)
			}
			checkRecords(t, "a change", got, []Record{rec("a", t0, "g", t2)})
		})
	}
}

func TestBoltEmptyAndSalvage(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ledger.db")
	b := openBolt(t, path, BoltOptions{})
	if empty, err := b.Empty(); err != nil || !empty {
		t.Fatalf("Empty() of a new ledger = %v, %v", empty, err)
	}
	if _, err := b.Observe(t.Context(), t0, []Entry{{"a", "1"}, {"b", "2"}, {"c", "3"}}); err != nil {
		t.Fatal(err)
	}
	if empty, err := b.Empty(); err != nil || empty {
		t.Fatalf("Empty() with records = %v, %v", empty, err)
	}
	putRaw(t, b, "b", []byte{recordVersion, 1})
	recs, skipped, err := b.Salvage()
	if err != nil || skipped != 1 {
		t.Fatalf("Salvage() skipped %d, %v; want 1, nil", skipped, err)
	}
	checkRecords(t, "salvaged", recs, []Record{rec("a", t0, "1", t0), rec("c", t0, "3", t0)})
}

// putRaw stores value under id as it is, damaging the record.
func putRaw(t *testing.T, b *Bolt, id string, value []byte) {
	t.Helper()
	err := b.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(itemsBucket).Put([]byte(id), value) })
	if err != nil {
		t.Fatal(err)
	}
}

func TestReadJSONLReadable(t *testing.T) {
	t.Parallel()
	line := func(id string) string {
		return `{"id":"` + id + `","first_seen":"2026-01-02T03:04:05Z","hash":"h","changed":"2026-01-02T03:04:05Z"}`
	}
	tests := []struct {
		name    string
		in      string
		wantIDs []string
		wantBad int
	}{
		{"clean", line("a") + "\n" + line("b") + "\n", []string{"a", "b"}, 0},
		{"CRLF and blank lines", line("a") + "\r\n\r\n" + line("b"), []string{"a", "b"}, 0},
		{"both sides of a merge conflict are kept",
			line("a") + "\n<<<<<<< HEAD\n" + line("b") + "\n||||||| base\n=======\n" + line("c") + "\n>>>>>>> topic\n" + line("d") + "\n",
			[]string{"a", "b", "c", "d"}, 0},
		{"bad lines are skipped and reported", line("a") + "\n{broken\n" + `{"id":"x"}` + "\n" + line("b") + "\n", []string{"a", "b"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			recs, bad, err := ReadJSONLReadable(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, r := range recs {
				ids = append(ids, r.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantIDs, ",") || len(bad) != tt.wantBad {
				t.Errorf("got ids %q and %d bad lines (%v), want %q and %d", ids, len(bad), bad, tt.wantIDs, tt.wantBad)
			}
			for _, e := range bad {
				if !strings.HasPrefix(e.Error(), "line ") {
					t.Errorf("error %q does not name its line", e)
				}
			}
		})
	}
}

// FuzzReadJSONL checks that the lenient reader never fails where the
// strict one succeeds, agrees with it, and that what it reads survives a
// round trip through an export.
func FuzzReadJSONL(f *testing.F) {
	f.Add([]byte(`{"id":"a","first_seen":"2026-01-02T03:04:05Z","hash":"h","changed":"2026-01-02T03:04:05Z"}` + "\n"))
	f.Add([]byte("<<<<<<< x\n{\"id\":\"b\",\"first_seen\":\"2026-01-02T03:04:05+02:00\"}\n=======\n>>>>>>> y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, bad, err := ReadJSONLReadable(bytes.NewReader(data))
		if err != nil {
			return // a line too long for the scanner
		}
		if strict, serr := ReadJSONL(bytes.NewReader(data)); serr == nil && !bytes.Contains(data, []byte("\n<<<<<<<")) && !bytes.HasPrefix(data, []byte("<<<<<<<")) && !bytes.Contains(data, []byte("=======")) && !bytes.Contains(data, []byte(">>>>>>>")) && !bytes.Contains(data, []byte("|||||||")) {
			if len(bad) != 0 || len(strict) != len(recs) {
				t.Fatalf("strict read %d records, lenient %d with %d bad lines", len(strict), len(recs), len(bad))
			}
		}
		m := NewMemory()
		if err := m.Import(t.Context(), recs); err != nil {
			return // times outside what a ledger stores
		}
		var buf bytes.Buffer
		if _, err := WriteJSONL(t.Context(), &buf, m); err != nil {
			t.Fatal(err)
		}
		again, bad, err := ReadJSONLReadable(&buf)
		if err != nil || len(bad) != 0 {
			t.Fatalf("an export does not read back: %v %v", err, bad)
		}
		if len(again) > len(recs) {
			t.Fatalf("export has %d records, more than the %d read", len(again), len(recs))
		}
	})
}
