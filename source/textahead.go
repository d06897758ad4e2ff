package source

import (
	"context"
	"slices"
	"sort"

	"github.com/feedpub/feedpub/internal/par"
)

// parseJob is one chunk of a Stream's files, read and parsed on every CPU
// in the background while the walk publishes the chunk before it: reading
// and parsing then overlap with the work a walk does in order (duplicate
// checks, the file cache, and the build's normalising and ledger writes
// that emit drives), instead of waiting for it.
type parseJob struct {
	// first is the number of the first file, in walk order.
	first   uint32
	files   []statted
	results []parsed
	done    chan struct{}
}

// startParse starts reading and parsing files, a chunk that the caller
// no longer changes, and returns at once. The file cache's records are
// taken here, in walk order, since its reader is not safe for concurrent
// use.
func (s *textScan) startParse(cache *textCache, first int, files []statted) *parseJob {
	t := s.t
	j := &parseJob{first: uint32(first), files: slices.Clone(files), results: make([]parsed, len(files)), done: make(chan struct{})}
	var raws [][]byte
	if cache != nil {
		raws = make([][]byte, len(j.files))
		for i, f := range j.files {
			raws[i] = cache.record(f.rel)
		}
	}
	go func() {
		defer close(j.done)
		par.For(len(j.files), func(i int) {
			if raws == nil {
				j.results[i] = t.parseFile(j.files[i])
			} else {
				j.results[i] = t.readCached(j.files[i], raws[i])
			}
		})
	}()
	return j
}

// wait blocks until the job's files are parsed; a nil job is done.
func (j *parseJob) wait() {
	if j != nil {
		<-j.done
	}
}

// publishJob waits for j and publishes its files in order.
func (w *textWalk) publishJob(ctx context.Context, j *parseJob) error {
	j.wait()
	for i, f := range j.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		w.file = j.first + uint32(i)
		w.begin(f)
		if err := w.publish(f, &j.results[i]); err != nil {
			return err
		}
		w.end(&j.results[i])
		// What was published is garbage now: let it go before the
		// rest of the chunk is.
		j.results[i] = parsed{}
	}
	return nil
}

// parseAhead is how many chunks are read and parsed ahead of the one
// that publishes, so that a pause in publishing (a ledger write) does not
// leave the CPUs idle.
const parseAhead = 2

// fileIndex finds a file of a listing by its number in walk order. The
// walk lets the listing go, batch by batch, once it has read past it
// (release): a build that reads every file then keeps only the path of
// each file, for the message about a duplicate id, and not the rest of
// its listing entry.
type fileIndex struct {
	batches [][]statted
	// starts holds the number of the first file of each batch.
	starts []int
	// rels holds the paths of the files of each batch let go.
	rels [][]string
	// released counts the batches let go, from the first.
	released int
}

func newFileIndex(batches [][]statted) fileIndex {
	starts := make([]int, len(batches))
	n := 0
	for i, b := range batches {
		starts[i] = n
		n += len(b)
	}
	return fileIndex{batches: batches, starts: starts, rels: make([][]string, len(batches))}
}

// release lets go of the listing entries of the batches whose files are
// all numbered below n, keeping their paths.
func (x *fileIndex) release(n int) {
	for ; x.released < len(x.batches) && x.starts[x.released]+len(x.batches[x.released]) <= n; x.released++ {
		b := x.batches[x.released]
		rels := make([]string, len(b))
		for i := range b {
			rels[i] = b[i].rel
		}
		x.rels[x.released], x.batches[x.released] = rels, nil
	}
}

// rel returns the path below the source's folder of file n.
func (x *fileIndex) rel(n uint32) string {
	i := sort.Search(len(x.starts), func(i int) bool { return x.starts[i] > int(n) }) - 1
	if i < x.released {
		return x.rels[i][int(n)-x.starts[i]]
	}
	return x.batches[i][int(n)-x.starts[i]].rel
}
