package publish_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/publish"
)

// TestPublishedRecords reads back from the published documents the dates
// the ledger gave: an item edited after it was first seen keeps both dates.
func TestPublishedRecords(t *testing.T) {
	t.Parallel()
	s := newSite(t, map[string]string{"a.txt": articleA, "b.txt": articleB})
	if _, err := s.build(); err != nil {
		t.Fatal(err)
	}
	s.clock = s.clock.Add(time.Hour)
	s.write("a.txt", "The first story, corrected. It has a second sentence.\n\n\nHeadline One\nHeadline Two\n")
	if _, err := s.build(); err != nil {
		t.Fatal(err)
	}
	led, err := ledger.OpenBolt(filepath.Join(s.dir, "data", "feedpub.db"), ledger.BoltOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]ledger.Record{}
	led.Export(t.Context(), func(r ledger.Record) error { want[r.ID] = r; return nil })
	led.Close()

	got, files, err := publish.PublishedRecords(filepath.Join(s.dir, "public"), []string{"news", "missing"})
	if err != nil {
		t.Fatal(err)
	}
	if files != 3 || len(got) != len(want) || len(got) != 4 {
		t.Fatalf("read %d records from %d documents, want %d from 3", len(got), files, len(want))
	}
	edited := 0
	for _, r := range got {
		w := want[r.ID]
		if r.Changed.After(r.FirstSeen) {
			edited++
		}
		if r.Hash != ledger.UnknownHash {
			t.Errorf("%s: hash %q, want UnknownHash", r.ID, r.Hash)
		}
		// b.txt has its own date, which the feed carries instead of the
		// ledger's; the others carry the ledger's.
		if filepath.Base(r.ID) == "b.txt" {
			continue
		}
		if !r.FirstSeen.Equal(w.FirstSeen) || !r.Changed.Equal(w.Changed) {
			t.Errorf("%s: dates %s, %s; the ledger has %s, %s", r.ID, r.FirstSeen, r.Changed, w.FirstSeen, w.Changed)
		}
	}

	if edited != 1 {
		t.Errorf("%d records have an updated date after their first-seen date, want 1 (the edited story)", edited)
	}

	// A document that exists but holds no item is evidence gone wrong.
	if err := os.WriteFile(filepath.Join(s.dir, "public", "news.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := publish.PublishedRecords(filepath.Join(s.dir, "public"), []string{"news"}); err == nil {
		t.Error("an unreadable published feed was not reported")
	}
}
