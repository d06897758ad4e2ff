package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/publish"
)

// State keys under which a build remembers the version (size and
// modification time) of the export and of the ledger file it last wrote
// or merged. A file whose version differs was written by someone else (a
// restore, a checkout, a merge) and is merged into the ledger before the
// build dates anything, so the next rewrite never drops what it knew.
const (
	exportStampKey     = "feedpub/export"
	ledgerFileStampKey = "feedpub/ledger_file"
)

// evidence is what a lost ledger can be rebuilt from, and how much each
// kind contributed.
type evidence struct {
	recs []ledger.Record
	// known holds the ids recs has so far, so that weaker evidence only
	// adds ids the stronger evidence lacks.
	known map[string]bool

	salvaged, fromExport, fromLedgerFile, fromFeeds, feedFiles int
}

func (e *evidence) add(recs []ledger.Record, counter *int) {
	if e.known == nil {
		e.known = map[string]bool{}
	}
	for _, r := range recs {
		if !e.known[r.ID] {
			*counter++
		}
		e.known[r.ID] = true
		e.recs = append(e.recs, r)
	}
}

// addPublished adds the records of the published feeds for ids nothing
// else knows: a feed carries dates, not content hashes.
func (e *evidence) addPublished(recs []ledger.Record) {
	var missing []ledger.Record
	for _, r := range recs {
		if !e.known[r.ID] {
			missing = append(missing, r)
		}
	}
	e.add(missing, &e.fromFeeds)
}

// summary describes e for a log line or a report.
func (e *evidence) logAttrs() []any {
	return []any{"records", len(e.known), "from_export", e.fromExport, "from_ledger_file", e.fromLedgerFile,
		"from_published_feeds", e.fromFeeds, "published_documents", e.feedFiles}
}

