package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// docElem is an element read by the strict XML pass, with its namespace
// resolved from the declarations in scope.
type docElem struct {
	parent   *docElem
	space    string // namespace URI; "" for none or an undeclared prefix
	local    string
	prefix   string // as written
	attrs    []docAttr
	text     []byte // decoded character data directly inside the element
	children []*docElem
	line     int
	nth      int // 1-based among the parent's children of the same name

	// While the element is open: the prefixes it declares, and how many
	// children of each name it has so far.
	declared []string
	counts   map[string]int
}

// docAttr is an attribute of a docElem, namespace declarations left out.
type docAttr struct {
	space, local, prefix, value string
}

func (e *docElem) qname() string {
	if e.prefix == "" {
		return e.local
	}
	return e.prefix + ":" + e.local
}

// path names e by its ancestors, as in rss/channel/item[2]/title.
func (e *docElem) path() string {
	var parts []string
	for n := e; n != nil; n = n.parent {
		p := n.qname()
		if n.nth > 1 || n.local == "item" || n.local == "entry" {
			p = fmt.Sprintf("%s[%d]", p, n.nth)
		}
		parts = append(parts, p)
	}
	slices.Reverse(parts)
	return strings.Join(parts, "/")
}

// first returns the first child element named local in namespace space.
func (e *docElem) first(space, local string) *docElem {
	for _, c := range e.children {
		if c.space == space && c.local == local {
			return c
		}
	}
	return nil
}

// all returns the child elements named local in namespace space.
func (e *docElem) all(space, local string) []*docElem {
	var out []*docElem
	for _, c := range e.children {
		if c.space == space && c.local == local {
			out = append(out, c)
		}
	}
	return out
}

// attr returns the value of the attribute local in namespace space.
func (e *docElem) attr(space, local string) (string, bool) {
	for _, a := range e.attrs {
		if a.space == space && a.local == local {
			return a.value, true
		}
	}
	return "", false
}

func (e *docElem) textValue() string { return string(e.text) }

// walk calls fn for e and every element below it, in document order.
func (e *docElem) walk(fn func(*docElem)) {
	fn(e)
	for _, c := range e.children {
		c.walk(fn)
	}
}

// blankElem reports whether e is missing or holds only white space.
func blankElem(e *docElem) bool {
	return e == nil || strings.TrimSpace(e.textValue()) == ""
}

// passCharset lets a document that declares another encoding be read as
// UTF-8; the declaration itself is reported as a problem.
func passCharset(_ string, r io.Reader) (io.Reader, error) { return r, nil }

// refusedChar is a character XMLChar refuses, or a byte that is not UTF-8
// (r is utf8.RuneError and size is 1), at a byte offset of the document.
type refusedChar struct {
	off, size int
	r         rune
}

// maskXMLChars returns data with every refused character or invalid byte
// replaced by spaces, byte for byte, and where they were. The strict pass
// reads the masked copy, so one bad character does not hide the rest of
// the document, and offsets stay those of the original.
func maskXMLChars(data []byte) ([]byte, []refusedChar) {
	var out []byte
	var bad []refusedChar
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if (r == utf8.RuneError && size == 1) || !XMLChar(r) {
			if out == nil {
				out = bytes.Clone(data)
			}
			for j := i; j < i+size; j++ {
				out[j] = ' '
			}
			bad = append(bad, refusedChar{off: i, size: size, r: r})
		}
		i += size
	}
	if out == nil {
		return data, nil
	}
	return out, bad
}

// lineIndex maps byte offsets to lines and columns.
type lineIndex struct {
	data   []byte
	starts []int
}

