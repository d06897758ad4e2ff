//go:build !linux

package source

import "os"

// dirList is what listDir read of a folder, sorted by name.
type dirList struct{ ents []os.DirEntry }

func (l *dirList) len() int { return len(l.ents) }

// name returns the name of entry i.
func (l *dirList) name(i int) []byte { return []byte(l.ents[i].Name()) }

// isDir reports whether entry i is a folder; a symbolic link is not one.
func (l *dirList) isDir(i int) bool { return l.ents[i].IsDir() }

// listDir reads the folder at path into l, sorted by name. On an error it
// keeps what it read before.
func listDir(path string, l *dirList, _ *[]byte) error {
	var err error
	l.ents, err = os.ReadDir(path)
	return err
}
