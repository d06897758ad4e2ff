package source

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mmcdole/gofeed"
	gofeedatom "github.com/mmcdole/gofeed/atom"
	gofeedjson "github.com/mmcdole/gofeed/json"
	gofeedrss "github.com/mmcdole/gofeed/rss"

	"github.com/feedpub/feedpub/feed"
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
)

// maxUpstreamID bounds the length of an upstream item id used as it is in
// an item ID; a longer one is replaced by its digest.
const maxUpstreamID = 512

// remoteAccept is the Accept header of a fetch.
const remoteAccept = "application/atom+xml, application/rss+xml, application/feed+json, " +
	"application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"

// StateStore keeps small values between builds, under keys a source
// chooses. ledger.Bolt and ledger.Memory satisfy it.
type StateStore interface {
	// GetState returns the value stored under key, or nil when there is none.
	GetState(ctx context.Context, key string) ([]byte, error)
	// PutState stores value under key, replacing any previous value.
	PutState(ctx context.Context, key string, value []byte) error
}

// Remote is another site's feed (RSS 0.9x, 1.0 or 2.0, Atom, or JSON Feed)
// whose items are republished, each crediting the feed it came from.
//
// It fetches politely: it sends the validators of its last good fetch and
// accepts 304 Not Modified, honours Retry-After on 429 and 503 (backing off
// exponentially when there is none) and makes no request at all until the
// wait is over. When the feed cannot be read, Fetch returns the items of the
// last good fetch with an error wrapping feed.ErrStale, so one failing site
// degrades a build instead of failing it.
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

	mu     sync.Mutex
	mem    []byte       // the state, when State is nil
	client *http.Client // the client used when Client is nil
}

var _ Source = (*Remote)(nil)

// Name returns SourceName.
func (r *Remote) Name() string { return r.SourceName }

// remoteState is what a Remote keeps between fetches, stored as JSON under
// "remote/"+SourceName.
type remoteState struct {
	// Version is remoteStateVersion; state of any other version is ignored.
	Version int `json:"version"`
	// URL and IDPrefix are the configuration the state was made with; the
	// state is ignored when either has changed.
	URL      string `json:"url"`
	IDPrefix string `json:"id_prefix,omitempty"`
	// ETag and LastModified are the validators of the last good response.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// Fetched is when the feed was last read successfully (200 or 304);
	// zero when it never was, and then Items means nothing.
	Fetched time.Time `json:"fetched,omitzero"`
	// Attempted is when the feed was last requested.
	Attempted time.Time `json:"attempted,omitzero"`
	// NotBefore is when the next request may be made, after a 429 or 503.
	NotBefore time.Time `json:"not_before,omitzero"`
	// Failures counts the failed fetches since the last good one.
	Failures int `json:"failures,omitempty"`
	// LastError says why the last failed fetch failed.
	LastError string `json:"last_error,omitempty"`
	// Items are the items of the last good fetch, ready to publish again.
	Items []storedItem `json:"items"`
}

const remoteStateVersion = 1

// storedItem is a feed.Item as a Remote stores it.
type storedItem struct {
	ID          string            `json:"id"`
	Title       string            `json:"title,omitempty"`
	Link        string            `json:"link,omitempty"`
	Summary     string            `json:"summary,omitempty"`
	ContentHTML string            `json:"content_html,omitempty"`
	Authors     []storedPerson    `json:"authors,omitempty"`
	Categories  []string          `json:"categories,omitempty"`
	Published   time.Time         `json:"published,omitzero"`
	Updated     time.Time         `json:"updated,omitzero"`
	Enclosures  []storedEnclosure `json:"enclosures,omitempty"`
	Origin      *storedOrigin     `json:"origin,omitempty"`
	Source      string            `json:"source,omitempty"`
}

type storedPerson struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

type storedEnclosure struct {
	URL    string `json:"url"`
	Length int64  `json:"length,omitempty"`
	Type   string `json:"type,omitempty"`
}

