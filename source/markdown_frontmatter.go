package source

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/weburl"
	"go.yaml.in/yaml/v3"
)

// The YAML front matter of Markdown articles (TOML's is in tomlfm.go):
// splitting it from the body, and reading its keys into an item's fields
// with a warning, naming the line and the key, for each value it cannot
// use.

// splitFrontMatter separates a leading front matter block from the body:
// YAML between "---" lines, or TOML between "+++" lines (isTOML), as Hugo
// writes it. text has LF line endings and no byte order mark. fmLine is
// the line of the file on which the front matter's first line stands; with
// no front matter, fm is empty and body is all of text.
func splitFrontMatter(text string) (fm string, fmLine int, body string, isTOML bool, err error) {
	first, rest, ok := strings.Cut(text, "\n")
	delim := strings.TrimRight(first, " \t")
	if delim != "---" && delim != "+++" {
		return "", 0, text, false, nil
	}
	isTOML = delim == "+++"
	if !ok {
		rest = ""
	}
	off := 0
	for off <= len(rest) {
		line, _, _ := strings.Cut(rest[off:], "\n")
		if l := strings.TrimRight(line, " \t"); l == delim || (l == "..." && !isTOML) {
			end := off + len(line) + 1
			return rest[:off], 2, rest[min(end, len(rest)):], isTOML, nil
		}
		off += len(line) + 1
	}
	return "", 0, "", false, &lineError{line: 1, err: fmt.Errorf("front matter is not closed by a line of %s", delim)}
}

// frontMatter is what a Markdown file's front matter says.
type frontMatter struct {
	title, summary, link, id, slug string
	published, updated             time.Time
	authors                        []feed.Person
	tags                           []string
	enclosures                     []feed.Enclosure
	draft                          bool
}

// yamlErrorLine finds the line a YAML syntax error names.
var yamlErrorLine = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlParserProblems are the messages of YAML errors raised by the parser
// rather than the scanner. The YAML package numbers the lines of these
// from 0, and those of scanner errors from 1.
var yamlParserProblems = map[string]bool{
	"did not find expected ',' or ']'": true, "did not find expected ',' or '}'": true,
	"did not find expected '-' indicator": true, "did not find expected <document start>": true,
	"did not find expected <stream-start>": true, "did not find expected key": true,
	"did not find expected node content": true, "found duplicate %TAG directive": true,
	"found duplicate %YAML directive": true, "found incompatible YAML document": true,
	"found undefined tag handle": true,
}

// parseFrontMatter reads a front matter block whose first line is line
// offset+1 of the file. Keys are matched without regard to case; unknown
// keys and unusable values are reported and ignored. A non-nil error, a
// *lineError, says the block is not YAML or not a mapping.
func parseFrontMatter(src string, offset int) (frontMatter, []lineWarning, error) {
	var fm frontMatter
	if strings.TrimSpace(src) == "" {
		return fm, nil, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		line := offset + 1
		msg := err.Error()
		if sm := yamlErrorLine.FindStringSubmatch(msg); sm != nil {
			n, _ := strconv.Atoi(sm[1])
			msg = msg[len(sm[0]):]
			if yamlParserProblems[msg] {
				n++
			}
			line = offset + max(n, 1)
		} else {
			msg = strings.TrimPrefix(msg, "yaml: ")
		}
		return fm, nil, &lineError{line: line, err: fmt.Errorf("front matter is not valid YAML: %s", msg)}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return fm, nil, nil
	}
	root := resolveAlias(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return fm, nil, nil
	}
	return readFrontMatter(root, offset)
}

// readFrontMatter reads the keys of a front matter block, given as a YAML
// node whatever its syntax, whose first line is line offset+1 of the file.
func readFrontMatter(root *yaml.Node, offset int) (frontMatter, []lineWarning, error) {
	var fm frontMatter
	if root.Kind != yaml.MappingNode {
		return fm, nil, &lineError{line: offset + root.Line, err: errors.New("front matter is not a mapping of keys to values")}
	}
	r := fmReader{offset: offset}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], resolveAlias(root.Content[i+1])
		line := offset + k.Line
		if k.Kind != yaml.ScalarNode {
			r.warn(line, "", "front matter key is not a name; ignored")
			continue
		}
		key := strings.ToLower(strings.TrimSpace(k.Value))
		if prev, dup := seen[key]; dup {
			r.warn(line, key, fmt.Sprintf("key repeated (first on line %d); later value ignored", prev))
			continue
		}
		seen[key] = line
		if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
			continue
		}
		r.key(&fm, key, line, v)
	}
	return fm, r.warns, nil
}

