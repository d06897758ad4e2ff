// Package httpfeed serves published feeds over HTTP from an in-memory
// snapshot of the last good build.
//
// A build renders every document, hands them to NewSnapshot, which
// compresses them and prepares their validators and headers once, and then
// calls Handler.Swap. Requests read whichever snapshot is current through an
// atomic pointer: they never read what a build writes, never wait for a
// build, and never see a half-published one. The Handler is an ordinary
// http.Handler, so other programs can mount it in their own servers; those
// that also set http.Server.ConnContext to ConnContext let it send large
// bodies with sendfile from anonymous in-memory copies. Server, which
// feedpub serve runs, puts a fast path in front of an http.Server: it
// answers the plain GET and HEAD requests for what the snapshot serves
// straight from the socket, with the same headers, and hands every other
// connection to the http.Server (server.go).
//
// Routes:
//
//	/{feed}.rss, /{feed}.atom, /{feed}.json   the documents of the snapshot; an HTML
//	                                          view to browser navigations (site.go)
//	/items/{slug}, /feeds.opml, ...           the files of the snapshot's Site (a page
//	                                          also at /items/{slug}/ and its index.html);
//	                                          410 for its retired pages
//	/                                         an index page with autodiscovery links
//	/healthz                                  JSON health, 503 while starting or stale
//	/metrics                                  Prometheus metrics
//
// Feed documents are looked up by their exact request path, so no request
// can reach anything the snapshot does not list. Only GET and HEAD are
// allowed.
package httpfeed

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/weburl"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Limits of the max-age sent to caches. Below the floor, a build that is
// due any moment would make clients revalidate on every poll; above the
// ceiling, a delayed or manual build would stay invisible for too long.
const (
	minMaxAge     = 10 * time.Second
	maxMaxAge     = time.Hour
	defaultMaxAge = 5 * time.Minute
)

// retryAfterStarting is the Retry-After, in seconds, of feed requests made
// before the first snapshot is in place.
const retryAfterStarting = "10"

// Options configure a Handler. The zero value works: it logs nothing, keeps
// metrics in a private registry and tells caches to keep feeds for five
// minutes.
type Options struct {
	// Logger receives swaps and metric registration problems; nil discards.
	Logger *slog.Logger
	// Registerer receives the handler's metrics. Nil creates a private
	// registry, with Go runtime and process metrics added, served at
	// /metrics.
	Registerer prometheus.Registerer
	// Gatherer is what /metrics serves. Nil means the Registerer when it is
	// also a Gatherer (a *prometheus.Registry is), and the private registry
	// when Registerer is nil; if neither gives one, /metrics is 404.
	Gatherer prometheus.Gatherer
	// MaxAge tells the time until the next scheduled build, which is how
	// long caches may keep a feed. It is clamped to [10s, 1h]; nil means
	// five minutes.
	MaxAge func(now time.Time) time.Duration
	// HubURL is the WebSub hub announced with Link rel="hub" on every feed;
	// empty announces none. It must be an absolute http or https URL.
	HubURL string
	// HubURLs are further hubs announced the same way, after HubURL.
	HubURLs []string
	// StaleAfter turns /healthz to 503 "stale" when the last successful
	// build is older than this; zero never does.
	StaleAfter time.Duration
	// SiteTitle heads the index page; empty means "Feeds".
	SiteTitle string
	// PathRoot is the folder that file paths in the build errors /healthz
	// reports are shown relative to (the configuration's folder); paths
	// outside it are shown by their file name, so /healthz never tells
	// anyone where the server keeps its files.
	PathRoot string
	// Now is the clock, replaceable in tests; nil means time.Now.
	Now func() time.Time
	// Cluster, when set, reports this server among the replicas of a
	// site, shown in /healthz as "cluster".
	Cluster func() *Cluster
	// BodyDir is a folder for the files that bodies of 16 KB and more
	// are sent from with sendfile(2), on Linux. The files have no name
	// (O_TMPFILE): nothing is left in the folder, even after a crash.
	// On ext4, a 150 KB body sent from such a file took 18 % less of the
	// server's CPU time, and 7 % less of the client's, than from the
	// in-memory file used when BodyDir is empty or refuses unnamed files
	// (then once logged).
	BodyDir string
}

var _ http.Handler = (*Handler)(nil)

