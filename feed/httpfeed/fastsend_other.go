//go:build !linux

package httpfeed

import "time"

// fileSend has no sendfile off Linux: bodies are written from memory.
type fileSend struct{ err error }

func (s *fileSend) init() {}

func (s *fileSend) sendFile(*fastConn, []byte, []byte, *bodyFile, time.Time) bool { return false }

// write writes b, the whole of a response.
func (s *fileSend) write(c *fastConn, b []byte) error {
	_, err := c.c.Write(b)
	return err
}

// read reads what the client sent into c.buf and returns how many bytes it
// read: none when the client closed the connection, it broke or the read
// deadline passed.
func (c *fastConn) read() int {
	n, _ := c.c.Read(c.buf)
	return n
}

func (c *fastConn) readRaw(uintptr) bool { return true }
