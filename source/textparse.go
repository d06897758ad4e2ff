package source

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/feedpub/feedpub/feed"
	"golang.org/x/text/encoding/charmap"
)

// maxHeadline is the longest line, in characters, taken for a headline.
const maxHeadline = 200

// utf8BOM is the byte order mark some editors put at the start of UTF-8.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// headerKeys are the keys a header block may use, in lower case.
var headerKeys = map[string]bool{
	"title": true, "date": true, "updated": true, "author": true,
	"link": true, "tags": true, "summary": true, "id": true,
}

// textFile is what one article file says, before it becomes items.
type textFile struct {
	title     string
	summary   string
	link      string
	id        string
	published time.Time
	updated   time.Time
	authors   []feed.Person
	tags      []string
	// paragraphs are the body's lines, cleaned and collapsed, in order.
	paragraphs []string
	// headlines are the lines of a trailing headline block (or of a
	// headline-only file), cleaned and collapsed, in order.
	headlines []string
	// article is false for a headline-only file.
	article bool
}

// parseText reads one article file. A non-nil error says why the file
// yields nothing; warnings are returned either way.
func parseText(data []byte) (textFile, []lineWarning, error) {
	text, warns, err := decodeText(data)
	if err != nil {
		return textFile{}, warns, err
	}
	blocks := splitBlocks(text)
	var f textFile
	if len(blocks) > 0 && isHeader(blocks[0]) {
		warns = append(warns, f.readHeader(blocks[0])...)
		blocks = blocks[1:]
	} else if len(blocks) == 1 && allHeadlines(blocks[0]) {
		f.headlines = collapseAll(blocks[0])
		warns = append(warns, lineWarning{reason: "no article body"})
		return f, warns, nil
	}
	if len(blocks) >= 2 && allHeadlines(blocks[len(blocks)-1]) {
		f.headlines = collapseAll(blocks[len(blocks)-1])
		blocks = blocks[:len(blocks)-1]
	}
	for _, b := range blocks {
		f.paragraphs = append(f.paragraphs, collapseAll(b)...)
	}
	if f.title == "" && len(f.paragraphs) == 0 {
		return textFile{}, warns, errors.New("no title and no body text")
	}
	f.article = true
	return f, warns, nil
}

