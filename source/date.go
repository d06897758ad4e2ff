package source

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// isoLayouts are the ISO 8601 / RFC 3339 shapes people write in headers,
// most specific first. A layout without a zone yields UTC. Fractional
// seconds are accepted after any seconds field.
var isoLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02 15:04Z07:00",
	"2006-01-02T15:04:05-0700",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04-0700",
	"2006-01-02 15:04 -0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// mailLayouts are the RFC 822 / RFC 1123 / RFC 2822 shapes, after the day
// of the week, any trailing comment and a named zone have been removed.
var mailLayouts = []string{
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04 -0700",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 06 15:04:05",
	"2 Jan 06 15:04",
}

// mailZones gives the offsets of the zone names RFC 822 defines, plus UTC.
// Go's own parser would read an unknown abbreviation as UTC unless it
// happens to be the machine's local zone, so names are mapped here and any
// other name is refused rather than silently misread.
var mailZones = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400",
	"CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600",
	"PST": "-0800", "PDT": "-0700",
	// Zone names that are common in feeds and mean one offset only.
	"AKST": "-0900", "AKDT": "-0800", "HST": "-1000",
	"WET": "+0000", "WEST": "+0100", "BST": "+0100",
	"CET": "+0100", "CEST": "+0200", "MET": "+0100", "MEST": "+0200",
	"EET": "+0200", "EEST": "+0300", "MSK": "+0300",
	"HKT": "+0800", "SGT": "+0800", "JST": "+0900", "KST": "+0900",
	"AWST": "+0800", "ACST": "+0930", "AEST": "+1000", "AEDT": "+1100",
	"NZST": "+1200", "NZDT": "+1300",
}

// ParseDate reads a date as people write it in article headers, so that
// every source reads the same forms the same way: RFC 3339, RFC 1123 and
// RFC 822 (with or without the day of the week, seconds or a four-digit
// year), "2006-01-02", "2006-01-02 15:04[:05]" and "2006-01-02T15:04[:05]".
// A date without a zone is taken as UTC. The result is always in UTC.
func ParseDate(s string) (time.Time, error) {
	v := strings.Join(strings.Fields(s), " ")
	if v == "" {
		return time.Time{}, errors.New("empty date")
	}
	var err error
	if len(v) >= 5 && isDigits(v[:4]) && v[4] == '-' {
		var t time.Time
		t, err = parseISO(v)
		if err == nil {
			return t.UTC(), nil
		}
	} else {
		var t time.Time
		t, err = parseMail(v)
		if err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q: %w", s, err)
}

// errDateForm says a date matched none of the accepted forms.
var errDateForm = errors.New("not RFC 3339, RFC 1123, RFC 822 or YYYY-MM-DD[ HH:MM[:SS]]")

// parseISO tries the ISO layouts on v, accepting the lower-case "t" and "z"
// RFC 3339 allows.
func parseISO(v string) (time.Time, error) {
	if len(v) > 10 && v[10] == 't' {
		v = v[:10] + "T" + v[11:]
	}
	if strings.HasSuffix(v, "z") {
		v = v[:len(v)-1] + "Z"
	}
	// A named zone after the time, as in "2018-01-06 08:00:00 CET".
	if i := strings.LastIndexByte(v, ' '); i > 10 && isLetters(v[i+1:]) {
		off, ok := mailZones[strings.ToUpper(v[i+1:])]
		if !ok {
			return time.Time{}, fmt.Errorf("unknown time zone %q", v[i+1:])
		}
		v = v[:i] + " " + off
	}
	return parseLayouts(v, isoLayouts)
}

// parseMail reads the e-mail date forms.
func parseMail(v string) (time.Time, error) {
	// A trailing comment, as in "-0800 (PST)".
	if strings.HasSuffix(v, ")") {
		if i := strings.LastIndexByte(v, '('); i > 0 {
			v = strings.TrimSpace(v[:i])
		}
	}
	// The day of the week, which carries nothing the date does not.
	if i := strings.IndexByte(v, ','); i > 0 && isLetters(v[:i]) {
		v = strings.TrimSpace(v[i+1:])
	}
	fields := strings.Fields(v)
	if n := len(fields); n == 5 {
		zone := fields[n-1]
		switch {
		case isLetters(zone):
			off, ok := mailZones[strings.ToUpper(zone)]
			if !ok {
				return time.Time{}, fmt.Errorf("unknown time zone %q", zone)
			}
			fields[n-1] = off
		case len(zone) == 6 && zone[3] == ':':
			// "+01:00", common though not RFC 822.
			fields[n-1] = zone[:3] + zone[4:]
		}
		v = strings.Join(fields, " ")
	}
	return parseLayouts(v, mailLayouts)
}

// parseLayouts returns the first successful parse of v. When all fail it
// prefers an error that says what was wrong with a well-formed date ("day
// out of range") to a bare mismatch.
func parseLayouts(v string, layouts []string) (time.Time, error) {
	var specific error
	for _, layout := range layouts {
		t, err := time.Parse(layout, v)
		if err == nil {
			return t, nil
		}
		var pe *time.ParseError
		if specific == nil && errors.As(err, &pe) && strings.HasSuffix(pe.Message, "out of range") {
			specific = errors.New(strings.TrimPrefix(pe.Message, ": "))
		}
	}
	if specific != nil {
		return time.Time{}, specific
	}
	return time.Time{}, errDateForm
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isLetters reports whether s is non-empty and all ASCII letters.
func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}
