// Command w3ccorpus measures how far `feedpub validate` agrees with the W3C
// Feed Validation Service on that validator's own test corpus. It reads a
// checkout of the validator (github.com/w3c/feedvalidator) named by the
// FEEDVALIDATOR_DIR environment variable, takes every RSS 2.0 and Atom 1.0
// document under testcases/, and sorts each into one of three groups by the
// comment in which the corpus states what it expects:
//
//   - error: "Expect: C" where C is an Error class: feedpub must report an error;
//   - warning: "Expect: C" where C is a Warning class: a warning or an error;
//   - valid: "Expect: !Error" or "Expect: !Message": no error.
//
// Other expectations (Info classes, the absence of one particular class) say
// nothing about severity and are left out. The classes come from the
// validator's src/feedvalidator/logging.py. It prints each group's
// agreement, then the cases feedpub disagrees with on purpose and why, then
// (with -v) every other disagreement.
//
// The groups come from the folders that test RSS 2.0 and Atom 1.0
// themselves (atom, rss, rss20); -all also takes the documents of the
// extension folders, whose module-specific rules feedpub mostly leaves to
// the modules (it still reports no error on any of their valid cases).
//
// A measurement for people, not part of the test suite:
//
//	FEEDVALIDATOR_DIR=/tmp/feedvalidator go run ./bench/w3ccorpus [-v] [-all]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/feedpub/feedpub/feed"
)

// expectRe and messageRe are the two ways the corpus states an
// expectation, read the way the validator's own test runner reads them.
var (
	expectRe  = regexp.MustCompile(`(?s)<!--\s*Description:\s*(.*?)\s*Expect:\s*(!?)(\w*)(?:{(.*?)})?\s*-->`)
	messageRe = regexp.MustCompile(`(?s)<!--\s*Description:\s*(.*?)\s*Message:\s*(!?)(\w*).*?\s*-->`)
	classRe   = regexp.MustCompile(`(?m)^class\s+(\w+)\s*\(([^)]*)\)`)
	rssRe     = regexp.MustCompile(`<rss\b[^>]*\bversion\s*=\s*["']2\.0["']`)
	atomRe    = regexp.MustCompile(`<(?:\w+:)?feed\b[^>]*\bxmlns(?::\w+)?\s*=\s*["']http://www\.w3\.org/2005/Atom["']`)
)

// corpusDirs are the folders of testcases/ that test RSS 2.0 and Atom 1.0
// themselves; the others test extensions (ext, gbase, opensearch) or other
// formats, and are left out.
var corpusDirs = map[string]bool{"atom": true, "rss": true, "rss20": true}

// deliberate lists the cases feedpub disagrees with on purpose, by path
// under testcases/, with the reason printed next to them.
var deliberate = map[string]string{
	"atom/3.1.1.3/misplaced_element.xml":         "judges the inside of SVG content; feedpub checks Atom, not every vocabulary carried in it",
	"atom/4.1.1/misplaced-metadata.xml":          "RFC 4287 lets feed metadata and entries come in any order (its schema interleaves them)",
	"atom/4.2.7.2/link-rel-self-nomatch.xml":     "in file mode there is no fetched address to compare; `feedpub validate URL` makes this check",
	"atom/6.1/trackback-ping-outside-entry.xml":  "placement rules of the trackback module, which feedpub does not check",
	"rss/must/invalid_slash_hit_parade.xml":      "value rules of the Slash module, which feedpub does not check",
	"rss/must/rss20_trackback_invalid_about.xml": "value rules of the trackback module, which feedpub does not check",
	"rss/must/rss20_trackback_invalid_ping.xml":  "value rules of the trackback module, which feedpub does not check",
}

func main() {
	verbose := flag.Bool("v", false, "list every disagreement")
	all := flag.Bool("all", false, "take RSS 2.0 and Atom 1.0 documents from every folder, extension tests included")
	flag.Parse()
	dir := os.Getenv("FEEDVALIDATOR_DIR")
	if dir == "" {
		fmt.Fprintln(os.Stderr, "w3ccorpus: set FEEDVALIDATOR_DIR to a checkout of github.com/w3c/feedvalidator")
		os.Exit(2)
	}
	if *all {
		corpusDirs = nil
	}
	if err := run(dir, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "w3ccorpus:", err)
		os.Exit(1)
	}
}

