package httpfeed

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// discard is the logger of bodyFiles in tests.
var discard = slog.New(slog.DiscardHandler)

func skipWithoutSendfile(t *testing.T) {
	t.Helper()
	if !sendfileSupported {
		t.Skip("bodies are sent from files only on Linux")
	}
}

// fileState is what a test can see of a bodyFile from outside the lock.
func fileState(b *bodyFile) (refs, open, free int, base bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.refs, b.open, len(b.free), b.base != nil
}

// readAll reads d to its limit, as sendfile would.
func readAll(t *testing.T, d *description) []byte {
	t.Helper()
	got, err := io.ReadAll(&d.lr)
	if err != nil {
		t.Fatalf("read description: %v", err)
	}
	return got
}

func TestBodyFileSmallBodies(t *testing.T) {
	t.Parallel()
	if b := newBodyFile(make([]byte, sendfileMinSize-1)); b != nil {
		t.Errorf("a body under %d bytes got a file", sendfileMinSize)
	}
}

func TestBodyFileLifetime(t *testing.T) {
	t.Parallel()
	skipWithoutSendfile(t)
	body := feedBody(2*sendfileMinSize, 7)
	b := newBodyFile(body)
	if b == nil {
		t.Fatal("no bodyFile for a large body")
	}
	if d := b.get(); d != nil {
		t.Fatal("get before hold returned a description")
	}
	b.hold(discard, nil)

	// Two requests at once get descriptions of their own, each at the start.
	d1, d2 := b.get(), b.get()
	if d1 == nil || d2 == nil {
		t.Fatal("get returned nil while the body is held")
	}
	if d1.f == d2.f {
		t.Fatal("two requests share a description")
	}
	if got := readAll(t, d1); !bytes.Equal(got, body) {
		t.Fatalf("description 1 reads %d bytes, not the body", len(got))
	}
	b.put(d1)
	// A reused description starts from the beginning again.
	d3 := b.get()
	if d3 == nil || d3.f != d1.f {
		t.Fatal("a free description was not reused")
	}
	if got := readAll(t, d3); !bytes.Equal(got, body) {
		t.Fatalf("reused description reads %d bytes, not the body", len(got))
	}
	b.put(d3)

	// The last state lets go while d2 is still sending: the files stay open
	// until it is back.
	b.release()
	if refs, _, _, base := fileState(b); refs != 1 || !base {
		t.Fatalf("after release with a request in flight: refs %d, base %v", refs, base)
	}
	if d := b.get(); d == nil {
		t.Fatal("get failed while a request holds the files")
	} else {
		b.put(d)
	}
	if got := readAll(t, d2); !bytes.Equal(got, body) {
		t.Fatalf("description 2 reads %d bytes after release, not the body", len(got))
	}
	f2 := d2.f
	b.put(d2)
	if refs, open, free, base := fileState(b); refs != 0 || open != 0 || free != 0 || base {
		t.Fatalf("after the last put: refs %d, open %d, free %d, base %v; want all closed", refs, open, free, base)
	}
	if _, err := f2.Seek(0, io.SeekStart); err == nil {
		t.Error("a description is still open after the last reference went")
	}
	if d := b.get(); d != nil {
		t.Fatal("get after the files were closed returned a description")
	}

	// Held again, as when a snapshot is swapped back in, it makes new files.
	b.hold(discard, nil)
	d := b.get()
	if d == nil {
		t.Fatal("get after a new hold returned nil")
	}
	if got := readAll(t, d); !bytes.Equal(got, body) {
		t.Fatalf("new file reads %d bytes, not the body", len(got))
	}
	b.put(d)
	b.release()
	if refs, open, _, base := fileState(b); refs != 0 || open != 0 || base {
		t.Fatalf("after the second release: refs %d, open %d, base %v", refs, open, base)
	}
}

