package source

import (
	"fmt"
	"testing"
)

func TestFileIndexRel(t *testing.T) {
	t.Parallel()
	// Batches of uneven sizes, as folders make them, with an empty one.
	var batches [][]statted
	var want []string
	for b, size := range []int{3, 1, 0, 256, 2} {
		var batch []statted
		for i := range size {
			rel := fmt.Sprintf("%d/%03d.txt", b, i)
			batch = append(batch, statted{rel: rel})
			want = append(want, rel)
		}
		batches = append(batches, batch)
	}
	x := newFileIndex(batches)
	for n, rel := range want {
		if got := x.rel(uint32(n)); got != rel {
			t.Errorf("rel(%d) = %q, want %q", n, got, rel)
		}
	}
}
