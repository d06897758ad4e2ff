// Command feedpub publishes RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds from
// article sources, once (build) or on a schedule while serving them (serve).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "feedpub:", err)
		}
		os.Exit(exitCode(err))
	}
}

const usage = `feedpub publishes RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds from article files.

Usage:
  feedpub <command> [flags]

Commands:
  build     build the feeds once and write them to the output folder (for system cron)
  serve     build on a schedule and serve the feeds over HTTP
  validate  check feed files or URLs against the specs
  init      write a starter configuration and two sample articles
  ledger    check, export, import or recover the ledger of item ids and dates
  version   print the version

Run 'feedpub <command> -h' for a command's flags.
`

// run is the whole program behind main, with its inputs and outputs passed
// in so that tests can drive it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{errors.New("no command given")}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "build":
		return runBuild(ctx, rest, stdout, stderr)
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "validate":
		return runValidate(ctx, rest, stdout, stderr)
	case "init":
		return runInit(rest, stdout, stderr)
	case "ledger":
		return runLedger(ctx, rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "feedpub", version())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Errorf("unknown command %q", cmd)}
}

// usageError marks errors in how feedpub was called or configured: exit
// status 2, as opposed to 1 for a build that failed.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	return 1
}

// commonFlags are the flags every command takes.
type commonFlags struct {
	logFormat string
	logLevel  string
}

func newFlagSet(name, synopsis, help string, stderr io.Writer) (*flag.FlagSet, *commonFlags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &commonFlags{}
	fs.StringVar(&c.logFormat, "log-format", "text", "log format on stderr: text or json")
	fs.StringVar(&c.logLevel, "log-level", "info", "least severe log level shown: debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: feedpub %s %s\n\n%s\nFlags:\n", name, synopsis, help)
		fs.PrintDefaults()
	}
	return fs, c
}

// parse parses args, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	return nil
}

func (c *commonFlags) logger(stderr io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, usageError{fmt.Errorf("-log-level %q: use debug, info, warn or error", c.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(c.logFormat) {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, opts)), nil
	}
	return nil, usageError{fmt.Errorf("-log-format %q: use text or json", c.logFormat)}
}
