package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/feedpub/feedpub/internal/weburl"
)

// remoteAccept is the Accept header of a fetch.
const remoteAccept = "application/atom+xml, application/rss+xml, application/feed+json, " +
	"application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"

// remoteResponse is the outcome of a successful request.
type remoteResponse struct {
	notModified        bool
	body               []byte
	etag, lastModified string
	// contentType is the response's Content-Type, whose charset counts
	// when the document does not declare its own.
	contentType string
}

// httpStatusError is a response with a status other than 2xx or 304.
type httpStatusError struct {
	code             int
	status           string
	retryAfterHeader string
}

func (e *httpStatusError) Error() string { return "HTTP " + e.status }

// throttled reports whether the server asked to be left alone for a while.
func (e *httpStatusError) throttled() bool {
	return e.code == http.StatusTooManyRequests || e.code == http.StatusServiceUnavailable
}

// retryAfter reads the Retry-After header, in seconds or as an HTTP date,
// as a wait from now.
func (e *httpStatusError) retryAfter(now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(e.retryAfterHeader)
	if v == "" {
		return 0, false
	}
	if isDigits(v) {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(RemoteMaxBackoff/time.Second) {
			return RemoteMaxBackoff, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// errFeedTooLarge says a feed is larger than MaxBody.
var errFeedTooLarge = errors.New("feed too large")

// download reads the feed at u, conditionally on st's validators.
func (r *Remote) download(ctx context.Context, u *url.URL, st *remoteState) (remoteResponse, error) {
	limit := r.maxBody()
	if u.Scheme == "file" {
		body, err := readFileURL(ctx, u, limit)
		return remoteResponse{body: body}, err
	}
	client := r.httpClient()
	if client.Timeout <= 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultRemoteTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return remoteResponse{}, err
	}
	req.Header.Set("User-Agent", cmp.Or(r.UserAgent, DefaultUserAgent))
	req.Header.Set("Accept", remoteAccept)
	if !st.Fetched.IsZero() {
		if st.ETag != "" {
			req.Header.Set("If-None-Match", st.ETag)
		}
		if st.LastModified != "" {
			req.Header.Set("If-Modified-Since", st.LastModified)
		}
	}
	release, err := r.Hosts.acquire(ctx, u.Host)
	if err != nil {
		return remoteResponse{}, fmt.Errorf("waiting for another request to %s: %w", u.Host, err)
	}
	defer release()
	resp, err := client.Do(req)
	if err != nil {
		return remoteResponse{}, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return remoteResponse{
			notModified:  true,
			etag:         resp.Header.Get("ETag"),
			lastModified: resp.Header.Get("Last-Modified"),
		}, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		// Read a little of the body so that the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		return remoteResponse{}, &httpStatusError{code: resp.StatusCode, status: resp.Status, retryAfterHeader: resp.Header.Get("Retry-After")}
	}
	if resp.ContentLength > limit {
		return remoteResponse{}, fmt.Errorf("%w: %d bytes, limit %d", errFeedTooLarge, resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return remoteResponse{}, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > limit {
		return remoteResponse{}, fmt.Errorf("%w: more than %d bytes", errFeedTooLarge, limit)
	}
	return remoteResponse{
		body:         body,
		etag:         resp.Header.Get("ETag"),
		lastModified: resp.Header.Get("Last-Modified"),
		contentType:  resp.Header.Get("Content-Type"),
	}, nil
}

// httpClient returns the client of a fetch: Client with the redirect
// rules added when it has none, or the Remote's own.
func (r *Remote) httpClient() *http.Client {
	if r.Client != nil {
		if r.Client.CheckRedirect != nil {
			return r.Client
		}
		c := *r.Client
		c.CheckRedirect = remoteCheckRedirect
		return &c
	}
	if r.client == nil {
		r.client = &http.Client{Timeout: DefaultRemoteTimeout, CheckRedirect: remoteCheckRedirect}
	}
	return r.client
}

// remoteCheckRedirect follows at most MaxRedirects redirects, and only to http
// and https URLs.
func remoteCheckRedirect(req *http.Request, via []*http.Request) error {
	if !weburl.IsHTTPURL(req.URL) {
		return fmt.Errorf("redirect to a %s: URL refused", req.URL.Scheme)
	}
	if len(via) > MaxRedirects {
		return fmt.Errorf("stopped after %d redirects", MaxRedirects)
	}
	return nil
}

// readFileURL reads the regular file a file:// URL names, up to limit
// bytes.
func readFileURL(ctx context.Context, u *url.URL, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := filepath.FromSlash(u.Path)
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, pathCause(err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, pathCause(err))
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file", p)
	}
	body, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, pathCause(err))
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("%w: more than %d bytes", errFeedTooLarge, limit)
	}
	return body, nil
}

// DefaultPerHost is how many requests a HostLimit with PerHost zero lets
// run at once to one host.
const DefaultPerHost = 2

// HostLimit bounds the requests made at once to each host, so that many
// sources on one site do not all hit it together. The zero value allows
// DefaultPerHost; a nil *HostLimit allows any number. It is safe for
// concurrent use.
type HostLimit struct {
	// PerHost is the most requests to one host at once; zero or less means
	// DefaultPerHost.
	PerHost int

	mu    sync.Mutex
	slots map[string]chan struct{}
}

// acquire waits for a slot for host, or for ctx to end, and returns the
// function that frees it.
func (h *HostLimit) acquire(ctx context.Context, host string) (func(), error) {
	if h == nil {
		return func() {}, nil
	}
	h.mu.Lock()
	if h.slots == nil {
		h.slots = map[string]chan struct{}{}
	}
	ch := h.slots[host]
	if ch == nil {
		n := h.PerHost
		if n <= 0 {
			n = DefaultPerHost
		}
		ch = make(chan struct{}, n)
		h.slots[host] = ch
	}
	h.mu.Unlock()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// remoteBackoff is the wait after the n-th consecutive failed fetch when the
// server gave no Retry-After: RemoteBackoff, doubling with each failure,
// at most RemoteMaxBackoff.
func remoteBackoff(n int) time.Duration {
	d := RemoteBackoff
	for i := 1; i < n && d < RemoteMaxBackoff; i++ {
		d *= 2
	}
	return min(d, RemoteMaxBackoff)
}

// failureBackoff is the wait after the n-th consecutive failed fetch that
// was not throttled: RemoteRetryBackoff, doubling with each failure, at
// most RemoteRetryMaxBackoff.
func failureBackoff(n int) time.Duration {
	d := RemoteRetryBackoff
	for i := 1; i < n && d < RemoteRetryMaxBackoff; i++ {
		d *= 2
	}
	return min(d, RemoteRetryMaxBackoff)
}

// jittered varies d by up to 10 % either way.
func (r *Remote) jittered(d time.Duration) time.Duration {
	f := rand.Float64
	if r.rand != nil {
		f = r.rand
	}
	return time.Duration(float64(d) * (0.9 + 0.2*f()))
}
