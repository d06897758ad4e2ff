package httpfeed

import (
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Large bodies are also kept in a file of their own, which nothing else
// writes to (an unnamed file in the Handler's BodyDir, or an anonymous,
// sealed in-memory one), so that a response can hand the kernel a file to
// send with sendfile(2) instead of copying the bytes through write(2) on
// every request. net/http takes that path when a handler gives its
// ResponseWriter's ReadFrom an *os.File (or an io.LimitedReader of one);
// Linux sendfile reads from the file's current offset, so each request
// needs an open file description of its own: a bodyFile keeps a pool of
// them, each used by one request at a time and rewound before use.
// Everywhere sendfile is not to be had (another operating system, a server
// without ConnContext, a ResponseWriter without ReadFrom, a file that could
// not be made), responses are written from memory.
const (
	// sendfileMinSize is the smallest body sent from a file. A body this
	// small leaves in a segment or two whichever way it is sent, and the
	// file costs three more system calls (cork, uncork, rewind) and a
	// second copy of the bytes in memory. On loopback, a 36 KB body was
	// sent as fast from a file as from memory, a 150 KB one faster.
	sendfileMinSize = 16 << 10
	// maxDescriptions bounds the open file descriptions of one body. A
	// request that finds them all in use writes from memory instead.
	maxDescriptions = 128
)

// bodyFile is one variant's body in a file of its own, with the open file
// descriptions requests send it from. The file is made by the first request
// that wants it while the body is in service, and closed, with every
// description, when the last reference goes. References are held by the
// Handler states the body belongs to (hold, release) and by the requests
// with a description out (get, put), so a request in flight keeps the files
// open after a Swap has retired its snapshot, and a request that comes
// after they are closed finds none and writes from memory.
type bodyFile struct {
	body []byte

	mu   sync.Mutex
	refs int
	// base is the in-memory file, nil until a request wants it and after
	// the files are closed. Requests never read through it; it is only
	// reopened.
	base *os.File
	// failed is set when base could not be made, so that requests stop
	// trying until the files are closed and the body held again.
	failed bool
	// log reports the failure, with the feed and format of the body.
	log *slog.Logger
	// home is where the file is made.
	home *fileHome
	// sentAt is the Unix second the fast path last sent the body from
	// its file, or the file was made: a body sent this recently is in
	// memory, which lets the next send skip the scheduler's bookkeeping
	// for a system call that could block (fastsend_linux.go).
	sentAt atomic.Int64
	// free are the descriptions no request is using.
	free []*description
	// open counts the descriptions made, free or in use.
	open int
}

// description is one open file description of a bodyFile, with the limit
// that makes sendfile stop at the end of the body instead of asking for
// more and getting zero bytes.
type description struct {
	f  *os.File
	lr io.LimitedReader
}

// newBodyFile returns the bodyFile of body, or nil when body is too small to
// be worth sending from a file.
func newBodyFile(body []byte) *bodyFile {
	if len(body) < sendfileMinSize || !sendfileSupported {
		return nil
	}
	return &bodyFile{body: body}
}

// hold takes a reference for a Handler state that serves the body; log
// reports a file that cannot be made, and home makes it.
func (b *bodyFile) hold(log *slog.Logger, home *fileHome) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refs++
	if b.log == nil {
		b.log, b.home = log, home
	}
}

// fileHome makes the files of a Handler's bodies: in its folder when it has
// one that takes unnamed files, and in memory otherwise.
type fileHome struct {
	dir string
	log *slog.Logger
	// dirFailed is set, and the reason logged, the first time the folder
	// refuses a file; from then on files are made in memory.
	dirFailed atomic.Bool
}

// newFile returns a file holding body.
func (h *fileHome) newFile(body []byte) (*os.File, error) {
	if h != nil && h.dir != "" && !h.dirFailed.Load() {
		f, err := newDirFile(h.dir, body)
		if err == nil {
			return f, nil
		}
		if h.dirFailed.CompareAndSwap(false, true) {
			h.log.Info("large bodies are sent from memory instead of the body folder", "folder", h.dir, "error", err)
		}
	}
	return newMemFile(body)
}

// made notes that the file of b was just made, with its bytes in memory.
func (b *bodyFile) made(now int64) { b.sentAt.Store(now) }

