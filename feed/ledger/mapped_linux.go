//go:build linux

package ledger

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// dropMapped lets go of the pages of the ledger file that the process has
// mapped: bbolt reads the file through a memory map, and every page a
// lookup or an export touched stays counted in the process's resident
// memory, so that a build of a large archive, which reads the whole
// ledger, would hold the whole file. The pages stay in the page cache,
// and a later read maps them again.
//
// It runs inside a read transaction, which keeps bbolt from remapping the
// file (a write that grows it takes the map's lock) between learning where
// the map is and advising on it.
func (b *Bolt) dropMapped() {
	_ = b.db.View(func(tx *bolt.Tx) error {
		if size := tx.Size(); size > 0 {
			// The map is read-only and shared with the file: dropping
			// its pages loses nothing.
			_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, b.db.Info().Data, uintptr(size), syscall.MADV_DONTNEED)
		}
		return nil
	})
}
