// Package websub tells WebSub hubs (W3C Recommendation) that published
// documents changed, so that hubs can push them to their subscribers.
//
// A Notifier sends each ping, hub.mode=publish with hub.url set to the
// document's URL, as an HTML form POST, from its own goroutines: a build
// only queues pings, and a hub that is slow or down never delays it. A
// failed ping is retried with exponential backoff; pings are logged and
// counted.
package websub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of Options.
const (
	DefaultQueue    = 1024
	DefaultAttempts = 6
	DefaultBackoff  = 2 * time.Second
	DefaultMaxWait  = 5 * time.Minute
	DefaultTimeout  = 15 * time.Second
	// workers is how many pings are in flight at once.
	workers = 2
)

// Options configure a Notifier. The zero value works.
type Options struct {
	// Client sends the pings; nil means a client with DefaultTimeout.
	Client *http.Client
	// Logger receives every ping's outcome; nil discards.
	Logger *slog.Logger
	// Registerer receives the ping counter; nil registers it nowhere.
	Registerer prometheus.Registerer
	// Queue bounds the pings waiting to be sent, retries included; a
	// ping that finds the queue full is dropped, logged and counted.
	Queue int
	// Attempts is how many times one ping is tried in all.
	Attempts int
	// Backoff is the wait before the first retry; each further retry
	// waits twice as long, up to MaxWait.
	Backoff, MaxWait time.Duration
	// UserAgent is sent with every ping.
	UserAgent string
}

// Notifier sends publish pings to hubs. Its methods are safe for
// concurrent use.
type Notifier struct {
	opts   Options
	client *http.Client
	log    *slog.Logger
	pings  *prometheus.CounterVec

	queue chan *ping
	// pending counts pings queued, in flight or waiting to be retried;
	// idle is signalled whenever it falls to zero.
	mu      sync.Mutex
	pending int
	closed  bool
	idle    chan struct{}
	// waiting holds the pings queued and not yet being sent, by hub and
	// URL, so that a document changed twice before its ping went out is
	// pinged once.
	waiting map[[2]string]bool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// ping is one publish notification of url to hub.
type ping struct {
	hub, url string
	attempt  int
}

// Outcomes counted by feedpub_websub_pings_total.
const (
	resultOK      = "ok"
	resultRetry   = "retry"
	resultFailed  = "failed"
	resultDropped = "dropped"
)

// New returns a running Notifier; Close stops it.
func New(opts Options) *Notifier {
	if opts.Queue <= 0 {
		opts.Queue = DefaultQueue
	}
	if opts.Attempts <= 0 {
		opts.Attempts = DefaultAttempts
	}
	if opts.Backoff <= 0 {
		opts.Backoff = DefaultBackoff
	}
	if opts.MaxWait <= 0 {
		opts.MaxWait = DefaultMaxWait
	}
	n := &Notifier{
		opts:    opts,
		client:  opts.Client,
		log:     opts.Logger,
		queue:   make(chan *ping, opts.Queue),
		waiting: map[[2]string]bool{},
		pings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_websub_pings_total",
			Help: "WebSub publish pings to hubs, by outcome: ok, retry (failed, will be tried again), failed (gave up), dropped (queue full or shut down).",
		}, []string{"result"}),
	}
	if n.client == nil {
		n.client = &http.Client{Timeout: DefaultTimeout}
	}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	if opts.Registerer != nil {
		if err := opts.Registerer.Register(n.pings); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) {
				n.pings = are.ExistingCollector.(*prometheus.CounterVec)
			} else {
				n.log.Error("websub metrics not registered", "error", err)
			}
		}
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	for range workers {
		n.wg.Go(n.work)
	}
	return n
}

// Notify queues a publish ping of every url to every hub and returns at
// once. A ping for a url already waiting for the same hub is not queued
// twice.
func (n *Notifier) Notify(hubs, urls []string) {
	for _, hub := range hubs {
		for _, u := range urls {
			n.enqueue(&ping{hub: hub, url: u, attempt: 1}, true)
		}
	}
}

// enqueue queues p without blocking; fresh reports whether p is a new
// ping rather than a retry, whose count is already pending.
func (n *Notifier) enqueue(p *ping, fresh bool) {
	key := [2]string{p.hub, p.url}
	n.mu.Lock()
	if fresh && (n.closed || n.waiting[key]) {
		closed := n.closed
		n.mu.Unlock()
		if closed {
			n.drop(p, fresh, "notifier closed")
		}
		return
	}
	select {
	case n.queue <- p:
		n.waiting[key] = true
		if fresh {
			n.pending++
		}
		n.mu.Unlock()
	default:
		n.mu.Unlock()
		n.drop(p, fresh, "queue full")
	}
}

