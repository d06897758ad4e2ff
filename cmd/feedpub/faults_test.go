package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
)

// TestMain lets the test binary stand in for the feedpub binary in tests
// that need separate processes (locks, SIGKILL).
func TestMain(m *testing.M) {
	if os.Getenv("FEEDPUB_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// feedpubProcess returns a command running feedpub in a process of its own.
func feedpubProcess(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "FEEDPUB_TEST_MAIN=1")
	return cmd
}

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// feedpubBinary builds the real binary once, without the race detector,
// for tests that run many processes and time them.
func feedpubBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "feedpub-bin-")
		if err != nil {
			binaryErr = err
			return
		}
		binaryPath = filepath.Join(dir, "feedpub")
		out, err := exec.Command("go", "build", "-o", binaryPath, ".").CombinedOutput()
		if err != nil {
			binaryErr = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

func siteWithArticles(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"feedpub.yaml": minimalConfig}
	for i := range n {
		files[fmt.Sprintf("articles/%04d.txt", i)] = fmt.Sprintf("Story number %d begins here. %s\nA second paragraph.\n\n\nHeadline %d\n", i, strings.Repeat("More words follow. ", 40), i%50)
	}
	writeFiles(t, dir, files)
	return dir
}

func publishedFeeds(t *testing.T, dir string) map[feed.Format][]byte {
	t.Helper()
	out := map[feed.Format][]byte{}
	for _, f := range feed.Formats {
		data, err := os.ReadFile(filepath.Join(dir, "public", "news."+string(f)))
		if err != nil {
			t.Fatal(err)
		}
		out[f] = data
	}
	return out
}

