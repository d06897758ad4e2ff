package source

import (
	"context"
	"slices"

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
