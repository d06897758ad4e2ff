package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// maxFetch bounds a feed fetched for validation.
const maxFetch = 32 << 20

func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("validate", "FILE|URL...",
		`Checks RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents, from files or http(s)
URLs: a strict XML pass, a re-parse with gofeed, and the specs' rules
(required elements, unique ids, date formats, self links, no control
characters, no double escaping). Prints one line per document, then each
problem. Exit status 1 when any document has an error.
`, stderr)
	timeout := fs.Duration("timeout", 30*time.Second, "time limit for fetching each URL")
	if err := parse(fs, args); err != nil {
		return err
	}
	if _, err := common.logger(stderr); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{errors.New("validate needs at least one file or URL")}
	}
	failed := 0
	for _, target := range fs.Args() {
		data, err := readTarget(ctx, target, *timeout)
		if err != nil {
			fmt.Fprintf(stdout, "%s: FAIL: %v\n", target, err)
			failed++
			continue
		}
		report, err := feed.Validate(data)
		if err != nil {
			fmt.Fprintf(stdout, "%s: FAIL: %v\n", target, err)
			failed++
			continue
		}
		errs, warns := 0, 0
		for _, p := range report.Problems {
			if p.Severity == feed.Error {
				errs++
			} else {
				warns++
			}
		}
		status := "ok"
		if errs > 0 {
			status = "FAIL"
			failed++
		}
		fmt.Fprintf(stdout, "%s: %s: %s, %d items, %d errors, %d warnings\n", target, status, report.Format, len(report.Items), errs, warns)
		for _, p := range report.Problems {
			fmt.Fprintf(stdout, "  %s: %s\n", p.Severity, p.Message)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d documents failed validation", failed, fs.NArg())
	}
	return nil
}

func readTarget(ctx context.Context, target string, timeout time.Duration) ([]byte, error) {
	if !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "https://") {
		return os.ReadFile(target)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "feedpub/"+version()+" (validate)")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", target, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFetch+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", target, err)
	}
	if len(data) > maxFetch {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", target, maxFetch)
	}
	return data, nil
}
