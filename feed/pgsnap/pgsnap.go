// Package pgsnap shares what the leader of several 'feedpub serve' replicas
// serves with every replica, through PostgreSQL, so that all of them serve
// the same bytes and ETags.
//
// The leader stores each snapshot it builds as a generation: a manifest of
// every resource (httpfeed.Manifest) and the bytes of each encoding, kept
// once by their SHA-256 so that a build stores only what it changed, and
// signals it with NOTIFY. Every replica LISTENs, and switches to a new
// generation as soon as it is signalled; it re-reads the newest generation
// whenever it (re)connects, and checks for one every few seconds besides,
// so that no signal lost with a connection leaves it behind. Documents a
// site has few of (feeds, the OPML list, the stylesheet) are held in
// memory; those it has many of (archive pages, item pages) are fetched on
// demand and cached within a bound.
package pgsnap

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/feedpub/feedpub/feed/httpfeed"
	"github.com/feedpub/feedpub/feed/ledger"
)

// Channel is the NOTIFY channel new generations are signalled on; the
// payload is the schema and the generation, so that sites in different
// schemas of one database do not disturb each other.
const Channel = "feedpub_snapshot"

// DefaultCacheBytes bounds the bodies a replica keeps of the documents it
// fetches on demand.
const DefaultCacheBytes = 64 << 20

// Defaults of Options.
const (
	defaultRecheck = 5 * time.Second
	maxReconnect   = 10 * time.Second
	// keepGenerations is how many generations stay stored: a replica
	// switching while the next is published still finds its own.
	keepGenerations = 2
	// collectEvery is how many generations pass between sweeps of the
	// bodies no kept generation names.
	collectEvery = 10
)

// LeaderLock is the first half of the session advisory lock key that
// 'feedpub serve' replicas compete for to lead; the second half is the
// hash of the schema.
const LeaderLock = 0x6c656164 // "lead"

// ErrNotLeader means a publish was refused because the session that must
// hold the leader lock (Options.LeaderPID) no longer does.
var ErrNotLeader = errors.New("this replica no longer holds the leader lock")

// publishLock is the first half of the advisory lock key that serialises
// publishing, should two replicas both believe for a moment that they lead.
const publishLock = 0x736e6170 // "snap"

// Swapper puts a snapshot in service: an *httpfeed.Handler.
type Swapper interface {
	Swap(*httpfeed.Snapshot)
	MarkSuccess(time.Time)
}

// Options configure Open.
type Options struct {
	// URL is the PostgreSQL database the ledger is in.
	URL string
	// Handler serves the snapshots.
	Handler Swapper
	Logger  *slog.Logger
	// CacheBytes bounds the bodies kept of documents fetched on demand;
	// zero means DefaultCacheBytes.
	CacheBytes int64
	// Recheck is how often a replica looks for a generation it was not
	// signalled; zero means five seconds.
	Recheck time.Duration
	// LeaderPID, when set, returns the backend process of the session
	// holding LeaderLock for this replica, and Publish stores a snapshot
	// only while that session holds it: a leader that lost its lock
	// while building must not replace what the next leader published.
	LeaderPID func() uint32
}

// Status is what a replica serves, against the newest generation stored.
type Status struct {
	// Generation is the generation served, zero when none is.
	Generation int64
	// Built is its build time; Received when this replica put it in
	// service, whether it built it or loaded it.
	Built, Received time.Time
	// Latest is the newest generation stored, as last seen, and
	// LatestPublished when it was stored.
	Latest          int64
	LatestPublished time.Time
}

// Behind is how long the newest generation has waited for this replica to
// serve it: zero when it does.
func (s Status) Behind(now time.Time) time.Duration {
	if s.Latest <= s.Generation || s.LatestPublished.IsZero() {
		return 0
	}
	return max(now.Sub(s.LatestPublished), 0)
}