func TestLedgerDamageAndRecovery(t *testing.T) {
	t.Parallel()
	dir := siteWithArticles(t, 5)
	cfg := filepath.Join(dir, "feedpub.yaml")
	if _, stderr, err := feedpub(t, "build", "-config", cfg); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	before := publishedFeeds(t, dir)
	if out, _, err := feedpub(t, "ledger", "check", "-config", cfg); err != nil || !strings.Contains(out, "ok, 10 records") {
		t.Fatalf("ledger check: %q, %v", out, err)
	}

	// Damage the ledger: overwrite its first pages.
	db := filepath.Join(dir, "data", "feedpub.db")
	f, err := os.OpenFile(db, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(bytes.Repeat([]byte{0xAB}, 8192), 0)
	f.Close()

	_, _, err = feedpub(t, "build", "-config", cfg)
	if err == nil || !strings.Contains(err.Error(), db) || exitCode(err) != 1 {
		t.Fatalf("build on a damaged ledger = %v, want exit 1 naming %s", err, db)
	}
	if _, _, err := feedpub(t, "ledger", "check", "-config", cfg); err == nil {
		t.Error("ledger check passed a damaged ledger")
	}
	if after := publishedFeeds(t, dir); !bytes.Equal(after[feed.Atom], before[feed.Atom]) {
		t.Error("a failed build changed the published feed")
	}

	// The documented recovery: move the damaged file aside, import the backup.
	if err := os.Rename(db, db+".damaged"); err != nil {
		t.Fatal(err)
	}
	if out, _, err := feedpub(t, "ledger", "import", "-config", cfg, db+".jsonl"); err != nil || !strings.Contains(out, "imported 10 records") {
		t.Fatalf("ledger import: %q, %v", out, err)
	}
	if _, stderr, err := feedpub(t, "build", "-config", cfg); err != nil {
		t.Fatalf("build after recovery: %v\n%s", err, stderr)
	}
	for f, data := range publishedFeeds(t, dir) {
		if !bytes.Equal(data, before[f]) {
			t.Errorf("%s differs after recovery: ids or dates were lost", f)
		}
	}
}

func TestConcurrentBuildsTakeTurns(t *testing.T) {
	t.Parallel()
	dir := siteWithArticles(t, 200)
	cfg := filepath.Join(dir, "feedpub.yaml")
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 3 {
		cmd := feedpubProcess("build", "-config", cfg)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		outs = append(outs, &out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("build %d: %v\n%s", i, err, outs[i])
		}
	}
	validFeeds(t, filepath.Join(dir, "public"), "news")
	if _, _, err := feedpub(t, "ledger", "check", "-config", cfg); err != nil {
		t.Errorf("ledger after concurrent builds: %v", err)
	}
}

func TestBuildGivesUpOnAHeldLedger(t *testing.T) {
	t.Parallel()
	dir := siteWithArticles(t, 3)
	cfg := filepath.Join(dir, "feedpub.yaml")
	if _, _, err := feedpub(t, "build", "-config", cfg); err != nil {
		t.Fatal(err)
	}
	// Hold the ledger as a running build would.
	held, err := ledger.OpenBolt(filepath.Join(dir, "data", "feedpub.db"), ledger.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	start := time.Now()
	_, _, err = feedpub(t, "build", "-config", cfg, "-wait", "300ms")
	if err == nil || !strings.Contains(err.Error(), "in use by another feedpub process") || exitCode(err) != 1 {
		t.Fatalf("build against a held ledger = %v, want exit 1 saying it is in use", err)
	}
	if waited := time.Since(start); waited < 200*time.Millisecond {
		t.Errorf("gave up after %v, before the 300ms wait", waited)
	}
}

// TestKilledBuilds kills builds at random points, 200 times: the files on
// disk must always be a complete, valid old or new version, and the ledger
// must open again with every first-seen date it had.
func TestKilledBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("kills 200 builds; skipped with -short")
	}
	t.Parallel()
	dir := siteWithArticles(t, 60)
	cfg := filepath.Join(dir, "feedpub.yaml")
	if _, _, err := feedpub(t, "build", "-config", cfg); err != nil {
		t.Fatal(err)
	}
	published := map[string]time.Time{}
	record := func() {
		for _, f := range []feed.Format{feed.Atom, feed.JSON} {
			data, err := os.ReadFile(filepath.Join(dir, "public", "news."+string(f)))
			if err != nil {
				t.Fatal(err)
			}
			report := feed.ValidateFormat(f, data)
			if err := report.Err(); err != nil {
				t.Fatalf("news.%s on disk does not validate: %v", f, err)
			}
			for _, it := range report.Items {
				if first, ok := published[it.ID]; ok && !first.Equal(it.Published) {
					t.Fatalf("%s: published moved from %v to %v", it.ID, first, it.Published)
				}
				published[it.ID] = it.Published
			}
		}
	}
	record()
	bin := feedpubBinary(t)
	// Time a few builds, so that kills land anywhere from the start to
	// past the end of a build.
	var longest time.Duration
	for range 3 {
		start := time.Now()
		if err := exec.Command(bin, "build", "-config", cfg, "-log-level", "error").Run(); err != nil {
			t.Fatal(err)
		}
		longest = max(longest, time.Since(start))
	}
	span := max(int(longest.Milliseconds())*3/2, 10)
	// The kill times are random, so how many builds a kill reaches first
	// depends on the machine's speed and load. What the test asserts holds
	// for any count; the spread is kept by construction: every tenth build
	// is killed as soon as it starts, five builds later one is left to
	// finish, and the others are killed at a random time in a window that
	// widens when builds slow down, so kills land anywhere in a build.
	completed, recent, killed := 0, 0, 0
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 200 {
		// Change something each time, so that every build has new bytes to write.
		writeFiles(t, dir, map[string]string{fmt.Sprintf("articles/new-%03d.txt", i): fmt.Sprintf("Breaking story %d arrives. More.\n", i)})
		cmd := exec.Command(bin, "build", "-config", cfg, "-log-level", "error")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var kill <-chan time.Time
		switch i % 10 {
		case 0:
			kill = time.After(0)
		case 5:
			// never: this build runs to its end
		default:
			kill = time.After(time.Duration(rng.IntN(span)) * time.Millisecond)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("build %d failed: %v", i, err)
			}
			completed++
			if i%10 != 5 {
				recent++
			}
		case <-kill:
			cmd.Process.Signal(syscall.SIGKILL)
			if err := <-done; err == nil {
				completed++ // it finished just before the signal
			} else {
				killed++
			}
		}
		// On a loaded machine builds slow down: when none of the
		// last 20 randomly timed builds finished, widen the window so
		// kills keep landing anywhere in a build, the end included.
		if i%20 == 19 {
			if recent == 0 {
				span *= 2
			}
			recent = 0
		}
		record()
	}
	if _, _, err := feedpub(t, "ledger", "check", "-config", cfg); err != nil {
		t.Fatalf("ledger after %d kills: %v", killed, err)
	}
	if _, stderr, err := feedpub(t, "build", "-config", cfg); err != nil {
		t.Fatalf("build after the kills: %v\n%s", err, stderr)
	}
	record()
	// Killed builds leave half-written file caches and indexes behind;
	// the next build removes them and leaves one cache, its index and
	// the records of partial reads, which the build after it uses.
	entries, err := os.ReadDir(filepath.Join(dir, "data", "feedpub.db.files"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if n := e.Name(); n != "wire" && n != "wire.index" && n != "wire.delta" {
			t.Errorf("file cache folder after the kills holds %v, want only wire, wire.index and wire.delta", entries)
			break
		}
	}
	writeFiles(t, dir, map[string]string{"articles/after.txt": "One more story after the kills.\n"})
	_, stderr, err := feedpub(t, "build", "-config", cfg, "-log-level", "info")
	if err != nil {
		t.Fatalf("build after the kills: %v\n%s", err, stderr)
	}
	// It reads the new file alone: through the cache, or through the
	// index when the build before published from the last read.
	if cached, delta := fmt.Sprintf("unchanged=%d", 60+200), fmt.Sprintf("files=%d changed=1 ", 60+201); !strings.Contains(stderr, cached) && !strings.Contains(stderr, delta) {
		t.Errorf("the build after the kills did not use the file cache (want %s or %s):\n%s", cached, delta, stderr)
	}
	record()
	t.Logf("%d of 200 builds killed, %d completed", killed, completed)
	if killed < 20 || completed < 20 {
		t.Errorf("%d of 200 builds killed and %d completed; at least 20 of each are certain by construction", killed, completed)
	}
}

