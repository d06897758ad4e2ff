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
func openLedger(ctx context.Context, cfg *config.Config, readOnly bool, wait time.Duration) (store, error) {
	if cfg.StateIsPostgres() {
		ctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		p, err := ledger.OpenPostgres(ctx, cfg.State, ledger.PostgresOptions{ReadOnly: readOnly})
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	b, err := ledger.OpenBolt(cfg.State, ledger.BoltOptions{LockTimeout: wait, ReadOnly: readOnly})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// store is what the commands need of a ledger: the Ledger itself (the
// sources' state included), whether it holds any record yet (a lost ledger
// is recovered before a build), and a check of every record.
type store interface {
	ledger.Ledger
	Empty() (bool, error)
	Check() error
}

var (
	_ store = (*ledger.Bolt)(nil)
	_ store = (*ledger.Postgres)(nil)
)