// Share serves a site's shared snapshots. Its methods are safe for
// concurrent use.
type Share struct {
	pool    *pgxpool.Pool
	connCfg *pgx.ConnConfig
	url     string
	name    string
	// ready is set once the tables are known to be there; schema, the
	// schema they are in, is guarded by mu.
	ready   atomic.Bool
	schema  string
	handler Swapper
	log     *slog.Logger
	cache   *bodyCache
	recheck time.Duration
	leader  func() uint32

	// mu serialises switching generations, and guards what follows.
	mu     sync.Mutex
	status Status
	// eager holds the bodies of the served generation's resources that
	// are kept in memory, for the next generation to reuse.
	eager map[httpfeed.Sum][]byte

	stop context.CancelFunc
	done chan struct{}
	// listens counts the connections listened on.
	listens atomic.Int64
	// listenPID is the listening session's backend process, 0 between
	// sessions: tests end that session, and only that one, as a failed
	// network would.
	listenPID atomic.Uint32
}

// Open connects to the database, creates or migrates its tables (with the
// ledger's, in one schema version), serves the newest stored generation if
// there is one, and starts listening for new ones. A database that cannot
// be reached is not an error: it is logged, and the listener keeps trying
// to connect, serving the newest generation once it can. Only a URL that
// cannot be parsed is.
func Open(ctx context.Context, opts Options) (*Share, error) {
	if opts.Handler == nil {
		return nil, errors.New("pgsnap: no handler")
	}
	cfg, err := pgxpool.ParseConfig(opts.URL)
	if err != nil {
		return nil, errors.New("shared snapshot: the URL cannot be parsed as a PostgreSQL connection string")
	}
	ledger.ConfigurePostgres(&cfg.ConnConfig.Config)
	cfg.ConnConfig.RuntimeParams["application_name"] = "feedpub snapshot"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("shared snapshot: %w", err)
	}
	s := &Share{
		pool: pool, connCfg: cfg.ConnConfig.Copy(), url: opts.URL, name: redact(opts.URL), handler: opts.Handler,
		log: opts.Logger, cache: newBodyCache(cmpOr(opts.CacheBytes, DefaultCacheBytes)),
		recheck: cmpOr(opts.Recheck, defaultRecheck), leader: opts.LeaderPID, done: make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if err := s.prepare(ctx, "open"); err != nil {
		s.log.Warn("shared snapshot: database unavailable; serving what it holds once it answers", "state", s.name, "error", err)
	}
	lctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.stop = stop
	go s.listen(lctx)
	return s, nil
}

// prepare migrates the database the first time it answers, and puts the
// newest generation in service.
func (s *Share) prepare(ctx context.Context, via string) error {
	if !s.ready.Load() {
		// The snapshot tables are migrations of the ledger's schema.
		led, err := ledger.OpenPostgres(ctx, s.url, ledger.PostgresOptions{})
		if err != nil {
			return err
		}
		_ = led.Close()
		var schema string
		if err := s.pool.QueryRow(ctx, `SELECT coalesce(current_schema(), '')`).Scan(&schema); err != nil {
			return fmt.Errorf("shared snapshot %s: %w", s.name, err)
		}
		s.mu.Lock()
		s.schema = schema
		s.mu.Unlock()
		s.ready.Store(true)
	}
	return s.refresh(ctx, via)
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Close stops listening and closes the connections.
func (s *Share) Close() {
	s.stop()
	<-s.done
	s.pool.Close()
}

// Status reports what this replica serves.
func (s *Share) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

func (s *Share) schemaName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.schema
}

// Serving reports whether a stored generation is in service.
func (s *Share) Serving() bool { return s.Status().Generation > 0 }

// digestOf is the digest of what m serves, its build time aside: two
// builds with equal digests serve the same bytes but for the index page's
// date.
func digestOf(m httpfeed.Manifest) ([]byte, error) {
	m.Built = time.Time{}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	return sum[:], nil
}

