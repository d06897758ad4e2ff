package pgsnap

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/httpfeed"
	"github.com/feedpub/feedpub/feed/page"
	"github.com/feedpub/feedpub/internal/pgtest"
)

const base = "https://feeds.example.org/"

// snapshot renders a site of n items whose texts carry version, with an
// archive page and an item page.
func snapshot(t *testing.T, version string, built time.Time) *httpfeed.Snapshot {
	t.Helper()
	when := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	var items []feed.Item
	for i := range 3 {
		items = append(items, feed.Item{
			ID: fmt.Sprintf("tag:example.org,2026:%d", i), Title: fmt.Sprintf("Story %d %s", i, version),
			Link: base + fmt.Sprintf("items/s%d", i), Summary: "Said " + version, Published: when.Add(-time.Duration(i) * time.Hour),
		})
	}
	var docs []feed.Document
	for _, name := range []string{"news", "news/archive/1"} {
		meta := feed.Meta{ID: "tag:example.org,2026:feed:" + name, Title: "News", Link: "https://example.org/", SelfURL: map[feed.Format]string{}}
		for _, f := range feed.Formats {
			meta.SelfURL[f] = base + name + "." + string(f)
		}
		for _, f := range feed.Formats {
			var buf bytes.Buffer
			if err := feed.Render(&buf, f, meta, items); err != nil {
				t.Fatal(err)
			}
			docs = append(docs, feed.Document{Feed: name, Title: meta.Title, Format: f, Body: buf.Bytes(), Modified: when,
				SelfURL: meta.SelfURL[f], Archive: name != "news", Final: false})
		}
	}
	snap, err := httpfeed.NewSiteSnapshot(docs, httpfeed.Site{
		Page: page.Site{Title: "News", Link: "https://example.org/"},
		Files: []httpfeed.SiteFile{
			{Path: "/items/s0", ContentType: "text/html; charset=utf-8", Body: []byte("<!doctype html><title>s0</title><p>" + strings.Repeat(version+" ", 400)), Folder: "/items/s0/"},
			{Path: "/feedpub.css", ContentType: "text/css; charset=utf-8", Body: page.Style},
		},
		Gone: []string{"/items/old/"},
	}, built)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func newHandler() *httpfeed.Handler {
	return httpfeed.New(httpfeed.Options{Now: func() time.Time { return time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) }})
}

func open(t *testing.T, url string, h *httpfeed.Handler) *Share {
	t.Helper()
	return openRecheck(t, url, h, 200*time.Millisecond)
}

