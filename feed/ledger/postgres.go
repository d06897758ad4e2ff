package ledger

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrations are the schema changes of the PostgreSQL ledger, applied in the
// order of the number that starts their names. A released file never
// changes; a new layout is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// IsPostgresURL reports whether state names a PostgreSQL database rather
// than a ledger file.
func IsPostgresURL(state string) bool {
	return strings.HasPrefix(state, "postgres://") || strings.HasPrefix(state, "postgresql://")
}

// PostgresOptions configures OpenPostgres.
type PostgresOptions struct {
	// ReadOnly opens the ledger for check and export: the schema is not
	// created or migrated, every transaction is read-only, and Observe,
	// Import and PutState fail with ErrReadOnly when they would write.
	ReadOnly bool
}

// Postgres is a Ledger kept in a PostgreSQL database, for several feedpub
// processes on several machines that must agree on every item's identity
// and dates. It applies the same rules as Bolt (observe and merge), stores
// times as timestamptz in whole seconds, and is safe for concurrent use by
// any number of processes: the first to record an id fixes its first-seen
// date, and every other process is given that date.
//
// The tables are created in the first schema of the connection's
// search_path (add ?search_path=name to the URL to keep feedpub's tables
// apart); their names start with feedpub_.
type Postgres struct {
	pool     *pgxpool.Pool
	name     string // the URL without its password, for messages
	readOnly bool
	closed   atomic.Bool
}

var _ Ledger = (*Postgres)(nil)

// migrateLock is the first half of the advisory lock key that serialises
// schema migrations; the second is derived from the schema, so ledgers in
// different schemas of one database migrate independently.
const migrateLock = 0x66656564 // "feed"

// PostgresConnectTimeout bounds each attempt to connect to PostgreSQL when
// the URL sets no connect_timeout. Without it, a database host that drops
// packets holds a build, or serve's start, for the system's TCP timeout
// of about two minutes.
const PostgresConnectTimeout = 10 * time.Second

// ConfigurePostgres applies what every feedpub connection to PostgreSQL
// shares, whatever opens it (the ledger, the leader lock, the shared
// snapshot): times exchanged in UTC, which keeps what psql shows equal to
// what feeds carry, and a bounded connect unless the URL chose its own.
func ConfigurePostgres(cc *pgconn.Config) {
	cc.RuntimeParams["timezone"] = "UTC"
	if cc.ConnectTimeout == 0 {
		cc.ConnectTimeout = PostgresConnectTimeout
	}
}

// OpenPostgres connects to the database at rawURL and, unless
// opts.ReadOnly, brings its schema up to date. It fails with ErrVersion when
// a newer feedpub migrated the database further than this one knows.
func OpenPostgres(ctx context.Context, rawURL string, opts PostgresOptions) (*Postgres, error) {
	name := redact(rawURL)
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		// pgx's parse errors may quote the URL, password included.
		return nil, fmt.Errorf("ledger %s: the URL cannot be parsed as a PostgreSQL connection string", name)
	}
	ConfigurePostgres(&cfg.ConnConfig.Config)
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "feedpub"
	}
	if opts.ReadOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", name, err)
	}
	p := &Postgres{pool: pool, name: name, readOnly: opts.ReadOnly}
	if opts.ReadOnly {
		err = p.checkVersion(ctx)
	} else {
		err = p.migrate(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return p, nil
}

// redact returns rawURL with its password replaced, for messages and logs.
func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in order. Their numbers
// must run 1, 2, 3… with no gap, so a missing file cannot go unnoticed.
func loadMigrations() ([]migration, error) {
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, f := range files {
		base := path.Base(f)
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name does not start with a number", base)
		}
		sql, err := migrations.ReadFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(sql)})
	}
	slices.SortFunc(out, func(a, b migration) int { return a.version - b.version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	return out, nil
}

// migrate applies the migrations the database lacks, in one transaction
// that holds an advisory lock, so two processes starting at once neither
// race nor apply a migration twice, and a failed migration leaves nothing
// behind.
func (p *Postgres) migrate(ctx context.Context) error {
	all, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("ledger %s: %w", p.name, err)
	}
	err = pgx.BeginFunc(ctx, p.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce(current_schema(), '')))`, migrateLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS feedpub_migrations (
			version integer PRIMARY KEY,
			name text NOT NULL,
			applied timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		var current int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM feedpub_migrations`).Scan(&current); err != nil {
			return err
		}
		if current > len(all) {
			return fmt.Errorf("ledger %s has schema version %d, this feedpub reads up to %d; upgrade feedpub: %w", p.name, current, len(all), ErrVersion)
		}
		for _, m := range all[current:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO feedpub_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrVersion) {
			return err
		}
		return fmt.Errorf("open ledger %s: %w", p.name, err)
	}
	return nil
}

