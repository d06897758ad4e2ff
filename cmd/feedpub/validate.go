package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// maxFetch bounds a feed fetched for validation.
const maxFetch = 32 << 20

func runValidate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("validate", "[-strict] FILE|URL...",
		`Checks RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents, from files or http(s)
URLs, in two levels. Errors break a specification: XML 1.0 and Namespaces,
RSS 2.0 with RFC 822 dates, RFC 4287 (Atom), JSON Feed 1.1. Warnings break
best practice: the RSS Best Practices Profile, what the W3C Feed Validation
Service warns about, what readers trip on (no self link, double escaping, a
re-parse with gofeed that reads something else). For a URL it also judges
the server: the status, the Content-Type and its charset, a self link that
matches the URL, and a conditional request answered with 304.

Prints one line per document, then each problem with its line, element and
rule. Exit status 1 when any document has an error; with -strict, also when
any has a warning.
`, stderr)
	timeout := fs.Duration("timeout", 30*time.Second, "time limit for fetching each URL")
	strict := fs.Bool("strict", false, "fail on warnings too")
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
		report, err := validateTarget(ctx, target, *timeout)
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
		if errs > 0 || (*strict && warns > 0) {
			status = "FAIL"
			failed++
		}
		fmt.Fprintf(stdout, "%s: %s: %s, %d items, %d errors, %d warnings\n", target, status, report.Format, len(report.Items), errs, warns)
		for _, p := range report.Problems {
			fmt.Fprintf(stdout, "  %s\n", p)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d documents failed validation", failed, fs.NArg())
	}
	return nil
}

// validateTarget validates a file, or a URL together with how it is
// served.
func validateTarget(ctx context.Context, target string, timeout time.Duration) (*feed.Report, error) {
	// A scheme is case-insensitive: HTTPS://… is a URL, not a file name.
	if u, err := url.Parse(target); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		data, err := os.ReadFile(target)
		if err != nil {
			return nil, err
		}
		return feed.Validate(data)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return validateURL(ctx, http.DefaultClient, target)
}
