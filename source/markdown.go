package source

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	gmtext "github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/unicode/norm"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/keyset"
	"github.com/feedpub/feedpub/internal/weburl"
)

// DefaultMarkdownGlob selects the files of a Markdown source when its Glob
// is empty.
const DefaultMarkdownGlob = "*.md"

// Markdown is a folder of Markdown articles, each with an optional front
// matter block at the top of the file: YAML between two "---" lines, or
// TOML between two "+++" lines (Hugo's other syntax), with the same keys.
//
// Front matter keys are matched without regard to case: title, date,
// updated, author ("Name <email>") or authors (a list of such strings or of
// mappings with name, email and url), tags and categories (a list or a
// comma-separated string), summary, link, id, slug, draft, and enclosure
// or enclosures (a URL, or a mapping with url, length and type). Any other
// key is reported and ignored.
//
// Without a title in the front matter, the text of the first top-level
// "# heading" is the title and leaves the body; without such a heading, the
// title is derived from the first paragraph.
//
// The body is rendered as GitHub Flavored Markdown (tables, strikethrough,
// autolinks, task lists; no typographic replacements), always sanitised
// with bluemonday's UGC policy, and its relative URLs are resolved against
// the item's link. As with Text, a file's item ID and default link come
// from its path relative to Root, never from its modification time; an id
// in the front matter replaces the ID, and a slug the path in the link.
type Markdown struct {
	// SourceName names the source in IDs, links and logs.
	SourceName string
	// Root is the folder walked for articles, recursively.
	Root string
	// Glob selects files by base name, as path.Match does; empty means
	// DefaultMarkdownGlob. Names starting with "." are never read, and
	// folders starting with "." are not entered.
	Glob string
	// MaxSize bounds a file's size in bytes; larger files are skipped. Zero
	// or less means DefaultMaxSize.
	MaxSize int64
	// IDPrefix starts every item ID: a tag URI authority and date ending in
	// ':', such as "tag:news.example.com,2026-01-01:".
	IDPrefix string
	// LinkTemplate makes an item's link when its front matter gives none:
	// "{slug}" is replaced by the item's slug and "{source}" by the
	// path-escaped SourceName. Empty leaves such links empty.
	LinkTemplate string
	// PageBundles says that feedpub publishes a page at the links it makes
	// up from LinkTemplate, as the index of the folder the link names,
	// like a static site generator's page bundle: relative references in
	// the content resolve below that folder ("img.png" in
	// "posts/trip/index.md", linked ".../items/posts/trip", becomes
	// ".../items/posts/trip/img.png"), and the local files they name are
	// listed in the item's Bundle to be published there.
	PageBundles bool
	// AllowHTML lets raw HTML written in the Markdown through to the
	// content. It is sanitised all the same: scripts, event handlers and
	// javascript: URLs never survive. When false, raw HTML is dropped.
	AllowHTML bool
	// Logger receives a warning for every file skipped or published with a
	// problem; nil discards them.
	Logger *slog.Logger
}

var _ Source = (*Markdown)(nil)

// Name returns SourceName.
func (m *Markdown) Name() string { return m.SourceName }

// Fetch walks Root in lexical order and returns one item per published
// file, in walk order.
//
// Fetch fails only when Root cannot be read as a folder, when the
// configuration is invalid, or when ctx ends. A problem with one file is
// logged as a warning naming the file, and the line when there is one, and
// the other files still publish. Files whose front matter says "draft:
// true" are passed over.
func (m *Markdown) Fetch(ctx context.Context) ([]feed.Item, error) {
	return fetchAll(ctx, m)
}

// Scan lists the files below Root that match and stats them, for one
// build: its Fingerprint digests them with the settings, and its Stream
// reads them, without walking the folder again.
func (m *Markdown) Scan(ctx context.Context) (feed.Scan, error) {
	start := time.Now()
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("source %s: %w", m.SourceName, err)
	}
	files, err := scanTree(ctx, m.Root, m.SourceName, globMatch(m.glob()), m.logger())
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", m.SourceName, err)
	}
	return &markdownScan{wholeItems: wholeItems{m.SourceName}, m: m, files: files, start: start}, nil
}

// markdownScan is a Markdown source's Scan: the files it lists, stated.
// Its items are always whole.
type markdownScan struct {
	wholeItems
	m     *Markdown
	files [][]statted
	start time.Time
}

// Fingerprint implements feed.Scan.
func (s *markdownScan) Fingerprint() string {
	return fingerprintOf(settingsOf("markdown", s.m), s.files)
}