// drop gives up on p without sending it.
func (n *Notifier) drop(p *ping, fresh bool, why string) {
	n.pings.WithLabelValues(resultDropped).Inc()
	n.log.Warn("websub ping dropped", "hub", p.hub, "url", p.url, "error", why)
	if !fresh {
		n.done()
	}
}

// done marks one pending ping finished.
func (n *Notifier) done() {
	n.mu.Lock()
	n.pending--
	if n.pending == 0 && n.idle != nil {
		close(n.idle)
		n.idle = nil
	}
	n.mu.Unlock()
}

func (n *Notifier) work() {
	for {
		select {
		case <-n.ctx.Done():
			return
		case p := <-n.queue:
			n.mu.Lock()
			delete(n.waiting, [2]string{p.hub, p.url})
			n.mu.Unlock()
			n.send(p)
		}
	}
}

// send tries p once and schedules a retry when it fails and attempts are
// left.
func (n *Notifier) send(p *ping) {
	err := n.post(p)
	if err == nil {
		n.pings.WithLabelValues(resultOK).Inc()
		n.log.Info("websub ping sent", "hub", p.hub, "url", p.url, "attempt", p.attempt)
		n.done()
		return
	}
	if p.attempt >= n.opts.Attempts || n.ctx.Err() != nil {
		n.pings.WithLabelValues(resultFailed).Inc()
		n.log.Error("websub ping failed; giving up", "hub", p.hub, "url", p.url, "attempts", p.attempt, "error", err)
		n.done()
		return
	}
	wait := n.backoff(p.attempt)
	n.pings.WithLabelValues(resultRetry).Inc()
	n.log.Warn("websub ping failed; will retry", "hub", p.hub, "url", p.url, "attempt", p.attempt, "retry_in", wait, "error", err)
	next := &ping{hub: p.hub, url: p.url, attempt: p.attempt + 1}
	t := time.NewTimer(wait)
	n.wg.Go(func() {
		defer t.Stop()
		select {
		case <-t.C:
			n.enqueue(next, false)
		case <-n.ctx.Done():
			n.pings.WithLabelValues(resultFailed).Inc()
			n.log.Error("websub ping abandoned at shutdown", "hub", p.hub, "url", p.url, "attempts", p.attempt)
			n.done()
		}
	})
}

// backoff is the wait after failed attempt number attempt.
func (n *Notifier) backoff(attempt int) time.Duration {
	d := n.opts.Backoff
	for range attempt - 1 {
		d *= 2
		if d >= n.opts.MaxWait {
			return n.opts.MaxWait
		}
	}
	return min(d, n.opts.MaxWait)
}

// post sends one ping; any status but 2xx is a failure.
func (n *Notifier) post(p *ping) error {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {p.url}}
	req, err := http.NewRequestWithContext(n.ctx, http.MethodPost, p.hub, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("ping %s: %w", p.hub, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if n.opts.UserAgent != "" {
		req.Header.Set("User-Agent", n.opts.UserAgent)
	}
	resp, err := n.client.Do(req)
	if err != nil {
		return fmt.Errorf("ping %s: %w", p.hub, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("ping %s: hub answered %s", p.hub, resp.Status)
	}
	return nil
}

// Wait returns once no ping is queued, in flight or waiting for a retry,
// or when ctx is done, with its error.
func (n *Notifier) Wait(ctx context.Context) error {
	n.mu.Lock()
	if n.pending == 0 {
		n.mu.Unlock()
		return nil
	}
	if n.idle == nil {
		n.idle = make(chan struct{})
	}
	idle := n.idle
	n.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Pending is the number of pings queued, in flight or waiting for a retry.
func (n *Notifier) Pending() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.pending
}

// Close refuses further pings, gives those pending, retries included,
// until ctx is done to go out, then abandons the rest (logged) and stops. It returns ctx's
// error when pings were abandoned.
func (n *Notifier) Close(ctx context.Context) error {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	err := n.Wait(ctx)
	if err != nil {
		n.log.Warn("websub pings abandoned", "pending", n.Pending(), "error", err)
	}
	n.cancel()
	n.wg.Wait()
	// What no worker took is abandoned too, so nothing stays pending and
	// a second Close returns at once.
	for {
		select {
		case p := <-n.queue:
			n.pings.WithLabelValues(resultFailed).Inc()
			n.log.Error("websub ping abandoned at shutdown", "hub", p.hub, "url", p.url, "attempts", p.attempt-1)
			n.done()
		default:
			return err
		}
	}
}
