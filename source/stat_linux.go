package source

import (
	"io/fs"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// statBatch stats the files of b relative to one descriptor of their
// folder: the kernel then resolves one name per file instead of the whole
// path, which is most of the cost of a build that finds nothing changed.
// Any file it cannot stat that way is stated by path, so errors read as
// os.Stat's.
func statBatch(b *batch) {
	fd, err := unix.Open(b.dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		statEach(b)
		return
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	for i := range b.len() {
		if err := unix.Fstatat(fd, b.name(i), &st, 0); err != nil {
			info, err := statFile(b.dir + string(filepath.Separator) + b.name(i))
			b.setStat(i, info, err)
			continue
		}
		b.infos[i] = fileInfo{size: st.Size, mtime: st.Mtim.Nano(), mode: fileMode(st.Mode)}
	}
}

// fileMode converts a stat mode to an fs.FileMode as os.Stat does.
func fileMode(m uint32) fs.FileMode {
	mode := fs.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFBLK:
		mode |= fs.ModeDevice
	case unix.S_IFCHR:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		mode |= fs.ModeDir
	case unix.S_IFIFO:
		mode |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		mode |= fs.ModeSymlink
	case unix.S_IFSOCK:
		mode |= fs.ModeSocket
	}
	if m&unix.S_ISGID != 0 {
		mode |= fs.ModeSetgid
	}
	if m&unix.S_ISUID != 0 {
		mode |= fs.ModeSetuid
	}
	if m&unix.S_ISVTX != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}
