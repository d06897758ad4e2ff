package source

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/weburl"
	"golang.org/x/text/encoding/charmap"
)

// maxHeadline is the longest line, in characters, taken for a headline.
const maxHeadline = 200

// utf8BOM is the byte order mark some editors put at the start of UTF-8.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// maxHeaderKey bounds the length in bytes of a key that lowers to one of
// headerKeys: three bytes a letter, for letters written as runes beyond
// ASCII that lower to ASCII (U+212A KELVIN SIGN).
const maxHeaderKey = 3 * len("summary")

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
	// clean says the file's text was clean (feed.Tidiness): text made
	// of its pieces and ASCII is as feed.CleanText leaves it.
	clean bool
}

// parseText reads one article file. A non-nil error says why the file
// yields nothing; warnings are returned either way, and so are notes
// (lineWarning.notice) on what the file's shape made of it.
func parseText(data []byte) (textFile, []lineWarning, error) {
	return parseTextTidy(data, true)
}

// parseTextTidy is parseText, taking the short way through text that
// feed.Tidy finds tidy when fast is set: its lines are then
// neither trimmed nor collapsed, since that would leave them as they are.
// Both ways give the same; the slow one is there for the tests to check
// that.
func parseTextTidy(data []byte, fast bool) (textFile, []lineWarning, error) {
	text, clean, tidy, warns, err := decodeTextTidy(data, fast)
	if err != nil {
		return textFile{}, warns, err
	}
	blocks := splitBlocks(text, tidy)
	f := textFile{clean: clean}
	if n, ok := headerLines(blocks); ok {
		first := blocks[0]
		warns = append(warns, f.readHeader(first.lines[:n], first.line)...)
		if n < len(first.lines) {
			// The writer forgot the blank line: what follows the
			// header's lines is the body's first paragraph.
			warns = append(warns, lineWarning{line: first.line + n,
				reason: "header not followed by a blank line; read as the body from this line"})
			blocks[0] = block{lines: first.lines[n:], line: first.line + n}
		} else {
			blocks = blocks[1:]
		}
	} else if len(blocks) == 1 && allHeadlines(blocks[0].lines, tidy) {
		f.headlines = collapseAll(blocks[0].lines, tidy)
		warns = append(warns, lineWarning{line: blocks[0].line, reason: "no article body; every line is read as a headline of another story"})
		return f, warns, nil
	} else if n > 0 {
		// Key-like lines with no key feedpub knows, and no blank line
		// after them: as likely prose as a header, so they stay text,
		// but the writer hears of it.
		key, _, _ := otherKeyLine(blocks[0].lines[0])
		warns = append(warns, lineWarning{line: blocks[0].line, key: key,
			reason: fmt.Sprintf("first line reads like a header line with the unknown key %q; published as the story's text (a header ends with a blank line)", key)})
	}
	// Only a block set apart by two or more blank lines lists other
	// stories: after a single blank line, short last lines are the
	// story's own (a sign-off, a poem's last stanza).
	if last := len(blocks) - 1; last >= 1 && blocks[last].gap >= 2 && allHeadlines(blocks[last].lines, tidy) {
		f.headlines = collapseAll(blocks[last].lines, tidy)
		warns = append(warns, lineWarning{line: blocks[last].line, notice: true,
			reason: headlinesNote(blocks[last].gap, len(f.headlines))})
		blocks = blocks[:last]
	}
	n := 0
	for _, b := range blocks {
		n += len(b.lines)
	}
	if n > 0 {
		f.paragraphs = make([]string, 0, n)
	}
	for _, b := range blocks {
		f.paragraphs = appendCollapsed(f.paragraphs, b.lines, tidy)
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
	s, _, _, warns, err := decodeTextTidy(data, false)
	return s, warns, err
}

// decodeTextTidy is decodeText that also reports, when fast is set,
// whether the file's text is clean (feed.Tidiness): pieces of it, joined
// with ASCII, as feed.CleanText leaves them; and whether it is tidy too,
// every line as feed.CollapseSpace leaves it.
func decodeTextTidy(data []byte, fast bool) (s string, clean, tidy bool, warns []lineWarning, err error) {
	// data is the file's own buffer, never written again: the text
	// shares it rather than copying every article once more.
	if text := bytes.TrimPrefix(data, utf8BOM); fast {
		str := unsafe.String(unsafe.SliceData(text), len(text))
		// Clean text is valid UTF-8 with no NUL, carriage return or
		// U+FEFF, and as CleanText leaves it: the steps below would
		// leave it as it is, whatever its spaces.
		if isClean, isTidy := feed.Tidiness(str); isClean {
			if blank(str) {
				return "", false, false, nil, errors.New("empty file")
			}
			return str, true, isTidy, nil, nil
		}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return "", false, false, nil, errors.New("contains NUL bytes (binary or UTF-16?)")
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	if utf8.Valid(data) {
		s = unsafe.String(unsafe.SliceData(data), len(data))
	} else {
		s, err = charmap.Windows1252.NewDecoder().String(string(data))
		if err != nil {
			return "", false, false, nil, fmt.Errorf("decode as Windows-1252: %w", err)
		}
		warns = append(warns, lineWarning{reason: "not valid UTF-8; decoded as Windows-1252"})
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	// U+FEFF past the start is a stray byte order mark from joined files,
	// not text.
	s = strings.ReplaceAll(feed.CleanText(s), "\uFEFF", "")
	if blank(s) {
		return "", false, false, warns, errors.New("empty file")
	}
	return s, false, false, warns, nil
}

// headlinesNotes holds headlinesNote's usual notes, made once: nearly
// every article of a site that lists other stories has one.
var headlinesNotes = sync.OnceValue(func() *[6][65]string {
	var t [6][65]string
	for gap := range t {
		for n := range t[gap] {
			t[gap][n] = fmt.Sprintf("last block, after %d blank lines, read as %d headlines of other stories", gap, n)
		}
	}
	return &t
})

// headlinesNote is the note on a trailing block of n headlines after gap
// blank lines.
func headlinesNote(gap, n int) string {
	if t := headlinesNotes(); gap < len(t) && n < len(t[gap]) {
		return t[gap][n]
	}
	return fmt.Sprintf("last block, after %d blank lines, read as %d headlines of other stories", gap, n)
}

// block is a run of non-blank lines.
type block struct {
	lines []string
	// line is the number of the first line in the file, from 1.
	line int
	// gap counts the blank lines before the block.
	gap int
}

// splitBlocks splits text into blocks of non-blank lines separated by blank
// lines, with trailing white space removed from every line; tidy text
// (feed.Tidy) has none to remove.
func splitBlocks(text string, tidy bool) []block {
	// Room for an article's usual paragraphs and headline block.
	blocks := make([]block, 0, 12)
	var cur block
	// The blocks' lines share one array, sized for every line, instead
	// of growing one slice a block.
	all := make([]string, 0, strings.Count(text, "\n")+1)
	n, gap, start := 0, 0, 0
	for line := range strings.SplitSeq(text, "\n") {
		n++
		if !tidy {
			line = strings.TrimRightFunc(line, unicode.IsSpace)
		}
		if blank(line) {
			if cur.lines != nil {
				blocks = append(blocks, cur)
				cur = block{}
			}
			gap++
			continue
		}
		if cur.lines == nil {
			cur, start = block{line: n, gap: gap}, len(all)
			gap = 0
		}
		all = append(all, line)
		cur.lines = all[start:len(all):len(all)]
	}
	if cur.lines != nil {
		blocks = append(blocks, cur)
	}
	return blocks
}

// blank reports whether s shows nothing: it has only white space and
// invisible formatting characters such as U+200B ZERO WIDTH SPACE.
func blank(s string) bool {
	if s != "" && s[0] > ' ' && s[0] < 0x7F {
		// Printable ASCII is neither white space nor a formatting
		// character: the usual line is decided by its first byte.
		return false
	}
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) }) == ""
}

