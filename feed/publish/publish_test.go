package publish_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/source"
)

const (
	articleA = "The first story begins here. It has a second sentence.\nA second paragraph.\n\n\nHeadline One\nHeadline Two\n"
	articleB = "Title: Second Story\nDate: 2026-02-03\n\nBody of the second story.\n"
)

// site is one test site: an article folder, a ledger file and an output
// folder, built with a clock the test moves.
type site struct {
	t      *testing.T
	dir    string
	clock  time.Time
	logBuf bytes.Buffer
	// publishFuture is the Builder's PublishFuture.
	publishFuture bool
}

func newSite(t *testing.T, files map[string]string) *site {
	t.Helper()
	s := &site{t: t, dir: t.TempDir(), clock: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	for name, body := range files {
		s.write(name, body)
	}
	return s
}

func (s *site) write(name, body string) {
	s.t.Helper()
	p := filepath.Join(s.dir, "articles", name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

func (s *site) build() (*publish.Result, error) {
	s.t.Helper()
	led, err := ledger.OpenBolt(filepath.Join(s.dir, "data", "feedpub.db"), ledger.BoltOptions{})
	if err != nil {
		s.t.Fatal(err)
	}
	defer led.Close()
	base, _ := url.Parse("http://127.0.0.1:8080/")
	meta := feed.Meta{
		ID: "tag:news.example.com,2026-01-01:feed:news", Title: "Example News", Link: "https://news.example.com/",
		SelfURL: map[feed.Format]string{feed.RSS: "http://127.0.0.1:8080/news.rss", feed.Atom: "http://127.0.0.1:8080/news.atom", feed.JSON: "http://127.0.0.1:8080/news.json"},
	}
	logger := slog.New(slog.NewTextHandler(&s.logBuf, nil))
	b := &publish.Builder{
		Sources: []publish.Source{&source.Text{
			SourceName: "wire", Root: filepath.Join(s.dir, "articles"),
			IDPrefix: "tag:news.example.com,2026-01-01:", LinkTemplate: "http://127.0.0.1:8080/items/{slug}", Logger: logger,
		}},
		Feeds:  []publish.Feed{{Name: "news", Meta: meta, Sources: []string{"wire"}, Limit: 50}},
		Ledger: led,
		Output: filepath.Join(s.dir, "public"),
		Base:   base,
		Now:    func() time.Time { return s.clock },
		Logger: logger,

		PublishFuture: s.publishFuture,
	}
	return b.Build(context.Background())
}

func (s *site) mustBuild() *publish.Result {
	s.t.Helper()
	res, err := s.build()
	if err != nil {
		s.t.Fatalf("build: %v\nlog:\n%s", err, s.logBuf.String())
	}
	return res
}

// published reads back every published document.
func (s *site) published() map[string][]byte {
	s.t.Helper()
	out := map[string][]byte{}
	for _, f := range feed.Formats {
		data, err := os.ReadFile(filepath.Join(s.dir, "public", "news."+string(f)))
		if err != nil {
			s.t.Fatal(err)
		}
		out[string(f)] = data
	}
	return out
}

// items re-parses the published Atom document.
func (s *site) items() map[string]feed.ParsedItem {
	s.t.Helper()
	report, err := feed.Validate(s.published()["atom"])
	if err != nil {
		s.t.Fatal(err)
	}
	if err := report.Err(); err != nil {
		s.t.Fatal(err)
	}
	out := map[string]feed.ParsedItem{}
	for _, it := range report.Items {
		out[it.ID] = it
	}
	return out
}

func TestBuildPublishesValidFeeds(t *testing.T) {
	t.Parallel()
	s := newSite(t, map[string]string{"a.txt": articleA, "sub/b.txt": articleB})
	res := s.mustBuild()
	if len(res.Feeds) != 1 || res.Feeds[0].Items != 4 {
		t.Fatalf("result = %+v, want one feed of 4 items (2 articles, 2 headlines)", res.Feeds)
	}
	for format, data := range s.published() {
		report, err := feed.Validate(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := report.Err(); err != nil {
			t.Errorf("%s: %v", format, err)
		}
		if len(report.Items) != 4 {
			t.Errorf("%s has %d items, want 4", format, len(report.Items))
		}
		for _, it := range report.Items {
			// RSS has no updated date per item.
			if it.ID == "" || it.Title == "" || it.Link == "" || it.Published.IsZero() || (it.Updated.IsZero() && format != "rss") {
				t.Errorf("%s: incomplete item %+v", format, it)
			}
		}
	}
	items := s.items()
	b := items["tag:news.example.com,2026-01-01:wire/sub/b.txt"]
	if want := time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC); !b.Published.Equal(want) {
		t.Errorf("b.txt published %v, want its Date header %v", b.Published, want)
	}
	a := items["tag:news.example.com,2026-01-01:wire/a.txt"]
	if !a.Published.Equal(s.clock) {
		t.Errorf("a.txt published %v, want its first-seen time %v", a.Published, s.clock)
	}
	if a.Title != "The first story begins here" {
		t.Errorf("a.txt title = %q", a.Title)
	}
}

func TestRebuildIsByteIdentical(t *testing.T) {
	t.Parallel()
	s := newSite(t, map[string]string{"a.txt": articleA, "b.txt": articleB})
	first := s.mustBuild()
	if !first.Feeds[0].Changed() {
		t.Error("first build reports no change")
	}
	before := s.published()
	s.clock = s.clock.Add(24 * time.Hour)
	second := s.mustBuild()
	if second.Feeds[0].Changed() {
		t.Error("rebuild without changes reports a change")
	}
	for f, data := range s.published() {
		if !bytes.Equal(data, before[f]) {
			t.Errorf("%s changed on a rebuild without changes", f)
		}
	}
}

// TestCopiedSourcesKeepIDsAndDates moves the site to a new folder, as a
// fresh checkout or a restore would, with new file times: every id and
// date must stay.
func TestCopiedSourcesKeepIDsAndDates(t *testing.T) {
	t.Parallel()
	s := newSite(t, map[string]string{"a.txt": articleA, "b.txt": articleB})
	s.mustBuild()
	before := s.published()

	moved := &site{t: t, dir: t.TempDir(), clock: s.clock.Add(30 * 24 * time.Hour)}
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, string(filepath.Separator)+"public"+string(filepath.Separator)) {
			return err
		}
		rel, _ := filepath.Rel(s.dir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		dst := filepath.Join(moved.dir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
		future := time.Now().Add(time.Hour)
		return os.Chtimes(dst, future, future)
	})
	if err != nil {
		t.Fatal(err)
	}
	moved.mustBuild()
	for f, data := range moved.published() {
		if !bytes.Equal(data, before[f]) {
			t.Errorf("%s differs after moving the site:\n%s", f, data)
		}
	}
}

func TestEditChangesOnlyThatItem(t *testing.T) {
	t.Parallel()
	s := newSite(t, map[string]string{"a.txt": articleA, "b.txt": articleB})
	s.mustBuild()
	before := s.items()
	s.clock = s.clock.Add(time.Hour)
	s.write("b.txt", strings.Replace(articleB, "Body of", "Corrected body of", 1))
	s.mustBuild()
	after := s.items()
	if len(after) != len(before) {
		t.Fatalf("%d items after the edit, %d before", len(after), len(before))
	}
	for id, b := range before {
		a := after[id]
		if !a.Published.Equal(b.Published) {
			t.Errorf("%s: published moved from %v to %v", id, b.Published, a.Published)
		}
		edited := strings.HasSuffix(id, "/b.txt")
		if edited && !a.Updated.Equal(s.clock) {
			t.Errorf("%s: edited item updated = %v, want %v", id, a.Updated, s.clock)
		}
		if !edited && !a.Updated.Equal(b.Updated) {
			t.Errorf("%s: unedited item updated moved from %v to %v", id, b.Updated, a.Updated)
		}
	}
}

func TestEmptyBuildKeepsPreviousFeeds(t *testing.T) {
	t.Parallel()
	s := newSite(t, map[string]string{"a.txt": articleA})
	s.mustBuild()
	before := s.published()
	if err := os.Remove(filepath.Join(s.dir, "articles", "a.txt")); err != nil {
		t.Fatal(err)
	}
	s.write("empty.txt", "")
	_, err := s.build()
	if !errors.Is(err, feed.ErrNoItems) {
		t.Fatalf("build of an empty source = %v, want ErrNoItems", err)
	}
	for f, data := range s.published() {
		if !bytes.Equal(data, before[f]) {
			t.Errorf("%s was replaced by a failed build", f)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(s.dir, "public"))
	if len(entries) != 3 {
		t.Errorf("output folder holds %d entries, want the 3 feeds and no temporary files", len(entries))
	}
}

func TestMissingSourceFolderFails(t *testing.T) {
	t.Parallel()
	s := newSite(t, nil)
	_, err := s.build()
	if err == nil || strings.Count(err.Error(), "source wire") != 1 {
		t.Fatalf("build without a source folder = %v, want an error naming the source once", err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "public", "news.rss")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed build wrote output: %v", err)
	}
}

func TestBadFileIsSkippedOthersPublish(t *testing.T) {
	t.Parallel()
	s := newSite(t, map[string]string{"a.txt": articleA, "bin.txt": "abc\x00def\n"})
	res := s.mustBuild()
	if res.Feeds[0].Items != 3 {
		t.Errorf("feed has %d items, want the 3 of a.txt", res.Feeds[0].Items)
	}
	if !strings.Contains(s.logBuf.String(), "bin.txt") {
		t.Errorf("the skipped file is not named in the log:\n%s", s.logBuf.String())
	}
}

func TestSeedArticle(t *testing.T) {
	t.Parallel()
	seeds := filepath.Join("..", "..", "..", "shared", "seeds")
	matches, _ := filepath.Glob(filepath.Join(seeds, "*.txt"))
	if len(matches) == 0 {
		t.Skip("no seed articles at", seeds)
	}
	files := map[string]string{}
	for _, m := range matches[:1] {
		data, err := os.ReadFile(m)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(m)] = string(data)
	}
	s := newSite(t, files)
	s.mustBuild()
	for f, data := range s.published() {
		report, err := feed.Validate(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := report.Err(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if len(report.Items) != 18 {
			t.Errorf("%s has %d items, want 18 (1 article, 17 headlines)", f, len(report.Items))
		}
		found := false
		for _, it := range report.Items {
			if strings.HasPrefix(it.Title, "U.S. and Russian officials met") {
				found = true
				if len([]rune(it.Title)) > feed.TitleMax {
					t.Errorf("%s: title longer than %d: %q", f, feed.TitleMax, it.Title)
				}
			}
		}
		if !found {
			t.Errorf("%s: no item titled from the first sentence (U.S. not an end of sentence)", f)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "f.xml")
	changed, err := publish.WriteFileAtomic(p, []byte("one"), 0o644)
	if err != nil || !changed {
		t.Fatalf("first write: changed=%v err=%v", changed, err)
	}
	changed, err = publish.WriteFileAtomic(p, []byte("one"), 0o644)
	if err != nil || changed {
		t.Fatalf("same bytes: changed=%v err=%v", changed, err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	// A write into a folder that cannot take it leaves nothing behind.
	_, err = publish.WriteFileAtomic(filepath.Join(dir, "missing", "f.xml"), []byte("x"), 0o644)
	if err == nil {
		t.Error("write into a missing folder succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only f.xml", len(entries))
	}
}

// TestUnchangedBuildIsSkipped checks the fingerprint fast path: a rebuild
// with nothing changed reads no article, and anything that could change
// the output (an edit, a new time on a file, a damaged output file) makes
// a real build again, with the same bytes where the content is the same.
func TestUnchangedBuildIsSkipped(t *testing.T) {
	t.Parallel()
	s := newSite(t, map[string]string{"a.txt": articleA, "b.txt": articleB})
	s.mustBuild()
	before := s.published()
	const skipped = "no source changed since the last build"

	s.logBuf.Reset()
	res := s.mustBuild()
	if !strings.Contains(s.logBuf.String(), skipped) || strings.Contains(s.logBuf.String(), "source read") {
		t.Errorf("an unchanged rebuild was not skipped:\n%s", s.logBuf.String())
	}
	if res.Feeds[0].Changed() || res.Feeds[0].Items != 4 || len(res.Feeds[0].Documents) != 3 {
		t.Errorf("skipped build result = %+v", res.Feeds[0])
	}
	for _, d := range res.Documents() {
		if !bytes.Equal(d.Body, before[string(d.Format)]) {
			t.Errorf("skipped build returned other %s bytes than published", d.Format)
		}
	}

	// A new modification time: a real build, same bytes.
	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(s.dir, "articles", "a.txt"), future, future)
	s.logBuf.Reset()
	s.mustBuild()
	if strings.Contains(s.logBuf.String(), skipped) {
		t.Error("a touched file did not make a real build")
	}
	for f, data := range s.published() {
		if !bytes.Equal(data, before[f]) {
			t.Errorf("%s changed though no content did", f)
		}
	}

	// A damaged output file is rewritten.
	if err := os.WriteFile(filepath.Join(s.dir, "public", "news.rss"), []byte("broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.logBuf.Reset()
	s.mustBuild()
	if got := s.published()["rss"]; !bytes.Equal(got, before["rss"]) {
		t.Errorf("a damaged output file was not restored: %q", got)
	}
}

// A build that is not skipped (a file was touched or changed) still keeps
// a feed's published documents when its items and settings are those of
// the last build, and renders it again when anything in it changed.
func TestUnchangedFeedIsNotRenderedAgain(t *testing.T) {
	t.Parallel()
	s := newSite(t, map[string]string{"a.txt": articleA, "b.txt": articleB})
	if res := s.mustBuild(); res.Feeds[0].Reused {
		t.Fatal("the first build reused documents it never rendered")
	}
	before := s.published()

	future := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(s.dir, "articles", "a.txt"), future, future)
	res := s.mustBuild()
	if !res.Feeds[0].Reused || res.Feeds[0].Changed() || res.Feeds[0].Items != 4 {
		t.Errorf("after a touch: reused %t, changed %t, %d items; want reused, unchanged, 4 items",
			res.Feeds[0].Reused, res.Feeds[0].Changed(), res.Feeds[0].Items)
	}
	for _, d := range res.Documents() {
		if !bytes.Equal(d.Body, before[string(d.Format)]) {
			t.Errorf("reused %s differs from the published file", d.Format)
		}
	}

	// A published file that no longer holds what was written is rendered
	// and written again.
	if err := os.WriteFile(filepath.Join(s.dir, "public", "news.atom"), []byte("<feed/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	future = future.Add(time.Hour)
	os.Chtimes(filepath.Join(s.dir, "articles", "a.txt"), future, future)
	if res := s.mustBuild(); res.Feeds[0].Reused {
		t.Error("a feed whose file was overwritten was reused")
	}
	if got := s.published()["atom"]; !bytes.Equal(got, before["atom"]) {
		t.Errorf("the overwritten file was not restored: %q", got)
	}

	// A changed item renders the feed again.
	s.clock = s.clock.Add(time.Hour)
	s.write("b.txt", strings.Replace(articleB, "\n", " One more sentence here.\n", 1))
	res = s.mustBuild()
	if res.Feeds[0].Reused || !res.Feeds[0].Changed() {
		t.Errorf("after an edit: reused %t, changed %t; want rendered and changed", res.Feeds[0].Reused, res.Feeds[0].Changed())
	}
}
