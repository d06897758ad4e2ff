package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
)

// PublishedRecords reads the documents an earlier build published in dir
// for the feeds named, and returns a ledger record for every item they
// carry: its id, its published date as FirstSeen and its updated date as
// Changed, with ledger.UnknownHash, sorted by id. It is the evidence of
// last resort when the ledger is lost: a feed carries every item it
// publishes with the dates readers have already seen. An item found in
// several documents keeps its earliest published date; JSON Feed is read
// first, then Atom, then RSS, which has no updated date of its own.
//
// files counts the documents read. A document that is missing is skipped;
// one that cannot be read, or yields no item, is an error naming it.
func PublishedRecords(dir string, feeds []string) (recs []ledger.Record, files int, err error) {
	byID := map[string]ledger.Record{}
	for _, name := range feeds {
		seen := map[string]bool{}
		for _, format := range []feed.Format{feed.JSON, feed.Atom, feed.RSS} {
			path := filepath.Join(dir, name+"."+string(format))
			data, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, files, fmt.Errorf("read published feed: %w", err)
			}
			report := feed.ValidateFormat(format, data)
			if len(report.Items) == 0 {
				return nil, files, fmt.Errorf("published feed %s: no item could be read from it: %v", path, report.Err())
			}
			files++
			for _, it := range report.Items {
				if it.ID == "" || it.Published.IsZero() || seen[it.ID] {
					continue
				}
				seen[it.ID] = true
				rec := ledger.Record{ID: it.ID, FirstSeen: it.Published.UTC(), Hash: ledger.UnknownHash, Changed: it.Updated.UTC()}
				if it.Updated.Before(it.Published) {
					rec.Changed = rec.FirstSeen
				}
				if prev, ok := byID[it.ID]; ok && !rec.FirstSeen.Before(prev.FirstSeen) {
					continue
				}
				byID[it.ID] = rec
			}
		}
	}
	for _, r := range byID {
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b ledger.Record) int { return strings.Compare(a.ID, b.ID) })
	return recs, files, nil
}