func openRecheck(t *testing.T, url string, h *httpfeed.Handler, recheck time.Duration) *Share {
	t.Helper()
	s, err := Open(t.Context(), Options{URL: url, Handler: h, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Recheck: recheck})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// waitGeneration polls until s serves generation gen, with a deadline
// generous enough for a loaded machine.
func waitGeneration(t *testing.T, s *Share, gen int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for s.Status().Generation != gen {
		if time.Now().After(deadline) {
			t.Fatalf("replica serves generation %d, want %d", s.Status().Generation, gen)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var paths = []string{"/", "/news.rss", "/news.atom", "/news.json", "/news/archive/1.atom", "/items/s0", "/items/s0/", "/feedpub.css", "/items/old"}

// sameAnswers fails unless a and b answer every path alike.
func sameAnswers(t *testing.T, what string, a, b http.Handler) {
	t.Helper()
	for _, p := range paths {
		for _, enc := range []string{"", "gzip"} {
			ra, rb := get(a, p, enc), get(b, p, enc)
			if ra.Code != rb.Code || ra.Header().Get("Etag") != rb.Header().Get("Etag") || ra.Body.String() != rb.Body.String() ||
				ra.Header().Get("Last-Modified") != rb.Header().Get("Last-Modified") || ra.Header().Get("Content-Type") != rb.Header().Get("Content-Type") {
				t.Errorf("%s: %s (%q): %d %v\nagainst %d %v", what, p, enc, ra.Code, ra.Header(), rb.Code, rb.Header())
			}
		}
	}
}

func get(h http.Handler, path, enc string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if enc != "" {
		req.Header.Set("Accept-Encoding", enc)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestReplicasServeTheLeadersSnapshot(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	lh, rh := newHandler(), newHandler()
	leader, replica := open(t, url, lh), open(t, url, rh)
	if leader.Serving() || replica.Serving() {
		t.Fatal("serving a generation before any was published")
	}
	built := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if err := leader.Publish(t.Context(), snapshot(t, "one", built)); err != nil {
		t.Fatal(err)
	}
	first := leader.Status().Generation
	waitGeneration(t, replica, first)
	sameAnswers(t, "first generation", lh, rh)
	if got := get(rh, "/news/archive/1.atom", "").Body.String(); !strings.Contains(got, "Story 0 one") {
		t.Errorf("archive page served by the replica:\n%s", got)
	}
	// The replica holds in memory only the bodies of what a site has few
	// of; archive and item pages came through the bounded cache.
	if bytes, bodies := replica.cache.size(); bytes == 0 || bodies == 0 {
		t.Error("the replica served archive and item pages without fetching them")
	}
	replica.mu.Lock()
	for sum := range replica.eager {
		for _, r := range leader.lastManifest(t).Resources {
			for _, v := range r.Variants {
				if v.SHA256 == sum && r.Lazy {
					t.Errorf("the replica holds the body of %s %s in memory", r.Kind, r.Path)
				}
			}
		}
	}
	replica.mu.Unlock()

	// The same content built again stores nothing new.
	if err := leader.Publish(t.Context(), snapshot(t, "one", built.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	if g := leader.Status().Generation; g != first {
		t.Errorf("an unchanged build made generation %d, want %d kept", g, first)
	}
	bodies := count(t, url, "feedpub_snapshot_bodies")

	// A change stores only the bodies that changed.
	if err := leader.Publish(t.Context(), snapshot(t, "two", built.Add(2*time.Minute))); err != nil {
		t.Fatal(err)
	}
	second := leader.Status().Generation
	if second <= first {
		t.Fatalf("a changed build kept generation %d", second)
	}
	added := count(t, url, "feedpub_snapshot_bodies") - bodies
	if added == 0 || added >= bodies {
		t.Errorf("a changed build stored %d bodies, against %d for the first; want some, and fewer (the stylesheet did not change)", added, bodies)
	}
	waitGeneration(t, replica, second)
	sameAnswers(t, "second generation", lh, rh)

	// A replica started now serves the current generation at once.
	late := newHandler()
	ls := open(t, url, late)
	if g := ls.Status().Generation; g != second {
		t.Errorf("a replica started late serves generation %d, want %d", g, second)
	}
	sameAnswers(t, "late replica", lh, late)
}

func TestReplicaReconnectsAndCatchesUp(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	lh, rh := newHandler(), newHandler()
	// Only a signal, or a reconnection, can catch the replica up.
	leader, replica := open(t, url, lh), openRecheck(t, url, rh, time.Hour)
	built := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if err := leader.Publish(t.Context(), snapshot(t, "one", built)); err != nil {
		t.Fatal(err)
	}
	waitGeneration(t, replica, leader.Status().Generation)

	// Every listening session ends, as when the network fails; the
	// replica must listen again, and read what it missed meanwhile.
	endListening(t, url, replica)
	if err := leader.Publish(t.Context(), snapshot(t, "two", built.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	waitGeneration(t, replica, leader.Status().Generation)
	sameAnswers(t, "after reconnecting", lh, rh)
	if n := replica.listens.Load(); n < 2 {
		t.Errorf("the replica listened %d times, want a second time after its session ended", n)
	}
}

func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := newBodyCache(100)
	for i := range 50 {
		c.put(httpfeed.Sum{byte(i)}, make([]byte, 30))
	}
	if n, _ := c.size(); n > 100 {
		t.Errorf("cache holds %d bytes, bound 100", n)
	}
	if _, ok := c.get(httpfeed.Sum{49}); !ok {
		t.Error("the newest body was dropped")
	}
	if _, ok := c.get(httpfeed.Sum{0}); ok {
		t.Error("the oldest body is still held")
	}
	c.put(httpfeed.Sum{99}, make([]byte, 101))
	if _, ok := c.get(httpfeed.Sum{99}); ok {
		t.Error("a body larger than the bound was kept")
	}
}

func count(t *testing.T, url, table string) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// endListening waits for s to listen, then ends its listening session
// from another one, as a failed network would. Only that session: other
// tests' replicas listen on the same server meanwhile.
func endListening(t *testing.T, url string, s *Share) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	pid := s.listenPID.Load()
	for ; pid == 0; pid = s.listenPID.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the replica did not listen within 60 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	psql(t, url, fmt.Sprintf(`SELECT pg_terminate_backend(%d)`, pid))
}

func psql(t *testing.T, url, sql string) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatal(err)
	}
}

// TestOpenWithTheDatabaseDown requires a replica whose database does not
// answer to start all the same, serving nothing shared until it does.
func TestOpenWithTheDatabaseDown(t *testing.T) {
	t.Parallel()
	// Port 1 (tcpmux) has no PostgreSQL on any machine that runs tests.
	s := openRecheck(t, "postgres://feedpub:hunter2@127.0.0.1:1/feedpub?connect_timeout=5", newHandler(), time.Hour)
	if s.Serving() {
		t.Error("serving a generation from a database that is down")
	}
	if err := s.Publish(t.Context(), snapshot(t, "one", time.Now())); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("publishing to a database that is down: %v; want an error that hides the password", err)
	}
}

// lastManifest reads the newest stored manifest.
func (s *Share) lastManifest(t *testing.T) httpfeed.Manifest {
	t.Helper()
	var raw []byte
	if err := s.pool.QueryRow(t.Context(), `SELECT manifest FROM feedpub_snapshots ORDER BY generation DESC LIMIT 1`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var m httpfeed.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestOldBodiesAreCollected requires the bodies only old generations
// named to be deleted, so that the tables do not grow with every build.
func TestOldBodiesAreCollected(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	leader := open(t, url, newHandler())
	built := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for i := range collectEvery + 1 {
		if err := leader.Publish(t.Context(), snapshot(t, fmt.Sprintf("v%d", i), built.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, url, "feedpub_snapshots"); n != keepGenerations {
		t.Errorf("%d generations stored, want the last %d", n, keepGenerations)
	}
	named := map[httpfeed.Sum]bool{}
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), `SELECT manifest FROM feedpub_snapshots`)
	if err != nil {
		t.Fatal(err)
	}
	manifests, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range manifests {
		var m httpfeed.Manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		for _, r := range m.Resources {
			for _, v := range r.Variants {
				named[v.SHA256] = true
			}
		}
	}
	// Collected at generation 10; generation 11 added its own since.
	if n := count(t, url, "feedpub_snapshot_bodies"); n > len(named)+len(named)/2 || n < len(named) {
		t.Errorf("%d bodies stored; the kept generations name %d", n, len(named))
	}
}
