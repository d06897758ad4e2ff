package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/keyset"
)

// DefaultJSONMaxSize bounds the size of one file of a JSONItems source
// when its MaxSize is zero.
const DefaultJSONMaxSize int64 = 16 << 20

// jsonFeedVersion starts the version of every JSON Feed 1.x document.
const jsonFeedVersion = "https://jsonfeed.org/version/1"

// JSONItems reads items written as JSON: JSON Lines files (".jsonl", one
// item object per line) and JSON files (".json") holding either a JSON
// Feed 1.0 or 1.1 document or an array of item objects.
//
// Item objects use JSON Feed's item vocabulary, plus the aliases link
// (url), date (date_published), updated (date_modified) and categories
// (tags). A field feedpub does not know skips the item, so that a typo
// never publishes silently wrong; fields starting with "_" are extensions
// and are ignored.
//
// IDs come from the items' own ids, so they survive copies, checkouts and
// moving items between files.
type JSONItems struct {
	// SourceName names the source in IDs, links and logs.
	SourceName string
	// Path is a .json or .jsonl file, or a folder whose .json and .jsonl
	// files are read, recursively and in name order. Names starting with
	// "." are never read, and folders starting with "." are not entered.
	Path string
	// MaxSize bounds a file's size in bytes; larger files are skipped. Zero
	// or less means DefaultJSONMaxSize.
	MaxSize int64
	// IDPrefix starts the ID of every item whose id is not an absolute URI:
	// a tag URI authority and date ending in ':', such as
	// "tag:news.example.com,2026-01-01:".
	IDPrefix string
	// LinkTemplate makes an item's link when it has no url: "{slug}" is
	// replaced by the slugified id and "{source}" by the path-escaped
	// SourceName. Empty leaves such links to external_url, if any.
	LinkTemplate string
	// Logger receives a warning for every file or item skipped or
	// published with a problem; nil discards them.
	Logger *slog.Logger

	counts fileCounts
}

var _ Source = (*JSONItems)(nil)

// Name returns SourceName.
func (j *JSONItems) Name() string { return j.SourceName }

// Stats reports how many files the last Fetch published items from (read)
// and how many yielded none because of a problem (skipped). A file some of
// whose items were skipped counts as read.
func (j *JSONItems) Stats() (read, skipped int) { return j.counts.get() }

// Fetch reads Path and returns its items: file by file in name order, and
// in file order within a file.
//
// Fetch fails only when Path cannot be read, when the configuration is
// invalid, or when ctx ends. A problem with one file or one item is logged
// as a warning naming the file and the line, and the rest still publishes.
// An id used twice publishes once, from the first file and line using it.
func (j *JSONItems) Fetch(ctx context.Context) ([]feed.Item, error) {
	start := time.Now()
	j.counts.set(0, 0)
	if j.Path == "" {
		return nil, fmt.Errorf("source %s: no file or folder configured", j.SourceName)
	}
	log := j.logger()
	var (
		items         []feed.Item
		ids           = keyset.NewMap[string]()
		read, skipped int
		itemsSkipped  int
	)
	visit := func(p, rel string) {
		data, err := readLimited(p, j.maxSize())
		if errors.Is(err, errNotFile) {
			log.Debug("symbolic link to folder not followed", "source", j.SourceName, "file", rel)
			return
		}
		if err != nil {
			skipped++
			logFileProblem(log, "file skipped", j.SourceName, rel, "field", problemAt(err))
			return
		}
		parsed, skips, err := j.parseFile(rel, data)
		for _, w := range skips {
			logFileProblem(log, "item skipped", j.SourceName, rel, "field", w)
		}
		itemsSkipped += len(skips)
		if err != nil {
			skipped++
			logFileProblem(log, "file skipped", j.SourceName, rel, "field", problemAt(err))
			return
		}
		n := 0
		for _, pi := range parsed {
			for _, w := range pi.warns {
				logFileProblem(log, "item warning", j.SourceName, rel, "field", w)
			}
			where := fmt.Sprintf("%s:%d", rel, pi.line)
			if prev, dup := ids.Get(pi.item.ID); dup {
				itemsSkipped++
				logFileProblem(log, "item skipped", j.SourceName, rel, "field",
					lineWarning{line: pi.line, key: "id", reason: fmt.Sprintf("id %s already used at %s", pi.item.ID, prev)})
				continue
			}
			ids.Put(pi.item.ID, where)
			pi.item.Ref = where // names the file and line in the build's logs
			items = append(items, pi.item)
			n++
		}
		if n == 0 {
			skipped++
			if len(parsed) == 0 && len(skips) == 0 {
				logFileProblem(log, "file skipped", j.SourceName, rel, "field", lineWarning{reason: "no items"})
			}
			return
		}
		read++
	}
	info, err := os.Stat(j.Path)
	switch {
	case err != nil:
		err = fmt.Errorf("read %s: %w", j.Path, pathCause(err))
	case info.IsDir():
		err = walkFiles(ctx, j.Path, log, j.SourceName, jsonFileName, visit)
	case !jsonFileName(filepath.Base(j.Path)):
		err = fmt.Errorf("read %s: want a .json or .jsonl file", j.Path)
	default:
		if err = ctx.Err(); err == nil {
			visit(j.Path, filepath.Base(j.Path))
		}
	}
	j.counts.set(read, skipped)
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", j.SourceName, err)
	}
	log.Info("source read", "source", j.SourceName, "files", read, "skipped", skipped,
		"items", len(items), "items_skipped", itemsSkipped, "took", time.Since(start))
	return items, nil
}

