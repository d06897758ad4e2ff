package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	gofeedatom "github.com/mmcdole/gofeed/atom"
	"golang.org/x/net/html"
	htmlatom "golang.org/x/net/html/atom"
	"golang.org/x/text/language"
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

// sameIRI reports whether an id read back is the id rendered, as far as
// readers can tell. gofeed resolves an Atom id as a URL reference and
// writes it back with net/url, which percent-encodes non-ASCII characters
// in a URL's host, path and fragment and drops an empty authority ("a://"
// becomes "a:"); other readers take the id as written. Each reader sees
// the same id on every fetch, so either form is the id read back.
func sameIRI(got, want string) bool {
	if got == want || toURI(got) == toURI(want) {
		return true
	}
	u, err := url.Parse(want)
	return err == nil && u.String() == got
}

// toURI percent-encodes the non-ASCII bytes of an IRI.
func toURI(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// maxMismatches bounds how many differences Match names; the first few are
// what a reader of the error needs.
const maxMismatches = 5

// Match compares the re-parsed items with the items that were rendered, in
// order: the count, then each item's ID, Title, Link, Published and Updated
// (to the second, as instants, so zones and sub-second precision do not
// count). RSS 2.0 has no item update date, so for RSS Updated is compared
// only when the document carries one. The error wraps ErrMismatch and names
// the first differences.
func (r *Report) Match(items []Item) error {
	var diffs []string
	if len(r.Items) != len(items) {
		diffs = append(diffs, fmt.Sprintf("document has %d items, rendered %d", len(r.Items), len(items)))
	}
	for i := range min(len(r.Items), len(items)) {
		got, want := r.Items[i], items[i]
		subject := itemSubject("item", i+1, "id", want.ID)
		if !sameIRI(got.ID, want.ID) {
			diffs = append(diffs, fmt.Sprintf("%s: id reads back as %q", subject, clipValue(got.ID)))
		}
		wantTitle := want.Title
		if want.Untitled && r.Format != Atom {
			wantTitle = "" // only Atom carries the derived title
		}
		if got.Title != wantTitle {
			diffs = append(diffs, fmt.Sprintf("%s: title reads back as %q, rendered %q", subject, clipValue(got.Title), clipValue(wantTitle)))
		}
		if got.Link != want.Link {
			diffs = append(diffs, fmt.Sprintf("%s: link reads back as %q, rendered %q", subject, clipValue(got.Link), clipValue(want.Link)))
		}
		if !sameSecond(got.Published, want.Published) {
			diffs = append(diffs, fmt.Sprintf("%s: published reads back as %s, rendered %s", subject, showTime(got.Published), showTime(want.Published)))
		}
		if (r.Format != RSS || !got.Updated.IsZero()) && !sameSecond(got.Updated, want.Updated) {
			diffs = append(diffs, fmt.Sprintf("%s: updated reads back as %s, rendered %s", subject, showTime(got.Updated), showTime(want.Updated)))
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	if len(diffs) > maxMismatches {
		n := len(diffs) - maxMismatches
		diffs = append(diffs[:maxMismatches], fmt.Sprintf("%d more differences", n))
	}
	return fmt.Errorf("%w: %s: %s", ErrMismatch, r.Format, strings.Join(diffs, "; "))
}

// sameSecond reports whether a and b are the same instant, ignoring
// fractions of a second.
func sameSecond(a, b time.Time) bool {
	return a.Truncate(time.Second).Equal(b.Truncate(time.Second))
}

func showTime(t time.Time) string {
	if t.IsZero() {
		return "no date"
	}
	return t.UTC().Format(time.RFC3339)
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

// reparse reads the document with gofeed, as a feed reader would, and fills
// the report's items from it. count is what the strict pass counted, or -1.
func (v *validation) reparse(f Format, data []byte, count int) {
	parsed, err := parseWithGofeed(data)
	if err != nil {
		v.errorf("gofeed cannot read the document: %v", err)
		return
	}
	if parsed.FeedType != string(f) {
		v.errorf("gofeed reads the document as %s, not %s", parsed.FeedType, f)
		return
	}
	if count >= 0 && len(parsed.Items) != count {
		v.errorf("gofeed reads %d items, the strict pass counted %d", len(parsed.Items), count)
	}
	// gofeed gives an Atom entry without <published> its updated date;
	// the entries themselves say what the document holds.
	var entries []*gofeedatom.Entry
	if af, ok := parsed.OriginalFeed().(*gofeedatom.Feed); ok {
		entries = af.Entries
	}
	for i, it := range parsed.Items {
		if it == nil {
			continue
		}
		p := ParsedItem{ID: it.GUID, Title: it.Title, Link: it.Link}
		if it.PublishedParsed != nil {
			p.Published = *it.PublishedParsed
		}
		if it.UpdatedParsed != nil {
			p.Updated = *it.UpdatedParsed
		}
		if i < len(entries) && entries[i] != nil {
			p.Published = time.Time{}
			if entries[i].PublishedParsed != nil {
				p.Published = *entries[i].PublishedParsed
			}
		}
		v.report.Items = append(v.report.Items, p)
	}
}

// parseWithGofeed runs gofeed, turning a panic inside it into an error: a
// validator must report on any input, not crash the build.
func parseWithGofeed(data []byte) (feed *gofeed.Feed, err error) {
	defer func() {
		if r := recover(); r != nil {
			feed, err = nil, fmt.Errorf("gofeed panicked: %v", r)
		}
	}()
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	return p.Parse(bytes.NewReader(data))
}

// Namespaces the rules look for.
const (
	specAtomNS     = "http://www.w3.org/2005/Atom"
	specContentNS  = "http://purl.org/rss/1.0/modules/content/"
	specDCNS       = "http://purl.org/dc/elements/1.1/"
	specXMLNS      = "http://www.w3.org/XML/1998/namespace"
	specXHTMLNS    = "http://www.w3.org/1999/xhtml"
	specJSONFeed11 = "https://jsonfeed.org/version/1.1"
)

// docElem is an element read by the strict XML pass, with its namespace
// resolved from the declarations in scope.
type docElem struct {
	parent   *docElem
	space    string // namespace URI; "" for none or an undeclared prefix
	local    string
	prefix   string // as written
	attrs    []docAttr
	text     []byte // decoded character data directly inside the element
	children []*docElem
	line     int
	nth      int // 1-based among the parent's children of the same name

	// While the element is open: the prefixes it declares, and how many
	// children of each name it has so far.
	declared []string
	counts   map[string]int
}

// docAttr is an attribute of a docElem, namespace declarations left out.
type docAttr struct {
	space, local, prefix, value string
}

func (e *docElem) qname() string {
	if e.prefix == "" {
		return e.local
	}
	return e.prefix + ":" + e.local
}

// path names e by its ancestors, as in rss/channel/item[2]/title.
func (e *docElem) path() string {
	var parts []string
	for n := e; n != nil; n = n.parent {
		p := n.qname()
		if n.nth > 1 || n.local == "item" || n.local == "entry" {
			p = fmt.Sprintf("%s[%d]", p, n.nth)
		}
		parts = append(parts, p)
	}
	slices.Reverse(parts)
	return strings.Join(parts, "/")
}

// first returns the first child element named local in namespace space.
func (e *docElem) first(space, local string) *docElem {
	for _, c := range e.children {
		if c.space == space && c.local == local {
			return c
		}
	}
	return nil
}

// all returns the child elements named local in namespace space.
func (e *docElem) all(space, local string) []*docElem {
	var out []*docElem
	for _, c := range e.children {
		if c.space == space && c.local == local {
			out = append(out, c)
		}
	}
	return out
}

// attr returns the value of the attribute local in namespace space.
func (e *docElem) attr(space, local string) (string, bool) {
	for _, a := range e.attrs {
		if a.space == space && a.local == local {
			return a.value, true
		}
	}
	return "", false
}

func (e *docElem) textValue() string { return string(e.text) }

// walk calls fn for e and every element below it, in document order.
func (e *docElem) walk(fn func(*docElem)) {
	fn(e)
	for _, c := range e.children {
		c.walk(fn)
	}
}

// blankElem reports whether e is missing or holds only white space.
func blankElem(e *docElem) bool {
	return e == nil || strings.TrimSpace(e.textValue()) == ""
}

// passCharset lets a document that declares another encoding be read as
// UTF-8; the declaration itself is reported as a problem.
func passCharset(_ string, r io.Reader) (io.Reader, error) { return r, nil }

// refusedChar is a character XMLChar refuses, or a byte that is not UTF-8
// (r is utf8.RuneError and size is 1), at a byte offset of the document.
type refusedChar struct {
	off, size int
	r         rune
}

// maskXMLChars returns data with every refused character or invalid byte
// replaced by spaces, byte for byte, and where they were. The strict pass
// reads the masked copy, so one bad character does not hide the rest of
// the document, and offsets stay those of the original.
func maskXMLChars(data []byte) ([]byte, []refusedChar) {
	var out []byte
	var bad []refusedChar
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if (r == utf8.RuneError && size == 1) || !XMLChar(r) {
			if out == nil {
				out = bytes.Clone(data)
			}
			for j := i; j < i+size; j++ {
				out[j] = ' '
			}
			bad = append(bad, refusedChar{off: i, size: size, r: r})
		}
		i += size
	}
	if out == nil {
		return data, nil
	}
	return out, bad
}

// lineIndex maps byte offsets to lines and columns.
type lineIndex struct {
	data   []byte
	starts []int
}

func newLineIndex(data []byte) *lineIndex {
	li := &lineIndex{data: data, starts: []int{0}}
	for i, c := range data {
		if c == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

func (li *lineIndex) pos(off int) (line, col int) {
	i := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	return i + 1, utf8.RuneCount(li.data[li.starts[i]:off]) + 1
}

// xmlDeclParam matches a pseudo-attribute of the XML declaration.
var xmlDeclParam = regexp.MustCompile(`(?:^|\s)(version|encoding)\s*=\s*(?:"([^"]*)"|'([^']*)')`)

// readXML runs the strict encoding/xml token pass over the whole document
// and builds the element tree the spec rules walk. It reports characters XML
// does not allow, a missing or non-UTF-8 XML declaration, undeclared
// namespace prefixes and syntax errors. It returns nil when the document is
// not well formed, as rules run on a partial tree would only add noise.
// Its cost is linear in the document, however wide or deep.
func (v *validation) readXML(data []byte) *docElem {
	data = bytes.TrimPrefix(data, utf8BOM)
	masked, bad := maskXMLChars(data)
	var lines *lineIndex
	nextBad := 0
	badReported := 0
	// reportBad reports refused characters before offset upto, naming the
	// element at, if any, they are in.
	reportBad := func(upto int64, at *docElem) {
		for nextBad < len(bad) && int64(bad[nextBad].off) < upto {
			b := bad[nextBad]
			nextBad++
			badReported++
			if badReported > maxCharProblems {
				continue
			}
			if lines == nil {
				lines = newLineIndex(data)
			}
			line, col := lines.pos(b.off)
			if b.r == utf8.RuneError && b.size == 1 {
				v.errorf("line %d, column %d%s: byte 0x%02X is not valid UTF-8", line, col, at.where(), data[b.off])
			} else {
				v.errorf("line %d, column %d%s: character %U is not allowed in XML", line, col, at.where(), b.r)
			}
		}
	}
	defer func() {
		reportBad(int64(len(data))+1, nil)
		if n := badReported - maxCharProblems; n > 0 {
			v.errorf("%d more characters not allowed in XML", n)
		}
	}()

	d := xml.NewDecoder(bytes.NewReader(masked))
	d.Strict = true
	d.CharsetReader = passCharset
	v.undeclared = map[string]bool{}
	ns := namespaces{}

	var (
		root   *docElem
		top    *docElem // the open element, nil outside the root
		first  = true
		noDecl = false
	)
	for {
		line, _ := d.InputPos()
		tok, err := d.RawToken()
		off := d.InputOffset()
		if err == io.EOF {
			if top != nil {
				reportBad(off+1, top)
				v.errorf("line %d%s: XML is not well formed: the document ends inside <%s>", line, top.where(), top.qname())
				return nil
			}
			break
		}
		if err != nil {
			reportBad(off+1, top)
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
				err = errors.New(se.Msg)
			}
			v.errorf("line %d%s: XML is not well formed: %v", line, top.where(), err)
			return nil
		}
		isDecl := false
		switch t := tok.(type) {
		case xml.ProcInst:
			reportBad(off, top)
			if strings.EqualFold(t.Target, "xml") {
				isDecl = true
				if !first {
					v.errorf("line %d: the XML declaration must open the document", line)
					noDecl = false
				} else {
					v.checkXMLDecl(t)
				}
			}
		case xml.StartElement:
			if root != nil && top == nil {
				reportBad(off, nil)
				v.errorf("line %d: XML is not well formed: a second root element <%s>", line, rawQName(t.Name))
				return nil
			}
			e := v.openElement(t, top, ns, line)
			reportBad(off, e)
			if top == nil {
				root = e
			} else {
				top.children = append(top.children, e)
			}
			top = e
		case xml.EndElement:
			reportBad(off, top)
			if top == nil {
				v.errorf("line %d: XML is not well formed: </%s> closes nothing", line, rawQName(t.Name))
				return nil
			}
			if rawQName(t.Name) != top.qname() {
				v.errorf("line %d%s: XML is not well formed: <%s> is closed by </%s>", line, top.where(), top.qname(), rawQName(t.Name))
				return nil
			}
			for _, prefix := range top.declared {
				ns.pop(prefix)
			}
			top.declared, top.counts = nil, nil
			top = top.parent
		case xml.CharData:
			reportBad(off, top)
			if top == nil {
				if len(bytes.TrimSpace(t)) > 0 {
					v.errorf("line %d: XML is not well formed: text outside the root element", line)
					return nil
				}
				break
			}
			if r, ok := firstRefused(t); ok {
				v.errorf("line %d%s: character reference to %U is not allowed in XML", line, top.where(), r)
			}
			top.text = append(top.text, t...)
		case xml.Directive:
			reportBad(off, top)
			v.warnf("line %d: a feed should not have a document type declaration or other <!...> directive", line)
		default: // comments
			reportBad(off, top)
		}
		if first {
			first = false
			noDecl = !isDecl
		}
	}
	if first || noDecl {
		v.errorf(`missing XML declaration <?xml version="1.0" encoding="UTF-8"?> at the start of the document`)
	}
	if root == nil {
		v.errorf("XML is not well formed: no root element")
		return nil
	}
	return root
}

// where names e in parentheses for a message, or is empty for nil.
func (e *docElem) where() string {
	if e == nil {
		return ""
	}
	return " (" + e.path() + ")"
}

func rawQName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// firstRefused returns the first character in text that XMLChar refuses.
// The strict pass reads a masked copy, so such a character can only come
// from a character reference such as &#x85;.
func firstRefused(text []byte) (rune, bool) {
	for len(text) > 0 {
		r, size := utf8.DecodeRune(text)
		if !XMLChar(r) {
			return r, true
		}
		text = text[size:]
	}
	return 0, false
}

// checkXMLDecl requires version 1.0 and the UTF-8 encoding, which is what
// feedpub writes and what every reader handles.
func (v *validation) checkXMLDecl(p xml.ProcInst) {
	if p.Target != "xml" {
		v.errorf("the XML declaration is written <?%s; it must be lower case <?xml", p.Target)
	}
	params := map[string]string{}
	for _, m := range xmlDeclParam.FindAllStringSubmatch(string(p.Inst), -1) {
		params[m[1]] = m[2] + m[3]
	}
	if _, ok := params["version"]; !ok {
		v.errorf(`the XML declaration has no version="1.0"`)
	}
	enc, ok := params["encoding"]
	switch {
	case !ok:
		v.errorf(`the XML declaration has no encoding; declare encoding="UTF-8"`)
	case !strings.EqualFold(enc, "utf-8"):
		v.errorf(`the XML declaration has encoding %q; feeds are published in UTF-8`, clipValue(enc))
	}
}

// namespaces maps each prefix to the URIs bound to it by the open elements,
// innermost last; "" is the default namespace.
type namespaces map[string][]string

func (ns namespaces) push(prefix, uri string) { ns[prefix] = append(ns[prefix], uri) }

func (ns namespaces) pop(prefix string) {
	if s := ns[prefix]; len(s) > 0 {
		ns[prefix] = s[:len(s)-1]
	}
}

// lookup returns the URI prefix is bound to; the default namespace is
// always bound, to "" when none is declared.
func (ns namespaces) lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return specXMLNS, true
	case "xmlns":
		return "", false
	}
	if s := ns[prefix]; len(s) > 0 {
		return s[len(s)-1], true
	}
	return "", prefix == ""
}

// openElement makes the element for a start tag under parent: it binds the
// tag's namespace declarations in ns and resolves the element's and its
// attributes' prefixes, reporting undeclared prefixes and repeated
// attributes.
func (v *validation) openElement(t xml.StartElement, parent *docElem, ns namespaces, line int) *docElem {
	e := &docElem{parent: parent, local: t.Name.Local, prefix: t.Name.Space, line: line, nth: 1}
	if parent != nil {
		if parent.counts == nil {
			parent.counts = map[string]int{}
		}
		parent.counts[e.qname()]++
		e.nth = parent.counts[e.qname()]
	}
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "xmlns":
			if a.Value == "" {
				v.errorf("line %d (%s): xmlns:%s must not be empty", line, e.path(), a.Name.Local)
			}
			ns.push(a.Name.Local, a.Value)
			e.declared = append(e.declared, a.Name.Local)
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			ns.push("", a.Value)
			e.declared = append(e.declared, "")
		}
	}
	resolve := func(prefix string) string {
		uri, ok := ns.lookup(prefix)
		if !ok && !v.undeclared[prefix] {
			v.undeclared[prefix] = true
			v.errorf("line %d (%s): namespace prefix %q is not declared; add xmlns:%s", line, e.path(), prefix, prefix)
		}
		return uri
	}
	e.space = resolve(e.prefix)
	for i, a := range t.Attr {
		for _, b := range t.Attr[:i] {
			if a.Name == b.Name {
				v.errorf("line %d (%s): attribute %s appears twice", line, e.path(), rawQName(a.Name))
				break
			}
		}
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		at := docAttr{local: a.Name.Local, prefix: a.Name.Space, value: a.Value}
		if at.prefix != "" {
			at.space = resolve(at.prefix)
		}
		if r, ok := firstRefused([]byte(a.Value)); ok {
			v.errorf("line %d (%s): attribute %s: character reference to %U is not allowed in XML", line, e.path(), rawQName(a.Name), r)
		}
		e.attrs = append(e.attrs, at)
	}
	return e
}

