package main

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

//go:embed starter
var starter embed.FS

func runInit(args []string, stdout, stderr io.Writer) error {
	flags, common := newFlagSet("init", "[DIR]",
		`Writes a commented starter configuration (DIR/feedpub.yaml) and two sample
articles (DIR/articles/) into DIR, the current folder by default. Existing
files are never overwritten. Then: feedpub build -config DIR/feedpub.yaml
`, stderr)
	if err := parse(flags, args); err != nil {
		return err
	}
	if _, err := common.logger(stderr); err != nil {
		return err
	}
	if flags.NArg() > 1 {
		return usageError{fmt.Errorf("init takes at most one folder, got %q", flags.Args())}
	}
	dir := "."
	if flags.NArg() == 1 {
		dir = flags.Arg(0)
	}
	var files []string
	err := fs.WalkDir(starter, "starter", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	for _, p := range files {
		dst := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "starter/")))
		if _, err := os.Lstat(dst); err == nil {
			return fmt.Errorf("init: %s already exists; nothing was written", dst)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("init: %w", err)
		}
	}
	for _, p := range files {
		data, err := starter.ReadFile(p)
		if err != nil {
			return err
		}
		// The tag date is fixed at the day the site is set up.
		data = []byte(strings.ReplaceAll(string(data), "ID_DATE", time.Now().UTC().Format("2006-01-02")))
		dst := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(p, "starter/")))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		fmt.Fprintln(stdout, "wrote", dst)
	}
	fmt.Fprintf(stdout, "next: feedpub build -config %s\n", filepath.Join(dir, "feedpub.yaml"))
	return nil
}
