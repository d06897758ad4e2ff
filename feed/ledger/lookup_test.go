package ledger

import (
	"context"
	"slices"
	"testing"
	"time"
)

func TestLookup(t *testing.T) {
	t.Parallel()
	for _, impl := range implementations() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			l := impl.open(t)
			entries := manyEntries(3000, "x")
			want := observeOK(t, l, t0, entries...)
			later := t0.Add(time.Hour)
			// Ids in another order than stored, some unknown, one twice.
			ids := []string{"unknown-1"}
			for i := len(entries) - 1; i >= 0; i -= 7 {
				ids = append(ids, entries[i].ID)
			}
			ids = append(ids, entries[0].ID, "unknown-2", entries[0].ID)
			recs, found, err := l.Lookup(t.Context(), ids)
			if err != nil {
				t.Fatal(err)
			}
			for i, id := range ids {
				j := slices.IndexFunc(entries, func(e Entry) bool { return e.ID == id })
				if found[i] != (j >= 0) {
					t.Fatalf("Lookup(%s): found = %v", id, found[i])
				}
				if j >= 0 {
					checkRecords(t, id, recs[i:i+1], want[j:j+1])
				}
			}
			// Looking up records nothing.
			if again := observeOK(t, l, later, entries[:1]...); !again[0].FirstSeen.Equal(t0) {
				t.Errorf("first seen moved to %v", again[0].FirstSeen)
			}
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if _, _, err := l.Lookup(ctx, ids); err == nil {
				t.Error("Lookup with a cancelled context succeeded")
			}
		})
	}
}
