package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/pgsnap"
)

// errNotLeader means another replica holds the leader lock, so this one
// did not build.
var errNotLeader = errors.New("another replica leads and builds")

// leaderLock is the first half of the PostgreSQL advisory lock key that
// replicas sharing a ledger compete for; the second half is derived from
// the schema, as the ledger's own tables are. The shared snapshot checks
// it before storing what the leader publishes.
const leaderLock = pgsnap.LeaderLock

// leaderCheckEvery is how often the leader confirms, during a build, that
// its lock connection is alive. If the connection is lost, PostgreSQL
// releases the lock and another replica may take over at its next tick,
// so the build is cancelled rather than finished alongside another.
const leaderCheckEvery = 2 * time.Second

// leaderPingTimeout bounds one check of the lock's connection. A ping that
// times out closes the connection, and with it gives up the lock, so it
// is kept apart from how often the check runs: a busy machine or database
// must not cost a healthy leader its lock. A dead connection still fails
// at once, or within this time when the network drops it silently, far
// sooner than the server's own keepalive probes free the lock.
const leaderPingTimeout = 5 * time.Second

// leader elects one builder among 'feedpub serve' replicas that share a
// PostgreSQL ledger. Every replica runs the schedule; at each tick a
// replica builds only while it holds a session advisory lock on a
// connection of its own. The lock belongs to that session: when the
// process dies or its connection drops, PostgreSQL releases it, and the
// first replica to tick afterwards takes it and builds.
type leader struct {
	url        string
	name       string // url without its password, for logs
	logger     *slog.Logger
	checkEvery time.Duration

	// mu is held while this replica builds, and guards conn.
	mu   sync.Mutex
	conn *pgx.Conn // holds the lock; nil when this replica does not lead
	// leads mirrors conn != nil for readers that must not wait for a
	// build: /healthz and /metrics.
	leads atomic.Bool
	// pid is the backend process of the lock's session, zero when this
	// replica does not lead: the shared snapshot stores a publish only
	// while that session holds the lock.
	pid atomic.Uint32
}

func newLeader(url, name string, logger *slog.Logger) *leader {
	return &leader{url: url, name: name, logger: logger, checkEvery: leaderCheckEvery}
}

// hold returns whether this replica leads, taking the lock when it is
// free. When it leads, the returned context is cancelled if the lock is
// lost, and release must be called when the build ends.
func (l *leader) hold(ctx context.Context) (context.Context, func(), error) {
	l.mu.Lock()
	if err := l.acquire(ctx); err != nil {
		l.mu.Unlock()
		return nil, nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(l.checkEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if err := l.ping(); err != nil {
					l.logger.Error("lost the leader lock; cancelling the build", "state", l.name, "error", err)
					cancel(fmt.Errorf("lost the leader lock: %w", err))
					return
				}
			}
		}
	}()
	release := func() {
		close(done)
		<-stopped
		cancel(nil)
		l.mu.Unlock()
	}
	return ctx, release, nil
}

// acquire makes sure this replica holds the lock, or returns errNotLeader.
// l.mu must be held.
func (l *leader) acquire(ctx context.Context) error {
	if l.conn != nil {
		if err := l.ping(); err == nil {
			return nil
		}
		l.logger.Warn("the leader lock's connection failed; competing for the lock again", "state", l.name)
		l.dropConn()
	}
	cc, err := pgx.ParseConfig(l.url)
	if err != nil {
		return fmt.Errorf("leader lock: %s: the URL cannot be parsed", l.name)
	}
	// A leader that vanishes from the network without closing its
	// connection holds the lock until the server notices; these make the
	// server probe an idle lock session and end it within about 30
	// seconds, instead of the system's default of hours. The leader stops
	// building long before: it checks its connection every few seconds.
	for k, v := range map[string]string{"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "4"} {
		if _, set := cc.RuntimeParams[k]; !set {
			cc.RuntimeParams[k] = v
		}
	}
	ledger.ConfigurePostgres(&cc.Config)
	cc.RuntimeParams["application_name"] = "feedpub leader"
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return fmt.Errorf("leader lock: connect to %s: %w", l.name, err)
	}
	var got bool
	err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, hashtext(coalesce(current_schema(), '')))`, leaderLock).Scan(&got)
	if err != nil || !got {
		_ = conn.Close(context.WithoutCancel(ctx))
		if err != nil {
			return fmt.Errorf("leader lock: %w", err)
		}
		return errNotLeader
	}
	l.conn = conn
	l.pid.Store(conn.PgConn().PID())
	l.leads.Store(true)
	l.logger.Info("this replica now leads and builds", "state", l.name)
	return nil
}

// ping checks that the lock's connection is alive. The lock lives as long
// as the session, so a live session still holds it. It does not take the
// build's context: a build cancelled for its timeout must not end the
// session, and with it the lock.
func (l *leader) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), leaderPingTimeout)
	defer cancel()
	return l.conn.Ping(ctx)
}

// dropConn closes the lock's connection, which releases the lock.
func (l *leader) dropConn() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = l.conn.Close(ctx)
	l.conn = nil
	l.pid.Store(0)
	l.leads.Store(false)
}

// close gives up the lock, waiting for a build that holds it.
func (l *leader) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		l.dropConn()
		l.logger.Info("leader lock released", "state", l.name)
	}
}

// lead returns the context a build runs in: ctx itself with an embedded
// ledger, and with a PostgreSQL ledger one that ends if this replica loses
// the leader lock, or errNotLeader when another replica holds it. release
// must be called when the build ends.
func (s *server) lead(ctx context.Context) (context.Context, func(), error) {
	if s.leader == nil {
		return ctx, func() {}, nil
	}
	return s.leader.hold(ctx)
}

// keepState keeps the running state in cfg, a configuration being
// reloaded: the serve lock or the leader lock is held on the state the
// server started with. Logs name a database without its password.
func (s *server) keepState(old, cfg *config.Config) {
	if cfg.State == old.State {
		return
	}
	s.logger.Warn("state changes take a restart", "state", old.StateName(), "configured", cfg.StateName())
	cfg.State, cfg.CacheDir = old.State, old.CacheDir
}