// checkVersion confirms, without writing, that the database holds a ledger
// of exactly the schema this feedpub writes.
func (p *Postgres) checkVersion(ctx context.Context) error {
	all, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("ledger %s: %w", p.name, err)
	}
	var current int
	err = p.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM feedpub_migrations`).Scan(&current)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "42P01": // undefined_table
		return fmt.Errorf("ledger %s: the database holds no feedpub ledger yet; a build or 'feedpub ledger import' creates it", p.name)
	case err != nil:
		return fmt.Errorf("open ledger %s: %w", p.name, err)
	case current > len(all):
		return fmt.Errorf("ledger %s has schema version %d, this feedpub reads up to %d; upgrade feedpub: %w", p.name, current, len(all), ErrVersion)
	case current < len(all):
		return fmt.Errorf("ledger %s has schema version %d, older than %d; open it once for writing (a build) to migrate it", p.name, current, len(all))
	}
	return nil
}

// usable fails with ErrClosed after Close.
func (p *Postgres) usable() error {
	if p.closed.Load() {
		return fmt.Errorf("ledger %s: %w", p.name, ErrClosed)
	}
	return nil
}

// querier is what reads need of a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// ids returns the ids of recs as the bytea values the tables hold.
func idBytes(ids []string) [][]byte {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		out[i] = []byte(id)
	}
	return out
}

// lookupSQL returns the stored record of each id given in $1, with the
// id's position in $1 (from 1), and nothing for unknown ids.
const lookupSQL = `SELECT q.n, i.first_seen, i.hash, i.changed
	FROM unnest($1::bytea[]) WITH ORDINALITY AS q(id, n)
	JOIN feedpub_items i ON i.id_sha256 = sha256(q.id) AND i.id = q.id`

// lookupChunk fills recs and found for ids, which are at most checkEvery.
// With lock, the rows are locked for update until the transaction ends, in
// id order, so two writers lock in the same order and do not deadlock.
func lookupChunk(ctx context.Context, q querier, ids []string, lock bool, recs []Record, found []bool) error {
	sql := lookupSQL
	if lock {
		sql += ` ORDER BY i.id FOR UPDATE OF i`
	}
	rows, err := q.Query(ctx, sql, idBytes(ids))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			n             int
			first, change time.Time
			hash          []byte
		)
		if err := rows.Scan(&n, &first, &hash, &change); err != nil {
			return err
		}
		i := n - 1
		recs[i] = Record{ID: ids[i], FirstSeen: first.UTC(), Hash: string(hash), Changed: change.UTC()}
		found[i] = true
	}
	return rows.Err()
}

// lookup returns the stored record of each id, reading checkEvery ids per
// query and checking ctx between them.
func (p *Postgres) lookup(ctx context.Context, ids []string) ([]Record, []bool, error) {
	recs := make([]Record, len(ids))
	found := make([]bool, len(ids))
	for start := 0; start < len(ids); start += checkEvery {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		end := min(start+checkEvery, len(ids))
		if err := lookupChunk(ctx, p.pool, ids[start:end], false, recs[start:end], found[start:end]); err != nil {
			return nil, nil, p.wrap(err)
		}
	}
	return recs, found, nil
}

// Lookup implements Ledger.
func (p *Postgres) Lookup(ctx context.Context, ids []string) ([]Record, []bool, error) {
	if err := p.usable(); err != nil {
		return nil, nil, fmt.Errorf("lookup: %w", err)
	}
	recs, found, err := p.lookup(ctx, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("lookup: %w", err)
	}
	return recs, found, nil
}

// rule decides what to store for the k-th id given what is stored of it,
// and whether that must be written: observe or merge, bound to their input.
type rule func(k int, prev Record, found bool) (Record, bool)

// apply runs rule over ids (sorted, distinct) inside tx and writes what it
// returns, checkEvery ids at a time. Existing rows are locked before the
// rule sees them, so no other writer changes them in between; a new id that
// another writer inserts first is read back and given to the rule as
// found, which makes the first writer's first-seen date the one that
// stands. out receives the final record of every id.
func apply(ctx context.Context, tx pgx.Tx, ids []string, r rule, out []Record) error {
	for start := 0; start < len(ids); start += checkEvery {
		if err := ctx.Err(); err != nil {
			return err
		}
		end := min(start+checkEvery, len(ids))
		chunk := ids[start:end]
		cur := make([]Record, len(chunk))
		found := make([]bool, len(chunk))
		if err := lookupChunk(ctx, tx, chunk, true, cur, found); err != nil {
			return err
		}
		var inserts, updates []int
		for k := range chunk {
			rec, write := r(start+k, cur[k], found[k])
			out[start+k] = rec
			switch {
			case !write:
			case found[k]:
				updates = append(updates, k)
			default:
				inserts = append(inserts, k)
			}
		}
		if len(inserts) > 0 {
			lost, err := insertNew(ctx, tx, out[start:end], inserts)
			if err != nil {
				return err
			}
			if len(lost) > 0 {
				// Another writer recorded these ids after our read and
				// committed: apply the rule to what it stored.
				lostIDs := make([]string, len(lost))
				for n, k := range lost {
					lostIDs[n] = chunk[k]
				}
				again := make([]Record, len(lost))
				againFound := make([]bool, len(lost))
				if err := lookupChunk(ctx, tx, lostIDs, true, again, againFound); err != nil {
					return err
				}
				for n, k := range lost {
					if !againFound[n] {
						return fmt.Errorf("item %q: insert conflicted but the row is not there", chunk[k])
					}
					rec, write := r(start+k, again[n], true)
					out[start+k] = rec
					if write {
						updates = append(updates, k)
					}
				}
			}
		}
		if len(updates) > 0 {
			if err := updateRows(ctx, tx, out[start:end], updates); err != nil {
				return err
			}
		}
	}
	return nil
}

// insertNew inserts recs[k] for every k in which, skipping ids that exist
// by now, and returns the ks it skipped.
func insertNew(ctx context.Context, tx pgx.Tx, recs []Record, which []int) ([]int, error) {
	ids := make([][]byte, len(which))
	first := make([]time.Time, len(which))
	hashes := make([][]byte, len(which))
	changed := make([]time.Time, len(which))
	for n, k := range which {
		ids[n], first[n], hashes[n], changed[n] = []byte(recs[k].ID), recs[k].FirstSeen, []byte(recs[k].Hash), recs[k].Changed
	}
	rows, err := tx.Query(ctx, `INSERT INTO feedpub_items (id, first_seen, hash, changed)
		SELECT * FROM unnest($1::bytea[], $2::timestamptz[], $3::bytea[], $4::timestamptz[])
		ON CONFLICT (id_sha256) DO NOTHING
		RETURNING id`, ids, first, hashes, changed)
	if err != nil {
		return nil, err
	}
	inserted := make(map[string]bool, len(which))
	for rows.Next() {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		inserted[string(id)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var lost []int
	for _, k := range which {
		if !inserted[recs[k].ID] {
			lost = append(lost, k)
		}
	}
	return lost, nil
}

// updateRows writes recs[k] over the stored row for every k in which.
func updateRows(ctx context.Context, tx pgx.Tx, recs []Record, which []int) error {
	ids := make([][]byte, len(which))
	first := make([]time.Time, len(which))
	hashes := make([][]byte, len(which))
	changed := make([]time.Time, len(which))
	for n, k := range which {
		ids[n], first[n], hashes[n], changed[n] = []byte(recs[k].ID), recs[k].FirstSeen, []byte(recs[k].Hash), recs[k].Changed
	}
	_, err := tx.Exec(ctx, `UPDATE feedpub_items i
		SET first_seen = u.first_seen, hash = u.hash, changed = u.changed
		FROM unnest($1::bytea[], $2::timestamptz[], $3::bytea[], $4::timestamptz[]) AS u(id, first_seen, hash, changed)
		WHERE i.id_sha256 = sha256(u.id) AND i.id = u.id`, ids, first, hashes, changed)
	return err
}

// write runs fn in a transaction, again when PostgreSQL aborted it for a
// deadlock or a serialization failure (two writers that crossed), at most
// a few times.
func (p *Postgres) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	const attempts = 5
	for attempt := 1; ; attempt++ {
		err := pgx.BeginFunc(ctx, p.pool, fn)
		var pgErr *pgconn.PgError
		if attempt < attempts && errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001") && ctx.Err() == nil {
			continue
		}
		return p.wrap(err)
	}
}

// wrap turns a closed pool into ErrClosed and names the ledger.
func (p *Postgres) wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case p.closed.Load():
		return fmt.Errorf("ledger %s: %w", p.name, ErrClosed)
	}
	return fmt.Errorf("ledger %s: %w", p.name, err)
}

// Observe implements Ledger. It reads every entry without locking and,
// only when some are new or changed, writes those in one transaction, so
// either all of them are recorded or none, and an unchanged build writes
// nothing.
func (p *Postgres) Observe(ctx context.Context, now time.Time, entries []Entry) ([]Record, error) {
	now, uniq, index, err := prepareObserve(ctx, now, entries)
	if err != nil {
		return nil, err
	}
	if err := p.usable(); err != nil {
		return nil, fmt.Errorf("observe: %w", err)
	}
	ids := make([]string, len(uniq))
	for i, e := range uniq {
		ids[i] = e.ID
	}
	prev, found, err := p.lookup(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("observe: %w", err)
	}
	recs := make([]Record, len(uniq))
	var pending []int
	for i, e := range uniq {
		var write bool
		if recs[i], write = observe(prev[i], found[i], e, now); write {
			pending = append(pending, i)
		}
	}
	if len(pending) == 0 {
		return expand(recs, index), nil
	}
	if p.readOnly {
		return nil, fmt.Errorf("observe: ledger %s: %d items are new or changed: %w", p.name, len(pending), ErrReadOnly)
	}
	// Lock in id order, the order every writer uses.
	slices.SortFunc(pending, func(i, j int) int { return strings.Compare(uniq[i].ID, uniq[j].ID) })
	pendingIDs := make([]string, len(pending))
	for n, i := range pending {
		pendingIDs[n] = uniq[i].ID
	}
	out := make([]Record, len(pending))
	err = p.write(ctx, func(tx pgx.Tx) error {
		return apply(ctx, tx, pendingIDs, func(k int, prev Record, found bool) (Record, bool) {
			return observe(prev, found, uniq[pending[k]], now)
		}, out)
	})
	if err != nil {
		return nil, fmt.Errorf("observe: %w", err)
	}
	for n, i := range pending {
		recs[i] = out[n]
	}
	return expand(recs, index), nil
}

// Import implements Ledger. Like Observe, it writes nothing when the
// records add nothing, and otherwise writes in one transaction.
func (p *Postgres) Import(ctx context.Context, recs []Record) error {
	in, err := foldImport(ctx, recs)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := p.usable(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	ids := make([]string, len(in))
	for i, r := range in {
		ids[i] = r.ID
	}
	prev, found, err := p.lookup(ctx, ids)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	var pending []Record
	for i, r := range in {
		if _, changed := merge(prev[i], found[i], r); changed {
			pending = append(pending, r)
		}
	}
	if len(pending) == 0 {
		return nil
	}
	if p.readOnly {
		return fmt.Errorf("import: ledger %s: %d records would change: %w", p.name, len(pending), ErrReadOnly)
	}
	// foldImport sorted in by id, so pending is sorted too.
	pendingIDs := make([]string, len(pending))
	for i, r := range pending {
		pendingIDs[i] = r.ID
	}
	out := make([]Record, len(pending))
	err = p.write(ctx, func(tx pgx.Tx) error {
		return apply(ctx, tx, pendingIDs, func(k int, prev Record, found bool) (Record, bool) {
			return merge(prev, found, pending[k])
		}, out)
	})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// Export implements Ledger. It reads one consistent snapshot through a
// cursor, exportBatch records at a time, and calls fn between fetches; fn
// may use the ledger.
func (p *Postgres) Export(ctx context.Context, fn func(Record) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if err := p.usable(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	var fnErr error
	err := pgx.BeginTxFunc(ctx, p.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DECLARE feedpub_export NO SCROLL CURSOR FOR
			SELECT id, first_seen, hash, changed FROM feedpub_items ORDER BY id`); err != nil {
			return err
		}
		batch := make([]Record, 0, exportBatch)
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			batch = batch[:0]
			rows, err := tx.Query(ctx, `FETCH `+strconv.Itoa(exportBatch)+` FROM feedpub_export`)
			if err != nil {
				return err
			}
			for rows.Next() {
				var (
					id, hash       []byte
					first, changed time.Time
				)
				if err := rows.Scan(&id, &first, &hash, &changed); err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, Record{ID: string(id), FirstSeen: first.UTC(), Hash: string(hash), Changed: changed.UTC()})
			}
			if err := rows.Err(); err != nil {
				return err
			}
			for _, r := range batch {
				if err := fn(r); err != nil {
					fnErr = fmt.Errorf("export %q: %w", r.ID, err)
					return fnErr
				}
			}
			if len(batch) < exportBatch {
				return nil
			}
		}
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("export: %w", p.wrap(err))
	}
	return nil
}