// mountTmpfs mounts a small tmpfs at dir, or skips the test where mounting
// is not allowed (it needs root).
func mountTmpfs(t *testing.T, dir string, size string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
}

func TestFullDiskKeepsPreviousFeeds(t *testing.T) {
	dir := siteWithArticles(t, 20)
	cfg := filepath.Join(dir, "feedpub.yaml")
	mountTmpfs(t, filepath.Join(dir, "public"), "512k")
	if _, stderr, err := feedpub(t, "build", "-config", cfg); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	before := publishedFeeds(t, dir)
	// Fill the disk but for a few kilobytes, then change an article.
	filler, err := os.Create(filepath.Join(dir, "public", "filler"))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		if _, err := filler.Write(buf); err != nil {
			break
		}
	}
	filler.Close()
	writeFiles(t, dir, map[string]string{"articles/0000.txt": "A rewritten story. " + strings.Repeat("Longer now. ", 300) + "\n"})
	_, _, err = feedpub(t, "build", "-config", cfg)
	if err == nil || !errors.Is(err, syscall.ENOSPC) && !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("build on a full disk = %v, want a no-space error", err)
	}
	for f, data := range publishedFeeds(t, dir) {
		if !bytes.Equal(data, before[f]) {
			t.Errorf("%s changed though the build failed", f)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "public"))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestReadOnlyOutputKeepsPreviousFeeds(t *testing.T) {
	dir := siteWithArticles(t, 5)
	cfg := filepath.Join(dir, "feedpub.yaml")
	out := filepath.Join(dir, "public")
	mountTmpfs(t, out, "1m")
	if _, _, err := feedpub(t, "build", "-config", cfg); err != nil {
		t.Fatal(err)
	}
	before := publishedFeeds(t, dir)
	if msg, err := exec.Command("mount", "-o", "remount,ro", out).CombinedOutput(); err != nil {
		t.Skipf("cannot remount read-only: %v: %s", err, msg)
	}
	writeFiles(t, dir, map[string]string{"articles/0001.txt": "Changed story. Yes.\n"})
	_, _, err := feedpub(t, "build", "-config", cfg)
	if err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Fatalf("build into a read-only folder = %v, want a read-only error", err)
	}
	for f, data := range publishedFeeds(t, dir) {
		if !bytes.Equal(data, before[f]) {
			t.Errorf("%s changed", f)
		}
	}
}