type storedOrigin struct {
	ID      string `json:"id,omitempty"`
	Title   string `json:"title,omitempty"`
	Link    string `json:"link,omitempty"`
	FeedURL string `json:"feed_url,omitempty"`
}

// storeItems converts items for storage.
func storeItems(items []feed.Item) []storedItem {
	out := make([]storedItem, len(items))
	for i, it := range items {
		s := storedItem{
			ID: it.ID, Title: it.Title, Link: it.Link, Summary: it.Summary, ContentHTML: it.ContentHTML,
			Categories: it.Categories, Published: it.Published, Updated: it.Updated, Source: it.Source,
		}
		for _, p := range it.Authors {
			s.Authors = append(s.Authors, storedPerson(p))
		}
		for _, e := range it.Enclosures {
			s.Enclosures = append(s.Enclosures, storedEnclosure(e))
		}
		if o := it.Origin; o != nil {
			so := storedOrigin(*o)
			s.Origin = &so
		}
		out[i] = s
	}
	return out
}

// loadItems converts stored items back. It returns nil for none.
func loadItems(stored []storedItem) []feed.Item {
	if len(stored) == 0 {
		return nil
	}
	out := make([]feed.Item, len(stored))
	for i, s := range stored {
		it := feed.Item{
			ID: s.ID, Title: s.Title, Link: s.Link, Summary: s.Summary, ContentHTML: s.ContentHTML,
			Categories: s.Categories, Published: s.Published, Updated: s.Updated, Source: s.Source,
		}
		for _, p := range s.Authors {
			it.Authors = append(it.Authors, feed.Person(p))
		}
		for _, e := range s.Enclosures {
			it.Enclosures = append(it.Enclosures, feed.Enclosure(e))
		}
		if o := s.Origin; o != nil {
			fo := feed.Origin(*o)
			it.Origin = &fo
		}
		out[i] = it
	}
	return out
}

