package source

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
)

// errNotAFeed says a fetch answered with something other than a feed: an
// HTML page, an error document, an empty body.
var errNotAFeed = errors.New("not a feed")

// documentKind is what a fetched body looks like before it is parsed.
type documentKind int

const (
	kindXML documentKind = iota
	kindJSON
)

// sniffDocument tells XML from JSON by the first character after any byte
// order mark and white space, and refuses what can be neither a feed nor
// the start of one: an empty body, an HTML page, a JSON array, text.
func sniffDocument(body []byte) (documentKind, error) {
	rest := bytes.TrimLeft(body, "\ufeff \t\r\n")
	if len(rest) >= 2 && (rest[0] == 0xFE && rest[1] == 0xFF || rest[0] == 0xFF && rest[1] == 0xFE) {
		return kindXML, nil // UTF-16, which only XML may be in
	}
	if len(rest) == 0 {
		return 0, fmt.Errorf("%w: the body is empty", errNotAFeed)
	}
	switch rest[0] {
	case '<':
		if root := xmlRootName(rest); strings.EqualFold(root, "html") {
			return 0, fmt.Errorf("%w: an HTML page", errNotAFeed)
		}
		return kindXML, nil
	case '{':
		return kindJSON, nil
	}
	start := rest[:min(len(rest), 40)]
	return 0, fmt.Errorf("%w: the body starts %q", errNotAFeed, start)
}

// xmlRootName returns the name of the first element of an XML or HTML
// document, skipping the declaration, processing instructions, comments
// and a doctype; "" when there is none to be found.
func xmlRootName(doc []byte) string {
	for len(doc) > 0 {
		doc = bytes.TrimLeft(doc, " \t\r\n")
		switch {
		case bytes.HasPrefix(doc, []byte("<?")):
			i := bytes.Index(doc, []byte("?>"))
			if i < 0 {
				return ""
			}
			doc = doc[i+2:]
		case bytes.HasPrefix(doc, []byte("<!--")):
			i := bytes.Index(doc, []byte("-->"))
			if i < 0 {
				return ""
			}
			doc = doc[i+3:]
		case bytes.HasPrefix(doc, []byte("<!")):
			i := bytes.IndexByte(doc, '>')
			if i < 0 {
				return ""
			}
			doc = doc[i+1:]
		case bytes.HasPrefix(doc, []byte("<")):
			end := bytes.IndexAny(doc[1:], " \t\r\n/>")
			if end < 0 {
				return ""
			}
			name := string(doc[1 : end+1])
			if i := strings.IndexByte(name, ':'); i >= 0 {
				name = name[i+1:]
			}
			return name
		default:
			return ""
		}
	}
	return ""
}

