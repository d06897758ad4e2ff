//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestSecondServeRefuses: a second 'feedpub serve' on the same state, in a
// process of its own, refuses to start and names the first; a build still
// takes its turn beside the running server; once the first stops, a new
// server starts.
func TestSecondServeRefuses(t *testing.T) {
	s := startServe(t, "@every 1h", map[string]string{"articles/a.txt": "First story here. More.\n"})
	waitFor(t, "the first build", 10*time.Second, func() bool {
		resp, _ := s.get("/news.rss", nil)
		return resp.StatusCode == http.StatusOK
	})
	cfg := filepath.Join(s.dir, "feedpub.yaml")

	second := feedpubProcess("serve", "-config", cfg, "-listen", "127.0.0.1:0")
	var out bytes.Buffer
	second.Stdout, second.Stderr = &out, &out
	done := make(chan error, 1)
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- second.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("second serve exited 0:\n%s", out.String())
		}
	case <-time.After(30 * time.Second):
		second.Process.Kill()
		<-done
		t.Fatalf("second serve on the same state kept running:\n%s", out.String())
	}
	for _, want := range []string{"another feedpub serve uses this state", fmt.Sprintf("pid %d", os.Getpid()), "listening on " + s.base} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("refusal does not say %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "serving on") {
		t.Errorf("the second serve started serving:\n%s", out.String())
	}

	// Repairing the ledger would move it from under the server.
	if _, _, err := feedpub(t, "ledger", "recover", "-config", cfg); err == nil || !strings.Contains(err.Error(), "listening on "+s.base) {
		t.Errorf("ledger recover beside a running serve = %v, want a refusal naming the server", err)
	}

	// A one-shot build beside the server waits its turn and succeeds.
	if _, stderr, err := feedpub(t, "build", "-config", cfg); err != nil {
		t.Errorf("build beside a running serve: %v\n%s", err, stderr)
	}

	s.stop()
	if err := <-s.done; err != nil {
		t.Fatalf("first serve: %v", err)
	}
	s.done <- nil // for the cleanup
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &syncBuffer{}
	again := make(chan error, 1)
	go func() {
		again <- run(ctx, []string{"serve", "-config", cfg, "-listen", "127.0.0.1:0"}, stdout, &syncBuffer{})
	}()
	waitFor(t, "a new serve after the first stopped", 10*time.Second, func() bool {
		select {
		case err := <-again:
			t.Fatalf("serve after the first stopped: %v", err)
		default:
		}
		return strings.Contains(stdout.String(), "serving on")
	})
	cancel()
	if err := <-again; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// TestServeHealthzHidesPathsAndRecovers breaks and mends the article
// folder under a server building every second: /healthz reports the
// failure without the server's paths, and clears it after a success.
func TestServeHealthzHidesPathsAndRecovers(t *testing.T) {
	t.Parallel()
	s := startServe(t, "@every 1s", map[string]string{"articles/a.txt": "First story here. More.\n"})
	health := func() string {
		_, body := s.get("/healthz", nil)
		return string(body)
	}
	waitFor(t, "the first build", 10*time.Second, func() bool { return strings.Contains(health(), `"status":"ok"`) })
	articles := filepath.Join(s.dir, "articles")
	if err := os.Rename(articles, articles+".away"); err != nil {
		t.Fatal(err)
	}
	var failing string
	waitFor(t, "a failed build in /healthz", 20*time.Second, func() bool {
		failing = health()
		return strings.Contains(failing, "last_error")
	})
	if strings.Contains(failing, s.dir) || regexp.MustCompile(`"[^"]*\s/\w`).MatchString(failing) {
		t.Errorf("/healthz shows file system paths: %s", failing)
	}
	if !strings.Contains(failing, "articles") {
		t.Errorf("/healthz does not say what failed: %s", failing)
	}
	if err := os.Rename(articles+".away", articles); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the error to clear after a good build", 20*time.Second, func() bool {
		return !strings.Contains(health(), "last_error")
	})
}

// TestServeIndexWhateverListen serves on another port than base_url names:
// the start warns, and every link of the index page works on this server.
func TestServeIndexWhateverListen(t *testing.T) {
	t.Parallel()
	s := startServe(t, "@every 1h", map[string]string{"articles/a.txt": "First story here. More.\n"})
	waitFor(t, "the first build", 10*time.Second, func() bool {
		resp, _ := s.get("/news.rss", nil)
		return resp.StatusCode == http.StatusOK
	})
	if !strings.Contains(s.stderr.String(), "base_url names a loopback address this server does not listen on") {
		t.Errorf("no warning that base_url (port 8080) is not this server (%s):\n%s", s.base, s.stderr.String())
	}
	_, page := s.get("/", nil)
	hrefs := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(string(page), -1)
	if len(hrefs) < 6 {
		t.Errorf("index page has %d links, want at least 6 (3 autodiscovery, 3 anchors):\n%s", len(hrefs), page)
	}
	base, _ := url.Parse(s.base)
	for _, m := range hrefs {
		u, err := base.Parse(m[1])
		if err != nil || u.Host != base.Host {
			t.Errorf("link %q leaves this server (%v)", m[1], u)
			continue
		}
		if resp, _ := s.get(u.Path, nil); resp.StatusCode != http.StatusOK {
			t.Errorf("link %q: %s", m[1], resp.Status)
		}
	}

	// base_url on this very address, or not on a loopback one: no warning.
	for _, tt := range []struct{ base, listen string }{
		{"https://news.example.com/", "127.0.0.1:8080"},
		{"http://localhost:8080/", "127.0.0.1:8080"},
		{"http://127.0.0.1/", "0.0.0.0:80"},
	} {
		var buf syncBuffer
		warnLoopbackMismatch(newTestLogger(&buf), tt.base, tt.listen)
		if buf.String() != "" {
			t.Errorf("base_url %s, listening on %s: warned %s", tt.base, tt.listen, buf.String())
		}
	}
	var buf syncBuffer
	warnLoopbackMismatch(newTestLogger(&buf), "http://localhost:8080/", "127.0.0.1:9090")
	if !strings.Contains(buf.String(), "does not listen on") {
		t.Errorf("no warning for localhost:8080 while listening on 9090")
	}
}

func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
