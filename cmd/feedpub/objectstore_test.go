package main

import (
	"context"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/feed/publish/s3store"
	"github.com/feedpub/feedpub/internal/s3test"
	"github.com/feedpub/feedpub/internal/s3url"
)

// storeSync reads what the "object storage synced" log line of a build
// says it uploaded and deleted.
func storeSync(t *testing.T, stderr string) (uploaded, deleted int) {
	t.Helper()
	m := regexp.MustCompile(`msg="object storage synced" uploaded=(\d+) unchanged=\d+ deleted=(\d+)`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("the build did not log its object storage sync:\n%s", stderr)
	}
	uploaded, _ = strconv.Atoi(m[1])
	deleted, _ = strconv.Atoi(m[2])
	return uploaded, deleted
}

// publishedFiles reads the documents of the working copy, as keys.
func publishedFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for name, body := range readTree(t, dir) {
		if !strings.HasPrefix(filepath.Base(name), ".") {
			out[filepath.ToSlash(name)] = body
		}
	}
	return out
}

// storedObject fetches key over plain HTTP from the server, through a
// presigned URL, as a CDN would.
func storedObject(t *testing.T, loc s3url.Location, key string) *http.Response {
	t.Helper()
	st, err := s3store.New(loc)
	if err != nil {
		t.Fatal(err)
	}
	req, err := s3.NewPresignClient(st.Client()).PresignGetObject(context.Background(), &s3.GetObjectInput{
		Bucket: aws.String(loc.Bucket), Key: aws.String(loc.Prefix + key),
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(req.URL)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestObjectStorageOutput builds the example site to a bucket on a real
// S3-compatible server: every document arrives with its media type and
// cache lifetime, a rebuild with no change uploads nothing, a changed
// article uploads only the objects whose bytes changed, and a removed
// article's page is deleted from the bucket.
func TestObjectStorageOutput(t *testing.T) {
	loc, output := s3test.Bucket(t, "site")
	dir := buildExamplesWith(t, func(config string) string {
		return strings.Replace(config, "output: public", "output: "+output, 1)
	})
	cfgPath := filepath.Join(dir, "feedpub.yaml")
	work := filepath.Join(dir, "data", "published")
	if _, err := os.Stat(filepath.Join(dir, "public")); !os.IsNotExist(err) {
		t.Errorf("an s3 output wrote the folder public/ (%v)", err)
	}

	checkBucket := func(files map[string][]byte) {
		t.Helper()
		st, err := s3store.New(loc)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := st.List(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got, want := slices.Sorted(maps.Keys(stored)), slices.Sorted(maps.Keys(files)); !slices.Equal(got, want) {
			t.Fatalf("bucket holds %q\nwant %q", got, want)
		}
	}
	files := publishedFiles(t, work)
	for _, want := range []string{"news.rss", "news.atom", "news.json", "news.html", "feeds.opml", "feedpub.css"} {
		if files[want] == nil {
			t.Fatalf("the build published no %s: %q", want, slices.Sorted(maps.Keys(files)))
		}
	}
	checkBucket(files)

	contentTypes := map[string]string{
		".rss":  "application/rss+xml; charset=utf-8",
		".atom": "application/atom+xml; charset=utf-8",
		".json": "application/feed+json; charset=utf-8",
		".html": "text/html; charset=utf-8",
		".opml": "text/x-opml; charset=utf-8",
		".css":  "text/css; charset=utf-8",
	}
	pages := 0
	for key, body := range files {
		if strings.HasPrefix(key, "items/") {
			pages++
		}
		resp := storedObject(t, loc, key)
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", key, resp.StatusCode, err)
		}
		if string(got) != string(body) {
			t.Errorf("%s: the stored bytes differ from the built document", key)
		}
		if want := contentTypes[filepath.Ext(key)]; resp.Header.Get("Content-Type") != want {
			t.Errorf("%s: Content-Type %q, want %q", key, resp.Header.Get("Content-Type"), want)
		}
		// The example builds "@every 1m".
		if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=60" {
			t.Errorf("%s: Cache-Control %q", key, cc)
		}
		if ext := filepath.Ext(key); ext == ".rss" || ext == ".atom" || ext == ".json" {
			report, err := feed.Validate(got)
			if err != nil {
				t.Fatal(err)
			}
			if err := report.Err(); err != nil {
				t.Errorf("stored %s: %v", key, err)
			}
		}
	}
	if pages < 3 {
		t.Errorf("%d objects under items/, want a page per example article", pages)
	}

	// No change: nothing is uploaded.
	_, stderr, err := feedpub(t, "build", "-config", cfgPath)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if up, del := storeSync(t, stderr); up != 0 || del != 0 {
		t.Errorf("a rebuild with no change uploaded %d objects and deleted %d", up, del)
	}

	// An object changed behind feedpub's back is put right by the next
	// build, though nothing changed locally: the bucket is compared, not
	// the working copy.
	st, err := s3store.New(loc)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(context.Background(), "news.rss", []byte("stale"), publish.Object{ContentType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = feedpub(t, "build", "-config", cfgPath)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if up, del := storeSync(t, stderr); up != 1 || del != 0 {
		t.Errorf("a rebuild after news.rss was overwritten uploaded %d objects and deleted %d, want 1 and 0", up, del)
	}
	resp := storedObject(t, loc, "news.rss")
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != string(files["news.rss"]) || resp.Header.Get("Content-Type") != contentTypes[".rss"] {
		t.Errorf("news.rss was not restored: %q, %s", got, resp.Header.Get("Content-Type"))
	}

	// One changed article: only what changed is uploaded.
	articles, _ := filepath.Glob(filepath.Join(dir, "articles", "*.txt"))
	slices.Sort(articles)
	text, err := os.ReadFile(articles[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(articles[0], append(text, "\nA late paragraph, added after publication.\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	// Text sources notice a change by modification time as well as size.
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(articles[0], later, later); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = feedpub(t, "build", "-config", cfgPath)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	changed := publishedFiles(t, work)
	var differ []string
	for key, body := range changed {
		if string(files[key]) != string(body) {
			differ = append(differ, key)
		}
	}
	// The appended paragraph also turns the article's last block of
	// headlines back into text: their pages retire.
	gone := 0
	for key := range files {
		if changed[key] == nil {
			gone++
		}
	}
	up, del := storeSync(t, stderr)
	if up != len(differ) || up == 0 || up >= len(changed) || del != gone {
		t.Errorf("a changed article uploaded %d objects and deleted %d; %d of %d documents changed, %d retired: %q", up, del, len(differ), len(changed), gone, differ)
	}
	checkBucket(changed)
	resp = storedObject(t, loc, "news.atom")
	got, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(got), "A late paragraph") {
		t.Errorf("the stored news.atom lacks the change")
	}

	// A removed article retires its page: its objects leave the bucket.
	if err := os.Remove(articles[0]); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = feedpub(t, "build", "-config", cfgPath)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	remaining := publishedFiles(t, work)
	if _, del := storeSync(t, stderr); del == 0 || del != len(changed)-len(remaining) {
		t.Errorf("removing an article deleted %d objects; the working copy lost %d files", del, len(changed)-len(remaining))
	}
	checkBucket(remaining)
}

// TestServeObjectStorageOutput runs serve with an s3:// output: it serves
// each build from memory, and the bucket holds the same bytes.
func TestServeObjectStorageOutput(t *testing.T) {
	loc, output := s3test.Bucket(t, "")
	config := strings.Replace(minimalConfig, "output: public", "output: "+output, 1)
	s := startServeConfig(t, config, "@every 1s", map[string]string{"articles/a.txt": "First story here. More.\n"})
	waitFor(t, "the first build", 10*time.Second, func() bool {
		resp, _ := s.get("/healthz", nil)
		return resp.StatusCode == http.StatusOK
	})
	served, body := s.get("/news.atom", nil)
	if served.StatusCode != http.StatusOK {
		t.Fatalf("GET news.atom: %s", served.Status)
	}
	resp := storedObject(t, loc, "news.atom")
	stored, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || string(stored) != string(body) {
		t.Errorf("the bucket's news.atom (%s, %v) differs from the one serve answers", resp.Status, err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "data", "published", "news.atom")); err != nil {
		t.Errorf("working copy: %v", err)
	}
}