func newLineIndex(data []byte) *lineIndex {
	li := &lineIndex{data: data, starts: []int{0}}
	for i, c := range data {
		if c == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

func (li *lineIndex) pos(off int) (line, col int) {
	i := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	return i + 1, utf8.RuneCount(li.data[li.starts[i]:off]) + 1
}

// xmlDeclParam matches a pseudo-attribute of the XML declaration.
var xmlDeclParam = lazyRegexp(`(?:^|\s)(version|encoding)\s*=\s*(?:"([^"]*)"|'([^']*)')`)

// readXML runs the strict encoding/xml token pass over the whole document
// and builds the element tree the spec rules walk. It reports characters XML
// does not allow, a missing or non-UTF-8 XML declaration, undeclared
// namespace prefixes and syntax errors. It returns nil when the document is
// not well formed, as rules run on a partial tree would only add noise.
// Its cost is linear in the document, however wide or deep.
func (v *validation) readXML(data []byte) *docElem {
	data, enc := decodeXML(data)
	v.encoding = enc
	data = bytes.TrimPrefix(data, utf8BOM)
	masked, bad := maskXMLChars(data)
	var lines *lineIndex
	nextBad := 0
	badReported := 0
	// reportBad reports refused characters before offset upto, naming the
	// element at, if any, they are in.
	reportBad := func(upto int64, at *docElem) {
		for nextBad < len(bad) && int64(bad[nextBad].off) < upto {
			b := bad[nextBad]
			nextBad++
			badReported++
			if badReported > maxCharProblems {
				continue
			}
			if lines == nil {
				lines = newLineIndex(data)
			}
			line, col := lines.pos(b.off)
			if b.r == utf8.RuneError && b.size == 1 {
				v.errorf("line %d, column %d%s: byte 0x%02X is not valid UTF-8", line, col, at.where(), data[b.off])
			} else {
				v.errorf("line %d, column %d%s: character %U is not allowed in XML", line, col, at.where(), b.r)
			}
		}
	}
	defer func() {
		reportBad(int64(len(data))+1, nil)
		if n := badReported - maxCharProblems; n > 0 {
			v.errorf("%d more characters not allowed in XML", n)
		}
	}()

	d := xml.NewDecoder(bytes.NewReader(masked))
	d.Strict = true
	d.CharsetReader = passCharset
	v.undeclared = map[string]bool{}
	ns := namespaces{}

	var (
		root   *docElem
		top    *docElem // the open element, nil outside the root
		first  = true
		noDecl = false
	)
	for {
		line, _ := d.InputPos()
		tok, err := d.RawToken()
		off := d.InputOffset()
		if err == io.EOF {
			if top != nil {
				reportBad(off+1, top)
				v.errorf("line %d%s: XML is not well formed: the document ends inside <%s>", line, top.where(), top.qname())
				return nil
			}
			break
		}
		if err != nil {
			reportBad(off+1, top)
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
				err = errors.New(se.Msg)
			}
			v.errorf("line %d%s: XML is not well formed: %v", line, top.where(), err)
			return nil
		}
		isDecl := false
		switch t := tok.(type) {
		case xml.ProcInst:
			reportBad(off, top)
			if strings.EqualFold(t.Target, "xml") {
				isDecl = true
				if !first {
					v.errorf("line %d: the XML declaration must open the document", line)
					noDecl = false
				} else {
					v.checkXMLDecl(t)
				}
			}
		case xml.StartElement:
			if root != nil && top == nil {
				reportBad(off, nil)
				v.errorf("line %d: XML is not well formed: a second root element <%s>", line, rawQName(t.Name))
				return nil
			}
			e := v.openElement(t, top, ns, line)
			reportBad(off, e)
			if top == nil {
				root = e
			} else {
				top.children = append(top.children, e)
			}
			top = e
		case xml.EndElement:
			reportBad(off, top)
			if top == nil {
				v.errorf("line %d: XML is not well formed: </%s> closes nothing", line, rawQName(t.Name))
				return nil
			}
			if rawQName(t.Name) != top.qname() {
				v.errorf("line %d%s: XML is not well formed: <%s> is closed by </%s>", line, top.where(), top.qname(), rawQName(t.Name))
				return nil
			}
			for _, prefix := range top.declared {
				ns.pop(prefix)
			}
			top.declared, top.counts = nil, nil
			top = top.parent
		case xml.CharData:
			reportBad(off, top)
			if top == nil {
				if len(bytes.TrimSpace(t)) > 0 {
					v.errorf("line %d: XML is not well formed: text outside the root element", line)
					return nil
				}
				break
			}
			if r, ok := firstRefused(t); ok {
				v.errorf("line %d%s: character reference to %U is not allowed in XML", line, top.where(), r)
			}
			top.text = append(top.text, t...)
		case xml.Directive:
			reportBad(off, top)
			v.warnf("line %d: a feed should not have a document type declaration or other <!...> directive", line)
		default: // comments
			reportBad(off, top)
		}
		if first {
			first = false
			noDecl = !isDecl
		}
	}
	if first || noDecl {
		v.warnf(`line 1: missing XML declaration <?xml version="1.0" encoding="UTF-8"?> at the start of the document`)
	}
	if root == nil {
		v.errorf("XML is not well formed: no root element")
		return nil
	}
	return root
}

// where names e in parentheses for a message, or is empty for nil.
func (e *docElem) where() string {
	if e == nil {
		return ""
	}
	return " (" + e.path() + ")"
}

func rawQName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// firstRefused returns the first character in text that XMLChar refuses.
// The strict pass reads a masked copy, so such a character can only come
// from a character reference such as &#x85;.
func firstRefused(text []byte) (rune, bool) {
	for len(text) > 0 {
		r, size := utf8.DecodeRune(text)
		if !XMLChar(r) {
			return r, true
		}
		text = text[size:]
	}
	return 0, false
}

// checkXMLDecl checks the XML declaration: a version is required (XML 1.0
// section 2.8), the encoding must be one readers can decode, and UTF-8,
// declared, is what every reader handles best.
func (v *validation) checkXMLDecl(p xml.ProcInst) {
	if p.Target != "xml" {
		v.errorf("line 1: the XML declaration is written <?%s; it must be lower case <?xml", p.Target)
	}
	params := map[string]string{}
	for _, m := range xmlDeclParam().FindAllStringSubmatch(string(p.Inst), -1) {
		params[m[1]] = m[2] + m[3]
	}
	if _, ok := params["version"]; !ok {
		v.errorf(`line 1: the XML declaration has no version="1.0"`)
	}
	enc, ok := params["encoding"]
	switch {
	case !ok:
		v.warnf(`line 1: the XML declaration names no encoding; declare encoding="UTF-8"`)
	case v.encoding.unknown:
		v.errorf(`line 1: the XML declaration names encoding %q, which readers cannot decode`, clipValue(enc))
	case !strings.EqualFold(enc, "utf-8"):
		v.warnf(`line 1: the XML declaration names encoding %q; feeds are best published in UTF-8`, clipValue(enc))
	}
}

// namespaces maps each prefix to the URIs bound to it by the open elements,
// innermost last; "" is the default namespace.
type namespaces map[string][]string

func (ns namespaces) push(prefix, uri string) { ns[prefix] = append(ns[prefix], uri) }

func (ns namespaces) pop(prefix string) {
	if s := ns[prefix]; len(s) > 0 {
		ns[prefix] = s[:len(s)-1]
	}
}

// lookup returns the URI prefix is bound to; the default namespace is
// always bound, to "" when none is declared.
func (ns namespaces) lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return nsXML, true
	case "xmlns":
		return "", false
	}
	if s := ns[prefix]; len(s) > 0 {
		return s[len(s)-1], true
	}
	return "", prefix == ""
}

