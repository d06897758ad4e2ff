package publish_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/publish"
)

func TestFutureItemsAreHeldUntilTheirDate(t *testing.T) {
	t.Parallel()
	due := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s := newSite(t, map[string]string{
		"today.txt":     "Title: Today\nDate: 2026-03-01T08:00:00Z\n\nToday's story.\n",
		"scheduled.txt": "Title: Scheduled\nDate: 2026-03-02T10:00:00+01:00\n\nThe scheduled story.\n",
		"undated.txt":   "An undated story, dated by the ledger.\n",
	})
	const id = "tag:news.example.com,2026-01-01:wire/scheduled.txt"

	res := s.mustBuild() // the clock says 2026-03-01 12:00
	if _, ok := s.items()[id]; ok {
		t.Fatal("an item dated tomorrow was published today")
	}
	if res.Held != 1 || !res.NextHeld.Equal(due) {
		t.Errorf("Held, NextHeld = %d, %v; want 1, %v", res.Held, res.NextHeld, due)
	}
	log := s.logBuf.String()
	if !strings.Contains(log, "level=INFO") || !strings.Contains(log, "held back until its date") ||
		!strings.Contains(log, "file=scheduled.txt") || !strings.Contains(log, "appears=2026-03-02T09:00:00Z") {
		t.Errorf("held item not logged at info with its file and date:\n%s", log)
	}

	// Just before its date, nothing changes: the build is skipped and
	// still reports what it holds.
	s.clock = due.Add(-time.Second)
	s.logBuf.Reset()
	res = s.mustBuild()
	if _, ok := s.items()[id]; ok {
		t.Fatal("published a second before its date")
	}
	if res.Held != 1 || !res.NextHeld.Equal(due) {
		t.Errorf("skipped build: Held, NextHeld = %d, %v; want 1, %v", res.Held, res.NextHeld, due)
	}

	// From its date on, it is published with the date it states, though
	// no file changed.
	s.clock = due
	s.logBuf.Reset()
	res = s.mustBuild()
	it, ok := s.items()[id]
	if !ok {
		t.Fatalf("not published at its date; log:\n%s", s.logBuf.String())
	}
	if !it.Published.Equal(due) {
		t.Errorf("published with date %v, want its own %v", it.Published, due)
	}
	if res.Held != 0 || !res.NextHeld.IsZero() {
		t.Errorf("Held, NextHeld = %d, %v after its date; want none", res.Held, res.NextHeld)
	}
	before := s.items()

	// Later builds keep its id and date, and those of the others.
	s.clock = due.Add(48 * time.Hour)
	s.write("other.txt", "Another story arrives.\n")
	s.mustBuild()
	after := s.items()
	for id, was := range before {
		now, ok := after[id]
		if !ok || !now.Published.Equal(was.Published) || !now.Updated.Equal(was.Updated) {
			t.Errorf("item %s moved: %+v, then %+v", id, was, now)
		}
	}
}

func TestPublishFutureItemsAtOnce(t *testing.T) {
	t.Parallel()
	s := newSite(t, map[string]string{
		"scheduled.txt": "Title: Scheduled\nDate: 2030-01-01\n\nThe scheduled story.\n",
	})
	s.publishFuture = true
	res := s.mustBuild()
	it, ok := s.items()["tag:news.example.com,2026-01-01:wire/scheduled.txt"]
	if !ok || !it.Published.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("future item with PublishFuture: published %v, %+v", ok, it)
	}
	if res.Held != 0 {
		t.Errorf("Held = %d, want 0", res.Held)
	}
}

// Every source's own future dates are held, whatever its kind; an
// aggregated item's date is the upstream feed's, which its reader clamps,
// and is never held.
func TestHoldAppliesToItemsFeedpubPublishesFirst(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	dated := func(id string, at time.Time, origin bool) feed.Item {
		it := item(id, id)
		it.Published = at
		if origin {
			it.Origin = &feed.Origin{Title: "Upstream", Link: "https://upstream.example/", FeedURL: "https://upstream.example/feed"}
		}
		return it
	}
	src := &listSource{name: "mixed", items: []feed.Item{
		dated("past", now.Add(-time.Hour), false),
		dated("future", now.Add(time.Hour), false),
		dated("aggregated", now.Add(time.Millisecond), true),
	}}
	b := &publish.Builder{
		Sources: []publish.Source{src},
		Feeds:   []publish.Feed{{Name: "news", Meta: meta("news"), Sources: []string{"mixed"}, Limit: 10}},
		Ledger:  ledger.NewMemory(),
		Base:    &url.URL{Scheme: "http", Host: "x"},
		Now:     func() time.Time { return now },
	}
	res, err := b.Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := titles(res.Feeds[0], res); !slices.Equal(got, []string{"aggregated", "past"}) {
		t.Errorf("published %q, want aggregated and past", got)
	}
	if res.Held != 1 || !res.NextHeld.Equal(now.Add(time.Hour)) {
		t.Errorf("Held, NextHeld = %d, %v", res.Held, res.NextHeld)
	}
}
