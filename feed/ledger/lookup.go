package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Lookup implements Ledger.
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

// Lookup implements Ledger.
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
