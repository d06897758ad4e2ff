//go:build unix

package ledger

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestGuard checks the last line of defence against damaged files: a panic
// or a memory fault while reading becomes ErrCorrupt naming the file.
func TestGuard(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(t *testing.T) func() error
	}{
		{"panic", func(*testing.T) func() error {
			return func() error { panic("invalid page type") }
		}},
		{"read past the end of a mapped file", func(t *testing.T) func() error {
			// Reading a mapped page that the file no longer has raises
			// SIGBUS, as bbolt would on a file truncated under it.
			path := filepath.Join(t.TempDir(), "mapped")
			if err := os.WriteFile(path, make([]byte, os.Getpagesize()), 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			data, err := syscall.Mmap(int(f.Fd()), 0, os.Getpagesize(), syscall.PROT_READ, syscall.MAP_SHARED)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = syscall.Munmap(data) })
			if err := os.Truncate(path, 0); err != nil {
				t.Fatal(err)
			}
			return func() error {
				if data[100] == 42 {
					return errors.New("unreachable")
				}
				return nil
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &Bolt{path: "/srv/feedpub/ledger.db"}
			err := b.guard(tt.fn(t))
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), b.path) {
				t.Fatalf("got %v, want ErrCorrupt naming %s", err, b.path)
			}
		})
	}
}
