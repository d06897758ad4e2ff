package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/internal/pgtest"
)

// readTree returns every file under dir by its slash-separated path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameTree fails unless the folders a and b hold the same files with the
// same bytes.
func sameTree(t *testing.T, what, a, b string) {
	t.Helper()
	ta, tb := readTree(t, a), readTree(t, b)
	if len(ta) == 0 {
		t.Fatalf("%s: %s is empty", what, a)
	}
	for name, data := range ta {
		other, ok := tb[name]
		switch {
		case !ok:
			t.Errorf("%s: %s is missing", what, name)
		case !bytes.Equal(data, other):
			t.Errorf("%s: %s differs:\n%s\n---\n%s", what, name, data, other)
		}
	}
	for name := range tb {
		if _, ok := ta[name]; !ok {
			t.Errorf("%s: %s is extra", what, name)
		}
	}
}

// TestSwitchLedgerStores moves a ledger from the embedded store to
// PostgreSQL and back with 'feedpub ledger export|import', as the README
// describes, and requires every build after a switch to publish the same
// bytes: no id or date may change.
func TestSwitchLedgerStores(t *testing.T) {
	t.Parallel()
	pg := pgtest.URL(t)
	dir := siteWithArticles(t, 5)
	configFor := func(name, state, output, extra string) string {
		y := strings.Replace(minimalConfig, "state: data/feedpub.db", "state: "+state, 1)
		y = strings.Replace(y, "output: public", "output: "+output, 1) + extra
		path := filepath.Join(dir, name)
		writeFiles(t, dir, map[string]string{name: y})
		return path
	}
	bolt1 := configFor("bolt1.yaml", "data/one.db", "out-bolt", "")
	pgCfg := configFor("pg.yaml", pg, "out-pg", "cache_dir: cache-pg\n")
	pgFresh := configFor("pg-fresh.yaml", pg, "out-pg-fresh", "cache_dir: cache-fresh\n")
	bolt2 := configFor("bolt2.yaml", "data/two.db", "out-back", "")
	mustRun := func(args ...string) string {
		t.Helper()
		out, stderr, err := feedpub(t, args...)
		if err != nil {
			t.Fatalf("feedpub %s: %v\n%s", strings.Join(args, " "), err, stderr)
		}
		return out
	}

	if recs := seedOldDates(t, dir, bolt1, "data/one.db", "out-bolt"); len(recs) != 10 {
		t.Fatalf("first build recorded %d items, want 10", len(recs))
	}

	// Embedded store → PostgreSQL.
	exported := filepath.Join(dir, "from-bolt.jsonl")
	mustRun("ledger", "export", "-config", bolt1, "-o", exported)
	if out := mustRun("ledger", "import", "-config", pgCfg, exported); !strings.Contains(out, "imported 10 records") {
		t.Errorf("import printed %q", out)
	}
	if out := mustRun("ledger", "check", "-config", pgCfg); !strings.Contains(out, "ok, 10 records") {
		t.Errorf("check printed %q", out)
	}
	mustRun("build", "-config", pgCfg)
	sameTree(t, "after switching to PostgreSQL", filepath.Join(dir, "out-bolt"), filepath.Join(dir, "out-pg"))
	for _, p := range []string{"cache-pg/files/wire", "cache-pg/ledger.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("local cache: %v", err)
		}
	}
	if out := mustRun("build", "-config", pgCfg); !strings.Contains(out, "unchanged") {
		t.Errorf("second build on PostgreSQL: %q, want unchanged", out)
	}

	// A new machine: empty cache folder, empty output, the same database.
	mustRun("build", "-config", pgFresh)
	sameTree(t, "a new machine on the same PostgreSQL", filepath.Join(dir, "out-bolt"), filepath.Join(dir, "out-pg-fresh"))

	// PostgreSQL → a new embedded store.
	back := filepath.Join(dir, "from-pg.jsonl")
	mustRun("ledger", "export", "-config", pgCfg, "-o", back)
	a, _ := os.ReadFile(exported)
	b, _ := os.ReadFile(back)
	if !bytes.Equal(a, b) {
		t.Errorf("exports differ:\n%s\n---\n%s", a, b)
	}
	mustRun("ledger", "import", "-config", bolt2, back)
	mustRun("build", "-config", bolt2)
	sameTree(t, "after switching back", filepath.Join(dir, "out-bolt"), filepath.Join(dir, "out-back"))
}