func TestBodyFileLimit(t *testing.T) {
	t.Parallel()
	skipWithoutSendfile(t)
	b := newBodyFile(feedBody(sendfileMinSize, 8))
	b.hold(discard, nil)
	var out []*description
	for range maxDescriptions {
		d := b.get()
		if d == nil {
			t.Fatalf("get %d of %d returned nil", len(out)+1, maxDescriptions)
		}
		out = append(out, d)
	}
	if d := b.get(); d != nil {
		t.Fatal("get beyond maxDescriptions returned a description")
	}
	for _, d := range out {
		b.put(d)
	}
	if _, open, free, _ := fileState(b); open != maxDescriptions || free != maxDescriptions {
		t.Fatalf("open %d, free %d, want %d each", open, free, maxDescriptions)
	}
	b.release()
}

// TestMemFileSealed checks that the bytes a body is sent from cannot be
// changed through the file.
func TestMemFileSealed(t *testing.T) {
	t.Parallel()
	skipWithoutSendfile(t)
	f, err := newMemFile([]byte("sealed"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("x"), 0); err == nil {
		t.Error("write to a sealed body file succeeded")
	}
	if err := f.Truncate(1); err == nil {
		t.Error("truncating a sealed body file succeeded")
	}
}

// snapFiles returns the bodyFiles of s.
func snapFiles(s *Snapshot) []*bodyFile {
	var out []*bodyFile
	for _, d := range s.docs {
		for i := range d.rep.variants {
			if f := d.rep.variants[i].file; f != nil {
				out = append(out, f)
			}
		}
	}
	return out
}

// newFileServer serves h on a loopback server configured like feedpub
// serve's, with ConnContext.
func newFileServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnContext = ConnContext
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// get fetches path from srv with the given Accept-Encoding and returns the
// response and its raw body.
func get(ctx context.Context, client *http.Client, method, url, acceptEncoding string) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, nil, err
	}
	// Asked for explicitly, gzip is not decoded by the transport.
	req.Header.Set("Accept-Encoding", acceptEncoding)
	res, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res, body, err
}

// TestServerSendfile serves large bodies through a real server, from their
// files: every byte, with or without gzip, HEAD without a body, and the
// connection kept alive after each.
func TestServerSendfile(t *testing.T) {
	t.Parallel()
	skipWithoutSendfile(t)
	t.Run("memory files", func(t *testing.T) { testServerSendfile(t, "") })
	t.Run("body folder", func(t *testing.T) {
		dir := t.TempDir()
		testServerSendfile(t, dir)
		emptyDir(t, dir, "after serving")
	})
}

func testServerSendfile(t *testing.T, bodyDir string) {
	h, _ := newTestHandler(t, Options{BodyDir: bodyDir})
	var conns sync.Map
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnContext = ConnContext
	srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Store(c, true)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	identity := testDocs()[0].Body
	for i := range 3 {
		for _, ae := range []string{"identity", "gzip"} {
			res, body, err := get(t.Context(), srv.Client(), "GET", srv.URL+"/news.rss", ae)
			if err != nil {
				t.Fatalf("GET %s: %v", ae, err)
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d", ae, res.StatusCode)
			}
			if got := res.Header.Get("Etag"); got != etagFor(body) {
				t.Errorf("GET %s #%d: ETag %s, body hashes to %s", ae, i, got, etagFor(body))
			}
			if fmt.Sprint(len(body)) != res.Header.Get("Content-Length") {
				t.Errorf("GET %s: %d bytes, Content-Length %s", ae, len(body), res.Header.Get("Content-Length"))
			}
			if ae == "gzip" {
				body = gunzip(t, body)
			}
			if !bytes.Equal(body, identity) {
				t.Errorf("GET %s #%d: body differs from the document", ae, i)
			}
			head, hbody, err := get(t.Context(), srv.Client(), "HEAD", srv.URL+"/news.rss", ae)
			if err != nil {
				t.Fatalf("HEAD: %v", err)
			}
			if len(hbody) != 0 || head.Header.Get("Content-Length") != res.Header.Get("Content-Length") {
				t.Errorf("HEAD %s: %d byte body, Content-Length %s", ae, len(hbody), head.Header.Get("Content-Length"))
			}
		}
	}
	n := 0
	conns.Range(func(any, any) bool { n++; return true })
	if n != 1 {
		t.Errorf("%d connections for sequential requests, want 1 kept alive", n)
	}
	// The files are made for the bodies requested: both of /news.rss.
	st := h.state.Load()
	rep := st.routes[st.snap.byPath["/news.rss"]].rep
	for i := range rep.variants {
		f := rep.variants[i].file
		if f == nil {
			t.Fatalf("the %d byte body of /news.rss has no bodyFile", len(rep.variants[i].body))
		}
		if _, open, _, base := fileState(f); !base || open == 0 {
			t.Errorf("the %d byte body of /news.rss has file %v and %d descriptions; it was not sent from a file", len(f.body), base, open)
			continue
		}
		want := "/memfd:"
		if bodyDir != "" {
			want = bodyDir + "/"
		}
		f.mu.Lock()
		loc := fileLocation(t, f.base)
		f.mu.Unlock()
		if !strings.HasPrefix(loc, want) {
			t.Errorf("the %d byte body of /news.rss was sent from %s, want %s...", len(f.body), loc, want)
		}
	}
}

