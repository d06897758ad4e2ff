package publish

import (
	"context"
	"sync"

	"github.com/feedpub/feedpub/feed"
)

// takes runs the collect stage (take) on the batches collect hands it,
// one at a time and in order, on a goroutine of its own: while a batch is
// normalised, settled with the ledger and offered to the feeds, the
// sources go on reading and the next batch fills, instead of waiting.
// A batch handed on belongs to takes.
type takes struct {
	in chan []feed.Item
	// free holds a batch taken, emptied, for the next one to fill.
	free chan []feed.Item
	// drained answers a nil batch, sent once the batches before it are
	// taken.
	drained chan struct{}
	done    chan struct{}
	once    sync.Once
	// mu guards err, the first error take returned; the batches sent
	// after it are dropped.
	mu  sync.Mutex
	err error
}

// startTakes starts the goroutine that takes batches with take (run.take).
func startTakes(ctx context.Context, take func(context.Context, []feed.Item) error) *takes {
	t := &takes{in: make(chan []feed.Item), free: make(chan []feed.Item, 1), drained: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(t.done)
		for batch := range t.in {
			if batch == nil {
				t.drained <- struct{}{}
				continue
			}
			if t.failed() != nil {
				continue
			}
			if err := take(ctx, batch); err != nil {
				t.mu.Lock()
				t.err = err
				t.mu.Unlock()
			}
			// Emptied, so that it keeps none of its items alive.
			clear(batch)
			select {
			case t.free <- batch[:0]:
			default:
			}
		}
	}()
	return t
}

// failed returns the error a take returned, if any.
func (t *takes) failed() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

// send hands batch on, once the batch before it is taken; it returns the
// error of an earlier take, which ends the build.
func (t *takes) send(batch []feed.Item) error {
	if err := t.failed(); err != nil {
		return err
	}
	t.in <- batch
	return nil
}

// drain waits for the batches handed on to be taken, and returns the first
// error a take returned: collect calls it when a source ends, so that an
// error is reported with the source whose items met it.
func (t *takes) drain() error {
	t.in <- nil
	<-t.drained
	return t.failed()
}

// batch returns an empty batch to fill: one taken before, or a new one.
func (t *takes) batch() []feed.Item {
	select {
	case b := <-t.free:
		return b
	default:
		return make([]feed.Item, 0, batchSize)
	}
}

// stop waits for the batches handed on to be taken, and returns the first
// error a take returned. It may be called more than once.
func (t *takes) stop() error {
	t.once.Do(func() { close(t.in) })
	<-t.done
	return t.failed()
}
