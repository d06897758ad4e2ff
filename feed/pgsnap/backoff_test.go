package pgsnap

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/pgtest"
)

// lockedBuffer is a log destination tests read while the listener writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestReconnectWaitStartsAgain requires a replica whose connection drops
// after it had reconnected to wait one second again, not the longer waits
// of its earlier attempts: a session lost now and then must not leave a
// replica ten seconds behind each time.
func TestReconnectWaitStartsAgain(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	var logs lockedBuffer
	s, err := Open(t.Context(), Options{URL: url, Handler: newHandler(), Recheck: time.Hour,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	// Each pass ends the session the replica listens on once it listens.
	deadline := time.Now().Add(60 * time.Second)
	for s.listens.Load() < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("the replica listened %d times, want 4", s.listens.Load())
		}
		endListening(t, url, s)
		time.Sleep(100 * time.Millisecond)
	}
	waits := 0
	for _, line := range strings.Split(logs.String(), "\n") {
		if !strings.Contains(line, "reconnecting") {
			continue
		}
		waits++
		if !strings.Contains(line, "retry_in=1s") {
			t.Errorf("after reconnecting, a replica waited longer than a second: %s", line)
		}
	}
	if waits < 3 {
		t.Errorf("%d reconnections logged, want 3 at least", waits)
	}
}