// Check reads every record and returns an error wrapping ErrCorrupt that
// names the first one a ledger could not have written: an empty or
// overlong id, or a time that is not a whole second or is outside the
// range ledgers store. The schema's constraints forbid these; Check finds
// them when someone changed rows or constraints by hand.
func (p *Postgres) Check() error {
	ctx := context.Background()
	if err := p.usable(); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if err := p.checkVersion(ctx); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	var (
		id             []byte
		first, changed time.Time
	)
	err := p.pool.QueryRow(ctx, `SELECT id, first_seen, changed FROM feedpub_items
		WHERE octet_length(id) NOT BETWEEN 1 AND $1
		   OR extract(epoch FROM first_seen) <> floor(extract(epoch FROM first_seen))
		   OR extract(epoch FROM changed) <> floor(extract(epoch FROM changed))
		   OR first_seen NOT BETWEEN $2 AND $3 OR changed NOT BETWEEN $2 AND $3
		ORDER BY id LIMIT 1`, MaxIDLen, minTime, maxTime).Scan(&id, &first, &changed)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("check: %w", p.wrap(err))
	}
	return fmt.Errorf("check: ledger %s: %w: item %.80q: first seen %s, changed %s; fix or delete the row, or export, repair and import the ledger",
		p.name, ErrCorrupt, id, first.UTC().Format(time.RFC3339Nano), changed.UTC().Format(time.RFC3339Nano))
}

