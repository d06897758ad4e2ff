//go:build linux

package keyset

import "golang.org/x/sys/unix"

// mapAnon maps size bytes of zeroed private memory; nil when it cannot.
func mapAnon(size int) []byte {
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil
	}
	return mem
}

func unmap(mem []byte) { _ = unix.Munmap(mem) }