// Publish stores snap, a snapshot the leader built, as a new generation,
// signals the replicas and puts it in service here. When it serves what
// the newest generation serves, nothing is stored: the newest generation
// is confirmed, and put in service here if it is not yet, so that every
// replica keeps serving the same bytes, index page included.
func (s *Share) Publish(ctx context.Context, snap *httpfeed.Snapshot) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := snap.Manifest()
	digest, err := digestOf(m)
	if err != nil {
		return fmt.Errorf("shared snapshot: %w", err)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("shared snapshot: %w", err)
	}
	var gen int64
	var published time.Time
	stored, same := 0, false
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, publishLock); err != nil {
			return err
		}
		if s.leader != nil {
			// Checked under the publish lock: a leader elected since
			// publishes after this transaction ends, never before.
			var holds bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1
				AND classid = $2::int4::oid AND objid = hashtext(coalesce(current_schema(), ''))::oid AND objsubid = 2)`,
				int64(s.leader()), LeaderLock).Scan(&holds); err != nil {
				return err
			}
			if !holds {
				return ErrNotLeader
			}
		}
		var latest []byte
		err := tx.QueryRow(ctx, `SELECT generation, digest FROM feedpub_snapshots ORDER BY generation DESC LIMIT 1`).Scan(&gen, &latest)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if bytes.Equal(latest, digest) {
			same = true
			_, err := tx.Exec(ctx, `UPDATE feedpub_snapshots SET confirmed = now() WHERE generation = $1`, gen)
			return err
		}
		if stored, err = storeBodies(ctx, tx, m); err != nil {
			return err
		}
		prev := gen
		if err := tx.QueryRow(ctx, `INSERT INTO feedpub_snapshots (built, published, digest, manifest) VALUES ($1, clock_timestamp(), $2, $3) RETURNING generation, published`,
			m.Built, digest, raw).Scan(&gen, &published); err != nil {
			return err
		}
		// The generations kept are the newest stored, counted, not
		// numbered: a publish rolled back after its insert, or a server
		// restarted after a crash, leaves gaps in the numbers.
		if _, err := tx.Exec(ctx, `DELETE FROM feedpub_snapshots WHERE generation < (SELECT min(generation) FROM
			(SELECT generation FROM feedpub_snapshots ORDER BY generation DESC LIMIT $1) AS kept)`, keepGenerations); err != nil {
			return err
		}
		// Every time the numbers pass a multiple of collectEvery, gaps
		// or not.
		if gen/collectEvery != prev/collectEvery {
			if err := collect(ctx, tx); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, coalesce(current_schema(), '') || ' ' || $2::text)`, Channel, strconv.FormatInt(gen, 10))
		return err
	})
	if err != nil {
		return fmt.Errorf("shared snapshot %s: publish: %w", s.name, err)
	}
	if same {
		if s.status.Generation != gen {
			return s.load(ctx, "publish")
		}
		s.handler.MarkSuccess(time.Now())
		return nil
	}
	s.handler.Swap(snap)
	s.eager = eagerBodies(m)
	now := time.Now()
	s.status = Status{Generation: gen, Built: m.Built, Received: now, Latest: gen, LatestPublished: published}
	s.log.Info("snapshot published", "generation", gen, "bodies_stored", stored, "resources", len(m.Resources))
	return nil
}

// Confirm records that the leader built again and found nothing to
// change: replicas count the age of what they serve from it. When a newer
// generation than the one served here is stored, it is put in service.
func (s *Share) Confirm(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status.Generation > 0 {
		if _, err := s.pool.Exec(ctx, `UPDATE feedpub_snapshots SET confirmed = now() WHERE generation = $1`, s.status.Generation); err != nil {
			return fmt.Errorf("shared snapshot %s: confirm: %w", s.name, err)
		}
	}
	return s.load(ctx, "confirm")
}

