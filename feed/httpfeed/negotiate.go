package httpfeed

import (
	"net/http"
	"strings"
	"time"
)

// timeFormat is the IMF-fixdate layout of HTTP dates.
const timeFormat = http.TimeFormat

// Every function in this file runs on each request, so none of them
// allocates: they walk the header strings in place instead of splitting them.

// acceptedCodings reports which of the codings this package can send the
// Accept-Encoding values allow, following RFC 9110, section 12.5.3: codings
// with q=0 are refused, "*" stands for every coding not named, and identity
// is acceptable unless refused by name or by "*;q=0". Without the header the
// client gets identity: "any coding is acceptable" is what the RFC says, but
// clients that send nothing are the ones least likely to decode gzip.
func acceptedCodings(values []string) coding {
	if len(values) == 0 {
		return codingIdentity
	}
	var named, ok coding
	star, starOK := false, false
	for _, v := range values {
		for len(v) > 0 {
			var elem string
			if i := strings.IndexByte(v, ','); i >= 0 {
				elem, v = v[:i], v[i+1:]
			} else {
				elem, v = v, ""
			}
			name, params, _ := strings.Cut(elem, ";")
			name = trimOWS(name)
			if name == "" {
				continue
			}
			positive, valid := qPositive(params)
			if !valid {
				continue
			}
			// Switching on the length first keeps the case-insensitive
			// comparisons to one per element.
			var c coding
			switch len(name) {
			case 1:
				if name == "*" {
					star = true
					starOK = starOK || positive
				}
				continue
			case 4:
				if !strings.EqualFold(name, "gzip") {
					continue
				}
				c = codingGzip
			case 6:
				if !strings.EqualFold(name, "x-gzip") {
					continue
				}
				c = codingGzip
			case 8:
				if !strings.EqualFold(name, "identity") {
					continue
				}
				c = codingIdentity
			default:
				continue
			}
			named |= c
			if positive {
				ok |= c
			}
		}
	}
	if star && starOK {
		ok |= allCodings &^ named
	}
	if named&codingIdentity == 0 && !(star && !starOK) {
		ok |= codingIdentity
	}
	return ok
}

// allCodings is every coding a representation can have.
const allCodings = codingIdentity | codingGzip

// qPositive reads the weight among an Accept-Encoding element's parameters:
// positive is false for q=0 (with any number of zero decimals), valid is
// false for a weight that is not an RFC 9110 qvalue, so that the element can
// be ignored rather than guessed at.
func qPositive(params string) (positive, valid bool) {
	for len(params) > 0 {
		var p string
		if i := strings.IndexByte(params, ';'); i >= 0 {
			p, params = params[:i], params[i+1:]
		} else {
			p, params = params, ""
		}
		p = trimOWS(p)
		if len(p) < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=' {
			continue
		}
		q := p[2:]
		if q == "" || len(q) > 5 || (q[0] != '0' && q[0] != '1') {
			return false, false
		}
		if len(q) > 1 && q[1] != '.' {
			return false, false
		}
		nonzero := q[0] == '1'
		for i := 2; i < len(q); i++ {
			if q[i] < '0' || q[i] > '9' {
				return false, false
			}
			if q[i] != '0' {
				if q[0] == '1' {
					return false, false
				}
				nonzero = true
			}
		}
		return nonzero, true
	}
	return true, true
}

// trimOWS removes the optional whitespace (spaces and tabs) HTTP allows
// around list elements.
func trimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// etagMatches evaluates If-None-Match values against etag, the quoted strong
// tag of the variant about to be sent, with the weak comparison RFC 9110
// (section 13.1.2) prescribes: a "W/" prefix is ignored, lists may span
// several header lines, and "*" matches any current representation.
// Malformed members are skipped.
func etagMatches(values []string, etag string) bool {
	for _, s := range values {
		for {
			for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == ',') {
				s = s[1:]
			}
			if s == "" {
				break
			}
			if s[0] == '*' {
				return true
			}
			s = strings.TrimPrefix(s, "W/")
			if s == "" || s[0] != '"' {
				i := strings.IndexByte(s, ',')
				if i < 0 {
					break
				}
				s = s[i+1:]
				continue
			}
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				break
			}
			if s[:end+2] == etag {
				return true
			}
			s = s[end+2:]
		}
	}
	return false
}

// notModified decides a conditional GET or HEAD per RFC 9110, section 13.2.2:
// If-None-Match when present, otherwise If-Modified-Since, which matches
// when the document was not modified after the given date, even one in the
// future. An unparsable date is ignored.
func notModified(h http.Header, rep *representation, v *variant) bool {
	inm, hasINM := h["If-None-Match"]
	var ims string
	if v := h["If-Modified-Since"]; len(v) > 0 {
		ims = v[0]
	}
	return notModifiedBy(inm, hasINM, ims, rep, v)
}

// notModifiedBy is notModified on the header values themselves: the
// If-None-Match lines (hasINM tells an empty one from none) and the first
// If-Modified-Since, empty when there is none.
func notModifiedBy(inm []string, hasINM bool, ims string, rep *representation, v *variant) bool {
	if hasINM {
		return etagMatches(inm, v.etag)
	}
	if ims == "" || rep.lastModified == "" {
		return false
	}
	if ims == rep.lastModified {
		return true
	}
	t, ok := parseHTTPDate(ims)
	return ok && rep.modified <= t.Unix()
}

// parseHTTPDate parses an HTTP date. The IMF-fixdate form every current
// client sends is parsed in place, because time.Parse allocates a zone for
// "GMT"; the obsolete forms go through http.ParseTime.
func parseHTTPDate(s string) (time.Time, bool) {
	if t, ok := parseIMFFixdate(s); ok {
		return t, true
	}
	t, err := http.ParseTime(s)
	return t, err == nil
}

// parseIMFFixdate parses "Sun, 06 Nov 1994 08:49:37 GMT" without
// allocating. The weekday is not checked against the date, like
// http.ParseTime does not.
func parseIMFFixdate(s string) (time.Time, bool) {
	if len(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
		s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25:] != " GMT" {
		return time.Time{}, false
	}
	month := 0
	for i, m := range [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"} {
		if s[8:11] == m {
			month = i + 1
			break
		}
	}
	day, ok1 := digits(s[5:7])
	year, ok2 := digits(s[12:16])
	hour, ok3 := digits(s[17:19])
	minute, ok4 := digits(s[20:22])
	sec, ok5 := digits(s[23:25])
	if month == 0 || !ok1 || !ok2 || !ok3 || !ok4 || !ok5 ||
		day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
}

// digits parses a run of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
