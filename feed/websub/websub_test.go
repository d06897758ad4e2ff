package websub

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// hub is a WebSub hub started by the test: it records every publish ping
// and answers with the statuses it is given, 204 once they run out. While
// hold is open, it receives requests but answers none.
type hub struct {
	srv      *httptest.Server
	mu       sync.Mutex
	pings    []string // hub.url of each request, in arrival order
	bad      []string // requests that were not well-formed pings
	statuses []int
	hold     chan struct{}
	arrived  chan string
}

func newHub(t *testing.T, statuses ...int) *hub {
	t.Helper()
	h := &hub{statuses: statuses, arrived: make(chan string, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := r.ParseForm()
		h.mu.Lock()
		if err != nil || r.Method != http.MethodPost || r.PostForm.Get("hub.mode") != "publish" ||
			r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			h.bad = append(h.bad, r.Method+" "+r.Header.Get("Content-Type")+" "+r.PostForm.Encode())
		}
		u := r.PostForm.Get("hub.url")
		h.pings = append(h.pings, u)
		status := http.StatusNoContent
		if len(h.statuses) > 0 {
			status, h.statuses = h.statuses[0], h.statuses[1:]
		}
		hold := h.hold
		h.mu.Unlock()
		h.arrived <- u
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hub) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.pings)
}

func (h *hub) malformed() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.bad)
}

// wait waits, with a generous deadline, for every pending ping.
func wait(t *testing.T, n *Notifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := n.Wait(ctx); err != nil {
		t.Fatalf("pings still pending: %v", err)
	}
}

func newTestNotifier(t *testing.T, opts Options) (*Notifier, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	opts.Registerer = reg
	if opts.Backoff == 0 {
		// Retries come at once; the test does not depend on how long
		// they wait, only on how many there are.
		opts.Backoff = time.Millisecond
	}
	n := New(opts)
	t.Cleanup(func() { n.Close(context.Background()) })
	return n, reg
}

func count(t *testing.T, n *Notifier, result string) int {
	t.Helper()
	return int(testutil.ToFloat64(n.pings.WithLabelValues(result)))
}

func TestNotifyPingsEveryURLOfEveryHub(t *testing.T) {
	t.Parallel()
	a, b := newHub(t), newHub(t)
	n, _ := newTestNotifier(t, Options{})
	urls := []string{"https://example.com/news.rss", "https://example.com/news.atom"}
	n.Notify([]string{a.srv.URL, b.srv.URL}, urls)
	wait(t, n)
	for _, h := range []*hub{a, b} {
		got := h.received()
		slices.Sort(got)
		want := slices.Sorted(slices.Values(urls))
		if !slices.Equal(got, want) {
			t.Errorf("hub received %q, want one ping for each of %q", got, want)
		}
		if bad := h.malformed(); len(bad) > 0 {
			t.Errorf("malformed pings: %q", bad)
		}
	}
	if got := count(t, n, resultOK); got != 4 {
		t.Errorf("ok pings counted %d, want 4", got)
	}
}

func TestFailedPingsAreRetried(t *testing.T) {
	t.Parallel()
	h := newHub(t, http.StatusServiceUnavailable, http.StatusInternalServerError)
	n, _ := newTestNotifier(t, Options{Attempts: 5})
	n.Notify([]string{h.srv.URL}, []string{"https://example.com/news.json"})
	wait(t, n)
	if got := h.received(); len(got) != 3 {
		t.Errorf("hub received %d requests, want 2 failures and 1 success", len(got))
	}
	if ok, retry := count(t, n, resultOK), count(t, n, resultRetry); ok != 1 || retry != 2 {
		t.Errorf("counted ok %d, retry %d; want 1 and 2", ok, retry)
	}
}