// Handler serves the current Snapshot. It is safe for concurrent use; Swap,
// ObserveBuild and ServeHTTP may be called from any goroutine.
type Handler struct {
	log        *slog.Logger
	now        func() time.Time
	maxAge     func(time.Time) time.Duration
	hubLink    string        // guarded by mu
	staleAfter time.Duration // guarded by mu
	siteTitle  string
	pathRoot   string
	cluster    func() *Cluster
	files      *fileHome

	state atomic.Pointer[state]
	cc    atomic.Pointer[cacheControl]

	m           *metrics
	reg         prometheus.Registerer
	metricsPage http.Handler
	notFound    prometheus.Counter

	// mu guards the build outcomes /healthz reports; requests for feeds
	// never take it.
	mu          sync.Mutex
	lastSuccess time.Time
	lastFailure time.Time
	lastError   string
	// degraded maps each source that failed in the last build, and
	// whose last good items were published, to its error.
	degraded map[string]string
	// sources and items are the last build's, from ObserveSourceStates.
	sources []sourceHealth
	items   *buildItems
}

// state is what one Swap installs: the snapshot and everything derived
// from it for this handler (header values with the hub link, metric handles,
// the rendered index page).
type state struct {
	snap *Snapshot
	// routes parallels snap.docs, so the index found in snap.byPath
	// selects the route.
	routes []route
	index  route
	// site routes the snapshot's pages and files; nil without them.
	site *siteRoutes
}

// route is one servable resource with everything a response needs, so that
// serving it only assigns prepared values.
type route struct {
	rep *representation
	// header holds the fields every 200 response carries besides those of
	// the variant and Cache-Control; header304 those a 304 repeats.
	header    []field
	header304 []field
	// Metric handles resolved at Swap, so requests do no label lookups.
	feed, format string
	ok           prometheus.Counter
	notModified  prometheus.Counter
	bytes        prometheus.Counter
	// cacheControl, when set, replaces the schedule's Cache-Control.
	cacheControl []string
	// fetch gives the bodies of lazy variants (fetch.go).
	fetch BodyFetcher
}

// field is a response header field with its canonical key.
type field struct {
	key   string
	value []string
}

// cacheControl caches the Cache-Control value of the current max-age, which
// changes at most once a second.
type cacheControl struct {
	seconds int64
	value   []string
}

// Shared header values. Like those of the snapshot, they are never modified.
var (
	valueNosniff     = []string{"nosniff"}
	valueVary        = []string{"Accept-Encoding"}
	valueTextPlain   = []string{"text/plain; charset=utf-8"}
	valueHTML        = []string{"text/html; charset=utf-8"}
	valueAllow       = []string{"GET, HEAD"}
	valueNoStore     = []string{"no-store"}
	valueRetryAfter  = []string{retryAfterStarting}
	valueNoReferrer  = []string{"no-referrer"}
	valueIndexCSP    = []string{"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"}
	bodyNotFound     = []byte("404 page not found\n")
	bodyMethod       = []byte("405 method not allowed\n")
	bodyStarting     = []byte("503 no feeds published yet, retry later\n")
	valueNotFoundLen = []string{strconv.Itoa(len(bodyNotFound))}
	valueMethodLen   = []string{strconv.Itoa(len(bodyMethod))}
	valueStartingLen = []string{strconv.Itoa(len(bodyStarting))}
	valueJSON        = []string{"application/json"}
	// valueFinalCache is the Cache-Control of a final archive page, whose
	// bytes change only when one of its own items is edited.
	valueFinalCache = []string{"public, max-age=86400"}
)