// checkPrefixBindings reports well-known prefixes bound to the wrong
// namespace: readers look elements up by namespace, so a content:encoded in
// another namespace is not the body at all.
func (v *validation) checkPrefixBindings(root *docElem, want map[string]string) {
	reported := map[string]bool{}
	check := func(e *docElem, prefix, space, name string) {
		uri, known := want[prefix]
		if !known || space == "" || space == uri || reported[prefix] {
			return
		}
		reported[prefix] = true
		v.errorf("line %d (%s): <%s> is in namespace %q; xmlns:%s must be %q", e.line, e.path(), name, space, prefix, uri)
	}
	root.walk(func(e *docElem) {
		check(e, e.prefix, e.space, e.qname())
		for _, a := range e.attrs {
			check(e, a.prefix, a.space, a.prefix+":"+a.local)
		}
	})
}

// itemSubject names an item in a message: by number, and by id when it has
// one.
func itemSubject(kind string, n int, key, id string) string {
	if id == "" {
		return fmt.Sprintf("%s %d", kind, n)
	}
	return fmt.Sprintf("%s %d (%s %q)", kind, n, key, clipValue(id))
}

// clipValue shortens a value quoted in a message.
func clipValue(s string) string {
	const max = 80
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	i := 0
	for n := 0; n < max-1; n++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "…"
}

