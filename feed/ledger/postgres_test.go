package ledger

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// openPostgres opens the ledger at url and closes it when the test ends.
func openPostgres(t *testing.T, url string, opts PostgresOptions) *Postgres {
	t.Helper()
	p, err := OpenPostgres(t.Context(), url, opts)
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// psql runs sql on url outside any ledger, as an operator with psql would.
func psql(t *testing.T, url, sql string, args ...any) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestIsPostgresURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"postgres://u:p@db/feedpub", true},
		{"postgresql://db/feedpub?sslmode=disable", true},
		{"data/feedpub.db", false},
		{"/var/lib/feedpub/postgres://x", false},
		{"POSTGRES://db", false},
	}
	for _, tt := range tests {
		if got := IsPostgresURL(tt.in); got != tt.want {
			t.Errorf("IsPostgresURL(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestMigrations(t *testing.T) {
	t.Parallel()
	all, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no migrations embedded")
	}
}

// TestPostgresOpenConcurrently starts several processes' worth of opens on
// one empty database at once: the advisory lock must let exactly one of
// them create the schema, and the others must find it done.
func TestPostgresOpenConcurrently(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			p, err := OpenPostgres(t.Context(), url, PostgresOptions{})
			if err == nil {
				_, err = p.Observe(t.Context(), t0, []Entry{{"a", "h"}})
				p.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
		}
	}
	// Opening again applies nothing twice.
	p := openPostgres(t, url, PostgresOptions{})
	var versions, applied int
	if err := p.pool.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT version) FROM feedpub_migrations`).Scan(&applied, &versions); err != nil {
		t.Fatal(err)
	}
	all, _ := loadMigrations()
	if applied != len(all) || versions != len(all) {
		t.Errorf("migrations table has %d rows (%d versions), want %d", applied, versions, len(all))
	}
	checkRecords(t, "after concurrent opens", exportAll(t, p), []Record{rec("a", t0, "h", t0)})
}

// TestPostgresConcurrentProcesses races builds that each have their own
// connection pool, as separate machines do, on the same new items.
func TestPostgresConcurrentProcesses(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	entries := manyEntries(3000, "race")
	const builds = 4
	ledgers := make([]*Postgres, builds)
	for i := range ledgers {
		ledgers[i] = openPostgres(t, url, PostgresOptions{})
	}
	results := make([][]Record, builds)
	errs := make([]error, builds)
	var wg sync.WaitGroup
	for g := range builds {
		wg.Go(func() {
			// Each build sees the entries in another order, so their
			// writes overlap in every way.
			mine := make([]Entry, len(entries))
			for i := range entries {
				mine[i] = entries[(i+g*997)%len(entries)]
			}
			results[g], errs[g] = ledgers[g].Observe(t.Context(), t0.Add(time.Duration(g)*time.Minute), mine)
		})
	}
	wg.Wait()
	stored := map[string]Record{}
	for _, r := range exportAll(t, ledgers[0]) {
		stored[r.ID] = r
	}
	if len(stored) != len(entries) {
		t.Fatalf("ledger holds %d records, want %d", len(stored), len(entries))
	}
	for g := range builds {
		if errs[g] != nil {
			t.Fatalf("build %d: %v", g, errs[g])
		}
		for _, r := range results[g] {
			if want := stored[r.ID]; !r.FirstSeen.Equal(want.FirstSeen) || !r.Changed.Equal(want.Changed) || r.Hash != want.Hash {
				t.Fatalf("build %d was given %+v, but the ledger holds %+v", g, r, want)
			}
		}
	}
}

func TestPostgresPersists(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	long := strings.Repeat("é\x00x", MaxIDLen/4) // longer than a B-tree entry, with a NUL byte
	want := []Record{rec("a", t0, "h1", t1), rec("b\xff", t0, "", t0), rec(long, t1, "x", t2)}
	p, err := OpenPostgres(t.Context(), url, PostgresOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Import(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	if err := p.PutState(t.Context(), "remote/news", []byte("etag")); err != nil {
		t.Fatal(err)
	}
	p.Close()

	p = openPostgres(t, url, PostgresOptions{ReadOnly: true})
	sorted := []Record{want[0], want[1], want[2]}
	if long < "b\xff" {
		sorted = []Record{want[0], want[2], want[1]}
	}
	checkRecords(t, "reopened", exportAll(t, p), sorted)
	if v, err := p.GetState(t.Context(), "remote/news"); err != nil || string(v) != "etag" {
		t.Errorf("state after reopen = %q, %v", v, err)
	}
	if err := p.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
	// Read-only: reading is fine, writing anything new is refused.
	got := observeOK(t, p, t2, Entry{"a", "h1"})
	checkRecords(t, "read-only observe", got, []Record{want[0]})
	if _, err := p.Observe(t.Context(), t2, []Entry{{"new", "h"}}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only Observe of a new id: got %v, want ErrReadOnly", err)
	}
	if err := p.Import(t.Context(), []Record{rec("new", t0, "h", t0)}); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only Import: got %v, want ErrReadOnly", err)
	}
	if err := p.PutState(t.Context(), "remote/news", []byte("other")); !errors.Is(err, ErrReadOnly) {
		t.Errorf("read-only PutState: got %v, want ErrReadOnly", err)
	}
}

// TestStateAllStores runs the same State steps on every store.
func TestStateAllStores(t *testing.T) {
	t.Parallel()
	for _, impl := range implementations() {
		t.Run(impl.name, func(t *testing.T) {
			t.Parallel()
			st := impl.open(t)
			ctx := t.Context()
			if v, err := st.GetState(ctx, "missing"); err != nil || v != nil {
				t.Errorf("missing key = %q, %v", v, err)
			}
			steps := []struct{ put, want string }{{"one", "one"}, {"two", "two"}, {"", ""}, {"three", "three"}}
			for _, step := range steps {
				if err := st.PutState(ctx, "src/a", []byte(step.put)); err != nil {
					t.Fatal(err)
				}
				got, err := st.GetState(ctx, "src/a")
				if err != nil || string(got) != step.want {
					t.Errorf("after PutState(%q): got %q, %v", step.put, got, err)
				}
			}
			if err := st.PutState(ctx, "", []byte("x")); !errors.Is(err, ErrInvalid) {
				t.Errorf("empty key: got %v, want ErrInvalid", err)
			}
		})
	}
}

func TestPostgresReadOnlyEmpty(t *testing.T) {
	t.Parallel()
	_, err := OpenPostgres(t.Context(), pgtest.URL(t), PostgresOptions{ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "no feedpub ledger yet") {
		t.Errorf("read-only open of an empty database: got %v", err)
	}
}

func TestPostgresNewerSchema(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	openPostgres(t, url, PostgresOptions{}).Close()
	psql(t, url, `INSERT INTO feedpub_migrations (version, name) VALUES (999, '0999_future.sql')`)
	for _, ro := range []bool{false, true} {
		if _, err := OpenPostgres(t.Context(), url, PostgresOptions{ReadOnly: ro}); !errors.Is(err, ErrVersion) {
			t.Errorf("ReadOnly=%v: got %v, want ErrVersion", ro, err)
		}
	}
}

func TestPostgresCheckFindsDamage(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	p := openPostgres(t, url, PostgresOptions{})
	observeOK(t, p, t0, Entry{"good", "h"}, Entry{"bad", "h"})
	if err := p.Check(); err != nil {
		t.Fatalf("Check of a sound ledger: %v", err)
	}
	// Someone dropped the constraint and wrote a fraction of a second.
	psql(t, url, `ALTER TABLE feedpub_items DROP CONSTRAINT feedpub_items_whole_seconds`)
	psql(t, url, `UPDATE feedpub_items SET changed = changed + interval '0.5 second' WHERE id = 'bad'::bytea`)
	err := p.Check()
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), `"bad"`) {
		t.Errorf("Check: got %v, want ErrCorrupt naming \"bad\"", err)
	}
}

func TestPostgresBadURL(t *testing.T) {
	t.Parallel()
	_, err := OpenPostgres(t.Context(), "postgres://user:s3cret@[::1/x", PostgresOptions{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("got %v; want an error that does not show the password", err)
	}
}

// TestConfigurePostgres: every connection exchanges times in UTC and gives
// up connecting after a bound, unless the URL chose its own timeout.
func TestConfigurePostgres(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		want time.Duration
	}{
		{"postgres://feedpub@db.example/feeds", PostgresConnectTimeout},
		{"postgres://feedpub@db.example/feeds?connect_timeout=3", 3 * time.Second},
	}
	for _, tt := range tests {
		cc, err := pgconn.ParseConfig(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		ConfigurePostgres(cc)
		if cc.ConnectTimeout != tt.want || cc.RuntimeParams["timezone"] != "UTC" {
			t.Errorf("%s: connect timeout %v, timezone %q; want %v, UTC", tt.url, cc.ConnectTimeout, cc.RuntimeParams["timezone"], tt.want)
		}
	}
}