func TestSymlinkLoopsAndVanishingFiles(t *testing.T) {
	t.Parallel()
	dir := siteWithArticles(t, 3)
	articles := filepath.Join(dir, "articles")
	for _, l := range []struct{ name, target string }{
		{"loop-a.txt", "loop-b.txt"}, {"loop-b.txt", "loop-a.txt"},
		{"parent", ".."}, {"self", "."}, {"gone.txt", "missing.txt"},
	} {
		if err := os.Symlink(l.target, filepath.Join(articles, l.name)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"build", "-config", filepath.Join(dir, "feedpub.yaml")}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for f, n := range validFeeds(t, filepath.Join(dir, "public"), "news") {
		if n != 6 {
			t.Errorf("%s has %d items, want the 3 articles and 3 headlines", f, n)
		}
	}
	for _, name := range []string{"loop-a.txt", "gone.txt"} {
		if !strings.Contains(stderr.String(), name) {
			t.Errorf("no warning names %s:\n%s", name, stderr.String())
		}
	}
}

// TestPermissionDeniedFiles builds a site holding a file and a folder the
// build may not read. Root reads whatever the mode says, so when the tests
// run as root the build runs in a process of its own as nobody (65534).
func TestPermissionDeniedFiles(t *testing.T) {
	t.Parallel()
	dir := siteWithArticles(t, 3)
	articles := filepath.Join(dir, "articles")
	writeFiles(t, articles, map[string]string{
		"locked.txt":          "A locked story about the harbour.\n",
		"closed/inside.txt":   "A story in a closed folder.\n",
		"open/readable.txt":   "A readable story about the bridge.\n",
		"open/unreadable.txt": "An unreadable story about the ferry.\n",
	})
	bin := feedpubBinary(t)
	cmd := exec.Command(bin, "build", "-config", filepath.Join(dir, "feedpub.yaml"))
	if os.Geteuid() == 0 {
		const nobody = 65534
		// nobody needs to reach the binary and the site, and to own the
		// site so that it can write the feeds and the ledger.
		for _, p := range []string{filepath.Dir(bin), filepath.Dir(dir), dir} {
			if err := os.Chmod(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, nobody, nobody)
		})
		if err != nil {
			t.Fatal(err)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		cmd.Env = append(os.Environ(), "HOME="+dir)
	}
	for _, p := range []string{"locked.txt", "closed", "open/unreadable.txt"} {
		if err := os.Chmod(filepath.Join(articles, p), 0); err != nil {
			t.Fatal(err)
		}
	}
	// t.TempDir's clean-up cannot remove a closed folder unless it opens.
	t.Cleanup(func() { os.Chmod(filepath.Join(articles, "closed"), 0o755) })

	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr.String())
	}
	// 3 articles, their 3 headlines and open/readable.txt.
	for f, n := range validFeeds(t, filepath.Join(dir, "public"), "news") {
		if n != 7 {
			t.Errorf("%s has %d items, want 7", f, n)
		}
	}
	logs := stderr.String()
	for _, want := range []string{
		`file=locked.txt error="unreadable: permission denied"`,
		`file=open/unreadable.txt error="unreadable: permission denied"`,
		`folder=closed error="permission denied"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log does not say %s:\n%s", want, logs)
		}
	}
}