// RSS 2.0 (https://www.rssboard.org/rss-specification).

// checkRSS applies the RSS 2.0 rules and returns the number of items in the
// channel, or -1 when the root is not <rss>.
func (v *validation) checkRSS(root *docElem) int {
	if root.space != "" || root.local != "rss" {
		v.errorf(`the root element is <%s> in namespace %q; an RSS 2.0 document has <rss version="2.0"> in no namespace`, root.qname(), root.space)
		return -1
	}
	if ver, _ := root.attr("", "version"); ver != "2.0" {
		v.errorf(`<rss> has version %q, want "2.0"`, clipValue(ver))
	}
	v.checkPrefixBindings(root, map[string]string{"atom": specAtomNS, "content": specContentNS, "dc": specDCNS})
	for _, it := range root.all("", "item") {
		v.errorf("line %d (%s): <item> outside <channel>", it.line, it.path())
	}
	channels := root.all("", "channel")
	if len(channels) == 0 {
		v.errorf("<rss> has no <channel>")
		return 0
	}
	if len(channels) > 1 {
		v.errorf("<rss> has %d <channel> elements, want one", len(channels))
	}
	ch := channels[0]
	const subject = "channel"
	if title := ch.first("", "title"); blankElem(title) {
		v.errorf("%s: missing or empty <title>", subject)
	} else {
		v.checkPlainText(subject, "<title>", title.textValue(), false)
	}
	if link := ch.first("", "link"); link == nil {
		v.errorf("%s: missing <link>", subject)
	} else {
		v.checkWebURL(subject, "<link>", link.textValue())
	}
	if desc := ch.first("", "description"); desc == nil {
		v.errorf("%s: missing <description>", subject)
	} else if blankElem(desc) {
		v.warnf("%s: empty <description>", subject)
	}
	v.checkRSSSelf(subject, ch)
	if lang := ch.first("", "language"); lang != nil {
		v.checkLanguage(subject, "<language>", lang.textValue())
	}
	for _, name := range []string{"pubDate", "lastBuildDate"} {
		if e := ch.first("", name); e != nil {
			v.checkRFC1123(subject, e)
		}
	}
	for _, name := range []string{"managingEditor", "webMaster"} {
		if e := ch.first("", name); e != nil {
			v.checkRSSEmail(subject, e)
		}
	}
	v.checkExtensionDates(subject, ch)
	items := ch.all("", "item")
	guids := map[string]int{}
	for i, it := range items {
		v.checkRSSItem(i+1, it, guids)
	}
	return len(items)
}

