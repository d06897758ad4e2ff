package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"time"
)

// startProfiles starts a CPU profile written to cpuPath, when set, and a
// heap profile written to memPath, when set; the returned function stops
// both and writes the files. They exist so that anyone can see where a slow
// or large build spends its time and memory on their own archive:
// 'go tool pprof feedpub FILE'.
func startProfiles(cpuPath, memPath string) (stop func() error, err error) {
	var cpu *os.File
	if cpuPath != "" {
		if cpu, err = os.Create(cpuPath); err != nil {
			return nil, usageError{fmt.Errorf("cpu profile: %w", err)}
		}
		if err := pprof.StartCPUProfile(cpu); err != nil {
			cpu.Close()
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
	}
	var heap *peakHeap
	if memPath != "" {
		heap = watchHeap(100 * time.Millisecond)
	}
	return func() error {
		var errs []error
		if cpu != nil {
			pprof.StopCPUProfile()
			errs = append(errs, cpu.Close())
		}
		if heap != nil {
			errs = append(errs, heap.write(memPath))
		}
		return errors.Join(errs...)
	}, nil
}

// peakHeap keeps the heap profile taken when the live heap was largest.
// A profile taken at the end of a build shows almost nothing, since the
// build's memory is free by then; the peak is what decides whether a
// machine can run the build.
type peakHeap struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak uint64
	prof bytes.Buffer
}

// watchHeap samples the live heap, as of the last garbage collection,
// every interval, and takes a profile whenever it grew by more than a
// twentieth over the largest seen.
func watchHeap(interval time.Duration) *peakHeap {
	h := &peakHeap{done: make(chan struct{})}
	h.sample()
	h.wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-h.done:
				return
			case <-t.C:
				h.sample()
			}
		}
	})
	return h
}

func (h *peakHeap) sample() {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	live := s[0].Value.Uint64()
	if h.prof.Len() > 0 && live <= h.peak+h.peak/20 {
		return
	}
	h.peak = live
	h.prof.Reset()
	// The profile reflects the heap as of the same collection as the
	// metric, so the two describe one moment.
	if err := pprof.Lookup("heap").WriteTo(&h.prof, 0); err != nil {
		h.prof.Reset()
	}
}

// write stops the sampling and writes the peak profile to path.
func (h *peakHeap) write(path string) error {
	close(h.done)
	h.wg.Wait()
	if h.prof.Len() == 0 {
		return errors.New("heap profile: no profile was taken")
	}
	if err := os.WriteFile(path, h.prof.Bytes(), 0o644); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return nil
}
