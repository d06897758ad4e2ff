// Package keyset holds sets and maps keyed by strings that a build meets
// once per item (ids, canonical links, headline keys) and must remember
// to the end: it keeps a 128-bit hash of each string instead of the
// string, so that such a set costs a few words per item whatever the
// length of the strings, and never keeps alive the text they were cut
// from.
//
// Two strings share a key only if both 64-bit halves of their hashes
// collide, each with its own random seed (one bit of the second half is
// set aside to mark empty slots): about one chance in 2^127 for a given
// pair, far below any failure a build could otherwise meet.
package keyset

import (
	"hash/maphash"
	"iter"
	"runtime"
)

// key is the 128-bit hash of a string; the zero key marks an empty slot.
type key [2]uint64

// Map maps strings to values of type V.
//
// It is a flat open-addressing table with linear probing, filled to at
// most three quarters: about 1.8 slots a key on average, of 16 bytes
// plus the value's size each, where Go's map needs half as much again
// for a key of this size. Sets of every item of an archive live for a
// whole build, so their size decides how a build's memory grows with the
// archive.
type Map[V any] struct {
	seeds [2]maphash.Seed
	// first, when set, makes the first half of every key (NewHashedMap).
	first func(string) uint64
	keys  []key
	vals  []V
	n     int
	// mem holds keys and vals when they are outside Go's heap (table.go).
	mem *region
}

// NewMap returns an empty Map.
func NewMap[V any]() *Map[V] {
	return &Map[V]{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
}

// NewHashedMap returns an empty Map whose keys start with first(s), a
// 64-bit hash the caller chose, which Hashes gives back: a table that is
// also written out by that hash is then kept once. The second half is
// still seeded at random, so two strings share a key only if first
// collides and so does a random 63-bit hash.
func NewHashedMap[V any](first func(string) uint64) *Map[V] {
	m := NewMap[V]()
	m.first = first
	return m
}

func (m *Map[V]) key(s string) key {
	// The low bit of the second half is always set, so that no string's
	// key is the zero key of an empty slot.
	k := key{0, maphash.String(m.seeds[1], s) | 1}
	if m.first != nil {
		k[0] = m.first(s)
	} else {
		k[0] = maphash.String(m.seeds[0], s)
	}
	return k
}

// Hashes yields the first half of the key of every string stored, with
// its value, in no particular order. Of a Map made by NewHashedMap, that
// is the hash its first function gave.
func (m *Map[V]) Hashes() iter.Seq2[uint64, V] {
	return func(yield func(uint64, V) bool) {
		for i, k := range m.keys {
			if k != (key{}) && !yield(k[0], m.vals[i]) {
				return
			}
		}
	}
}

// slot returns the slot of k: where it is, or the empty slot where it
// belongs, and whether it is there. The table must not be empty.
func (m *Map[V]) slot(k key) (int, bool) {
	mask := len(m.keys) - 1
	for i := int(k[0] & uint64(mask)); ; i = (i + 1) & mask {
		switch m.keys[i] {
		case k:
			return i, true
		case key{}:
			return i, false
		}
	}
}

// Get returns the value stored for s and whether there is one.
func (m *Map[V]) Get(s string) (V, bool) {
	if m.n == 0 {
		var zero V
		return zero, false
	}
	i, ok := m.slot(m.key(s))
	return m.vals[i], ok
}

// Put stores v for s.
func (m *Map[V]) Put(s string, v V) { m.put(m.key(s), v) }

// put stores v for k and reports whether k was new.
func (m *Map[V]) put(k key, v V) bool {
	if 4*(m.n+1) > 3*len(m.keys) {
		m.grow()
	}
	i, ok := m.slot(k)
	if !ok {
		m.keys[i] = k
		m.n++
	}
	m.vals[i] = v
	return !ok
}

// grow doubles the table, or makes its first one.
func (m *Map[V]) grow() {
	keys, vals, mem := m.keys, m.vals, m.mem
	size := max(16, 2*len(keys))
	m.keys, m.vals, m.mem = newTable[V](size)
	if m.mem != nil {
		// Freed when the map is, unless a later grow frees it first.
		runtime.AddCleanup(m, (*region).free, m.mem)
	}
	for i, k := range keys {
		if k != (key{}) {
			j, _ := m.slot(k)
			m.keys[j], m.vals[j] = k, vals[i]
		}
	}
	// Nothing refers to the old table now: Map hands out values, never
	// its slices.
	mem.free()
}

// Free empties m and gives back its memory at once, rather than when the
// collector finds m unreachable: a large table of plain values is mapped
// outside the heap, where it does not hasten a collection.
func (m *Map[V]) Free() {
	mem := m.mem
	m.keys, m.vals, m.mem, m.n = nil, nil, nil, 0
	mem.free()
}

// Len is the number of strings stored.
func (m *Map[V]) Len() int { return m.n }

// Set is a set of strings.
type Set struct{ m *Map[struct{}] }

// NewSet returns an empty Set.
func NewSet() Set { return Set{NewMap[struct{}]()} }

// Has reports whether s is in the set.
func (s Set) Has(str string) bool {
	_, ok := s.m.Get(str)
	return ok
}

// Add adds str and reports whether it was new.
func (s Set) Add(str string) bool { return s.m.put(s.m.key(str), struct{}{}) }

// Len is the number of strings in the set.
func (s Set) Len() int { return s.m.Len() }
