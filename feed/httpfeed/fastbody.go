package httpfeed

import (
	"os"
	"time"
)

// acquire returns the body's file, made if need be, with a
// reference that release gives back; nil when the body is to be written
// from memory. Unlike get, it gives no file description of its own: the
// fast path sends with an explicit offset, so every request shares the
// file.
func (b *bodyFile) acquire() *os.File {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.refs == 0 || b.failed {
		return nil
	}
	if b.base == nil {
		// Only states hold references while base is nil, so the body is
		// in service: make its file, once.
		f, err := b.home.newFile(b.body)
		if err != nil {
			b.failed = true
			b.log.Warn("body written from memory: no file to send it from", "error", err)
			return nil
		}
		b.base = f
		b.made(time.Now().Unix())
	}
	b.refs++
	return b.base
}