// headerLine splits a "Key: value" line with a known key.
func headerLine(line string) (key, value string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i <= 0 || i > maxHeaderKey {
		// No key, or one longer than any known key: a line of text
		// with a colon in it is not lowered to find that out.
		return "", "", false
	}
	key = strings.ToLower(line[:i])
	if !headerKeys[key] {
		return "", "", false
	}
	return key, strings.TrimSpace(line[i+1:]), true
}

// keyShaped matches a line that reads like "Key: value" with any key: one
// word, then a colon and a space or the end of the line (so that a URL's
// "https:" is not a key).
var keyShaped = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9_-]{0,23}):(?:[ \t]|$)`)

// maxKeyShaped is the longest key keyShaped matches, in bytes.
const maxKeyShaped = 24

// otherKeyLine reports whether line reads like a header line with any
// key, and returns that key as written. prose says its value ends like a
// sentence: "Update: The council voted." may be the story's first line.
func otherKeyLine(line string) (key string, prose, ok bool) {
	if i := strings.IndexByte(line[:min(len(line), maxKeyShaped+1)], ':'); i < 1 {
		// keyShaped needs a colon after at most maxKeyShaped bytes:
		// most lines are told apart without running the expression.
		return "", false, false
	}
	m := keyShaped.FindStringSubmatch(line)
	if m == nil {
		return "", false, false
	}
	value := strings.TrimSpace(line[len(m[0]):])
	return m[1], value != "" && !headlineLike(value), true
}

// headerLines reports whether the first block starts with a header, and how
// many of its lines the header has. A header is the run of "Key: value"
// lines at the top of the first block, when at least one of them has a
// known key or a near miss of one ("Titel", "Category"); a first block
// made only of such lines with other keys is a header too when body text
// follows it. Lines after the run, in the same block, are body text whose
// blank line is missing. A first line whose value ends like a sentence
// ("Update: The council voted.") starts no header: it is prose.
func headerLines(blocks []block) (int, bool) {
	if len(blocks) == 0 {
		return 0, false
	}
	lines := blocks[0].lines
	n, known := 0, false
	for _, line := range lines {
		if _, _, ok := headerLine(line); ok {
			known = true
		} else if key, prose, ok := otherKeyLine(line); ok && (!prose || n > 0) {
			known = known || suggestKey(key) != ""
		} else {
			break
		}
		n++
	}
	switch {
	case n == 0:
		return 0, false
	case known:
		return n, true
	default:
		return n, n == len(lines) && len(blocks) > 1
	}
}

// keySynonyms map keys other formats use to the header key that means the
// same, for the warning about an unknown key.
var keySynonyms = map[string]string{
	"category": "Tags", "categories": "Tags", "tag": "Tags", "keywords": "Tags",
	"authors": "Author", "by": "Author", "byline": "Author", "writer": "Author",
	"published": "Date", "pubdate": "Date", "publishdate": "Date", "datetime": "Date",
	"modified": "Updated", "lastmod": "Updated", "update": "Updated",
	"url": "Link", "permalink": "Link", "description": "Summary", "excerpt": "Summary",
	"abstract": "Summary", "headline": "Title", "subject": "Title", "guid": "ID",
}

// headerKeyNames are the known keys as the README writes them.
var headerKeyNames = []string{"Title", "Date", "Updated", "Author", "Link", "Tags", "Summary", "ID"}

// suggestKey returns the known header key a writer most likely meant by
// key, or "" when none is close: a synonym, or a key within two typing
// mistakes (one for keys of up to four letters).
func suggestKey(key string) string {
	k := strings.ToLower(key)
	if s, ok := keySynonyms[k]; ok {
		return s
	}
	best, bestDist := "", 3
	for _, name := range headerKeyNames {
		d := editDistance(k, strings.ToLower(name))
		limit := 2
		if len(name) <= 4 {
			limit = 1
		}
		if d <= limit && d < bestDist {
			best, bestDist = name, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between two short
// ASCII keys: insertions, deletions, substitutions and swaps of adjacent
// letters each count one.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// readHeader fills f from the lines of a header block, the first of them
// at line first of the file, and reports values it could not use and
// lines with keys it does not know. The first occurrence of a key wins.
func (f *textFile) readHeader(block []string, first int) []lineWarning {
	var warns []lineWarning
	seen := map[string]bool{}
	for i, line := range block {
		n := first + i
		key, value, ok := headerLine(line)
		if !ok {
			other, _, _ := otherKeyLine(line)
			reason := fmt.Sprintf("unknown header key %q; line not published", other)
			if s := suggestKey(other); s != "" {
				reason = fmt.Sprintf("unknown header key %q (did you mean %q?); line not published", other, s)
			}
			warns = append(warns, lineWarning{line: n, key: other, reason: reason})
			continue
		}
		value = feed.CollapseSpace(feed.CleanText(value))
		if seen[key] {
			warns = append(warns, lineWarning{line: n, key: key, reason: "repeated header key; later value ignored"})
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
			if weburl.HasScheme(value) && !weburl.IsAbsolute(value) {
				warns = append(warns, lineWarning{line: n, key: key, reason: fmt.Sprintf("id %q is not a valid URI; used as a local name", value)})
			}
			f.id = value
		case "date", "updated":
			t, err := ParseDate(value)
			if err != nil {
				warns = append(warns, lineWarning{line: n, key: key, reason: err.Error()})
				continue
			}
			if key == "date" {
				f.published = t
			} else {
				f.updated = t
			}
		case "link":
			if !weburl.IsHTTP(value) {
				warns = append(warns, lineWarning{line: n, key: key, reason: fmt.Sprintf("link %q is not an absolute http(s) URL", value)})
				continue
			}
			f.link = value
		case "tags":
			f.tags = splitTags(value)
		case "author":
			var w []lineWarning
			f.authors, w = parseAuthors(value)
			for i := range w {
				w[i].line = n
			}
			warns = append(warns, w...)
		}
	}
	return warns
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

// allHeadlines reports whether every line of block looks like a headline;
// collapsed says the lines are as feed.CollapseSpace leaves them.
func allHeadlines(block []string, collapsed bool) bool {
	for _, line := range block {
		if !collapsed {
			line = feed.CollapseSpace(line)
		}
		if !collapsedHeadlineLike(line) {
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
	return collapsedHeadlineLike(feed.CollapseSpace(line))
}

// collapsedHeadlineLike is headlineLike for a line with white space
// collapsed.
func collapsedHeadlineLike(line string) bool {
	// No line has more characters than bytes: most are counted by
	// their length alone.
	if line == "" || len(line) > maxHeadline && utf8.RuneCountInString(line) > maxHeadline {
		return false
	}
	if c := line[len(line)-1]; c < utf8.RuneSelf && c != '"' && c != '\'' {
		// An ASCII last byte that is not a closing quote is the last
		// character, and nothing to trim.
		return c != '.' && c != '!' && c != '?'
	}
	r, _ := utf8.DecodeLastRuneInString(strings.TrimRight(line, closingQuotes))
	return r != '.' && r != '!' && r != '?' && r != '…'
}

// collapseAll returns the lines of block with white space collapsed,
// dropping lines that end up empty. Lines of tidy text (feed.Tidy)
// that splitBlocks kept are returned as they are: collapsing would leave
// them so, and none is blank.
func collapseAll(block []string, tidy bool) []string {
	if tidy {
		// Nothing writes to the lines of a block: they are shared.
		return block
	}
	return appendCollapsed(make([]string, 0, len(block)), block, false)
}

// appendCollapsed appends to dst what collapseAll makes of block.
func appendCollapsed(dst, block []string, tidy bool) []string {
	if tidy {
		return append(dst, block...)
	}
	for _, line := range block {
		if line = feed.CollapseSpace(line); !blank(line) {
			dst = append(dst, line)
		}
	}
	return dst
}

// paragraphsHTML is feed.ParagraphsHTML for paragraphs that collapseAll
// made: white space already collapsed and none empty. It gives the same
// bytes without collapsing every paragraph again, and escapes in one
// pass, which counts in a build that reads every article.
func paragraphsHTML(paragraphs []string) string {
	n := 0
	for _, p := range paragraphs {
		n += len(p) + len("\n<p></p>")
	}
	// Sized for text with nothing to escape, as most is; a Builder's
	// buffer is not zeroed first, as a new byte slice would be.
	var b strings.Builder
	b.Grow(n)
	for i, p := range paragraphs {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("<p>")
		writeEscaped(&b, p)
		b.WriteString("</p>")
	}
	return b.String()
}

// htmlEscapes are the replacements html.EscapeString makes.
var htmlEscapes = [256]string{'<': "&lt;", '>': "&gt;", '&': "&amp;", '\'': "&#39;", '"': "&#34;"}

// writeEscaped writes s to b escaped as html.EscapeString does.
func writeEscaped(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		if e := htmlEscapes[s[i]]; e != "" {
			b.WriteString(s[last:i])
			b.WriteString(e)
			last = i + 1
		}
	}
	b.WriteString(s[last:])
}