// checkRSSSelf requires <atom:link rel="self">, which tells readers and
// hubs the feed's own address (RSS Best Practices Profile).
func (v *validation) checkRSSSelf(subject string, ch *docElem) {
	found := false
	for _, l := range ch.all(specAtomNS, "link") {
		if rel, _ := l.attr("", "rel"); rel != "self" {
			continue
		}
		found = true
		href, _ := l.attr("", "href")
		if !isWebURL(href) {
			v.errorf(`%s: <atom:link rel="self"> href %q is not an absolute http(s) URL`, subject, clipValue(href))
		}
		if typ, _ := l.attr("", "type"); typ != "application/rss+xml" {
			v.errorf(`%s: <atom:link rel="self"> has type %q, want "application/rss+xml"`, subject, clipValue(typ))
		}
	}
	if !found {
		v.errorf(`%s: missing <atom:link rel="self" type="application/rss+xml"> (with xmlns:atom=%q)`, subject, specAtomNS)
	}
}

// checkRSSItem applies the item rules. guids maps each guid seen to the
// number of its item.
func (v *validation) checkRSSItem(n int, it *docElem, guids map[string]int) {
	guidElem := it.first("", "guid")
	guid := ""
	if guidElem != nil {
		guid = strings.TrimSpace(guidElem.textValue())
	}
	subject := itemSubject("item", n, "guid", guid)
	title, desc := it.first("", "title"), it.first("", "description")
	if blankElem(title) && blankElem(desc) {
		v.errorf("%s: needs a non-empty <title> or <description>", subject)
	}
	if title != nil {
		v.checkPlainText(subject, "<title>", title.textValue(), false)
	}
	if desc != nil {
		v.checkHTMLText(subject, "<description>", desc.textValue())
	}
	for _, c := range it.all(specContentNS, "encoded") {
		v.checkHTMLText(subject, "<content:encoded>", c.textValue())
	}
	switch {
	case guidElem == nil:
		v.errorf("%s: missing <guid>", subject)
	case guid == "":
		v.errorf("%s: empty <guid>", subject)
	default:
		if prev, dup := guids[guid]; dup {
			v.errorf("%s: duplicate <guid>, also on item %d", subject, prev)
		} else {
			guids[guid] = n
		}
		switch perma, ok := guidElem.attr("", "isPermaLink"); {
		case !ok || perma == "true":
			if !isWebURL(guid) {
				v.errorf(`%s: <guid> is a permalink (isPermaLink absent or "true") but not an absolute http(s) URL; add isPermaLink="false"`, subject)
			}
		case perma != "false":
			v.errorf(`%s: <guid> has isPermaLink %q, want "true" or "false"`, subject, clipValue(perma))
		}
	}
	if p := it.first("", "pubDate"); p == nil {
		v.errorf("%s: missing <pubDate>", subject)
	} else {
		v.checkRFC1123(subject, p)
	}
	if l := it.first("", "link"); l != nil {
		v.checkWebURL(subject, "<link>", l.textValue())
	}
	for _, a := range it.all("", "author") {
		v.checkRSSEmail(subject, a)
	}
	for _, enc := range it.all("", "enclosure") {
		if u, _ := enc.attr("", "url"); !isWebURL(u) {
			v.errorf("%s: <enclosure> url %q is not an absolute http(s) URL", subject, clipValue(u))
		}
		for _, name := range []string{"length", "type"} {
			if _, ok := enc.attr("", name); !ok {
				v.errorf("%s: <enclosure> has no %s", subject, name)
			}
		}
	}
	v.checkExtensionDates(subject, it)
}

