//go:build !linux

package source

// statBatch stats the files of b.
func statBatch(b *batch) { statEach(b) }
