package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const scheduledStory = "Title: Scheduled Story\nDate: %s\n\nThe story the desk scheduled.\n"

func TestBuildHoldsFutureItemsUnlessTold(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		config string
		flags  []string
		held   bool
	}{
		{name: "held by default", held: true},
		{name: "future: publish", config: "future: publish\n"},
		{name: "build -publish-future", flags: []string{"-publish-future"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{
				"feedpub.yaml":       minimalConfig + tt.config,
				"articles/today.txt": "Title: Today\nDate: 2026-01-05\n\nToday's story.\n",
				"articles/later.txt": strings.Replace(scheduledStory, "%s", "2099-01-01T06:00:00Z", 1),
			})
			args := append([]string{"build", "-config", filepath.Join(dir, "feedpub.yaml")}, tt.flags...)
			stdout, stderr, err := feedpub(t, args...)
			if err != nil {
				t.Fatalf("build: %v\n%s", err, stderr)
			}
			want := 2
			if tt.held {
				want = 1
				if !strings.Contains(stdout, "1 items dated in the future held back; the first appears at 2099-01-01T06:00:00Z") {
					t.Errorf("stdout does not say what is held:\n%s", stdout)
				}
				if !strings.Contains(stderr, "level=INFO") || !strings.Contains(stderr, "file=later.txt") || !strings.Contains(stderr, "appears=2099-01-01T06:00:00Z") {
					t.Errorf("held item not logged with its file and date:\n%s", stderr)
				}
			}
			for f, n := range validFeeds(t, filepath.Join(dir, "public"), "news") {
				if n != want {
					t.Errorf("%s has %d items, want %d", f, n, want)
				}
			}
		})
	}
}

func TestFutureConfigValues(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"feedpub.yaml":       minimalConfig + "future: later\n",
		"articles/today.txt": "Today's story.\n",
	})
	_, stderr, err := feedpub(t, "build", "-config", filepath.Join(dir, "feedpub.yaml"))
	if err == nil || !strings.Contains(err.Error()+stderr, "future") {
		t.Errorf("future: later accepted: %v\n%s", err, stderr)
	}
}

// serve builds again when a held item is due, without waiting for its
// schedule (an hour here).
func TestServeBuildsWhenAHeldItemIsDue(t *testing.T) {
	t.Parallel()
	// Far enough ahead that the first build, on a loaded machine, still
	// comes before it.
	due := time.Now().Add(4 * time.Second).Truncate(time.Second).Add(time.Second)
	s := startServe(t, "@every 1h", map[string]string{
		"articles/today.txt": "Title: Today\nDate: 2026-01-05\n\nToday's story.\n",
		"articles/later.txt": strings.Replace(scheduledStory, "%s", due.UTC().Format(time.RFC3339), 1),
	})
	waitFor(t, "the first build", 30*time.Second, func() bool { return strings.Contains(s.stderr.String(), "build finished") })
	if _, body := s.get("/news.json", nil); strings.Contains(string(body), "Scheduled Story") {
		t.Fatalf("served before its date (%s):\n%s", due, body)
	}
	if !strings.Contains(s.stderr.String(), "build scheduled for an item held until its date") {
		t.Fatalf("no build scheduled for the held item:\n%s", s.stderr.String())
	}
	waitFor(t, "the held item in the served feed", 60*time.Second, func() bool {
		_, body := s.get("/news.json", nil)
		return strings.Contains(string(body), "Scheduled Story")
	})
	if time.Now().Before(due) {
		t.Errorf("served at %s, before its date %s", time.Now(), due)
	}
}

func TestHeldWake(t *testing.T) {
	t.Parallel()
	builds := make(chan struct{}, 4)
	h := &heldWake{build: func() { builds <- struct{}{} }}
	pending := func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.timer != nil && !h.at.IsZero()
	}

	h.set(time.Now().Add(time.Hour))
	if !pending() {
		t.Fatal("no wake-up arranged for a held item")
	}
	h.set(time.Time{}) // the item is no longer held
	if pending() {
		t.Fatal("wake-up kept after nothing is held")
	}
	h.set(time.Now()) // due already: builds at once
	select {
	case <-builds:
	case <-time.After(30 * time.Second):
		t.Fatal("no build for a due item")
	}
	h.stop()
	h.set(time.Now().Add(time.Hour))
	if pending() {
		t.Error("wake-up arranged after stop")
	}
}
