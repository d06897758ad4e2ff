package pgsnap

import (
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed/httpfeed"
	"github.com/feedpub/feedpub/feed/page"
	"github.com/feedpub/feedpub/internal/pgtest"
)

// TestReplicaLoadsEqualBodies requires a replica to serve a generation in
// which two resources held in memory have the same bytes, stored once:
// a site may well publish one file under two names.
func TestReplicaLoadsEqualBodies(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	lh, rh := newHandler(), newHandler()
	leader, replica := open(t, url, lh), open(t, url, rh)
	twice := []byte("User-agent: *\nAllow: /\n")
	snap, err := httpfeed.NewSiteSnapshot(nil, httpfeed.Site{
		Page: page.Site{Title: "News", Link: "https://example.org/"},
		Files: []httpfeed.SiteFile{
			{Path: "/robots.txt", ContentType: "text/plain; charset=utf-8", Body: twice},
			{Path: "/robots-copy.txt", ContentType: "text/plain; charset=utf-8", Body: twice},
		},
	}, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := leader.Publish(t.Context(), snap); err != nil {
		t.Fatal(err)
	}
	gen := leader.Status().Generation
	// A replica started now loads the generation before Open returns.
	late := newHandler()
	ls := openRecheck(t, url, late, time.Hour)
	if g := ls.Status().Generation; g != gen {
		t.Fatalf("a replica started after the publish serves generation %d, want %d", g, gen)
	}
	waitGeneration(t, replica, gen)
	for _, p := range []string{"/robots.txt", "/robots-copy.txt"} {
		if got := get(late, p, "").Body.String(); got != string(twice) {
			t.Errorf("%s served by the replica: %q", p, got)
		}
	}
}
