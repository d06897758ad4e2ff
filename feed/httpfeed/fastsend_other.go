//go:build !linux

package httpfeed

// fileSend has no sendfile off Linux: bodies are written from memory.
type fileSend struct{ err error }

func (s *fileSend) init() {}

func (s *fileSend) sendFile(*fastConn, []byte, []byte, *bodyFile) bool { return false }
