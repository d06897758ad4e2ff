package publish

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/feedpub/feedpub/feed"
)

// TestTakesInOrder hands batches to takes and checks that they are taken
// whole and in order, that a take's error is returned by what follows it,
// and that no batch is taken after it.
func TestTakesInOrder(t *testing.T) {
	t.Parallel()
	errLedger := errors.New("ledger failed")
	tests := []struct {
		name    string
		failAt  int // the batch whose take fails; -1 for none
		batches int
	}{
		{"all taken", -1, 5},
		{"the first fails", 0, 5},
		{"a later one fails", 2, 5},
		{"none", -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var taken []string
			n := 0
			tk := startTakes(t.Context(), func(_ context.Context, batch []feed.Item) error {
				n++
				if n-1 == tt.failAt {
					return errLedger
				}
				for _, it := range batch {
					taken = append(taken, it.ID)
				}
				return nil
			})
			var want []string
			var sendErr error
			for b := range tt.batches {
				batch := tk.batch()
				for i := range 3 {
					batch = append(batch, feed.Item{ID: strconv.Itoa(b) + "." + strconv.Itoa(i)})
				}
				if tt.failAt < 0 || b < tt.failAt {
					want = append(want, batch[0].ID, batch[1].ID, batch[2].ID)
				}
				if err := tk.send(batch); err != nil {
					sendErr = err
					break
				}
				// A drain after the failing batch reports it at once.
				if b == tt.failAt {
					if err := tk.drain(); !errors.Is(err, errLedger) {
						t.Errorf("drain after the failing batch: %v, want %v", err, errLedger)
					}
				}
			}
			err := tk.stop()
			if tt.failAt >= 0 {
				if !errors.Is(err, errLedger) || !errors.Is(sendErr, errLedger) {
					t.Errorf("stop: %v, send: %v; want %v from both", err, sendErr, errLedger)
				}
			} else if err != nil || sendErr != nil {
				t.Errorf("stop: %v, send: %v; want neither", err, sendErr)
			}
			if !slices.Equal(taken, want) {
				t.Errorf("taken %q, want %q", taken, want)
			}
			if tk.stop() != err {
				t.Error("a second stop gives another error")
			}
		})
	}
}
