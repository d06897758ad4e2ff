package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
)

// The ledger's stores keep a Remote's state.
var (
	_ StateStore = (*ledger.Bolt)(nil)
	_ StateStore = (*ledger.Memory)(nil)
)

// remoteT0 is the time of the first fetch in every test.
var remoteT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const remotePrefix = "tag:news.example.com,2026-01-01:"

// remoteClock is a clock tests move by hand.
type remoteClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *remoteClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *remoteClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// remoteServer is a feed server whose handler tests swap, counting the
// requests it gets and keeping the headers of the last one.
type remoteServer struct {
	*httptest.Server
	mu       sync.Mutex
	handler  http.HandlerFunc
	requests int
	header   http.Header
}

func newRemoteServer(t *testing.T, h http.HandlerFunc) *remoteServer {
	t.Helper()
	s := &remoteServer{handler: h}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests++
		s.header = r.Header.Clone()
		h := s.handler
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *remoteServer) set(h http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handler = h
}

func (s *remoteServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *remoteServer) lastHeader() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.header
}

// newTestRemote returns a Remote named name on rawURL, with an in-memory
// ledger as its state, a clock at remoteT0, and its log in the returned
// buffer.
func newTestRemote(name, rawURL string) (*Remote, *remoteClock, *bytes.Buffer) {
	clock := &remoteClock{t: remoteT0}
	log, buf := testLogger()
	return &Remote{
		SourceName: name,
		URL:        rawURL,
		IDPrefix:   remotePrefix,
		State:      ledger.NewMemory(),
		Now:        clock.Now,
		Logger:     log,
		rand:       func() float64 { return 0.5 }, // no jitter
	}, clock, buf
}

// remoteFixture returns the bytes of testdata/remote/name.
func remoteFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "remote", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// serveFeed answers every request with body as a 200.
func serveFeed(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.Write(body)
	}
}

// serveStatus answers every request with code and the given headers.
func serveStatus(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprintln(w, "no feed here")
	}
}

// mustFetch fetches and fails the test on any error.
func mustFetch(t *testing.T, r *Remote) []feed.Item {
	t.Helper()
	items, err := r.Fetch(t.Context())
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	return items
}

// wantStale checks that a Fetch returned an ErrStale error and the given
// items.
func wantStale(t *testing.T, items []feed.Item, err error, want []feed.Item) {
	t.Helper()
	if !errors.Is(err, feed.ErrStale) {
		t.Fatalf("error = %v, want one wrapping feed.ErrStale", err)
	}
	if !reflect.DeepEqual(items, want) {
		t.Fatalf("stale items = %v, want %v", ids(items), ids(want))
	}
}

func TestRemoteConditionalGet(t *testing.T) {
	t.Parallel()
	const etag, modified = `"v1"`, "Mon, 02 Feb 2026 10:00:00 GMT"
	body := remoteFixture(t, "rss.xml")
	srv := newRemoteServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", modified)
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == modified {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(body)
	})
	r, clock, _ := newTestRemote("wire", srv.URL+"/feed.rss")
	first := mustFetch(t, r)
	if len(first) != 4 {
		t.Fatalf("got %d items, want 4", len(first))
	}
	h := srv.lastHeader()
	if h.Get("If-None-Match") != "" || h.Get("If-Modified-Since") != "" {
		t.Errorf("first request was conditional: %v", h)
	}
	if got := h.Get("User-Agent"); got != DefaultUserAgent {
		t.Errorf("User-Agent = %q, want %q", got, DefaultUserAgent)
	}

	clock.Advance(time.Hour)
	second := mustFetch(t, r)
	h = srv.lastHeader()
	if h.Get("If-None-Match") != etag || h.Get("If-Modified-Since") != modified {
		t.Errorf("second request: If-None-Match %q, If-Modified-Since %q; want %q, %q",
			h.Get("If-None-Match"), h.Get("If-Modified-Since"), etag, modified)
	}
	if srv.count() != 2 {
		t.Errorf("server saw %d requests, want 2", srv.count())
	}
	if !reflect.DeepEqual(first, second) {
		t.Errorf("304 items differ from the 200 items:\nfirst  %+v\nsecond %+v", first, second)
	}

	// A new Remote on the same state, as in the next run of the program,
	// is conditional too.
	again := &Remote{SourceName: "wire", URL: r.URL, IDPrefix: remotePrefix, State: r.State, Now: clock.Now}
	third := mustFetch(t, again)
	if srv.count() != 3 || srv.lastHeader().Get("If-None-Match") != etag {
		t.Errorf("a fresh Remote on stored state did not send the stored validators")
	}
	if !reflect.DeepEqual(first, third) {
		t.Errorf("items from stored state differ from the 200 items")
	}
}

