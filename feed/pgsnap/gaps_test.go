package pgsnap

import (
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/pgtest"
)

// TestGenerationGapsKeepThePreviousGeneration requires the previous
// generation, and the bodies only it names, to stay stored when the
// generation numbers have a gap: a publish rolled back after its insert
// (a lost connection, a cancelled build) or a server restarted after a
// crash consumes numbers of the identity sequence without storing them.
// Replicas that have not switched yet still serve the previous
// generation, and fetch its archive pages on demand.
func TestGenerationGapsKeepThePreviousGeneration(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	leader := open(t, url, newHandler())
	built := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if err := leader.Publish(t.Context(), snapshot(t, "old", built)); err != nil {
		t.Fatal(err)
	}
	var archive []byte
	for _, r := range leader.lastManifest(t).Resources {
		if r.Path == "/news/archive/1.atom" && r.Kind == "document" {
			archive = r.Variants[0].SHA256[:]
		}
	}
	if archive == nil {
		t.Fatal("no archive page in the manifest")
	}
	// Numbers 2 to 9 are consumed by publishes that did not commit, so
	// that the next is a multiple of collectEvery and collects bodies.
	if _, err := leader.pool.Exec(t.Context(), `SELECT setval(pg_get_serial_sequence('feedpub_snapshots', 'generation'), $1)`, collectEvery-1); err != nil {
		t.Fatal(err)
	}
	if err := leader.Publish(t.Context(), snapshot(t, "new", built.Add(time.Minute))); err != nil {
		t.Fatal(err)
	}
	if g := leader.Status().Generation; g != collectEvery {
		t.Fatalf("published generation %d, want %d", g, collectEvery)
	}
	if n := count(t, url, "feedpub_snapshots"); n != keepGenerations {
		t.Errorf("%d generations stored after a gap, want the last %d", n, keepGenerations)
	}
	var n int
	if err := leader.pool.QueryRow(t.Context(), `SELECT count(*) FROM feedpub_snapshot_bodies WHERE sha256 = $1`, archive).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Error("the previous generation's archive page was collected while replicas may still serve it")
	}
}
