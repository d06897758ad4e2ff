package pgsnap

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedpub/feedpub/internal/pgtest"
)

// lockSession is a session that takes the leader lock, as a leader does.
func lockSession(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	// A closed session's backend releases its locks a moment after the
	// client goes: poll, with a deadline generous for a loaded machine.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got bool
		if err := conn.QueryRow(t.Context(), `SELECT pg_try_advisory_lock($1, hashtext(coalesce(current_schema(), '')))`, LeaderLock).Scan(&got); err != nil {
			t.Fatalf("taking the leader lock: %v", err)
		}
		if got {
			return conn
		}
		if time.Now().After(deadline) {
			t.Fatal("the leader lock is still held by another session")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFormerLeaderCannotPublish requires a publish by a replica whose
// leader session has ended to be refused: another replica may lead and
// have published a newer snapshot since, which the former leader's build,
// finished late, must not replace on every replica.
func TestFormerLeaderCannotPublish(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	built := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)

	oldConn := lockSession(t, url)
	oldPID := oldConn.PgConn().PID()
	old, err := Open(t.Context(), Options{URL: url, Handler: newHandler(), Recheck: time.Hour, LeaderPID: func() uint32 { return oldPID }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(old.Close)
	if err := old.Publish(t.Context(), snapshot(t, "first", built)); err != nil {
		t.Fatalf("the leader's publish: %v", err)
	}
	late := snapshot(t, "late", built.Add(time.Minute))

	// The old leader's session ends; another replica takes the lock and
	// publishes.
	if err := oldConn.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	newConn := lockSession(t, url)
	newPID := newConn.PgConn().PID()
	next, err := Open(t.Context(), Options{URL: url, Handler: newHandler(), Recheck: time.Hour, LeaderPID: func() uint32 { return newPID }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(next.Close)
	if err := next.Publish(t.Context(), snapshot(t, "newest", built.Add(2*time.Minute))); err != nil {
		t.Fatalf("the new leader's publish: %v", err)
	}
	want := next.Status().Generation

	err = old.Publish(t.Context(), late)
	if !errors.Is(err, ErrNotLeader) {
		t.Errorf("the former leader's publish: %v, want ErrNotLeader", err)
	}
	var latest int64
	if err := next.pool.QueryRow(t.Context(), `SELECT max(generation) FROM feedpub_snapshots`).Scan(&latest); err != nil {
		t.Fatal(err)
	}
	if latest != want {
		t.Errorf("newest stored generation %d, want %d, the new leader's", latest, want)
	}
}
