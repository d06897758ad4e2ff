package ledger

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// DefaultLockTimeout is how long OpenBolt waits for another process to
// release the ledger when BoltOptions.LockTimeout is zero: long enough to
// ride out a build that is finishing, short enough that a stuck one is
// reported rather than waited on forever.
const DefaultLockTimeout = 10 * time.Second

// Layout of a ledger file. The items bucket maps an id to an encoded record;
// the meta bucket holds the schema version, so a future layout can be
// recognised and migrated instead of misread.
var (
	itemsBucket = []byte("items")
	metaBucket  = []byte("meta")
	schemaKey   = []byte("schema")
)

// schemaVersion is the layout this package writes and reads.
const schemaVersion = 1

// A stored record is: a version byte, FirstSeen and Changed as big-endian
// unix nanoseconds, then the hash bytes. Fixed offsets keep decoding cheap
// for builds that look up every item on every run.
const (
	recordVersion = 1
	recordHeader  = 1 + 8 + 8
)

// initialMmapSize is how much of the file bbolt maps when it opens it.
// When a write outgrows the map, bbolt remaps and copies every node the
// transaction holds; starting at its 32 KiB default, a first build of
// 100,000 items remaps about a dozen times and spends a third of its time
// there. 64 MiB (nearly 500,000 items) is address space, not memory or disk.
// On Windows bbolt would grow the file to the mapped size, so it keeps the
// default there.
func initialMmapSize() int {
	if runtime.GOOS == "windows" {
		return 0
	}
	return 64 << 20
}

// allocSize is how far past what it needs bbolt grows the file. Its default
// (16 MiB, or the whole map when that is smaller) would turn a small ledger
// into a 64 MiB file given the map above.
const allocSize = 64 << 10

// exportBatch is how many records Export reads per read transaction. Export
// calls fn between transactions, so a slow fn (or one that uses the ledger)
// never holds a transaction open.
const exportBatch = 1024

// BoltOptions configures OpenBolt.
type BoltOptions struct {
	// LockTimeout is how long to wait for another process that has the
	// ledger open before failing with ErrLocked. Zero means
	// DefaultLockTimeout; a negative value means try once and do not wait.
	LockTimeout time.Duration
	// ReadOnly opens the ledger with a shared lock, so several readers (an
	// export, a dry run) can run beside each other but not beside a build.
	// The file must exist. Observe and Import fail with ErrReadOnly when
	// they would have to write.
	ReadOnly bool
}

// Bolt is a Ledger kept in one bbolt file. bbolt gives crash-safe
// transactions and an exclusive file lock with no server to run, which
// matches a publisher that runs from cron or CI. Bolt is safe for
// concurrent use within a process; another process that opens the same file
// waits for it, up to BoltOptions.LockTimeout.
//
// An Observe that finds nothing new or changed does not write, so an
// unchanged build leaves the file's bytes (and its modification time)
// untouched.
type Bolt struct {
	path     string
	db       *bolt.DB
	readOnly bool
	// gap, when set, runs between Observe's read and its write: tests
	// write there what another build could.
	gap func()
}

var _ Ledger = (*Bolt)(nil)

