package feed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/feedpub/feedpub/internal/weburl"
)

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
	switch s, _ := top["version"].(string); s {
	case jsonFeedVersion11:
	case jsonFeedVersion10:
		v.warnf(`%s: "version" is %q, JSON Feed 1.0; 1.1 readers read it, but 1.1 is current`, subject, s)
	default:
		v.errorf(`%s: "version" is %s, want %q`, subject, jsonShow(top, "version"), jsonFeedVersion11)
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
	if s, ok := top["feed_url"].(string); ok {
		v.report.Self = strings.TrimSpace(s)
	}
	v.checkJSONURL(subject, top, "icon")
	v.checkJSONURL(subject, top, "favicon")
	v.checkJSONURL(subject, top, "next_url")
	v.checkJSONStrings(subject, top, "description", "user_comment")
	if x, ok := top["expired"]; ok {
		if _, ok := x.(bool); !ok {
			v.errorf(`%s: "expired" is a %s, want true or false`, subject, jsonKind(x))
		}
	}
	v.checkJSONHubs(subject, top)
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
	lines := jsonItemLines(data)
	for i, it := range items {
		line := 0
		if i < len(lines) {
			line = lines[i]
		}
		v.checkJSONItem(i+1, line, it, ids)
	}
	return len(items)
}

func (v *validation) checkJSONItem(n, line int, raw any, ids map[string]int) {
	obj, ok := raw.(map[string]any)
	if !ok {
		v.errorf("item %d is a JSON %s, want an object", n, jsonKind(raw))
		return
	}
	idValue, hasID := obj["id"]
	id, idIsString := idValue.(string)
	subject := itemSubject("item", n, "id", id)
	if line > 0 {
		subject = fmt.Sprintf("line %d: %s", line, subject)
	}
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
		if m := htmlTag().FindString(s); m != "" {
			v.note(Warning, ruleReadable, true, `%s: "summary" is plain text but holds the HTML tag %q`, subject, clipValue(m))
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
	v.checkJSONURL(subject, obj, "image")
	v.checkJSONURL(subject, obj, "banner_image")
	if x, ok := obj["language"]; ok {
		if s, ok := x.(string); ok {
			v.checkLanguage(subject, `"language"`, s)
		} else {
			v.errorf(`%s: "language" is a %s, want a string`, subject, jsonKind(x))
		}
	}
	v.checkJSONAttachments(subject, obj)
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
	switch {
	case strings.TrimSpace(s) == "" || !weburl.IsIRIRef(s):
		v.errorf(`%s: %q %q is not a URL`, subject, key, clipValue(s))
	case !weburl.IsIRI(s):
		v.warnRule(ruleJSON, `%s: %q %q is relative; JSON Feed asks for full URLs`, subject, key, clipValue(s))
	case !weburl.IsHTTP(s):
		v.warnf(`%s: %q %q is not an http(s) URL`, subject, key, clipValue(s))
	}
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

// checkJSONStrings checks that the keys of obj, where present, are strings.
func (v *validation) checkJSONStrings(subject string, obj map[string]any, keys ...string) {
	for _, key := range keys {
		if x, ok := obj[key]; ok {
			if _, ok := x.(string); !ok {
				v.errorf(`%s: %q is a %s, want a string`, subject, key, jsonKind(x))
			}
		}
	}
}

// checkJSONHubs checks "hubs": an array of objects, each with a "type"
// and a "url" string.
func (v *validation) checkJSONHubs(subject string, obj map[string]any) {
	x, ok := obj["hubs"]
	if !ok {
		return
	}
	hubs, ok := x.([]any)
	if !ok {
		v.errorf(`%s: "hubs" is a %s, want an array`, subject, jsonKind(x))
		return
	}
	for i, h := range hubs {
		hub, ok := h.(map[string]any)
		where := fmt.Sprintf(`%s: "hubs"[%d]`, subject, i)
		if !ok {
			v.errorf(`%s is a %s, want an object`, where, jsonKind(h))
			continue
		}
		for _, key := range []string{"type", "url"} {
			if s, ok := hub[key].(string); !ok || strings.TrimSpace(s) == "" {
				v.errorf(`%s needs a %q string`, where, key)
			}
		}
		v.checkJSONURL(where, hub, "url")
	}
}

// checkJSONAttachments checks an item's "attachments": objects with a
// "url" and a "mime_type", and numbers for size and duration.
func (v *validation) checkJSONAttachments(subject string, obj map[string]any) {
	x, ok := obj["attachments"]
	if !ok {
		return
	}
	list, ok := x.([]any)
	if !ok {
		v.errorf(`%s: "attachments" is a %s, want an array`, subject, jsonKind(x))
		return
	}
	for i, a := range list {
		att, ok := a.(map[string]any)
		where := fmt.Sprintf(`%s: "attachments"[%d]`, subject, i)
		if !ok {
			v.errorf(`%s is a %s, want an object`, where, jsonKind(a))
			continue
		}
		if _, ok := att["url"]; !ok {
			v.errorf(`%s has no "url"`, where)
		}
		v.checkJSONURL(where, att, "url")
		if s, ok := att["mime_type"].(string); !ok || !mediaType().MatchString(strings.TrimSpace(s)) {
			v.errorf(`%s: "mime_type" is %s, want a media type such as "audio/mpeg"`, where, jsonShow(att, "mime_type"))
		}
		v.checkJSONStrings(where, att, "title")
		for _, key := range []string{"size_in_bytes", "duration_in_seconds"} {
			if y, ok := att[key]; ok {
				n, isNum := y.(json.Number)
				if f, err := n.Float64(); !isNum || err != nil || f < 0 {
					v.errorf(`%s: %q is %s, want a non-negative number`, where, key, jsonShow(att, key))
				}
			}
		}
	}
}

// jsonItemLines returns the line on which each element of the top-level
// "items" array starts, so messages can name it; nil when the document
// cannot be read that far.
func jsonItemLines(data []byte) []int {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object  bool
		wantKey bool
		items   bool // the top-level "items" array
	}
	var stack []frame
	var lines []int
	key := ""
	counted, line := 0, 1 // newlines are counted once, up to counted
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return lines
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if top != nil && top.object && top.wantKey {
			key, _ = tok.(string)
			top.wantKey = false
			continue
		}
		if top != nil && top.items {
			// The value starts after the separator and white space.
			off := int(before)
			for off < len(data) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
				off++
			}
			line += bytes.Count(data[counted:off], []byte("\n"))
			counted = off
			lines = append(lines, line)
		}
		isItems := len(stack) == 1 && top.object && key == "items"
		if top != nil && top.object {
			top.wantKey = true
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{', wantKey: d == '{', items: isItems && d == '['})
		}
	}
}
