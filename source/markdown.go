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

var (
	_ Source          = (*Markdown)(nil)
	_ feed.UniqueScan = (*markdownScan)(nil)
)

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
		return nil, err
	}
	files, err := scanTree(ctx, m.Root, m.SourceName, globMatch(m.glob()), m.logger())
	if err != nil {
		return nil, err
	}
	return &markdownScan{m: m, files: files, start: start}, nil
}

// markdownScan is a Markdown source's Scan: the files it lists, stated.
// Its items are always whole.
type markdownScan struct {
	wholeItems
	m     *Markdown
	files []*batch
	start time.Time
}

// Fingerprint implements feed.Scan.
func (s *markdownScan) Fingerprint() string {
	return fingerprintOf(settingsOf("markdown", s.m), s.files)
}

// UniqueIDs implements feed.UniqueScan: a file whose id another file
// used first, as feed.NormalizeID writes ids, is skipped.
func (s *markdownScan) UniqueIDs() bool { return true }

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
			return err
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
		key := feed.NormalizeID(item.ID)
		if prev, dup := ids.Get(key); dup {
			skip(rel, fmt.Errorf("id %s already used by %s", item.ID, prev))
			continue
		}
		ids.Put(key, rel)
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
	r, ok := renderMarkdownWithin([]byte(body), m.AllowHTML, fm.title == "", markdownBudget)
	if !ok {
		warns = append(warns, lineWarning{reason: fmt.Sprintf(
			"the Markdown took longer than %v to render; the body is published as plain text", markdownBudget)})
	}
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