// gatherEvidence reads the ledger's export, the ledger file and the
// published feeds. strict (a build) fails on anything unreadable, since
// guessing could re-date items; otherwise (ledger recover) what cannot be
// read is reported to warn and skipped, and the files holding it are
// named in damaged.
func gatherEvidence(ctx context.Context, cfg *config.Config, e *evidence, strict bool, warn func(string, error)) (damaged []string, err error) {
	read := func(path string, counter *int) error {
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		defer f.Close()
		recs, bad, err := ledger.ReadJSONLReadable(f)
		switch {
		case err != nil:
		case len(bad) == 1:
			err = bad[0]
		case len(bad) > 1:
			err = fmt.Errorf("%w (and %d more unreadable lines)", bad[0], len(bad)-1)
		}
		if err != nil {
			err = fmt.Errorf("%s: %w", path, err)
			if strict {
				return err
			}
			warn(path, err)
			damaged = append(damaged, path)
		}
		e.add(recs, counter)
		return nil
	}
	if err := read(backupPath(cfg), &e.fromExport); err != nil {
		return nil, err
	}
	if cfg.LedgerFile != "" {
		if err := read(cfg.LedgerFile, &e.fromLedgerFile); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var names []string
	for _, f := range cfg.Feeds {
		names = append(names, f.Name)
	}
	recs, files, err := publish.PublishedRecords(cfg.Output, names)
	if err != nil {
		if strict {
			return nil, err
		}
		warn(cfg.Output, err)
	}
	e.feedFiles = files
	e.addPublished(recs)
	return damaged, nil
}

// ledgerPrep is what prepareLedger learned.
type ledgerPrep struct {
	// merged: the ledger took records from outside the build, so the
	// export and the ledger file must be written again.
	merged bool
	// keepExport: the export on disk could not be read; it must not be
	// overwritten by an export that might know less.
	keepExport bool
	// recovered: a lost ledger was rebuilt from evidence before this build.
	recovered bool
}

// prepareLedger runs before a build. On a ledger that is missing or empty
// (a fresh clone, a lost volume, a file truncated to nothing) it recovers
// every id and date it can from the export, the ledger file and the
// published feeds, or refuses when some of that evidence cannot be read,
// so that nothing is ever dated anew by mistake. On a ledger with records
// it merges an export or a ledger file that changed since this ledger
// wrote them (a restore, a pull).
func prepareLedger(ctx context.Context, cfg *config.Config, led store, logger *slog.Logger) (ledgerPrep, error) {
	var prep ledgerPrep
	empty, err := led.Empty()
	if err != nil {
		return prep, err
	}
	if empty {
		var e evidence
		if _, err := gatherEvidence(ctx, cfg, &e, true, nil); err != nil {
			return prep, fmt.Errorf("ledger %s is missing or empty, and the evidence of earlier builds cannot be read, so no item is dated anew: %w; run \"%s\" to rebuild the ledger from whatever is readable", cfg.StateName(), err, recoverCommand(cfg))
		}
		if len(e.recs) == 0 {
			return prep, nil // a new site: nothing was published before
		}
		if err := led.Import(ctx, e.recs); err != nil {
			return prep, fmt.Errorf("recover ledger: %w", err)
		}
		prep.merged, prep.recovered = true, true
		if e.fromExport == 0 && e.fromFeeds == 0 {
			logger.Info("ledger seeded from the ledger file", append([]any{"ledger", cfg.StateName(), "ledger_file", cfg.LedgerFile}, e.logAttrs()...)...)
		} else {
			logger.Warn("ledger was missing or empty; ids and dates recovered from earlier builds", append([]any{"ledger", cfg.StateName()}, e.logAttrs()...)...)
		}
		return prep, nil
	}
	for _, f := range []struct {
		path, key, what string
	}{{backupPath(cfg), exportStampKey, "export"}, {cfg.LedgerFile, ledgerFileStampKey, "ledger file"}} {
		if f.path == "" {
			continue
		}
		stamp, err := fileStamp(f.path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return prep, fmt.Errorf("%s: %w", f.what, err)
		}
		if prev, err := led.GetState(ctx, f.key); err != nil {
			return prep, err
		} else if string(prev) == stamp {
			continue
		}
		recs, bad, err := readRecordsFile(f.path)
		switch {
		case err != nil:
			return prep, fmt.Errorf("%s: %w", f.what, err)
		case len(bad) > 0 && f.key == exportStampKey:
			// It may know ids the ledger does not: keep it for a person
			// to look at rather than replace it.
			prep.keepExport = true
			logger.Warn("ledger export has unreadable lines; it is kept as it is and not refreshed", "file", f.path, "error", bad[0], "unreadable_lines", len(bad),
				"fix", fmt.Sprintf("correct it and build again, or replace it with: feedpub ledger export -config %s -o %s", shellQuote(cfg.Path), shellQuote(f.path)))
			continue
		case len(bad) > 0:
			// A hand-merged ledger file: the ledger holds the rest, and the
			// rewrite after this build drops the unreadable lines.
			logger.Warn("ledger file has unreadable lines; they are skipped and the file is written again", "file", f.path, "error", bad[0], "unreadable_lines", len(bad))
		}
		if err := led.Import(ctx, recs); err != nil {
			return prep, fmt.Errorf("merge %s %s: %w", f.what, f.path, err)
		}
		if err := publish.Forget(ctx, led); err != nil {
			return prep, err
		}
		prep.merged = true
		logger.Info("merged into the ledger: "+f.what+" changed since the last build wrote it", "file", f.path, "records", len(recs))
	}
	return prep, nil
}

// readRecordsFile reads an export or a ledger file; merge conflict markers
// are skipped, and the lines that cannot be read are returned as errors
// naming the file and the line.
func readRecordsFile(path string) (recs []ledger.Record, bad []error, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	recs, bad, err = ledger.ReadJSONLReadable(f)
	for i := range bad {
		bad[i] = fmt.Errorf("%s: %w", path, bad[i])
	}
	return recs, bad, err
}

// writeLedgerCopies refreshes the export beside the ledger and the ledger
// file after a build, when the build recorded something or the ledger took
// records from outside, or when a copy is missing. j holds what the build
// recorded, when it is known (nil otherwise): an embedded ledger's export
// takes it as appended lines (see appendExport), so a build that records a
// few items does not rewrite a record per item of the archive. Failures
// are warnings: the feeds are already published.
func writeLedgerCopies(ctx context.Context, cfg *config.Config, led store, logger *slog.Logger, prep ledgerPrep, j *journal, recorded bool) {
	for _, f := range []struct {
		path, key, what string
	}{{backupPath(cfg), exportStampKey, "export"}, {cfg.LedgerFile, ledgerFileStampKey, "ledger file"}} {
		if f.path == "" || (f.key == exportStampKey && prep.keepExport) {
			continue
		}
		if _, err := os.Stat(f.path); err == nil && !recorded && !prep.merged {
			continue
		}
		var n int
		var err error
		how := "written"
		if f.key == exportStampKey {
			n, how, err = refreshExport(ctx, cfg, led, f.path, prep, j)
		} else {
			// The ledger file is committed: sorted, one line per item, and
			// rewritten only when its bytes change.
			var buf bytes.Buffer
			n, err = ledger.WriteJSONL(ctx, &buf, led)
			if err == nil {
				_, err = publish.WriteFileAtomic(f.path, buf.Bytes(), 0o644)
			}
		}
		var stamp string
		if err == nil {
			stamp, err = fileStamp(f.path)
		}
		if err == nil {
			err = led.PutState(ctx, f.key, []byte(stamp))
		}
		if err != nil {
			logger.Warn("ledger "+f.what+" not written", "file", f.path, "error", err)
			continue
		}
		logger.Debug("ledger "+f.what+" "+how, "file", f.path, "records", n)
	}
}

// refreshExport brings the export at path up to date with the ledger: by
// appending the records the build wrote when it can (j knows them all),
// else by writing it whole. A PostgreSQL ledger's export is always written whole, since other
// servers write to the same database.
func refreshExport(ctx context.Context, cfg *config.Config, led store, path string, prep ledgerPrep, j *journal) (n int, how string, err error) {
	if written, since, ok := j.records(); ok && !prep.merged && !cfg.StateIsPostgres() {
		appended, err := appendExport(ctx, led, path, written, since)
		if err != nil {
			return 0, "", err
		}
		if appended {
			return len(written), "appended", nil
		}
	}
	n, err = writeExportWhole(ctx, led, path)
	return n, "written", err
}

// fileStamp identifies a version of a file by its size and modification
// time, which is enough to notice that someone else replaced it.
func fileStamp(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d %d", fi.Size(), fi.ModTime().UnixNano()), nil
}

// recoverCommand is the command line that repairs cfg's ledger.
func recoverCommand(cfg *config.Config) string {
	return "feedpub ledger recover -config " + shellQuote(cfg.Path)
}

// withRecoveryHint adds the command that repairs a damaged ledger to err.
func withRecoveryHint(cfg *config.Config, err error) error {
	if errors.Is(err, ledger.ErrCorrupt) {
		return fmt.Errorf("%w; to repair it, run: %s", err, recoverCommand(cfg))
	}
	return err
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=+,@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// recoverLedger is 'feedpub ledger recover': it keeps what is readable of
// the ledger (moving a damaged file aside), adds what the export, the
// ledger file and the published feeds know, and reports the counts.
func recoverLedger(ctx context.Context, cfg *config.Config, report func(format string, args ...any), logger *slog.Logger) error {
	if cfg.StateIsPostgres() {
		return recoverDatabase(ctx, cfg, report, logger)
	}
	// A running server opens the ledger for every build; moving the file
	// from under it would lose what it writes.
	lock, err := acquireServeLock(cfg.State)
	if err != nil {
		return err
	}
	defer lock.release()
	var e evidence
	var movedTo string
	fi, err := os.Stat(cfg.State)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		damaged := fi.Size() == 0
		if !damaged {
			led, err := ledger.OpenBolt(cfg.State, ledger.BoltOptions{ReadOnly: true, LockTimeout: ledgerLockWait})
			switch {
			case errors.Is(err, ledger.ErrLocked):
				return err
			case err != nil:
				logger.Warn("ledger cannot be opened; nothing in it is readable", "ledger", cfg.StateName(), "error", err)
				damaged = true
			default:
				recs, skipped, serr := led.Salvage()
				cerr := led.Check()
				led.Close()
				e.add(recs, &e.salvaged)
				if serr != nil || cerr != nil || skipped > 0 {
					damaged = true
					logger.Warn("ledger is damaged; its readable records are kept", "ledger", cfg.StateName(), "readable", len(recs), "unreadable", skipped, "error", errors.Join(serr, cerr))
				}
			}
		}
		if damaged {
			if movedTo, err = moveAside(cfg.State); err != nil {
				return err
			}
		}
	}
	if err := gatherForRecovery(ctx, cfg, &e, report, logger); err != nil {
		return err
	}
	led, err := ledger.OpenBolt(cfg.State, ledger.BoltOptions{LockTimeout: ledgerLockWait})
	if err != nil {
		return err
	}
	defer led.Close()
	if err := led.Import(ctx, e.recs); err != nil {
		return err
	}
	if err := publish.Forget(ctx, led); err != nil {
		return err
	}
	if movedTo != "" {
		report("the damaged ledger was moved to %s\n", movedTo)
	}
	report("ledger %s: %d records: %d readable in the ledger, %d more from the export, %d more from the ledger file, %d more from %d published documents\n",
		cfg.State, len(e.known), e.salvaged, e.fromExport, e.fromLedgerFile, e.fromFeeds, e.feedFiles)
	return nil
}

// moveAside renames path to path.damaged, or to a name with the time when
// that is taken, and returns the new name.
// gatherForRecovery adds every readable piece of evidence to e, warning of
// what cannot be read, and moves an export with unreadable lines aside: the
// next build writes a whole export again, which keeping this one in place
// would stop it from doing.
func gatherForRecovery(ctx context.Context, cfg *config.Config, e *evidence, report func(format string, args ...any), logger *slog.Logger) error {
	damagedFiles, err := gatherEvidence(ctx, cfg, e, false, func(path string, err error) {
		logger.Warn("skipped what cannot be read", "file", path, "error", err)
	})
	if err != nil {
		return err
	}
	for _, path := range damagedFiles {
		if path != backupPath(cfg) {
			continue
		}
		to, err := moveAside(path)
		if err != nil {
			return err
		}
		report("the export had unreadable lines; it was moved to %s\n", to)
	}
	return nil
}

func moveAside(path string) (string, error) {
	to := path + ".damaged"
	if _, err := os.Lstat(to); err == nil {
		to = path + ".damaged-" + time.Now().UTC().Format("20060102T150405")
	}
	if err := os.Rename(path, to); err != nil {
		return "", fmt.Errorf("move %s aside: %w", filepath.Base(path), err)
	}
	return to, nil
}

// recoverDatabase is 'feedpub ledger recover' for a PostgreSQL ledger: the
// database keeps what it holds (an import keeps the earlier first-seen
// date), and gains what the export, the ledger file and the published
// feeds of this machine know. Damage to the database itself is for the
// database's own backups.
func recoverDatabase(ctx context.Context, cfg *config.Config, report func(format string, args ...any), logger *slog.Logger) error {
	led, err := openLedger(ctx, cfg, false, ledgerLockWait)
	if err != nil {
		return err
	}
	defer led.Close()
	if err := led.Check(); err != nil {
		logger.Warn("the database holds records a ledger could not have written; fix them, or restore the database from a backup", "ledger", cfg.StateName(), "error", err)
	}
	var e evidence
	var held []ledger.Record
	if err := led.Export(ctx, func(r ledger.Record) error {
		held = append(held, r)
		return nil
	}); err != nil {
		return err
	}
	e.add(held, &e.salvaged)
	if err := gatherForRecovery(ctx, cfg, &e, report, logger); err != nil {
		return err
	}
	if err := led.Import(ctx, e.recs[len(held):]); err != nil {
		return err
	}
	if err := publish.Forget(ctx, led); err != nil {
		return err
	}
	report("ledger %s: %d records: %d in the database, %d more from the export, %d more from the ledger file, %d more from %d published documents\n",
		cfg.StateName(), len(e.known), e.salvaged, e.fromExport, e.fromLedgerFile, e.fromFeeds, e.feedFiles)
	return nil
}
