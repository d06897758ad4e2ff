package httpfeed

import (
	"errors"

	"golang.org/x/sys/unix"
)

// fileSend sends a response header and then a body from its in-memory file
// with sendfile(2), all from one callback of the connection's RawConn.Write,
// which waits for the socket to take more whenever it is full. The header
// goes with MSG_MORE, so that the kernel holds it back to fill the first
// segment with the body, as nginx's tcp_nopush does with a cork but
// without the two system calls of setting and clearing one. sendfile with
// an offset of its own leaves the file's offset alone, so every request
// shares the one file.
type fileSend struct {
	hdr  []byte
	body []byte // the bytes in the file, to write from memory if sendfile fails
	fd   int
	off  int64
	err  error
	step func(fd uintptr) bool // s.run, bound once
}

func (s *fileSend) init() { s.step = s.run }

// sendFile sends hdr and then body from file. It reports false, having
// sent nothing, when the body has no file to send from.
func (s *fileSend) sendFile(c *fastConn, hdr, body []byte, file *bodyFile) bool {
	base := file.acquire()
	if base == nil {
		return false
	}
	s.hdr, s.body, s.fd, s.off, s.err = hdr, body, int(base.Fd()), 0, nil
	if err := c.rc.Write(s.step); err != nil && s.err == nil {
		s.err = err
	}
	s.hdr, s.body = nil, nil
	file.release()
	return true
}

// run makes as much progress as the socket takes, and reports whether the
// send is over (done or failed); false waits until the socket is writable.
func (s *fileSend) run(sock uintptr) bool {
	if s.fd < 0 {
		return s.writeRest(sock)
	}
	for len(s.hdr) > 0 {
		n, err := unix.SendmsgN(int(sock), s.hdr, nil, nil, unix.MSG_MORE|unix.MSG_NOSIGNAL)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return false
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			s.err = err
			return true
		}
		s.hdr = s.hdr[n:]
	}
	for s.off < int64(len(s.body)) {
		n, err := unix.Sendfile(int(sock), s.fd, &s.off, len(s.body)-int(s.off))
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

// writeRest writes s.hdr with write(2) once sendfile is not to be had.
func (s *fileSend) writeRest(sock uintptr) bool {
	for len(s.hdr) > 0 {
		n, err := unix.Write(int(sock), s.hdr)
		switch {
		case errors.Is(err, unix.EAGAIN):
			return false
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			s.err = err
			return true
		}
		s.hdr = s.hdr[n:]
	}
	return true
}