// OpenBolt opens the ledger file at path, creating it (mode 0o644) and its
// parent directories (mode 0o755) when they are missing, unless
// opts.ReadOnly is set. It fails with ErrLocked when another process keeps
// the file open past opts.LockTimeout, with ErrCorrupt when the file is not
// a readable ledger, and with ErrVersion when a newer feedpub wrote it.
func OpenBolt(path string, opts BoltOptions) (*Bolt, error) {
	timeout := opts.LockTimeout
	switch {
	case timeout == 0:
		timeout = DefaultLockTimeout
	case timeout < 0:
		// bbolt waits forever on zero; any positive value shorter than its
		// retry interval means one attempt.
		timeout = time.Nanosecond
	}
	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("create ledger directory: %w", err)
		}
	}

	// bbolt can fault or panic while reading a damaged file, before Open
	// returns the handle that would let us close it; keeping the file lets
	// us release its descriptor and lock in that case.
	var file *os.File
	bopts := &bolt.Options{
		Timeout:         timeout,
		ReadOnly:        opts.ReadOnly,
		NoFreelistSync:  false,
		FreelistType:    bolt.FreelistArrayType,
		InitialMmapSize: initialMmapSize(),
		OpenFile: func(name string, flag int, perm os.FileMode) (*os.File, error) {
			f, err := os.OpenFile(name, flag, perm)
			file = f
			return f, err
		},
	}
	b := &Bolt{path: path, readOnly: opts.ReadOnly}
	err := b.guard(func() error {
		var err error
		b.db, err = bolt.Open(path, 0o644, bopts)
		return err
	})
	if err != nil {
		if b.db == nil && file != nil {
			// Usually closed by bbolt already; after a panic it is not.
			_ = file.Close()
		}
		switch {
		case errors.Is(err, bolterrors.ErrTimeout):
			waited := ""
			if opts.LockTimeout >= 0 {
				waited = fmt.Sprintf(" (waited %s)", timeout)
			}
			return nil, fmt.Errorf("ledger %s is in use by another feedpub process%s: %w", path, waited, ErrLocked)
		case errors.Is(err, ErrCorrupt):
			return nil, err
		case errors.Is(err, bolterrors.ErrInvalid),
			errors.Is(err, bolterrors.ErrVersionMismatch),
			errors.Is(err, bolterrors.ErrChecksum),
			errors.Is(err, bolterrors.ErrInvalidMapping):
			return nil, b.corrupt(err)
		}
		// bbolt reports other damage with plain errors ("file size too
		// small"); trouble with the file system comes as an OS error.
		var pathErr *fs.PathError
		var errno syscall.Errno
		if !errors.As(err, &pathErr) && !errors.As(err, &errno) {
			return nil, b.corrupt(err)
		}
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	b.db.AllocSize = allocSize
	if err := b.prepare(file); err != nil {
		_ = b.db.Close()
		return nil, err
	}
	return b, nil
}

// prepare checks that the open file is a ledger this package can read, and
// lays out a new one. It writes only to a file that has no buckets yet, so
// opening an existing ledger never modifies it.
func (b *Bolt) prepare(file *os.File) error {
	var fresh bool
	err := b.guard(func() error {
		return b.db.View(func(tx *bolt.Tx) error {
			if err := b.checkSize(tx, file); err != nil {
				return err
			}
			meta := tx.Bucket(metaBucket)
			if meta == nil {
				if name, _ := tx.Cursor().First(); name != nil {
					return b.corrupt(fmt.Errorf("not a feedpub ledger: it has bucket %q but no %q bucket", name, metaBucket))
				}
				fresh = true
				return nil
			}
			v := meta.Get(schemaKey)
			switch {
			case len(v) != 1 || v[0] == 0:
				return b.corrupt(fmt.Errorf("schema version %x is malformed", v))
			case v[0] > schemaVersion:
				return fmt.Errorf("ledger %s has schema version %d, this feedpub reads up to %d; upgrade feedpub: %w", b.path, v[0], schemaVersion, ErrVersion)
			}
			if tx.Bucket(itemsBucket) == nil {
				return b.corrupt(fmt.Errorf("bucket %q is missing", itemsBucket))
			}
			return nil
		})
	})
	if err != nil || !fresh || b.readOnly {
		return err
	}
	return b.guard(func() error {
		return b.db.Update(func(tx *bolt.Tx) error {
			meta, err := tx.CreateBucketIfNotExists(metaBucket)
			if err != nil {
				return fmt.Errorf("create ledger %s: %w", b.path, err)
			}
			if err := meta.Put(schemaKey, []byte{schemaVersion}); err != nil {
				return fmt.Errorf("create ledger %s: %w", b.path, err)
			}
			if _, err := tx.CreateBucketIfNotExists(itemsBucket); err != nil {
				return fmt.Errorf("create ledger %s: %w", b.path, err)
			}
			return nil
		})
	})
}

// checkSize reports a file shorter than the pages its meta page claims: a
// truncated copy. bbolt would fault on the first read past the end.
func (b *Bolt) checkSize(tx *bolt.Tx, file *os.File) error {
	var (
		fi  os.FileInfo
		err error
	)
	if file != nil {
		fi, err = file.Stat()
	} else {
		fi, err = os.Stat(b.path)
	}
	if err != nil {
		return fmt.Errorf("stat ledger %s: %w", b.path, err)
	}
	if fi.Size() < tx.Size() {
		return b.corrupt(fmt.Errorf("file is %d bytes but its pages take %d: it was truncated", fi.Size(), tx.Size()))
	}
	return nil
}