// sentRecently reports whether the body was sent from its file, or the
// file made, in the second sec or the one before, and notes a send in sec.
// The note is stored only when the second changes, so that the requests of
// a busy feed do not all write to the one cache line.
func (b *bodyFile) sentRecently(sec int64) bool {
	last := b.sentAt.Load()
	if last != sec {
		b.sentAt.Store(sec)
	}
	return last != 0 && last >= sec-1
}

// release drops a reference taken by hold or get, closing every file when
// it was the last.
func (b *bodyFile) release() {
	b.mu.Lock()
	b.refs--
	if b.refs > 0 {
		b.mu.Unlock()
		return
	}
	base, free := b.base, b.free
	b.base, b.free, b.open, b.failed = nil, nil, 0, false
	b.mu.Unlock()
	for _, d := range free {
		_ = d.f.Close()
	}
	if base != nil {
		_ = base.Close()
	}
}

// get returns a description rewound to the start of the body, or nil when
// the body is to be written from memory: not held, no file, all
// descriptions in use, or a system call failed. A non-nil description must
// be given back with put.
func (b *bodyFile) get() *description {
	b.mu.Lock()
	if b.refs == 0 || b.failed || (len(b.free) == 0 && b.open >= maxDescriptions) {
		b.mu.Unlock()
		return nil
	}
	if b.base == nil {
		// Only states hold references while base is nil, so the body is
		// in service: make its file, once.
		f, err := b.home.newFile(b.body)
		if err != nil {
			b.failed = true
			log := b.log
			b.mu.Unlock()
			log.Warn("body written from memory: no file to send it from", "error", err)
			return nil
		}
		b.base = f
		b.made(time.Now().Unix())
	}
	var d *description
	if n := len(b.free); n > 0 {
		d = b.free[n-1]
		b.free[n-1] = nil
		b.free = b.free[:n-1]
	} else {
		b.open++
	}
	// The reference keeps base open while it is reopened below.
	b.refs++
	base := b.base
	b.mu.Unlock()

	if d == nil {
		f, err := reopen(base)
		if err != nil {
			b.mu.Lock()
			b.open--
			b.mu.Unlock()
			b.release()
			return nil
		}
		d = &description{f: f}
	} else if _, err := d.f.Seek(0, io.SeekStart); err != nil {
		b.discard(d)
		return nil
	}
	d.lr = io.LimitedReader{R: d.f, N: int64(len(b.body))}
	return d
}

// put gives back a description from get.
func (b *bodyFile) put(d *description) {
	d.lr.R = nil
	b.mu.Lock()
	if b.refs > 1 {
		b.free = append(b.free, d)
		b.refs--
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	// The last reference: the description goes with the rest.
	b.discard(d)
}

// discard closes a description from get instead of giving it back.
func (b *bodyFile) discard(d *description) {
	_ = d.f.Close()
	b.mu.Lock()
	b.open--
	b.mu.Unlock()
	b.release()
}

// sendBody writes the body of v: from its file when it has one and the
// request came through a server with ConnContext, and from memory
// otherwise. Without the cork, sendfile sends the header in a segment of
// its own; on loopback that measured anywhere from 15% less to 15% more
// CPU time per 150 KB response than writing from memory, and with the cork
// 17 to 21% less every time. A failed write means the client went away;
// there is no one left to tell.
func sendBody(w http.ResponseWriter, r *http.Request, v *variant) {
	if v.file != nil {
		if rc := requestConn(r); rc != nil {
			if rf, ok := w.(io.ReaderFrom); ok {
				if d := v.file.get(); d != nil {
					sendFile(w, rc, rf, d)
					v.file.put(d)
					return
				}
			}
		}
	}
	_, _ = w.Write(v.body)
}

// sendFile sends the header and then d with sendfile, with the connection
// corked so that both leave in full segments. Flushing the header first
// spares net/http reading the start of the file to sniff a Content-Type
// the response already has. The description is rewound on its next use, so
// a send cut short leaves nothing to repair.
func sendFile(w http.ResponseWriter, rc syscall.RawConn, rf io.ReaderFrom, d *description) {
	setCork(rc, true)
	defer setCork(rc, false)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	_, _ = rf.ReadFrom(&d.lr)
}
