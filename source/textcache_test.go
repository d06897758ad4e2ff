package source

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// cacheTree is a small archive with everything a record has to carry: a
// header with its own id, link, dates, authors and tags, headlines shared
// between files, a file with a warning, a skipped file and a headline-only
// file.
var cacheTree = map[string]string{
	"a.txt":         "First story begins here. It goes on.\nSecond paragraph.\n\n\nShared Headline\nOnly In A\n",
	"b.txt":         "Second story starts now.\n\n\nShared Headline\nOnly In B\n",
	"c/header.txt":  "Title: Header Story\nID: urn:x-test:header\nLink: https://news.example.com/h\nDate: 2026-02-03T04:05:06+02:00\nUpdated: 2026-02-04\nAuthor: Ann Writer <ann@example.com>, Bob\nTags: Local, Politics\n\nThe body of the header story.\n",
	"c/latin.txt":   "Caf\xe9 owners speak.\n",
	"d/empty.txt":   "",
	"e/heads.txt":   "Headline Only Line\nAnother Headline Only\n",
	"f/dup-id.txt":  "ID: urn:x-test:header\n\nA second file claiming the header story's id.\n",
	"g/later.txt":   "A later story.\n\n\nOnly In A\nShared Headline\nTwice In G\nTwice In G\n",
	"h/partial.txt": "Title: Ends mid\n\nNo trailing newline here",
}

// cachedText returns a Text on root with a cache file, logging to the
// returned buffer.
func cachedText(t *testing.T, root string) (*Text, func() string) {
	t.Helper()
	tx, buf := newTestText(root)
	tx.CacheFile = filepath.Join(t.TempDir(), "cache", "wire")
	return tx, func() string { s := buf.String(); buf.Reset(); return s }
}