// openElement makes the element for a start tag under parent: it binds the
// tag's namespace declarations in ns and resolves the element's and its
// attributes' prefixes, reporting undeclared prefixes and repeated
// attributes.
func (v *validation) openElement(t xml.StartElement, parent *docElem, ns namespaces, line int) *docElem {
	e := &docElem{parent: parent, local: t.Name.Local, prefix: t.Name.Space, line: line, nth: 1}
	if parent != nil {
		if parent.counts == nil {
			parent.counts = map[string]int{}
		}
		parent.counts[e.qname()]++
		e.nth = parent.counts[e.qname()]
	}
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "xmlns":
			if a.Value == "" {
				v.errorf("line %d (%s): xmlns:%s must not be empty", line, e.path(), a.Name.Local)
			}
			if strings.ContainsAny(a.Value, " \t\r\n") {
				v.errorf("line %d (%s): namespace name %q of xmlns:%s holds white space; it must be a URI", line, e.path(), clipValue(a.Value), a.Name.Local)
			}
			ns.push(a.Name.Local, a.Value)
			e.declared = append(e.declared, a.Name.Local)
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			ns.push("", a.Value)
			e.declared = append(e.declared, "")
		}
	}
	resolve := func(prefix string) string {
		uri, ok := ns.lookup(prefix)
		if !ok && !v.undeclared[prefix] {
			v.undeclared[prefix] = true
			v.errorf("line %d (%s): namespace prefix %q is not declared; add xmlns:%s", line, e.path(), prefix, prefix)
		}
		return uri
	}
	e.space = resolve(e.prefix)
	for i, a := range t.Attr {
		for _, b := range t.Attr[:i] {
			if a.Name == b.Name {
				v.errorf("line %d (%s): attribute %s appears twice", line, e.path(), rawQName(a.Name))
				break
			}
		}
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		at := docAttr{local: a.Name.Local, prefix: a.Name.Space, value: a.Value}
		if at.prefix != "" {
			at.space = resolve(at.prefix)
		}
		if r, ok := firstRefused([]byte(a.Value)); ok {
			v.errorf("line %d (%s): attribute %s: character reference to %U is not allowed in XML", line, e.path(), rawQName(a.Name), r)
		}
		e.attrs = append(e.attrs, at)
	}
	return e
}

// checkPrefixBindings reports well-known prefixes bound to the wrong
// namespace: readers look elements up by namespace, so a content:encoded in
// another namespace is not the body at all.
func (v *validation) checkPrefixBindings(root *docElem, want map[string]string) {
	reported := map[string]bool{}
	check := func(e *docElem, prefix, space, name string) {
		uri, known := want[prefix]
		if !known || space == "" || space == uri || reported[prefix] {
			return
		}
		reported[prefix] = true
		v.errorf("line %d (%s): <%s> is in namespace %q; xmlns:%s must be %q", e.line, e.path(), name, space, prefix, uri)
	}
	root.walk(func(e *docElem) {
		check(e, e.prefix, e.space, e.qname())
		for _, a := range e.attrs {
			check(e, a.prefix, a.space, a.prefix+":"+a.local)
		}
	})
}
