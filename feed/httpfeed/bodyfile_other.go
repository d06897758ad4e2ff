//go:build !linux

package httpfeed

import (
	"errors"
	"os"
	"syscall"
)

// sendfileSupported tells whether bodies larger than sendfileMinSize get a
// bodyFile: only on Linux, where sendfile reads from the file offset that
// reopen gives each request its own of.
const sendfileSupported = false

var errNoMemFile = errors.New("in-memory files are only made on Linux")

func newMemFile([]byte) (*os.File, error) { return nil, errNoMemFile }

func newDirFile(string, []byte) (*os.File, error) { return nil, errNoMemFile }

func reopen(*os.File) (*os.File, error) { return nil, errNoMemFile }

// corkSupported tells whether setCork does anything.
const corkSupported = false

func setCork(syscall.RawConn, bool) {}
