package source

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// An item object is read in two steps. checkObject walks it once against
// the schema below: it refuses unknown keys (naming them with their path,
// "authors[1].nick"), keys given twice and values of the wrong JSON type,
// drops "_" extensions and nulls, and writes the object again under the
// canonical names. What it returns then decodes into jsonItemDoc, a tagged
// struct, without any further check.

// jsonValueKind is the JSON type a member must have.
type jsonValueKind int

const (
	valString  jsonValueKind = iota
	valID                    // a string, or a number read as its text
	valStrings               // an array of strings
	valObject                // an object of the member's own schema
	valObjects               // an array of such objects
	valWhole                 // a whole number of 0 or more
	valNumber                // a number of 0 or more
)

// memberSpec is what one member of an object may hold.
type memberSpec struct {
	kind   jsonValueKind
	schema jsonSchema // of valObject and valObjects
}

// jsonSchema maps each member an object may have to its spec.
type jsonSchema map[string]memberSpec

var (
	personSchema = jsonSchema{
		"name": {kind: valString}, "url": {kind: valString}, "avatar": {kind: valString}, "email": {kind: valString},
	}
	attachmentSchema = jsonSchema{
		"url": {kind: valString}, "mime_type": {kind: valString}, "title": {kind: valString},
		"size_in_bytes": {kind: valWhole}, "duration_in_seconds": {kind: valNumber},
	}
	// itemSchema is JSON Feed's item vocabulary.
	itemSchema = jsonSchema{
		"id": {kind: valID}, "url": {kind: valString}, "external_url": {kind: valString},
		"title": {kind: valString}, "summary": {kind: valString},
		"content_html": {kind: valString}, "content_text": {kind: valString},
		"date_published": {kind: valString}, "date_modified": {kind: valString},
		"image": {kind: valString}, "banner_image": {kind: valString}, "language": {kind: valString},
		"authors": {kind: valObjects, schema: personSchema}, "author": {kind: valObject, schema: personSchema},
		"tags":        {kind: valStrings},
		"attachments": {kind: valObjects, schema: attachmentSchema},
	}
	// itemAliases are the other names an item's members may go by.
	itemAliases = map[string]string{
		"link": "url", "date": "date_published", "updated": "date_modified", "categories": "tags",
	}
)

// jsonItemDoc is an item object after checkObject: every member has the
// type its tag says.
type jsonItemDoc struct {
	ID            string           `json:"id"`
	URL           string           `json:"url"`
	ExternalURL   string           `json:"external_url"`
	Title         string           `json:"title"`
	Summary       string           `json:"summary"`
	ContentHTML   string           `json:"content_html"`
	ContentText   string           `json:"content_text"`
	DatePublished string           `json:"date_published"`
	DateModified  string           `json:"date_modified"`
	Image         string           `json:"image"`
	BannerImage   string           `json:"banner_image"`
	Language      string           `json:"language"`
	Authors       []jsonPersonDoc  `json:"authors"`
	Author        *jsonPersonDoc   `json:"author"`
	Tags          []string         `json:"tags"`
	Attachments   []jsonAttachment `json:"attachments"`
	// HasAuthors tells "authors": [] from no "authors" at all: JSON Feed
	// 1.1's list, when given, replaces 1.0's author.
	HasAuthors bool `json:"-"`
	// names maps each canonical member name to the name the object used,
	// for warnings.
	names map[string]string
}

type jsonPersonDoc struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Avatar string `json:"avatar"`
	Email  string `json:"email"`
}

type jsonAttachment struct {
	URL               string  `json:"url"`
	MIMEType          string  `json:"mime_type"`
	Title             string  `json:"title"`
	SizeInBytes       float64 `json:"size_in_bytes"`
	DurationInSeconds float64 `json:"duration_in_seconds"`
}

// decodeItemObject checks an item object's members and decodes it. The
// error, a *lineError naming the member, says why the item is skipped.
func decodeItemObject(fields []jsonField) (jsonItemDoc, error) {
	names := map[string]string{}
	canon, err := checkObject(fields, itemSchema, itemAliases, "", names)
	if err != nil {
		return jsonItemDoc{}, err
	}
	var doc jsonItemDoc
	if err := json.Unmarshal(canon, &doc); err != nil {
		// checkObject has checked every type; this would be a bug.
		return jsonItemDoc{}, fmt.Errorf("item: %s", jsonErrorText(err))
	}
	_, doc.HasAuthors = names["authors"]
	doc.names = names
	return doc, nil
}

