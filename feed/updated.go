package feed

import (
	"slices"
	"time"
)

// DistinctUpdated returns items, in the same order, with updated dates made
// distinct to the second, as Render writes them into Atom (the ledger and
// the other formats keep the dates as they are): where several items share one (the headlines of
// one article, files first seen in the same second), the later in the list
// is left as it is and each earlier one moves forward by a second or more,
// to the first second no item below it holds. Readers that sort by updated
// date then list equal items in feed order, and validators that warn about
// entries sharing an updated date have nothing to warn about. Ids and
// published dates are untouched, and updated never falls before published;
// the same items always give the same dates. items is not modified.
func DistinctUpdated(items []Item) []Item {
	out := slices.Clone(items)
	used := make(map[int64]bool, len(out))
	for i := len(out) - 1; i >= 0; i-- {
		it := &out[i]
		u := wholeSecondUTC(it.Updated)
		if u.IsZero() {
			u = wholeSecondUTC(it.Published)
		}
		if u.Before(wholeSecondUTC(it.Published)) {
			u = wholeSecondUTC(it.Published)
		}
		if u.IsZero() {
			continue // Render refuses such an item anyway
		}
		moved := false
		for used[u.Unix()] {
			u = u.Add(time.Second)
			moved = true
		}
		used[u.Unix()] = true
		if moved {
			it.Updated = u
		}
	}
	return out
}
