package source

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// deltaOf takes a new Scan of tx and asks it for the delta since since.
func deltaOf(t *testing.T, tx *Text, since string) (feed.Delta, bool, string) {
	t.Helper()
	s := scan(t, tx).(feed.DeltaScan)
	d, ok, err := s.Delta(t.Context(), since)
	if err != nil {
		t.Fatal(err)
	}
	return d, ok, s.Token()
}

// streamToken streams a new Scan of tx whole and returns its token.
func streamToken(t *testing.T, tx *Text) string {
	t.Helper()
	s := scan(t, tx).(feed.DeltaScan)
	if err := s.Stream(t.Context(), func(feed.Item) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if s.Token() == "" {
		t.Fatal("a completed Stream with a cache left no token")
	}
	return s.Token()
}

// rewrite writes a file again with a later modification time.
func rewrite(t *testing.T, root, name, body string, at time.Time) {
	t.Helper()
	writeTree(t, root, map[string]string{name: body})
	if err := os.Chtimes(filepath.Join(root, name), at, at); err != nil {
		t.Fatal(err)
	}
}

func TestTextDelta(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"a/1.txt": "First story.\n\n\nShared headline\nOnly in one\n",
		"a/2.txt": "Second story.\n\n\nShared headline\n",
		"b/3.txt": "Third story.\n",
	})
	tx, log := cachedText(t, root)
	later := time.Now().Add(time.Hour)
	tok := streamToken(t, tx)

	// Nothing changed: an empty delta under a new token; the old token
	// then names a state the source left.
	d, ok, next := deltaOf(t, tx, tok)
	if !ok || len(d.Items) != 0 || len(d.Before) != 0 || next == "" || next == tok {
		t.Fatalf("no change: delta %+v, ok %v, token %q after %q", d, ok, next, tok)
	}
	if _, ok, _ := deltaOf(t, tx, tok); ok {
		t.Fatal("a delta since a token the source has left behind")
	}
	tok = next

	// An edit: the file's article, whole, replaces what it was.
	rewrite(t, root, "a/2.txt", "Second story, corrected.\n\n\nShared headline\n", later)
	d, ok, next = deltaOf(t, tx, tok)
	if !ok || len(d.Items) != 1 || d.Items[0].Title != "Second story, corrected" || d.Items[0].ContentHTML == "" ||
		d.Items[0].Pos != itemPos("a/2.txt", 0) || len(d.Before) != 1 || d.Before[0] != d.Items[0].ID {
		t.Fatalf("an edit: delta %+v, ok %v\nlog:\n%s", d, ok, log())
	}
	tok = next

	// A new file after the others, listing a known and a new headline:
	// its article and the new headline's item.
	rewrite(t, root, "c/4.txt", "Fourth story.\n\n\nShared headline\nBrand new line\n", later)
	d, ok, next = deltaOf(t, tx, tok)
	var titles []string
	for _, it := range d.Items {
		titles = append(titles, it.Title)
	}
	if !ok || !slices.Equal(titles, []string{"Fourth story", "Brand new line"}) || len(d.Before) != 0 || d.Items[1].Pos != itemPos("c/4.txt", 1) {
		t.Fatalf("a new file: %q, before %q, ok %v\nlog:\n%s", titles, d.Before, ok, log())
	}
	tok = next

	// A removed file takes its article with it.
	if err := os.Remove(filepath.Join(root, "b", "3.txt")); err != nil {
		t.Fatal(err)
	}
	d, ok, next = deltaOf(t, tx, tok)
	if !ok || len(d.Items) != 0 || len(d.Before) != 1 || !strings.HasSuffix(d.Before[0], "/b/3.txt") {
		t.Fatalf("a removed file: delta %+v, ok %v", d, ok)
	}
	tok = next

	// The last file in walk order changes the headlines it was the first
	// to list: what it no longer lists goes, what it lists now comes.
	rewrite(t, root, "c/4.txt", "Fourth story.\n\n\nShared headline\nAnother new line\n", later.Add(time.Second))
	d, ok, next = deltaOf(t, tx, tok)
	titles = nil
	for _, it := range d.Items {
		titles = append(titles, it.Title)
	}
	if !ok || !slices.Equal(titles, []string{"Fourth story", "Another new line"}) || len(d.Before) != 2 || !strings.Contains(d.Before[1], "brand") {
		t.Fatalf("the last file's new headlines: %q, before %q, ok %v\nlog:\n%s", titles, d.Before, ok, log())
	}
	tok = next

	// Changes whose effects reach other files: the source cannot tell.
	for _, c := range []struct {
		name string
		do   func()
	}{
		{"a file before the others lists a headline they had first", func() {
			rewrite(t, root, "0.txt", "Zeroth story.\n\n\nOnly in one\n", later)
		}},
		{"the first file to list a headline drops it", func() {
			rewrite(t, root, "a/1.txt", "First story.\n", later.Add(time.Minute))
		}},
		{"a new file takes an id another file has", func() {
			rewrite(t, root, "d/5.txt", "ID: urn:x:five\n\nFive.\n", later)
			rewrite(t, root, "d/6.txt", "ID: urn:x:five\n\nSix.\n", later)
		}},
	} {
		c.do()
		if _, ok, _ := deltaOf(t, tx, tok); ok {
			t.Fatalf("%s: the source answered a delta", c.name)
		}
		if !strings.Contains(log(), "reading every file") {
			t.Errorf("%s: the reason for reading everything is not logged", c.name)
		}
		tok = streamToken(t, tx)
	}

	// Two files with one id: every later delta declines until one goes.
	if _, ok, _ := deltaOf(t, tx, tok); ok {
		t.Fatal("a delta over two files with one id")
	}
	if err := os.Remove(filepath.Join(root, "d", "6.txt")); err != nil {
		t.Fatal(err)
	}
	tok = streamToken(t, tx)
	if _, ok, next = deltaOf(t, tx, tok); !ok {
		t.Fatalf("no delta once the duplicate went:\n%s", log())
	}
	tok = next

	// A damaged index, or one made with other settings, is not used.
	idx := tx.CacheFile + ".index"
	data, err := os.ReadFile(idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(idx, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := deltaOf(t, tx, tok); ok {
		t.Fatal("a delta from a truncated index")
	}
	tok = streamToken(t, tx)
	other := *tx
	other.IDPrefix = "tag:other.example,2026:"
	if _, ok, _ := deltaOf(t, &other, tok); ok {
		t.Fatal("a delta from an index made with other settings")
	}
}

// FuzzLoadIndex feeds loadIndex damaged and arbitrary files: it must
// refuse what it cannot read, never panic, and read back exactly what
// writeIndex wrote.
func FuzzLoadIndex(f *testing.F) {
	dir := f.TempDir()
	good := filepath.Join(dir, "good")
	files := []indexFile{
		{rel: "a/1.txt", size: 10, mtime: 1, sum: 7, where: inCache, off: 30, n: 12},
		{rel: "b", flags: fileNotFile},
		{rel: "c/2.txt", size: 5, mtime: -3, sum: 9, flags: fileProblem, where: inOverlay, off: 0, n: 40},
	}
	ids := []owned{{1, 0}, {5, 2}}
	iw, err := createIndex(good, "settings")
	if err != nil {
		f.Fatal(err)
	}
	for _, fi := range files {
		iw.file(fi)
	}
	if _, err := iw.finish(ids, []owned{{3, 2}}, nil); err != nil {
		f.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		f.Fatal(err)
	}
	ix, err := loadIndex(good, "settings")
	if err != nil || ix.count() != len(files) || ix.ids.len() != len(ids) || ix.lines.len() != 1 || ix.keys.len() != 0 {
		f.Fatalf("read back %+v, %v", ix, err)
	}
	for i, want := range files {
		if got := ix.file(i); got != want {
			f.Fatalf("file %d read back as %+v, want %+v", i, got, want)
		}
	}
	for i, want := range ids {
		if got := ix.ids.at(i); got != want {
			f.Fatalf("id %d read back as %+v, want %+v", i, got, want)
		}
	}
	f.Add(data)
	f.Add(data[:len(data)-3])
	f.Fuzz(func(t *testing.T, data []byte) {
		ix, err := parseIndex(data, "settings")
		if err != nil {
			return
		}
		for _, tab := range []ownedView{ix.ids, ix.lines, ix.keys} {
			for i := range tab.len() {
				if o := tab.at(i); int(o.at) >= ix.count() || o.at < 0 || i > 0 && tab.at(i-1).h >= o.h {
					t.Fatalf("accepted a table out of order or out of range: %+v", o)
				}
			}
		}
		for i := range ix.count() {
			// Every entry decodes, and reads back as it was written.
			iw := &indexWriter{}
			iw.file(ix.file(i))
			if string(iw.b[1:]) != ix.raw(i) {
				t.Fatalf("entry %d does not read back as written", i)
			}
		}
	})
}