// fmReader collects the warnings of one front matter block.
type fmReader struct {
	offset int
	warns  []lineWarning
}

func (r *fmReader) warn(line int, key, reason string) {
	r.warns = append(r.warns, lineWarning{line: line, key: key, reason: reason})
}

// key reads the value of one front matter key into fm.
func (r *fmReader) key(fm *frontMatter, key string, line int, v *yaml.Node) {
	switch key {
	case "title", "summary", "slug":
		s, ok := r.scalar(key, line, v)
		if !ok {
			return
		}
		switch key {
		case "title":
			fm.title = s
		case "summary":
			fm.summary = s
		case "slug":
			fm.slug = s
		}
	case "id":
		s, ok := r.scalar(key, line, v)
		if !ok || s == "" {
			return
		}
		if weburl.HasScheme(s) && !weburl.IsAbsolute(s) {
			r.warn(line, key, fmt.Sprintf("id %q is not a valid URI; used as a local name", s))
		}
		fm.id = s
	case "link":
		s, ok := r.scalar(key, line, v)
		if !ok || s == "" {
			return
		}
		if !weburl.IsHTTP(s) {
			r.warn(line, key, fmt.Sprintf("link %q is not an absolute http(s) URL", s))
			return
		}
		fm.link = s
	case "date", "updated":
		t, ok := r.date(key, line, v)
		if !ok {
			return
		}
		if key == "date" {
			fm.published = t
		} else {
			fm.updated = t
		}
	case "author", "authors":
		for _, p := range r.people(key, v) {
			if !slices.Contains(fm.authors, p) {
				fm.authors = append(fm.authors, p)
			}
		}
	case "tags", "categories":
		for _, t := range r.list(key, line, v) {
			if !slices.ContainsFunc(fm.tags, func(s string) bool { return strings.EqualFold(s, t) }) {
				fm.tags = append(fm.tags, t)
			}
		}
	case "draft":
		var b bool
		if err := v.Decode(&b); err != nil || v.Kind != yaml.ScalarNode {
			r.warn(line, key, fmt.Sprintf("draft %q is not true or false; treated as a draft", v.Value))
			b = true
		}
		fm.draft = b
	case "enclosure", "enclosures":
		nodes := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode {
			nodes = v.Content
		}
		for _, n := range nodes {
			if e, ok := r.enclosure(key, resolveAlias(n)); ok {
				fm.enclosures = append(fm.enclosures, e)
			}
		}
	default:
		reason := "unknown front matter key; ignored"
		if s := suggestKey(key); s != "" {
			// Hugo's and Jekyll's names for the same things.
			reason = fmt.Sprintf("unknown front matter key (did you mean %q?); ignored", strings.ToLower(s))
		}
		r.warn(line, key, reason)
	}
}

// scalar returns the cleaned text of a single value.
func (r *fmReader) scalar(key string, line int, v *yaml.Node) (string, bool) {
	if v.Kind != yaml.ScalarNode {
		r.warn(line, key, "want a single value, not a list or mapping; ignored")
		return "", false
	}
	return feed.CollapseSpace(feed.CleanText(v.Value)), true
}

// date reads a date: a YAML timestamp or any form ParseDate accepts.
func (r *fmReader) date(key string, line int, v *yaml.Node) (time.Time, bool) {
	s, ok := r.scalar(key, line, v)
	if !ok || s == "" {
		return time.Time{}, false
	}
	t, err := ParseDate(s)
	if err != nil && v.ShortTag() == "!!timestamp" {
		var ts time.Time
		if v.Decode(&ts) == nil {
			t, err = ts, nil
		}
	}
	if err != nil {
		r.warn(line, key, err.Error())
		return time.Time{}, false
	}
	return t.UTC(), true
}

