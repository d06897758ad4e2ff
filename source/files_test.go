package source

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGlobMatchAsPathMatch checks the suffix shortcut for globs such as
// "*.txt" against path.Match itself.
func TestGlobMatchAsPathMatch(t *testing.T) {
	t.Parallel()
	globs := []string{"*.txt", "*", "*.md", "*txt", "a*.txt", "*.[tm]xt", "*.t?t", `*\*`, "*.TXT", "*.txt.bak", "index.txt"}
	names := []string{"a.txt", ".txt", "txt", "a.txt.bak", "a.TXT", "a.md", "b.tmt", "*", "a*", "caf\xe9.txt", "\xff.txt", "a b.txt", "a.tx", ""}
	for _, g := range globs {
		m := globMatch(g)
		for _, n := range names {
			want, _ := path.Match(g, n)
			if got := m(n); got != want {
				t.Errorf("globMatch(%q)(%q) = %v, path.Match says %v", g, n, got, want)
			}
		}
	}
}

// TestWalkTreeListsAsReadDir checks the walk's own folder reading against
// a walk made of os.ReadDir: the same files in the same order, with their
// folders, dot names and symbolic links to folders left as they should be,
// and more entries than one read of a folder returns.
func TestWalkTreeListsAsReadDir(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	files := map[string]string{
		".hidden.txt": "x", ".git/config.txt": "x", "b.txt": "x", "a.txt": "x", "B.txt": "x",
		"sub/z.txt": "x", "sub/deeper/y.txt": "x", "sub/deeper/skip.md": "x", "caf\u00e9.txt": "x",
		"a-b.txt": "x", "a.b.txt": "x", "empty/.keep": "",
	}
	// Long names, so that one folder needs several reads.
	for i := range 600 {
		files["many/"+strings.Repeat("n", 60)+string(rune('a'+i%26))+string(rune('a'+i/26))+".txt"] = "x"
	}
	writeTree(t, root, files)
	if err := os.Symlink(filepath.Join(root, "sub"), filepath.Join(root, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "sub"), filepath.Join(root, "linkdir")); err != nil {
		t.Fatal(err)
	}
	var got []string
	err := walkTree(t.Context(), root, slog.New(slog.DiscardHandler), "wire", globMatch("*.txt"), func(dir, relDir string, name []byte) {
		if want := filepath.Join(root, filepath.FromSlash(relDir)); dir != want {
			t.Errorf("%s/%s: folder %q, want %q", relDir, name, dir, want)
		}
		got = append(got, path.Join(relDir, string(bytes.Clone(name))))
	})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	var walk func(abs, rel string)
	walk = func(abs, rel string) {
		entries, err := os.ReadDir(abs)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			switch name := e.Name(); {
			case strings.HasPrefix(name, "."):
			case e.IsDir():
				walk(filepath.Join(abs, name), path.Join(rel, name))
			case strings.HasSuffix(name, ".txt"):
				want = append(want, path.Join(rel, name))
			}
		}
	}
	walk(root, "")
	if !slices.Equal(got, want) {
		t.Errorf("walk listed %d files:\n%q\nos.ReadDir lists %d:\n%q", len(got), got, len(want), want)
	}
	if !slices.Contains(got, "link.txt") || slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "linkdir/") }) {
		t.Errorf("a link to a folder is listed as a file, and not entered: %q", got)
	}
	// A root that is not there fails, naming it.
	err = walkTree(t.Context(), filepath.Join(root, "gone"), slog.New(slog.DiscardHandler), "wire", globMatch("*"), func(string, string, []byte) {})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "gone") {
		t.Errorf("walk of a missing folder: %v", err)
	}
}
