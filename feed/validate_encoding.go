package feed

import (
	"bytes"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// XML documents may be written in any encoding their declaration names
// (XML 1.0 section 4.3.3), or in UTF-16 with a byte order mark. The strict
// pass reads UTF-8, so other encodings are decoded first; publishing in
// UTF-8 is the best practice the validator asks for.

// declEncoding finds the encoding named by an XML declaration at the start
// of a document.
var declEncoding = lazyRegexp(`^(?:\xEF\xBB\xBF)?<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._\-]*)["']`)

// xmlEncoding describes how a document was decoded for the strict pass.
type xmlEncoding struct {
	name    string // as declared, or "UTF-16" for a byte order mark; "" for UTF-8 without declaration
	unknown bool   // the declared encoding is not one feedpub can decode
	utf8    bool   // the document was read as it is
}

// decodeXML returns data as UTF-8, decoding what its byte order mark or
// XML declaration says it is written in.
func decodeXML(data []byte) ([]byte, xmlEncoding) {
	if bytes.HasPrefix(data, []byte{0xFE, 0xFF}) || bytes.HasPrefix(data, []byte{0xFF, 0xFE}) {
		dec := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return data, xmlEncoding{name: "UTF-16", unknown: true}
		}
		// The declaration still says UTF-16; the strict pass reads the
		// UTF-8 bytes that follow.
		return out, xmlEncoding{name: "UTF-16"}
	}
	m := declEncoding().FindSubmatch(data)
	if m == nil {
		return data, xmlEncoding{utf8: true}
	}
	name := string(m[1])
	switch strings.ToLower(name) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return data, xmlEncoding{name: name, utf8: true}
	}
	enc := lookupEncoding(name)
	if enc == nil {
		return data, xmlEncoding{name: name, unknown: true, utf8: true}
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return data, xmlEncoding{name: name, unknown: true, utf8: true}
	}
	return out, xmlEncoding{name: name}
}

func lookupEncoding(name string) encoding.Encoding {
	if e, err := ianaindex.IANA.Encoding(name); err == nil && e != nil {
		return e
	}
	if e, err := htmlindex.Get(name); err == nil {
		return e
	}
	return nil
}
