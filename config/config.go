// Package config loads feedpub's YAML configuration: the site, where feeds
// are published and served, the article sources and the feeds drawn from
// them.
//
// Load follows three steps: parse (unknown keys are rejected, ${ENV}
// references expanded), apply defaults, validate. Every error names the file,
// the line and the key it is about.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	// Schedules may name any zone with CRON_TZ=, also on hosts without a
	// zoneinfo database.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/feedpub/feedpub/internal/weburl"
	"github.com/feedpub/feedpub/source"
)

// Defaults applied when a key is absent. The sources' own are their
// packages', so a source read without a configuration behaves the same.
const (
	DefaultOutput    = "public"
	DefaultState     = "data/feedpub.db"
	DefaultItemLink  = "{base_url}/items/{slug}"
	DefaultLimit     = 50
	DefaultGlob      = source.DefaultTextGlob
	DefaultMaxSize   = ByteSize(source.DefaultMaxSize)
	DefaultIDDate    = "2026-01-01"
	DefaultSchedule  = "@every 15m"
	DefaultListen    = "127.0.0.1:8080"
	DefaultHeadlines = source.HeadlinesItems
	DefaultFuture    = FutureHold
)

// Values of Config.Future.
const (
	// FutureHold holds items dated later than the build back until the
	// first build after their date.
	FutureHold = "hold"
	// FuturePublish publishes them at once.
	FuturePublish = "publish"
)

// Config is a loaded, validated configuration. Paths in it are absolute,
// resolved against the folder of the configuration file.
type Config struct {
	// Path is the file the configuration was loaded from.
	Path string `yaml:"-"`

	Title       string `yaml:"title"`
	Link        string `yaml:"link"`
	Description string `yaml:"description"`
	Language    string `yaml:"language"`
	Author      Person `yaml:"author"`
	Icon        string `yaml:"icon"`

	// BaseURL is where the feeds are served; self links and item links
	// are built from it. It always ends with a slash.
	BaseURL string `yaml:"base_url"`
	// IDDate is the date part of every tag: URI id (RFC 4151). It must
	// never change once feeds are published, or every id changes with it.
	IDDate string `yaml:"id_date"`
	// ItemLink is the link template for items that carry no link of
	// their own: {base_url}, {source} and {slug} are replaced.
	ItemLink string `yaml:"item_link"`

	// Output is the folder documents are written to: the one given, or
	// the working copy of an s3:// output, whose URL is in OutputURL.
	Output    string `yaml:"output"`
	OutputURL string `yaml:"-"`
	// State is the ledger: a file path (the embedded store) or a
	// postgres:// URL, which is kept as written.
	State string `yaml:"state"`
	// CacheDir holds local caches that a build rebuilds when they are
	// missing; see TextCacheFile and LedgerBackup.
	CacheDir string `yaml:"cache_dir"`
	// LedgerFile, when set, is a text copy of the ledger meant to be
	// committed beside the articles: builds merge it into the ledger and
	// rewrite it sorted, so a fresh clone publishes the same ids and dates.
	LedgerFile string `yaml:"ledger_file"`

	Schedule string `yaml:"schedule"`
	Listen   string `yaml:"listen"`
	// BuildTimeout bounds one scheduled build.
	BuildTimeout Duration `yaml:"build_timeout"`
	// StalePeriods is how many schedule periods may pass without a
	// successful build before /healthz reports the server stale.
	StalePeriods int `yaml:"stale_periods"`
	// Hubs are WebSub hub URLs: every feed names them, and each build
	// that changes a document tells them so.
	Hubs []string `yaml:"hubs"`
	// Future says what becomes of items whose own date is later than the
	// build: FutureHold (the default) or FuturePublish.
	Future string `yaml:"future"`

	Sources []Source `yaml:"sources"`
	Feeds   []Feed   `yaml:"feeds"`

	// lines maps each key's dotted path to its line, for errors found
	// after loading.
	lines map[string]int
}

