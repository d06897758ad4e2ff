package publish

import (
	"context"
	"sync"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// DefaultFetchers is how many sources a build fetches at once when
// Builder.Fetchers is zero.
const DefaultFetchers = 8

// fetchShare is the part of the time left to a build, when its context has
// a deadline, that fetching sources may take: a source still running then
// is given up for this build (it reports itself degraded and keeps its last
// good items), so that slow sites never leave a build without the time to
// publish what the others gave.
const fetchShare = 0.5

// SourceStatus is how one source fared in a build.
type SourceStatus struct {
	Name string
	// Err is nil for a source read this time, else the error, wrapping
	// feed.ErrStale, of one published from its last good items.
	Err error
	// RetryAt is when a degraded source will next be requested; zero when
	// the next build tries it again.
	RetryAt time.Time
}

// fetchResult is what one source's Fetch returned.
type fetchResult struct {
	items []feed.Item
	err   error
	done  chan struct{}
}

// fetches runs the Fetch of every source that is not a Scanner, at most
// Fetchers at once, all started before the build reads its first item, so
// that a slow source holds back neither the others nor the sources
// streamed meanwhile.
type fetches struct {
	results []*fetchResult // by source index; nil for Scanners
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// startFetches starts fetching. Sources get ctx, cut short at fetchShare
// of the time left when ctx has a deadline.
func (r *run) startFetches(ctx context.Context) *fetches {
	var cancel context.CancelFunc
	if d, ok := ctx.Deadline(); ok {
		ctx, cancel = context.WithTimeout(ctx, time.Duration(float64(time.Until(d))*fetchShare))
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	f := &fetches{results: make([]*fetchResult, len(r.Sources)), cancel: cancel}
	n := r.Fetchers
	if n <= 0 {
		n = DefaultFetchers
	}
	slots := make(chan struct{}, n)
	for i, src := range r.Sources {
		if r.scanners[i] != nil {
			continue
		}
		fr := &fetchResult{done: make(chan struct{})}
		f.results[i] = fr
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			defer close(fr.done)
			select {
			case slots <- struct{}{}:
				defer func() { <-slots }()
			case <-ctx.Done():
				// Out of time before its turn: Fetch sees the ended
				// context and says so in its own way.
			}
			fr.items, fr.err = src.Fetch(ctx)
		}()
	}
	return f
}

// result waits for source i's Fetch.
func (f *fetches) result(i int) ([]feed.Item, error) {
	r := f.results[i]
	<-r.done
	return r.items, r.err
}

// stop ends every fetch still running and waits for them.
func (f *fetches) stop() {
	f.cancel()
	f.wg.Wait()
}
