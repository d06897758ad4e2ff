package source

import (
	"io/fs"
	"slices"

	"golang.org/x/sys/unix"
)

// readFile reads the file at p, which stat said holds size bytes, and at
// most limit+1 bytes of it, so that the caller can tell a file that grew
// past limit. It reads through the descriptor alone: os.Open would also
// make it non-blocking and offer it to the network poller, two system
// calls more for every article of a build that reads them all, and of no
// use for a regular file.
func readFile(p string, size, limit int64) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	// A byte more than stat announced, so that the read that finds the
	// end needs no larger buffer; a file that grew since is read on.
	buf := make([]byte, 0, min(size, limit)+1)
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 4096)
		}
		want := min(int64(cap(buf)), limit+1) - int64(len(buf))
		n, err := unix.Read(fd, buf[len(buf):int64(len(buf))+want])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return buf, &fs.PathError{Op: "read", Path: p, Err: err}
		}
		if n == 0 {
			break
		}
		buf = buf[:len(buf)+n]
		if int64(n) < want && int64(len(buf)) == size {
			// A read that stops short at the size stat gave has
			// found the end of the file: the read that would return
			// nothing to say so is one system call per article.
			break
		}
	}
	return buf, nil
}