// New returns a Handler that serves nothing but /healthz and /metrics until
// the first Swap.
func New(opts Options) *Handler {
	h := &Handler{
		log:        opts.Logger,
		now:        opts.Now,
		maxAge:     opts.MaxAge,
		staleAfter: opts.StaleAfter,
		siteTitle:  opts.SiteTitle,
		pathRoot:   opts.PathRoot,
		cluster:    opts.Cluster,
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.files = &fileHome{dir: opts.BodyDir, log: h.log}
	if h.now == nil {
		h.now = time.Now
	}
	if h.siteTitle == "" {
		h.siteTitle = "Feeds"
	}
	h.SetHubURLs(append([]string{opts.HubURL}, opts.HubURLs...))

	reg, gat := opts.Registerer, opts.Gatherer
	if reg == nil {
		private := privateRegistry()
		reg = private
		if gat == nil {
			gat = private
		} else {
			gat = prometheus.Gatherers{gat, private}
		}
	} else if gat == nil {
		gat, _ = reg.(prometheus.Gatherer)
	}
	h.reg = reg
	h.m = newMetrics(reg, h.log)
	if gat != nil {
		h.metricsPage = promhttp.HandlerFor(gat, promhttp.HandlerOpts{
			ErrorLog: slog.NewLogLogger(h.log.Handler(), slog.LevelError),
		})
	}
	h.notFound = h.m.requests.WithLabelValues("", routeOther, "404")
	return h
}

// Swap makes s the snapshot every following request is served from.
// Requests in flight finish with the snapshot they started with. The
// in-memory file of a body is closed once no Handler serves the body and
// no request is sending from the file. Swapping a snapshot also counts as
// a successful build at s.Built() for /healthz. A nil s is ignored: there
// is no going back to serving nothing.
func (h *Handler) Swap(s *Snapshot) {
	if s == nil {
		return
	}
	st := &state{snap: s, routes: make([]route, len(s.docs))}
	h.mu.Lock()
	hubLink := h.hubLink
	h.mu.Unlock()
	for i, d := range s.docs {
		hubs := hubLink
		if d.Archive {
			hubs = "" // readers subscribe to the feed, not its archive
		}
		st.routes[i] = h.newRoute(&d.rep, d.Feed, string(d.Format), []field{
			{"Content-Type", []string{d.Format.ContentType()}},
			{"Link", []string{links(d.SelfURL, hubs)}},
		})
		if d.Final {
			st.routes[i].cacheControl = valueFinalCache
		}
	}
	st.site = h.newSiteRoutes(s)
	if st.site != nil {
		for i := range st.routes {
			if st.site.views[i] != nil {
				setVary(&st.routes[i], valueVaryBrowser)
			}
		}
	}
	h.mu.Lock()
	title := h.siteTitle
	h.mu.Unlock()
	page, err := renderIndex(s, title)
	if err != nil {
		// The template is fixed and its data plain strings, so this is a
		// bug; the feeds themselves are still worth serving.
		h.log.Error("index page", "error", err)
		page = []byte("index page unavailable\n")
	}
	rep, err := newRepresentation(page, s.built)
	if err != nil {
		h.log.Error("index page", "error", err)
		rep, _ = newRepresentation(page, time.Time{})
	}
	st.index = h.newRoute(&rep, "", routeIndex, []field{
		{"Content-Type", valueHTML},
		{"Content-Security-Policy", valueIndexCSP},
		{"Referrer-Policy", valueNoReferrer},
	})
	st.setFetcher()
	st.hold(h.log, h.files)
	if old := h.state.Swap(st); old != nil {
		old.release()
	}
	h.markSuccess(s.built)
	h.log.Info("snapshot swapped", "documents", len(s.docs), "feeds", s.feeds, "built", s.built)
}

// hold takes a reference on the file of every body st serves; release
// drops them once st is out of service.
func (st *state) hold(log *slog.Logger, home *fileHome) {
	st.eachFile(func(rt *route, f *bodyFile) {
		f.hold(log.With("feed", rt.feed, "format", rt.format), home)
	})
}

func (st *state) release() {
	st.eachFile(func(_ *route, f *bodyFile) { f.release() })
}

// eachFile calls fn with every body file of st's routes.
func (st *state) eachFile(fn func(*route, *bodyFile)) {
	extra := st.site.routes()
	for i := range len(st.routes) + 1 + len(extra) {
		rt := &st.index
		if i < len(st.routes) {
			rt = &st.routes[i]
		} else if j := i - len(st.routes) - 1; j >= 0 {
			rt = extra[j]
		}
		for j := range rt.rep.variants {
			if f := rt.rep.variants[j].file; f != nil {
				fn(rt, f)
			}
		}
	}
}

// links is the Link header value of a document served at self, with the
// hub links hubLink.
func links(self, hubLink string) string {
	l := "<" + self + `>; rel="self"`
	if hubLink != "" {
		l += ", " + hubLink
	}
	return l
}

// SetHubURLs replaces the WebSub hubs announced with Link rel="hub" from
// the next Swap on; URLs that are empty or not absolute http(s) URLs are
// left out, and logged.
func (h *Handler) SetHubURLs(hubs []string) {
	var link string
	for _, hub := range hubs {
		if hub == "" {
			continue
		}
		if _, err := weburl.ParseHTTP(hub); err != nil {
			h.log.Error("hub url ignored", "hub_url", hub, "error", err)
			continue
		}
		if link != "" {
			link += ", "
		}
		link += "<" + hub + `>; rel="hub"`
	}
	h.mu.Lock()
	h.hubLink = link
	h.mu.Unlock()
}

// Registerer is where the handler's metrics are registered, for other
// parts of the server to add theirs to /metrics.
func (h *Handler) Registerer() prometheus.Registerer { return h.reg }

// newRoute prepares the headers and metric handles of rep; extra are the
// fields specific to the kind of resource.
func (h *Handler) newRoute(rep *representation, feedName, format string, extra []field) route {
	rt := route{
		rep:         rep,
		feed:        feedName,
		format:      format,
		ok:          h.m.requests.WithLabelValues(feedName, format, "200"),
		notModified: h.m.requests.WithLabelValues(feedName, format, "304"),
		bytes:       h.m.bytes.WithLabelValues(feedName, format),
	}
	rt.header = append(rt.header, extra...)
	rt.header = append(rt.header,
		field{"Vary", valueVary},
		field{"X-Content-Type-Options", valueNosniff},
	)
	rt.header304 = append(rt.header304, field{"Vary", valueVary})
	if rep.lastModified != "" {
		lm := field{"Last-Modified", []string{rep.lastModified}}
		rt.header = append(rt.header, lm)
		rt.header304 = append(rt.header304, lm)
	}
	return rt
}

// ObserveBuild records the outcome of a build in the metrics and, for a
// failure, in /healthz: err == nil is a success, took the build's duration,
// and items the number of items of each feed it published (ignored on
// failure, so the gauges keep describing what is being served). Swapping
// the build's snapshot is separate: a build whose output did not change may
// report success without a Swap.
func (h *Handler) ObserveBuild(took time.Duration, items map[string]int, err error) {
	h.m.buildDuration.Observe(took.Seconds())
	now := h.now()
	if err != nil {
		h.m.buildFailure.Inc()
		h.mu.Lock()
		h.lastFailure, h.lastError = now, redactPaths(err.Error(), h.pathRoot)
		h.mu.Unlock()
		return
	}
	h.m.buildSuccess.Inc()
	// The error is about a build that a later one has put right.
	h.mu.Lock()
	h.lastFailure, h.lastError = time.Time{}, ""
	h.mu.Unlock()
	h.m.feedItems.Reset()
	for name, n := range items {
		h.m.feedItems.WithLabelValues(name).Set(float64(n))
	}
	h.markSuccess(now)
}

// SetSiteTitle changes the title heading the index page, from the next
// Swap on, as when the configuration is reloaded. Empty means "Feeds".
func (h *Handler) SetSiteTitle(title string) {
	if title == "" {
		title = "Feeds"
	}
	h.mu.Lock()
	h.siteTitle = title
	h.mu.Unlock()
}

// SetStaleAfter changes Options.StaleAfter, as when a reloaded
// configuration changes the build schedule.
func (h *Handler) SetStaleAfter(d time.Duration) {
	h.mu.Lock()
	h.staleAfter = d
	h.mu.Unlock()
}

// ObserveSources records the sources a successful build had to publish
// from their last good items (nil or empty: none). /healthz lists them, and
// feedpub_source_failures_total counts each failure by source.
func (h *Handler) ObserveSources(degraded map[string]error) {
	var m map[string]string
	for name, err := range degraded {
		if m == nil {
			m = map[string]string{}
		}
		m[name] = redactPaths(err.Error(), h.pathRoot)
		h.m.sourceFailures.WithLabelValues(name).Inc()
	}
	h.mu.Lock()
	h.degraded = m
	h.mu.Unlock()
}

// markSuccess moves the last successful build time forward to t; it never
// moves it back, so a late Swap of an older snapshot does not make the
// service look staler than it is.
func (h *Handler) markSuccess(t time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t.After(h.lastSuccess) {
		h.lastSuccess = t
		h.m.lastSuccess.Set(float64(t.UnixNano()) / 1e9)
	}
}

// ServeHTTP routes the request. Feed documents are found by exact path in
// the current snapshot; everything else the snapshot does not list is 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The escaped form keeps "/news%2Erss" or "/a%2Fb.rss" from being
	// decoded into a path that exists: only the canonical spelling is served.
	path := r.URL.Path
	if r.URL.RawPath != "" {
		path = r.URL.RawPath
	}
	st := h.state.Load()
	if st != nil {
		if i, ok := st.snap.byPath[path]; ok {
			if st.site != nil && st.site.views[i] != nil && browserNavigation(r.Header) {
				h.serveView(w, r, st.site.views[i])
				return
			}
			h.serveRoute(w, r, &st.routes[i])
			return
		}
		if h.serveSite(w, r, st, path) {
			return
		}
	}
	switch path {
	case "/":
		if st == nil {
			h.serveStarting(w, r, routeIndex)
			return
		}
		h.serveRoute(w, r, &st.index)
	case "/healthz":
		if !h.allowMethod(w, r, "", routeHealth) {
			return
		}
		h.serveHealth(w, r, st)
	case "/metrics":
		if h.metricsPage == nil {
			h.serveNotFound(w, r)
			return
		}
		if !h.allowMethod(w, r, "", routeMetrics) {
			return
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.metricsPage.ServeHTTP(sw, r)
		h.m.requests.WithLabelValues("", routeMetrics, strconv.Itoa(sw.status)).Inc()
	default:
		if st == nil && feedPath(path) {
			h.serveStarting(w, r, routeOther)
			return
		}
		h.serveNotFound(w, r)
	}
}

// serveRoute is the hot path: pick the variant, answer 304 or send the
// prepared headers and the whole body in one Write.
func (h *Handler) serveRoute(w http.ResponseWriter, r *http.Request, rt *route) {
	if !h.allowMethod(w, r, rt.feed, rt.format) {
		return
	}
	v := rt.rep.pick(acceptedCodings(r.Header["Accept-Encoding"]))
	hdr := w.Header()
	hdr["Etag"] = v.etagHeader
	hdr["Cache-Control"] = rt.cacheControl
	if rt.cacheControl == nil {
		hdr["Cache-Control"] = h.cacheControl()
	}
	if notModified(r.Header, rt.rep, v) {
		for _, f := range rt.header304 {
			hdr[f.key] = f.value
		}
		w.WriteHeader(http.StatusNotModified)
		rt.notModified.Inc()
		return
	}
	if v = h.fetchBody(w, r, rt, v); v == nil {
		return
	}
	for _, f := range rt.header {
		hdr[f.key] = f.value
	}
	hdr["Content-Length"] = v.lengthHeader
	if v.encodingHeader != nil {
		hdr["Content-Encoding"] = v.encodingHeader
	}
	w.WriteHeader(http.StatusOK)
	rt.ok.Inc()
	if r.Method == http.MethodHead {
		return
	}
	sendBody(w, r, v)
	rt.bytes.Add(float64(len(v.body)))
}

// cacheControl returns the Cache-Control value for now, building a new one
// only when the clamped max-age has changed since the last request.
func (h *Handler) cacheControl() []string {
	d := defaultMaxAge
	if h.maxAge != nil {
		d = min(max(h.maxAge(h.now()), minMaxAge), maxMaxAge)
	}
	secs := int64(d / time.Second)
	if c := h.cc.Load(); c != nil && c.seconds == secs {
		return c.value
	}
	c := &cacheControl{seconds: secs, value: []string{"public, max-age=" + strconv.FormatInt(secs, 10)}}
	h.cc.Store(c)
	return c.value
}

// allowMethod answers 405 to anything but GET and HEAD and reports whether
// the request may go on.
func (h *Handler) allowMethod(w http.ResponseWriter, r *http.Request, feedName, format string) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, "":
		return true
	}
	hdr := w.Header()
	hdr["Allow"] = valueAllow
	writePlain(w, r, http.StatusMethodNotAllowed, bodyMethod, valueMethodLen)
	h.m.requests.WithLabelValues(feedName, format, "405").Inc()
	return false
}