// Empty reports whether the ledger holds no record: a new database, or
// one whose ledger was lost, which a build recovers before dating anything.
func (p *Postgres) Empty() (bool, error) {
	if err := p.usable(); err != nil {
		return false, err
	}
	var exists bool
	if err := p.pool.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM feedpub_items)`).Scan(&exists); err != nil {
		return false, p.wrap(err)
	}
	return !exists, nil
}

// GetState implements Ledger.
func (p *Postgres) GetState(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := p.usable(); err != nil {
		return nil, fmt.Errorf("read state %q: %w", key, err)
	}
	var v []byte
	err := p.pool.QueryRow(ctx, `SELECT value FROM feedpub_state WHERE key = $1`, key).Scan(&v)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read state %q: %w", key, p.wrap(err))
	}
	if len(v) == 0 {
		// As the other stores do: an empty value reads as none.
		return nil, nil
	}
	return v, nil
}

// PutState implements Ledger. Storing the value already stored writes
// nothing.
func (p *Postgres) PutState(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("put state: empty key: %w", ErrInvalid)
	}
	if old, err := p.GetState(ctx, key); err == nil && old != nil && string(old) == string(value) {
		return nil
	}
	if p.readOnly {
		return fmt.Errorf("put state %q: ledger %s: %w", key, p.name, ErrReadOnly)
	}
	if value == nil {
		value = []byte{}
	}
	_, err := p.pool.Exec(ctx, `INSERT INTO feedpub_state (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value
		WHERE feedpub_state.value IS DISTINCT FROM excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("put state %q: %w", key, p.wrap(err))
	}
	return nil
}

// Close implements Ledger. It waits for queries in flight and closes every
// connection.
func (p *Postgres) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	p.pool.Close()
	return nil
}
