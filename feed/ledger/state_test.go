package ledger

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "l.db")
	b, err := OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]Ledger{"bolt": b, "memory": NewMemory()} {
		if v, err := st.GetState(ctx, "missing"); err != nil || v != nil {
			t.Errorf("%s: missing key = %q, %v", name, v, err)
		}
		if err := st.PutState(ctx, "src/a", []byte("one")); err != nil {
			t.Fatal(err)
		}
		if v, _ := st.GetState(ctx, "src/a"); string(v) != "one" {
			t.Errorf("%s: got %q", name, v)
		}
		if err := st.PutState(ctx, "", []byte("x")); err == nil {
			t.Errorf("%s: empty key accepted", name)
		}
	}
	// Putting the same bytes again leaves the file as it was.
	before, _ := os.ReadFile(path)
	if err := b.PutState(ctx, "src/a", []byte("one")); err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("an unchanged PutState wrote the file")
	}
	b.Close()
	b, err = OpenBolt(path, BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if v, _ := b.GetState(ctx, "src/a"); string(v) != "one" {
		t.Errorf("state lost on reopen: %q", v)
	}
	if err := b.Check(); err != nil {
		t.Errorf("Check after state writes: %v", err)
	}
}