func TestHubDownIsRetriedThenGivenUp(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	down := h.srv.URL
	h.srv.Close() // nothing listens there any more
	n, _ := newTestNotifier(t, Options{Attempts: 3})
	n.Notify([]string{down}, []string{"https://example.com/news.rss"})
	wait(t, n)
	if failed, retry := count(t, n, resultFailed), count(t, n, resultRetry); failed != 1 || retry != 2 {
		t.Errorf("counted failed %d, retry %d; want 1 and 2", failed, retry)
	}
}

// TestNotifyNeverWaitsForAHub: with every worker stuck on a hub that does
// not answer, Notify still returns, and a full queue drops the ping
// rather than block.
func TestNotifyNeverWaitsForAHub(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	h.hold = make(chan struct{})
	n, _ := newTestNotifier(t, Options{Queue: 1})
	for i, u := range []string{"https://example.com/1", "https://example.com/2"} {
		n.Notify([]string{h.srv.URL}, []string{u})
		if got := <-h.arrived; got != u {
			t.Fatalf("ping %d reached the hub as %q", i, got)
		}
	}
	// Both workers are waiting for the hub: the next ping queues, the one
	// after it finds the queue full.
	n.Notify([]string{h.srv.URL}, []string{"https://example.com/3"})
	n.Notify([]string{h.srv.URL}, []string{"https://example.com/4"})
	if got := count(t, n, resultDropped); got != 1 {
		t.Errorf("dropped %d pings, want 1", got)
	}
	if got := n.Pending(); got != 3 {
		t.Errorf("%d pings pending, want 3 (2 sent, 1 queued)", got)
	}
	close(h.hold)
	wait(t, n)
	if got := h.received(); !slices.Contains(got, "https://example.com/3") || slices.Contains(got, "https://example.com/4") {
		t.Errorf("hub received %q, want the queued ping and not the dropped one", got)
	}
}

// TestCloseAbandonsWhatItCannotSend: Close returns when its context ends,
// even while a hub holds a ping.
func TestCloseAbandonsWhatItCannotSend(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	h.hold = make(chan struct{})
	defer close(h.hold)
	n, _ := newTestNotifier(t, Options{})
	n.Notify([]string{h.srv.URL}, []string{"https://example.com/news.rss"})
	<-h.arrived
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := n.Close(ctx); err == nil {
		t.Error("Close reported every ping delivered while the hub held one")
	}
	n.Notify([]string{h.srv.URL}, []string{"https://example.com/late"})
	if got := count(t, n, resultDropped); got != 1 {
		t.Errorf("a ping after Close: %d dropped, want 1", got)
	}
	if got := n.Pending(); got != 0 {
		t.Errorf("%d pings still pending after Close", got)
	}
	if err := n.Close(t.Context()); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

// TestCloseAbandonsQueuedPings: pings still queued when Close gives up
// are counted as failed and leave nothing pending.
func TestCloseAbandonsQueuedPings(t *testing.T) {
	t.Parallel()
	h := newHub(t)
	h.hold = make(chan struct{})
	defer close(h.hold)
	n, _ := newTestNotifier(t, Options{})
	for _, u := range []string{"https://example.com/1", "https://example.com/2"} {
		n.Notify([]string{h.srv.URL}, []string{u})
		<-h.arrived // both workers now wait for the hub
	}
	n.Notify([]string{h.srv.URL}, []string{"https://example.com/3", "https://example.com/4"})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := n.Close(ctx); err == nil {
		t.Error("Close reported every ping delivered")
	}
	if got := count(t, n, resultFailed); got != 4 {
		t.Errorf("%d pings counted failed, want 4 (2 in flight, 2 queued)", got)
	}
	if got := n.Pending(); got != 0 {
		t.Errorf("%d pings still pending after Close", got)
	}
}

func TestBackoffDoublesUpToMaxWait(t *testing.T) {
	t.Parallel()
	n := &Notifier{opts: Options{Backoff: time.Second, MaxWait: 5 * time.Second}}
	var got []time.Duration
	for a := 1; a <= 5; a++ {
		got = append(got, n.backoff(a))
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	if !slices.Equal(got, want) {
		t.Errorf("backoff = %v, want %v", got, want)
	}
}
