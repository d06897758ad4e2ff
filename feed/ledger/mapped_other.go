//go:build !linux

package ledger

// dropMapped does nothing where the ledger does not advise the kernel on
// its map.
func (b *Bolt) dropMapped() {}