// scan runs one Scan of tx.
func scan(t *testing.T, tx *Text) feed.Scan {
	t.Helper()
	s, err := tx.Scan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// stream runs one Scan and its Stream and returns its items.
func stream(t *testing.T, tx *Text) []feed.Item {
	t.Helper()
	var items []feed.Item
	if err := scan(t, tx).Stream(context.Background(), func(it feed.Item) error {
		items = append(items, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return items
}

// completed returns items with every partial item completed by tx.
func completed(t *testing.T, tx *Text, items []feed.Item) []feed.Item {
	t.Helper()
	out := slices.Clone(items)
	var at []int
	var partial []feed.Item
	for i, it := range items {
		if it.Partial {
			at = append(at, i)
			partial = append(partial, it)
		}
	}
	whole, errs := scan(t, tx).Complete(context.Background(), partial)
	for j, i := range at {
		if errs[j] != nil {
			t.Fatalf("Complete(%s): %v", partial[j].ID, errs[j])
		}
		out[i] = whole[j]
	}
	return out
}

func partialIDs(items []feed.Item) []string {
	var out []string
	for _, it := range items {
		if it.Partial {
			out = append(out, it.ID)
		}
	}
	return out
}

// withoutContent is it as a partial item carries it: no content, no
// summary, and no completion marks.
func withoutContent(it feed.Item) feed.Item {
	it.ContentHTML, it.ContentClean, it.Summary, it.Partial, it.Ref = "", false, "", false, ""
	return it
}

// checkSameItems fails unless got, once completed, is want: the same
// items in the same order with the same fields.
func checkSameItems(t *testing.T, tx *Text, got, want []feed.Item) {
	t.Helper()
	got = completed(t, tx, got)
	if len(got) != len(want) {
		t.Fatalf("%d items, want %d:\n got %q\nwant %q", len(got), len(want), ids(got), ids(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("item %d:\n got %#v\nwant %#v", i, got[i], want[i])
		}
	}
}

func TestTextCacheReadsOnlyChangedFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, cacheTree)
	plain, plainLog := newTestText(root)
	want := stream(t, plain)
	checkRead(t, plainLog.String(), 7, 2)

	tx, log := cachedText(t, root)
	first := stream(t, tx)
	if p := partialIDs(first); p != nil {
		t.Fatalf("first build sent partial items %q", p)
	}
	checkSameItems(t, tx, first, want)
	firstLog := log()

	second := stream(t, tx)
	wantPartial := []string{
		"tag:news.example.com,2026-01-01:wire/a.txt",
		"tag:news.example.com,2026-01-01:wire/b.txt",
		"urn:x-test:header",
		"tag:news.example.com,2026-01-01:wire/c/latin.txt",
		"tag:news.example.com,2026-01-01:wire/g/later.txt",
		"tag:news.example.com,2026-01-01:wire/h/partial.txt",
	}
	if got := partialIDs(second); !slices.Equal(got, wantPartial) {
		t.Errorf("second build: partial items %q, want %q", got, wantPartial)
	}
	for i, it := range second {
		if it.Partial && !reflect.DeepEqual(withoutContent(it), withoutContent(want[i])) {
			t.Errorf("partial item %d:\n got %#v\nwant %#v", i, withoutContent(it), withoutContent(want[i]))
		}
		if it.Partial && (it.ContentHTML != "" || it.Ref == "") {
			t.Errorf("partial item %s: content %q, ref %q", it.ID, it.ContentHTML, it.Ref)
		}
	}
	// Problems are reported on every build, from the record; notes
	// only when the file is read.
	secondLog := log()
	checkRead(t, secondLog, 7, 2)
	checkSameItems(t, tx, second, want)
	warnings := func(log, file string) int { return len(logLines(log, "file="+file, "level=WARN")) }
	for _, file := range []string{"c/latin.txt", "d/empty.txt", "e/heads.txt", "f/dup-id.txt"} {
		if n, m := warnings(firstLog, file), warnings(secondLog, file); n == 0 || n != m {
			t.Errorf("%s: %d warnings on the first build, %d on the second:\n%s", file, n, m, secondLog)
		}
	}
	if len(logLines(firstLog, "level=INFO", `msg="article note"`, "file=a.txt", "read as 2 headlines")) != 1 ||
		len(logLines(secondLog, "level=INFO", `msg="article note"`)) != 0 {
		t.Errorf("notes: want them at info when a file is read, not when it is taken from the cache:\nfirst:\n%s\nsecond:\n%s", firstLog, secondLog)
	}
	if !strings.Contains(secondLog, "unchanged=9") {
		t.Errorf("second build does not report 9 unchanged files:\n%s", secondLog)
	}

	// An edit is read; a touch that keeps the bytes is not parsed.
	writeTree(t, root, map[string]string{"b.txt": "Second story, rewritten.\n\n\nShared Headline\nNew Headline In B\n"})
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(root, "a.txt"), later, later); err != nil {
		t.Fatal(err)
	}
	want = stream(t, plain)
	third := stream(t, tx)
	if got := partialIDs(third); slices.Contains(got, "tag:news.example.com,2026-01-01:wire/b.txt") ||
		!slices.Contains(got, "tag:news.example.com,2026-01-01:wire/a.txt") {
		t.Errorf("after an edit of b and a touch of a: partial items %q", got)
	}
	checkSameItems(t, tx, third, want)
	if !slices.Contains(titles(third), "New Headline In B") {
		t.Errorf("the edited file's new headline is missing: %q", titles(third))
	}
}

func TestTextCacheLostHeadlineText(t *testing.T) {
	t.Parallel()
	// a.txt is the first to have "Shared Headline", so only its record
	// holds the line's text. When a.txt goes, g/later.txt must still
	// publish the headline.
	root := t.TempDir()
	writeTree(t, root, cacheTree)
	tx, _ := cachedText(t, root)
	stream(t, tx)
	if err := os.Remove(filepath.Join(root, "a.txt")); err != nil {
		t.Fatal(err)
	}
	plain, _ := newTestText(root)
	want := stream(t, plain)
	got := stream(t, tx)
	checkSameItems(t, tx, got, want)
	if !slices.Contains(titles(got), "Shared Headline") || !slices.Contains(titles(got), "Only In A") {
		t.Errorf("headlines lost with the file that first had them: %q", titles(got))
	}
	if slices.Contains(partialIDs(got), "tag:news.example.com,2026-01-01:wire/g/later.txt") {
		t.Error("g/later.txt was taken from the cache without the text of its headlines")
	}
}

func TestTextCacheIgnoredWhenUnusable(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, cacheTree)
	plain, plainLog := newTestText(root)
	want := stream(t, plain)
	checkRead(t, plainLog.String(), 7, 2)

	damage := map[string]func(data []byte) []byte{
		"truncated": func(d []byte) []byte { return d[:len(d)*2/3] },
		"garbage":   func(d []byte) []byte { return []byte("not a cache at all") },
		"flipped": func(d []byte) []byte {
			d = slices.Clone(d)
			for i := len(d) / 2; i < len(d)/2+40 && i < len(d); i++ {
				d[i] ^= 0x5A
			}
			return d
		},
		"empty": func([]byte) []byte { return nil },
	}
	for name, fn := range damage {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tx, log := cachedText(t, root)
			stream(t, tx)
			data, err := os.ReadFile(tx.CacheFile)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tx.CacheFile, fn(data), 0o644); err != nil {
				t.Fatal(err)
			}
			log()
			got := stream(t, tx)
			checkSameItems(t, tx, got, want)
			// The damaged cache was replaced by a good one.
			if again := stream(t, tx); len(partialIDs(again)) != len(wantPartialArticles(want)) {
				t.Errorf("after the damaged cache was rewritten: %d partial items, want %d\nlog:\n%s", len(partialIDs(again)), len(wantPartialArticles(want)), log())
			}
		})
	}

	t.Run("older format", func(t *testing.T) {
		t.Parallel()
		// Records made under the rules of an older format (such as
		// headlines after a single blank line) are not reused, even
		// by a binary that would otherwise accept the settings.
		tx, log := cachedText(t, root)
		stream(t, tx)
		data, err := os.ReadFile(tx.CacheFile)
		if err != nil {
			t.Fatal(err)
		}
		data[len(cacheMagic)] = cacheFormat - 1
		if err := os.WriteFile(tx.CacheFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
		log()
		got := stream(t, tx)
		if p := partialIDs(got); p != nil {
			t.Errorf("a cache of format %d was used: partial %q", cacheFormat-1, p)
		}
		checkSameItems(t, tx, got, want)
		if l := log(); len(logLines(l, "level=INFO", "file cache not used", fmt.Sprintf("format %d, not %d", cacheFormat-1, cacheFormat))) != 1 {
			t.Errorf("the log does not say at info level that the cache was not used:\n%s", l)
		}
	})

	t.Run("other settings", func(t *testing.T) {
		t.Parallel()
		tx, log := cachedText(t, root)
		stream(t, tx)
		tx.LinkTemplate = "https://elsewhere.example/{slug}"
		other, _ := newTestText(root)
		other.LinkTemplate = tx.LinkTemplate
		got := stream(t, tx)
		if p := partialIDs(got); p != nil {
			t.Errorf("a cache made with other settings was used: partial %q", p)
		}
		checkSameItems(t, tx, got, stream(t, other))
		if !strings.Contains(log(), "other settings") {
			t.Error("the log does not say why the cache was not used")
		}
	})
}

