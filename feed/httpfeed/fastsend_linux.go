package httpfeed

import (
	"errors"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The fast path makes its socket system calls with RawSyscall, which
// leaves the goroutine's P where it is: the scheduler neither records the
// call nor, when it runs past sysmon's 20 µs, hands the P to another
// thread: with 150 KB responses under load, the server then spent much of
// its time switching threads, and RawSyscall took its CPU time per
// response from 26 to 21 µs. That is right only for calls that cannot
// block. Reads and
// writes of the socket cannot: it is non-blocking, and the poller waits
// for it. sendfile reads the body's file, so it goes raw only when the
// file was sent or made within the last second, its pages surely in
// memory; after a longer pause the kernel may have to read it from disk,
// and the call goes through the scheduler like any other.

// fileSend sends a response header and then a body from its file with
// sendfile(2), all from one callback of the connection's RawConn.Write,
// which waits for the socket to take more whenever it is full. The header
// goes with MSG_MORE, so that the kernel holds it back to fill the first
// segment with the body, as nginx's tcp_nopush does with a cork but
// without the two system calls of setting and clearing one. sendfile with
// an offset of its own leaves the file's offset alone, so every request
// shares the one file. With no file (fd < 0) it writes the header alone.
type fileSend struct {
	hdr  []byte
	body []byte // the bytes in the file, to write from memory if sendfile fails
	fd   int
	off  int64
	raw  bool // sendfile with RawSyscall: the file was sent a moment ago
	err  error
	step func(fd uintptr) bool // s.run, bound once
}

func (s *fileSend) init() { s.step = s.run }

// sendFile sends hdr and then body from file. It reports false, having
// sent nothing, when the body has no file to send from.
func (s *fileSend) sendFile(c *fastConn, hdr, body []byte, file *bodyFile, now time.Time) bool {
	base := file.acquire()
	if base == nil {
		return false
	}
	s.hdr, s.body, s.fd, s.off, s.err = hdr, body, int(base.Fd()), 0, nil
	s.raw = file.sentRecently(now.Unix())
	if err := c.rc.Write(s.step); err != nil && s.err == nil {
		s.err = err
	}
	s.hdr, s.body = nil, nil
	file.release()
	return true
}

// write writes b, the whole of a response.
func (s *fileSend) write(c *fastConn, b []byte) error {
	s.hdr, s.fd, s.err = b, -1, nil
	if err := c.rc.Write(s.step); err != nil && s.err == nil {
		s.err = err
	}
	s.hdr = nil
	return s.err
}

// run makes as much progress as the socket takes, and reports whether the
// send is over (done or failed); false waits until the socket is writable.
func (s *fileSend) run(sock uintptr) bool {
	if s.fd < 0 {
		return s.writeRest(sock)
	}
	for len(s.hdr) > 0 {
		n, err := rawSend(sock, s.hdr, unix.MSG_MORE|unix.MSG_NOSIGNAL)
		switch err {
		case 0:
		case unix.EAGAIN:
			return false
		case unix.EINTR:
			continue
		default:
			s.err = err
			return true
		}
		s.hdr = s.hdr[n:]
	}
	for s.off < int64(len(s.body)) {
		n, err := s.sendfile(sock, len(s.body)-int(s.off))
		switch {
		case errors.Is(err, unix.EAGAIN):
			return false
		case errors.Is(err, unix.EINTR):
			continue
		case errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS):
			// No sendfile for this pair: the rest from memory.
			s.hdr, s.body, s.fd = s.body[s.off:], nil, -1
			return s.writeRest(sock)
		case err != nil:
			s.err = err
			return true
		case n == 0:
			s.err = errors.New("sendfile: no progress")
			return true
		}
	}
	return true
}

// sendfile sends up to n bytes of the file from s.off, advancing it.
func (s *fileSend) sendfile(sock uintptr, n int) (int, error) {
	if !s.raw {
		return unix.Sendfile(int(sock), s.fd, &s.off, n)
	}
	r, _, e := unix.RawSyscall6(unix.SYS_SENDFILE, sock, uintptr(s.fd), uintptr(unsafe.Pointer(&s.off)), uintptr(n), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// writeRest writes s.hdr once sendfile is not to be had.
func (s *fileSend) writeRest(sock uintptr) bool {
	for len(s.hdr) > 0 {
		n, err := rawSend(sock, s.hdr, unix.MSG_NOSIGNAL)
		switch err {
		case 0:
		case unix.EAGAIN:
			return false
		case unix.EINTR:
			continue
		default:
			s.err = err
			return true
		}
		s.hdr = s.hdr[n:]
	}
	return true
}

// rawSend is send(2) on the non-blocking socket fd, made with RawSyscall.
func rawSend(fd uintptr, b []byte, flags int) (int, unix.Errno) {
	r, _, e := unix.RawSyscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), uintptr(flags), 0, 0)
	return int(r), e
}

// read reads what the client sent into c.buf and returns how many bytes it
// read: none when the client closed the connection, it broke or the read
// deadline passed.
func (c *fastConn) read() int {
	c.got = 0
	if err := c.rc.Read(c.readStep); err != nil {
		return 0
	}
	return c.got
}

// readRaw is read(2) on the non-blocking socket fd with RawSyscall, for
// c.rc.Read: false waits until the socket is readable.
func (c *fastConn) readRaw(fd uintptr) bool {
	for {
		r, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&c.buf[0])), uintptr(len(c.buf)))
		switch e {
		case 0:
			c.got = int(r)
			return true
		case unix.EAGAIN:
			return false
		case unix.EINTR:
			continue
		}
		c.got = 0
		return true
	}
}
