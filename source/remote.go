package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/weburl"
)

// Defaults and bounds of a Remote source.
const (
	// DefaultRemoteTimeout bounds one fetch, headers and body, when Client
	// is nil or has no Timeout of its own.
	DefaultRemoteTimeout = 30 * time.Second
	// DefaultRemoteMaxBody bounds a feed's size in bytes.
	DefaultRemoteMaxBody int64 = 8 << 20
	// DefaultUserAgent is the User-Agent sent when Remote.UserAgent is
	// empty.
	DefaultUserAgent = "feedpub (+https://github.com/feedpub/feedpub)"
	// MaxRedirects is the most redirects one fetch follows.
	MaxRedirects = 5
	// RemoteBackoff is how long a source waits after a 429 or 503 without
	// a usable Retry-After header. It doubles with each consecutive failed
	// fetch, up to RemoteMaxBackoff.
	RemoteBackoff = 10 * time.Minute
	// RemoteMaxBackoff bounds every wait, Retry-After included.
	RemoteMaxBackoff = 24 * time.Hour
	// RemoteRetryBackoff is how long a source waits after any other failed
	// fetch (a timeout, a refused connection, an error status, a document
	// that is not a feed), so that a site that is down does not cost every
	// build its timeout. It doubles with each consecutive failure, up to
	// RemoteRetryMaxBackoff. Every computed wait varies by up to 10 %
	// either way, so that sources that failed together are not retried
	// together.
	RemoteRetryBackoff = 5 * time.Minute
	// RemoteRetryMaxBackoff bounds the wait after failures that are not
	// 429 or 503.
	RemoteRetryMaxBackoff = 6 * time.Hour
)

// Remote is another site's feed (RSS 0.9x, 1.0 or 2.0, Atom, or JSON Feed)
// whose items are republished, each crediting the feed it came from.
//
// It fetches politely: it sends the validators of its last good fetch and
// accepts 304 Not Modified, honours Retry-After on 429 and 503, backs off
// exponentially after every other failure, and makes no request at all
// until the wait is over. When the feed cannot be read, Fetch returns the
// items of the last good fetch with a *feed.StaleError saying when it will
// try again, so one failing site degrades a build instead of failing it.
//
// It reads as leniently as feed readers do, and says so in a warning: the
// HTTP charset when the document declares none, bytes that are not UTF-8,
// malformed members of a JSON Feed, dates in near-miss forms.
//
// Everything taken from the feed is distrusted: HTML is sanitised, links
// must end up absolute http(s), dates in the future are moved back to the
// time of the fetch, and item IDs are namespaced by source so that no feed
// can claim another's items.
type Remote struct {
	// SourceName names the source in IDs, state keys and logs.
	SourceName string
	// URL is where the feed is fetched from: an http:// or https:// URL, or a
	// file:// URL of a local file. Redirects are followed to http(s) URLs
	// only.
	URL string
	// IDPrefix starts every item ID: a tag URI authority and date ending in
	// ':', such as "tag:news.example.com,2026-01-01:".
	IDPrefix string
	// State keeps validators, backoff and the last good items between
	// builds, under the key "remote/"+SourceName. Nil keeps them in memory
	// for the life of the Remote only.
	State StateStore
	// Client makes the requests. Nil means a client with a timeout of
	// DefaultRemoteTimeout that follows at most MaxRedirects redirects, and
	// only to http(s) URLs. A Client without a CheckRedirect gets the same
	// redirect rules, and one without a Timeout is bounded by
	// DefaultRemoteTimeout.
	Client *http.Client
	// UserAgent is sent with every request; empty means DefaultUserAgent.
	UserAgent string
	// MaxBody bounds the feed's size in bytes; zero or less means
	// DefaultRemoteMaxBody. A larger feed is a failed fetch.
	MaxBody int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives a warning for every failed fetch and skipped item;
	// nil discards them.
	Logger *slog.Logger

	// Hosts, when set, bounds the requests made to one host at once; the
	// Remotes of one build share it.
	Hosts *HostLimit

	mu     sync.Mutex
	rand   func() float64 // jitter in [0, 1); nil means math/rand/v2
	mem    []byte         // the state, when State is nil
	client *http.Client   // the client used when Client is nil
}

var _ Source = (*Remote)(nil)

// Name returns SourceName.
func (r *Remote) Name() string { return r.SourceName }

