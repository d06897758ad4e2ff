package keyset

import (
	"reflect"
	"sync"
	"unsafe"
)

// A set of every id of an archive lives for a whole build. On Go's heap it
// would count twice: once for itself, and once more in the headroom the
// garbage collector leaves above the live heap, which grows with it. So
// large tables whose values hold no pointers are kept outside the heap,
// in memory mapped for them (table_linux.go) and unmapped when the table
// is dropped; elsewhere, and for small tables, they are ordinary slices.

// offHeapMin is the size from which a table is mapped: below it, a
// mapping's page granularity and system calls cost more than they save.
const offHeapMin = 1 << 20

// region is a table's memory outside the heap.
type region struct {
	once sync.Once
	mem  []byte
}

// free unmaps r, once; a nil r is a table on the heap.
func (r *region) free() {
	if r != nil {
		r.once.Do(func() {
			unmap(r.mem)
			r.mem = nil
		})
	}
}

// newTable returns the keys and values of a table of n slots, and its
// region when it is outside the heap.
func newTable[V any](n int) ([]key, []V, *region) {
	var zero V
	vsize := int(unsafe.Sizeof(zero))
	size := n * (int(unsafe.Sizeof(key{})) + vsize)
	if size < offHeapMin || !pointerFree(reflect.TypeFor[V]()) {
		return make([]key, n), make([]V, n), nil
	}
	mem := mapAnon(size)
	if mem == nil {
		return make([]key, n), make([]V, n), nil
	}
	// Mapped memory is page-aligned and zeroed: every slot is empty.
	keys := unsafe.Slice((*key)(unsafe.Pointer(&mem[0])), n)
	var vals []V
	if vsize == 0 {
		vals = make([]V, n)
	} else {
		// Values follow the keys, at a multiple of 16 bytes: aligned
		// for any type.
		vals = unsafe.Slice((*V)(unsafe.Pointer(&mem[n*int(unsafe.Sizeof(key{}))])), n)
	}
	return keys, vals, &region{mem: mem}
}

// pointerFree reports whether values of t hold no pointers, so that the
// garbage collector need not see them.
func pointerFree(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return true
	case reflect.Array:
		return t.Len() == 0 || pointerFree(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if !pointerFree(t.Field(i).Type) {
				return false
			}
		}
		return true
	}
	return false
}