// TestServerWithoutConnContext checks that a server without ConnContext gets
// every body from memory, and that no file is made for it.
func TestServerWithoutConnContext(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t, Options{})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	for _, ae := range []string{"identity", "gzip"} {
		res, body, err := get(t.Context(), srv.Client(), "GET", srv.URL+"/news.rss", ae)
		if err != nil {
			t.Fatalf("GET %s: %v", ae, err)
		}
		if got := res.Header.Get("Etag"); got != etagFor(body) {
			t.Errorf("GET %s: ETag %s, body hashes to %s", ae, got, etagFor(body))
		}
	}
	for _, f := range snapFiles(h.state.Load().snap) {
		if _, open, _, base := fileState(f); open != 0 || base {
			t.Errorf("a body has a file (%v) and %d descriptions without ConnContext", base, open)
		}
	}
}

// TestServerSendfileSwap serves large bodies from files through a real
// server while snapshots are swapped; run with -race. Every response must
// be whole and match its ETag, and once a snapshot is out of service and
// its requests are done, its files must be closed.
func TestServerSendfileSwap(t *testing.T) {
	t.Parallel()
	skipWithoutSendfile(t)
	h := New(Options{})
	snaps := make([]*Snapshot, 3)
	for i := range snaps {
		docs := testDocs()
		docs[0].Body = feedBody(60_000+i*10_000, uint64(100+i))
		s, err := NewSnapshot(docs, built.Add(time.Duration(i)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(snapFiles(s)) == 0 {
			t.Fatal("test snapshot has no body large enough for a file")
		}
		snaps[i] = s
	}
	h.Swap(snaps[0])
	srv := newFileServer(t, h)

	stop := make(chan struct{})
	var swapper sync.WaitGroup
	swapper.Go(func() {
		for i := 1; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
				h.Swap(snaps[i%len(snaps)])
			}
		}
	})
	errs := make(chan error, 8)
	var readers sync.WaitGroup
	for g := range 4 {
		readers.Go(func() {
			for i := range 50 {
				ae := []string{"identity", "gzip"}[(g+i)%2]
				res, body, err := get(t.Context(), srv.Client(), "GET", srv.URL+"/news.rss", ae)
				if err != nil {
					errs <- fmt.Errorf("GET %s: %v", ae, err)
					return
				}
				if res.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("GET %s: status %d", ae, res.StatusCode)
					return
				}
				if got, want := res.Header.Get("Etag"), etagFor(body); got != want {
					errs <- fmt.Errorf("GET %s: ETag %s, body of %d bytes hashes to %s", ae, got, len(body), want)
					return
				}
			}
		})
	}
	readers.Wait()
	close(stop)
	swapper.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Only the snapshot in service keeps its files, once the server has
	// seen every request to its end.
	srv.Close()
	final := snaps[2]
	h.Swap(final)
	for _, s := range snaps {
		for _, f := range snapFiles(s) {
			refs, open, _, base := fileState(f)
			if s == final {
				if refs != 1 {
					t.Errorf("snapshot in service: refs %d, want 1", refs)
				}
				continue
			}
			if refs != 0 || open != 0 || base {
				t.Errorf("retired snapshot: refs %d, open %d, file %v; want all closed", refs, open, base)
			}
		}
	}
}
