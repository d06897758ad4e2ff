package feed

import (
	"bytes"
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

// TestRenderSpreadsAtomUpdated checks that headlines sharing a date get
// distinct updated dates in Atom, in feed order, that Match accepts the
// document against the items as given, and that JSON Feed keeps the dates.
func TestRenderSpreadsAtomUpdated(t *testing.T) {
	t.Parallel()
	items := []Item{
		{ID: "tag:news.example.com,2026:a", Title: "A", Link: "https://news.example.com/a", Published: day, Updated: day},
		{ID: "tag:news.example.com,2026:b", Title: "B", Link: "https://news.example.com/b", Published: day, Updated: day},
	}
	for _, f := range []Format{Atom, JSON} {
		var buf bytes.Buffer
		if err := Render(&buf, f, testMeta(), items); err != nil {
			t.Fatal(err)
		}
		r := ValidateFormat(f, buf.Bytes())
		if err := r.PublishErr(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if err := r.Match(items); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		got := []time.Time{r.Items[0].Updated, r.Items[1].Updated}
		want := []time.Time{day, day}
		if f == Atom {
			want[0] = day.Add(time.Second)
		}
		for i := range want {
			if !got[i].Equal(want[i]) {
				t.Errorf("%s: updated dates %v, want %v", f, got, want)
				break
			}
		}
	}
}
