package httpfeed

import (
	"net/http"
	"strings"
)

// valueVaryBrowser is the Vary of a feed document that has a browser
// view: every request header browserNavigation reads, so that a cache
// never hands one answer to a client that would have been given the other.
var valueVaryBrowser = []string{"Accept-Encoding, Sec-Fetch-Mode, Sec-Fetch-Dest, Upgrade-Insecure-Requests, Accept"}

// browserNavigation reports whether r is a person opening the URL in a
// browser, who gets the feed's HTML view, rather than a feed reader, an
// aggregator or a script, which get the document.
//
// Browsers mark a top-level navigation with Sec-Fetch-Mode: navigate and
// Sec-Fetch-Dest: document; feed readers send neither. Browsers send
// Sec-Fetch-* only to https and localhost origins, so a request with no
// Sec-Fetch-Mode at all is taken for a navigation when it carries what
// every browser sends on one, and readers do not: Upgrade-Insecure-Requests:
// 1 and an Accept that names text/html.
func browserNavigation(h http.Header) bool {
	if mode, ok := h["Sec-Fetch-Mode"]; ok {
		dest := h["Sec-Fetch-Dest"]
		return len(mode) == 1 && mode[0] == "navigate" && len(dest) == 1 && dest[0] == "document"
	}
	uir := h["Upgrade-Insecure-Requests"]
	if len(uir) != 1 || strings.TrimSpace(uir[0]) != "1" {
		return false
	}
	for _, a := range h["Accept"] {
		for elem := range strings.SplitSeq(a, ",") {
			mt, params, _ := strings.Cut(elem, ";")
			if strings.EqualFold(trimOWS(mt), "text/html") {
				positive, valid := qPositive(params)
				return positive && valid
			}
		}
	}
	return false
}

// serveView sends a feed document's browser view. It is never stored by
// any cache, so that no cache can hand it to a feed reader later, and it
// carries no validators of its own.
func (h *Handler) serveView(w http.ResponseWriter, r *http.Request, rt *route) {
	if !h.allowMethod(w, r, rt.feed, rt.format) {
		return
	}
	h.serveFixed(w, r, rt, http.StatusOK, valueNoStore)
}
