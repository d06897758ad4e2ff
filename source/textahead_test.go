package source

import (
	"fmt"
	"path"
	"testing"
)

func TestFileIndexRel(t *testing.T) {
	t.Parallel()
	// Batches of uneven sizes, as folders make them, with an empty one.
	var batches []*batch
	var want []string
	sizes := []int{3, 1, 0, 256, 2}
	for b, size := range sizes {
		// The first folder is the source's own.
		relDir := fmt.Sprint(b)
		if b == 0 {
			relDir = ""
		}
		var names []string
		for i := range size {
			name := fmt.Sprintf("%03d.txt", i)
			names = append(names, name)
			want = append(want, path.Join(relDir, name))
		}
		batches = append(batches, newBatch("/src/"+relDir, relDir, names...))
	}
	x := newFileIndex(batches)
	check := func(when string) {
		t.Helper()
		for n, rel := range want {
			if got := x.rel(uint32(n)); got != rel {
				t.Errorf("%s: rel(%d) = %q, want %q", when, n, got, rel)
			}
		}
	}
	check("listing whole")
	// Let go of the batches the walk has read past, a chunk at a time:
	// every path is still found, and only batches read whole are gone.
	for _, n := range []int{2, 3, 4, 100, 260, 262} {
		x.release(n)
		check(fmt.Sprintf("after release(%d)", n))
		for b, batch := range x.batches {
			done := x.starts[b]+sizes[b] <= n
			if done != (batch.infos == nil && b < x.released) {
				t.Errorf("after release(%d): batch %d let go = %v, want %v", n, b, batch.infos == nil, done)
			}
		}
	}
	if x.released != len(batches) {
		t.Errorf("%d batches let go at the end, want %d", x.released, len(batches))
	}
}
