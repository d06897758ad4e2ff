package ledger

import (
	"context"
	"fmt"
	"sync"

	bolt "go.etcd.io/bbolt"
)

// stateBucket holds Bolt's state values (Ledger.GetState).
var stateBucket = []byte("state")

// GetState implements Ledger.
func (b *Bolt) GetState(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []byte
	err := b.guard(func() error {
		return b.db.View(func(tx *bolt.Tx) error {
			if bk := tx.Bucket(stateBucket); bk != nil {
				if v := bk.Get([]byte(key)); v != nil {
					out = append([]byte(nil), v...)
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("read state %q: %w", key, err)
	}
	return out, nil
}

// PutState implements Ledger. Storing the bytes already stored writes
// nothing, so an unchanged source leaves the file untouched.
func (b *Bolt) PutState(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("put state: empty key: %w", ErrInvalid)
	}
	if old, err := b.GetState(ctx, key); err == nil && old != nil && string(old) == string(value) {
		return nil
	}
	if b.readOnly {
		return fmt.Errorf("put state %q: ledger %s: %w", key, b.path, ErrReadOnly)
	}
	err := b.guard(func() error {
		return b.db.Update(func(tx *bolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists(stateBucket)
			if err != nil {
				return err
			}
			return bk.Put([]byte(key), value)
		})
	})
	if err != nil {
		return fmt.Errorf("put state %q: %w", key, err)
	}
	return nil
}

// memState holds Memory's state values.
type memState struct {
	mu   sync.Mutex
	vals map[string][]byte
}

// GetState implements Ledger.
func (m *Memory) GetState(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	if v, ok := m.state.vals[key]; ok {
		return append([]byte(nil), v...), nil
	}
	return nil, nil
}

// PutState implements Ledger.
func (m *Memory) PutState(ctx context.Context, key string, value []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if key == "" {
		return fmt.Errorf("put state: empty key: %w", ErrInvalid)
	}
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	if m.state.vals == nil {
		m.state.vals = map[string][]byte{}
	}
	m.state.vals[key] = append([]byte(nil), value...)
	return nil
}