// checkExtensionDates checks the RFC 3339 dates that extensions add to RSS
// elements: dc:date, atom:updated and atom:published.
func (v *validation) checkExtensionDates(subject string, e *docElem) {
	for _, c := range e.children {
		if (c.space == specDCNS && c.local == "date") || (c.space == specAtomNS && (c.local == "updated" || c.local == "published")) {
			v.checkRFC3339(subject, "<"+c.qname()+">", c.textValue())
		}
	}
}

// checkRFC1123 checks an RSS date: RFC 822 as RFC 1123 writes it, with a
// four-digit year and a numeric zone, which every reader parses. A named
// zone is tolerated with a warning, as readers know only some names.
func (v *validation) checkRFC1123(subject string, e *docElem) {
	field := "<" + e.qname() + ">"
	raw := e.textValue()
	s := strings.TrimSpace(raw)
	if s == "" {
		v.errorf("%s: empty %s", subject, field)
		return
	}
	if s != raw {
		v.warnf("%s: %s %q has white space around the date", subject, field, clipValue(raw))
	}
	t, err := time.Parse(time.RFC1123Z, s)
	if err != nil {
		if t, err = time.Parse(time.RFC1123, s); err != nil {
			v.errorf(`%s: %s %q is not an RFC 1123 date with a numeric zone, like "Mon, 02 Jan 2006 15:04:05 -0700"`, subject, field, clipValue(s))
			return
		}
		v.warnf("%s: %s %q names its time zone; use a numeric zone such as +0000", subject, field, clipValue(s))
	}
	if day := t.Weekday().String()[:3]; !strings.HasPrefix(s, day) {
		v.errorf("%s: %s %q has the wrong day of the week; the date is a %s", subject, field, clipValue(s), t.Weekday())
	}
}

// rssEmail finds an email address in a person field such as
// "jo@example.com (Jo Writer)".
var rssEmail = regexp.MustCompile(`[^\s@()<>,;:"]+@[^\s@()<>,;:"]+\.[^\s@()<>,;:"]+`)

// checkRSSEmail requires an email address where RSS 2.0 asks for one
// (author, managingEditor, webMaster); a bare name belongs in dc:creator.
func (v *validation) checkRSSEmail(subject string, e *docElem) {
	if s := e.textValue(); !rssEmail.MatchString(s) {
		v.errorf("%s: <%s> %q has no email address; RSS wants \"email (Name)\", a bare name goes in <dc:creator>", subject, e.qname(), clipValue(strings.TrimSpace(s)))
	}
}

// Atom 1.0 (RFC 4287).

// checkAtom applies the Atom rules and returns the number of entries, or -1
// when the root is not an Atom <feed>.
func (v *validation) checkAtom(root *docElem) int {
	if root.space != specAtomNS || root.local != "feed" {
		v.errorf(`the root element is <%s> in namespace %q; an Atom document has <feed xmlns=%q>`, root.qname(), root.space, specAtomNS)
		return -1
	}
	root.walk(func(e *docElem) {
		lang, ok := e.attr(specXMLNS, "lang")
		switch {
		case !ok:
		case strings.TrimSpace(lang) == "":
			v.errorf("line %d (%s): empty xml:lang", e.line, e.path())
		default:
			if _, err := language.Parse(lang); err != nil {
				v.warnf("line %d (%s): xml:lang %q is not a known language tag", e.line, e.path(), clipValue(lang))
			}
		}
	})
	const subject = "feed"
	v.checkAtomID(subject, root)
	v.checkAtomText(subject, root, "title", true)
	v.checkAtomText(subject, root, "subtitle", false)
	v.checkAtomText(subject, root, "rights", false)
	v.checkAtomDate(subject, root, "updated", true)
	feedAuthors := v.checkAtomPeople(subject, root)
	v.checkAtomLinks(subject, root, true)
	v.checkAtomCategories(subject, root)
	entries := root.all(specAtomNS, "entry")
	ids := map[string]int{}
	for i, en := range entries {
		v.checkAtomEntry(i+1, en, feedAuthors > 0, ids)
	}
	return len(entries)
}

// checkAtomID requires an <id> child holding an absolute IRI and returns it.
func (v *validation) checkAtomID(subject string, e *docElem) string {
	el := e.first(specAtomNS, "id")
	if el == nil {
		v.errorf("%s: missing <id>", subject)
		return ""
	}
	id := strings.TrimSpace(el.textValue())
	switch {
	case id == "":
		v.errorf("%s: empty <id>", subject)
	case !isAbsIRI(id):
		v.errorf("%s: <id> %q is not an absolute IRI", subject, clipValue(id))
	}
	return id
}

