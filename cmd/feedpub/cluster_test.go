package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/internal/pgtest"
)

// replica is one 'feedpub serve' process with its own folder and log.
type replica struct {
	t    *testing.T
	dir  string
	cmd  *exec.Cmd
	log  string
	out  string
	addr string // "http://127.0.0.1:port", once known
}

// logLine is one line of a replica's JSON log.
type logLine map[string]any

func (l logLine) time() time.Time {
	s, _ := l["time"].(string)
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func (r *replica) lines(msg string) []logLine {
	data, _ := os.ReadFile(r.log)
	var out []logLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l logLine
		if json.Unmarshal(sc.Bytes(), &l) == nil && l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

func (r *replica) count(msg string) int { return len(r.lines(msg)) }

// startReplica starts 'feedpub serve' in dir and waits for its address.
func startReplica(t *testing.T, dir string) *replica {
	t.Helper()
	r := &replica{t: t, dir: dir, log: filepath.Join(dir, "serve.log"), out: filepath.Join(dir, "serve.out")}
	logFile, err := os.Create(r.log)
	if err != nil {
		t.Fatal(err)
	}
	outFile, err := os.Create(r.out)
	if err != nil {
		t.Fatal(err)
	}
	r.cmd = feedpubProcess("serve", "-config", filepath.Join(dir, "feedpub.yaml"), "-listen", "127.0.0.1:0", "-log-format", "json")
	r.cmd.Stderr, r.cmd.Stdout = logFile, outFile
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logFile.Close()
	outFile.Close()
	t.Cleanup(func() {
		if t.Failed() {
			// What a replica logged is what explains a failure here.
			data, _ := os.ReadFile(r.log)
			t.Logf("log of replica %s:\n%s", r.addr, data)
		}
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { _ = r.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				_ = r.cmd.Process.Kill()
				<-done
				t.Error("a replica did not stop on SIGTERM")
			}
		}
	})
	addr := regexp.MustCompile(`serving on (http://\S+)/`)
	waitFor(t, "a replica's address", 60*time.Second, func() bool {
		data, _ := os.ReadFile(r.out)
		m := addr.FindSubmatch(data)
		if m != nil {
			r.addr = string(m[1])
		}
		return m != nil
	})
	return r
}

// answer is what a replica answered for one path.
type answer struct {
	status int
	etag   string
	body   string
}

func (r *replica) get(path string) answer {
	r.t.Helper()
	resp, err := http.Get(r.addr + path)
	if err != nil {
		r.t.Fatalf("GET %s%s: %v", r.addr, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Etag"), string(body)}
}

// health returns the "cluster" part of the replica's /healthz.
func (r *replica) cluster() map[string]any {
	r.t.Helper()
	var h struct {
		Cluster map[string]any `json:"cluster"`
	}
	if err := json.Unmarshal([]byte(r.get("/healthz").body), &h); err != nil || h.Cluster == nil {
		r.t.Fatalf("healthz of %s has no cluster: %v", r.addr, err)
	}
	return h.Cluster
}

// TestServeReplicasShareOneSnapshot runs three 'feedpub serve' processes
// on one PostgreSQL database, each with its own copy of the sources,
// output and cache, as three machines with a synced checkout would:
// exactly one builds; after a change every replica serves the leader's
// bytes and ETags, switching on the leader's signal within a second of
// its publishing, for a feed, an item page and the archive pages; when
// the leader is killed with SIGKILL another takes over within two
// schedule periods and builds the next change, every first-seen date
// kept; and a replica started afterwards serves the current ETags from
// its first request.
func TestServeReplicasShareOneSnapshot(t *testing.T) {
	t.Parallel()
	pg := pgtest.URL(t)
	if testing.Short() {
		t.Skip("starts four servers")
	}
	const period = 3 * time.Second
	y := strings.Replace(minimalConfig, "state: data/feedpub.db", "state: "+pg, 1) +
		"    limit: 2\n    archive: true\nschedule: \"@every 3s\"\n"
	story := func(n int) (string, string) {
		return fmt.Sprintf("articles/%04d.txt", n), fmt.Sprintf("Title: Shared story %d\n\nStory %d happened today.\n", n, n)
	}
	var dirs []string
	newDir := func() string {
		dir := siteWithArticles(t, 3)
		writeFiles(t, dir, map[string]string{"feedpub.yaml": y})
		dirs = append(dirs, dir)
		return dir
	}
	// write adds story n to every copy of the sources.
	write := func(n int) {
		name, text := story(n)
		for _, dir := range dirs {
			writeFiles(t, dir, map[string]string{name: text})
		}
	}
	replicas := make([]*replica, 3)
	for i := range replicas {
		replicas[i] = startReplica(t, newDir())
	}
	leaderOf := func(rs []*replica) *replica {
		var found *replica
		for _, r := range rs {
			if r.count("this replica now leads and builds") > 0 {
				if found != nil {
					t.Fatalf("two replicas lead:\n%s\n%s", found.log, r.log)
				}
				found = r
			}
		}
		return found
	}
	var first *replica
	waitFor(t, "a leader with a build", 90*time.Second, func() bool {
		first = leaderOf(replicas)
		return first != nil && first.count("build finished") >= 1
	})

	// same waits until every replica in rs answers every path as the
	// leader does, and returns the leader's answers.
	same := func(what string, leader *replica, rs []*replica, paths []string) map[string]answer {
		t.Helper()
		want := map[string]answer{}
		for _, p := range paths {
			want[p] = leader.get(p)
			if want[p].status != http.StatusOK || want[p].etag == "" {
				t.Fatalf("%s: the leader answers %s with %d, ETag %q", what, p, want[p].status, want[p].etag)
			}
		}
		waitFor(t, what+": every replica serving the leader's bytes", 30*time.Second, func() bool {
			for _, r := range rs {
				for _, p := range paths {
					if r.get(p) != want[p] {
						return false
					}
				}
			}
			return true
		})
		return want
	}
	// pathsOf lists a feed, the item page of story n and every archive
	// page the leader serves.
	pathsOf := func(leader *replica, n int) []string {
		t.Helper()
		var jf struct {
			Items []struct {
				URL   string `json:"url"`
				Title string `json:"title"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(leader.get("/news.json").body), &jf); err != nil {
			t.Fatal(err)
		}
		paths := []string{"/news.rss", "/news.json"}
		for _, it := range jf.Items {
			if it.Title == fmt.Sprintf("Shared story %d", n) {
				u, err := url.Parse(it.URL)
				if err != nil {
					t.Fatal(err)
				}
				paths = append(paths, u.Path)
			}
		}
		if len(paths) != 3 {
			t.Fatalf("story %d is not in the leader's feed: %+v", n, jf.Items)
		}
		for p := 1; leader.get(fmt.Sprintf("/news/archive/%d.atom", p)).status == http.StatusOK; p++ {
			paths = append(paths, fmt.Sprintf("/news/archive/%d.atom", p))
		}
		if len(paths) < 5 {
			t.Fatalf("the leader serves %d archive pages, want 2 or more", len(paths)-3)
		}
		return paths
	}
	// switched requires every replica of rs to have switched to the
	// leader's generation on its signal, within a second of its
	// publishing, as the replicas' own logs time it.
	switched := func(leader *replica, rs []*replica) {
		t.Helper()
		gen := leader.cluster()["generation"].(float64)
		for _, r := range rs {
			if r == leader {
				continue
			}
			var got logLine
			for _, l := range r.lines("snapshot received") {
				if l["generation"] == gen {
					got = l
				}
			}
			if got == nil {
				t.Fatalf("%s did not log receiving generation %v", r.log, gen)
			}
			lag := time.Duration(got["lag"].(float64))
			t.Logf("replica %s received generation %v via %v, %v after it was published", r.addr, gen, got["via"], lag)
			if got["via"] != "notify" || lag > time.Second {
				t.Errorf("replica %s switched to generation %v via %v, %v after it was published; want on the signal, within a second", r.addr, gen, got["via"], lag)
			}
			c := r.cluster()
			if c["leader"] != false || c["generation"] != gen || c["generations_behind"] != 0.0 {
				t.Errorf("healthz cluster of a replica: %v", c)
			}
			metrics := r.get("/metrics").body
			for _, want := range []string{"feedpub_leader 0\n", fmt.Sprintf("feedpub_snapshot_generation %v\n", gen), fmt.Sprintf("feedpub_snapshot_latest_generation %v\n", gen), "feedpub_snapshot_behind_seconds 0\n"} {
				if !strings.Contains(metrics, want) {
					t.Errorf("metrics of a replica lack %q", want)
				}
			}
		}
		if c := leader.cluster(); c["leader"] != true || c["last_build"] == nil {
			t.Errorf("healthz cluster of the leader: %v", c)
		}
		if m := leader.get("/metrics").body; !strings.Contains(m, "feedpub_leader 1\n") || !strings.Contains(m, "feedpub_last_build_timestamp_seconds 1.") {
			t.Errorf("metrics of the leader do not say it leads and built")
		}
	}

	// A change: a new story, which pushes another into the archive.
	write(100)
	waitFor(t, "the leader to publish story 100", 60*time.Second, func() bool {
		return strings.Contains(first.get("/news.json").body, "Shared story 100")
	})
	paths := pathsOf(first, 100)
	same("after a change", first, replicas, paths)
	switched(first, replicas)
	for _, r := range replicas {
		if r != first && (r.count("build finished") > 0 || r.count("this replica now leads and builds") > 0) {
			data, _ := os.ReadFile(r.log)
			t.Fatalf("a replica that does not lead built:\n%s", data)
		}
	}
	before := exportPostgres(t, pg)

	// The leader dies; another builds the next change.
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	_ = first.cmd.Wait()
	write(101)
	var rest []*replica
	for _, r := range replicas {
		if r != first {
			rest = append(rest, r)
		}
	}
	var second *replica
	waitFor(t, "another replica to take over", 90*time.Second, func() bool {
		second = leaderOf(rest)
		return second != nil
	})
	took := second.lines("this replica now leads and builds")[0].time().Sub(killed)
	t.Logf("a replica took over %v after the leader was killed (schedule period %v)", took, period)
	if took > 2*period {
		t.Errorf("a replica took over %v after the leader was killed, more than two schedule periods (%v)", took, 2*period)
	}
	waitFor(t, "the new leader to publish story 101", 60*time.Second, func() bool {
		return strings.Contains(second.get("/news.json").body, "Shared story 101")
	})
	paths = pathsOf(second, 101)
	want := same("after the failover", second, rest, paths)
	switched(second, rest)

	// Every item keeps the dates the first leader recorded.
	after := map[string]ledger.Record{}
	for _, r := range exportPostgres(t, pg) {
		after[r.ID] = r
	}
	for _, b := range before {
		if a, ok := after[b.ID]; !ok || !a.FirstSeen.Equal(b.FirstSeen) {
			t.Errorf("item %s: first seen %v before the failover, %v after", b.ID, b.FirstSeen, a.FirstSeen)
		}
	}
	if len(after) != len(before)+1 {
		t.Errorf("ledger holds %d items after the failover, want %d", len(after), len(before)+1)
	}

	// A replica started now serves the current bytes at once.
	late := startReplica(t, newDir())
	for _, p := range paths {
		if got := late.get(p); got != want[p] {
			t.Errorf("a replica started after the build answers %s with %d %s, the leader with %d %s", p, got.status, got.etag, want[p].status, want[p].etag)
		}
	}
}
