package feed

import "bytes"

// hexRefs rewrites the "&lt;" and "&amp;" that encoding/xml writes in text
// and attribute values as the character references "&#x3C;" and "&#x26;",
// leaving CDATA sections and comments as they are. Both forms mean the same
// characters to every XML parser; the RSS Best Practices Profile asks for
// the hexadecimal form in plain text, so that a title which quotes markup
// or an entity ("Why &amp; is needed") reads as text, not as HTML, to
// readers and validators that guess.
func hexRefs(doc []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(doc) + len(doc)/32)
	copyThrough := func(end string) {
		j := bytes.Index(doc, []byte(end))
		if j < 0 {
			j = len(doc) - len(end)
		}
		out.Write(doc[:j+len(end)])
		doc = doc[j+len(end):]
	}
	for len(doc) > 0 {
		i := bytes.IndexAny(doc, "&<")
		if i < 0 {
			out.Write(doc)
			break
		}
		out.Write(doc[:i])
		doc = doc[i:]
		switch {
		case bytes.HasPrefix(doc, []byte("<![CDATA[")):
			copyThrough("]]>")
		case bytes.HasPrefix(doc, []byte("<!--")):
			copyThrough("-->")
		case bytes.HasPrefix(doc, []byte("&lt;")):
			out.WriteString("&#x3C;")
			doc = doc[len("&lt;"):]
		case bytes.HasPrefix(doc, []byte("&amp;")):
			out.WriteString("&#x26;")
			doc = doc[len("&amp;"):]
		default:
			out.WriteByte(doc[0])
			doc = doc[1:]
		}
	}
	return out.Bytes()
}
