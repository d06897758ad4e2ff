package httpfeed

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRedactPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"inside the root", "source wire: open /srv/site/articles/a.txt: permission denied", "source wire: open articles/a.txt: permission denied"},
		{"the root itself", "walk /srv/site: gone", "walk .: gone"},
		{"outside the root", `ledger /var/lib/feedpub/feedpub.db: ledger file is corrupt`, `ledger feedpub.db: ledger file is corrupt`},
		{"quoted and after equals", `file="/srv/site/public/news.rss" dir=/tmp/x/y`, `file="public/news.rss" dir=y`},
		{"a sibling folder is outside", "open /srv/site-old/a.txt: no such file", "open a.txt: no such file"},
		{"URLs are left alone", "fetch https://example.com/feed.xml: 503", "fetch https://example.com/feed.xml: 503"},
		{"at the start", "/srv/site/articles: not a folder", "articles: not a folder"},
		{"no path", "feed news: no items", "feed news: no items"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := redactPaths(tt.in, "/srv/site"); got != tt.want {
				t.Errorf("redactPaths(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestHealthzErrors: /healthz shows a failed build's error without the
// server's file system paths, also for degraded sources, and forgets it
// once a build succeeds.
func TestHealthzErrors(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t, Options{PathRoot: "/srv/site"})
	h.ObserveBuild(time.Second, nil, errors.New("source wire: open /srv/site/articles/a.txt: permission denied; ledger /var/lib/x/feedpub.db"))
	h.ObserveSources(map[string]error{"remote": errors.New("cache /var/cache/feedpub/remote: gone")})
	body := do(h, "GET", "/healthz").Body.String()
	for _, want := range []string{`"last_error":"source wire: open articles/a.txt: permission denied; ledger feedpub.db"`, `"remote":"cache remote: gone"`} {
		if !strings.Contains(body, want) {
			t.Errorf("healthz lacks %s: %s", want, body)
		}
	}
	if strings.Contains(body, "/srv/") || strings.Contains(body, "/var/") {
		t.Errorf("healthz shows file system paths: %s", body)
	}
	h.ObserveBuild(time.Second, map[string]int{"news": 3}, nil)
	h.ObserveSources(nil)
	body = do(h, "GET", "/healthz").Body.String()
	if strings.Contains(body, "last_error") || strings.Contains(body, "last_failure") || strings.Contains(body, "degraded") {
		t.Errorf("healthz still reports the failure after a successful build: %s", body)
	}
}