// Fetch reads the feed and returns its items in feed order.
//
// A 304 Not Modified returns the items of the last good fetch. When the
// feed cannot be read (a network error or timeout, a status other than
// 2xx or 304, a body larger than MaxBody, a feed that does not parse, a
// redirect loop or a redirect to something other than http(s)), or while a
// Retry-After or backoff is in force, Fetch returns the items of the last
// good fetch, none if there was none, with an error wrapping feed.ErrStale
// and the cause. Fetch fails without ErrStale only when the configuration
// is invalid or ctx ends.
func (r *Remote) Fetch(ctx context.Context) ([]feed.Item, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	start := time.Now()
	now := r.now()
	log := r.logger()
	target, err := r.target()
	if err != nil {
		return nil, fmt.Errorf("source %s: %w", r.SourceName, err)
	}
	st := r.loadState(ctx, log)
	if now.Before(st.NotBefore) {
		return r.stale(st, fmt.Errorf("backing off until %s", st.NotBefore.UTC().Format(time.RFC3339)), log)
	}

	st.Attempted = now
	res, err := r.download(ctx, target, st)
	if err == nil && res.notModified && st.Fetched.IsZero() {
		err = errors.New("304 Not Modified, but there is no earlier fetch to reuse")
	}
	var items []feed.Item
	if err == nil && !res.notModified {
		if items, err = r.parse(res.body, target, now, loadItems(st.Items)); err != nil {
			err = fmt.Errorf("parse feed: %w", err)
		}
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, fmt.Errorf("source %s: %w", r.SourceName, cerr)
		}
		st.Failures++
		st.LastError = err.Error()
		var se *httpStatusError
		if errors.As(err, &se) && se.throttled() {
			wait, ok := se.retryAfter(now)
			if !ok {
				wait = remoteBackoff(st.Failures)
			}
			st.NotBefore = now.Add(min(wait, RemoteMaxBackoff))
		}
		r.saveState(ctx, st, log)
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
	args := []any{"source", r.SourceName, "reason", cause.Error(), "items", len(items)}
	if !st.Fetched.IsZero() {
		args = append(args, "last_good", st.Fetched.UTC().Format(time.RFC3339))
	}
	if !st.NotBefore.IsZero() {
		args = append(args, "retry_at", st.NotBefore.UTC().Format(time.RFC3339))
	}
	log.Warn("source stale", args...)
	return items, fmt.Errorf("source %s: %w: %w", r.SourceName, feed.ErrStale, cause)
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

// target parses and checks URL.
func (r *Remote) target() (*url.URL, error) {
	if r.URL == "" {
		return nil, errors.New("no URL configured")
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" {
			return nil, fmt.Errorf("url %q: no host", r.URL)
		}
	case "file":
		if (u.Host != "" && u.Host != "localhost") || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("url %q: want file:///absolute/path", r.URL)
		}
	default:
		return nil, fmt.Errorf("url %q: want http, https or file", r.URL)
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

func (r *Remote) stateKey() string { return "remote/" + r.SourceName }

// loadState reads the stored state. State that cannot be read, or was made
// for another URL or ID prefix, is replaced by an empty one.
func (r *Remote) loadState(ctx context.Context, log *slog.Logger) *remoteState {
	fresh := &remoteState{Version: remoteStateVersion, URL: r.URL, IDPrefix: r.IDPrefix}
	var data []byte
	if r.State == nil {
		data = r.mem
	} else {
		var err error
		if data, err = r.State.GetState(ctx, r.stateKey()); err != nil {
			log.Warn("source state unreadable", "source", r.SourceName, "reason", err.Error())
			return fresh
		}
	}
	if data == nil {
		return fresh
	}
	var st remoteState
	if err := json.Unmarshal(data, &st); err != nil {
		log.Warn("source state unreadable", "source", r.SourceName, "reason", err.Error())
		return fresh
	}
	if st.Version != remoteStateVersion || st.URL != r.URL || st.IDPrefix != r.IDPrefix {
		log.Info("source state reset", "source", r.SourceName, "reason", "configuration changed")
		return fresh
	}
	return &st
}

// saveState stores st. A failure is logged: the items are good even when
// the state cannot be kept.
func (r *Remote) saveState(ctx context.Context, st *remoteState, log *slog.Logger) {
	if st.Items == nil {
		st.Items = []storedItem{}
	}
	data, err := json.Marshal(st)
	if err == nil && r.State != nil {
		err = r.State.PutState(ctx, r.stateKey(), data)
	}
	if err != nil {
		log.Warn("source state not saved", "source", r.SourceName, "reason", err.Error())
		return
	}
	if r.State == nil {
		r.mem = data
	}
}

// remoteResponse is the outcome of a successful request.
type remoteResponse struct {
	notModified        bool
	body               []byte
	etag, lastModified string
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
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
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

// parse turns a feed document into items, in document order. now is the
// time of the fetch: later dates are moved back to it, or to the date an
// item of prev with the same ID was given, so that an item dated in the
// future keeps one date from fetch to fetch.
func (r *Remote) parse(body []byte, feedURL *url.URL, now time.Time, prev []feed.Item) (items []feed.Item, err error) {
	defer func() {
		// The parser reads whatever a stranger's server sends; a bug in
		// it fails this fetch, not the build.
		if p := recover(); p != nil {
			items, err = nil, fmt.Errorf("parser failed: %v", p)
		}
	}()
	p := gofeed.NewParser()
	p.KeepOriginalFeed = true
	p.RSSTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}
	f, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	return r.convert(f, feedURL, now, prev), nil
}

// convert adapts a parsed feed into items.
func (r *Remote) convert(f *gofeed.Feed, feedURL *url.URL, now time.Time, prev []feed.Item) []feed.Item {
	before := make(map[string]feed.Item, len(prev))
	for _, it := range prev {
		before[it.ID] = it
	}
	var (
		atomFeed, _ = f.OriginalFeed().(*gofeedatom.Feed)
		jsonFeed, _ = f.OriginalFeed().(*gofeedjson.Feed)
		rssFeed, _  = f.OriginalFeed().(*gofeedrss.Feed)
	)
	var fetchBase *url.URL
	if feedURL.Scheme == "http" || feedURL.Scheme == "https" {
		fetchBase = feedURL
	}
	siteLink := f.Link
	if siteLink == "" && atomFeed != nil {
		siteLink = atomAlternate(atomFeed.Links)
	}
	origin := feed.Origin{
		Title: textOfHTML(f.Title),
		Link:  remoteLink(siteLink, fetchBase),
	}
	if atomFeed != nil {
		origin.ID = strings.TrimSpace(feed.CleanText(atomFeed.ID))
	}
	if fetchBase != nil {
		origin.FeedURL = feedURL.String()
	} else {
		// A local file's path is nobody's business: credit the feed's own
		// address, if it gives one.
		origin.FeedURL = remoteLink(f.FeedLink, nil)
	}
	linkBase := fetchBase
	if origin.Link != "" {
		linkBase, _ = url.Parse(origin.Link)
	}
	feedAuthors := remotePersons(f.Authors)

	log := r.logger()
	seen := make(map[string]bool, len(f.Items))
	items := make([]feed.Item, 0, len(f.Items))
	for i, gi := range f.Items {
		if gi == nil {
			continue
		}
		var (
			entry  *gofeedatom.Entry
			jitem  *gofeedjson.Item
			ritem  *gofeedrss.Item
			rawURL = strings.TrimSpace(gi.Link)
		)
		switch {
		case atomFeed != nil && i < len(atomFeed.Entries):
			entry = atomFeed.Entries[i]
		case jsonFeed != nil && i < len(jsonFeed.Items):
			jitem = jsonFeed.Items[i]
		case rssFeed != nil && i < len(rssFeed.Items):
			ritem = rssFeed.Items[i]
		}
		switch {
		case rawURL != "":
		case entry != nil:
			rawURL = strings.TrimSpace(atomAlternate(entry.Links))
		case jitem != nil:
			rawURL = strings.TrimSpace(jitem.ExternalURL)
		case ritem != nil && ritem.GUID != nil && !strings.EqualFold(strings.TrimSpace(ritem.GUID.IsPermalink), "false"):
			// An RSS guid is the item's permalink unless it says otherwise.
			if g := strings.TrimSpace(ritem.GUID.Value); remoteLink(g, nil) != "" {
				rawURL = g
			}
		}
		link := remoteLink(rawURL, linkBase)

		upstream := strings.TrimSpace(gi.GUID)
		if upstream == "" {
			upstream = rawURL
		}
		if upstream == "" {
			sum := sha256.Sum256([]byte(gi.Title + "\n" + cmp.Or(gi.Content, gi.Description)))
			upstream = "sha256:" + hex.EncodeToString(sum[:])
		} else if len(upstream) > maxUpstreamID {
			sum := sha256.Sum256([]byte(upstream))
			upstream = "sha256:" + hex.EncodeToString(sum[:])
		}
		id := r.IDPrefix + escapeTag(r.SourceName) + "/" + escapeTagPath(upstream)
		if seen[id] {
			log.Warn("item skipped", "source", r.SourceName, "id", id, "reason", "id already used by an earlier item of the feed")
			continue
		}
		seen[id] = true

		contentBase := linkBase
		if link != "" {
			contentBase, _ = url.Parse(link)
		}
		it := feed.Item{
			ID:          id,
			Title:       textOfHTML(gi.Title),
			Link:        link,
			Summary:     feed.Summarize(textOfHTML(gi.Description), feed.SummaryMax),
			ContentHTML: remoteContentHTML(gi, entry, jitem, contentBase),
			Authors:     remotePersons(gi.Authors),
			Published:   remoteDate(gi.PublishedParsed, now, before[id].Published),
			Updated:     remoteDate(gi.UpdatedParsed, now, before[id].Updated),
			Source:      r.SourceName,
		}
		if len(it.Authors) == 0 {
			it.Authors = feedAuthors
		}
		for _, c := range gi.Categories {
			if c = textOfHTML(c); c != "" {
				it.Categories = append(it.Categories, c)
			}
		}
		for _, e := range gi.Enclosures {
			if e == nil {
				continue
			}
			if enc, ok := remoteEnclosure(e, linkBase); ok {
				it.Enclosures = append(it.Enclosures, enc)
			}
		}
		o := origin
		it.Origin = &o
		items = append(items, it)
	}
	return items
}

// remoteContentHTML returns an item's body as sanitised HTML with absolute URLs:
// its content, or its description when that is HTML. Content that is plain
// text (Atom type="text", JSON Feed content_text) becomes paragraphs.
func remoteContentHTML(gi *gofeed.Item, entry *gofeedatom.Entry, jitem *gofeedjson.Item, base *url.URL) string {
	raw, isText := gi.Content, false
	switch {
	case jitem != nil && jitem.ContentHTML == "" && jitem.ContentText != "":
		isText = true
	case entry != nil && entry.Content != nil:
		t := strings.ToLower(strings.TrimSpace(entry.Content.Type))
		isText = t == "" || t == "text" || (strings.HasPrefix(t, "text/") && t != "text/html")
	}
	if strings.TrimSpace(raw) == "" {
		raw, isText = gi.Description, false
		if !looksLikeHTML(raw) {
			return ""
		}
	}
	if isText {
		raw = textParagraphsHTML(raw)
	}
	return sanitizeContent(raw, base)
}

// atomAlternate returns the first of links whose rel is alternate, which
// is also what a link without rel means.
func atomAlternate(links []*gofeedatom.Link) string {
	for _, l := range links {
		if l != nil && (l.Rel == "" || l.Rel == "alternate") {
			return l.Href
		}
	}
	return ""
}

// remotePersons converts a feed's people, dropping empty ones.
func remotePersons(ps []*gofeed.Person) []feed.Person {
	var out []feed.Person
	for _, p := range ps {
		if p == nil {
			continue
		}
		q := usablePerson(feed.Person{Name: textOfHTML(p.Name), Email: strings.TrimSpace(feed.CleanText(p.Email))})
		if !q.IsZero() {
			out = append(out, q)
		}
	}
	return out
}

// remoteEnclosure converts an enclosure. ok is false when its URL cannot be made
// absolute http(s).
func remoteEnclosure(e *gofeed.Enclosure, base *url.URL) (feed.Enclosure, bool) {
	u := remoteLink(e.URL, base)
	if u == "" {
		return feed.Enclosure{}, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(e.Length), 10, 64)
	if err != nil || n < 0 {
		n = 0
	}
	typ := strings.TrimSpace(feed.CleanText(e.Type))
	if _, _, err := mime.ParseMediaType(typ); err != nil {
		typ = ""
	}
	return feed.Enclosure{URL: u, Length: n, Type: typ}, true
}

// remoteLink resolves ref against base (which may be nil) and returns it
// when the result is an absolute http(s) URL with a host, else "".
func remoteLink(ref string, base *url.URL) string {
	ref = strings.TrimSpace(feed.CleanText(ref))
	if ref == "" {
		return ""
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if !u.IsAbs() && base != nil {
		u = base.ResolveReference(u)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}

// remoteDate returns a feed's date in UTC; zero when there is none. A date
// in the future is moved back to the date the item had at an earlier
// fetch, prev, when that is not in the future either, else to now. gofeed
// reads a date without a zone as UTC.
func remoteDate(t *time.Time, now, prev time.Time) time.Time {
	if t == nil || t.IsZero() {
		return time.Time{}
	}
	if !t.After(now) {
		return t.UTC()
	}
	if !prev.IsZero() && !prev.After(now) {
		return prev.UTC()
	}
	return now.UTC()
}