func (v *validation) checkAtomEntry(n int, en *docElem, feedHasAuthor bool, ids map[string]int) {
	idElem := en.first(specAtomNS, "id")
	id := ""
	if idElem != nil {
		id = strings.TrimSpace(idElem.textValue())
	}
	subject := itemSubject("entry", n, "id", id)
	v.checkAtomID(subject, en)
	if id != "" {
		if prev, dup := ids[id]; dup {
			v.errorf("%s: duplicate <id>, also on entry %d", subject, prev)
		} else {
			ids[id] = n
		}
	}
	v.checkAtomText(subject, en, "title", true)
	v.checkAtomText(subject, en, "summary", false)
	v.checkAtomText(subject, en, "content", false)
	v.checkAtomText(subject, en, "rights", false)
	v.checkAtomDate(subject, en, "updated", true)
	v.checkAtomDate(subject, en, "published", false)
	if v.checkAtomPeople(subject, en) == 0 && !feedHasAuthor {
		v.errorf("%s: no <author> on the entry or on the feed", subject)
	}
	hasAlternate := v.checkAtomLinks(subject, en, false)
	if en.first(specAtomNS, "content") == nil && !hasAlternate {
		v.errorf(`%s: needs <content> or <link rel="alternate">`, subject)
	}
	v.checkAtomCategories(subject, en)
}

// checkAtomText checks a text construct (title, subtitle, rights, summary)
// or content: its type, and the hygiene of its text.
func (v *validation) checkAtomText(subject string, e *docElem, local string, required bool) {
	el := e.first(specAtomNS, local)
	field := "<" + local + ">"
	if el == nil {
		if required {
			v.errorf("%s: missing %s", subject, field)
		}
		return
	}
	typ, _ := el.attr("", "type")
	if typ == "" {
		typ = "text"
	}
	if local == "content" {
		if _, ok := el.attr("", "src"); ok {
			return // out-of-line content takes any media type
		}
	}
	switch typ {
	case "text":
		if len(el.children) > 0 {
			v.errorf(`%s: %s of type "text" contains markup <%s>; use type "html" or "xhtml"`, subject, field, el.children[0].qname())
		}
		if required && blankElem(el) {
			v.warnf("%s: empty %s", subject, field)
		}
		if local != "content" {
			v.checkPlainText(subject, field, el.textValue(), false)
		}
	case "html":
		v.checkHTMLText(subject, field, el.textValue())
	case "xhtml":
		if len(el.children) != 1 || el.children[0].space != specXHTMLNS || el.children[0].local != "div" {
			v.errorf(`%s: %s of type "xhtml" must hold exactly one <div xmlns=%q>`, subject, field, specXHTMLNS)
		}
		if m := xhtmlEscapedTwice(el); m != "" {
			v.escapedTwicef("%s: %s is escaped twice: its text shows %q", subject, field, m)
		}
	default:
		v.errorf(`%s: %s has type %q; want "text", "html" or "xhtml"`, subject, field, clipValue(typ))
	}
}

// checkAtomDate checks an RFC 3339 date child; required ones must be there.
func (v *validation) checkAtomDate(subject string, e *docElem, local string, required bool) {
	el := e.first(specAtomNS, local)
	if el == nil {
		if required {
			v.errorf("%s: missing <%s>", subject, local)
		}
		return
	}
	v.checkRFC3339(subject, "<"+local+">", el.textValue())
}

// checkAtomPeople checks the <author> and <contributor> children of e and
// returns how many authors there are.
func (v *validation) checkAtomPeople(subject string, e *docElem) int {
	authors := 0
	for _, c := range e.children {
		if c.space != specAtomNS || (c.local != "author" && c.local != "contributor") {
			continue
		}
		if c.local == "author" {
			authors++
		}
		if blankElem(c.first(specAtomNS, "name")) {
			v.errorf("%s: <%s> has no <name>", subject, c.local)
		}
		if uri := c.first(specAtomNS, "uri"); uri != nil && !isAbsIRI(strings.TrimSpace(uri.textValue())) {
			v.errorf("%s: <%s> <uri> %q is not an absolute IRI", subject, c.local, clipValue(uri.textValue()))
		}
		if email := c.first(specAtomNS, "email"); email != nil && !rssEmail.MatchString(email.textValue()) {
			v.errorf("%s: <%s> <email> %q is not an email address", subject, c.local, clipValue(email.textValue()))
		}
	}
	return authors
}

// checkAtomLinks checks the <link> children of e, requiring rel="self" on
// the feed, and reports whether there is an alternate link.
func (v *validation) checkAtomLinks(subject string, e *docElem, feedLevel bool) (hasAlternate bool) {
	hasSelf := false
	for _, l := range e.all(specAtomNS, "link") {
		rel, _ := l.attr("", "rel")
		if rel == "" {
			rel = "alternate"
		}
		href, _ := l.attr("", "href")
		if strings.TrimSpace(href) == "" {
			v.errorf(`%s: <link rel=%q> has no href`, subject, clipValue(rel))
			continue
		}
		switch rel {
		case "self":
			hasSelf = true
		case "alternate":
			hasAlternate = true
		default:
			continue
		}
		if !isWebURL(href) {
			v.errorf(`%s: <link rel=%q> href %q is not an absolute http(s) URL`, subject, rel, clipValue(href))
		}
	}
	if feedLevel && !hasSelf {
		v.errorf(`%s: missing <link rel="self">`, subject)
	}
	return hasAlternate
}

func (v *validation) checkAtomCategories(subject string, e *docElem) {
	for _, c := range e.all(specAtomNS, "category") {
		if term, _ := c.attr("", "term"); strings.TrimSpace(term) == "" {
			v.errorf("%s: <category> has no term attribute", subject)
		}
	}
}

// JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/).

