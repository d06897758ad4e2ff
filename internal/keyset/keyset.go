// Package keyset holds sets and maps keyed by strings that a build meets
// once per item (ids, canonical links, headline keys) and must remember
// to the end: it keeps a 128-bit hash of each string instead of the
// string, so that such a set costs a few words per item whatever the
// length of the strings, and never keeps alive the text they were cut
// from.
//
// Two strings share a key only if both 64-bit halves of their hashes
// collide, each with its own random seed: about one chance in 2^128 for a
// given pair, far below any failure a build could otherwise meet.
package keyset

import "hash/maphash"

// key is the 128-bit hash of a string.
type key [2]uint64

// Map maps strings to values of type V.
type Map[V any] struct {
	seeds [2]maphash.Seed
	m     map[key]V
}

// NewMap returns an empty Map.
func NewMap[V any]() *Map[V] {
	return &Map[V]{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, m: map[key]V{}}
}

func (m *Map[V]) key(s string) key {
	return key{maphash.String(m.seeds[0], s), maphash.String(m.seeds[1], s)}
}

// Get returns the value stored for s and whether there is one.
func (m *Map[V]) Get(s string) (V, bool) {
	v, ok := m.m[m.key(s)]
	return v, ok
}

// Put stores v for s.
func (m *Map[V]) Put(s string, v V) { m.m[m.key(s)] = v }

// Len is the number of strings stored.
func (m *Map[V]) Len() int { return len(m.m) }

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
func (s Set) Add(str string) bool {
	k := s.m.key(str)
	if _, ok := s.m.m[k]; ok {
		return false
	}
	s.m.m[k] = struct{}{}
	return true
}

// Len is the number of strings in the set.
func (s Set) Len() int { return s.m.Len() }
