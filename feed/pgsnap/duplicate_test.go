package pgsnap

import (
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed/httpfeed"
	"github.com/feedpub/feedpub/feed/page"
	"github.com/feedpub/feedpub/internal/pgtest"
)

// TestReplicaLoadsUnusualBodies requires a replica to serve a generation
// whose resources held in memory include two with the same bytes, stored
// once (a site may well publish one file under two names), or an empty
// one.
func TestReplicaLoadsUnusualBodies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		bodies [2][]byte
	}{
		{"equal", [2][]byte{[]byte("User-agent: *\nAllow: /\n"), []byte("User-agent: *\nAllow: /\n")}},
		{"empty", [2][]byte{{}, []byte("User-agent: *\nAllow: /\n")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.URL(t)
			lh, rh := newHandler(), newHandler()
			leader, replica := open(t, url, lh), open(t, url, rh)
			site := func(third string) *httpfeed.Snapshot {
				snap, err := httpfeed.NewSiteSnapshot(nil, httpfeed.Site{
					Page: page.Site{Title: "News", Link: "https://example.org/"},
					Files: []httpfeed.SiteFile{
						{Path: "/a.txt", ContentType: "text/plain; charset=utf-8", Body: tc.bodies[0]},
						{Path: "/b.txt", ContentType: "text/plain; charset=utf-8", Body: tc.bodies[1]},
						{Path: "/c.txt", ContentType: "text/plain; charset=utf-8", Body: []byte(third)},
					},
				}, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
				if err != nil {
					t.Fatal(err)
				}
				return snap
			}
			if err := leader.Publish(t.Context(), site("one")); err != nil {
				t.Fatal(err)
			}
			gen := leader.Status().Generation
			// A replica started now loads the generation before Open
			// returns.
			late := newHandler()
			ls := openRecheck(t, url, late, time.Hour)
			if g := ls.Status().Generation; g != gen {
				t.Fatalf("a replica started after the publish serves generation %d, want %d", g, gen)
			}
			waitGeneration(t, replica, gen)
			for i, p := range []string{"/a.txt", "/b.txt"} {
				for _, h := range []*httpfeed.Handler{late, rh} {
					if rec := get(h, p, ""); rec.Code != 200 || rec.Body.String() != string(tc.bodies[i]) {
						t.Errorf("%s served by a replica: %d %q", p, rec.Code, rec.Body.String())
					}
				}
			}
			// The former leader loads what another publishes, reusing
			// the bodies it held of its own.
			if err := ls.Publish(t.Context(), site("two")); err != nil {
				t.Fatal(err)
			}
			waitGeneration(t, leader, ls.Status().Generation)
			if rec := get(lh, "/a.txt", ""); rec.Code != 200 || rec.Body.String() != string(tc.bodies[0]) {
				t.Errorf("/a.txt served by the former leader: %d %q", rec.Code, rec.Body.String())
			}
		})
	}
}