// storeBodies stores the bodies of m the table lacks, and returns how many.
func storeBodies(ctx context.Context, tx pgx.Tx, m httpfeed.Manifest) (int, error) {
	bodies := map[httpfeed.Sum][]byte{}
	for _, r := range m.Resources {
		for _, v := range r.Variants {
			bodies[v.SHA256] = v.Body
		}
	}
	sums := make([][]byte, 0, len(bodies))
	for sum := range bodies {
		sums = append(sums, sum[:])
	}
	rows, err := tx.Query(ctx, `SELECT sha256 FROM feedpub_snapshot_bodies WHERE sha256 = ANY($1)`, sums)
	if err != nil {
		return 0, err
	}
	have, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return 0, err
	}
	for _, h := range have {
		delete(bodies, httpfeed.Sum(h))
	}
	batch := &pgx.Batch{}
	for sum, body := range bodies {
		batch.Queue(`INSERT INTO feedpub_snapshot_bodies (sha256, body) VALUES ($1, $2) ON CONFLICT DO NOTHING`, sum[:], body)
	}
	if batch.Len() > 0 {
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return 0, err
		}
	}
	return len(bodies), nil
}

// collect deletes the bodies no stored generation names.
func collect(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT manifest FROM feedpub_snapshots`)
	if err != nil {
		return err
	}
	manifests, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return err
	}
	var keep [][]byte
	for _, raw := range manifests {
		var m httpfeed.Manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("stored manifest: %w", err)
		}
		for _, r := range m.Resources {
			for _, v := range r.Variants {
				keep = append(keep, bytes.Clone(v.SHA256[:]))
			}
		}
	}
	_, err = tx.Exec(ctx, `DELETE FROM feedpub_snapshot_bodies WHERE NOT (sha256 = ANY($1))`, keep)
	return err
}

// eagerBodies are the bodies of m's resources kept in memory.
func eagerBodies(m httpfeed.Manifest) map[httpfeed.Sum][]byte {
	out := map[httpfeed.Sum][]byte{}
	for _, r := range m.Resources {
		if !r.Lazy {
			for _, v := range r.Variants {
				out[v.SHA256] = v.Body
			}
		}
	}
	return out
}

// refresh reads the newest generation and puts it in service when this
// replica serves an older one.
func (s *Share) refresh(ctx context.Context, via string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.load(ctx, via)
}

// load does refresh's work; s.mu must be held. via says what led to it,
// for the log: "open", "notify", "connect", "recheck", "publish" or
// "confirm".
func (s *Share) load(ctx context.Context, via string) error {
	var (
		gen                  int64
		published, confirmed time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT generation, published, confirmed FROM feedpub_snapshots ORDER BY generation DESC LIMIT 1`).Scan(&gen, &published, &confirmed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("shared snapshot %s: %w", s.name, err)
	}
	s.status.Latest, s.status.LatestPublished = gen, published
	if gen == s.status.Generation {
		// The leader's builds since confirm that what this replica serves
		// is fresh.
		s.handler.MarkSuccess(confirmed)
		return nil
	}
	var raw []byte
	var built time.Time
	err = s.pool.QueryRow(ctx, `SELECT built, manifest FROM feedpub_snapshots WHERE generation = $1`, gen).Scan(&built, &raw)
	if err != nil {
		return fmt.Errorf("shared snapshot %s: generation %d: %w", s.name, gen, err)
	}
	var m httpfeed.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("shared snapshot %s: generation %d: %w", s.name, gen, err)
	}
	// Each missing body once: resources with equal bytes share one.
	var missing [][]byte
	asked := map[httpfeed.Sum]bool{}
	for _, r := range m.Resources {
		if r.Lazy {
			continue
		}
		for _, v := range r.Variants {
			if _, ok := s.eager[v.SHA256]; !ok && !asked[v.SHA256] {
				asked[v.SHA256] = true
				missing = append(missing, bytes.Clone(v.SHA256[:]))
			}
		}
	}
	fetched, err := s.bodies(ctx, missing)
	if err != nil {
		return fmt.Errorf("shared snapshot %s: generation %d: %w", s.name, gen, err)
	}
	for i, r := range m.Resources {
		if r.Lazy {
			continue
		}
		for j, v := range r.Variants {
			body, ok := s.eager[v.SHA256]
			if !ok {
				body = fetched[v.SHA256]
			}
			m.Resources[i].Variants[j].Body = body
		}
	}
	snap, err := httpfeed.NewStoredSnapshot(m, fetcher{s})
	if err != nil {
		return fmt.Errorf("shared snapshot %s: generation %d: %w", s.name, gen, err)
	}
	s.handler.Swap(snap)
	s.handler.MarkSuccess(confirmed)
	s.eager = eagerBodies(m)
	s.status.Generation, s.status.Built, s.status.Received = gen, m.Built, time.Now()
	s.log.Info("snapshot received", "via", via, "generation", gen, "built", built.UTC().Format(time.RFC3339), "bodies_fetched", len(fetched),
		"lag", time.Since(published).Round(time.Millisecond))
	return nil
}

