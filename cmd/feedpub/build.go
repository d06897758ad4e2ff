package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/feedpub/feedpub/feed/ledger"
)

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("build", "-config FILE",
		`Builds every configured feed once and writes {output}/{feed}.rss, .atom and .json.
A file is rewritten only when its bytes change, and atomically. A build that
fails leaves the previous files as they were. Run it from system cron, or use
'feedpub serve' to build on a schedule.

Exit status: 0 on success, 1 when the build failed, 2 for a usage or
configuration error.
`, stderr)
	configPath := fs.String("config", "feedpub.yaml", "configuration `file`")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("build takes no arguments, got %q", fs.Args())}
	}
	logger, err := common.logger(stderr)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, true)
	if err != nil {
		return err
	}
	led, err := ledger.OpenBolt(cfg.State, ledger.BoltOptions{LockTimeout: ledgerLockWait})
	if err != nil {
		return fmt.Errorf("open ledger: %w", err)
	}
	defer led.Close()
	b, err := newBuilder(cfg, led, logger)
	if err != nil {
		return usageError{err}
	}
	start := time.Now()
	res, err := b.Build(ctx)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("build interrupted: %w", err)
		}
		return fmt.Errorf("build failed: %w", err)
	}
	took := time.Since(start).Round(time.Millisecond)
	for _, f := range res.Feeds {
		state := "unchanged"
		if f.Changed() {
			state = "changed"
		}
		fmt.Fprintf(stdout, "%s: %d items, %s, %s\n", f.Name, f.Items, state, took)
	}
	logger.Info("build finished", "feeds", len(res.Feeds), "items", res.Items, "skipped_items", res.Skipped, "output", cfg.Output, "took", took)
	return nil
}