// Stream implements feed.Scan: it reads the listed files in walk order and
// emits one item per published file.
func (s *markdownScan) Stream(ctx context.Context, emit func(feed.Item) error) error {
	m := s.m
	log := m.logger()
	var (
		ids                   = keyset.NewMap[string]()
		read, skipped, drafts int
	)
	skip := func(rel string, err error) {
		skipped++
		logFileProblem(log, "article skipped", m.SourceName, rel, "key", problemAt(err))
	}
	for f := range eachFile(s.files) {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("source %s: %w", m.SourceName, err)
		}
		rel := f.rel
		data, err := readLimited(f.abs(), m.maxSize())
		if errors.Is(err, errNotFile) {
			log.Debug("symbolic link to folder not followed", "source", m.SourceName, "file", rel)
			continue
		}
		if err != nil {
			skip(rel, err)
			continue
		}
		item, warns, err := m.parseArticleSafely(rel, data)
		for _, w := range warns {
			logFileProblem(log, "article warning", m.SourceName, rel, "key", w)
		}
		if err != nil {
			skip(rel, err)
			continue
		}
		if item == nil {
			drafts++
			log.Debug("draft not published", "source", m.SourceName, "file", rel)
			continue
		}
		if prev, dup := ids.Get(item.ID); dup {
			skip(rel, fmt.Errorf("id %s already used by %s", item.ID, prev))
			continue
		}
		ids.Put(item.ID, rel)
		item.Ref = rel // names the file in the build's logs
		item.Bundle = m.bundleFiles(rel, item)
		read++
		if err := emit(*item); err != nil {
			return err
		}
	}
	log.Info("source read", "source", m.SourceName, "files", read, "skipped", skipped,
		"drafts", drafts, "articles", read, "took", time.Since(s.start))
	return nil
}

// check validates the fields Fetch relies on.
func (m *Markdown) check() error { return checkFolder(m.Root, m.glob()) }

// glob returns Glob or its default.
func (m *Markdown) glob() string { return cmp.Or(m.Glob, DefaultMarkdownGlob) }

// maxSize returns MaxSize or its default.
func (m *Markdown) maxSize() int64 { return sizeLimit(m.MaxSize, DefaultMaxSize) }

// logger returns Logger, or one that discards everything.
func (m *Markdown) logger() *slog.Logger { return orDiscard(m.Logger) }

// parseArticleSafely is parseArticle, with a panic in the Markdown or
// YAML parser turned into an error, so that a bug there skips one file
// rather than failing the build.
func (m *Markdown) parseArticleSafely(relpath string, data []byte) (item *feed.Item, warns []lineWarning, err error) {
	defer func() {
		if p := recover(); p != nil {
			item, err = nil, fmt.Errorf("parser failed: %v", p)
		}
	}()
	return m.parseArticle(relpath, data)
}

// parseArticle turns one Markdown file into its item; a nil item with a
// nil error is a draft. relpath is the file's path below Root, with forward
// slashes. A non-nil error says why the file publishes nothing; it is a
// *lineError when a line is to blame.
func (m *Markdown) parseArticle(relpath string, data []byte) (*feed.Item, []lineWarning, error) {
	text, warns, err := decodeText(data)
	if err != nil {
		return nil, warns, err
	}
	fmText, fmLine, body, isTOML, err := splitFrontMatter(text)
	if err != nil {
		return nil, warns, err
	}
	parse := parseFrontMatter
	if isTOML {
		parse = parseTOMLFrontMatter
	}
	fm, fw, err := parse(fmText, fmLine-1)
	warns = append(warns, fw...)
	if err != nil {
		return nil, warns, err
	}
	if fm.draft {
		return nil, warns, nil
	}

	relpath = norm.NFC.String(relpath)
	link := fm.link
	if link == "" {
		slug := slugPath(markdownSlugPath(relpath))
		if s := strings.Trim(fm.slug, "/"); s != "" {
			slug = slugPath(s)
		}
		link = fillLink(m.LinkTemplate, m.SourceName, slug)
	}
	r := renderMarkdown([]byte(body), m.AllowHTML, fm.title == "")
	title := fm.title
	if title == "" {
		title = r.heading
	}
	if title == "" {
		lead := r.paragraph
		if lead == "" {
			lead = feed.LeadText(r.html)
		}
		if title = feed.DeriveTitle(lead); title == "" {
			// A lead made only of punctuation has no sentence to take.
			title = feed.Truncate(lead, feed.TitleMax)
		}
	}
	if title == "" {
		return nil, warns, errors.New("no title and no body text to derive one from")
	}
	id := itemID(m.IDPrefix, m.SourceName, relpath)
	if fm.id != "" {
		id = ownItemID(m.IDPrefix, m.SourceName, fm.id)
	}
	return &feed.Item{
		ID:          id,
		Title:       title,
		Link:        link,
		Summary:     fm.summary,
		ContentHTML: safeFolderHTML(r.html, baseURL(link), m.PageBundles && fm.link == ""),
		Authors:     fm.authors,
		Categories:  fm.tags,
		Published:   fm.published,
		Updated:     fm.updated,
		Enclosures:  fm.enclosures,
		Source:      m.SourceName,
	}, warns, nil
}

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

