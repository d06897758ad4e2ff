package httpfeed

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// sendfileSupported tells whether bodies larger than sendfileMinSize get a
// bodyFile.
const sendfileSupported = true

// newDirFile returns a file in dir holding body. The file has no name
// (O_TMPFILE), so no one else can open it to change its bytes, and it is
// gone, on disk too, once closed, even if the process dies first.
func newDirFile(dir string, body []byte) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("make an unnamed file in %s: %w", dir, err)
	}
	f := os.NewFile(uintptr(fd), "feedpub-body")
	if _, err := f.Write(body); err != nil {
		f.Close()
		return nil, fmt.Errorf("write an unnamed file in %s: %w", dir, err)
	}
	return f, nil
}

// newMemFile returns an anonymous in-memory file holding body, sealed so
// that its bytes can no longer change.
func newMemFile(body []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("feedpub-body", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "feedpub-body")
	if _, err := f.Write(body); err != nil {
		f.Close()
		return nil, fmt.Errorf("write memfd: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		f.Close()
		return nil, fmt.Errorf("seal memfd: %w", err)
	}
	return f, nil
}

// reopen opens a new, read-only file description of f, with an offset of
// its own.
func reopen(f *os.File) (*os.File, error) {
	return os.OpenFile("/proc/self/fd/"+strconv.Itoa(int(f.Fd())), os.O_RDONLY, 0)
}

// corkSupported tells whether setCork does anything.
const corkSupported = true

// setCork turns TCP_CORK on or off: while it is on, the kernel sends only
// full segments; turning it off sends what is left.
func setCork(rc syscall.RawConn, on bool) {
	if on {
		_ = rc.Control(corkOn)
	} else {
		_ = rc.Control(corkOff)
	}
}

// corkOn and corkOff are functions, not closures, so that setCork does
// not allocate. An error leaves the connection as it was, which is only
// slower.
func corkOn(fd uintptr)  { _ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK, 1) }
func corkOff(fd uintptr) { _ = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK, 0) }
