package source

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"io/fs"
	"slices"

	"golang.org/x/sys/unix"
)

// dirList is what listDir read of a folder: its entries' names, one after
// the other in one buffer, sorted. A walk over a large archive reads every
// folder at every build; os.ReadDir would make two objects an entry and
// sort them through an interface, most of the cost of a build that finds
// nothing changed.
type dirList struct {
	names []byte
	ents  []dirEnt
}

type dirEnt struct {
	// key is the name's first eight bytes, big-endian, zero-padded: it
	// orders most pairs of names without reading them.
	key      uint64
	off, end uint32
	dir      bool
}

func (l *dirList) len() int { return len(l.ents) }

// name returns the name of entry i, valid until l is read into again.
func (l *dirList) name(i int) []byte { return l.names[l.ents[i].off:l.ents[i].end] }

// isDir reports whether entry i is a folder; a symbolic link is not one.
func (l *dirList) isDir(i int) bool { return l.ents[i].dir }

// dirBufSize is how much one getdents call may fill.
const dirBufSize = 32 << 10

// listDir reads the folder at path into l, sorted by name, as os.ReadDir
// would list it: "." and "..", and entries gone before their type could
// be learned, are left out. On an error it keeps what it read before.
func listDir(path string, l *dirList, buf *[]byte) error {
	l.names, l.ents = l.names[:0], l.ents[:0]
	var fd int
	var err error
	for {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	if len(*buf) < dirBufSize {
		*buf = make([]byte, dirBufSize)
	}
	for {
		n, err := unix.Getdents(fd, *buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			l.sort()
			return &fs.PathError{Op: "readdirent", Path: path, Err: err}
		}
		if n <= 0 {
			break
		}
		if err := l.parse(fd, (*buf)[:n]); err != nil {
			l.sort()
			return &fs.PathError{Op: "lstat", Path: path, Err: err}
		}
	}
	l.sort()
	return nil
}

// parse adds the entries of one getdents result: records of a 64-bit
// inode, a 64-bit offset, a 16-bit length, a type byte and the name,
// ended by a NUL.
func (l *dirList) parse(fd int, b []byte) error {
	const nameAt = 19
	for len(b) >= nameAt {
		reclen := int(binary.NativeEndian.Uint16(b[16:18]))
		if reclen < nameAt || reclen > len(b) {
			return unix.EIO
		}
		rec := b[:reclen]
		b = b[reclen:]
		ino := binary.NativeEndian.Uint64(rec[0:8])
		typ := rec[18]
		name := rec[nameAt:]
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		if ino == 0 || len(name) == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		if typ == unix.DT_UNKNOWN {
			// Some file systems leave the type out: ask for it, as
			// os.ReadDir does.
			var st unix.Stat_t
			err := unix.Fstatat(fd, string(name), &st, unix.AT_SYMLINK_NOFOLLOW)
			if err == unix.ENOENT {
				continue
			}
			if err != nil {
				return err
			}
			if st.Mode&unix.S_IFMT == unix.S_IFDIR {
				typ = unix.DT_DIR
			}
		}
		var key [8]byte
		copy(key[:], name)
		off := uint32(len(l.names))
		l.names = append(l.names, name...)
		l.ents = append(l.ents, dirEnt{key: binary.BigEndian.Uint64(key[:]), off: off, end: uint32(len(l.names)), dir: typ == unix.DT_DIR})
	}
	return nil
}

func (l *dirList) sort() {
	slices.SortFunc(l.ents, func(a, b dirEnt) int {
		// Names hold no NUL, so zero padding sorts a short name first,
		// as bytes.Compare does.
		if a.key != b.key {
			return cmp.Compare(a.key, b.key)
		}
		return bytes.Compare(l.names[a.off:a.end], l.names[b.off:b.end])
	})
}