// checkJSON applies the JSON Feed 1.1 rules and returns the number of items,
// or -1 when there is no items array to count.
func (v *validation) checkJSON(data []byte) int {
	if !utf8.Valid(data) {
		v.errorf("the document is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		v.errorf("the document is not valid JSON: %v", err)
		return -1
	}
	if _, err := dec.Token(); err != io.EOF {
		v.errorf("the document has more after its JSON value")
	}
	top, ok := doc.(map[string]any)
	if !ok {
		v.errorf("the document is a JSON %s, want an object", jsonKind(doc))
		return -1
	}
	const subject = "feed"
	if s, ok := top["version"].(string); !ok || s != specJSONFeed11 {
		v.errorf(`%s: "version" is %s, want %q`, subject, jsonShow(top, "version"), specJSONFeed11)
	}
	if s, ok := top["title"].(string); !ok || strings.TrimSpace(s) == "" {
		v.errorf(`%s: "title" must be a non-empty string`, subject)
	} else {
		v.checkPlainText(subject, `"title"`, s, true)
	}
	v.checkJSONURL(subject, top, "home_page_url")
	if _, ok := top["feed_url"]; !ok {
		v.warnf(`%s: no "feed_url"; readers cannot tell where the feed lives`, subject)
	}
	v.checkJSONURL(subject, top, "feed_url")
	v.checkJSONURL(subject, top, "icon")
	v.checkJSONURL(subject, top, "favicon")
	if x, ok := top["language"]; ok {
		if s, ok := x.(string); ok {
			v.checkLanguage(subject, `"language"`, s)
		} else {
			v.errorf(`%s: "language" is a %s, want a string`, subject, jsonKind(x))
		}
	}
	v.checkJSONAuthors(subject, top)
	raw, ok := top["items"]
	if !ok {
		v.errorf(`%s: missing "items"`, subject)
		return -1
	}
	items, ok := raw.([]any)
	if !ok {
		v.errorf(`%s: "items" is a %s, want an array`, subject, jsonKind(raw))
		return -1
	}
	ids := map[string]int{}
	for i, it := range items {
		v.checkJSONItem(i+1, it, ids)
	}
	return len(items)
}

func (v *validation) checkJSONItem(n int, raw any, ids map[string]int) {
	obj, ok := raw.(map[string]any)
	if !ok {
		v.errorf("item %d is a JSON %s, want an object", n, jsonKind(raw))
		return
	}
	idValue, hasID := obj["id"]
	id, idIsString := idValue.(string)
	subject := itemSubject("item", n, "id", id)
	switch {
	case !hasID:
		v.errorf(`%s: missing "id"`, subject)
	case !idIsString:
		v.errorf(`%s: "id" is a %s (%s); JSON Feed 1.1 requires a string`, subject, jsonKind(idValue), jsonShow(obj, "id"))
	case strings.TrimSpace(id) == "":
		v.errorf(`%s: empty "id"`, subject)
	default:
		if prev, dup := ids[id]; dup {
			v.errorf(`%s: duplicate "id", also on item %d`, subject, prev)
		} else {
			ids[id] = n
		}
	}
	strs := map[string]string{}
	for _, key := range []string{"title", "summary", "content_html", "content_text", "date_published", "date_modified"} {
		x, ok := obj[key]
		if !ok {
			continue
		}
		s, ok := x.(string)
		if !ok {
			v.errorf(`%s: %q is a %s, want a string`, subject, key, jsonKind(x))
			continue
		}
		strs[key] = s
	}
	if strings.TrimSpace(strs["content_html"]) == "" && strings.TrimSpace(strs["content_text"]) == "" {
		v.errorf(`%s: needs a non-empty "content_html" or "content_text"`, subject)
	}
	if s, ok := strs["title"]; ok {
		v.checkPlainText(subject, `"title"`, s, true)
	}
	if s, ok := strs["summary"]; ok {
		v.checkPlainText(subject, `"summary"`, s, true)
		if m := htmlTag.FindString(s); m != "" {
			v.warnf(`%s: "summary" is plain text but holds the HTML tag %q`, subject, clipValue(m))
		}
	}
	if s, ok := strs["content_html"]; ok {
		v.checkControls(subject, `"content_html"`, s)
		v.checkHTMLText(subject, `"content_html"`, s)
	}
	if s, ok := strs["content_text"]; ok {
		v.checkControls(subject, `"content_text"`, s)
	}
	for _, key := range []string{"date_published", "date_modified"} {
		if s, ok := strs[key]; ok {
			v.checkRFC3339(subject, `"`+key+`"`, s)
		}
	}
	v.checkJSONURL(subject, obj, "url")
	v.checkJSONURL(subject, obj, "external_url")
	if x, ok := obj["tags"]; ok {
		tags, ok := x.([]any)
		if !ok {
			v.errorf(`%s: "tags" is a %s, want an array of strings`, subject, jsonKind(x))
		}
		for i, tag := range tags {
			if _, ok := tag.(string); !ok {
				v.errorf(`%s: "tags"[%d] is a %s, want a string`, subject, i, jsonKind(tag))
			}
		}
	}
	v.checkJSONAuthors(subject, obj)
}

// checkJSONURL checks that obj[key], when present, is an absolute http(s)
// URL.
func (v *validation) checkJSONURL(subject string, obj map[string]any, key string) {
	x, ok := obj[key]
	if !ok {
		return
	}
	s, ok := x.(string)
	if !ok {
		v.errorf(`%s: %q is a %s, want a URL string`, subject, key, jsonKind(x))
		return
	}
	v.checkWebURL(subject, `"`+key+`"`, s)
}

// checkJSONAuthors checks obj's "authors": an array of objects, each with
// at least one of name, url and avatar. The JSON Feed 1.0 "author" gets a
// warning, as 1.1 readers may ignore it.
func (v *validation) checkJSONAuthors(subject string, obj map[string]any) {
	if _, ok := obj["author"]; ok {
		v.warnf(`%s: "author" is JSON Feed 1.0; use "authors"`, subject)
	}
	x, ok := obj["authors"]
	if !ok {
		return
	}
	authors, ok := x.([]any)
	if !ok {
		v.errorf(`%s: "authors" is a %s, want an array`, subject, jsonKind(x))
		return
	}
	for i, a := range authors {
		person, ok := a.(map[string]any)
		if !ok {
			v.errorf(`%s: "authors"[%d] is a %s, want an object`, subject, i, jsonKind(a))
			continue
		}
		named := false
		for _, key := range []string{"name", "url", "avatar"} {
			if s, ok := person[key].(string); ok && strings.TrimSpace(s) != "" {
				named = true
			}
		}
		if !named {
			v.errorf(`%s: "authors"[%d] needs a "name", "url" or "avatar"`, subject, i)
		}
		v.checkJSONURL(fmt.Sprintf(`%s: "authors"[%d]`, subject, i), person, "url")
		v.checkJSONURL(fmt.Sprintf(`%s: "authors"[%d]`, subject, i), person, "avatar")
	}
}

func jsonKind(x any) string {
	switch x.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "value"
}

// jsonShow describes obj[key] for a message.
func jsonShow(obj map[string]any, key string) string {
	x, ok := obj[key]
	switch t := x.(type) {
	case string:
		return fmt.Sprintf("%q", clipValue(t))
	case json.Number:
		return t.String()
	}
	if !ok {
		return "missing"
	}
	return "a " + jsonKind(x)
}

// Values shared by the formats.

// checkRFC3339 checks an Atom or JSON Feed date.
func (v *validation) checkRFC3339(subject, field, s string) {
	if strings.TrimSpace(s) == "" {
		v.errorf("%s: empty %s", subject, field)
		return
	}
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		v.errorf(`%s: %s %q is not an RFC 3339 date, like "2006-01-02T15:04:05Z"`, subject, field, clipValue(s))
	}
}

