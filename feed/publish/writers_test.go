package publish_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The articles under testdata/writers are written as writers write:
// sign-offs, a poem, a header with a typo and an unknown key, a header
// without its blank line, a story followed by other stories' headlines,
// and a story scheduled for next week. Only what each writer meant as an
// item becomes one, and every decision is logged with the file's name.
func TestWritersArticles(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	entries, err := os.ReadDir(filepath.Join("testdata", "writers"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("testdata", "writers", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(data)
	}
	s := newSite(t, files) // the clock says 2026-03-01 12:00 UTC
	s.mustBuild()
	log := s.logBuf.String()

	titles := map[string]bool{}
	for _, it := range s.items() {
		titles[it.Title] = true
	}
	want := []string{
		"Library Opens on Sundays",
		"Low Tide at Northgate",
		"Market Hall Adds Sunday Stalls",
		"Northgate Bakery Wins Regional Prize",
		"The harbour ferry returned to its full timetable on Monday after three weeks of repairs to the landing stage",
		"Tram drivers will vote next week on a new shift pattern that the operator says would add evening services",
		"Valley Side beat Eastmoor two goals to one in the county cup final on Saturday afternoon",
	}
	if got := slices.Sorted(maps.Keys(titles)); !slices.Equal(got, want) {
		t.Errorf("published titles:\n%s\nwant:\n%s\nlog:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), log)
	}

	body := string(s.published()["json"])
	for _, kept := range []string{"Reporting by Jane Doe", "Editing by Sam Lee", "it turns without a sound", "The trial runs until the end of the year."} {
		if !strings.Contains(body, kept) {
			t.Errorf("%q is not in its story", kept)
		}
	}
	for _, gone := range []string{"Titel", "Category: Sport", "Date: 2026"} {
		if strings.Contains(body, gone) {
			t.Errorf("header line %q was published", gone)
		}
	}
	if strings.Contains(body, "Bridge Reopening Ceremony") {
		t.Error("the story scheduled for 2026-03-06 was published on 2026-03-01")
	}

	for _, line := range [][]string{
		{"level=WARN", "file=typo-header.txt", "line=1", `did you mean \"Title\"?`},
		{"level=WARN", "file=typo-header.txt", "line=2", `did you mean \"Tags\"?`},
		{"level=WARN", "file=no-blank-header.txt", "line=3", "header not followed by a blank line"},
		{"level=INFO", "file=desk.txt", "line=5", "read as 2 headlines"},
		{"level=INFO", "file=signoff.txt", "title taken from the first sentence"},
		{"level=INFO", "file=scheduled.txt", "held back until its date", "appears=2026-03-06T08:00:00Z"},
	} {
		if !slices.ContainsFunc(strings.Split(log, "\n"), func(l string) bool {
			for _, part := range line {
				if !strings.Contains(l, part) {
					return false
				}
			}
			return true
		}) {
			t.Errorf("no log line with %q:\n%s", line, log)
		}
	}
	for l := range strings.Lines(log) {
		if (strings.Contains(l, "file=signoff.txt ") || strings.Contains(l, "file=poem.txt ")) && strings.Contains(l, "headlines") {
			t.Errorf("a story's own last lines read as headlines: %s", l)
		}
	}

	// On its date, the scheduled story appears with the date it states.
	s.clock = time.Date(2026, 3, 6, 8, 0, 0, 0, time.UTC)
	s.mustBuild()
	found := false
	for _, it := range s.items() {
		if it.Title == "Bridge Reopening Ceremony Set for Friday" {
			found = it.Published.Equal(s.clock)
		}
	}
	if !found {
		t.Errorf("the scheduled story is not published with its date on that date:\n%s", s.logBuf.String())
	}
}
