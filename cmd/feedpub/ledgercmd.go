package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/publish"
)

const ledgerHelp = `Inspects and repairs the ledger that holds every item's id, first-seen
date and content hash: the file at 'state', or the PostgreSQL database a
postgres:// state names.

  check    open the ledger read-only and verify every record
  export   write every record as JSON Lines to stdout, or to -o FILE; from
           a damaged ledger, every record that can still be read
  import   merge records from JSON Lines files (or stdin) into the ledger,
           creating it if it is missing; an id already there keeps the
           earlier first-seen date
  recover  rebuild a damaged or lost ledger: keep its readable records
           (moving a damaged file to {state}.damaged) and add what the
           backup export, the ledger_file and the published feeds know

Every build that records something new also refreshes a backup export,
{state}.jsonl next to a ledger file ({cache_dir}/ledger.jsonl when cache_dir
is set or the ledger is in PostgreSQL), and the ledger_file when one is
configured. A build that finds the ledger missing or empty recovers it by
itself. To repair a damaged ledger:

  feedpub ledger recover -config feedpub.yaml

To move a ledger to another store (a file, PostgreSQL), export it with the
old 'state', change 'state', and import it:

  feedpub ledger export -config feedpub.yaml -o ledger.jsonl
  feedpub ledger import -config feedpub.yaml ledger.jsonl
`

func runLedger(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "export" && args[0] != "import" && args[0] != "recover") {
		fmt.Fprintf(stderr, "Usage: feedpub ledger check|export|import|recover -config FILE [FILE...]\n\n%s", ledgerHelp)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			return flag.ErrHelp
		}
		return usageError{errors.New("ledger needs check, export, import or recover")}
	}
	verb := args[0]
	fs, common := newFlagSet("ledger "+verb, "-config FILE", ledgerHelp, stderr)
	configPath := fs.String("config", "feedpub.yaml", "configuration `file`")
	out := fs.String("o", "", "with export: write to this `file` instead of stdout")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	logger, err := common.logger(stderr)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, false)
	if err != nil {
		return err
	}
	switch verb {
	case "recover":
		err := recoverLedger(ctx, cfg, func(format string, args ...any) { fmt.Fprintf(stdout, format, args...) }, logger)
		if err != nil {
			return fmt.Errorf("ledger recover: %w", err)
		}
		fmt.Fprintf(stdout, "next: feedpub build -config %s\n", shellQuote(cfg.Path))
	case "check":
		led, err := openLedger(ctx, cfg, true, ledgerLockWait)
		if err != nil {
			return withRecoveryHint(cfg, fmt.Errorf("ledger check: %w", err))
		}
		defer led.Close()
		if err := led.Check(); err != nil {
			return withRecoveryHint(cfg, fmt.Errorf("ledger check: %w", err))
		}
		n, err := ledger.WriteJSONL(ctx, io.Discard, led)
		if err != nil {
			return withRecoveryHint(cfg, fmt.Errorf("ledger check: %w", err))
		}
		fmt.Fprintf(stdout, "ledger %s: ok, %d records\n", cfg.StateName(), n)
	case "export":
		led, err := openLedger(ctx, cfg, true, ledgerLockWait)
		if err != nil {
			return withRecoveryHint(cfg, fmt.Errorf("ledger export: %w", err))
		}
		defer led.Close()
		// A damaged ledger gives what can still be read of it.
		var salvaged []ledger.Record
		skipped := 0
		if cerr := led.Check(); cerr != nil {
			b, ok := led.(*ledger.Bolt)
			if !ok {
				return withRecoveryHint(cfg, fmt.Errorf("ledger export: %w", cerr))
			}
			var serr error
			salvaged, skipped, serr = b.Salvage()
			logger.Warn("ledger is damaged; exporting the records that can be read", "ledger", cfg.StateName(),
				"readable", len(salvaged), "unreadable", skipped, "error", errors.Join(cerr, serr), "repair", recoverCommand(cfg))
			if len(salvaged) == 0 {
				return withRecoveryHint(cfg, fmt.Errorf("ledger export: no record can be read: %w", cerr))
			}
		}
		if salvaged != nil && *out != "" && sameFile(*out, backupPath(cfg)) {
			return fmt.Errorf("ledger export: not overwriting the backup export %s with the %d readable records of a damaged ledger; run %s instead", *out, len(salvaged), recoverCommand(cfg))
		}
		var src ledger.Ledger = led
		if salvaged != nil {
			mem := ledger.NewMemory()
			if err := mem.Import(ctx, salvaged); err != nil {
				return fmt.Errorf("ledger export: %w", err)
			}
			src = mem
		}
		var n int
		export := func(w io.Writer) (err error) {
			n, err = ledger.WriteJSONL(ctx, w, src)
			return err
		}
		if *out != "" {
			// A failed export must not leave a truncated file where the
			// last good one was: the export is what a lost ledger is
			// rebuilt from.
			err = publish.WriteAtomic(*out, 0o644, export)
		} else {
			err = export(stdout)
		}
		if err != nil {
			return fmt.Errorf("ledger export: %w", err)
		}
		if skipped > 0 || salvaged != nil {
			fmt.Fprintf(stderr, "exported %d readable records; %d could not be read\n", n, skipped)
		} else {
			fmt.Fprintf(stderr, "exported %d records\n", n)
		}
	case "import":
		var recs []ledger.Record
		inputs := fs.Args()
		if len(inputs) == 0 {
			inputs = []string{"-"}
		}
		for _, in := range inputs {
			var r io.Reader = os.Stdin
			if in != "-" {
				f, err := os.Open(in)
				if err != nil {
					return fmt.Errorf("ledger import: %w", err)
				}
				defer f.Close()
				r = f
			}
			got, err := ledger.ReadJSONL(r)
			if err != nil {
				return fmt.Errorf("ledger import: %s: %w", in, err)
			}
			recs = append(recs, got...)
		}
		led, err := openLedger(ctx, cfg, false, ledgerLockWait)
		if err != nil {
			return withRecoveryHint(cfg, fmt.Errorf("ledger import: %w", err))
		}
		defer led.Close()
		if err := led.Import(ctx, recs); err != nil {
			return fmt.Errorf("ledger import: %w", err)
		}
		if err := publish.Forget(ctx, led); err != nil {
			return fmt.Errorf("ledger import: %w", err)
		}
		fmt.Fprintf(stdout, "imported %d records into %s\n", len(recs), cfg.StateName())
	}
	return nil
}

// sameFile reports whether a and b name the same file, or both name none.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA != nil || errB != nil {
		aa, _ := filepath.Abs(a)
		bb, _ := filepath.Abs(b)
		return aa == bb
	}
	return os.SameFile(fa, fb)
}