// name returns the name the object used for a canonical member.
func (d *jsonItemDoc) name(canonical string) string {
	if n := d.names[canonical]; n != "" {
		return n
	}
	return canonical
}

// checkObject checks an object's members against schema and returns it
// re-encoded under canonical names, without extensions and nulls. prefix
// starts every name in errors ("authors[1]."); names, when not nil,
// records the name each canonical member was given under.
func checkObject(fields []jsonField, schema jsonSchema, aliases map[string]string, prefix string, names map[string]string) (json.RawMessage, error) {
	if names == nil {
		names = map[string]string{}
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for _, f := range fields {
		if strings.HasPrefix(f.name, "_") {
			continue
		}
		canon := f.name
		if a, ok := aliases[f.name]; ok {
			canon = a
		}
		path := prefix + f.name
		spec, ok := schema[canon]
		if !ok {
			return nil, fieldError(path, "unknown field %q", path)
		}
		if prev, dup := names[canon]; dup {
			if prev == f.name {
				return nil, fieldError(path, "field %q given twice", path)
			}
			return nil, fieldError(path, "field %q given twice (also as %q)", path, prefix+prev)
		}
		names[canon] = f.name
		v, err := checkValue(f.value, spec, path)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue // null: as if absent
		}
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		key, _ := json.Marshal(canon)
		buf.Write(key)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// checkValue checks one member's value and returns it as it is to be
// decoded; nil for null.
func checkValue(raw json.RawMessage, spec memberSpec, path string) (json.RawMessage, error) {
	kind := jsonKind(raw)
	if kind == "null" {
		return nil, nil
	}
	wrongType := func(want string) error {
		return fieldError(path, "field %q is %s, want %s", path, kind, want)
	}
	switch spec.kind {
	case valString:
		if kind != "a string" {
			return nil, wrongType("a string")
		}
		return raw, nil
	case valID:
		switch kind {
		case "a string":
			return raw, nil
		case "a number":
			// JSON Feed readers must take a number as its text.
			n, _ := jsonNumberText(raw)
			return json.Marshal(n)
		}
		return nil, wrongType("a string")
	case valWhole, valNumber:
		if kind != "a number" {
			return nil, wrongType("a number")
		}
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, fieldError(path, "field %q: %s", path, jsonErrorText(err))
		}
		v, err := n.Float64()
		whole := spec.kind == valWhole
		if err != nil || v < 0 || v > 1<<53 || (whole && v != float64(int64(v))) {
			what := "a number"
			if whole {
				what = "a whole number"
			}
			return nil, fieldError(path, "field %q is %s, want %s of 0 or more", path, n, what)
		}
		return raw, nil
	case valObject:
		if kind != "an object" {
			return nil, wrongType("an object")
		}
		fields, err := objectFields(raw)
		if err != nil {
			return nil, fieldError(path, "field %q: %s", path, err)
		}
		return checkObject(fields, spec.schema, nil, path+".", nil)
	case valStrings, valObjects:
		if kind != "an array" {
			return nil, wrongType("an array")
		}
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return nil, fieldError(path, "field %q: %s", path, jsonErrorText(err))
		}
		elem := memberSpec{kind: valString}
		if spec.kind == valObjects {
			elem = memberSpec{kind: valObject, schema: spec.schema}
		}
		out := make([]json.RawMessage, 0, len(elems))
		for i, e := range elems {
			v, err := checkValue(e, elem, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			switch {
			case v != nil:
				out = append(out, v)
			case spec.kind == valObjects:
				// Kept in place, so that the warning about it (an
				// attachment without a URL) names its index.
				out = append(out, json.RawMessage("{}"))
			}
		}
		return json.Marshal(out)
	}
	return nil, fmt.Errorf("field %q: no rule for its kind", path)
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

// fieldError says which field made an item unusable.
func fieldError(field, format string, args ...any) error {
	return &lineError{key: field, err: fmt.Errorf(format, args...)}
}
