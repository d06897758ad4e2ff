package source

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// TestListDirAsksForUnknownTypes checks the branch that file systems which
// leave the type out of a folder's entries take (some XFS, network file
// systems): the type is asked for, a folder is still a folder, and an
// entry gone since is left out. The entries are made up as getdents
// would return them, for a real folder.
func TestListDirAsksForUnknownTypes(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{"b.txt": "x", "sub/c.txt": "x"})
	if err := os.Symlink(filepath.Join(root, "sub"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	// record lays out one entry: inode, offset, length, type, name and
	// a NUL, padded to eight bytes.
	record := func(ino uint64, typ byte, name string) []byte {
		n := (19 + len(name) + 1 + 7) &^ 7
		b := make([]byte, n)
		binary.NativeEndian.PutUint64(b[0:], ino)
		binary.NativeEndian.PutUint16(b[16:], uint16(n))
		b[18] = typ
		copy(b[19:], name)
		return b
	}
	var buf []byte
	for _, e := range []struct {
		ino  uint64
		typ  byte
		name string
	}{
		{1, unix.DT_DIR, "."}, {2, unix.DT_DIR, ".."},
		{3, unix.DT_UNKNOWN, "sub"}, {4, unix.DT_UNKNOWN, "b.txt"}, {5, unix.DT_UNKNOWN, "link"},
		{6, unix.DT_UNKNOWN, "gone"}, {0, unix.DT_REG, "deleted"}, {7, unix.DT_REG, "a.txt"},
	} {
		buf = append(buf, record(e.ino, e.typ, e.name)...)
	}
	var l dirList
	if err := l.parse(fd, buf); err != nil {
		t.Fatal(err)
	}
	l.sort()
	var got []string
	for i := range l.len() {
		got = append(got, fmt.Sprintf("%s dir=%v", l.name(i), l.isDir(i)))
	}
	want := []string{"a.txt dir=false", "b.txt dir=false", "link dir=false", "sub dir=true"}
	if !slices.Equal(got, want) {
		t.Errorf("entries = %q, want %q", got, want)
	}
	// A record that claims more than the buffer holds is an error, not
	// a read past its end.
	bad := record(8, unix.DT_REG, "x.txt")
	binary.NativeEndian.PutUint16(bad[16:], uint16(len(bad)+8))
	if err := (&dirList{}).parse(fd, bad); err == nil {
		t.Error("a record longer than the buffer was accepted")
	}
}