// Observe implements Ledger. It reads every entry in one read transaction
// and, only when some are new or changed, writes those in one write
// transaction, so either all of them are recorded or none. ctx is checked
// every few thousand entries; cancelling it aborts without writing.
func (b *Bolt) Observe(ctx context.Context, now time.Time, entries []Entry) ([]Record, error) {
	now, uniq, index, err := prepareObserve(ctx, now, entries)
	if err != nil {
		return nil, err
	}

	// Visiting ids in key order turns lookups into one forward pass over the
	// bucket's pages, and leaves pending in the order writes want.
	order := make([]int, len(uniq))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return strings.Compare(uniq[i].ID, uniq[j].ID) })

	recs := make([]Record, len(uniq))
	var pending []int
	// viewed is the id of the last transaction written when the read
	// began.
	viewed := 0
	// A build observes every item in batches: what one batch mapped of
	// the file, the next rarely needs.
	defer b.dropMapped()
	err = b.view(func(items *bolt.Bucket) error {
		if items != nil {
			viewed = items.Tx().ID()
		}
		s := b.newScan(items)
		for n, i := range order {
			if n%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			e := uniq[i]
			prev, found, err := s.get(e.ID)
			if err != nil {
				return err
			}
			var write bool
			if recs[i], write = observe(prev, found, e, now); write {
				pending = append(pending, i)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("observe: %w", err)
	}
	if len(pending) == 0 {
		return expand(recs, index), nil
	}
	if b.readOnly {
		return nil, fmt.Errorf("observe: ledger %s: %d items are new or changed: %w", b.path, len(pending), ErrReadOnly)
	}

	if b.gap != nil {
		b.gap()
	}
	err = b.update(func(items *bolt.Bucket) error {
		// A write transaction takes the id after the last one written:
		// when no other was written since the read, what the read found
		// stands, and the ids need not be looked up again.
		fresh := viewed != 0 && items.Tx().ID() == viewed+1
		// bbolt keeps the value slices until commit, so every value gets
		// its own part of one buffer sized up front.
		size := 0
		for _, i := range pending {
			size += recordHeader + len(uniq[i].Hash)
		}
		buf := make([]byte, 0, size)
		for n, i := range pending {
			if n%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			e := uniq[i]
			if !fresh {
				// Read again: another goroutine may have written this
				// id between the two transactions.
				prev, found, err := b.get(items, e.ID)
				if err != nil {
					return err
				}
				var write bool
				if recs[i], write = observe(prev, found, e, now); !write {
					continue
				}
			}
			rec := recs[i]
			start := len(buf)
			buf = encodeRecord(buf, rec)
			if err := items.Put([]byte(e.ID), buf[start:len(buf):len(buf)]); err != nil {
				return fmt.Errorf("put %q: %w", e.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("observe: %w", err)
	}
	return expand(recs, index), nil
}

// Export implements Ledger. It reads records in batches of a separate read
// transaction each, and calls fn between them: the export is consistent
// within a batch, and a record written during the export may or may not
// appear. Run it while no build is running (or open the ledger ReadOnly,
// which keeps builds out) for an exact copy.
func (b *Bolt) Export(ctx context.Context, fn func(Record) error) error {
	var after []byte
	batch := make([]Record, 0, exportBatch)
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		batch = batch[:0]
		err := b.view(func(items *bolt.Bucket) error {
			if items == nil {
				return nil
			}
			c := items.Cursor()
			var k, v []byte
			if after == nil {
				k, v = c.First()
			} else if k, v = c.Seek(after); bytes.Equal(k, after) {
				k, v = c.Next()
			}
			for ; k != nil && len(batch) < exportBatch; k, v = c.Next() {
				rec, err := decodeRecord(string(k), v)
				if err != nil {
					return b.corrupt(err)
				}
				batch = append(batch, rec)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		// An export reads the whole file, once.
		b.dropMapped()
		for _, r := range batch {
			if err := fn(r); err != nil {
				return fmt.Errorf("export %q: %w", r.ID, err)
			}
		}
		if len(batch) < exportBatch {
			return nil
		}
		after = []byte(batch[len(batch)-1].ID)
	}
}

// Import implements Ledger. Like Observe, it writes nothing when the
// records add nothing, and otherwise writes in one transaction.
func (b *Bolt) Import(ctx context.Context, recs []Record) error {
	in, err := foldImport(ctx, recs)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	var pending []Record
	err = b.view(func(items *bolt.Bucket) error {
		s := b.newScan(items)
		for i, r := range in {
			if i%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			prev, found, err := s.get(r.ID)
			if err != nil {
				return err
			}
			if _, changed := merge(prev, found, r); changed {
				pending = append(pending, r)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if len(pending) == 0 {
		return nil
	}
	if b.readOnly {
		return fmt.Errorf("import: ledger %s: %d records would change: %w", b.path, len(pending), ErrReadOnly)
	}
	err = b.update(func(items *bolt.Bucket) error {
		for i, r := range pending {
			if i%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			prev, found, err := b.get(items, r.ID)
			if err != nil {
				return err
			}
			out, changed := merge(prev, found, r)
			if !changed {
				continue
			}
			if err := items.Put([]byte(r.ID), encodeRecord(nil, out)); err != nil {
				return fmt.Errorf("put %q: %w", r.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	return nil
}

// Empty reports whether the ledger holds no record: a new file, or one
// whose records were never written.
func (b *Bolt) Empty() (bool, error) {
	empty := true
	err := b.view(func(items *bolt.Bucket) error {
		if items != nil {
			k, _ := items.Cursor().First()
			empty = k == nil
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("ledger %s: %w", b.path, err)
	}
	return empty, nil
}

// Salvage returns every record of a possibly damaged ledger that can be
// read, sorted by id, and how many stored records it had to leave out
// because they do not decode. Reading stops at the first damage bbolt
// itself cannot get past; what was read until then is returned with an
// error wrapping ErrCorrupt.
func (b *Bolt) Salvage() (recs []Record, skipped int, err error) {
	err = b.view(func(items *bolt.Bucket) error {
		if items == nil {
			return nil
		}
		c := items.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			rec, err := decodeRecord(string(k), v)
			if err != nil {
				skipped++
				continue
			}
			recs = append(recs, rec)
		}
		return nil
	})
	if err != nil {
		return recs, skipped, fmt.Errorf("salvage: %w", err)
	}
	return recs, skipped, nil
}

// Check reads every record and returns an error wrapping ErrCorrupt that
// names the first one that does not decode, or the damage bbolt hit on the
// way there. It lets an operator or a backup job confirm that a ledger file
// is whole before trusting it; Observe only reads the records a build asks
// for.
func (b *Bolt) Check() error {
	err := b.view(func(items *bolt.Bucket) error {
		if items == nil {
			return nil
		}
		if err := b.checkSize(items.Tx(), nil); err != nil {
			return err
		}
		c := items.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if _, err := decodeRecord(string(k), v); err != nil {
				return b.corrupt(err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	return nil
}

// Close implements Ledger. It waits for running transactions, then releases
// the file lock.
func (b *Bolt) Close() error {
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("close ledger %s: %w", b.path, err)
	}
	return nil
}

// view runs fn in a read transaction with the items bucket, which is nil
// only in a new file opened read-only.
func (b *Bolt) view(fn func(items *bolt.Bucket) error) error {
	return b.guard(func() error {
		return b.db.View(func(tx *bolt.Tx) error {
			return fn(tx.Bucket(itemsBucket))
		})
	})
}

// update runs fn in a write transaction with the items bucket, committing
// when fn returns nil and rolling back otherwise.
func (b *Bolt) update(fn func(items *bolt.Bucket) error) error {
	return b.guard(func() error {
		return b.db.Update(func(tx *bolt.Tx) error {
			items := tx.Bucket(itemsBucket)
			if items == nil {
				return b.corrupt(fmt.Errorf("bucket %q is missing", itemsBucket))
			}
			items.FillPercent = fillPercent
			return fn(items)
		})
	})
}

// fillPercent is how full bbolt packs a page before it splits one. Its
// default, half, suits keys written in random order; a build writes ids
// in key order, mostly after the ones it wrote before (files are walked in
// path order), so fuller pages give a smaller file that a build's lookups
// touch fewer pages of.
const fillPercent = 0.9

// guard runs fn, turning a panic or memory fault inside bbolt into an error
// wrapping ErrCorrupt. bbolt reads the file through a memory map and trusts
// its page headers, so a damaged file can fault (SIGBUS past a truncated
// end) or trip one of its consistency panics instead of returning an error.
// The managed transactions bbolt runs fn in roll back as the panic unwinds.
func (b *Bolt) guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = b.corrupt(fmt.Errorf("reading the file failed: %v", r))
		}
	}()
	err = fn()
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("ledger %s: %w", b.path, ErrClosed)
	}
	return err
}

// get returns the stored record of id, if any, by a search from the root;
// writes use it because a Put moves the cursors a scan relies on. items may
// be nil (a new file opened read-only), which holds nothing.
func (b *Bolt) get(items *bolt.Bucket, id string) (Record, bool, error) {
	if items == nil {
		return Record{}, false, nil
	}
	v := items.Get([]byte(id))
	if v == nil {
		return Record{}, false, nil
	}
	rec, err := decodeRecord(id, v)
	if err != nil {
		return Record{}, false, b.corrupt(err)
	}
	return rec, true, nil
}

// scan looks up ids given in ascending order. A build looks up most of the
// ledger, so instead of searching from the root for every id it steps the
// cursor forward while the next key is close, and seeks only past gaps.
type scan struct {
	b       *Bolt
	c       *bolt.Cursor
	k, v    []byte
	started bool
}

// scanSteps is how many keys scan steps over before it seeks instead.
const scanSteps = 8

func (b *Bolt) newScan(items *bolt.Bucket) *scan {
	s := &scan{b: b}
	if items != nil {
		s.c = items.Cursor()
	}
	return s
}

// get returns the stored record of id, which must not sort before the id
// of the previous call.
func (s *scan) get(id string) (Record, bool, error) {
	if s.c == nil {
		return Record{}, false, nil
	}
	if !s.started {
		s.k, s.v = s.c.Seek([]byte(id))
		s.started = true
	}
	for n := 0; s.k != nil && string(s.k) < id; n++ {
		if n == scanSteps {
			s.k, s.v = s.c.Seek([]byte(id))
			break
		}
		s.k, s.v = s.c.Next()
	}
	if s.k == nil || string(s.k) != id {
		return Record{}, false, nil
	}
	rec, err := decodeRecord(id, s.v)
	if err != nil {
		return Record{}, false, s.b.corrupt(err)
	}
	return rec, true, nil
}

// corrupt wraps detail as ErrCorrupt for this file, with the way out.
// The command that repairs it is named without its -config flag, which
// only the caller knows; feedpub's commands add the full command line.
func (b *Bolt) corrupt(detail error) error {
	return fmt.Errorf("ledger %s: %w: %w; \"feedpub ledger recover\" moves it aside and rebuilds it from what is readable, its backup export and the published feeds",
		b.path, ErrCorrupt, detail)
}

// encodeRecord appends the stored form of r to dst.
func encodeRecord(dst []byte, r Record) []byte {
	dst = append(dst, recordVersion)
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.FirstSeen.UnixNano()))
	dst = binary.BigEndian.AppendUint64(dst, uint64(r.Changed.UnixNano()))
	return append(dst, r.Hash...)
}

// decodeRecord parses the stored form of id's record. Its errors name id;
// callers wrap them as ErrCorrupt. Only whole seconds are ever stored, so
// anything else is damage too.
func decodeRecord(id string, v []byte) (Record, error) {
	switch {
	case len(v) < recordHeader:
		return Record{}, fmt.Errorf("item %q: record is %d bytes, shorter than its %d-byte header", id, len(v), recordHeader)
	case v[0] != recordVersion:
		return Record{}, fmt.Errorf("item %q: unknown record version %d", id, v[0])
	}
	first := int64(binary.BigEndian.Uint64(v[1:9]))
	changed := int64(binary.BigEndian.Uint64(v[9:17]))
	if first%int64(time.Second) != 0 || changed%int64(time.Second) != 0 {
		return Record{}, fmt.Errorf("item %q: times %d and %d are not whole seconds", id, first, changed)
	}
	return Record{
		ID:        id,
		FirstSeen: time.Unix(0, first).UTC(),
		Hash:      string(v[recordHeader:]),
		Changed:   time.Unix(0, changed).UTC(),
	}, nil
}