// jsonFileName reports whether a base name is one a JSONItems folder
// reads.
func jsonFileName(name string) bool {
	ext := path.Ext(name)
	return (ext == ".json" || ext == ".jsonl") && len(name) > len(ext)
}

// maxSize returns MaxSize or its default.
func (j *JSONItems) maxSize() int64 { return sizeLimit(j.MaxSize, DefaultJSONMaxSize) }

// logger returns Logger, or one that discards everything.
func (j *JSONItems) logger() *slog.Logger { return orDiscard(j.Logger) }

// parsedItem is one item of a file, the line its object starts on, and
// the problems it publishes with.
type parsedItem struct {
	item  feed.Item
	line  int
	warns []lineWarning
}

// parseFile reads the items of one file, JSON Lines or JSON by the
// extension of rel. skips lists the items (or lines) skipped, each with its
// line and reason; a non-nil error, usually a *lineError, says the whole
// file publishes nothing.
func (j *JSONItems) parseFile(rel string, data []byte) (items []parsedItem, skips []lineWarning, err error) {
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, nil, errors.New("contains NUL bytes (binary or UTF-16?)")
	}
	data = bytes.TrimPrefix(data, utf8BOM)
	var objs []jsonObject
	if path.Ext(rel) == ".jsonl" {
		objs, skips = splitJSONLines(data)
	} else {
		objs, skips, err = splitJSONDocument(data)
		if err != nil {
			return nil, skips, err
		}
	}
	for _, o := range objs {
		it, warns, err := j.decodeItem(o.fields)
		if err != nil {
			w := problemAt(err)
			w.line = o.line
			skips = append(skips, w)
			continue
		}
		items = append(items, parsedItem{item: it, line: o.line, warns: atLine(warns, o.line)})
	}
	slices.SortStableFunc(skips, func(a, b lineWarning) int { return a.line - b.line })
	return items, skips, nil
}

// atLine gives every warning the line of its item.
func atLine(warns []lineWarning, line int) []lineWarning {
	for i := range warns {
		warns[i].line = line
	}
	return warns
}

// jsonObject is one item object of a file: its fields in order, and the
// line it starts on.
type jsonObject struct {
	line   int
	fields []jsonField
}

// jsonField is one member of a JSON object, its value still encoded.
type jsonField struct {
	name  string
	value json.RawMessage
}

