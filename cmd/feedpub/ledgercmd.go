package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/feedpub/feedpub/feed/ledger"
)

const ledgerHelp = `Inspects and repairs the ledger that holds every item's id, first-seen
date and content hash: the file at 'state', or the PostgreSQL database a
postgres:// state names.

  check    open the ledger read-only and verify every record
  export   write every record as JSON Lines to stdout, or to -o FILE
  import   merge records from JSON Lines files (or stdin) into the ledger,
           creating it if it is missing; an id already there keeps the
           earlier first-seen date

Every build that records something new also refreshes a backup export:
{state}.jsonl next to a ledger file, {cache_dir}/ledger.jsonl when
cache_dir is set or the ledger is in PostgreSQL. To recover from a damaged
ledger file:

  mv data/feedpub.db data/feedpub.db.damaged
  feedpub ledger import -config feedpub.yaml data/feedpub.db.jsonl

To move a ledger to another store, export it with the old 'state', change
'state', and import it:

  feedpub ledger export -config feedpub.yaml -o ledger.jsonl
  feedpub ledger import -config feedpub.yaml ledger.jsonl
`

func runLedger(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "export" && args[0] != "import") {
		fmt.Fprintf(stderr, "Usage: feedpub ledger check|export|import -config FILE [FILE...]\n\n%s", ledgerHelp)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			return flag.ErrHelp
		}
		return usageError{errors.New("ledger needs check, export or import")}
	}
	verb := args[0]
	fs, common := newFlagSet("ledger "+verb, "-config FILE", ledgerHelp, stderr)
	configPath := fs.String("config", "feedpub.yaml", "configuration `file`")
	out := fs.String("o", "", "with export: write to this `file` instead of stdout")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if _, err := common.logger(stderr); err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, false)
	if err != nil {
		return err
	}
	switch verb {
	case "check":
		led, err := openLedger(ctx, cfg, true, ledgerLockWait)
		if err != nil {
			return fmt.Errorf("ledger check: %w", err)
		}
		defer led.Close()
		if err := led.(checker).Check(); err != nil {
			return fmt.Errorf("ledger check: %w", err)
		}
		n, err := ledger.WriteJSONL(ctx, io.Discard, led)
		if err != nil {
			return fmt.Errorf("ledger check: %w", err)
		}
		fmt.Fprintf(stdout, "ledger %s: ok, %d records\n", cfg.StateName(), n)
	case "export":
		led, err := openLedger(ctx, cfg, true, ledgerLockWait)
		if err != nil {
			return fmt.Errorf("ledger export: %w", err)
		}
		defer led.Close()
		w := stdout
		if *out != "" {
			f, err := os.Create(*out)
			if err != nil {
				return fmt.Errorf("ledger export: %w", err)
			}
			defer f.Close()
			w = f
		}
		n, err := ledger.WriteJSONL(ctx, w, led)
		if err != nil {
			return fmt.Errorf("ledger export: %w", err)
		}
		fmt.Fprintf(stderr, "exported %d records\n", n)
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
			return fmt.Errorf("ledger import: %w", err)
		}
		defer led.Close()
		if err := led.Import(ctx, recs); err != nil {
			return fmt.Errorf("ledger import: %w", err)
		}
		fmt.Fprintf(stdout, "imported %d records into %s\n", len(recs), cfg.StateName())
	}
	return nil
}
