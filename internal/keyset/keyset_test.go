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

// TestMapGrows stores many values through the table's doublings and
// finds each again, with the value stored last.
func TestMapGrows(t *testing.T) {
	t.Parallel()
	m := NewMap[uint32]()
	const n = 50000
	for i := range uint32(n) {
		m.Put(fmt.Sprint("id/", i), i)
		if i%3 == 0 {
			m.Put(fmt.Sprint("id/", i), i+1) // replaced, not added
		}
	}
	if m.Len() != n {
		t.Fatalf("Len = %d, want %d", m.Len(), n)
	}
	for i := range uint32(n) {
		want := i
		if i%3 == 0 {
			want = i + 1
		}
		if v, ok := m.Get(fmt.Sprint("id/", i)); !ok || v != want {
			t.Fatalf("Get(id/%d) = %d, %v; want %d", i, v, ok, want)
		}
		if _, ok := m.Get(fmt.Sprint("other/", i)); ok {
			t.Fatalf("Get(other/%d) found a value never stored", i)
		}
	}
	// Three quarters full at most: no table more than twice what that
	// needs.
	if len(m.keys) > 2*(4*n/3+1) {
		t.Errorf("%d slots for %d keys", len(m.keys), n)
	}
}

func TestEmptyMap(t *testing.T) {
	t.Parallel()
	m := NewMap[string]()
	if v, ok := m.Get(""); ok || v != "" {
		t.Errorf("Get on an empty map = %q, %v", v, ok)
	}
	if s := NewSet(); s.Has("x") || s.Len() != 0 {
		t.Error("an empty set has something")
	}
}