// splitJSONLines reads JSON Lines: one object per non-blank line. A line
// that is not a JSON object is reported and skipped.
func splitJSONLines(data []byte) ([]jsonObject, []lineWarning) {
	var (
		objs  []jsonObject
		skips []lineWarning
	)
	line := 0
	for len(data) > 0 {
		line++
		var l []byte
		l, data, _ = bytes.Cut(data, []byte("\n"))
		l = bytes.TrimSpace(l)
		if len(l) == 0 {
			continue
		}
		var v any
		if err := json.Unmarshal(l, &v); err != nil {
			skips = append(skips, lineWarning{line: line, reason: "malformed JSON: " + jsonErrorText(err)})
			continue
		}
		fields, err := objectFields(l)
		if err != nil {
			skips = append(skips, lineWarning{line: line, reason: err.Error()})
			continue
		}
		objs = append(objs, jsonObject{line: line, fields: fields})
	}
	return objs, skips
}

// splitJSONDocument reads a JSON Feed document or an array of item
// objects. Array entries that are not objects are reported and skipped;
// malformed JSON, or any other kind of document, fails the file.
func splitJSONDocument(data []byte) ([]jsonObject, []lineWarning, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	fail := func(err error) error {
		off := dec.InputOffset()
		if se, ok := errors.AsType[*json.SyntaxError](err); ok {
			off = se.Offset
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			off = int64(len(data))
			err = errors.New("unexpected end of file")
		}
		return &lineError{line: lineAt(data, off), err: fmt.Errorf("malformed JSON: %s", jsonErrorText(err))}
	}
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, nil, errors.New("empty file")
	}
	if err != nil {
		return nil, nil, fail(err)
	}
	var (
		objs    []jsonObject
		skips   []lineWarning
		version any
		isFeed  bool
	)
	switch tok {
	case json.Delim('['):
		if objs, skips, err = readItemArray(dec, data); err != nil {
			return nil, nil, fail(err)
		}
	case json.Delim('{'):
		isFeed = true
		seenItems := false
		for dec.More() {
			keyOff := valueStart(data, dec.InputOffset())
			tok, err := dec.Token()
			if err != nil {
				return nil, nil, fail(err)
			}
			key, _ := tok.(string)
			switch key {
			case "items":
				if seenItems {
					return nil, nil, &lineError{line: lineAt(data, keyOff), err: errors.New(`"items" given twice`)}
				}
				seenItems = true
				start := valueStart(data, dec.InputOffset())
				if tok, err = dec.Token(); err != nil {
					return nil, nil, fail(err)
				}
				if tok != json.Delim('[') {
					return nil, nil, &lineError{line: lineAt(data, start), err: errors.New(`"items" is not an array`)}
				}
				if objs, skips, err = readItemArray(dec, data); err != nil {
					return nil, nil, fail(err)
				}
			case "version":
				if err := dec.Decode(&version); err != nil {
					return nil, nil, fail(err)
				}
			default:
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return nil, nil, fail(err)
				}
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, nil, fail(err)
		}
	default:
		return nil, nil, &lineError{line: lineAt(data, valueStart(data, 0)),
			err: errors.New("not a JSON Feed document or an array of items")}
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("more data after the document")
		}
		return nil, nil, fail(err)
	}
	if v, _ := version.(string); isFeed && !strings.HasPrefix(v, jsonFeedVersion) {
		return nil, nil, &lineError{line: lineAt(data, valueStart(data, 0)),
			err: fmt.Errorf("object is not a JSON Feed 1.x document (version %q)", v)}
	}
	return objs, skips, nil
}

// readItemArray reads the entries of an array whose '[' dec has just
// read, up to and including its ']'.
func readItemArray(dec *json.Decoder, data []byte) ([]jsonObject, []lineWarning, error) {
	var (
		objs  []jsonObject
		skips []lineWarning
	)
	for dec.More() {
		line := lineAt(data, valueStart(data, dec.InputOffset()))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, err
		}
		fields, err := objectFields(raw)
		if err != nil {
			skips = append(skips, lineWarning{line: line, reason: err.Error()})
			continue
		}
		objs = append(objs, jsonObject{line: line, fields: fields})
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	return objs, skips, nil
}