// wantPartialArticles lists the articles of items: those a cached build
// sends as partial items.
func wantPartialArticles(items []feed.Item) []string {
	var out []string
	for _, it := range items {
		if it.ContentHTML != "" {
			out = append(out, it.ID)
		}
	}
	return out
}

func TestTextCacheKeptWhenStreamStops(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, cacheTree)
	tx, _ := cachedText(t, root)
	stream(t, tx)
	before, err := os.ReadFile(tx.CacheFile)
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, root, map[string]string{"b.txt": "Changed so that the cache would change.\n"})
	stop := errors.New("stop")
	n := 0
	err = scan(t, tx).Stream(context.Background(), func(feed.Item) error {
		if n++; n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Stream = %v, want the emit error", err)
	}
	after, err := os.ReadFile(tx.CacheFile)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, after) {
		t.Error("a Stream that stopped early replaced the cache")
	}
	entries, err := os.ReadDir(filepath.Dir(tx.CacheFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("cache folder holds %d files, want only the cache: %v", len(entries), entries)
	}
}

func TestTextCompleteVanishedFile(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, cacheTree)
	tx, _ := cachedText(t, root)
	stream(t, tx)
	items := stream(t, tx)
	var partial []feed.Item
	for _, it := range items {
		if it.Partial {
			partial = append(partial, it)
		}
	}
	if err := os.Remove(filepath.Join(root, "b.txt")); err != nil {
		t.Fatal(err)
	}
	writeTree(t, root, map[string]string{"a.txt": "ID: urn:x-test:moved\n\nThe file now holds another item.\n"})
	_, errs := scan(t, tx).Complete(context.Background(), partial)
	for i, it := range partial {
		switch it.Ref {
		case "a.txt", "b.txt":
			if errs[i] == nil || !strings.Contains(errs[i].Error(), it.Ref) {
				t.Errorf("Complete(%s) = %v, want an error naming the file", it.Ref, errs[i])
			}
		default:
			if errs[i] != nil {
				t.Errorf("Complete(%s): %v", it.Ref, errs[i])
			}
		}
	}
}

