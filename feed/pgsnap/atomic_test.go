package pgsnap

import (
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/pgtest"
)

// TestInterruptedPublishStoresNothing requires a publish that fails after
// storing its bodies, before its manifest, to leave the database as it
// was: no replica may read a manifest without its bodies, nor the bodies
// stay behind unnamed.
func TestInterruptedPublishStoresNothing(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	leader := open(t, url, newHandler())
	replica := openRecheck(t, url, newHandler(), time.Hour)
	built := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	if err := leader.Publish(t.Context(), snapshot(t, "one", built)); err != nil {
		t.Fatal(err)
	}
	first := leader.Status().Generation
	waitGeneration(t, replica, first)
	bodies := count(t, url, "feedpub_snapshot_bodies")

	// The manifest's insert fails, as a connection lost at that moment
	// would make it.
	psql(t, url, `CREATE FUNCTION fail_publish() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'interrupted'; END $$;
		CREATE TRIGGER fail_publish BEFORE INSERT ON feedpub_snapshots FOR EACH ROW EXECUTE FUNCTION fail_publish()`)
	if err := leader.Publish(t.Context(), snapshot(t, "two", built.Add(time.Minute))); err == nil {
		t.Fatal("a publish whose manifest was not stored succeeded")
	}
	if n := count(t, url, "feedpub_snapshot_bodies"); n != bodies {
		t.Errorf("%d bodies stored after an interrupted publish, want the %d before it", n, bodies)
	}
	if n := count(t, url, "feedpub_snapshots"); n != 1 {
		t.Errorf("%d generations stored after an interrupted publish, want 1", n)
	}
	if g := leader.Status().Generation; g != first {
		t.Errorf("the leader serves generation %d after an interrupted publish, want %d", g, first)
	}

	psql(t, url, `DROP TRIGGER fail_publish ON feedpub_snapshots`)
	if err := leader.Publish(t.Context(), snapshot(t, "two", built.Add(2*time.Minute))); err != nil {
		t.Fatal(err)
	}
	if err := replica.refresh(t.Context(), "recheck"); err != nil {
		t.Fatalf("the replica loading the next generation: %v", err)
	}
	if g, want := replica.Status().Generation, leader.Status().Generation; g != want {
		t.Errorf("the replica serves generation %d, want %d", g, want)
	}
}