// valueStart returns the offset of the first byte at or after off that is
// neither white space nor a separator: where the next token starts.
func valueStart(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

// lineAt returns the 1-based line of data that byte offset off is on.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// jsonErrorText is the message of a JSON error without the package's
// prefix.
func jsonErrorText(err error) string {
	return strings.TrimPrefix(err.Error(), "json: ")
}

// objectFields splits a well-formed JSON value that must be an object into
// its members, in order.
func objectFields(raw []byte) ([]jsonField, error) {
	if k := jsonKind(raw); k != "an object" {
		return nil, fmt.Errorf("item is %s, not an object", k)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var fields []jsonField
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		fields = append(fields, jsonField{name: name, value: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	return fields, nil
}

// jsonKind names the kind of a well-formed JSON value, with its article.
func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// jsonItemFields maps each field name an item object may use, aliases
// included, to its JSON Feed name.
var jsonItemFields = map[string]string{
	"id": "id", "url": "url", "link": "url", "external_url": "external_url",
	"title": "title", "summary": "summary", "content_html": "content_html", "content_text": "content_text",
	"date_published": "date_published", "date": "date_published",
	"date_modified": "date_modified", "updated": "date_modified",
	"authors": "authors", "author": "author", "tags": "tags", "categories": "tags",
	"attachments": "attachments", "image": "image", "banner_image": "banner_image",
	"language": "language",
}

// fieldError says which field made an item unusable.
func fieldError(field, format string, args ...any) error {
	return &lineError{key: field, err: fmt.Errorf(format, args...)}
}

// decodeItem makes an item of an object's fields. A non-nil error, a
// *lineError naming the field when one is to blame, says why the item
// is skipped; warnings name problems it publishes with.
func (j *JSONItems) decodeItem(fields []jsonField) (feed.Item, []lineWarning, error) {
	byName := map[string]jsonField{}
	for _, f := range fields {
		if strings.HasPrefix(f.name, "_") {
			continue
		}
		name, ok := jsonItemFields[f.name]
		if !ok {
			return feed.Item{}, nil, fieldError(f.name, "unknown field %q", f.name)
		}
		if prev, dup := byName[name]; dup {
			return feed.Item{}, nil, fieldError(f.name, "field %q given twice (also as %q)", f.name, prev.name)
		}
		byName[name] = f
	}
	var (
		warns []lineWarning
		err   error
	)
	str := func(name string) string {
		f, ok := byName[name]
		if !ok || err != nil {
			return ""
		}
		var s string
		if s, err = jsonString(f); err != nil {
			return ""
		}
		return s
	}
	text := func(name string) string { return feed.CollapseSpace(feed.CleanText(str(name))) }
	httpField := func(name string) string {
		s := strings.TrimSpace(feed.CleanText(str(name)))
		if s != "" && !httpURL(s) {
			warns = append(warns, lineWarning{key: byName[name].name, reason: fmt.Sprintf("%q is not an absolute http(s) URL; ignored", s)})
			return ""
		}
		return s
	}
	date := func(name string) time.Time {
		s := text(name)
		if s == "" {
			return time.Time{}
		}
		t, derr := ParseDate(s)
		if derr != nil {
			warns = append(warns, lineWarning{key: byName[name].name, reason: derr.Error()})
		}
		return t
	}

	rawID, err := jsonID(byName["id"])
	if err != nil {
		return feed.Item{}, nil, err
	}
	it := feed.Item{
		Title:     text("title"),
		Summary:   text("summary"),
		Published: date("date_published"),
		Updated:   date("date_modified"),
		Source:    j.SourceName,
	}
	link := httpField("url")
	external := httpField("external_url")
	image := httpField("image")
	// Type-checked, but an item has nowhere to keep them.
	_ = str("banner_image")
	_ = str("language")
	contentHTML := str("content_html")
	contentText := str("content_text")
	if err != nil {
		return feed.Item{}, nil, err
	}
	if it.Authors, err = jsonAuthors(byName); err != nil {
		return feed.Item{}, nil, err
	}
	if f, ok := byName["tags"]; ok {
		if it.Categories, err = jsonStrings(f); err != nil {
			return feed.Item{}, nil, err
		}
	}
	encs, ew, err := jsonAttachments(byName["attachments"])
	if err != nil {
		return feed.Item{}, nil, err
	}
	warns = append(warns, ew...)

	if rawID == "" {
		return feed.Item{}, nil, fieldError("id", "no id")
	}
	it.ID = ownItemID(j.IDPrefix, j.SourceName, rawID)
	if link == "" {
		link = fillLink(j.LinkTemplate, j.SourceName, slugify(rawID))
	}
	if link == "" {
		link = external
	}
	it.Link = link
	switch {
	case strings.TrimSpace(contentHTML) != "":
		it.ContentHTML = sanitizeContent(contentHTML, baseURL(link))
	case strings.TrimSpace(contentText) != "":
		it.ContentHTML = feed.ParagraphsHTML(strings.Split(feed.CleanText(contentText), "\n"))
	}
	if image != "" && !slices.ContainsFunc(encs, func(e feed.Enclosure) bool { return e.URL == image }) {
		if e, problem := makeEnclosure(image, 0, ""); problem == "" {
			encs = append(encs, e)
		} else {
			warns = append(warns, lineWarning{key: byName["image"].name, reason: problem + "; image not attached"})
		}
	}
	it.Enclosures = encs
	if it.Title == "" {
		lead := it.Summary
		if lead == "" {
			lead = feed.LeadText(it.ContentHTML)
		}
		if it.Title = feed.DeriveTitle(lead); it.Title == "" {
			it.Title = feed.Truncate(feed.CollapseSpace(lead), feed.TitleMax)
		}
	}
	if it.Title == "" {
		return feed.Item{}, nil, errors.New("no title and no text to derive one from")
	}
	return it, warns, nil
}

// jsonID reads an item's id, a string or, as JSON Feed readers must
// accept, a number.
func jsonID(f jsonField) (string, error) {
	if f.value == nil {
		return "", nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(f.value))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", fieldError(f.name, "field %q: %s", f.name, jsonErrorText(err))
	}
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return strings.TrimSpace(feed.CleanText(v)), nil
	case json.Number:
		return v.String(), nil
	}
	return "", fieldError(f.name, "field %q is %s, want a string", f.name, jsonKind(f.value))
}

// jsonString reads a string field; null reads as "".
func jsonString(f jsonField) (string, error) {
	if k := jsonKind(f.value); k != "a string" && k != "null" {
		return "", fieldError(f.name, "field %q is %s, want a string", f.name, k)
	}
	var s string
	if err := json.Unmarshal(f.value, &s); err != nil {
		return "", fieldError(f.name, "field %q: %s", f.name, jsonErrorText(err))
	}
	return s, nil
}

// jsonStrings reads an array of strings, dropping empty ones; null reads
// as none.
func jsonStrings(f jsonField) ([]string, error) {
	elems, err := jsonArray(f)
	if err != nil {
		return nil, err
	}
	var out []string
	for i, e := range elems {
		s, err := jsonString(jsonField{name: fmt.Sprintf("%s[%d]", f.name, i), value: e})
		if err != nil {
			return nil, err
		}
		if s = feed.CollapseSpace(feed.CleanText(s)); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// jsonArray reads an array field; null reads as none.
func jsonArray(f jsonField) ([]json.RawMessage, error) {
	switch jsonKind(f.value) {
	case "null", "nothing":
		return nil, nil
	case "an array":
	default:
		return nil, fieldError(f.name, "field %q is %s, want an array", f.name, jsonKind(f.value))
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(f.value, &elems); err != nil {
		return nil, fieldError(f.name, "field %q: %s", f.name, jsonErrorText(err))
	}
	return elems, nil
}

// jsonObjectField reads a field that must hold an object (or null, which
// reads as no fields). Members named in known are returned by name;
// members starting with "_" are ignored; any other member is an error.
func jsonObjectField(f jsonField, known ...string) (map[string]jsonField, error) {
	switch jsonKind(f.value) {
	case "null", "nothing":
		return nil, nil
	case "an object":
	default:
		return nil, fieldError(f.name, "field %q is %s, want an object", f.name, jsonKind(f.value))
	}
	members, err := objectFields(f.value)
	if err != nil {
		return nil, fieldError(f.name, "field %q: %s", f.name, err)
	}
	out := map[string]jsonField{}
	for _, m := range members {
		name := f.name + "." + m.name
		switch {
		case strings.HasPrefix(m.name, "_"):
			continue
		case !slices.Contains(known, m.name):
			return nil, fieldError(name, "unknown field %q", name)
		case out[m.name].value != nil:
			return nil, fieldError(name, "field %q given twice", name)
		}
		out[m.name] = jsonField{name: name, value: m.value}
	}
	return out, nil
}

// jsonAuthors reads "authors" (JSON Feed 1.1), or else "author" (1.0).
func jsonAuthors(byName map[string]jsonField) ([]feed.Person, error) {
	var objs []jsonField
	if f, ok := byName["authors"]; ok {
		elems, err := jsonArray(f)
		if err != nil {
			return nil, err
		}
		for i, e := range elems {
			objs = append(objs, jsonField{name: fmt.Sprintf("%s[%d]", f.name, i), value: e})
		}
	} else if f, ok := byName["author"]; ok {
		objs = append(objs, f)
	}
	var people []feed.Person
	for _, o := range objs {
		m, err := jsonObjectField(o, "name", "url", "avatar", "email")
		if err != nil {
			return nil, err
		}
		var p feed.Person
		for _, part := range []struct {
			name string
			to   *string
		}{{"name", &p.Name}, {"url", &p.URL}, {"email", &p.Email}, {"avatar", nil}} {
			f, ok := m[part.name]
			if !ok {
				continue
			}
			s, err := jsonString(f)
			if err != nil {
				return nil, err
			}
			if part.to != nil {
				*part.to = feed.CollapseSpace(feed.CleanText(s))
			}
		}
		if p = usablePerson(p); !p.IsZero() {
			people = append(people, p)
		}
	}
	return people, nil
}

// jsonAttachments reads "attachments" into enclosures. An attachment
// without a usable URL or media type is left out with a warning.
func jsonAttachments(f jsonField) ([]feed.Enclosure, []lineWarning, error) {
	if f.value == nil {
		return nil, nil, nil
	}
	elems, err := jsonArray(f)
	if err != nil {
		return nil, nil, err
	}
	var (
		encs  []feed.Enclosure
		warns []lineWarning
	)
	for i, e := range elems {
		name := fmt.Sprintf("%s[%d]", f.name, i)
		m, err := jsonObjectField(jsonField{name: name, value: e},
			"url", "mime_type", "title", "size_in_bytes", "duration_in_seconds")
		if err != nil {
			return nil, nil, err
		}
		var u, typ string
		for _, part := range []struct {
			name string
			to   *string
		}{{"url", &u}, {"mime_type", &typ}, {"title", nil}} {
			f, ok := m[part.name]
			if !ok {
				continue
			}
			s, err := jsonString(f)
			if err != nil {
				return nil, nil, err
			}
			if part.to != nil {
				*part.to = strings.TrimSpace(feed.CleanText(s))
			}
		}
		size, err := jsonNumber(m["size_in_bytes"], true)
		if err != nil {
			return nil, nil, err
		}
		if _, err := jsonNumber(m["duration_in_seconds"], false); err != nil {
			return nil, nil, err
		}
		enc, problem := makeEnclosure(u, int64(size), typ)
		if problem != "" {
			warns = append(warns, lineWarning{key: name, reason: problem + "; attachment left out"})
			continue
		}
		encs = append(encs, enc)
	}
	return encs, warns, nil
}

// jsonNumber reads a number field that must not be negative, and with
// whole, a whole number; absent and null read as 0.
func jsonNumber(f jsonField, whole bool) (float64, error) {
	switch jsonKind(f.value) {
	case "null", "nothing":
		return 0, nil
	case "a number":
	default:
		return 0, fieldError(f.name, "field %q is %s, want a number", f.name, jsonKind(f.value))
	}
	var n json.Number
	if err := json.Unmarshal(f.value, &n); err != nil {
		return 0, fieldError(f.name, "field %q: %s", f.name, jsonErrorText(err))
	}
	v, err := n.Float64()
	if err != nil || v < 0 || v > 1<<53 || (whole && v != float64(int64(v))) {
		what := "a number"
		if whole {
			what = "a whole number"
		}
		return 0, fieldError(f.name, "field %q is %s, want %s of 0 or more", f.name, n, what)
	}
	return v, nil
}
