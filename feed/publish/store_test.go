package publish

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// recordingStore is a Store held in memory that records its calls, to check
// what Sync asks of a store; the S3 implementation is tested against a
// real server in cmd/feedpub.
type recordingStore struct {
	mu      sync.Mutex
	objects map[string]string // key → md5
	meta    map[string]Object
	calls   []string
	failPut bool
}

func (s *recordingStore) List(context.Context) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range s.objects {
		out[k] = v
	}
	return out, nil
}

func (s *recordingStore) Put(_ context.Context, key string, body []byte, meta Object) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failPut {
		return errors.New("refused")
	}
	sum := md5.Sum(body)
	s.objects[key] = hex.EncodeToString(sum[:])
	s.meta[key] = meta
	s.calls = append(s.calls, "put "+key)
	return nil
}

func (s *recordingStore) Delete(_ context.Context, keys []string) error {
	for _, k := range keys {
		delete(s.objects, k)
		s.calls = append(s.calls, "delete "+k)
	}
	return nil
}

func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSync(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"news.rss":               "<rss/>",
		"feeds.opml":             "<opml/>",
		"items/a/index.html":     "<p>a</p>",
		"items/a/photo.png":      "png",
		".feedpub-pages.json":    "{}",
		"items/.news.rss.tmp-12": "partial",
	})
	st := &recordingStore{objects: map[string]string{}, meta: map[string]Object{}}
	stats, err := Sync(context.Background(), dir, st, "public, max-age=60", nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats != (SyncStats{Uploaded: 4}) {
		t.Errorf("first sync: %+v", stats)
	}
	// Pages before the documents that link them.
	if len(st.calls) != 4 || !slices.Equal(slices.Sorted(slices.Values(st.calls[:2])), []string{"put items/a/index.html", "put items/a/photo.png"}) {
		t.Errorf("calls %q", st.calls)
	}
	if m := st.meta["items/a/photo.png"]; m.ContentType != "image/png" || m.CacheControl != "public, max-age=60" {
		t.Errorf("photo.png stored with %+v", m)
	}

	// Unchanged: nothing; a changed feed and a retired page: one upload
	// and one deletion, the deletion last.
	st.calls = nil
	if stats, err = Sync(context.Background(), dir, st, "public, max-age=60", nil); err != nil || stats != (SyncStats{Unchanged: 4}) || st.calls != nil {
		t.Errorf("second sync: %+v %v %q", stats, err, st.calls)
	}
	writeTree(t, dir, map[string]string{"news.rss": "<rss version=\"2.0\"/>"})
	if err := os.Remove(filepath.Join(dir, "items", "a", "photo.png")); err != nil {
		t.Fatal(err)
	}
	if stats, err = Sync(context.Background(), dir, st, "public, max-age=60", nil); err != nil || stats != (SyncStats{Uploaded: 1, Unchanged: 2, Deleted: 1}) {
		t.Errorf("third sync: %+v %v", stats, err)
	}
	if want := []string{"put news.rss", "delete items/a/photo.png"}; !slices.Equal(st.calls, want) {
		t.Errorf("calls %q, want %q", st.calls, want)
	}

	// Another Cache-Control stores every object again, once.
	if stats, err = Sync(context.Background(), dir, st, "public, max-age=3600", nil); err != nil || stats != (SyncStats{Uploaded: 3}) {
		t.Errorf("new Cache-Control: %+v %v", stats, err)
	}
	if m := st.meta["news.rss"]; m.CacheControl != "public, max-age=3600" {
		t.Errorf("news.rss stored with %+v", m)
	}
	if stats, err = Sync(context.Background(), dir, st, "public, max-age=3600", nil); err != nil || stats != (SyncStats{Unchanged: 3}) {
		t.Errorf("same Cache-Control again: %+v %v", stats, err)
	}

	// A failed upload fails the sync, and deletes nothing.
	st.calls, st.failPut = nil, true
	writeTree(t, dir, map[string]string{"news.rss": "<rss/>"})
	if err := os.Remove(filepath.Join(dir, "feeds.opml")); err != nil {
		t.Fatal(err)
	}
	if _, err := Sync(context.Background(), dir, st, "", nil); err == nil || st.calls != nil {
		t.Errorf("a refused upload: %v, calls %q", err, st.calls)
	}
}

func TestContentType(t *testing.T) {
	t.Parallel()
	for key, want := range map[string]string{
		"news.rss":            "application/rss+xml; charset=utf-8",
		"category/sport.atom": "application/atom+xml; charset=utf-8",
		"news.json":           "application/feed+json; charset=utf-8",
		"items/a/index.html":  "text/html; charset=utf-8",
		"feeds.opml":          "text/x-opml; charset=utf-8",
		"feedpub.css":         "text/css; charset=utf-8",
		"items/a/photo.jpg":   "image/jpeg",
		// Every media file an article's bundle may carry has the type the
		// source knows it by, whatever the machine's MIME tables say
		// (some name .wav audio/x-wav).
		"items/a/clip.wav":          "audio/wav",
		"items/a/song.FLAC":         "audio/flac",
		"items/a/film.mov":          "video/quicktime",
		"items/a/book.epub":         "application/epub+zip",
		"items/a/notes.unknown-ext": "application/octet-stream",
	} {
		if got := ContentType(key); got != want {
			t.Errorf("ContentType(%q) = %q, want %q", key, got, want)
		}
	}
}

// TestSyncMany uploads more objects than Sync sends at once, all pages
// before any feed.
func TestSyncMany(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{"news.rss": "<rss/>", "news.atom": "<feed/>"}
	for i := range 3 * syncUploads {
		files[fmt.Sprintf("items/%d/index.html", i)] = fmt.Sprint(i)
	}
	writeTree(t, dir, files)
	st := &recordingStore{objects: map[string]string{}, meta: map[string]Object{}}
	stats, err := Sync(context.Background(), dir, st, "", nil)
	if err != nil || stats != (SyncStats{Uploaded: len(files)}) {
		t.Fatalf("%+v %v", stats, err)
	}
	for i, call := range st.calls {
		if isPage := strings.HasPrefix(call, "put items/"); isPage != (i < 3*syncUploads) {
			t.Errorf("call %d: %s", i, call)
		}
	}
}