// Person names an author.
type Person struct {
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
	URL   string `yaml:"url"`
}

// Source is one configured article source.
type Source struct {
	Name string `yaml:"name"`
	// Type selects the reader: "text" (plain-text article files),
	// "markdown" (Markdown with YAML front matter), "feed" (a remote RSS,
	// Atom or JSON feed) or "json" (JSON Lines or JSON Feed items).
	Type string `yaml:"type"`
	// The keys below apply to the source types their "types" tag names;
	// any other type refuses them.

	// Path is the folder (text, markdown, json) or file (json) to read.
	Path string `yaml:"path" types:"text,markdown,json"`
	// URL is the feed to fetch (type feed): http, https or file.
	URL string `yaml:"url" types:"feed"`
	// Glob selects files by base name (text, markdown).
	Glob string `yaml:"glob" types:"text,markdown"`
	// Headlines is "items" (each trailing headline is an item) or "ignore"
	// (text).
	Headlines string `yaml:"headlines" types:"text"`
	// AllowHTML lets raw HTML in Markdown through, sanitised (markdown).
	AllowHTML bool `yaml:"allow_html" types:"markdown"`
	// MaxSize skips files, or refuses fetched bodies, larger than this.
	MaxSize ByteSize `yaml:"max_size" types:"text,markdown,feed,json"`
	// Timeout bounds one fetch (feed).
	Timeout Duration `yaml:"timeout" types:"feed"`
	// Link overrides the configuration's item_link for this source.
	Link string `yaml:"link" types:"text,markdown,json"`
}

// Source types.
const (
	TypeText     = "text"
	TypeMarkdown = "markdown"
	TypeFeed     = "feed"
	TypeJSON     = "json"
)

// sourceKeys maps each source type to the keys it takes besides name and
// type, in the order Source declares them, from the fields' "types" tags.
var sourceKeys = func() map[string][]string {
	m := map[string][]string{TypeText: nil, TypeMarkdown: nil, TypeFeed: nil, TypeJSON: nil}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Source]()) {
		types, ok := f.Tag.Lookup("types")
		if !ok {
			continue
		}
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		for _, t := range strings.Split(types, ",") {
			m[t] = append(m[t], key)
		}
	}
	return m
}()

// sourceTypedKeys lists every key that applies to some source types only.
var sourceTypedKeys = func() []string {
	var keys []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Source]()) {
		if _, ok := f.Tag.Lookup("types"); ok {
			key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			keys = append(keys, key)
		}
	}
	return keys
}()

// Match selects items by category, author, or a regular expression on the
// title or on the content's text.
type Match struct {
	Categories []string `yaml:"categories"`
	Authors    []string `yaml:"authors"`
	Title      Regexp   `yaml:"title"`
	Content    Regexp   `yaml:"content"`
}

