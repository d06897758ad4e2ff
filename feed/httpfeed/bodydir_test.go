package httpfeed

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fileLocation is where the kernel says f is: "<dir>/#<inode> (deleted)"
// for an unnamed file in a folder, "/memfd:<name> (deleted)" for an
// in-memory one.
func fileLocation(t *testing.T, f *os.File) string {
	t.Helper()
	target, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
	if err != nil {
		t.Fatalf("where is the body file: %v", err)
	}
	return target
}

// emptyDir fails t unless dir holds nothing.
func emptyDir(t *testing.T, dir, when string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s, the body folder holds %s", when, e.Name())
	}
}

// TestDirFileUnnamed checks that a body file made in a folder holds the
// body and leaves no name there, before or after it is closed.
func TestDirFileUnnamed(t *testing.T) {
	t.Parallel()
	skipWithoutSendfile(t)
	dir := t.TempDir()
	body := feedBody(3*sendfileMinSize, 11)
	f, err := newDirFile(dir, body)
	if err != nil {
		t.Fatalf("unnamed file in %s: %v", dir, err)
	}
	got := make([]byte, len(body)+1)
	if n, _ := f.ReadAt(got, 0); !bytes.Equal(got[:n], body) {
		t.Errorf("the file holds %d bytes that differ from the %d byte body", n, len(body))
	}
	if loc := fileLocation(t, f); !strings.HasPrefix(loc, dir+"/") {
		t.Errorf("the file is at %s, want in %s", loc, dir)
	}
	emptyDir(t, dir, "with the file open")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	emptyDir(t, dir, "with the file closed")
}

// TestFileHomeFallsBack checks that a body folder that refuses files gives
// way to in-memory files, with one note in the log that names it.
func TestFileHomeFallsBack(t *testing.T) {
	t.Parallel()
	skipWithoutSendfile(t)
	var logs bytes.Buffer
	missing := filepath.Join(t.TempDir(), "missing")
	home := &fileHome{dir: missing, log: slog.New(slog.NewTextHandler(&logs, nil))}
	body := feedBody(2*sendfileMinSize, 12)
	for i := range 3 {
		f, err := home.newFile(body)
		if err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
		got := make([]byte, len(body))
		if _, err := f.ReadAt(got, 0); err != nil || !bytes.Equal(got, body) {
			t.Errorf("file %d does not hold the body (%v)", i, err)
		}
		if loc := fileLocation(t, f); !strings.HasPrefix(loc, "/memfd:") {
			t.Errorf("file %d is at %s, want in memory", i, loc)
		}
		f.Close()
	}
	if n := strings.Count(logs.String(), "level=INFO"); n != 1 {
		t.Errorf("%d notes, want 1:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), missing) {
		t.Errorf("the note does not name the folder %s:\n%s", missing, logs.String())
	}
}

// TestBodyFileSentRecently follows a body's file through sends: recent
// when it was sent or made in the same second or the one before, and not
// after a longer pause or before it was made.
func TestBodyFileSentRecently(t *testing.T) {
	t.Parallel()
	b := &bodyFile{}
	steps := []struct {
		made int64 // made at this second first, when not zero
		sec  int64
		want bool
	}{
		{sec: 100, want: false}, // never made or sent
		{sec: 100, want: true},
		{sec: 101, want: true},
		{sec: 102, want: true},
		{sec: 104, want: false}, // two seconds since
		{sec: 104, want: true},
		{sec: 90, want: true}, // the clock went back
		{made: 200, sec: 200, want: true},
		{made: 300, sec: 301, want: true},
		{made: 400, sec: 402, want: false},
	}
	for i, s := range steps {
		if s.made != 0 {
			b.made(s.made)
		}
		if got := b.sentRecently(s.sec); got != s.want {
			t.Errorf("step %d (made %d, sent %d): sentRecently %v, want %v", i, s.made, s.sec, got, s.want)
		}
	}
}

// TestServerSendsFromBodyDir serves large bodies on the fast path from
// unnamed files in the body folder, sent a moment ago and after a pause
// (the two ways fileSend calls sendfile): every byte each time, and
// nothing left in the folder once the server is gone.
func TestServerSendsFromBodyDir(t *testing.T) {
	t.Parallel()
	skipWithoutSendfile(t)
	dir := t.TempDir()
	h, _ := newTestHandler(t, Options{BodyDir: dir})
	var fast atomic.Int64
	srv := &Server{Handler: h, HTTP: testHTTPServer(h), onFast: func(string) { fast.Add(1) }}
	ln := listen(t)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	client := &http.Client{Timeout: 20 * time.Second}
	url := "http://" + ln.Addr().String() + "/news.rss"

	identity := testDocs()[0].Body
	st := h.state.Load()
	rep := st.routes[st.snap.byPath["/news.rss"]].rep
	for round, pause := range []bool{false, false, true, false, true} {
		if pause {
			for i := range rep.variants {
				if f := rep.variants[i].file; f != nil {
					f.sentAt.Store(1)
				}
			}
		}
		for _, ae := range []string{"identity", "gzip"} {
			res, body, err := get(t.Context(), client, "GET", url, ae)
			if err != nil {
				t.Fatalf("round %d, GET %s: %v", round, ae, err)
			}
			if ae == "gzip" && res.Header.Get("Content-Encoding") == "gzip" {
				body = gunzip(t, body)
			}
			if res.StatusCode != http.StatusOK || !bytes.Equal(body, identity) {
				t.Errorf("round %d, GET %s: status %d, %d bytes; want 200 and the %d byte document", round, ae, res.StatusCode, len(body), len(identity))
			}
		}
	}
	for i := range rep.variants {
		f := rep.variants[i].file
		if f == nil {
			t.Fatalf("the %d byte body of /news.rss has no file", len(rep.variants[i].body))
		}
		f.mu.Lock()
		base := f.base
		f.mu.Unlock()
		if base == nil {
			t.Fatalf("the %d byte body of /news.rss was not sent from a file", len(f.body))
		}
		if loc := fileLocation(t, base); !strings.HasPrefix(loc, dir+"/") {
			t.Errorf("the %d byte body was sent from %s, want a file in %s", len(f.body), loc, dir)
		}
		if now := time.Now().Unix(); f.sentAt.Load() < now-5 {
			t.Errorf("the %d byte body was last sent at second %d, now is %d", len(f.body), f.sentAt.Load(), now)
		}
	}
	if n := fast.Load(); n != 10 {
		t.Errorf("the fast path answered %d of 10 requests", n)
	}
	emptyDir(t, dir, "while serving")
	if err := srv.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("serve returned %v", err)
	}
	emptyDir(t, dir, "after the server")
}
