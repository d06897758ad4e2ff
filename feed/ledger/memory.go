package ledger

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Memory is a Ledger held in memory. Tests use it with a fixed clock to get
// byte-stable output without files, and `feedpub build -dry-run` uses it
// (seeded by Import from the real ledger) so a dry run dates items exactly as
// a real build would while writing nothing. It is safe for concurrent use.
type Memory struct {
	mu     sync.Mutex
	recs   map[string]Record
	closed bool
	state  memState
}

var _ Ledger = (*Memory)(nil)

// NewMemory returns an empty in-memory ledger.
func NewMemory() *Memory {
	return &Memory{recs: make(map[string]Record)}
}

// Observe implements Ledger. It applies all entries or, when ctx is
// cancelled or an entry is invalid, none.
func (m *Memory) Observe(ctx context.Context, now time.Time, entries []Entry) ([]Record, error) {
	now, uniq, index, err := prepareObserve(ctx, now, entries)
	if err != nil {
		return nil, err
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, fmt.Errorf("observe: %w", ErrClosed)
	}
	recs := make([]Record, len(uniq))
	write := make([]bool, len(uniq))
	for i, e := range uniq {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("observe: %w", err)
			}
		}
		prev, found := m.recs[e.ID]
		recs[i], write[i] = observe(prev, found, e, now)
	}
	for i, r := range recs {
		if write[i] {
			m.recs[r.ID] = r
		}
	}
	return expand(recs, index), nil
}

// Export implements Ledger. It calls fn on a snapshot taken when Export
// starts, without holding the lock, so fn may use the ledger.
func (m *Memory) Export(ctx context.Context, fn func(Record) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return fmt.Errorf("export: %w", ErrClosed)
	}
	recs := slices.Collect(maps.Values(m.recs))
	m.mu.Unlock()

	slices.SortFunc(recs, func(a, b Record) int { return strings.Compare(a.ID, b.ID) })
	for i, r := range recs {
		if i%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("export: %w", err)
			}
		}
		if err := fn(r); err != nil {
			return fmt.Errorf("export %q: %w", r.ID, err)
		}
	}
	return nil
}

// Import implements Ledger.
func (m *Memory) Import(ctx context.Context, recs []Record) error {
	in, err := foldImport(ctx, recs)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return fmt.Errorf("import: %w", ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	for _, r := range in {
		prev, found := m.recs[r.ID]
		if out, changed := merge(prev, found, r); changed {
			m.recs[r.ID] = out
		}
	}
	return nil
}

// Close implements Ledger. It drops the records.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.recs = nil
	return nil
}
