package main

import (
	"sync"
	"time"
)

// heldWake runs one build at the moment the earliest item held back for
// its future date is due, so that it appears then and not only at the
// next scheduled build. Every build says when that is; a new time
// replaces the old one.
type heldWake struct {
	mu    sync.Mutex
	timer *time.Timer
	at    time.Time
	// build runs the build; set once before the first build.
	build func()
	// stopped refuses new wake-ups once serve is shutting down.
	stopped bool
}

// set arranges the build for at, or for nothing when at is zero.
func (h *heldWake) set(at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped || h.build == nil || at.Equal(h.at) {
		return
	}
	if h.timer != nil {
		h.timer.Stop()
		h.timer = nil
	}
	h.at = at
	if at.IsZero() {
		return
	}
	h.timer = time.AfterFunc(time.Until(at), func() {
		h.mu.Lock()
		h.at = time.Time{} // the build this starts sets the next one
		h.mu.Unlock()
		h.build()
	})
}

// stop cancels a pending wake-up for good.
func (h *heldWake) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	if h.timer != nil {
		h.timer.Stop()
	}
}
