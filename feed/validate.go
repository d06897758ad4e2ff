package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Severity grades a Problem in two levels. Errors break a specification
// (XML 1.0 and Namespaces, RSS 2.0 with RFC 822 dates, RFC 4287, JSON Feed
// 1.1); warnings break best practice (the RSS Best Practices Profile, what
// the W3C Feed Validation Service warns about, what readers trip on).
type Severity int

const (
	// Warning marks a departure from best practice, such as an RSS feed
	// without a self link. It fails StrictErr and PublishErr, not Err.
	Warning Severity = iota + 1
	// Error marks a broken rule of the document's specification. Any
	// Error fails Err.
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

// Problem is one finding of the validator. Message names the element and
// its line, and the item by number and id, so a failed build can be fixed
// without reading the whole document; Rule names the specification or
// practice it breaks.
type Problem struct {
	Severity Severity
	Message  string
	Rule     string
	// Heuristic marks a finding about what an input chose to say rather
	// than how the document writes it down: entity text such as "&amp;"
	// showing after decoding looks like double escaping, but an article
	// about HTML may say it on purpose; an id taken from another feed is
	// kept as given, even when its syntax is off. A publisher that escapes
	// by construction, and proves it with Match, may set such findings
	// aside (see PublishErr).
	Heuristic bool
}

// String returns the problem as "severity: message [rule]".
func (p Problem) String() string {
	if p.Rule == "" {
		return p.Severity.String() + ": " + p.Message
	}
	return p.Severity.String() + ": " + p.Message + " [" + p.Rule + "]"
}

// Rules named by problems.
const (
	ruleXML      = "XML 1.0 and Namespaces"
	ruleRSS      = "RSS 2.0"
	ruleRFC822   = "RSS 2.0, RFC 822 date"
	ruleAtom     = "RFC 4287"
	ruleRFC3339  = "RFC 3339 date"
	ruleJSON     = "JSON Feed 1.1"
	ruleReparse  = "re-parse"
	ruleBest     = "best practice"
	ruleRSSBest  = "RSS Best Practices Profile"
	ruleReadable = "reader pitfall"
)

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
	// Self is the address the document gives for itself: RSS's
	// atom:link rel="self", Atom's link rel="self", JSON Feed's feed_url.
	// Empty when it gives none.
	Self string
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
// wrapping ErrInvalidFeed, that lists every Error on its own line: nil when
// the document breaks no rule of its specification. Warnings never fail it.
func (r *Report) Err() error { return r.err(Error, true) }

// SpecErr is Err by another name: nil when the document breaks no rule of
// its specification, whatever its text says.
func (r *Report) SpecErr() error { return r.Err() }

// StrictErr is Err that also fails on warnings, for `validate -strict`.
func (r *Report) StrictErr() error { return r.err(Warning, true) }

// PublishErr is the profile feedpub holds its own documents to: StrictErr
// without the heuristic warnings, which judge the text an input chose to
// say rather than how it was written down.
func (r *Report) PublishErr() error { return r.err(Warning, false) }

func (r *Report) err(least Severity, heuristics bool) error {
	var errs []error
	for _, p := range r.Problems {
		if p.Severity >= least && (heuristics || !p.Heuristic) {
			errs = append(errs, errors.New(p.String()))
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
	data, _ = decodeXML(data)
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
		v.spec = ruleXML
		if root := v.readXML(data); root != nil {
			if f == RSS {
				v.spec = ruleRSS
				count = v.checkRSS(root)
			} else {
				v.spec = ruleAtom
				count = v.checkAtom(root)
			}
		}
	case JSON:
		v.spec = ruleJSON
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
	// spec is the rule errors break by default: the specification being
	// checked.
	spec string
	// encoding is how the XML document was decoded.
	encoding xmlEncoding
}

// note adds a problem, formatting its message only while the report
// has room: a document with a problem on each of 50,000 items costs no
// more than the problems listed.
func (v *validation) note(s Severity, rule string, heuristic bool, format string, args ...any) {
	if len(v.report.Problems) >= maxProblems {
		v.omitted++
		v.omittedErr = v.omittedErr || s == Error
		return
	}
	v.addProblem(Problem{Severity: s, Message: fmt.Sprintf(format, args...), Rule: rule, Heuristic: heuristic})
}

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
	v.note(Warning, ruleReadable, true, format, args...)
}

// warnRule reports a warning with the practice it departs from.
func (v *validation) warnRule(rule, format string, args ...any) {
	v.note(Warning, rule, false, format, args...)
}

// errorRule reports an error with the rule it breaks, when that is not the
// specification being checked.
func (v *validation) errorRule(rule, format string, args ...any) {
	v.note(Error, rule, false, format, args...)
}

// errorf reports an error against the specification being checked.
func (v *validation) errorf(format string, args ...any) {
	v.note(Error, v.spec, false, format, args...)
}

// warnf reports a departure from best practice.
func (v *validation) warnf(format string, args ...any) {
	v.note(Warning, ruleBest, false, format, args...)
}

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
