package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// JSON Feed is read as leniently as feed readers read it: a member of the
// wrong type ("tags": "a string", "size_in_bytes": "12") is dropped with a
// warning naming the item and the member, and the item is kept. Only a
// document that is not a JSON object with an items list is refused.

// jsonFeedDoc is a JSON Feed document with every member kept raw, so that
// each can be checked on its own.
type jsonFeedDoc map[string]json.RawMessage

// jsonMemberKind is the JSON type a JSON Feed member must have.
type jsonMemberKind int

const (
	memberString jsonMemberKind = iota
	memberBool
	memberAuthor  // an author object
	memberAuthors // a list of author objects
	memberStrings // a list of strings
	memberAttachments
)

// feedMembers and itemMembers are the members JSON Feed 1.0 and 1.1
// define, with their types. Others (extensions) are passed on untouched,
// since the parser ignores them.
var (
	feedMembers = map[string]jsonMemberKind{
		"version": memberString, "title": memberString, "home_page_url": memberString,
		"feed_url": memberString, "description": memberString, "user_comment": memberString,
		"next_url": memberString, "icon": memberString, "favicon": memberString,
		"language": memberString, "expired": memberBool,
		"author": memberAuthor, "authors": memberAuthors,
	}
	itemMembers = map[string]jsonMemberKind{
		"id": memberString, "url": memberString, "external_url": memberString,
		"title": memberString, "content_html": memberString, "content_text": memberString,
		"summary": memberString, "image": memberString, "banner_image": memberString,
		"date_published": memberString, "date_modified": memberString, "language": memberString,
		"author": memberAuthor, "authors": memberAuthors, "tags": memberStrings,
		"attachments": memberAttachments,
	}
	authorMembers     = []string{"name", "url", "avatar"}
	attachmentStrings = []string{"url", "mime_type", "title"}
	attachmentNumbers = []string{"size_in_bytes", "duration_in_seconds"}
)

// repairJSONFeed returns a JSON Feed document with every malformed member
// removed, calling warn for each with the item (its id, or its position as
// "#3") and the member. It fails only when body is not a JSON object with an
// items list, which is not a feed at all.
func repairJSONFeed(body []byte, warn func(item, field, problem string)) ([]byte, error) {
	var doc jsonFeedDoc
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: JSON that does not parse: %v", errNotAFeed, jsonErrorText(err))
	}
	rawItems, ok := doc["items"]
	var items []json.RawMessage
	if !ok || json.Unmarshal(rawItems, &items) != nil {
		return nil, fmt.Errorf("%w: a JSON document without an items list", errNotAFeed)
	}
	repairMembers(doc, feedMembers, "feed", warn)
	out := make([]json.RawMessage, 0, len(items))
	for i, raw := range items {
		var it jsonFeedDoc
		if json.Unmarshal(raw, &it) != nil || it == nil {
			warn(fmt.Sprintf("#%d", i+1), "", "not an object; item dropped")
			continue
		}
		name := fmt.Sprintf("#%d", i+1)
		if id, ok := it["id"]; ok {
			// JSON Feed asks readers to take a number as its text.
			if n, ok := jsonNumberText(id); ok {
				it["id"], _ = json.Marshal(n)
			}
			var s string
			if json.Unmarshal(it["id"], &s) == nil && strings.TrimSpace(s) != "" {
				name = strings.TrimSpace(s)
			}
		}
		repairMembers(it, itemMembers, name, warn)
		b, err := json.Marshal(it)
		if err != nil {
			warn(name, "", "cannot be re-encoded; item dropped")
			continue
		}
		out = append(out, b)
	}
	doc["items"], _ = json.Marshal(out)
	return json.Marshal(doc)
}

// repairMembers removes, or trims, the members of obj that do not have the
// type known gives them.
func repairMembers(obj jsonFeedDoc, known map[string]jsonMemberKind, name string, warn func(item, field, problem string)) {
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		raw := obj[key]
		kind, ok := known[key]
		if !ok || isJSONNull(raw) {
			continue
		}
		fixed, problem := repairMember(kind, raw)
		switch {
		case fixed == nil:
			delete(obj, key)
			warn(name, key, problem+"; dropped")
		case problem != "":
			obj[key] = fixed
			warn(name, key, problem)
		}
	}
}

// repairMember checks one member. It returns the member to keep (nil to
// drop it) and what was wrong ("" when nothing).
func repairMember(kind jsonMemberKind, raw json.RawMessage) (json.RawMessage, string) {
	switch kind {
	case memberString:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, "not a string but " + jsonKind(raw)
		}
	case memberBool:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return nil, "not a boolean but " + jsonKind(raw)
		}
	case memberAuthor:
		a, problem := repairAuthor(raw)
		if a == nil {
			return nil, problem
		}
		return a, problem
	case memberAuthors, memberStrings, memberAttachments:
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return nil, "not a list but " + jsonKind(raw)
		}
		kept := make([]json.RawMessage, 0, len(list))
		var problem string
		for _, el := range list {
			var fixed json.RawMessage
			var p string
			switch kind {
			case memberAuthors:
				fixed, p = repairAuthor(el)
			case memberStrings:
				var s string
				if json.Unmarshal(el, &s) == nil {
					fixed = el
				} else {
					p = "an entry that is not a string"
				}
			case memberAttachments:
				fixed, p = repairAttachment(el)
			}
			if fixed != nil {
				kept = append(kept, fixed)
			}
			if p != "" && problem == "" {
				problem = p
			}
		}
		if problem != "" {
			b, _ := json.Marshal(kept)
			return b, problem + " left out"
		}
	}
	return raw, ""
}

// repairAuthor checks an author object: nil when it is not an object.
func repairAuthor(raw json.RawMessage) (json.RawMessage, string) {
	var obj jsonFeedDoc
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		return nil, "an author that is not an object"
	}
	problem := ""
	for _, k := range authorMembers {
		if v, ok := obj[k]; ok && !isJSONNull(v) {
			var s string
			if json.Unmarshal(v, &s) != nil {
				delete(obj, k)
				problem = "an author's " + k + " that is not a string"
			}
		}
	}
	if problem == "" {
		return raw, ""
	}
	b, _ := json.Marshal(obj)
	return b, problem
}

// repairAttachment checks an attachment: nil when it is not an object or
// has no URL.
func repairAttachment(raw json.RawMessage) (json.RawMessage, string) {
	var obj jsonFeedDoc
	if json.Unmarshal(raw, &obj) != nil || obj == nil {
		return nil, "an attachment that is not an object"
	}
	problem := ""
	for _, k := range attachmentStrings {
		if v, ok := obj[k]; ok && !isJSONNull(v) {
			var s string
			if json.Unmarshal(v, &s) != nil {
				delete(obj, k)
				problem = "an attachment's " + k + " that is not a string"
			}
		}
	}
	if _, ok := obj["url"]; !ok {
		return nil, "an attachment without a url"
	}
	for _, k := range attachmentNumbers {
		v, ok := obj[k]
		if !ok || isJSONNull(v) {
			continue
		}
		var f float64
		if json.Unmarshal(v, &f) != nil || f < 0 || f > 1<<53 {
			delete(obj, k)
			problem = "an attachment's " + k + " that is not a size"
			continue
		}
		// The parser wants whole numbers.
		obj[k], _ = json.Marshal(int64(f))
	}
	b, _ := json.Marshal(obj)
	return b, problem
}

// jsonNumberText returns the text of a JSON number.
func jsonNumberText(raw json.RawMessage) (string, bool) {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		return "", false
	}
	return n.String(), true
}

func isJSONNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }
