package feed

import (
	"strconv"
	"strings"
	"time"
)

// RSS 2.0 dates are RFC 822 date-times (section 5), with the four-digit
// years RFC 1123 allows: "Mon, 02 Jan 2006 15:04:05 GMT". The day name is
// optional, seconds are optional, and the zone is UT, GMT, a North American
// name (EST, EDT, CST, CDT, MST, MDT, PST, PDT), a one-letter military zone
// or a signed four-digit offset. "UTC" is not among them.

// rfc822Date matches the form RFC 822 and RFC 1123 define, with the single
// spaces and capitals RFC 2822 writes; rfc822Loose matches what RFC 822's
// grammar also admits (any case, more white space, two-digit years), which
// some readers mis-read.
var (
	rfc822Date  = lazyRegexp(`^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d\d?) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d\d):(\d\d)(?::(\d\d))? ([+-]\d{4}|UT|GMT|Z|[ECMP][SD]T|[A-IK-Y])$`)
	rfc822Loose = lazyRegexp(`(?i)^(?:(mon|tue|wed|thu|fri|sat|sun)\s*,\s*)?(\d\d?)\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\s+(\d\d(?:\d\d)?)\s+(\d\d):(\d\d)(?::(\d\d))?\s+([+-]\d{4}|ut|gmt|z|[ecmp][sd]t|[a-ik-z])$`)
)

var months = map[string]time.Month{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// rfc822Zones are the named zones of RFC 822 and their offsets in hours.
var rfc822Zones = map[string]int{"ut": 0, "gmt": 0, "z": 0, "est": -5, "edt": -4, "cst": -6, "cdt": -5, "mst": -7, "mdt": -6, "pst": -8, "pdt": -7}

// rfc822Result is what parseRFC822 makes of a date.
type rfc822Result struct {
	t     time.Time
	loose bool   // RFC 822 allows it, but not in the form readers expect
	named string // a zone other than a numeric offset, GMT, UT or Z
	err   string // why it is no RFC 822 date; "" when it is one
}

// parseRFC822 reads an RSS date.
func parseRFC822(s string) rfc822Result {
	var r rfc822Result
	m := rfc822Date().FindStringSubmatch(s)
	if m == nil {
		m = rfc822Loose().FindStringSubmatch(strings.TrimSpace(s))
		if m == nil {
			r.err = `not an RFC 822 date like "Mon, 02 Jan 2006 15:04:05 GMT" or "... +0000"`
			if strings.HasSuffix(strings.ToUpper(strings.TrimSpace(s)), " UTC") {
				r.err = `zone "UTC" is not an RFC 822 zone; write GMT or +0000`
			}
			return r
		}
		r.loose = true
	}
	day, _ := strconv.Atoi(m[2])
	year, _ := strconv.Atoi(m[4])
	if len(m[4]) == 2 {
		year += 1900
		if year < 1950 {
			year += 100
		}
	}
	hour, _ := strconv.Atoi(m[5])
	minute, _ := strconv.Atoi(m[6])
	sec := 0
	if m[7] != "" {
		sec, _ = strconv.Atoi(m[7])
	}
	month := months[strings.ToLower(m[3])]
	if hour > 23 || minute > 59 || sec > 60 {
		r.err = "the time of day is out of range"
		return r
	}
	if day < 1 || day > daysIn(month, year) {
		r.err = "the day is out of range for the month"
		return r
	}
	zone := m[8]
	offset := 0
	switch lz := strings.ToLower(zone); {
	case zone[0] == '+' || zone[0] == '-':
		h, _ := strconv.Atoi(zone[1:3])
		mm, _ := strconv.Atoi(zone[3:5])
		if mm > 59 {
			r.err = "the zone offset's minutes are out of range"
			return r
		}
		offset = h*3600 + mm*60
		if zone[0] == '-' {
			offset = -offset
		}
	case len(lz) == 1 && lz != "z":
		// Military zones: RFC 1123 notes RFC 822 got their signs wrong,
		// so they say nothing reliable.
		r.named = zone
	default:
		offset = rfc822Zones[lz] * 3600
		if lz != "gmt" && lz != "ut" && lz != "z" {
			r.named = zone
		}
	}
	r.t = time.Date(year, month, day, hour, minute, sec, 0, time.FixedZone(zone, offset))
	if dn := m[1]; dn != "" && !strings.EqualFold(dn, r.t.Weekday().String()[:3]) {
		r.err = "the day of the week is wrong; the date is a " + r.t.Weekday().String()
	}
	return r
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// checkRFC822 checks an RSS date element.
func (v *validation) checkRFC822(subject string, e *docElem) {
	field := "<" + e.qname() + ">"
	raw := e.textValue()
	s := strings.TrimSpace(raw)
	if s == "" {
		v.errorRule(ruleRFC822, "%s: empty %s", subject, field)
		return
	}
	r := parseRFC822(s)
	switch {
	case r.err != "":
		v.errorRule(ruleRFC822, "%s: %s %q: %s", subject, field, clipValue(s), r.err)
		return
	case r.loose:
		v.warnf(`%s: %s %q is RFC 822 but not in the form readers expect, "Mon, 02 Jan 2006 15:04:05 +0000"`, subject, field, clipValue(s))
	case s != raw:
		v.warnf("%s: %s %q has white space around the date", subject, field, clipValue(raw))
	case r.named != "":
		v.warnf("%s: %s %q names zone %s, which some readers do not know; use GMT or a numeric zone such as +0000", subject, field, clipValue(s), r.named)
	}
	// A date before 1970 or centuries ahead is more likely a mistake; it
	// is the input's date, which a publisher keeps as given.
	if y := r.t.Year(); y < 1970 || y > time.Now().Year()+100 {
		v.note(Warning, ruleBest, true, "%s: %s %q is implausible", subject, field, clipValue(s))
	}
}

// w3cdtf matches the W3C date-time profile of ISO 8601 that Dublin Core
// uses: a year, year-month, date, or date and time with a zone.
var w3cdtf = lazyRegexp(`^\d{4}(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d))?)?)?$`)

// checkW3CDTF checks a dc:date or dcterms date.
func (v *validation) checkW3CDTF(subject, field, s string) {
	s = strings.TrimSpace(s)
	m := w3cdtf().FindStringSubmatch(s)
	ok := m != nil
	if ok && m[1] != "" {
		mo, _ := strconv.Atoi(m[1])
		ok = mo >= 1 && mo <= 12
		if ok && m[2] != "" {
			y, _ := strconv.Atoi(s[:4])
			d, _ := strconv.Atoi(m[2])
			ok = d >= 1 && d <= daysIn(time.Month(mo), y)
		}
		if ok && m[3] != "" {
			h, _ := strconv.Atoi(m[3])
			mi, _ := strconv.Atoi(m[4])
			ok = h <= 23 && mi <= 59
		}
	}
	if !ok {
		v.errorRule("W3CDTF date", `%s: %s %q is not a W3C date-time like "2006-01-02" or "2006-01-02T15:04:05Z"`, subject, field, clipValue(s))
	}
}
