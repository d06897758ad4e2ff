package httpfeed

import (
	"errors"
	"net/http"
	"strconv"
)

var (
	bodyUnavailable     = []byte("503 document temporarily unavailable, retry later\n")
	valueUnavailableLen = []string{strconv.Itoa(len(bodyUnavailable))}
)

// fetchBody returns v with its body, fetching it when v is a lazy variant
// of a stored snapshot and the request needs its bytes. When the body
// cannot be had, it answers 503 and returns nil.
func (h *Handler) fetchBody(w http.ResponseWriter, r *http.Request, rt *route, v *variant) *variant {
	if !v.lazy || r.Method == http.MethodHead {
		return v
	}
	var body []byte
	err := errNoFetcher
	if rt.fetch != nil {
		body, err = rt.fetch.Body(r.Context(), v.sum)
	}
	if err != nil {
		h.log.Error("stored document unavailable", "path", r.URL.Path, "error", err)
		hdr := w.Header()
		delete(hdr, "Etag")
		hdr["Retry-After"] = valueRetryAfter
		hdr["Cache-Control"] = valueNoStore
		writePlain(w, r, http.StatusServiceUnavailable, bodyUnavailable, valueUnavailableLen)
		h.m.requests.WithLabelValues(rt.feed, rt.format, "503").Inc()
		return nil
	}
	got := *v
	got.body, got.file, got.lazy = body, nil, false
	return &got
}

// setFetcher gives every route of st the fetcher of its snapshot.
func (st *state) setFetcher() {
	f := st.snap.fetch
	if f == nil {
		return
	}
	for i := range st.routes {
		st.routes[i].fetch = f
	}
	for _, rt := range st.site.routes() {
		rt.fetch = f
	}
}

var errNoFetcher = errors.New("no fetcher for a body served on demand")
