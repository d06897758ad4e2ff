// Package par runs independent pieces of work on every CPU.
package par

import (
	"runtime"
	"sync"
)

// For calls fn(i) for every i in [0, n), spread over GOMAXPROCS goroutines,
// and returns when all calls have. Calls must touch only their own index's
// data; the caller reads the results in order afterwards, which keeps
// output deterministic however the work was scheduled.
func For(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	for k := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < n; i += workers {
				fn(i)
			}
		}()
	}
	wg.Wait()
}
