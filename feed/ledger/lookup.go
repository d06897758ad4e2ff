package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Looker is implemented by ledgers that can return records without
// recording an observation: a build uses it for items whose files did not
// change, which need their dates and nothing written.
type Looker interface {
	// Lookup returns the record of each id and whether there is one.
	Lookup(ctx context.Context, ids []string) ([]Record, []bool, error)
}

var (
	_ Looker = (*Bolt)(nil)
	_ Looker = (*Memory)(nil)
)

// Lookup implements Looker.
func (b *Bolt) Lookup(ctx context.Context, ids []string) ([]Record, []bool, error) {
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return strings.Compare(ids[i], ids[j]) })
	recs := make([]Record, len(ids))
	found := make([]bool, len(ids))
	err := b.view(func(items *bolt.Bucket) error {
		s := b.newScan(items)
		for n, i := range order {
			if n%checkEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			var err error
			if recs[i], found[i], err = s.get(ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("lookup: %w", err)
	}
	return recs, found, nil
}

// Lookup implements Looker.
func (m *Memory) Lookup(ctx context.Context, ids []string) ([]Record, []bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("lookup: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	recs := make([]Record, len(ids))
	found := make([]bool, len(ids))
	for i, id := range ids {
		recs[i], found[i] = m.recs[id]
	}
	return recs, found, nil
}
