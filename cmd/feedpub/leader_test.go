package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/internal/pgtest"
)

// terminate ends the PostgreSQL session pid from another connection, as
// a failed network or an operator would.
func terminate(t *testing.T, url string, pid uint32) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), `SELECT pg_terminate_backend($1)`, int64(pid)); err != nil {
		t.Fatal(err)
	}
}

func TestLeaderLock(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, b := newLeader(url, "a", quiet), newLeader(url, "b", quiet)
	a.checkEvery, b.checkEvery = 50*time.Millisecond, 50*time.Millisecond
	t.Cleanup(a.close)
	t.Cleanup(b.close)
	build := func(l *leader) error {
		_, release, err := l.hold(t.Context())
		if err == nil {
			release()
		}
		return err
	}

	if err := build(a); err != nil {
		t.Fatalf("first replica: %v", err)
	}
	// The server probes the lock's session, so a leader that vanishes
	// from the network loses the lock in seconds, not hours.
	var idle string
	if err := a.conn.QueryRow(t.Context(), `SHOW tcp_keepalives_idle`).Scan(&idle); err != nil || idle != "10" {
		t.Errorf("tcp_keepalives_idle of the lock session = %q, %v; want 10", idle, err)
	}
	for range 3 {
		if err := build(b); !errors.Is(err, errNotLeader) {
			t.Fatalf("second replica while the first leads: got %v, want errNotLeader", err)
		}
		if err := build(a); err != nil {
			t.Fatalf("the leader stays leader: %v", err)
		}
	}

	// The leader's session ends: the lock is free for the next tick.
	terminate(t, url, a.conn.PgConn().PID())
	waitFor(t, "the second replica to take over", 30*time.Second, func() bool { return build(b) == nil })
	if err := build(a); !errors.Is(err, errNotLeader) {
		t.Fatalf("the old leader after losing its session: got %v, want errNotLeader", err)
	}

	// Losing the session during a build cancels the build.
	ctx, release, err := b.hold(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	terminate(t, url, b.conn.PgConn().PID())
	select {
	case <-ctx.Done():
		if cause := context.Cause(ctx); cause == nil || !strings.Contains(cause.Error(), "lost the leader lock") {
			t.Errorf("build cancelled with %v", cause)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the build went on after its lock was lost")
	}
	release()
	waitFor(t, "the first replica to take over again", 30*time.Second, func() bool { return build(a) == nil })
}

// exportPostgres returns every record of the ledger at url.
func exportPostgres(t *testing.T, url string) []ledger.Record {
	t.Helper()
	led, err := ledger.OpenPostgres(t.Context(), url, ledger.PostgresOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	var out []ledger.Record
	if err := led.Export(t.Context(), func(r ledger.Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestReloadKeepsState(t *testing.T) {
	t.Parallel()
	const (
		file  = "/srv/a/data/feedpub.db"
		file2 = "/srv/a/data/other.db"
		pg    = "postgres://db/feeds"
		pg2   = "postgres://u:hunter2@db/other"
	)
	tests := []struct {
		old, reloaded, want string
	}{
		{file, file2, file},
		{file, pg, file},
		{pg, pg2, pg},
		{pg, file, pg},
		{pg, pg, pg},
	}
	var logs syncBuffer
	s := &server{logger: slog.New(slog.NewTextHandler(&logs, nil))}
	for _, tt := range tests {
		old := &config.Config{State: tt.old}
		cfg := &config.Config{State: tt.reloaded}
		s.keepState(old, cfg)
		if cfg.State != tt.want {
			t.Errorf("reload from %s to %s: state %s, want %s", tt.old, tt.reloaded, cfg.State, tt.want)
		}
	}
	if strings.Contains(logs.String(), "hunter2") {
		t.Errorf("a log shows the password:\n%s", logs.String())
	}
}

// TestLeaderCheckOutlastsItsPeriod: how long one check of the lock's
// connection may take does not depend on how often it runs, so a leader
// whose database answers slower than the check period keeps its lock.
func TestLeaderCheckOutlastsItsPeriod(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, b := newLeader(url, "a", quiet), newLeader(url, "b", quiet)
	// Far shorter than a round trip to the server.
	a.checkEvery = 100 * time.Microsecond
	t.Cleanup(a.close)
	t.Cleanup(b.close)
	ctx, release, err := a.hold(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
		t.Errorf("the build was cancelled: %v", context.Cause(ctx))
	case <-time.After(200 * time.Millisecond):
	}
	released := make(chan struct{})
	go func() { release(); close(released) }()
	select {
	case <-released:
	case <-time.After(30 * time.Second):
		t.Fatal("the lock's check did not end within 30s of the build's release")
	}
	if _, _, err := b.hold(t.Context()); !errors.Is(err, errNotLeader) {
		t.Errorf("second replica: got %v, want errNotLeader", err)
	}
}