// serveNotFound answers a path the snapshot does not list.
func (h *Handler) serveNotFound(w http.ResponseWriter, r *http.Request) {
	writePlain(w, r, http.StatusNotFound, bodyNotFound, valueNotFoundLen)
	h.notFound.Inc()
}

// serveStarting answers a request for a feed or the index before the first
// snapshot is in place.
func (h *Handler) serveStarting(w http.ResponseWriter, r *http.Request, format string) {
	if !h.allowMethod(w, r, "", format) {
		return
	}
	hdr := w.Header()
	hdr["Retry-After"] = valueRetryAfter
	hdr["Cache-Control"] = valueNoStore
	writePlain(w, r, http.StatusServiceUnavailable, bodyStarting, valueStartingLen)
	h.m.requests.WithLabelValues("", format, "503").Inc()
}

// writePlain sends a short plain-text response, without its body to HEAD.
func writePlain(w http.ResponseWriter, r *http.Request, status int, body []byte, length []string) {
	hdr := w.Header()
	hdr["Content-Type"] = valueTextPlain
	hdr["X-Content-Type-Options"] = valueNosniff
	hdr["Content-Length"] = length
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// statusWriter remembers the status of a response it passes through, for
// the request counter of /metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

// WriteHeader records the first status written.
func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// feedPath reports whether path has the shape of a feed document path, to
// tell "not published yet" from "no such page" before the first Swap.
func feedPath(path string) bool {
	return slices.ContainsFunc(feed.Formats, func(f feed.Format) bool { return strings.HasSuffix(path, "."+string(f)) })
}

// health is the body of /healthz.
type health struct {
	Status      string `json:"status"`
	LastSuccess string `json:"last_success,omitempty"`
	AgeSeconds  *int64 `json:"age_seconds,omitempty"`
	Feeds       int    `json:"feeds"`
	Documents   int    `json:"documents"`
	LastFailure string `json:"last_failure,omitempty"`
	LastError   string `json:"last_error,omitempty"`
	// Degraded lists the sources that failed in the last build and were
	// published from their last good items: the service is up, but part
	// of what it serves is not fresh.
	Degraded map[string]string `json:"degraded_sources,omitempty"`
	// Sources says how each source fared in the last build, and when a
	// failing one is next tried; Items counts what the build skipped.
	Sources []sourceHealth `json:"sources,omitempty"`
	Items   *buildItems    `json:"items,omitempty"`
	Cluster *Cluster       `json:"cluster,omitempty"`
}

// serveHealth reports "ok", or 503 with "starting" before the first Swap
// and "stale" when the last successful build is older than StaleAfter. The
// last failed build, if any, is reported in every state, so a monitor can
// see why the service is going stale before it is.
func (h *Handler) serveHealth(w http.ResponseWriter, r *http.Request, st *state) {
	now := h.now()
	h.mu.Lock()
	last, lastFailure, lastError := h.lastSuccess, h.lastFailure, h.lastError
	degraded, staleAfter := h.degraded, h.staleAfter
	sources, items := h.sources, h.items
	h.mu.Unlock()

	body := health{Status: "ok"}
	status := http.StatusOK
	if st == nil {
		body.Status, status = "starting", http.StatusServiceUnavailable
	} else {
		body.Feeds, body.Documents = st.snap.feeds, len(st.snap.docs)
		// A build time ahead of this clock is not a negative age.
		age := max(int64(now.Sub(last)/time.Second), 0)
		body.LastSuccess = last.UTC().Format(time.RFC3339)
		body.AgeSeconds = &age
		if staleAfter > 0 && now.Sub(last) > staleAfter {
			body.Status, status = "stale", http.StatusServiceUnavailable
		}
	}
	if !lastFailure.IsZero() {
		body.LastFailure = lastFailure.UTC().Format(time.RFC3339)
		body.LastError = lastError
	}
	body.Degraded = degraded
	body.Sources, body.Items = sources, items
	if h.cluster != nil {
		body.Cluster = h.cluster()
	}

	out, err := json.Marshal(body)
	if err != nil {
		// A struct of strings and ints always marshals.
		h.log.Error("healthz", "error", err)
		status = http.StatusInternalServerError
	}
	out = append(out, '\n')
	hdr := w.Header()
	hdr["Content-Type"] = valueJSON
	hdr["Cache-Control"] = valueNoStore
	hdr["X-Content-Type-Options"] = valueNosniff
	hdr["Content-Length"] = []string{strconv.Itoa(len(out))}
	w.WriteHeader(status)
	h.m.requests.WithLabelValues("", routeHealth, strconv.Itoa(status)).Inc()
	if r.Method != http.MethodHead {
		_, _ = w.Write(out)
	}
}
