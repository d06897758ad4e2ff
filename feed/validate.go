package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Severity grades a Problem. Errors make a document unfit to publish;
// warnings point at what readers tolerate but a careful feed avoids.
type Severity int

const (
	// Warning marks a problem readers cope with, such as a named time zone
	// in an RSS date. It does not fail Report.Err.
	Warning Severity = iota + 1
	// Error marks a broken spec rule or something a reader gets wrong. Any
	// Error fails Report.Err, so the document is not published.
	Error
)

// String returns "warning" or "error", for log lines and messages.
func (s Severity) String() string {
	switch s {
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// Problem is one finding of the validator. Message names the element, and
// the item by number and id, so a failed build can be fixed without reading
// the whole document.
type Problem struct {
	Severity Severity
	Message  string
	// Heuristic marks a finding that judges the text rather than the
	// format: entity text such as "&amp;" showing after decoding looks
	// like double escaping, but an article about HTML may say it on
	// purpose. A publisher that escapes by construction, and proves it
	// with Match, may set such findings aside (see SpecErr).
	Heuristic bool
}

// String returns the problem as "severity: message".
func (p Problem) String() string { return p.Severity.String() + ": " + p.Message }

// ParsedItem is an item as an independent reader (gofeed) sees it. Comparing
// it with what was rendered catches renderer bugs that leave a document well
// formed but wrong: lost ids, mangled titles, shifted dates.
type ParsedItem struct {
	ID        string
	Title     string
	Link      string
	Published time.Time
	Updated   time.Time
}

// Report is the result of validating one document: its format, the items
// gofeed read back from it, and every problem found.
type Report struct {
	Format Format
	// Items are the items as re-parsed by gofeed, in document order.
	Items    []ParsedItem
	Problems []Problem
}

// Sentinel errors, so callers can tell the kinds of failure apart with
// errors.Is.
var (
	// ErrUnknownFormat is returned by DetectFormat and Validate for a
	// document that is not RSS 2.0, Atom or JSON Feed.
	ErrUnknownFormat = errors.New("unknown feed format")
	// ErrInvalidFeed is wrapped by Report.Err: the document was read but
	// breaks at least one rule.
	ErrInvalidFeed = errors.New("invalid feed")
	// ErrMismatch is wrapped by Report.Match: the document reads back as
	// different items than the ones rendered.
	ErrMismatch = errors.New("feed items differ from rendered items")
)

// Err returns nil when the report holds no Error, and otherwise one error,
// wrapping ErrInvalidFeed, that lists every Error on its own line. Warnings
// never fail a build.
func (r *Report) Err() error { return r.err(true) }

// SpecErr is Err without the heuristic findings: nil when the document
// breaks no rule of its format.
func (r *Report) SpecErr() error { return r.err(false) }

func (r *Report) err(heuristics bool) error {
	var errs []error
	for _, p := range r.Problems {
		if p.Severity == Error && (heuristics || !p.Heuristic) {
			errs = append(errs, errors.New(p.Message))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s: %w", ErrInvalidFeed, r.Format, errors.Join(errs...))
}

// utf8BOM may start a document; XML allows it and gofeed skips it.
var utf8BOM = []byte("\xEF\xBB\xBF")

// DetectFormat tells RSS 2.0, Atom and JSON Feed apart by the first
// significant byte and, for XML, the name of the root element, the way feed
// readers do. It wraps ErrUnknownFormat when the document is none of them,
// including RSS 1.0 (RDF), which feedpub does not publish.
func DetectFormat(data []byte) (Format, error) {
	rest := bytes.TrimLeft(bytes.TrimPrefix(data, utf8BOM), " \t\r\n")
	if len(rest) == 0 {
		return "", fmt.Errorf("%w: empty document", ErrUnknownFormat)
	}
	switch rest[0] {
	case '{':
		return JSON, nil
	case '<':
	default:
		r, _ := utf8.DecodeRune(rest)
		return "", fmt.Errorf("%w: document starts with %q", ErrUnknownFormat, r)
	}
	masked, _ := maskXMLChars(rest)
	d := xml.NewDecoder(bytes.NewReader(masked))
	d.Strict = false
	d.CharsetReader = passCharset
	for {
		tok, err := d.RawToken()
		if err != nil {
			return "", fmt.Errorf("%w: no root element: %w", ErrUnknownFormat, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "rss":
				return RSS, nil
			case "feed":
				return Atom, nil
			}
			return "", fmt.Errorf("%w: root element <%s>", ErrUnknownFormat, rawQName(se.Name))
		}
	}
}

// Validate detects the document's format and validates it. It fails only
// when the format cannot be detected; everything else is in the Report.
func Validate(data []byte) (*Report, error) {
	f, err := DetectFormat(data)
	if err != nil {
		return nil, fmt.Errorf("validate: %w", err)
	}
	return ValidateFormat(f, data), nil
}

// ValidateFormat validates data as a document of format f: for RSS and Atom a
// strict XML pass and the format's spec rules, for JSON Feed the JSON and its
// spec rules, for every format text hygiene on titles, summaries and HTML
// bodies, and finally a re-parse with gofeed, whose items fill Report.Items.
func ValidateFormat(f Format, data []byte) *Report {
	v := &validation{report: &Report{Format: f}}
	count := -1 // items counted by the strict pass; -1 when it could not count
	switch f {
	case RSS, Atom:
		if root := v.readXML(data); root != nil {
			if f == RSS {
				count = v.checkRSS(root)
			} else {
				count = v.checkAtom(root)
			}
		}
	case JSON:
		count = v.checkJSON(data)
	default:
		v.errorf("cannot validate unknown format %q", f)
		return v.finish()
	}
	v.reparse(f, data, count)
	return v.finish()
}

// Bounds on the size of a report, so a badly broken document gives a report
// a person can read.
const (
	maxProblems     = 200
	maxCharProblems = 10
)

// validation collects the problems of one document.
type validation struct {
	report     *Report
	omitted    int
	omittedErr bool
	undeclared map[string]bool // namespace prefixes already reported
}

func (v *validation) add(s Severity, msg string) { v.addProblem(Problem{Severity: s, Message: msg}) }

func (v *validation) addProblem(p Problem) {
	if len(v.report.Problems) >= maxProblems {
		v.omitted++
		v.omittedErr = v.omittedErr || p.Severity == Error
		return
	}
	v.report.Problems = append(v.report.Problems, p)
}

// escapedTwicef reports a heuristic finding of double escaping.
func (v *validation) escapedTwicef(format string, args ...any) {
	v.addProblem(Problem{Severity: Error, Message: fmt.Sprintf(format, args...), Heuristic: true})
}

func (v *validation) errorf(format string, args ...any) { v.add(Error, fmt.Sprintf(format, args...)) }

func (v *validation) warnf(format string, args ...any) { v.add(Warning, fmt.Sprintf(format, args...)) }

func (v *validation) finish() *Report {
	if v.omitted > 0 {
		s := Warning
		if v.omittedErr {
			s = Error
		}
		v.report.Problems = append(v.report.Problems, Problem{Severity: s, Message: fmt.Sprintf("%d more problems not listed", v.omitted)})
	}
	return v.report
}