// decodeText turns file bytes into clean text with LF line endings. Invalid
// UTF-8 is taken for Windows-1252, the usual encoding of text that is not
// UTF-8, and reported.
func decodeText(data []byte) (string, []lineWarning, error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return "", nil, errors.New("contains NUL bytes (binary or UTF-16?)")
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	var warns []lineWarning
	var s string
	if utf8.Valid(data) {
		// data is the file's own buffer, never written again: the text
		// shares it rather than copying every article once more.
		s = unsafe.String(unsafe.SliceData(data), len(data))
	} else {
		var err error
		s, err = charmap.Windows1252.NewDecoder().String(string(data))
		if err != nil {
			return "", nil, fmt.Errorf("decode as Windows-1252: %w", err)
		}
		warns = append(warns, lineWarning{reason: "not valid UTF-8; decoded as Windows-1252"})
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	// U+FEFF past the start is a stray byte order mark from joined files,
	// not text.
	s = strings.ReplaceAll(feed.CleanText(s), "\uFEFF", "")
	if blank(s) {
		return "", warns, errors.New("empty file")
	}
	return s, warns, nil
}

// splitBlocks splits text into blocks of non-blank lines separated by blank
// lines, with trailing white space removed from every line.
func splitBlocks(text string) [][]string {
	var blocks [][]string
	var cur []string
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		if blank(line) {
			if cur != nil {
				blocks = append(blocks, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if cur != nil {
		blocks = append(blocks, cur)
	}
	return blocks
}

// blank reports whether s shows nothing: it has only white space and
// invisible formatting characters such as U+200B ZERO WIDTH SPACE.
func blank(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) }) == ""
}

// headerLine splits a "Key: value" line with a known key.
func headerLine(line string) (key, value string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i <= 0 {
		return "", "", false
	}
	key = strings.ToLower(line[:i])
	if !headerKeys[key] {
		return "", "", false
	}
	return key, strings.TrimSpace(line[i+1:]), true
}

// isHeader reports whether every line of block is a known "Key: value"
// line. A block with any other line is body text, so prose that happens to
// start with "Title:" is never swallowed.
func isHeader(block []string) bool {
	for _, line := range block {
		if _, _, ok := headerLine(line); !ok {
			return false
		}
	}
	return true
}

// readHeader fills f from a header block and reports values it could not
// use. The first occurrence of a key wins.
func (f *textFile) readHeader(block []string) []lineWarning {
	var warns []lineWarning
	seen := map[string]bool{}
	for _, line := range block {
		key, value, _ := headerLine(line)
		value = feed.CollapseSpace(feed.CleanText(value))
		if seen[key] {
			warns = append(warns, lineWarning{key: key, reason: "repeated header key; later value ignored"})
			continue
		}
		seen[key] = true
		if blank(value) {
			continue
		}
		switch key {
		case "title":
			f.title = value
		case "summary":
			f.summary = value
		case "id":
			if uriScheme.MatchString(value) && !absoluteURI(value) {
				warns = append(warns, lineWarning{key: key, reason: fmt.Sprintf("id %q is not a valid URI; used as a local name", value)})
			}
			f.id = value
		case "date", "updated":
			t, err := ParseDate(value)
			if err != nil {
				warns = append(warns, lineWarning{key: key, reason: err.Error()})
				continue
			}
			if key == "date" {
				f.published = t
			} else {
				f.updated = t
			}
		case "link":
			if !httpURL(value) {
				warns = append(warns, lineWarning{key: key, reason: fmt.Sprintf("link %q is not an absolute http(s) URL", value)})
				continue
			}
			f.link = value
		case "tags":
			f.tags = splitTags(value)
		case "author":
			var w []lineWarning
			f.authors, w = parseAuthors(value)
			warns = append(warns, w...)
		}
	}
	return warns
}

// httpURL reports whether s is an absolute http or https URL with a host.
func httpURL(s string) bool {
	if strings.ContainsFunc(s, unicode.IsSpace) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	scheme := strings.ToLower(u.Scheme)
	return (scheme == "http" || scheme == "https") && u.Host != "" && u.Hostname() != ""
}

// splitTags splits a comma-separated list, dropping empty entries and
// later duplicates that differ only in case.
func splitTags(s string) []string {
	var tags []string
	seen := map[string]bool{}
	for t := range strings.SplitSeq(s, ",") {
		t = strings.TrimSpace(t)
		k := strings.ToLower(t)
		if t == "" || seen[k] {
			continue
		}
		seen[k] = true
		tags = append(tags, t)
	}
	return tags
}

// parseAuthors reads a comma-separated list of "Name <email>", "Name" or a
// bare e-mail address.
func parseAuthors(s string) ([]feed.Person, []lineWarning) {
	var people []feed.Person
	var warns []lineWarning
	for a := range strings.SplitSeq(s, ",") {
		a = strings.TrimSpace(a)
		var p feed.Person
		switch i := strings.IndexByte(a, '<'); {
		case a == "":
			continue
		case i >= 0 && strings.HasSuffix(a, ">"):
			p.Name = strings.Trim(strings.TrimSpace(a[:i]), `"`)
			email := strings.TrimSpace(a[i+1 : len(a)-1])
			if isEmail(email) {
				p.Email = email
			} else if email != "" {
				warns = append(warns, lineWarning{key: "author", reason: fmt.Sprintf("%q is not an e-mail address", email)})
			}
		case isEmail(a):
			p.Email = a
		default:
			p.Name = a
		}
		if !p.IsZero() {
			people = append(people, p)
		}
	}
	return people, warns
}

// isEmail reports whether s looks like local@domain. It is a sanity check,
// not RFC 5322 validation.
func isEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t<>,\"()[]\\;")
}

// allHeadlines reports whether every line of block looks like a headline.
func allHeadlines(block []string) bool {
	for _, line := range block {
		if !headlineLike(line) {
			return false
		}
	}
	return len(block) > 0
}

// closingQuotes may follow a sentence's final punctuation.
const closingQuotes = `"'’”»›`

// headlineLike reports whether line could be a headline: short, and not
// ending like a sentence.
func headlineLike(line string) bool {
	line = feed.CollapseSpace(line)
	if line == "" || utf8.RuneCountInString(line) > maxHeadline {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(strings.TrimRight(line, closingQuotes))
	return r != '.' && r != '!' && r != '?' && r != '…'
}

// collapseAll returns the lines of block with white space collapsed,
// dropping lines that end up empty.
func collapseAll(block []string) []string {
	out := make([]string, 0, len(block))
	for _, line := range block {
		if line = feed.CollapseSpace(line); !blank(line) {
			out = append(out, line)
		}
	}
	return out
}

// uriScheme matches the scheme of an absolute URI (RFC 3986 section 3.1).
var uriScheme = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)

// absoluteURI reports whether s is an absolute URI that can be used as an
// item ID as it stands.
func absoluteURI(s string) bool {
	loc := uriScheme.FindStringIndex(s)
	return loc != nil && loc[1] < len(s) &&
		!strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}