func (v *validation) checkWebURL(subject, field, s string) {
	if !isWebURL(s) {
		v.errorf("%s: %s %q is not an absolute http(s) URL", subject, field, clipValue(s))
	}
}

// isWebURL reports whether s is an absolute http or https URL with a host.
func isWebURL(s string) bool {
	if strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// isAbsIRI reports whether s is an absolute IRI: a scheme, then anything an
// IRI may hold (tag:, urn:, http: and so on).
func isAbsIRI(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n<>\"{}|\\^`") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Scheme != ""
}

func (v *validation) checkLanguage(subject, field, s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		v.errorf("%s: empty %s", subject, field)
		return
	}
	if _, err := language.Parse(s); err != nil {
		v.errorf("%s: %s %q is not a language tag such as en or en-US", subject, field, clipValue(s))
	}
}

// Text hygiene.

// leftoverEntity matches entity text left in a value after it was decoded
// once: the mark of a value that was escaped twice.
var leftoverEntity = regexp.MustCompile(`&(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});`)

// htmlTag matches a common HTML tag, in a value that should be plain text.
var htmlTag = regexp.MustCompile(`(?i)</?(?:a|abbr|b|blockquote|br|code|div|em|h[1-6]|hr|i|img|li|ol|p|pre|span|strong|table|td|tr|ul)(?:\s[^<>]*)?/?>`)

// checkPlainText checks a plain-text field (a title or summary) after
// XML or JSON decoding: no control characters when controls is set (the
// XML pass already reported them for XML documents) and no entity text
// that shows the value was escaped twice. A bare & or < is fine.
func (v *validation) checkPlainText(subject, field, s string, controls bool) {
	if controls {
		v.checkControls(subject, field, s)
	}
	if m := leftoverEntity.FindString(s); m != "" {
		v.escapedTwicef("%s: %s %q is escaped twice: %q shows as text", subject, field, clipValue(s), m)
	}
}

// checkControls reports the first character of s that XMLChar refuses.
func (v *validation) checkControls(subject, field, s string) {
	for _, r := range s {
		if !XMLChar(r) {
			v.errorf("%s: %s contains control character %U", subject, field, r)
			return
		}
	}
}

// checkHTMLText checks an HTML field (RSS description and content:encoded,
// Atom html content, JSON content_html) after the XML or JSON layer is
// decoded: its text, as a browser shows it, must not show entities, and
// should not show markup.
func (v *validation) checkHTMLText(subject, field, src string) {
	entity, markup := htmlEscapedTwice(src)
	if entity != "" {
		v.escapedTwicef("%s: %s is escaped twice: its text shows %q", subject, field, entity)
	}
	if markup != "" {
		v.warnf("%s: %s text shows the tag %q; was the HTML escaped twice?", subject, field, clipValue(markup))
	}
}

// literalElements show their text as written, so entity text in them is
// deliberate: a post about HTML quotes &lt; in <code>.
var literalElements = map[string]bool{
	"code": true, "kbd": true, "pre": true, "samp": true, "script": true, "style": true,
	"template": true, "textarea": true, "tt": true, "xmp": true, "noscript": true, "plaintext": true,
}

// htmlEscapedTwice parses an HTML fragment and looks at its text nodes, as
// a browser would show them, outside code and preformatted elements. It
// returns the first entity text found (such as "&amp;", from "&amp;amp;" in
// the source) and the first tag-like text (such as "<p>", from "&lt;p&gt;").
// A bare & or < in the text is not reported.
func htmlEscapedTwice(src string) (entity, markup string) {
	if !strings.Contains(src, "&") {
		return "", "" // text nodes show & or < only from an entity
	}
	context := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: htmlatom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(src), context)
	if err != nil {
		return "", ""
	}
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if entity != "" {
			return
		}
		switch n.Type {
		case html.ElementNode:
			if literalElements[n.Data] {
				return
			}
		case html.TextNode:
			if m := leftoverEntity.FindString(n.Data); m != "" {
				entity = m
			}
			if m := htmlTag.FindString(n.Data); m != "" && markup == "" {
				markup = m
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	for _, n := range nodes {
		visit(n)
	}
	return entity, markup
}

// xhtmlEscapedTwice returns the first entity text in the decoded text of
// an Atom xhtml construct, outside code and preformatted elements.
func xhtmlEscapedTwice(e *docElem) string {
	if e.space == specXHTMLNS && literalElements[e.local] {
		return ""
	}
	if m := leftoverEntity.FindString(e.textValue()); m != "" {
		return m
	}
	for _, c := range e.children {
		if m := xhtmlEscapedTwice(c); m != "" {
			return m
		}
	}
	return ""
}
