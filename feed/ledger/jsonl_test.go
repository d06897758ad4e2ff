package ledger

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// FuzzAppendJSONLine checks that the export's fast line encoder writes
// the bytes encoding/json writes, for every record it takes on.
func FuzzAppendJSONLine(f *testing.F) {
	f.Add("tag:news.example.com,2026-01-01:wire/000/000001", int64(1796000000), int64(0), "2c72a01f35f621538ee1d4096c114d03", int64(1796000100), int64(500))
	f.Add("tag:x,2026:a#%22b%22", int64(0), int64(1), "", int64(-62135596800), int64(0))
	f.Add("https://example.com/a?b=1&c=<d>", int64(253402300800), int64(0), "h", int64(1), int64(999999999))
	f.Add("caf\u00e9 \"quoted\" \\ \x01", int64(1), int64(0), "\u2028", int64(1), int64(0))
	f.Fuzz(func(t *testing.T, id string, firstSec, firstNsec int64, hash string, changedSec, changedNsec int64) {
		r := Record{ID: id, FirstSeen: time.Unix(firstSec, firstNsec), Hash: hash, Changed: time.Unix(changedSec, changedNsec).In(time.FixedZone("x", 3600))}
		var want bytes.Buffer
		wantErr := encodeJSONLine(json.NewEncoder(&want), r)
		got, ok := appendJSONLine([]byte("kept"), r)
		if !ok {
			if string(got) != "kept" {
				t.Fatalf("declined record changed b to %q", got)
			}
			return
		}
		if wantErr != nil {
			t.Fatalf("appendJSONLine took %+v, which encoding/json refuses: %v", r, wantErr)
		}
		if string(got) != "kept"+want.String() {
			t.Fatalf("appendJSONLine(%+v) = %q, want %q", r, got[len("kept"):], want.String())
		}
	})
}

func TestAppendJSONLineTakesLedgerRecords(t *testing.T) {
	t.Parallel()
	r := Record{ID: "tag:news.example.com,2026-01-01:wire#%22a%22%20b", FirstSeen: time.Date(2026, 12, 7, 3, 29, 38, 0, time.UTC),
		Hash: "2c72a01f35f621538ee1d4096c114d03", Changed: time.Date(2026, 12, 8, 1, 0, 0, 0, time.Local)}
	got, ok := appendJSONLine(nil, r)
	if !ok {
		t.Fatal("appendJSONLine declined an ordinary record")
	}
	var want bytes.Buffer
	if err := encodeJSONLine(json.NewEncoder(&want), r); err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Errorf("got %q, want %q", got, want.String())
	}
}