// xmlDeclaredEncoding returns the encoding an XML declaration at the start
// of doc names; "" when there is no declaration or it names none.
func xmlDeclaredEncoding(doc []byte) string {
	doc = bytes.TrimPrefix(doc, []byte("\ufeff"))
	if !bytes.HasPrefix(doc, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(doc, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(doc[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	v := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if !strings.HasPrefix(v, "=") {
		return ""
	}
	v = strings.TrimLeft(v[1:], " \t\r\n")
	if v == "" || (v[0] != '"' && v[0] != '\'') {
		return ""
	}
	q := v[0]
	if j := strings.IndexByte(v[1:], q); j >= 0 {
		return strings.TrimSpace(v[1 : j+1])
	}
	return ""
}

// isUTF8Label reports whether an encoding label means UTF-8 (or says
// nothing, which for XML means UTF-8).
func isUTF8Label(label string) bool {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "", "utf-8", "utf8":
		return true
	}
	return false
}

// decodeXML makes an XML feed readable the way feed readers read it, and
// says what it had to do, for a warning; "" when nothing. An encoding the
// document declares is left to the parser. A document that declares none
// is read in the charset of the HTTP Content-Type when that names one.
// Bytes that are not valid in the encoding taken to be UTF-8 are then
// replaced, or, when the document has no valid multi-byte UTF-8 sequence
// at all, the whole document is read as Windows-1252, the encoding such
// documents are nearly always in. A declared encoding no decoder knows, or
// ASCII declared about UTF-8 text, is read as UTF-8 the same way.
// Character references to characters XML forbids are removed.
func decodeXML(body []byte, contentType string) ([]byte, string) {
	body, note := decodeXMLBytes(body, contentType)
	if out, n := dropIllegalCharRefs(body); n > 0 {
		body = out
		note = strings.TrimPrefix(note+fmt.Sprintf("; %d character references to characters XML forbids removed", n), "; ")
	}
	return body, note
}

// charRef matches a numeric character reference.
var charRef = regexp.MustCompile(`&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,10});`)

// dropIllegalCharRefs removes the character references to characters XML
// 1.0 forbids ("&#x0b;", "&#0;"), which fail the whole document in a strict
// parser although readers skip them. It returns how many it removed.
func dropIllegalCharRefs(body []byte) ([]byte, int) {
	if !bytes.Contains(body, []byte("&#")) {
		return body, 0
	}
	n := 0
	out := charRef.ReplaceAllFunc(body, func(ref []byte) []byte {
		v := string(ref[2 : len(ref)-1])
		base := 10
		if v[0] == 'x' || v[0] == 'X' {
			v, base = v[1:], 16
		}
		c, err := strconv.ParseUint(v, base, 32)
		if err == nil && xmlChar(rune(c)) {
			return ref
		}
		n++
		return nil
	})
	return out, n
}

// xmlChar reports whether XML 1.0 allows the character.
func xmlChar(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return true
	case r < 0x20:
		return false
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF, r > 0x10FFFF:
		return false
	}
	return true
}

// decodeXMLBytes is decodeXML's reading of the bytes: the HTTP charset,
// then invalid UTF-8.
func decodeXMLBytes(body []byte, contentType string) ([]byte, string) {
	declared := xmlDeclaredEncoding(body)
	var note string
	if declared != "" && !isUTF8Label(declared) {
		// An encoding no decoder knows would lose the whole document;
		// one that says ASCII about UTF-8 text would garble it.
		enc, _ := charset.Lookup(declared)
		ascii := strings.Contains(strings.ToLower(declared), "ascii")
		if enc == nil || (ascii && utf8.Valid(body) && hasUTF8Sequence(body)) {
			body = setDeclaredEncoding(body, "utf-8")
			note = fmt.Sprintf("declared encoding %q not used; read as UTF-8", declared)
			declared = "utf-8"
		}
	}
	body, more := decodeXMLText(body, declared, contentType)
	return body, strings.Trim(note+"; "+more, "; ")
}

// declEncoding matches the encoding of an XML declaration.
var declEncoding = regexp.MustCompile(`encoding\s*=\s*("[^"]*"|'[^']*')`)

// setDeclaredEncoding replaces the encoding the XML declaration of doc
// names.
func setDeclaredEncoding(doc []byte, enc string) []byte {
	end := bytes.Index(doc, []byte("?>"))
	if end < 0 {
		return doc
	}
	decl := declEncoding.ReplaceAll(doc[:end], []byte(`encoding="`+enc+`"`))
	return append(decl, doc[end:]...)
}

// decodeXMLText reads the bytes of a document declaring the encoding
// declared ("" for none): the HTTP charset, then invalid UTF-8.
func decodeXMLText(body []byte, declared, contentType string) ([]byte, string) {
	// A server that says Latin-1 about a document whose bytes are valid
	// UTF-8 with non-ASCII text in it is wrong about it: re-reading would
	// garble every accented letter.
	if declared == "" && !bytes.HasPrefix(body, []byte("\ufeff")) && !(utf8.Valid(body) && hasUTF8Sequence(body)) {
		if _, params, err := mime.ParseMediaType(contentType); err == nil && !isUTF8Label(params["charset"]) {
			label := params["charset"]
			if enc, name := charset.Lookup(label); enc != nil {
				if out, err := enc.NewDecoder().Bytes(body); err == nil {
					return out, ""
				}
				return body, fmt.Sprintf("charset %s from Content-Type could not be applied; read as UTF-8", name)
			}
		}
	}
	if !isUTF8Label(declared) || utf8.Valid(body) {
		return body, ""
	}
	if hasUTF8Sequence(body) {
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), "bytes that are not UTF-8 replaced by U+FFFD"
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(body)
	if err != nil {
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), "bytes that are not UTF-8 replaced by U+FFFD"
	}
	return out, "not UTF-8; read as Windows-1252"
}

// hasUTF8Sequence reports whether b holds at least one valid multi-byte
// UTF-8 sequence.
func hasUTF8Sequence(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if n > 1 && r != utf8.RuneError {
			return true
		}
		b = b[n:]
	}
	return false
}