// list reads a list of names: a YAML sequence, or one comma-separated
// string.
func (r *fmReader) list(key string, line int, v *yaml.Node) []string {
	if v.Kind == yaml.ScalarNode {
		return splitTags(feed.CollapseSpace(feed.CleanText(v.Value)))
	}
	if v.Kind != yaml.SequenceNode {
		r.warn(line, key, "want a list or a comma-separated string; ignored")
		return nil
	}
	var out []string
	for _, n := range v.Content {
		n = resolveAlias(n)
		if n.Kind != yaml.ScalarNode {
			r.warn(r.offset+n.Line, key, "list entry is not a single value; ignored")
			continue
		}
		if s := feed.CollapseSpace(feed.CleanText(n.Value)); s != "" && n.ShortTag() != "!!null" {
			out = append(out, s)
		}
	}
	return out
}

// people reads authors: "Name <email>" strings, mappings with name, email
// and url, or a list of either.
func (r *fmReader) people(key string, v *yaml.Node) []feed.Person {
	nodes := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		nodes = v.Content
	}
	var out []feed.Person
	for _, n := range nodes {
		n = resolveAlias(n)
		line := r.offset + n.Line
		switch n.Kind {
		case yaml.ScalarNode:
			if n.ShortTag() == "!!null" {
				continue
			}
			people, warns := parseAuthors(feed.CollapseSpace(feed.CleanText(n.Value)))
			for _, w := range warns {
				r.warn(line, key, w.reason)
			}
			out = append(out, people...)
		case yaml.MappingNode:
			var p feed.Person
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, val := n.Content[i], resolveAlias(n.Content[i+1])
				name := strings.ToLower(k.Value)
				s, ok := r.scalar(key+"."+name, r.offset+k.Line, val)
				if !ok {
					continue
				}
				switch name {
				case "name":
					p.Name = s
				case "email":
					if s != "" && !isEmail(s) {
						r.warn(r.offset+k.Line, key+".email", fmt.Sprintf("%q is not an e-mail address", s))
						continue
					}
					p.Email = s
				case "url":
					if s != "" && !weburl.IsHTTP(s) {
						r.warn(r.offset+k.Line, key+".url", fmt.Sprintf("url %q is not an absolute http(s) URL", s))
						continue
					}
					p.URL = s
				default:
					r.warn(r.offset+k.Line, key+"."+name, "unknown author key; ignored")
				}
			}
			if !p.IsZero() {
				out = append(out, p)
			}
		default:
			r.warn(line, key, "author is neither a string nor a mapping; ignored")
		}
	}
	return out
}

// enclosure reads one enclosure: a mapping with url, length and type, or
// a bare URL.
func (r *fmReader) enclosure(key string, n *yaml.Node) (feed.Enclosure, bool) {
	line := r.offset + n.Line
	var (
		u, typ string
		length int64
	)
	switch n.Kind {
	case yaml.ScalarNode:
		u = strings.TrimSpace(feed.CleanText(n.Value))
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], resolveAlias(n.Content[i+1])
			name := strings.ToLower(k.Value)
			kline := r.offset + k.Line
			switch name {
			case "url", "type":
				s, ok := r.scalar(key+"."+name, kline, val)
				if !ok {
					continue
				}
				if name == "url" {
					u = s
				} else {
					typ = s
				}
			case "length":
				if err := val.Decode(&length); err != nil || val.Kind != yaml.ScalarNode || length < 0 {
					r.warn(kline, key+".length", fmt.Sprintf("length %q is not a whole number of bytes; 0 used", val.Value))
					length = 0
				}
			default:
				r.warn(kline, key+"."+name, "unknown enclosure key; ignored")
			}
		}
	default:
		r.warn(line, key, "enclosure is neither a URL nor a mapping; ignored")
		return feed.Enclosure{}, false
	}
	e, problem := makeEnclosure(u, length, typ)
	if problem != "" {
		r.warn(line, key, problem+"; enclosure ignored")
		return feed.Enclosure{}, false
	}
	return e, true
}

// resolveAlias follows YAML aliases to the node they name.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 8; i++ {
		n = n.Alias
	}
	return n
}
