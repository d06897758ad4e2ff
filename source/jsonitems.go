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
}

var (
	_ Source          = (*JSONItems)(nil)
	_ feed.UniqueScan = (*jsonScan)(nil)
)

// Name returns SourceName.
func (j *JSONItems) Name() string { return j.SourceName }

// Fetch reads Path and returns its items: file by file in name order, and
// in file order within a file.
//
// Fetch fails only when Path cannot be read, when the configuration is
// invalid, or when ctx ends. A problem with one file or one item is logged
// as a warning naming the file and the line, and the rest still publishes.
// An id used twice publishes once, from the first file and line using it.
func (j *JSONItems) Fetch(ctx context.Context) ([]feed.Item, error) {
	return fetchAll(ctx, j)
}

// Scan lists the file Path names, or the files below the folder it names,
// and stats them, for one build: its Fingerprint digests them with the
// settings, and its Stream reads them.
func (j *JSONItems) Scan(ctx context.Context) (feed.Scan, error) {
	start := time.Now()
	if j.Path == "" {
		return nil, errors.New("no file or folder configured")
	}
	var files []*batch
	info, err := os.Stat(j.Path)
	switch {
	case err != nil:
		err = fmt.Errorf("read %s: %w", j.Path, pathCause(err))
	case info.IsDir():
		files, err = scanTree(ctx, j.Path, j.SourceName, jsonFileName, j.logger())
	case !jsonFileName(filepath.Base(j.Path)):
		err = fmt.Errorf("read %s: want a .json or .jsonl file", j.Path)
	default:
		if err = ctx.Err(); err == nil {
			b := newBatch(filepath.Dir(j.Path), "", filepath.Base(j.Path))
			statEach(b)
			files = []*batch{b}
		}
	}
	if err != nil {
		return nil, err
	}
	return &jsonScan{j: j, files: files, start: start}, nil
}

// jsonScan is a JSONItems source's Scan: the files it lists, stated. Its
// items are always whole.
type jsonScan struct {
	wholeItems
	j     *JSONItems
	files []*batch
	start time.Time
}

// Fingerprint implements feed.Scan.
func (s *jsonScan) Fingerprint() string {
	return fingerprintOf(settingsOf("json", s.j), s.files)
}

// UniqueIDs implements feed.UniqueScan: an item whose id an earlier item
// had, as feed.NormalizeID writes ids, is skipped.
func (s *jsonScan) UniqueIDs() bool { return true }

// Stream implements feed.Scan: it reads the listed files in name order and
// emits their items in file order.
func (s *jsonScan) Stream(ctx context.Context, emit func(feed.Item) error) error {
	j := s.j
	log := j.logger()
	var (
		ids                  = keyset.NewMap[string]()
		read, skipped, items int
		itemsSkipped         int
	)
	for f := range eachFile(s.files) {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel := f.rel
		data, err := readLimited(f.abs(), j.maxSize())
		if errors.Is(err, errNotFile) {
			log.Debug("symbolic link to folder not followed", "source", j.SourceName, "file", rel)
			continue
		}
		if err != nil {
			skipped++
			logFileProblem(log, "file skipped", j.SourceName, rel, "field", problemAt(err))
			continue
		}
		parsed, skips, err := j.parseFile(rel, data)
		for _, w := range skips {
			logFileProblem(log, "item skipped", j.SourceName, rel, "field", w)
		}
		itemsSkipped += len(skips)
		if err != nil {
			skipped++
			logFileProblem(log, "file skipped", j.SourceName, rel, "field", problemAt(err))
			continue
		}
		n := 0
		for _, pi := range parsed {
			for _, w := range pi.warns {
				logFileProblem(log, "item warning", j.SourceName, rel, "field", w)
			}
			where := fmt.Sprintf("%s:%d", rel, pi.line)
			key := feed.NormalizeID(pi.item.ID)
			if prev, dup := ids.Get(key); dup {
				itemsSkipped++
				logFileProblem(log, "item skipped", j.SourceName, rel, "field",
					lineWarning{line: pi.line, key: "id", reason: fmt.Sprintf("id %s already used at %s", pi.item.ID, prev)})
				continue
			}
			ids.Put(key, where)
			pi.item.Ref = where // names the file and line in the build's logs
			if err := emit(pi.item); err != nil {
				return err
			}
			n++
		}
		items += n
		if n == 0 {
			skipped++
			if len(parsed) == 0 && len(skips) == 0 {
				logFileProblem(log, "file skipped", j.SourceName, rel, "field", lineWarning{reason: "no items"})
			}
			continue
		}
		read++
	}
	log.Info("source read", "source", j.SourceName, "files", read, "skipped", skipped,
		"items", items, "items_skipped", itemsSkipped, "took", time.Since(s.start))
	return nil
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
