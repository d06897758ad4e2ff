//go:build !linux

package source

import (
	"bytes"
	"io"
	"os"
)

// readFile reads the file at p, which stat said holds size bytes, and at
// most limit+1 bytes of it, so that the caller can tell a file that grew
// past limit.
func readFile(p string, size, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Read what Stat announced in one go. ReadFrom wants bytes.MinRead
	// free before each read, the one that finds the end included: with
	// less, it would copy the whole file into a buffer twice its size to
	// learn that.
	buf := bytes.NewBuffer(make([]byte, 0, min(size, limit)+bytes.MinRead))
	_, err = buf.ReadFrom(io.LimitReader(f, limit+1))
	return buf.Bytes(), err
}
