package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// servedAtom renders a small Atom feed whose self link is self.
func servedAtom(t *testing.T, self string) []byte {
	t.Helper()
	at := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	meta := feed.Meta{ID: "tag:news.example.com,2026:feed", Title: "News", Link: "https://news.example.com/",
		SelfURL: map[feed.Format]string{feed.Atom: self}, Authors: []feed.Person{{Name: "Desk"}}}
	items := []feed.Item{{ID: "tag:news.example.com,2026:a", Title: "A", Link: "https://news.example.com/a",
		Summary: "Text.", Published: at, Updated: at}}
	var buf bytes.Buffer
	if err := feed.Render(&buf, feed.Atom, meta, items); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestValidateURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		mediaType string
		self      string // "" for the URL the document is served at
		etag      bool
		answer304 bool
		wantErr   string // the fetch fails with this
		want      []string
		sev       feed.Severity
	}{
		{name: "well served", status: 200, mediaType: "application/atom+xml; charset=utf-8", etag: true, answer304: true},
		{name: "not found", status: 404, mediaType: "text/plain", wantErr: "404"},
		{name: "served as HTML", status: 200, mediaType: "text/html; charset=utf-8", etag: true, answer304: true,
			sev: feed.Warning, want: []string{"Content-Type", "text/html", "application/atom+xml"}},
		{name: "text/xml without charset", status: 200, mediaType: "text/xml", etag: true, answer304: true,
			sev: feed.Warning, want: []string{"text/xml", "charset"}},
		{name: "charset differs from the document", status: 200, mediaType: "application/atom+xml; charset=iso-8859-1", etag: true, answer304: true,
			sev: feed.Warning, want: []string{"iso-8859-1", "UTF-8"}},
		{name: "unparsable media type", status: 200, mediaType: "application/atom+xml; charset", etag: true, answer304: true,
			sev: feed.Error, want: []string{"Content-Type", "does not parse"}},
		{name: "self link elsewhere", status: 200, mediaType: "application/atom+xml", self: "https://elsewhere.example.com/feed.atom", etag: true, answer304: true,
			sev: feed.Warning, want: []string{"self link", "elsewhere.example.com", "does not match"}},
		{name: "no validators", status: 200, mediaType: "application/atom+xml",
			sev: feed.Warning, want: []string{"ETag", "Last-Modified"}},
		{name: "conditional request ignored", status: 200, mediaType: "application/atom+xml", etag: true,
			sev: feed.Warning, want: []string{"conditional request", "200 OK", "304"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				self := tt.self
				if self == "" {
					self = srv.URL + "/news.atom"
				}
				if tt.etag {
					w.Header().Set("ETag", `"v1"`)
					if tt.answer304 && r.Header.Get("If-None-Match") == `"v1"` {
						w.WriteHeader(http.StatusNotModified)
						return
					}
				}
				w.Header().Set("Content-Type", tt.mediaType)
				w.WriteHeader(tt.status)
				w.Write(servedAtom(t, self))
			}))
			defer srv.Close()
			report, err := validateURL(t.Context(), srv.Client(), srv.URL+"/news.atom")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("validateURL error = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if err := report.StrictErr(); err != nil {
					t.Errorf("a well-served feed has problems: %v", err)
				}
				return
			}
			for _, p := range report.Problems {
				if p.Severity == tt.sev && p.Rule == ruleHTTP && containsAll(p.Message, tt.want) {
					return
				}
			}
			t.Errorf("no %s naming %q; problems: %v", tt.sev, tt.want, report.Problems)
		})
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestValidateStrict checks the exit status of both levels: a warning
// fails only under -strict, an error always.
func TestValidateStrict(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := servedAtom(t, "https://news.example.com/news.atom")
	warned := bytes.Replace(good, []byte(`<link href="https://news.example.com/news.atom" rel="self" type="application/atom+xml"></link>`), nil, 1)
	if bytes.Equal(warned, good) {
		t.Fatalf("the self link to remove is not in the document:\n%s", good)
	}
	broken := bytes.Replace(good, []byte("<title>A</title>"), nil, 1)
	for name, data := range map[string][]byte{"good.atom": good, "warned.atom": warned, "broken.atom": broken} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		args []string
		fail bool
		want string
	}{
		{[]string{"good.atom"}, false, "ok: atom, 1 items, 0 errors, 0 warnings"},
		{[]string{"-strict", "good.atom"}, false, "ok: atom"},
		{[]string{"warned.atom"}, false, `warning: line 2 (feed): missing <link rel="self">`},
		{[]string{"-strict", "warned.atom"}, true, "FAIL: atom, 1 items, 0 errors, 1 warnings"},
		{[]string{"broken.atom"}, true, "error: line 11 (feed/entry[1]): <entry> is missing required element <title> [RFC 4287]"},
	}
	for _, tt := range tests {
		args := append([]string{"validate"}, tt.args...)
		args[len(args)-1] = filepath.Join(dir, args[len(args)-1])
		stdout, _, err := feedpub(t, args...)
		if (err != nil) != tt.fail {
			t.Errorf("%v: error %v, want failure %v\n%s", tt.args, err, tt.fail, stdout)
		}
		if err != nil && errors.As(err, new(usageError)) {
			t.Errorf("%v: a usage error: %v", tt.args, err)
		}
		if !strings.Contains(stdout, tt.want) {
			t.Errorf("%v: output lacks %q:\n%s", tt.args, tt.want, stdout)
		}
	}
}

// TestValidateTargetSchemeIgnoresCase: a URL whose scheme is written in
// capitals is fetched, not looked for as a file of that name.
func TestValidateTargetSchemeIgnoresCase(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
		w.Write(servedAtom(t, srv.URL+"/news.atom"))
	}))
	t.Cleanup(srv.Close)
	target := "HTTP://" + strings.TrimPrefix(srv.URL, "http://") + "/news.atom"
	if _, err := validateTarget(t.Context(), target, 10*time.Second); err != nil {
		t.Errorf("validate %s: %v", target, err)
	}
}
