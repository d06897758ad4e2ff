package main

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/feedpub/feedpub/feed"
)

// ruleHTTP names the problems of how a document is served.
const ruleHTTP = "HTTP"

// mediaTypes are the media types each format is served with, the first the
// one registered for it.
var mediaTypes = map[feed.Format][]string{
	feed.RSS:  {feed.RSS.MediaType(), "application/xml", "text/xml"},
	feed.Atom: {feed.Atom.MediaType(), "application/xml", "text/xml"},
	feed.JSON: {feed.JSON.MediaType(), "application/json"},
}

// validateURL fetches target, validates the document and adds what the W3C
// Feed Validation Service checks of the server: a 200 status, a media type
// and charset that fit the document, a self link that names the URL
// fetched, and a conditional request that gets 304 Not Modified.
func validateURL(ctx context.Context, client *http.Client, target string) (*feed.Report, error) {
	resp, data, err := fetch(ctx, client, target, nil)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s; a feed is served with 200 OK", target, resp.Status)
	}
	report, err := feed.Validate(data)
	if err != nil {
		return nil, err
	}
	var probs []feed.Problem
	add := func(s feed.Severity, format string, args ...any) {
		probs = append(probs, feed.Problem{Severity: s, Message: fmt.Sprintf(format, args...), Rule: ruleHTTP})
	}
	checkMediaType(report.Format, resp.Header.Get("Content-Type"), data, add)

	fetched := resp.Request.URL
	if report.Self == "" {
		add(feed.Warning, "the document names no self link; readers learn a moved feed's address from it")
	} else if self, err := fetched.Parse(report.Self); err != nil || !sameURL(self, fetched) {
		add(feed.Warning, "the self link %q does not match the URL fetched, %q", report.Self, fetched.String())
	}

	etag, modified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" && modified == "" {
		add(feed.Warning, "no ETag or Last-Modified header, so readers cannot ask for the feed only when it changed")
	} else {
		h := http.Header{}
		if etag != "" {
			h.Set("If-None-Match", etag)
		}
		if modified != "" {
			h.Set("If-Modified-Since", modified)
		}
		again, _, err := fetch(ctx, client, fetched.String(), h)
		switch {
		case err != nil:
			add(feed.Warning, "the conditional request failed: %v", err)
		case again.StatusCode != http.StatusNotModified:
			add(feed.Warning, "a conditional request (If-None-Match, If-Modified-Since) got %s, want 304 Not Modified", again.Status)
		}
	}
	report.Problems = append(probs, report.Problems...)
	return report, nil
}

// checkMediaType judges the Content-Type header of a document of format f.
func checkMediaType(f feed.Format, header string, data []byte, add func(feed.Severity, string, ...any)) {
	if header == "" {
		add(feed.Warning, "no Content-Type header; serve %s as %s", f, mediaTypes[f][0])
		return
	}
	mt, params, err := mime.ParseMediaType(header)
	if err != nil {
		add(feed.Error, "Content-Type %q does not parse: %v", header, err)
		return
	}
	ok := false
	for _, want := range mediaTypes[f] {
		ok = ok || mt == want
	}
	if !ok {
		add(feed.Warning, "Content-Type %q does not fit %s; serve it as %s", mt, f, mediaTypes[f][0])
	}
	charset, hasCharset := params["charset"]
	switch {
	case f == feed.JSON:
		if hasCharset && !strings.EqualFold(charset, "utf-8") {
			add(feed.Error, "Content-Type charset %q: JSON is UTF-8", charset)
		}
	case !hasCharset && mt == "text/xml":
		add(feed.Warning, "Content-Type text/xml without a charset means US-ASCII to some readers; add charset=utf-8")
	case hasCharset:
		if declared := xmlDeclaredEncoding(data); !strings.EqualFold(charset, declared) {
			add(feed.Warning, "Content-Type charset %q differs from the document's encoding %q", charset, declared)
		}
	}
}

// xmlDeclaredEncoding returns the encoding an XML document declares, or
// UTF-8, XML's default.
func xmlDeclaredEncoding(data []byte) string {
	head := string(data[:min(len(data), 200)])
	if !strings.HasPrefix(strings.TrimPrefix(head, "\xEF\xBB\xBF"), "<?xml") {
		return "utf-8"
	}
	end := strings.Index(head, "?>")
	if end < 0 {
		return "utf-8"
	}
	decl := head[:end]
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return "utf-8"
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n=")
	if rest == "" {
		return "utf-8"
	}
	q := rest[0]
	rest = rest[1:]
	if j := strings.IndexByte(rest, q); j >= 0 {
		return rest[:j]
	}
	return "utf-8"
}

// sameURL compares URLs the way a reader would: scheme and host in any
// case, default ports and an empty path aside.
func sameURL(a, b *url.URL) bool {
	norm := func(u *url.URL) string {
		host := strings.ToLower(u.Hostname())
		port := u.Port()
		scheme := strings.ToLower(u.Scheme)
		if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
			port = ""
		}
		if port != "" {
			host += ":" + port
		}
		path := u.EscapedPath()
		if path == "" {
			path = "/"
		}
		q := ""
		if u.RawQuery != "" {
			q = "?" + u.RawQuery
		}
		return scheme + "://" + host + path + q
	}
	return norm(a) == norm(b)
}

// fetch GETs target with extra headers and reads the body, up to maxFetch.
func fetch(ctx context.Context, client *http.Client, target string, h http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", "feedpub/"+version()+" (validate)")
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFetch+1))
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", target, err)
	}
	if len(data) > maxFetch {
		return nil, nil, fmt.Errorf("GET %s: larger than %d bytes", target, maxFetch)
	}
	return resp, data, nil
}