// Fetch reads the feed and returns its items in feed order.
//
// A 304 Not Modified returns the items of the last good fetch. When the
// feed cannot be read (a network error, a timeout or ctx's deadline, a
// status other than 2xx or 304, a body larger than MaxBody, a document that
// is not a feed or does not parse, a redirect loop or a redirect to
// something other than http(s)), or while a Retry-After or backoff is in
// force, Fetch returns the items of the last good fetch, none if there was
// none, with a *feed.StaleError (wrapping feed.ErrStale and the cause).
// Fetch fails without ErrStale only when the configuration is invalid or
// ctx is cancelled.
func (r *Remote) Fetch(ctx context.Context) ([]feed.Item, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	now := r.now()
	log := r.logger()
	target, err := r.target()
	if err != nil {
		return nil, err
	}
	// The state is read whatever is left of ctx's time: a fetch that ran
	// out of time before it began still has last good items to give.
	st := r.loadState(context.WithoutCancel(ctx), log)
	if now.Before(st.NotBefore) {
		cause := fmt.Errorf("backing off until %s", st.NotBefore.UTC().Format(time.RFC3339))
		if st.LastError != "" {
			fetches := "fetches"
			if st.Failures == 1 {
				fetches = "fetch"
			}
			cause = fmt.Errorf("%w after %d failed %s, the last: %s", cause, st.Failures, fetches, st.LastError)
		}
		return r.stale(st, cause, log)
	}

	st.Attempted = now
	res, err := r.download(ctx, target, st)
	if err == nil && res.notModified && st.Fetched.IsZero() {
		err = errors.New("304 Not Modified, but there is no earlier fetch to reuse")
	}
	var items []feed.Item
	if err == nil && !res.notModified {
		if items, err = r.parse(res, target, now, loadItems(st.Items)); err != nil {
			err = fmt.Errorf("parse feed: %w", err)
		}
	}
	if err != nil {
		// A build that is cancelled fails; a fetch that ran out of time
		// (its own timeout, or the build's budget for fetching) is a
		// failed fetch like any other, so a slow site degrades the build
		// instead of failing it.
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
		if ctx.Err() != nil && !errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		st.Failures++
		st.LastError = err.Error()
		wait := r.jittered(failureBackoff(st.Failures))
		var se *httpStatusError
		if errors.As(err, &se) && se.throttled() {
			var ok bool
			if wait, ok = se.retryAfter(now); !ok {
				wait = r.jittered(remoteBackoff(st.Failures))
			}
		}
		st.NotBefore = now.Add(min(wait, RemoteMaxBackoff))
		// The state is saved even when the fetch ran out of time: its
		// backoff is what keeps the next build from waiting again.
		r.saveState(context.WithoutCancel(ctx), st, log)
		return r.stale(st, err, log)
	}

	status := "200"
	if target.Scheme == "file" {
		status = "file"
	}
	if res.notModified {
		status = "304"
		items = loadItems(st.Items)
		// A 304 may update the validators; one that omits them keeps the
		// old ones.
		st.ETag = cmp.Or(res.etag, st.ETag)
		st.LastModified = cmp.Or(res.lastModified, st.LastModified)
	} else {
		st.Items = storeItems(items)
		st.ETag, st.LastModified = res.etag, res.lastModified
	}
	st.Fetched = now
	st.NotBefore = time.Time{}
	st.Failures = 0
	st.LastError = ""
	r.saveState(ctx, st, log)
	log.Info("source read", "source", r.SourceName, "status", status, "items", len(items), "took", time.Since(start))
	return items, nil
}

// stale returns the last good items with an error wrapping feed.ErrStale
// and cause, and logs a warning.
func (r *Remote) stale(st *remoteState, cause error, log *slog.Logger) ([]feed.Item, error) {
	items := loadItems(st.Items)
	if st.Fetched.IsZero() {
		items = nil
	}
	args := []any{"source", r.SourceName, "error", cause, "items", len(items)}
	if !st.Fetched.IsZero() {
		args = append(args, "last_good", st.Fetched.UTC().Format(time.RFC3339))
	}
	if !st.NotBefore.IsZero() {
		args = append(args, "retry_at", st.NotBefore.UTC().Format(time.RFC3339))
	}
	log.Warn("source stale", args...)
	return items, &feed.StaleError{Cause: cause, RetryAt: st.NotBefore}
}

// target parses and checks URL.
func (r *Remote) target() (*url.URL, error) {
	u, err := weburl.ParseFetch(r.URL)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	return u, nil
}

func (r *Remote) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Remote) logger() *slog.Logger { return orDiscard(r.Logger) }

func (r *Remote) maxBody() int64 { return sizeLimit(r.MaxBody, DefaultRemoteMaxBody) }
