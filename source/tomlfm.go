package source

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"go.yaml.in/yaml/v3"
)

// Hugo writes front matter in TOML between "+++" lines as often as in YAML.
// A TOML block is decoded and turned into the YAML node tree its YAML
// twin would give, so that both are read by the same code, with the same
// keys, checks and warnings. TOML datetimes become the dates they name:
// an offset datetime keeps its offset, and a local datetime or local date,
// which names no zone, is taken as UTC, as dates without a zone are
// everywhere else.

// parseTOMLFrontMatter reads a TOML front matter block whose first line is
// line offset+1 of the file. A non-nil error, a *lineError, says the block
// is not TOML.
func parseTOMLFrontMatter(src string, offset int) (frontMatter, []lineWarning, error) {
	var doc map[string]any
	md, err := toml.Decode(src, &doc)
	if err != nil {
		line, msg := offset+1, err.Error()
		if pe, ok := errors.AsType[toml.ParseError](err); ok {
			line, msg = offset+max(pe.Position.Line, 1), pe.Message
		}
		return frontMatter{}, nil, &lineError{line: line, err: fmt.Errorf("front matter is not valid TOML: %s", msg)}
	}
	lines := tomlKeyLines(src)
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1}
	added := map[string]bool{}
	for _, k := range md.Keys() {
		// Keys lists nested keys too, and an array of tables once per
		// table: each top-level key is taken once, in file order.
		if len(k) != 1 || added[k[0]] {
			continue
		}
		name := k[0]
		v, ok := doc[name]
		if !ok {
			continue
		}
		added[name] = true
		line := cmp.Or(lines[name], 1)
		root.Content = append(root.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name, Line: line},
			tomlNode(v, line))
	}
	return readFrontMatter(root, offset)
}

// tomlNode turns a decoded TOML value into a YAML node on line line.
func tomlNode(v any, line int) *yaml.Node {
	scalar := func(tag, value string) *yaml.Node {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value, Line: line}
	}
	switch v := v.(type) {
	case string:
		return scalar("!!str", v)
	case int64:
		return scalar("!!int", strconv.FormatInt(v, 10))
	case float64:
		return scalar("!!float", strconv.FormatFloat(v, 'g', -1, 64))
	case bool:
		return scalar("!!bool", strconv.FormatBool(v))
	case time.Time:
		return scalar("!!str", tomlTime(v))
	case []map[string]any:
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: line}
		for _, e := range v {
			seq.Content = append(seq.Content, tomlNode(e, line))
		}
		return seq
	case []any:
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: line}
		for _, e := range v {
			seq.Content = append(seq.Content, tomlNode(e, line))
		}
		return seq
	case map[string]any:
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: line}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			m.Content = append(m.Content, scalar("!!str", k), tomlNode(v[k], line))
		}
		return m
	default:
		return scalar("!!str", fmt.Sprint(v))
	}
}

// tomlTime writes a TOML date or time as text ParseDate reads: local
// datetimes and dates without a zone, so that they are taken as UTC.
func tomlTime(t time.Time) string {
	switch t.Location().String() {
	case "datetime-local":
		return t.Format("2006-01-02T15:04:05.999999999")
	case "date-local":
		return t.Format("2006-01-02")
	case "time-local":
		// A time of day names no date; ParseDate refuses it.
		return t.Format("15:04:05.999999999")
	}
	return t.Format(time.RFC3339Nano)
}

// tomlKeyLines finds the line, from 1, on which each top-level key of a
// TOML block is set: "key = ...", "key.sub = ..." or a "[key]" or
// "[[key]]" table header. The decoder does not say where keys are; this
// scan is for the line numbers of warnings only.
func tomlKeyLines(src string) map[string]int {
	lines := map[string]int{}
	inTable := false
	for i, line := range strings.Split(src, "\n") {
		l := strings.TrimSpace(line)
		var name string
		switch {
		case strings.HasPrefix(l, "["):
			inTable = true
			name = strings.Trim(l, "[] \t")
			if j := strings.IndexAny(name, "]#"); j >= 0 {
				name = name[:j]
			}
		case inTable || l == "" || l[0] == '#':
			continue
		default:
			var ok bool
			if name, _, ok = strings.Cut(l, "="); !ok {
				continue
			}
		}
		name, _, _ = strings.Cut(strings.TrimSpace(name), ".")
		name = strings.Trim(strings.TrimSpace(name), `"'`)
		if _, seen := lines[name]; !seen && name != "" {
			lines[name] = i + 1
		}
	}
	return lines
}
