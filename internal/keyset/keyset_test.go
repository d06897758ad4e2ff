package keyset

import (
	"fmt"
	"strings"
	"testing"
)

func TestSet(t *testing.T) {
	t.Parallel()
	s := NewSet()
	for i := range 100000 {
		if !s.Add(fmt.Sprint("tag:example.com,2026:item/", i)) {
			t.Fatalf("item %d reported as present before it was added", i)
		}
	}
	for i := range 100000 {
		id := fmt.Sprint("tag:example.com,2026:item/", i)
		if !s.Has(id) || s.Add(id) {
			t.Fatalf("%s lost", id)
		}
		if s.Has(id + "x") {
			t.Fatalf("%sx found but never added", id)
		}
	}
	if s.Len() != 100000 {
		t.Errorf("Len = %d", s.Len())
	}
	// A key of a string does not keep the string: a huge one is gone.
	big := strings.Repeat("x", 1<<20)
	s.Add(big[:10])
	if !s.Has(strings.Repeat("x", 10)) {
		t.Error("a substring's key differs from an equal string's")
	}
}

func TestMap(t *testing.T) {
	t.Parallel()
	m := NewMap[string]()
	m.Put("a", "first")
	m.Put("b", "second")
	m.Put("a", "again")
	if v, ok := m.Get("a"); !ok || v != "again" {
		t.Errorf("Get(a) = %q, %v", v, ok)
	}
	if _, ok := m.Get("c"); ok {
		t.Error("Get(c) found a value never stored")
	}
	if m.Len() != 2 {
		t.Errorf("Len = %d, want 2", m.Len())
	}
}