func TestTextCacheRecordRoundTrip(t *testing.T) {
	t.Parallel()
	rec := &fileRecord{
		size: 1234, mtime: -5, sum: 0xfeedfacecafebeef, skip: "",
		warns: []lineWarning{{line: 3, key: "date", reason: "bad"}},
		article: &feed.Item{
			ID: "urn:x", Title: "T", Link: "https://e.example/x",
			Published: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Updated: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC),
			Authors: []feed.Person{{Name: "A", Email: "a@example.com", URL: "https://a.example/"}}, Categories: []string{"x", "y"},
		},
		headlines: []uint64{1, 2}, lines: []string{"one", ""},
	}
	got, err := decodeRecord(encodeRecord(rec))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, rec) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, rec)
	}
	enc := encodeRecord(rec)
	if n := recordSize(rec); n < len(enc) {
		t.Errorf("recordSize = %d for a record of %d bytes", n, len(enc))
	}
	for i := range enc {
		if _, err := decodeRecord(enc[:i]); err == nil {
			t.Errorf("a record cut to %d of %d bytes decoded", i, len(enc))
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(encodeRecord(&fileRecord{size: 1, headlines: []uint64{9}, lines: []string{"x"}}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := decodeRecord(data)
		if err != nil {
			return
		}
		// What decodes encodes back to the same bytes.
		if again := encodeRecord(rec); !slices.Equal(again, data) {
			t.Errorf("decode then encode changed the record:\n in %x\nout %x", data, again)
		}
		if n := recordSize(rec); n < len(data) {
			t.Errorf("recordSize = %d for a record of %d bytes", n, len(data))
		}
	})
}

// TestDecoderVarints checks the decoder's varints against encoding/binary:
// every value read back from its shortest form, and longer or cut forms
// refused.
func TestDecoderVarints(t *testing.T) {
	t.Parallel()
	// accepted reports whether uvarint takes b without an error.
	accepted := func(b []byte) bool {
		d := decoder{b: b}
		d.uvarint()
		return !d.err
	}
	values := []uint64{0, 1, 0x7f, 0x80, 0xff, 0x3fff, 0x4000, 1<<32 - 1, 1 << 32, 1<<63 - 1, 1 << 63, 1<<64 - 1}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		values = append(values, rng.Uint64()>>rng.IntN(64))
	}
	for _, v := range values {
		b := binary.AppendUvarint(nil, v)
		d := decoder{b: append(b, 0xAA)}
		if got := d.uvarint(); got != v || d.err || len(d.b) != 1 {
			t.Fatalf("uvarint(% x) = %d, err %v, %d left; want %d", b, got, d.err, len(d.b), v)
		}
		s := int64(v)
		b = binary.AppendVarint(nil, s)
		d = decoder{b: b}
		if got := d.varint(); got != s || d.err || len(d.b) != 0 {
			t.Fatalf("varint(% x) = %d, err %v; want %d", b, got, d.err, s)
		}
		// The same number with a needless continuation byte, and cut
		// short, are refused.
		if b := binary.AppendUvarint(nil, v); len(b) < binary.MaxVarintLen64 {
			long := append(b[:len(b)-1:len(b)-1], b[len(b)-1]|0x80, 0)
			if accepted(long) {
				t.Fatalf("uvarint(% x), a longer form of %d, accepted", long, v)
			}
			if len(b) > 1 && accepted(b[:len(b)-1]) {
				t.Fatalf("uvarint(% x), %d cut short, accepted", b[:len(b)-1], v)
			}
		}
	}
	for _, bad := range [][]byte{nil, {0x80}, {0x80, 0x00}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}} {
		if accepted(bad) {
			t.Errorf("uvarint(% x) accepted", bad)
		}
	}
}