func TestRemoteUserAgent(t *testing.T) {
	t.Parallel()
	srv := newRemoteServer(t, serveFeed(remoteFixture(t, "rss.xml")))
	r, _, _ := newTestRemote("wire", srv.URL)
	r.UserAgent = "feedpub-test/1.0 (+https://news.example.com/)"
	mustFetch(t, r)
	if got := srv.lastHeader().Get("User-Agent"); got != r.UserAgent {
		t.Errorf("User-Agent = %q, want %q", got, r.UserAgent)
	}
}

func TestRemoteWithoutState(t *testing.T) {
	t.Parallel()
	srv := newRemoteServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"x"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"x"`)
		w.Write(remoteFixture(t, "atom.xml"))
	})
	r, _, _ := newTestRemote("atom", srv.URL)
	r.State = nil
	first := mustFetch(t, r)
	second := mustFetch(t, r)
	if srv.lastHeader().Get("If-None-Match") != `"x"` {
		t.Errorf("Remote without State forgot its validators between fetches")
	}
	if len(first) == 0 || !reflect.DeepEqual(first, second) {
		t.Errorf("304 without State: got %v, want %v", ids(second), ids(first))
	}
}

func TestRemoteRetryAfter(t *testing.T) {
	t.Parallel()
	body := remoteFixture(t, "rss.xml")
	tests := []struct {
		name string
		// header returns the Retry-After value for a response at now.
		header func(now time.Time) string
		// wait is how long the source must stay quiet.
		wait time.Duration
	}{
		{"seconds", func(time.Time) string { return "120" }, 120 * time.Second},
		{"http date", func(now time.Time) string { return now.Add(2 * time.Hour).Format(http.TimeFormat) }, 2 * time.Hour},
		{"absent", func(time.Time) string { return "" }, RemoteBackoff},
		{"unreadable", func(time.Time) string { return "soon" }, RemoteBackoff},
		{"beyond the cap", func(time.Time) string { return "99999999999" }, RemoteMaxBackoff},
	}
	for _, tc := range tests {
		for _, code := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
			t.Run(fmt.Sprintf("%s %d", tc.name, code), func(t *testing.T) {
				t.Parallel()
				srv := newRemoteServer(t, serveFeed(body))
				r, clock, logBuf := newTestRemote("wire", srv.URL)
				good := mustFetch(t, r)

				srv.set(func(w http.ResponseWriter, req *http.Request) {
					if v := tc.header(clock.Now()); v != "" {
						w.Header().Set("Retry-After", v)
					}
					w.WriteHeader(code)
				})
				items, err := r.Fetch(t.Context())
				wantStale(t, items, err, good)
				if srv.count() != 2 {
					t.Fatalf("server saw %d requests, want 2", srv.count())
				}
				if len(logLines(logBuf.String(), "source stale", "source=wire", "error=")) == 0 {
					t.Errorf("no stale warning logged:\n%s", logBuf)
				}

				// Within the window: no request at all.
				clock.Advance(tc.wait - time.Second)
				items, err = r.Fetch(t.Context())
				wantStale(t, items, err, good)
				if srv.count() != 2 {
					t.Fatalf("a Fetch inside the Retry-After window made a request")
				}

				// After it: a request again.
				srv.set(serveFeed(body))
				clock.Advance(2 * time.Second)
				items = mustFetch(t, r)
				if srv.count() != 3 {
					t.Fatalf("server saw %d requests after the window, want 3", srv.count())
				}
				if !reflect.DeepEqual(items, good) {
					t.Errorf("items after recovery differ")
				}
			})
		}
	}
}

func TestRemoteBackoffDoubles(t *testing.T) {
	t.Parallel()
	srv := newRemoteServer(t, serveStatus(http.StatusServiceUnavailable))
	r, clock, _ := newTestRemote("wire", srv.URL)
	for i, wait := range []time.Duration{10 * time.Minute, 20 * time.Minute, 40 * time.Minute} {
		items, err := r.Fetch(t.Context())
		wantStale(t, items, err, nil)
		if srv.count() != i+1 {
			t.Fatalf("failure %d: server saw %d requests", i+1, srv.count())
		}
		clock.Advance(wait - time.Second)
		r.Fetch(t.Context())
		if srv.count() != i+1 {
			t.Fatalf("failure %d: requested again before %s", i+1, wait)
		}
		clock.Advance(time.Second)
	}
	if got := remoteBackoff(100); got != RemoteMaxBackoff {
		t.Errorf("backoff after 100 failures = %s, want %s", got, RemoteMaxBackoff)
	}
}

func TestRemoteFailuresBackOff(t *testing.T) {
	t.Parallel()
	body := remoteFixture(t, "rss.xml")
	srv := newRemoteServer(t, serveFeed(body))
	r, clock, _ := newTestRemote("wire", srv.URL)
	good := mustFetch(t, r)
	// Each failure doubles the wait: 5, 10, 20 minutes (no jitter here).
	waits := []time.Duration{5 * time.Minute, 10 * time.Minute, 20 * time.Minute}
	for i, code := range []int{http.StatusInternalServerError, http.StatusNotFound, http.StatusForbidden} {
		srv.set(serveStatus(code))
		items, err := r.Fetch(t.Context())
		wantStale(t, items, err, good)
		if !strings.Contains(err.Error(), fmt.Sprint(code)) {
			t.Errorf("error %q does not name status %d", err, code)
		}
		if got, want := feed.RetryAt(err), clock.Now().Add(waits[i]); !got.Equal(want) {
			t.Errorf("failure %d: retry at %s, want %s", i+1, got, want)
		}
		before := srv.count()
		clock.Advance(waits[i] - time.Second)
		items, err = r.Fetch(t.Context())
		wantStale(t, items, err, good)
		if srv.count() != before {
			t.Fatalf("failure %d: requested again before %s", i+1, waits[i])
		}
		if !strings.Contains(err.Error(), fmt.Sprint(code)) {
			t.Errorf("backing off: error %q does not name the last failure's status %d", err, code)
		}
		clock.Advance(time.Second)
	}
	if got := failureBackoff(100); got != RemoteRetryMaxBackoff {
		t.Errorf("backoff after 100 failures = %s, want %s", got, RemoteRetryMaxBackoff)
	}
	srv.set(serveFeed(body))
	if items := mustFetch(t, r); !reflect.DeepEqual(items, good) {
		t.Errorf("after the backoff: %v, want %v", ids(items), ids(good))
	}
}

func TestRemoteBackoffJitter(t *testing.T) {
	t.Parallel()
	r := &Remote{}
	for _, c := range []struct {
		rand float64
		want time.Duration
	}{{0, 9 * time.Minute}, {0.5, 10 * time.Minute}, {0.999999, 11 * time.Minute}} {
		r.rand = func() float64 { return c.rand }
		if got := r.jittered(10 * time.Minute).Round(time.Second); got != c.want {
			t.Errorf("jitter %v: %s, want %s", c.rand, got, c.want)
		}
	}
}

func TestRemoteHangingServer(t *testing.T) {
	t.Parallel()
	body := remoteFixture(t, "rss.xml")
	srv := newRemoteServer(t, serveFeed(body))
	// Cleanups run last first: release the handlers before the server
	// waits for them to return.
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	r, _, _ := newTestRemote("wire", srv.URL)
	r.Client = &http.Client{Timeout: 200 * time.Millisecond}
	good := mustFetch(t, r)

	for _, name := range []string{"headers", "body"} {
		srv.set(func(w http.ResponseWriter, req *http.Request) {
			if name == "body" {
				w.Write(body[:100])
				w.(http.Flusher).Flush()
			}
			select {
			case <-req.Context().Done():
			case <-release:
			}
		})
		start := time.Now()
		items, err := r.Fetch(t.Context())
		wantStale(t, items, err, good)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s: Fetch took %s with a 200ms client timeout", name, took)
		}
	}
}

func TestRemoteTooLarge(t *testing.T) {
	t.Parallel()
	body := remoteFixture(t, "rss.xml")
	big := bytes.Replace(body, []byte("</channel>"), []byte(strings.Repeat("<!-- padding -->", 200)+"</channel>"), 1)
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"content length", serveFeed(big)},
		{"chunked", func(w http.ResponseWriter, r *http.Request) {
			for chunk := range slicesChunk(big, 512) {
				w.Write(chunk)
				w.(http.Flusher).Flush()
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newRemoteServer(t, serveFeed(body))
			r, _, _ := newTestRemote("wire", srv.URL)
			r.MaxBody = int64(len(body))
			good := mustFetch(t, r)
			srv.set(tc.handler)
			items, err := r.Fetch(t.Context())
			wantStale(t, items, err, good)
			if !strings.Contains(err.Error(), "too large") {
				t.Errorf("error %q does not say the feed is too large", err)
			}
		})
	}
}

// slicesChunk yields b in pieces of at most n bytes.
func slicesChunk(b []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			k := min(n, len(b))
			if !yield(b[:k]) {
				return
			}
			b = b[k:]
		}
	}
}

func TestRemoteMalformed(t *testing.T) {
	t.Parallel()
	body := remoteFixture(t, "rss.xml")
	bad := map[string][]byte{
		"truncated xml": remoteFixture(t, "malformed.xml"),
		"garbage":       []byte("\x00\x01 this is not a feed \xff"),
		"html page":     []byte("<!DOCTYPE html><html><body><p>Log in to continue</p></body></html>"),
		"empty":         nil,
		"bad json":      []byte(`{"version": "https://jsonfeed.org/version/1.1", "items": [`),
		"json error":    []byte(`{"error": "rate limited", "status": 200}`),
		"json array":    []byte(`[{"id": "1"}]`),
		"blank":         []byte("  \r\n "),
	}
	for name, b := range bad {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newRemoteServer(t, serveFeed(b))
			r, clock, _ := newTestRemote("wire", srv.URL)
			items, err := r.Fetch(t.Context())
			wantStale(t, items, err, nil)

			clock.Advance(time.Hour) // past the backoff
			srv.set(serveFeed(body))
			good := mustFetch(t, r)
			srv.set(serveFeed(b))
			items, err = r.Fetch(t.Context())
			wantStale(t, items, err, good)
			if !strings.Contains(err.Error(), "parse feed") {
				t.Errorf("error %q does not say the feed did not parse", err)
			}
		})
	}
}

func TestRemoteRedirects(t *testing.T) {
	t.Parallel()
	body := remoteFixture(t, "rss.xml")
	tests := []struct {
		name     string
		client   func(srv *remoteServer) *http.Client
		location string
		ok       bool
		requests int
	}{
		{"followed", nil, "/feed", true, 2},
		{"loop", nil, "/loop", false, 1 + MaxRedirects},
		{"loop, own client", func(srv *remoteServer) *http.Client { return srv.Client() }, "/loop", false, 1 + MaxRedirects},
		{"to file", nil, "file:///etc/passwd", false, 1},
		{"to file, own client", func(srv *remoteServer) *http.Client { return srv.Client() }, "file:///etc/passwd", false, 1},
		{"to ftp", nil, "ftp://127.0.0.1/feed", false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newRemoteServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/feed" {
					w.Write(body)
					return
				}
				http.Redirect(w, r, tc.location, http.StatusFound)
			})
			r, _, _ := newTestRemote("wire", srv.URL+"/loop")
			if tc.client != nil {
				r.Client = tc.client(srv)
			}
			items, err := r.Fetch(t.Context())
			if srv.count() != tc.requests {
				t.Errorf("server saw %d requests, want %d", srv.count(), tc.requests)
			}
			if tc.ok {
				if err != nil || len(items) != 4 {
					t.Fatalf("Fetch = %d items, %v; want 4 items", len(items), err)
				}
				return
			}
			wantStale(t, items, err, nil)
			for _, it := range items {
				if strings.Contains(it.ContentHTML+it.Summary+it.Title, "root:") {
					t.Fatalf("file content leaked into an item: %+v", it)
				}
			}
		})
	}
}

func TestRemoteFileURL(t *testing.T) {
	t.Parallel()
	abs, err := filepath.Abs(filepath.Join("testdata", "remote", "atom.xml"))
	if err != nil {
		t.Fatal(err)
	}
	fileURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	r, _, _ := newTestRemote("atom", fileURL)
	items := mustFetch(t, r)
	if len(items) != 2 {
		t.Fatalf("got %d items, want 2", len(items))
	}
	if o := items[0].Origin; o == nil || o.FeedURL != "https://atom.example.org/feed.atom" {
		t.Errorf("origin of a local file = %+v, want the feed's own self link as FeedURL", o)
	}

	r.URL = fileURL + ".missing"
	items, err = r.Fetch(t.Context())
	wantStale(t, items, err, nil)
}

func TestRemoteConfigErrors(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"", "ftp://example.com/feed", "file:relative/feed.xml", "file://otherhost/feed.xml", "http:///nohost", "javascript:alert(1)"} {
		r, _, _ := newTestRemote("wire", u)
		items, err := r.Fetch(t.Context())
		if err == nil || errors.Is(err, feed.ErrStale) || items != nil {
			t.Errorf("URL %q: Fetch = %v, %v; want a configuration error", u, items, err)
		}
	}
}

func TestRemoteCanceled(t *testing.T) {
	t.Parallel()
	srv := newRemoteServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	r, clock, _ := newTestRemote("wire", srv.URL)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := r.Fetch(ctx)
	if !errors.Is(err, context.Canceled) || errors.Is(err, feed.ErrStale) {
		t.Errorf("Fetch with a cancelled context = %v, want the context's error and not ErrStale", err)
	}

	// A fetch that runs out of time is a failed fetch: stale, and backed
	// off so that the next build does not wait for it again.
	ctx, cancel = context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	items, err := r.Fetch(ctx)
	wantStale(t, items, err, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Fetch past its deadline = %v, want it to wrap context.DeadlineExceeded", err)
	}
	if got, want := feed.RetryAt(err), clock.Now().Add(RemoteRetryBackoff); !got.Equal(want) {
		t.Errorf("retry at %s, want %s", got, want)
	}
	n := srv.count()
	items, err = r.Fetch(t.Context())
	wantStale(t, items, err, nil)
	if srv.count() != n {
		t.Errorf("the next fetch asked the hanging server again")
	}
}

// remoteItem returns the item of items whose ID ends in suffix.
func remoteItem(t *testing.T, items []feed.Item, suffix string) feed.Item {
	t.Helper()
	for _, it := range items {
		if strings.HasSuffix(it.ID, suffix) {
			return it
		}
	}
	t.Fatalf("no item with id ending in %q among %v", suffix, ids(items))
	return feed.Item{}
}

func TestRemoteSanitizes(t *testing.T) {
	t.Parallel()
	srv := newRemoteServer(t, serveFeed(remoteFixture(t, "rss.xml")))
	r, _, _ := newTestRemote("wire", srv.URL)
	items := mustFetch(t, r)

	first := remoteItem(t, items, "/https://news.example.com/2026/01/return")
	for _, bad := range []string{"<script", "alert", "onerror", "onclick", "javascript", "data:"} {
		if strings.Contains(strings.ToLower(first.ContentHTML), bad) {
			t.Errorf("content still holds %q:\n%s", bad, first.ContentHTML)
		}
	}
	for _, want := range []string{
		`src="https://news.example.com/a.png"`,
		`href="https://news.example.com/2026/01/more.html"`,
		`<p>They are back.</p>`,
	} {
		if !strings.Contains(first.ContentHTML, want) {
			t.Errorf("content lacks %s:\n%s", want, first.ContentHTML)
		}
	}
	if first.Link != "https://news.example.com/2026/01/return" {
		t.Errorf("relative link resolved to %q", first.Link)
	}
	if first.Title != "Tom & Jerry return" {
		t.Errorf("title = %q, want entities decoded and tags stripped", first.Title)
	}
	if first.Summary != "They are back. click more again" {
		t.Errorf("summary = %q", first.Summary)
	}
	wantEnc := []feed.Enclosure{{URL: "https://news.example.com/media/episode.mp3", Length: 12345, Type: "audio/mpeg"}}
	if !reflect.DeepEqual(first.Enclosures, wantEnc) {
		t.Errorf("enclosures = %+v, want %+v", first.Enclosures, wantEnc)
	}

	second := remoteItem(t, items, "/stories/second.html")
	if second.Link != "https://news.example.com/stories/second.html" {
		t.Errorf("relative link resolved to %q", second.Link)
	}
	for _, bad := range []string{"<iframe", "<style", "<form", "<input", "evil.example"} {
		if strings.Contains(second.ContentHTML, bad) {
			t.Errorf("content still holds %q:\n%s", bad, second.ContentHTML)
		}
	}
	for _, want := range []string{`href="https://news.example.com/about"`, `src="https://news.example.com/stories/pics/b.jpg"`} {
		if !strings.Contains(second.ContentHTML, want) {
			t.Errorf("content lacks %s:\n%s", want, second.ContentHTML)
		}
	}
	if second.Summary != "A plain summary — with an entity." {
		t.Errorf("summary = %q", second.Summary)
	}
	if len(second.Enclosures) != 1 || second.Enclosures[0].Length != 0 {
		t.Errorf("enclosure with an unreadable length: %+v, want length 0", second.Enclosures)
	}

	fourth := remoteItem(t, items, "/story-4")
	if fourth.Link != "" {
		t.Errorf("mailto: link kept as the item link: %q", fourth.Link)
	}
}

func TestRemoteDates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture, suffix    string
		published, updated time.Time
	}{
		// In 2030, and never seen before: the date the ledger first
		// sees it on.
		{"rss.xml", "/2026/01/return", time.Time{}, time.Time{}},
		// No zone: UTC.
		{"rss.xml", "/stories/second.html", time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC), time.Time{}},
		{"rss.xml", "/story-4", time.Time{}, time.Time{}},
		{"atom.xml", "entry-1", time.Date(2026, 1, 4, 6, 0, 0, 0, time.UTC), time.Date(2026, 1, 5, 7, 0, 0, 0, time.UTC)},
		{"feed.json", "/1", time.Date(2026, 1, 6, 10, 0, 0, 0, time.UTC), time.Time{}}, // updated in the future
		{"feed.json", "/2", time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture+tc.suffix, func(t *testing.T) {
			t.Parallel()
			srv := newRemoteServer(t, serveFeed(remoteFixture(t, tc.fixture)))
			r, _, _ := newTestRemote("wire", srv.URL)
			it := remoteItem(t, mustFetch(t, r), tc.suffix)
			if !it.Published.Equal(tc.published) || !it.Updated.Equal(tc.updated) {
				t.Errorf("published, updated = %s, %s; want %s, %s", it.Published, it.Updated, tc.published, tc.updated)
			}
			for _, d := range []time.Time{it.Published, it.Updated} {
				if !d.IsZero() && d.Location() != time.UTC {
					t.Errorf("date %s is not in UTC", d)
				}
			}
		})
	}
}

func TestRemoteFormats(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newRemoteServer(t, serveFeed(remoteFixture(t, name)))
			r, _, _ := newTestRemote("wire", srv.URL+"/"+name)
			items := mustFetch(t, r)
			for _, it := range items {
				if _, err := feed.Normalize(it, nil); err != nil {
					t.Errorf("item cannot be published: %v", err)
				}
				if it.Origin == nil || it.Origin.FeedURL != r.URL {
					t.Errorf("item %s: origin %+v, want FeedURL %s", it.ID, it.Origin, r.URL)
				}
			}
			got := bytes.ReplaceAll(itemsJSON(t, items), []byte(srv.URL), []byte("http://upstream.test"))
			checkGoldenBytes(t, filepath.Join("testdata", "remote", name+".golden"), got)
		})
	}
}

func TestRemoteIDs(t *testing.T) {
	t.Parallel()
	body := remoteFixture(t, "rss.xml")
	srv := newRemoteServer(t, serveFeed(body))
	wire, _, _ := newTestRemote("wire", srv.URL)
	first := mustFetch(t, wire)
	second := mustFetch(t, wire)
	if !reflect.DeepEqual(ids(first), ids(second)) {
		t.Errorf("ids changed between two fetches of the same feed:\n%v\n%v", ids(first), ids(second))
	}
	want := []string{
		remotePrefix + "wire/https://news.example.com/2026/01/return",
		remotePrefix + "wire/stories/second.html",
		"", // the digest of title and content, checked below
		remotePrefix + "wire/story-4",
	}
	got := ids(first)
	if len(got) != len(want) {
		t.Fatalf("ids = %v", got)
	}
	for i := range want {
		if want[i] != "" && got[i] != want[i] {
			t.Errorf("id %d = %q, want %q", i, got[i], want[i])
		}
	}
	if !strings.HasPrefix(got[2], remotePrefix+"wire/sha256:") || len(got[2]) != len(remotePrefix+"wire/sha256:")+64 {
		t.Errorf("id of an item with neither guid nor link = %q, want a sha256 digest", got[2])
	}

	other, _, _ := newTestRemote("mirror wire", srv.URL)
	seen := map[string]bool{}
	for _, id := range got {
		seen[id] = true
	}
	for _, it := range mustFetch(t, other) {
		if seen[it.ID] {
			t.Errorf("two sources over the same feed share id %s", it.ID)
		}
		if !strings.HasPrefix(it.ID, remotePrefix+"mirror%20wire/") {
			t.Errorf("id %s is not namespaced by its source", it.ID)
		}
	}
}

func TestRemoteDuplicateIDs(t *testing.T) {
	t.Parallel()
	body := []byte(`<rss version="2.0"><channel><title>Dup</title><link>https://dup.example/</link>
<item><guid>same</guid><title>First</title></item>
<item><guid>same</guid><title>Second</title></item>
<item><guid>other</guid><title>Third</title></item>
</channel></rss>`)
	srv := newRemoteServer(t, serveFeed(body))
	r, _, logBuf := newTestRemote("dup", srv.URL)
	items := mustFetch(t, r)
	if got := titles(items); !reflect.DeepEqual(got, []string{"First", "Third"}) {
		t.Errorf("titles = %v, want the first of each id", got)
	}
	if len(logLines(logBuf.String(), "item skipped", "source=dup")) != 1 {
		t.Errorf("duplicate not logged:\n%s", logBuf)
	}
}

// fullItem sets every field of a feed.Item, so that the state test notices
// a field added to the model but not to the stored form.
func fullItem() feed.Item {
	return feed.Item{
		ID:          remotePrefix + "wire/1",
		Title:       "Title",
		Untitled:    true,
		Link:        "https://news.example.com/1",
		Summary:     "Summary.",
		ContentHTML: "<p>Body</p>",
		Authors:     []feed.Person{{Name: "A", Email: "a@example.com", URL: "https://example.com/a"}},
		Categories:  []string{"c1", "c2"},
		Published:   time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
		Updated:     time.Date(2026, 2, 3, 4, 5, 6, 7, time.UTC),
		Enclosures:  []feed.Enclosure{{URL: "https://news.example.com/1.mp3", Length: 10, Type: "audio/mpeg"}},
		Origin:      &feed.Origin{ID: "urn:x", Title: "Up", Link: "https://up.example/", FeedURL: "https://up.example/feed"},
		Source:      "wire",
	}
}

func TestRemoteStoredItems(t *testing.T) {
	t.Parallel()
	it := fullItem()
	v := reflect.ValueOf(it)
	for i := range v.NumField() {
		switch v.Type().Field(i).Name {
		case "Partial", "Ref", "Pos", "Bundle", "ContentClean":
			continue // set by file sources for one build, never stored
		}
		if v.Field(i).IsZero() {
			t.Fatalf("fullItem leaves feed.Item.%s zero: set it, and store it in storedItem", v.Type().Field(i).Name)
		}
	}
	data, err := json.Marshal(storeItems([]feed.Item{it}))
	if err != nil {
		t.Fatal(err)
	}
	var stored []storedItem
	if err := json.Unmarshal(data, &stored); err != nil {
		t.Fatal(err)
	}
	if got := loadItems(stored); !reflect.DeepEqual(got, []feed.Item{it}) {
		t.Errorf("stored item round trip:\ngot  %+v\nwant %+v", got[0], it)
	}
}

func TestRemoteStateFormat(t *testing.T) {
	t.Parallel()
	srv := newRemoteServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `W/"abc"`)
		w.Header().Set("Last-Modified", "Mon, 02 Feb 2026 10:00:00 GMT")
		w.Write(remoteFixture(t, "feed.json"))
	})
	r, _, _ := newTestRemote("json", srv.URL)
	items := mustFetch(t, r)
	raw, err := r.State.GetState(t.Context(), "remote/json")
	if err != nil || raw == nil {
		t.Fatalf("no state stored under remote/json: %v", err)
	}
	var st map[string]any
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatalf("state is not JSON: %v", err)
	}
	for key, want := range map[string]any{
		"version": 1.0, "url": srv.URL, "etag": `W/"abc"`, "last_modified": "Mon, 02 Feb 2026 10:00:00 GMT",
		"fetched": remoteT0.Format(time.RFC3339),
	} {
		if st[key] != want {
			t.Errorf("state %s = %v, want %v", key, st[key], want)
		}
	}
	if n := len(st["items"].([]any)); n != len(items) {
		t.Errorf("state holds %d items, want %d", n, len(items))
	}

	// A changed URL starts afresh: no validators sent to the new one.
	r.URL = srv.URL + "/elsewhere"
	mustFetch(t, r)
	if srv.lastHeader().Get("If-None-Match") != "" {
		t.Errorf("validators of another URL were sent")
	}

	// State that cannot be read is ignored.
	if err := r.State.PutState(t.Context(), "remote/json", []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	mustFetch(t, r)
}

func FuzzRemoteParse(f *testing.F) {
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json", "malformed.xml"} {
		f.Add(remoteFixture(f, name))
	}
	f.Add([]byte(`<rss version="2.0"><channel><item><title><![CDATA[<script>x</script>]]></title><description>&lt;script&gt;alert(1)&lt;/script&gt;</description></item></channel></rss>`))
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="html">&lt;scr&lt;script&gt;ipt&gt;</content></entry></feed>`))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":1,"content_html":"<svg><script>1</script></svg>"}]}`))
	// What the lenient readings meet: a Latin-1 body, bytes that are not
	// UTF-8, forbidden character references, malformed JSON Feed members,
	// Media RSS, a10:link, <noscript>.
	f.Add([]byte("<rss version=\"2.0\"><channel><item><title>Caf\xe9 &#x0b;</title><description>\xff\xfe</description></item></channel></rss>"))
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1","items":[{"id":{"a":1},"tags":"x","authors":[1,{"name":2}],"attachments":[{"url":3},{"url":"https://a.example/a","size_in_bytes":-1}]},7]}`))
	f.Add([]byte(`<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:a10="http://www.w3.org/2005/Atom"><channel><item><a10:link href="/rel"/><media:group><media:description type="html">&lt;noscript&gt;&lt;script&gt;x&lt;/script&gt;&lt;/noscript&gt;</media:description><media:thumbnail url="javascript:alert(1)"/></media:group></item></channel></rss>`))
	r := &Remote{SourceName: "fuzz", IDPrefix: remotePrefix}
	feedURL, _ := url.Parse("https://fuzz.example/feed")
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := r.parse(remoteResponse{body: data, contentType: "application/xml; charset=iso-8859-1"}, feedURL, remoteT0, nil)
		if err != nil {
			return
		}
		for _, it := range items {
			if it.ID == "" {
				t.Fatalf("item without id: %+v", it)
			}
			for _, s := range []string{it.ID, it.Title, it.Link, it.Summary, it.ContentHTML} {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 in %q", s)
				}
			}
			if strings.Contains(strings.ToLower(it.ContentHTML), "<script") {
				t.Fatalf("script tag in content: %q", it.ContentHTML)
			}
			checkSafeHTML(t, it.ContentHTML)
			if it.Published.After(remoteT0) || it.Updated.After(remoteT0) {
				t.Fatalf("date after the fetch: %s, %s", it.Published, it.Updated)
			}
			if it.Link != "" && !strings.HasPrefix(it.Link, "http://") && !strings.HasPrefix(it.Link, "https://") {
				t.Fatalf("link is not http(s): %q", it.Link)
			}
		}
	})
}