// markdownRender is a rendered Markdown body.
type markdownRender struct {
	// html is the sanitised content, relative URLs as written.
	html string
	// heading is the text of the first top-level h1 with text, which is
	// then left out of html; paragraph is the text of the first top-level
	// paragraph. Both are set only when a title is asked for.
	heading, paragraph string
}

// markdownEngines are the configured Markdown converters, one without and
// one with raw HTML. Both are safe for concurrent use.
var markdownEngines = sync.OnceValue(func() [2]goldmark.Markdown {
	var out [2]goldmark.Markdown
	for i, unsafe := range []bool{false, true} {
		opts := []renderer.Option{renderer.WithNodeRenderers(util.Prioritized(taskBoxRenderer{}, 100))}
		if unsafe {
			opts = append(opts, gmhtml.WithUnsafe())
		}
		out[i] = goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(opts...))
	}
	return out
})

// renderMarkdown converts a Markdown body to sanitised HTML. With
// needTitle, it also finds the texts a title can come from: the first
// top-level h1 that has text, which is then left out of the HTML, and the
// first top-level paragraph.
func renderMarkdown(src []byte, allowHTML, needTitle bool) markdownRender {
	md := markdownEngines()[0]
	if allowHTML {
		md = markdownEngines()[1]
	}
	doc := md.Parser().Parse(gmtext.NewReader(src))
	nodeText := func(n ast.Node) string {
		var b bytes.Buffer
		if md.Renderer().Render(&b, src, n) != nil {
			return ""
		}
		return feed.CollapseSpace(feed.CleanText(feed.LeadText(sanitizeUGC(b.String()))))
	}
	var out markdownRender
	for n := doc.FirstChild(); n != nil && needTitle; n = n.NextSibling() {
		if h, ok := n.(*ast.Heading); ok && h.Level == 1 {
			if out.heading = nodeText(h); out.heading != "" {
				doc.RemoveChild(doc, h)
				break
			}
		}
	}
	for n := doc.FirstChild(); n != nil && needTitle && out.paragraph == ""; n = n.NextSibling() {
		if n.Kind() == ast.KindParagraph {
			out.paragraph = nodeText(n)
		}
	}
	var b bytes.Buffer
	if err := md.Renderer().Render(&b, src, doc); err == nil {
		out.html = strings.TrimSpace(feed.CleanText(sanitizeUGC(b.String())))
	}
	return out
}

// taskBoxRenderer writes task list boxes as the characters ☐ and ☑
// rather than form inputs, which sanitising (and most feed readers) would
// remove, losing whether the task is done.
type taskBoxRenderer struct{}

func (taskBoxRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(extast.KindTaskCheckBox, func(w util.BufWriter, _ []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if box, ok := n.(*extast.TaskCheckBox); ok && box.IsChecked {
			_, _ = w.WriteString("☑ ")
		} else {
			_, _ = w.WriteString("☐ ")
		}
		return ast.WalkContinue, nil
	})
}

// guessMediaType names the media type of the file a URL path ends in, or
// returns "".
func guessMediaType(p string) string {
	ext := strings.ToLower(path.Ext(p))
	if ext == "" {
		return ""
	}
	if t := feed.MediaTypeByExt(ext); t != "" {
		return t
	}
	if t, _, err := mime.ParseMediaType(mime.TypeByExtension(ext)); err == nil {
		return t
	}
	return ""
}

// makeEnclosure checks an enclosure's parts: the URL must be absolute
// http(s), a negative length becomes 0, and a missing or malformed type is
// guessed from the URL's extension. problem says why it cannot be used.
func makeEnclosure(rawURL string, length int64, typ string) (e feed.Enclosure, problem string) {
	rawURL = strings.TrimSpace(rawURL)
	u, err := weburl.ParseHTTP(rawURL)
	if err != nil {
		return feed.Enclosure{}, fmt.Sprintf("enclosure URL %q is not an absolute http(s) URL", rawURL)
	}
	if t, _, err := mime.ParseMediaType(typ); err == nil && strings.Contains(t, "/") {
		typ = t
	} else {
		if typ = guessMediaType(u.Path); typ == "" {
			return feed.Enclosure{}, fmt.Sprintf("enclosure %s has no media type and none is known for its extension", rawURL)
		}
	}
	return feed.Enclosure{URL: rawURL, Length: max(length, 0), Type: typ}, ""
}
