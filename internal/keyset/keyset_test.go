package keyset

import (
	"fmt"
	"hash/fnv"
	"reflect"
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

func TestLargeTablesOfPlainValuesLeaveTheHeap(t *testing.T) {
	t.Parallel()
	plain := NewHashedMap[uint32](fnv64)
	withPointers := NewMap[string]()
	const n = 200000
	for i := range n {
		id := fmt.Sprint("tag:example.com,2026:item/", i)
		plain.Put(id, uint32(i))
		if i%7 == 0 {
			withPointers.Put(id, id)
		}
	}
	if plain.mem == nil && mapAnon(1) != nil {
		t.Error("a table of 2^19 uint32 values is on the heap")
	}
	if withPointers.mem != nil {
		t.Error("a table of strings is outside the heap, where the collector cannot see them")
	}
	// Every value is read back after the grows that moved the table from
	// the heap to mapped memory and from one mapping to the next.
	for i := range n {
		id := fmt.Sprint("tag:example.com,2026:item/", i)
		if v, ok := plain.Get(id); !ok || v != uint32(i) {
			t.Fatalf("Get(%q) = %d, %v; want %d", id, v, ok, i)
		}
		if i%7 == 0 {
			if v, ok := withPointers.Get(id); !ok || v != id {
				t.Fatalf("withPointers.Get(%q) = %q, %v", id, v, ok)
			}
		}
	}
	// Hashes gives the caller's first hash with every value, once.
	seen := make(map[uint32]bool, n)
	for h, v := range plain.Hashes() {
		id := fmt.Sprint("tag:example.com,2026:item/", v)
		if want := fnv64(id); h != want {
			t.Fatalf("hash of %q = %#x, want %#x", id, h, want)
		}
		if seen[v] {
			t.Fatalf("value %d yielded twice", v)
		}
		seen[v] = true
	}
	if len(seen) != n {
		t.Errorf("Hashes yielded %d values, want %d", len(seen), n)
	}
	// Free empties the map, which stays usable.
	mem := plain.mem
	plain.Free()
	if mem != nil && mem.mem != nil {
		t.Error("Free left the table's mapping in place")
	}
	if _, ok := plain.Get("tag:example.com,2026:item/1"); ok || plain.Len() != 0 {
		t.Error("a freed map still holds strings")
	}
	plain.Put("again", 1)
	if v, ok := plain.Get("again"); !ok || v != 1 {
		t.Errorf("Get after Free and Put = %d, %v", v, ok)
	}
}

func TestPointerFree(t *testing.T) {
	t.Parallel()
	// Only the fields' types matter here.
	type owner struct{ _, _ string }
	type pos struct {
		_ int32
		_ uint16
		_ bool
	}
	for _, tt := range []struct {
		typ  reflect.Type
		want bool
	}{
		{reflect.TypeFor[uint32](), true},
		{reflect.TypeFor[struct{}](), true},
		{reflect.TypeFor[pos](), true},
		{reflect.TypeFor[[4]uint64](), true},
		{reflect.TypeFor[string](), false},
		{reflect.TypeFor[owner](), false},
		{reflect.TypeFor[*int](), false},
		{reflect.TypeFor[[2]string](), false},
		{reflect.TypeFor[[]byte](), false},
		{reflect.TypeFor[any](), false},
	} {
		if got := pointerFree(tt.typ); got != tt.want {
			t.Errorf("pointerFree(%v) = %v, want %v", tt.typ, got, tt.want)
		}
	}
}

func fnv64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
