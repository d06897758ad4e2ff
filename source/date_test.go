package source

import (
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	t.Parallel()
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		name string
		in   string
		want time.Time
	}{
		{"date only", "2026-03-14", utc(2026, 3, 14, 0, 0, 0, 0)},
		{"date and minutes", "2026-03-14 07:30", utc(2026, 3, 14, 7, 30, 0, 0)},
		{"date and seconds", "2026-03-14 07:30:15", utc(2026, 3, 14, 7, 30, 15, 0)},
		{"T and minutes", "2026-03-14T07:30", utc(2026, 3, 14, 7, 30, 0, 0)},
		{"T and seconds", "2026-03-14T07:30:15", utc(2026, 3, 14, 7, 30, 15, 0)},
		{"RFC 3339 Z", "2026-03-14T07:30:15Z", utc(2026, 3, 14, 7, 30, 15, 0)},
		{"RFC 3339 offset converted to UTC", "2026-03-14T07:30:15+01:00", utc(2026, 3, 14, 6, 30, 15, 0)},
		{"RFC 3339 fraction", "2026-03-14T07:30:15.250-02:00", utc(2026, 3, 14, 9, 30, 15, 250e6)},
		{"RFC 3339 lower case t and z", "2026-03-14t07:30:15z", utc(2026, 3, 14, 7, 30, 15, 0)},
		{"RFC 3339 with a space", "2026-03-14 07:30:15Z", utc(2026, 3, 14, 7, 30, 15, 0)},
		{"surrounding space", "  2026-03-14  ", utc(2026, 3, 14, 0, 0, 0, 0)},
		{"RFC 1123", "Sat, 14 Mar 2026 07:30:15 GMT", utc(2026, 3, 14, 7, 30, 15, 0)},
		{"RFC 1123Z", "Sat, 14 Mar 2026 07:30:15 +0100", utc(2026, 3, 14, 6, 30, 15, 0)},
		{"RFC 1123 named US zone", "Sat, 14 Mar 2026 07:30:15 EST", utc(2026, 3, 14, 12, 30, 15, 0)},
		{"RFC 822", "14 Mar 26 07:30 PDT", utc(2026, 3, 14, 14, 30, 0, 0)},
		{"RFC 822Z", "14 Mar 26 07:30 -0700", utc(2026, 3, 14, 14, 30, 0, 0)},
		{"RFC 2822 one-digit day and comment", "Sat, 4 Apr 2026 07:30:15 +0000 (UTC)", utc(2026, 4, 4, 7, 30, 15, 0)},
		{"mail form without weekday or zone", "4 Apr 2026 07:30", utc(2026, 4, 4, 7, 30, 0, 0)},
		{"mail form with colon offset", "Sat, 14 Mar 2026 07:30:15 +01:00", utc(2026, 3, 14, 6, 30, 15, 0)},
		{"ISO without a zone", "2018-01-06T08:00", utc(2018, 1, 6, 8, 0, 0, 0)},
		{"ISO offset without colon", "2018-01-06T08:00:00+0100", utc(2018, 1, 6, 7, 0, 0, 0)},
		{"ISO with a named zone", "2018-01-06 08:00:00 CET", utc(2018, 1, 6, 7, 0, 0, 0)},
		{"two-digit year, European zone", "Sat, 06 Jan 18 08:00:00 CEST", utc(2018, 1, 6, 6, 0, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDate(tt.in)
			if err != nil {
				t.Fatalf("ParseDate(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseDate(%q) = %v, want %v in UTC", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantErr string
	}{
		{"empty", "", "empty date"},
		{"words", "yesterday", "not RFC 3339"},
		{"day out of range", "2026-02-30", "day out of range"},
		{"hour out of range", "2026-02-03 25:00", "hour out of range"},
		{"trailing junk", "2026-02-03 noon", "not RFC 3339"},
		{"ambiguous zone name", "Sat, 14 Mar 2026 07:30:15 IST", `unknown time zone "IST"`},
		{"slashes", "03/14/2026", "not RFC 3339"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseDate(tt.in)
			if err == nil {
				t.Fatalf("ParseDate(%q) = %v, want error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseDate(%q) error %q, want it to contain %q", tt.in, err, tt.wantErr)
			}
		})
	}
}