// bodies fetches the bodies whose SHA-256 are sums, each checked against
// its sum.
func (s *Share) bodies(ctx context.Context, sums [][]byte) (map[httpfeed.Sum][]byte, error) {
	out := map[httpfeed.Sum][]byte{}
	if len(sums) == 0 {
		return out, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT sha256, body FROM feedpub_snapshot_bodies WHERE sha256 = ANY($1)`, sums)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var sum, body []byte
		if err := rows.Scan(&sum, &body); err != nil {
			return nil, err
		}
		if sha256.Sum256(body) != httpfeed.Sum(sum) {
			return nil, fmt.Errorf("stored body %x does not match its sha256", sum)
		}
		out[httpfeed.Sum(sum)] = body
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) != len(sums) {
		return nil, fmt.Errorf("%d of %d bodies are not stored", len(sums)-len(out), len(sums))
	}
	return out, nil
}

// fetcher gives a stored snapshot the bodies it serves on demand, through
// the share's bounded cache.
type fetcher struct{ s *Share }

func (f fetcher) Body(ctx context.Context, sum httpfeed.Sum) ([]byte, error) {
	if body, ok := f.s.cache.get(sum); ok {
		return body, nil
	}
	got, err := f.s.bodies(ctx, [][]byte{sum[:]})
	if err != nil {
		return nil, fmt.Errorf("shared snapshot %s: %w", f.s.name, err)
	}
	f.s.cache.put(sum, got[sum])
	return got[sum], nil
}

// listen waits for new generations until ctx ends, reconnecting when its
// connection is lost; after every (re)connection it re-reads the newest
// generation, so that a signal sent while it was away is not missed.
func (s *Share) listen(ctx context.Context) {
	defer close(s.done)
	wait := time.Second
	for ctx.Err() == nil {
		listened := s.listens.Load()
		err := s.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if s.listens.Load() != listened {
			// That connection worked: the waits start again.
			wait = time.Second
		}
		s.log.Warn("shared snapshot: connection lost; reconnecting", "state", s.name, "error", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, maxReconnect)
	}
}

// listenOnce listens on one connection until it fails.
func (s *Share) listenOnce(ctx context.Context) error {
	cfg := s.connCfg.Copy()
	// A server gone from the network is noticed in about 30 seconds.
	for k, v := range map[string]string{"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "4"} {
		if _, set := cfg.RuntimeParams[k]; !set {
			cfg.RuntimeParams[k] = v
		}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	s.listenPID.Store(conn.PgConn().PID())
	defer s.listenPID.Store(0)
	s.listens.Add(1)
	if err := s.prepare(ctx, "connect"); err != nil {
		s.log.Error("shared snapshot: reading the newest generation failed", "error", err)
	}
	for {
		via := "notify"
		wctx, cancel := context.WithTimeout(ctx, s.recheck)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) && !conn.IsClosed():
			// No signal for a while: look anyway, cheaply.
			via = "recheck"
		case err != nil:
			return err
		default:
			schema, g, _ := strings.Cut(n.Payload, " ")
			if gen, perr := strconv.ParseInt(g, 10, 64); schema != s.schemaName() || perr != nil || gen <= s.Status().Generation {
				continue
			}
		}
		if err := s.refresh(ctx, via); err != nil {
			s.log.Error("shared snapshot: loading the newest generation failed", "error", err)
		}
	}
}

// redact returns rawURL with its password replaced, for messages and logs.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}
