package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
)

// backdatedSite builds a site of n undated articles whose ledger dates lie
// two days back, so that an item dated anew by a later build (at the time
// it runs) cannot be mistaken for one that kept its date. It returns the
// site's folder and its configuration file.
func backdatedSite(t *testing.T, n int, extraConfig string) (dir, cfg string) {
	t.Helper()
	dir = siteWithArticles(t, n)
	cfg = filepath.Join(dir, "feedpub.yaml")
	if extraConfig != "" {
		writeFiles(t, dir, map[string]string{"feedpub.yaml": minimalConfig + extraConfig})
	}
	mustRun(t, "build", "-config", cfg)
	data := filepath.Join(dir, "data")
	export, err := os.ReadFile(filepath.Join(data, "feedpub.db.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ledger.ReadJSONL(bytes.NewReader(export))
	if err != nil {
		t.Fatal(err)
	}
	var shifted bytes.Buffer
	enc := json.NewEncoder(&shifted)
	for _, r := range recs {
		enc.Encode(map[string]any{"id": r.ID, "first_seen": r.FirstSeen.Add(-48 * time.Hour), "hash": r.Hash, "changed": r.Changed.Add(-48 * time.Hour)})
	}
	for _, f := range []string{"feedpub.db", "feedpub.db.jsonl", "ledger.jsonl"} {
		os.Remove(filepath.Join(data, f))
		os.Remove(filepath.Join(dir, f))
	}
	in := filepath.Join(t.TempDir(), "shifted.jsonl")
	if err := os.WriteFile(in, shifted.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "ledger", "import", "-config", cfg, in)
	mustRun(t, "build", "-config", cfg)
	return dir, cfg
}

func mustRun(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, err := feedpub(t, args...)
	if err != nil {
		t.Fatalf("feedpub %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return stdout, stderr
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sameFeeds fails t when the published feeds differ from want.
func sameFeeds(t *testing.T, dir string, want map[feed.Format][]byte) {
	t.Helper()
	for f, data := range publishedFeeds(t, dir) {
		if !bytes.Equal(data, want[f]) {
			t.Errorf("%s changed: an id or a date moved\nwant:\n%.600s\ngot:\n%.600s", f, want[f], data)
		}
	}
}

// TestLostLedgerKeepsIDsAndDates loses the ledger in the ways a fresh
// checkout, a new server or a damaged volume do: the next build must
// publish every item with the dates it had, and the export must keep every
// id and date.
func TestLostLedgerKeepsIDsAndDates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		lose func(t *testing.T, data string)
		// log is what the build must say it recovered.
		log string
	}{
		{"ledger deleted", func(t *testing.T, data string) {
			os.Remove(filepath.Join(data, "feedpub.db"))
		}, "from_export=6"},
		{"ledger truncated to nothing", func(t *testing.T, data string) {
			os.WriteFile(filepath.Join(data, "feedpub.db"), nil, 0o644)
		}, "from_export=6"},
		{"ledger and export deleted", func(t *testing.T, data string) {
			os.Remove(filepath.Join(data, "feedpub.db"))
			os.Remove(filepath.Join(data, "feedpub.db.jsonl"))
		}, "from_published_feeds=6"},
		{"whole data folder deleted", func(t *testing.T, data string) {
			os.RemoveAll(data)
		}, "from_published_feeds=6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, cfg := backdatedSite(t, 3, "")
			data := filepath.Join(dir, "data")
			before := publishedFeeds(t, dir)
			export := readFile(t, filepath.Join(data, "feedpub.db.jsonl"))

			tt.lose(t, data)
			_, stderr := mustRun(t, "build", "-config", cfg)
			if !strings.Contains(stderr, "recovered") || !strings.Contains(stderr, tt.log) {
				t.Errorf("build log does not say what it recovered (%s):\n%s", tt.log, stderr)
			}
			sameFeeds(t, dir, before)
			if got := readFile(t, filepath.Join(data, "feedpub.db.jsonl")); !bytes.Equal(got, export) {
				t.Errorf("export changed:\nwant:\n%s\ngot:\n%s", export, got)
			}
			// And the build after it dates nothing anew either.
			mustRun(t, "build", "-config", cfg)
			sameFeeds(t, dir, before)
		})
	}
}

// recoveryCommand returns the feedpub command a message tells the user to
// run, as arguments.
func recoveryCommand(t *testing.T, msg string) []string {
	t.Helper()
	m := regexp.MustCompile(`run:? "?feedpub (ledger recover -config [^"\s;]+)`).FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("message names no recovery command:\n%s", msg)
	}
	return strings.Fields(m[1])
}

// TestRecoveryMessagesNameWorkingCommands damages the ledger and its
// evidence in several ways; every message must name a command that, run as
// given, repairs that damage, after which a build publishes what it did.
func TestRecoveryMessagesNameWorkingCommands(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		damage func(t *testing.T, data string)
		// failing is the command that reports the damage.
		failing []string
	}{
		{"pages overwritten", func(t *testing.T, data string) {
			f, err := os.OpenFile(filepath.Join(data, "feedpub.db"), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt(bytes.Repeat([]byte{0xAB}, 8192), 0)
			f.Close()
		}, []string{"build"}},
		{"pages overwritten, export gone", func(t *testing.T, data string) {
			f, err := os.OpenFile(filepath.Join(data, "feedpub.db"), os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteAt(bytes.Repeat([]byte{0xAB}, 8192), 0)
			f.Close()
			os.Remove(filepath.Join(data, "feedpub.db.jsonl"))
		}, []string{"ledger", "export"}},
		{"one record damaged", func(t *testing.T, data string) {
			db, err := bolt.Open(filepath.Join(data, "feedpub.db"), 0o644, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			err = db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket([]byte("items"))
				k, _ := b.Cursor().First()
				return b.Put(bytes.Clone(k), []byte{9, 9})
			})
			if err != nil {
				t.Fatal(err)
			}
		}, []string{"ledger", "check"}},
		{"ledger deleted, export unreadable", func(t *testing.T, data string) {
			os.Remove(filepath.Join(data, "feedpub.db"))
			path := filepath.Join(data, "feedpub.db.jsonl")
			export := readFile(t, path)
			os.WriteFile(path, append([]byte("{not json\n"), export...), 0o644)
		}, []string{"build"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, cfg := backdatedSite(t, 3, "")
			data := filepath.Join(dir, "data")
			before := publishedFeeds(t, dir)
			tt.damage(t, data)

			_, stderr, err := feedpub(t, append(tt.failing, "-config", cfg)...)
			if !slices.Contains(tt.failing, "export") && err == nil {
				t.Fatalf("%s on a damaged ledger succeeded:\n%s", tt.failing, stderr)
			}
			msg := stderr
			if err != nil {
				msg = err.Error()
			}
			sameFeeds(t, dir, before)
			args := recoveryCommand(t, msg)
			out, stderr, err := feedpub(t, args...)
			if err != nil {
				t.Fatalf("the recovery command %q failed: %v\n%s", args, err, stderr)
			}
			if !strings.Contains(out, "records") {
				t.Errorf("recover does not report counts: %q", out)
			}
			mustRun(t, "build", "-config", cfg)
			sameFeeds(t, dir, before)
			if out, _ := mustRun(t, "ledger", "check", "-config", cfg); !strings.Contains(out, "ok, 6 records") {
				t.Errorf("ledger check after recovery: %q", out)
			}
		})
	}
}

// TestExportOfDamagedLedger: 'ledger export' gives every record it can
// read, and refuses to overwrite the backup export with fewer.
func TestExportOfDamagedLedger(t *testing.T) {
	t.Parallel()
	dir, cfg := backdatedSite(t, 3, "")
	db := filepath.Join(dir, "data", "feedpub.db")
	b, err := bolt.Open(db, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		items := tx.Bucket([]byte("items"))
		k, _ := items.Cursor().First()
		return items.Put(bytes.Clone(k), []byte{1})
	})
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, err := feedpub(t, "ledger", "export", "-config", cfg)
	if err != nil {
		t.Fatalf("export of a damaged ledger: %v\n%s", err, stderr)
	}
	if n := strings.Count(out, "\n"); n != 5 || !strings.Contains(stderr, "1 could not be read") {
		t.Errorf("exported %d records, want the 5 readable ones; stderr:\n%s", n, stderr)
	}
	backup := db + ".jsonl"
	was := readFile(t, backup)
	if _, _, err := feedpub(t, "ledger", "export", "-config", cfg, "-o", backup); err == nil || !strings.Contains(err.Error(), "ledger recover") {
		t.Errorf("export over the backup = %v, want a refusal naming ledger recover", err)
	}
	if !bytes.Equal(readFile(t, backup), was) {
		t.Error("the backup export was overwritten by one that knows fewer ids")
	}
}

