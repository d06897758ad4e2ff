package main

import (
	"context"
	"time"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed/ledger"
)

// openLedger opens the ledger cfg's state names: the embedded bbolt file,
// or a PostgreSQL database for a postgres:// URL. wait bounds how long it
// waits for another process holding the file, or for the database to
// answer and its schema to be brought up to date.
func openLedger(ctx context.Context, cfg *config.Config, readOnly bool, wait time.Duration) (ledger.Ledger, error) {
	if cfg.StateIsPostgres() {
		ctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		return ledger.OpenPostgres(ctx, cfg.State, ledger.PostgresOptions{ReadOnly: readOnly})
	}
	return ledger.OpenBolt(cfg.State, ledger.BoltOptions{LockTimeout: wait, ReadOnly: readOnly})
}

// checker is implemented by ledgers that can verify every stored record.
type checker interface {
	Check() error
}

var (
	_ checker = (*ledger.Bolt)(nil)
	_ checker = (*ledger.Postgres)(nil)
)
