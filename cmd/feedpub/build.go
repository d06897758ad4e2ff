package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed"
)

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("build", "-config FILE",
		`Builds every configured feed once and writes {output}/{feed}.rss, .atom and .json,
with a page for each item under {output}/items/ and feeds.opml.
A file is rewritten only when its bytes change, and atomically. A build that
fails leaves the previous files as they were. Run it from system cron, or use
'feedpub serve' to build on a schedule.

Exit status: 0 on success, 1 when the build failed, 2 for a usage or
configuration error.
`, stderr)
	configPath := fs.String("config", "feedpub.yaml", "configuration `file`")
	wait := fs.Duration("wait", ledgerLockWait, "how long to wait for another build that holds the ledger")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the build to `file`, for 'go tool pprof'")
	memProfile := fs.String("memprofile", "", "write a heap profile taken when the live heap was largest to `file`")
	publishFuture := fs.Bool("publish-future", false, "publish items dated later than now at once, as if the configuration said future: publish")
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
	if *publishFuture {
		cfg.Future = config.FuturePublish
	}
	stop, err := startProfiles(*cpuProfile, *memProfile)
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := buildSite(ctx, cfg, logger, *wait)
	if perr := stop(); perr != nil {
		logger.Warn("profile not written", "error", perr)
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			return err
		}
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
		items := fmt.Sprintf("%d items", f.Items)
		if n := len(f.Archive); n > 0 {
			items += fmt.Sprintf(" and %d archive pages", n)
		}
		fmt.Fprintf(stdout, "%s: %s, %s, %s\n", f.Name, items, state, took)
	}
	if res.Held > 0 {
		fmt.Fprintf(stdout, "%d items dated in the future held back; the first appears at %s\n", res.Held, res.NextHeld.UTC().Format(time.RFC3339))
	}
	for name, err := range res.Degraded {
		cause := err
		if se := (*feed.StaleError)(nil); errors.As(err, &se) {
			cause = se.Cause
		}
		fmt.Fprintf(stdout, "source %s: degraded, the items of its last good fetch (if any) stay published: %v\n", name, cause)
	}
	logger.Info("build finished", "feeds", len(res.Feeds), "items", res.Items, "skipped_items", res.Skipped, "duplicate_items", res.Duplicates, "held_items", res.Held, "degraded_sources", len(res.Degraded), "output", outputName(cfg), "took", took)
	// The feeds are published; the hubs are told before the process
	// exits, within a short deadline.
	pingHubsBeforeExit(ctx, cfg, res, logger)
	return nil
}