// TestExportIsMergedNotOverwritten restores an older ledger beside a newer
// export: the build must take the export's ids and dates, not drop them.
func TestExportIsMergedNotOverwritten(t *testing.T) {
	t.Parallel()
	dir, cfg := backdatedSite(t, 3, "")
	data := filepath.Join(dir, "data")
	before := publishedFeeds(t, dir)
	export := readFile(t, filepath.Join(data, "feedpub.db.jsonl"))
	// An older ledger that knows only one of the items.
	lines := strings.SplitAfter(string(export), "\n")
	old := filepath.Join(t.TempDir(), "old.jsonl")
	os.WriteFile(old, []byte(lines[0]), 0o644)
	os.Remove(filepath.Join(data, "feedpub.db"))
	os.Rename(filepath.Join(data, "feedpub.db.jsonl"), filepath.Join(data, "keep.jsonl"))
	mustRun(t, "ledger", "import", "-config", cfg, old)
	os.Rename(filepath.Join(data, "keep.jsonl"), filepath.Join(data, "feedpub.db.jsonl"))

	_, stderr := mustRun(t, "build", "-config", cfg)
	if !strings.Contains(stderr, "merged into the ledger") {
		t.Errorf("build does not say it merged the export:\n%s", stderr)
	}
	sameFeeds(t, dir, before)
	if got := readFile(t, filepath.Join(data, "feedpub.db.jsonl")); !bytes.Equal(got, export) {
		t.Errorf("export lost ids or dates:\nwant:\n%s\ngot:\n%s", export, got)
	}
}