// Feed is one published feed, written as {name}.rss, .atom and .json.
type Feed struct {
	Name        string `yaml:"name"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// Sources names the sources the feed draws from; empty means all.
	Sources []string `yaml:"sources"`
	// Limit is the most items the feed carries, newest first.
	Limit int `yaml:"limit"`
	// Icon is an absolute URL of a square image, for this feed.
	Icon string `yaml:"icon"`
	// Include keeps only items matching all its rules; Exclude drops
	// items matching any of its rules.
	Include Match `yaml:"include"`
	Exclude Match `yaml:"exclude"`
	// PerCategory also publishes one feed per category of the feed's
	// items, at category/{slug}.rss, .atom and .json.
	PerCategory bool `yaml:"per_category"`
	// Archive keeps the items beyond limit in RFC 5005 archive
	// documents, at {name}/archive/{n}.rss, .atom and .json.
	Archive bool `yaml:"archive"`
}

// Error is a configuration error at one place of one file.
type Error struct {
	File string
	Line int
	// Key is the dotted path of the key, such as "feeds[0].limit".
	Key string
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if e.Key != "" {
		b.WriteString(": ")
		b.WriteString(e.Key)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads, expands, defaults and validates the configuration at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(abs, data, os.LookupEnv)
}

// Parse is Load for configuration bytes already read; file names them in
// errors and anchors relative paths, and lookupEnv resolves ${VAR}
// references.
func Parse(file string, data []byte, lookupEnv func(string) (string, bool)) (*Config, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Err: errors.New("the file is empty")}
		}
		return nil, &Error{File: file, Line: yamlErrorLine(err), Err: fmt.Errorf("invalid YAML: %s", trimYAMLError(err))}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, &Error{File: file, Line: root.Line, Err: errors.New("the top level must be a mapping of keys to values")}
	}
	w := walker{file: file, lookupEnv: lookupEnv, lines: map[string]int{}}
	w.check(root, reflect.TypeFor[Config](), "")
	if len(w.errs) > 0 {
		return nil, errors.Join(w.errs...)
	}
	var c Config
	if err := root.Decode(&c); err != nil {
		return nil, &Error{File: file, Line: yamlErrorLine(err), Err: errors.New(trimYAMLError(err))}
	}
	c.Path = file
	c.lines = w.lines
	v := validator{file: file, lines: w.lines}
	c.applyDefaults(v)
	c.validate(&v)
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	return &c, nil
}

// walker checks a YAML tree against the Config type before decoding:
// unknown keys, and ${ENV} references in scalar values, which it expands in
// place. It records each key's line for later validation errors.
type walker struct {
	file      string
	lookupEnv func(string) (string, bool)
	lines     map[string]int
	errs      []error
}

func (w *walker) fail(line int, key string, format string, args ...any) {
	w.errs = append(w.errs, &Error{File: w.file, Line: line, Key: key, Err: fmt.Errorf(format, args...)})
}

func (w *walker) check(n *yaml.Node, t reflect.Type, key string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch {
	case n.Kind == yaml.ScalarNode:
		w.expand(n, key)
		// Types with their own syntax are checked here, where the
		// line is known.
		if u, ok := reflect.New(t).Interface().(yaml.Unmarshaler); ok {
			if err := u.UnmarshalYAML(n); err != nil {
				w.fail(n.Line, key, "%v", err)
			}
		}
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fields := map[string]reflect.StructField{}
		var names []string
		for _, f := range reflect.VisibleFields(t) {
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name != "" && name != "-" {
				fields[name] = f
				names = append(names, name)
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			path := join(key, k.Value)
			f, ok := fields[k.Value]
			if !ok {
				w.fail(k.Line, path, "unknown key (known keys here: %s)", strings.Join(names, ", "))
				continue
			}
			if _, dup := w.lines[path]; dup {
				w.fail(k.Line, path, "key given twice (first on line %d)", w.lines[path])
				continue
			}
			w.lines[path] = k.Line
			w.check(v, f.Type, path)
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, v := range n.Content {
			path := fmt.Sprintf("%s[%d]", key, i)
			w.lines[path] = v.Line
			w.check(v, t.Elem(), path)
		}
	}
	// Kind mismatches are left to the decoder, which names the line.
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expand replaces ${VAR} and ${VAR:-default} in a scalar. A lone "$" is
// kept as it is, so prices and regular expressions survive.
func (w *walker) expand(n *yaml.Node, key string) {
	if !strings.Contains(n.Value, "${") {
		return
	}
	n.Value = envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
		m := envRef.FindStringSubmatch(ref)
		if v, ok := w.lookupEnv(m[1]); ok && v != "" {
			return v
		}
		if m[2] != "" {
			return m[3]
		}
		w.fail(n.Line, key, "environment variable %s is not set (write ${%s:-default} to give a default)", m[1], m[1])
		return ""
	})
}

func join(key, name string) string {
	if key == "" {
		return name
	}
	return key + "." + name
}

// validator collects errors that name the line of the key they are about.
type validator struct {
	file  string
	lines map[string]int
	errs  []error
}

func (v *validator) has(key string) bool { _, ok := v.lines[key]; return ok }

func (v *validator) fail(key string, format string, args ...any) {
	line := v.lines[key]
	// A missing key is reported at its parent's line.
	for parent := key; line == 0 && parent != ""; {
		if i := strings.LastIndexAny(parent, ".["); i >= 0 {
			parent = parent[:i]
		} else {
			parent = ""
		}
		line = v.lines[parent]
	}
	v.errs = append(v.errs, &Error{File: v.file, Line: line, Key: key, Err: fmt.Errorf(format, args...)})
}

func (c *Config) applyDefaults(v validator) {
	dir := filepath.Dir(c.Path)
	if c.Output == "" {
		c.Output = DefaultOutput
	}
	if c.State == "" {
		c.State = DefaultState
	}
	c.applyStateDefaults(dir)
	c.applyOutputDefaults(dir)
	if c.LedgerFile != "" {
		c.LedgerFile = resolve(dir, c.LedgerFile)
	}
	if c.IDDate == "" {
		c.IDDate = DefaultIDDate
	}
	if c.ItemLink == "" {
		c.ItemLink = DefaultItemLink
	}
	if c.Schedule == "" {
		c.Schedule = DefaultSchedule
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.BuildTimeout == 0 {
		c.BuildTimeout = Duration(5 * time.Minute)
	}
	if c.StalePeriods == 0 {
		c.StalePeriods = 3
	}
	if c.Future == "" {
		c.Future = DefaultFuture
	}
	if c.BaseURL != "" && !strings.HasSuffix(c.BaseURL, "/") {
		c.BaseURL += "/"
	}
	for i := range c.Sources {
		s := &c.Sources[i]
		if s.Type == "" {
			s.Type = TypeText
		}
		switch s.Type {
		case TypeText:
			if s.Glob == "" {
				s.Glob = DefaultGlob
			}
			if s.Headlines == "" {
				s.Headlines = DefaultHeadlines
			}
		case TypeMarkdown:
			if s.Glob == "" {
				s.Glob = source.DefaultMarkdownGlob
			}
		case TypeFeed:
			if s.Timeout == 0 {
				s.Timeout = Duration(source.DefaultRemoteTimeout)
			}
			if s.MaxSize == 0 {
				s.MaxSize = ByteSize(source.DefaultRemoteMaxBody)
			}
		case TypeJSON:
			if s.MaxSize == 0 {
				s.MaxSize = ByteSize(source.DefaultJSONMaxSize)
			}
		}
		if s.MaxSize == 0 {
			s.MaxSize = DefaultMaxSize
		}
		if s.Path != "" {
			s.Path = resolve(dir, s.Path)
		}
	}
	for i := range c.Feeds {
		f := &c.Feeds[i]
		if !v.has(fmt.Sprintf("feeds[%d].limit", i)) {
			f.Limit = DefaultLimit
		}
		if len(f.Sources) == 0 {
			for _, s := range c.Sources {
				f.Sources = append(f.Sources, s.Name)
			}
		}
	}
}

func resolve(dir, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dir, p)
}

// namePattern keeps source and feed names safe in file names, URLs and ids.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

var datePattern = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

func (c *Config) validate(v *validator) {
	c.validateOutput(v)
	if strings.TrimSpace(c.Title) == "" {
		v.fail("title", "required: the site's name, shown by feed readers")
	}
	if err := checkURL(c.Link); err != nil {
		v.fail("link", "the site's home page: %v", err)
	}
	if err := checkURL(c.BaseURL); err != nil {
		v.fail("base_url", "where the feeds are served: %v", err)
	}
	if c.Icon != "" {
		if err := checkURL(c.Icon); err != nil {
			v.fail("icon", "%v", err)
		}
	}
	if !datePattern.MatchString(c.IDDate) {
		v.fail("id_date", "%q is not a date such as 2026-01-01 (RFC 4151 tag date)", c.IDDate)
	} else if _, err := time.Parse("2006-01-02"[:len(c.IDDate)], c.IDDate); err != nil {
		v.fail("id_date", "%q is not a valid date", c.IDDate)
	}
	if !strings.Contains(c.ItemLink, "{slug}") {
		v.fail("item_link", "%q must contain {slug}, or every item would share one link", c.ItemLink)
	}
	c.validateState(v)
	if _, err := ParseSchedule(c.Schedule); err != nil {
		v.fail("schedule", "%q: %v (use cron fields such as \"*/15 * * * *\", or @every 15m, @hourly)", c.Schedule, err)
	}
	for i, hub := range c.Hubs {
		if err := checkURL(hub); err != nil {
			v.fail(fmt.Sprintf("hubs[%d]", i), "%v", err)
		}
	}
	if c.LedgerFile != "" && (c.LedgerFile == c.State || c.LedgerFile == c.State+".jsonl") {
		v.fail("ledger_file", "must not be the ledger (state) or its backup export (%s.jsonl)", filepath.Base(c.State))
	}
	if c.StalePeriods < 0 {
		v.fail("stale_periods", "must be 1 or more")
	}
	if c.Future != FutureHold && c.Future != FuturePublish {
		v.fail("future", "%q: use hold or publish", c.Future)
	}
	if len(c.Sources) == 0 {
		v.fail("sources", "at least one source is required")
	}
	sources := map[string]bool{}
	for i, s := range c.Sources {
		key := fmt.Sprintf("sources[%d]", i)
		switch {
		case s.Name == "":
			v.fail(key+".name", "required")
		case !namePattern.MatchString(s.Name):
			v.fail(key+".name", "%q: use lower-case letters, digits, - and _", s.Name)
		case sources[s.Name]:
			v.fail(key+".name", "%q names two sources", s.Name)
		}
		sources[s.Name] = true
		allowed, ok := sourceKeys[s.Type]
		if !ok {
			v.fail(key+".type", "%q is not a source type (known: text, markdown, feed, json)", s.Type)
			continue
		}
		for _, k := range sourceTypedKeys {
			if v.has(key+"."+k) && !slices.Contains(allowed, k) {
				v.fail(key+"."+k, "does not apply to sources of type %s (its keys: %s)", s.Type, strings.Join(allowed, ", "))
			}
		}
		switch s.Type {
		case TypeFeed:
			if s.URL == "" {
				v.fail(key+".url", "required: the http(s):// or file:// address of the feed to fetch")
			} else if _, err := weburl.ParseFetch(s.URL); err != nil {
				v.fail(key+".url", "the http(s):// or file:// address of the feed to fetch: %v", err)
			}
		case TypeJSON:
			if s.Path == "" {
				v.fail(key+".path", "required: a JSON Lines or JSON Feed file, or a folder of them")
			}
		default:
			if s.Path == "" {
				v.fail(key+".path", "required: the folder of article files")
			}
		}
		if s.Type == TypeText && s.Headlines != "items" && s.Headlines != "ignore" {
			v.fail(key+".headlines", "%q: use items or ignore", s.Headlines)
		}
		if _, err := filepath.Match(s.Glob, "x"); err != nil {
			v.fail(key+".glob", "%q: %v", s.Glob, err)
		}
		if s.MaxSize < 0 {
			v.fail(key+".max_size", "must be positive")
		}
		if s.Link != "" && !strings.Contains(s.Link, "{slug}") {
			v.fail(key+".link", "%q must contain {slug}", s.Link)
		}
	}
	if len(c.Feeds) == 0 {
		v.fail("feeds", "at least one feed is required")
	}
	feeds := map[string]bool{}
	perCategory := ""
	for i, f := range c.Feeds {
		key := fmt.Sprintf("feeds[%d]", i)
		switch {
		case f.Name == "":
			v.fail(key+".name", "required: the feed's file name, as in {name}.rss")
		case !namePattern.MatchString(f.Name):
			v.fail(key+".name", "%q: use lower-case letters, digits, - and _", f.Name)
		case feeds[f.Name]:
			v.fail(key+".name", "%q names two feeds", f.Name)
		}
		feeds[f.Name] = true
		if f.Limit < 1 {
			v.fail(key+".limit", "must be 1 or more")
		}
		if f.Icon != "" {
			if err := checkURL(f.Icon); err != nil {
				v.fail(key+".icon", "%v", err)
			}
		}
		if f.PerCategory {
			if perCategory != "" {
				v.fail(key+".per_category", "only one feed can publish per-category feeds (%s does): they share the category/ paths", perCategory)
			}
			perCategory = f.Name
		}
		for j, s := range f.Sources {
			if !sources[s] {
				v.fail(fmt.Sprintf("%s.sources[%d]", key, j), "no source is named %q", s)
			}
		}
	}
}

// CheckPaths reports source folders that do not exist or are not folders,
// naming the line of each. Load does not check them, so that a
// configuration can be validated on another machine.
func (c *Config) CheckPaths() error {
	v := validator{file: c.Path, lines: c.lines}
	for i, s := range c.Sources {
		if s.Type == TypeFeed {
			continue
		}
		fi, err := os.Stat(s.Path)
		switch {
		case err != nil:
			v.fail(fmt.Sprintf("sources[%d].path", i), "source %s: %v", s.Name, err)
		case !fi.IsDir() && s.Type != TypeJSON:
			v.fail(fmt.Sprintf("sources[%d].path", i), "source %s: %s is not a folder", s.Name, s.Path)
		}
	}
	return errors.Join(v.errs...)
}

// checkURL checks a URL the feeds or the server's headers carry as it is
// written: by the rule the validator applies to them.
func checkURL(s string) error {
	if s == "" {
		return errors.New("required")
	}
	_, err := weburl.ParseHTTP(s)
	return err
}

// scheduleParser reads five-field cron expressions, an optional leading
// seconds field, descriptors such as @hourly and @every 15m, and CRON_TZ=.
var scheduleParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule parses a schedule as the schedule key takes it.
func ParseSchedule(spec string) (cron.Schedule, error) {
	return scheduleParser.Parse(spec)
}

// Host is the site's host name, the authority of every tag: URI id.
func (c *Config) Host() string {
	u, err := url.Parse(c.Link)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// TagPrefix is the start of every id feedpub mints: "tag:host,date:".
func (c *Config) TagPrefix() string {
	return "tag:" + c.Host() + "," + c.IDDate + ":"
}

// FeedURL is the absolute URL feed name is served at in format ext.
func (c *Config) FeedURL(name, ext string) string {
	return c.BaseURL + name + "." + ext
}

// PagePrefix is the start of the item links feedpub serves pages at:
// those its default item_link makes.
func (c *Config) PagePrefix() string { return c.BaseURL + "items/" }

// MakesPages reports whether feedpub publishes a page for the items of
// source s whose link it makes up: s reads local files and links its items
// with the default item_link, spelt with or without a final "/". The page
// is served at the link, whichever the spelling.
func (c *Config) MakesPages(s Source) bool {
	return s.Type != TypeFeed && s.Link == "" &&
		(c.ItemLink == DefaultItemLink || c.ItemLink == DefaultItemLink+"/")
}

// LinkTemplate is the item link template for source s, with {base_url}
// expanded and without the slash {base_url} would double.
func (c *Config) LinkTemplate(s Source) string {
	t := c.ItemLink
	if s.Link != "" {
		t = s.Link
	}
	t = strings.ReplaceAll(t, "{base_url}/", c.BaseURL)
	return strings.ReplaceAll(t, "{base_url}", strings.TrimSuffix(c.BaseURL, "/"))
}

var lineInError = regexp.MustCompile(`line (\d+)`)

func yamlErrorLine(err error) int {
	if m := lineInError.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func trimYAMLError(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.TrimPrefix(s, "unmarshal errors:\n  ")
	return strings.ReplaceAll(s, "\n  ", "; ")
}