// seedOldDates builds the site of config once, then gives its ledger (the
// file db, relative to dir) dates long before today, so that a date that
// is lost and stamped again shows, with some items changed after they
// were first seen; it builds again into output and returns the records.
func seedOldDates(t *testing.T, dir, config, db, output string) []ledger.Record {
	t.Helper()
	if _, stderr, err := feedpub(t, "build", "-config", config); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	var recs []ledger.Record
	led, err := ledger.OpenBolt(filepath.Join(dir, db), ledger.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := led.Export(t.Context(), func(r ledger.Record) error {
		r.FirstSeen = r.FirstSeen.Add(-400 * 24 * time.Hour)
		if len(recs)%2 == 0 {
			r.Changed = r.Changed.Add(-100 * 24 * time.Hour)
		} else {
			r.Changed = r.FirstSeen
		}
		recs = append(recs, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	led.Close()
	if len(recs) == 0 {
		t.Fatal("the first build recorded nothing")
	}
	for _, p := range []string{db, db + ".jsonl", db + ".files", output} {
		if err := os.RemoveAll(filepath.Join(dir, p)); err != nil {
			t.Fatal(err)
		}
	}
	var seed bytes.Buffer
	if _, err := ledger.WriteJSONL(t.Context(), &seed, importedMemory(t, recs)); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"seed.jsonl": seed.String()})
	for _, args := range [][]string{{"ledger", "import", "-config", config, filepath.Join(dir, "seed.jsonl")}, {"build", "-config", config}} {
		if _, stderr, err := feedpub(t, args...); err != nil {
			t.Fatalf("%s: %v\n%s", args, err, stderr)
		}
	}
	if atom := readTree(t, filepath.Join(dir, output))["news.atom"]; !bytes.Contains(atom, []byte(recs[0].FirstSeen.Format("2006-01-02T15:04:05Z"))) {
		t.Fatalf("the seeded dates are not in the feed:\n%s", atom)
	}
	return recs
}

// TestPostgresRecoversFromEvidence switches a site to an empty database
// without importing its ledger: the first build finds the database empty
// and recovers every date from what this machine published, as it does
// for a lost ledger file, so nothing is dated anew.
func TestPostgresRecoversFromEvidence(t *testing.T) {
	t.Parallel()
	pg := pgtest.URL(t)
	dir := siteWithArticles(t, 5)
	cfg := filepath.Join(dir, "feedpub.yaml")
	seedOldDates(t, dir, cfg, "data/feedpub.db", "public")
	before := publishedFeeds(t, dir)

	writeFiles(t, dir, map[string]string{"pg.yaml": strings.Replace(minimalConfig, "state: data/feedpub.db", "state: "+pg, 1) + "cache_dir: cache-pg\n"})
	pgCfg := filepath.Join(dir, "pg.yaml")
	if _, stderr, err := feedpub(t, "build", "-config", pgCfg); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	} else if !strings.Contains(stderr, "recovered from earlier builds") {
		t.Errorf("the build did not say it recovered the ledger:\n%s", stderr)
	}
	for f, data := range publishedFeeds(t, dir) {
		if !bytes.Equal(data, before[f]) {
			t.Errorf("%s changed after the switch to an empty database:\n%s\n---\n%s", f, before[f], data)
		}
	}
	out, stderr, err := feedpub(t, "ledger", "recover", "-config", pgCfg)
	if err != nil || !strings.Contains(out, "10 records: 10 in the database") {
		t.Errorf("ledger recover: %q, %v\n%s", out, err, stderr)
	}
}

// importedMemory returns an in-memory ledger holding recs.
func importedMemory(t *testing.T, recs []ledger.Record) ledger.Ledger {
	t.Helper()
	m := ledger.NewMemory()
	if err := m.Import(t.Context(), recs); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPostgresStateUnreachable checks that a database that cannot be reached
// fails the build with exit status 1 and without the password.
func TestPostgresStateUnreachable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// Port 1 (tcpmux) has no PostgreSQL on any machine that runs tests.
	y := strings.Replace(minimalConfig, "state: data/feedpub.db", "state: postgres://feedpub:hunter2@127.0.0.1:1/feedpub?connect_timeout=5", 1)
	writeFiles(t, dir, map[string]string{"feedpub.yaml": y, "articles/a.txt": "A story. With words.\n"})
	_, _, err := feedpub(t, "build", "-config", filepath.Join(dir, "feedpub.yaml"))
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("build = %v, want exit status 1", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error shows the password: %v", err)
	}
	if !strings.Contains(err.Error(), "postgres://feedpub:xxxxx@127.0.0.1:1/feedpub") {
		t.Errorf("error does not name the database: %v", err)
	}
}