// TestLedgerFileOnFreshClone keeps identity in a committed ledger file: a
// clone without data/ and public/ publishes the same bytes, and the file
// is sorted, one line per item, and rewritten only when it changes.
func TestLedgerFileOnFreshClone(t *testing.T) {
	t.Parallel()
	dir, cfg := backdatedSite(t, 3, "ledger_file: ledger.jsonl\n")
	before := publishedFeeds(t, dir)
	ledgerFile := filepath.Join(dir, "ledger.jsonl")
	committed := readFile(t, ledgerFile)
	lines := strings.Split(strings.TrimSuffix(string(committed), "\n"), "\n")
	if len(lines) != 6 || !slices.IsSorted(lines) {
		t.Fatalf("ledger file is not one sorted line per item:\n%s", committed)
	}

	// The fresh clone: only the configuration, the articles and the
	// ledger file.
	os.RemoveAll(filepath.Join(dir, "data"))
	os.RemoveAll(filepath.Join(dir, "public"))
	_, stderr := mustRun(t, "build", "-config", cfg)
	if !strings.Contains(stderr, "ledger seeded from the ledger file") || !strings.Contains(stderr, "from_ledger_file=6") {
		t.Errorf("build does not say it used the ledger file:\n%s", stderr)
	}
	sameFeeds(t, dir, before)
	if got := readFile(t, ledgerFile); !bytes.Equal(got, committed) {
		t.Errorf("ledger file bytes changed on a build that changed nothing:\n%s", got)
	}

	// Two branches each added an item; git left a conflict. The build
	// takes both sides and writes the file whole again.
	writeFiles(t, dir, map[string]string{
		"articles/new-a.txt": "A story from the first branch.\n",
		"articles/new-b.txt": "A story from the second branch.\n",
	})
	mustRun(t, "build", "-config", cfg)
	merged := readFile(t, ledgerFile)
	var a, b []string
	for _, l := range strings.Split(strings.TrimSuffix(string(merged), "\n"), "\n") {
		switch {
		case strings.Contains(l, "new-a.txt"):
			a = append(a, l)
		case strings.Contains(l, "new-b.txt"):
			b = append(b, l)
		}
	}
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("ledger file does not have the new items:\n%s", merged)
	}
	conflicted := strings.Replace(string(committed), lines[0]+"\n",
		lines[0]+"\n<<<<<<< HEAD\n"+a[0]+"\n=======\n"+b[0]+"\n>>>>>>> other\n", 1)
	os.WriteFile(ledgerFile, []byte(conflicted), 0o644)
	os.RemoveAll(filepath.Join(dir, "data"))
	mustRun(t, "build", "-config", cfg)
	if got := readFile(t, ledgerFile); !bytes.Equal(got, merged) {
		t.Errorf("ledger file after a conflicted merge:\n%s\nwant:\n%s", got, merged)
	}

	// A line the merge mangled: a fresh clone refuses and names the
	// command that repairs it; after it, the build publishes the same
	// feeds and writes the file whole again.
	os.WriteFile(ledgerFile, append([]byte("{\"id\": mangled\n"), merged...), 0o644)
	os.RemoveAll(filepath.Join(dir, "data"))
	before = publishedFeeds(t, dir)
	_, _, err := feedpub(t, "build", "-config", cfg)
	if err == nil {
		t.Fatal("a fresh clone with a mangled ledger file built")
	}
	args := recoveryCommand(t, err.Error())
	if _, stderr, err := feedpub(t, args...); err != nil {
		t.Fatalf("%q: %v\n%s", args, err, stderr)
	}
	_, stderr = mustRun(t, "build", "-config", cfg)
	if !strings.Contains(stderr, "ledger file has unreadable lines") {
		t.Errorf("build does not warn about the mangled line:\n%s", stderr)
	}
	sameFeeds(t, dir, before)
	if got := readFile(t, ledgerFile); !bytes.Equal(got, merged) {
		t.Errorf("ledger file not written whole again:\n%s", got)
	}
}

// TestUnreadableExportIsKept: an export with a line the ledger cannot read
// might know ids the ledger does not, so builds leave it alone and say how
// to replace it; the command they name works.
func TestUnreadableExportIsKept(t *testing.T) {
	t.Parallel()
	dir, cfg := backdatedSite(t, 3, "")
	backup := filepath.Join(dir, "data", "feedpub.db.jsonl")
	damaged := append([]byte("{broken\n"), readFile(t, backup)...)
	os.WriteFile(backup, damaged, 0o644)
	writeFiles(t, dir, map[string]string{"articles/new.txt": "A new story arrives.\n"})
	_, stderr := mustRun(t, "build", "-config", cfg)
	if !bytes.Equal(readFile(t, backup), damaged) {
		t.Error("a build overwrote an export it could not read")
	}
	m := regexp.MustCompile(`replace it with: feedpub (ledger export -config \S+ -o [^"\s]+)`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("build does not name a command that replaces the export:\n%s", stderr)
	}
	mustRun(t, strings.Fields(m[1])...)
	if got := readFile(t, backup); bytes.Contains(got, []byte("broken")) || !bytes.Contains(got, []byte("new.txt")) {
		t.Errorf("export after the named command:\n%s", got)
	}
}
