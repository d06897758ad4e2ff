package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// healthyRSS is a small feed of the test's own.
const healthyRSS = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Healthy</title><link>https://healthy.example.com/</link><description>x</description>
<item><guid>https://healthy.example.com/1</guid><title>Fresh one</title><link>https://healthy.example.com/1</link><description>First fresh story.</description><pubDate>Sun, 01 Mar 2026 10:00:00 GMT</pubDate></item>
<item><guid>https://healthy.example.com/2</guid><title>Fresh two</title><link>https://healthy.example.com/2</link><description>Second fresh story.</description><pubDate>Sun, 01 Mar 2026 11:00:00 GMT</pubDate></item>
</channel></rss>`

// TestServeSlowSourcesDoNotStopPublishing runs serve with six upstreams
// that never answer beside one healthy feed, under a short build_timeout:
// every build publishes the healthy feed's items, /healthz reports the six
// degraded with their next retry, and later builds do not ask them again.
func TestServeSlowSourcesDoNotStopPublishing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers that never answer")
	}
	t.Parallel()
	healthy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, healthyRSS)
	}))
	t.Cleanup(healthy.Close)
	release := make(chan struct{})
	var slowRequests [6]atomic.Int32
	var cfg strings.Builder
	cfg.WriteString(`title: Example News
link: https://news.example.com/
base_url: http://127.0.0.1:8080/
output: public
state: data/feedpub.db
build_timeout: 4s
sources:
  - name: healthy
    type: feed
    url: ` + healthy.URL + "\n")
	for i := range slowRequests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			slowRequests[i].Add(1)
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		t.Cleanup(srv.Close)
		fmt.Fprintf(&cfg, "  - name: slow%d\n    type: feed\n    url: %s\n", i, srv.URL)
	}
	t.Cleanup(func() { close(release) }) // runs before the servers close
	cfg.WriteString("feeds:\n  - name: news\n")

	s := startServeConfig(t, cfg.String(), "@every 1s", map[string]string{})
	builds := regexp.MustCompile(`feedpub_builds_total\{result="success"\} (\d+)`)
	successes := func() int {
		_, body := s.get("/metrics", nil)
		m := builds.FindSubmatch(body)
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(string(m[1]))
		return n
	}
	waitFor(t, "three successful builds", 60*time.Second, func() bool { return successes() >= 3 })

	resp, body := s.get("/news.json", nil)
	report := feed.ValidateFormat(feed.JSON, body)
	if resp.StatusCode != http.StatusOK || len(report.Items) != 2 {
		t.Fatalf("news.json: %s, %d items, want the healthy feed's 2", resp.Status, len(report.Items))
	}
	var health struct {
		Sources []struct {
			Name, State, Error string
			RetryAt            string `json:"retry_at"`
		} `json:"sources"`
	}
	_, body = s.get("/healthz", nil)
	if err := json.Unmarshal(body, &health); err != nil {
		t.Fatalf("healthz: %v: %s", err, body)
	}
	degraded := 0
	for _, src := range health.Sources {
		switch {
		case src.Name == "healthy" && src.State != "ok":
			t.Errorf("healthy source reported %s: %s", src.State, src.Error)
		case strings.HasPrefix(src.Name, "slow") && src.State == "degraded" && src.RetryAt != "":
			degraded++
		}
	}
	if degraded != 6 {
		t.Errorf("healthz lists %d slow sources degraded with a retry time, want 6: %s", degraded, body)
	}
	for i := range slowRequests {
		if n := slowRequests[i].Load(); n != 1 {
			t.Errorf("slow%d was asked %d times in three builds, want once: failures back off", i, n)
		}
	}
	_, body = s.get("/metrics", nil)
	for _, want := range []string{`feedpub_source_up{source="healthy"} 1`, `feedpub_source_up{source="slow0"} 0`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