// classes maps each message class of logging.py to "error", "warning" or
// "" (Info and the rest).
func classes(dir string) (map[string]string, error) {
	src, err := os.ReadFile(filepath.Join(dir, "src", "feedvalidator", "logging.py"))
	if err != nil {
		return nil, fmt.Errorf("read message classes: %w", err)
	}
	parents := map[string][]string{}
	for _, m := range classRe.FindAllStringSubmatch(string(src), -1) {
		for _, p := range strings.Split(m[2], ",") {
			parents[m[1]] = append(parents[m[1]], strings.TrimSpace(p))
		}
	}
	var level func(c string, depth int) string
	level = func(c string, depth int) string {
		switch c {
		case "Error":
			return "error"
		case "Warning":
			return "warning"
		}
		if depth > 50 {
			return ""
		}
		for _, p := range parents[c] {
			if l := level(p, depth+1); l != "" {
				return l
			}
		}
		return ""
	}
	out := map[string]string{}
	for c := range parents {
		out[c] = level(c, 0)
	}
	return out, nil
}

type result struct {
	path, group, class, desc, got string
	ok                            bool
}

func run(dir string, verbose bool) error {
	levels, err := classes(dir)
	if err != nil {
		return err
	}
	// The same files the validator's runner takes: testcases/*/*/*.xml.
	files, err := filepath.Glob(filepath.Join(dir, "testcases", "*", "*", "*.xml"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	var results []result
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(filepath.Join(dir, "testcases"), f)
		rel = filepath.ToSlash(rel)
		if corpusDirs != nil && !corpusDirs[strings.SplitN(rel, "/", 2)[0]] {
			continue
		}
		doc := string(data)
		if !rssRe.MatchString(doc) && !atomRe.MatchString(doc) {
			continue
		}
		var desc, cond, class string
		if m := expectRe.FindStringSubmatch(doc); m != nil {
			desc, cond, class = m[1], m[2], m[3]
		} else if m := messageRe.FindStringSubmatch(doc); m != nil {
			desc, cond, class = m[1], m[2], strings.ToUpper(m[3][:1])+m[3][1:]
			if class == "Valid" {
				cond, class = "!", "Message"
			}
		} else {
			continue
		}
		var group string
		switch {
		case cond == "!" && (class == "Error" || class == "Message"):
			group = "valid"
		case cond == "" && (class == "Error" || levels[class] == "error"):
			group = "error"
		case cond == "" && (class == "Warning" || levels[class] == "warning"):
			group = "warning"
		default:
			continue
		}
		r := result{path: rel, group: group, class: class, desc: desc}
		errs, warns := 0, 0
		report, verr := feed.Validate(data)
		var first []string
		if verr != nil {
			errs = 1
			first = append(first, "error: "+verr.Error())
		} else {
			for _, p := range report.Problems {
				if p.Severity == feed.Error {
					errs++
				} else {
					warns++
				}
				if len(first) < 3 {
					first = append(first, p.String())
				}
			}
		}
		switch group {
		case "valid":
			r.ok = errs == 0
		case "error":
			r.ok = errs > 0
		case "warning":
			r.ok = errs+warns > 0
		}
		r.got = strings.Join(first, " | ")
		results = append(results, r)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "W3C feedvalidator corpus, RSS 2.0 and Atom 1.0 documents (%s)\n", dir)
	for _, g := range []string{"error", "warning", "valid"} {
		n, ok := 0, 0
		for _, r := range results {
			if r.group == g {
				n++
				if r.ok {
					ok++
				}
			}
		}
		pct := 0.0
		if n > 0 {
			pct = 100 * float64(ok) / float64(n)
		}
		fmt.Fprintf(w, "%-8s %4d/%-4d %6.2f %%\n", g, ok, n, pct)
	}
	var on, off []result
	for _, r := range results {
		if r.ok {
			continue
		}
		if _, ok := deliberate[r.path]; ok {
			on = append(on, r)
		} else {
			off = append(off, r)
		}
	}
	fmt.Fprintf(w, "\nDisagreements on purpose (%d):\n", len(on))
	for _, r := range on {
		fmt.Fprintf(w, "  %s [%s %s]: %s\n", r.path, r.group, r.class, deliberate[r.path])
	}
	fmt.Fprintf(w, "Other disagreements: %d\n", len(off))
	if verbose {
		for _, r := range off {
			fmt.Fprintf(w, "  %s [%s %s] %s\n      got: %s\n", r.path, r.group, r.class, r.desc, r.got)
		}
	}
	return nil
}
