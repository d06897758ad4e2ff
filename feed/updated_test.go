package feed

import (
	"testing"
	"time"
)

func TestDistinctUpdated(t *testing.T) {
	t.Parallel()
	at := func(sec int) time.Time { return time.Date(2026, 11, 20, 8, 0, sec, 0, time.UTC) }
	tests := []struct {
		name          string
		published     []int // seconds past 08:00
		updated       []int // -1: zero
		wantUpdated   []int
		wantPublished []int
	}{
		{"distinct stay", []int{30, 20, 10}, []int{30, 20, 10}, []int{30, 20, 10}, []int{30, 20, 10}},
		{"headlines of one file", []int{10, 10, 10}, []int{10, 10, 10}, []int{12, 11, 10}, []int{10, 10, 10}},
		{"bumps push later items on", []int{11, 10, 10}, []int{11, 10, 10}, []int{12, 11, 10}, []int{11, 10, 10}},
		{"zero updated takes published", []int{10, 10}, []int{-1, -1}, []int{11, -1}, []int{10, 10}},
		{"updated before published", []int{10, 10}, []int{5, 5}, []int{11, 5}, []int{10, 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := make([]Item, len(tt.published))
			for i := range items {
				items[i] = Item{ID: "tag:x,2026:" + string(rune('a'+i)), Published: at(tt.published[i])}
				if tt.updated[i] >= 0 {
					items[i].Updated = at(tt.updated[i])
				}
			}
			before := append([]Item(nil), items...)
			got := DistinctUpdated(items)
			for i := range got {
				want := time.Time{}
				if tt.wantUpdated[i] >= 0 {
					want = at(tt.wantUpdated[i])
				}
				if !got[i].Updated.Equal(want) {
					t.Errorf("item %d: updated %v, want %v", i, got[i].Updated, want)
				}
				if !got[i].Published.Equal(at(tt.wantPublished[i])) || got[i].ID != before[i].ID {
					t.Errorf("item %d: id or published changed: %+v", i, got[i])
				}
				if !items[i].Updated.Equal(before[i].Updated) {
					t.Errorf("item %d: input modified", i)
				}
			}
			again := DistinctUpdated(items)
			for i := range again {
				if !again[i].Updated.Equal(got[i].Updated) {
					t.Errorf("item %d: second call gave %v, first %v", i, again[i].Updated, got[i].Updated)
				}
			}
		})
	}
}
