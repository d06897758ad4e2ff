package publish_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/page"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/source"
)

const archiveBase = "http://127.0.0.1:8080/"

// archiveSite is a site whose one feed keeps an archive, read through a
// text source with its file cache, so that unchanged files arrive as
// partial items, as they do in production.
type archiveSite struct {
	t     *testing.T
	dir   string
	clock time.Time
	limit int
	// pages publishes item pages too.
	pages bool
	log   bytes.Buffer
	// completed counts the items whose content the build read back for
	// being partial.
	src *countingText
}

// countingText is a text source that counts the partial items its Scans
// are asked to complete.
type countingText struct {
	*source.Text
	mu        sync.Mutex
	completed int
}

func (c *countingText) Scan(ctx context.Context) (feed.Scan, error) {
	s, err := c.Text.Scan(ctx)
	if err != nil {
		return nil, err
	}
	return countingScan{s, c}, nil
}

// countingScan is a countingText's Scan.
type countingScan struct {
	feed.Scan
	c *countingText
}

func (s countingScan) Complete(ctx context.Context, items []feed.Item) ([]feed.Item, []error) {
	s.c.mu.Lock()
	s.c.completed += len(items)
	s.c.mu.Unlock()
	return s.Scan.Complete(ctx, items)
}

// story is the text of article n: dated n days after a fixed day, so the
// feed's order is the articles' order.
func story(n int, extra string) string {
	day := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC).AddDate(0, 0, n)
	return fmt.Sprintf("Title: Story number %d\nDate: %s\n\nThe body of story %d tells what happened.%s\n", n, day.Format(time.RFC3339), n, extra)
}

func newArchiveSite(t *testing.T, stories, limit int) *archiveSite {
	t.Helper()
	s := &archiveSite{t: t, dir: t.TempDir(), clock: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), limit: limit}
	for n := 1; n <= stories; n++ {
		s.write(n, "")
	}
	return s
}

func (s *archiveSite) write(n int, extra string) {
	s.t.Helper()
	p := filepath.Join(s.dir, "articles", fmt.Sprintf("story-%02d.txt", n))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(story(n, extra)), 0o644); err != nil {
		s.t.Fatal(err)
	}
	// A new modification time, whatever the file system's resolution.
	when := s.clock.Add(time.Duration(n) * time.Second)
	if err := os.Chtimes(p, when, when); err != nil {
		s.t.Fatal(err)
	}
	s.clock = s.clock.Add(time.Minute)
}

func (s *archiveSite) build() *publish.Result {
	s.t.Helper()
	led, err := ledger.OpenBolt(filepath.Join(s.dir, "data", "feedpub.db"), ledger.BoltOptions{})
	if err != nil {
		s.t.Fatal(err)
	}
	defer led.Close()
	base, _ := url.Parse(archiveBase)
	self := func(name string) map[feed.Format]string {
		out := map[feed.Format]string{}
		for _, f := range feed.Formats {
			out[f] = archiveBase + name + "." + string(f)
		}
		return out
	}
	meta := feed.Meta{ID: "tag:news.example.com,2026-01-01:feed:news", Title: "Archived News", Link: "https://news.example.com/", SelfURL: self("news")}
	logger := slog.New(slog.NewTextHandler(&s.log, nil))
	link := archiveBase + "items/{slug}"
	if s.pages {
		link += "/"
	}
	s.src = &countingText{Text: &source.Text{
		SourceName: "wire", Root: filepath.Join(s.dir, "articles"),
		IDPrefix: "tag:news.example.com,2026-01-01:", LinkTemplate: link, Logger: logger,
		CacheFile: filepath.Join(s.dir, "data", "feedpub.db.files", "wire"),
	}}
	b := &publish.Builder{
		Sources: []publish.Source{s.src},
		Feeds: []publish.Feed{{
			Name: "news", Meta: meta, Sources: []string{"wire"}, Limit: s.limit, Archive: true,
			ArchiveMeta: func(page int) feed.Meta {
				m := meta
				m.SelfURL = self(publish.ArchiveName("news", page))
				return m
			},
		}},
		Ledger: led,
		Output: filepath.Join(s.dir, "public"),
		Base:   base,
		Now:    func() time.Time { return s.clock },
		Logger: logger,
	}
	if s.pages {
		b.Pages = &publish.Pages{
			Site:    page.Site{Title: "Archived News", Link: "https://news.example.com/"},
			BaseURL: archiveBase, Prefix: archiveBase + "items/", Sources: []string{"wire"},
		}
	}
	res, err := b.Build(context.Background())
	if err != nil {
		s.t.Fatalf("build: %v\nlog:\n%s", err, s.log.String())
	}
	return res
}

// file reads a published document by its URL.
func (s *archiveSite) file(u string) []byte {
	s.t.Helper()
	data, err := os.ReadFile(filepath.Join(s.dir, "public", filepath.FromSlash(strings.TrimPrefix(u, archiveBase))))
	if err != nil {
		s.t.Fatal(err)
	}
	return data
}

// follow reads the feed as an RFC 5005 client would: the current document
// in format f, then prev-archive links (JSON Feed: next_url) until none is
// left. It returns the item ids of each document, current first, and
// fails the test on a document that does not validate or an archive page
// without fh:archive.
func (s *archiveSite) follow(f feed.Format) [][]string {
	s.t.Helper()
	var pages [][]string
	u := archiveBase + "news." + string(f)
	for u != "" {
		if len(pages) > 20 {
			s.t.Fatal("more than 20 documents: the links loop")
		}
		data := s.file(u)
		report := feed.ValidateFormat(f, data)
		if err := report.Err(); err != nil {
			s.t.Fatalf("%s does not validate: %v", u, err)
		}
		var ids []string
		for _, it := range report.Items {
			ids = append(ids, it.ID)
		}
		pages = append(pages, ids)
		var next string
		if f == feed.JSON {
			var doc struct {
				NextURL string `json:"next_url"`
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				s.t.Fatal(err)
			}
			next = doc.NextURL
		} else {
			var archive bool
			next, archive = historyOf(s.t, data)
			if archive != (len(pages) > 1) {
				s.t.Errorf("%s: fh:archive is %t", u, archive)
			}
		}
		u = next
	}
	return pages
}

// historyOf returns the prev-archive link of an RSS or Atom document and
// whether it is marked fh:archive.
func historyOf(t *testing.T, data []byte) (prev string, archive bool) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return prev, archive
		}
		e, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if e.Name.Space == feed.NSHistory && e.Name.Local == "archive" {
			archive = true
		}
		if e.Name.Space == "http://www.w3.org/2005/Atom" && e.Name.Local == "link" {
			var rel, href string
			for _, a := range e.Attr {
				switch a.Name.Local {
				case "rel":
					rel = a.Value
				case "href":
					href = a.Value
				}
			}
			if rel == feed.RelPrevArchive {
				prev = href
			}
		}
	}
}

func storyID(n int) string {
	return fmt.Sprintf("tag:news.example.com,2026-01-01:wire/story-%02d.txt", n)
}

// wantAll checks that the documents hold stories 1..n, each exactly once.
func wantAll(t *testing.T, f feed.Format, pages [][]string, n int) {
	t.Helper()
	wantStories(t, f, pages, 1, n)
}

// wantStories checks that the documents hold stories from..to, each
// exactly once, and nothing else.
func wantStories(t *testing.T, f feed.Format, pages [][]string, from, to int) {
	t.Helper()
	count := map[string]int{}
	for _, p := range pages {
		for _, id := range p {
			count[id]++
		}
	}
	for i := from; i <= to; i++ {
		if count[storyID(i)] != 1 {
			t.Errorf("%s: story %d appears %d times", f, i, count[storyID(i)])
		}
		delete(count, storyID(i))
	}
	if len(count) > 0 {
		t.Errorf("%s: unexpected items %v", f, count)
	}
}

// changedDocs lists the documents of the build that changed a file.
func changedDocs(res *publish.Result) []string {
	var out []string
	for _, d := range res.Documents() {
		if d.Changed {
			out = append(out, d.Feed+"."+string(d.Format))
		}
	}
	slices.Sort(out)
	return out
}

func docsOf(names ...string) []string {
	var out []string
	for _, n := range names {
		for _, f := range feed.Formats {
			out = append(out, n+"."+string(f))
		}
	}
	slices.Sort(out)
	return out
}

func TestArchiveReachesEveryItemOnce(t *testing.T) {
	t.Parallel()
	s := newArchiveSite(t, 18, 5)
	res := s.build()
	for _, f := range feed.Formats {
		pages := s.follow(f)
		if len(pages) != 4 {
			t.Errorf("%s: %d documents, want the current one and 3 archive pages", f, len(pages))
		}
		if len(pages) > 0 && !slices.Equal(pages[0], []string{storyID(18), storyID(17), storyID(16), storyID(15), storyID(14)}) {
			t.Errorf("%s: the current document holds %v, want the 5 newest stories", f, pages[0])
		}
		wantAll(t, f, pages, 18)
	}
	// Page 1 holds the oldest items; the newest page is the partial one.
	arch := res.Feeds[0].Archive
	var got []string
	for _, p := range arch {
		got = append(got, fmt.Sprintf("%d:%d:%t", p.Number, len(p.Items), p.Final))
	}
	if want := []string{"1:5:true", "2:5:true", "3:3:false"}; !slices.Equal(got, want) {
		t.Errorf("archive pages (number:items:final) = %v, want %v", got, want)
	}
	if len(arch) > 0 && !slices.Equal(arch[0].Items, []string{storyID(5), storyID(4), storyID(3), storyID(2), storyID(1)}) {
		t.Errorf("page 1 items = %v, want stories 5..1", arch[0].Items)
	}
}

func TestArchiveRebuildsRewriteOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	s := newArchiveSite(t, 18, 5)
	s.build()
	page1 := s.file(archiveBase + "news/archive/1.atom")

	// Nothing changed: nothing is written.
	if got := changedDocs(s.build()); len(got) != 0 {
		t.Errorf("a rebuild without changes wrote %v", got)
	}
	// Every file touched: read again, found equal, and no archive page
	// is rendered, nor any archived item's content read back.
	for n := 1; n <= 18; n++ {
		p := filepath.Join(s.dir, "articles", fmt.Sprintf("story-%02d.txt", n))
		when := s.clock.Add(time.Hour)
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
	}
	res := s.build()
	if got := changedDocs(res); len(got) != 0 {
		t.Errorf("a rebuild of touched files wrote %v", got)
	}
	for _, d := range res.Documents() {
		if d.Archive && d.Body != nil {
			t.Errorf("%s.%s was rendered again though its items did not change", d.Feed, d.Format)
		}
	}

	// One new story: the current documents and the newest page only.
	// The content read back is that of the current document's four older
	// items and of the newest page's four: no other archived item.
	s.write(19, "")
	res = s.build()
	if got, want := changedDocs(res), docsOf("news", "news/archive/3"); !slices.Equal(got, want) {
		t.Errorf("one new story wrote %v, want %v", got, want)
	}
	if s.src.completed != 8 {
		t.Errorf("%d items were read back for one new story, want 8 (4 in the current document, 4 on the newest page)", s.src.completed)
	}
	for _, f := range feed.Formats {
		wantAll(t, f, s.follow(f), 19)
	}

	// Page 3 fills up (5 items), then one more story opens page 4: page
	// 3 gains its next-archive link in RSS and Atom (JSON Feed links only
	// to older pages); pages 1 and 2 never change.
	s.write(20, "")
	if got, want := changedDocs(s.build()), docsOf("news", "news/archive/3"); !slices.Equal(got, want) {
		t.Errorf("filling the newest page wrote %v, want %v", got, want)
	}
	s.write(21, "")
	res = s.build()
	want := slices.DeleteFunc(docsOf("news", "news/archive/3", "news/archive/4"), func(d string) bool { return d == "news/archive/3.json" })
	if got := changedDocs(res); !slices.Equal(got, want) {
		t.Errorf("opening a new page wrote %v, want %v", got, want)
	}
	for _, f := range feed.Formats {
		wantAll(t, f, s.follow(f), 21)
	}
	if !bytes.Equal(s.file(archiveBase+"news/archive/1.atom"), page1) {
		t.Error("page 1 changed though none of its items did")
	}

	// An archived story edited: its page alone.
	s.write(7, " It was corrected later.")
	if got, want := changedDocs(s.build()), docsOf("news/archive/2"); !slices.Equal(got, want) {
		t.Errorf("editing story 7 wrote %v, want %v", got, want)
	}
	// An archived story removed: its page alone, and it is gone.
	if err := os.Remove(filepath.Join(s.dir, "articles", "story-02.txt")); err != nil {
		t.Fatal(err)
	}
	if got, want := changedDocs(s.build()), docsOf("news/archive/1"); !slices.Equal(got, want) {
		t.Errorf("removing story 2 wrote %v, want %v", got, want)
	}
	for _, f := range feed.Formats {
		pages := s.follow(f)
		for _, p := range pages {
			if slices.Contains(p, storyID(2)) {
				t.Errorf("%s: removed story 2 is still published", f)
			}
		}
		if n := len(slices.Concat(pages...)); n != 20 {
			t.Errorf("%s: %d items after removing one of 21", f, n)
		}
	}
}

// TestArchiveOlderItemArrivesLate: a story dated before the current
// document's items, added later, goes straight to the newest archive page
// and every item is still reached once.
func TestArchiveOlderItemArrivesLate(t *testing.T) {
	t.Parallel()
	s := newArchiveSite(t, 12, 5)
	s.build()
	s.write(0, "") // dated before every other story
	res := s.build()
	if got, want := changedDocs(res), docsOf("news/archive/2"); !slices.Equal(got, want) {
		t.Errorf("a late old story wrote %v, want %v", got, want)
	}
	for _, f := range feed.Formats {
		wantStories(t, f, s.follow(f), 0, 12)
	}
}

// TestArchiveCurrentNeverEmpty: when every item of the current document
// is removed, the newest archived items come back to it rather than leave
// the feed empty, and each item is still reached once.
func TestArchiveCurrentNeverEmpty(t *testing.T) {
	t.Parallel()
	s := newArchiveSite(t, 5, 2) // current: 5, 4; page 1: 2, 1; page 2: 3
	s.build()
	for _, n := range []int{4, 5} {
		if err := os.Remove(filepath.Join(s.dir, "articles", fmt.Sprintf("story-%02d.txt", n))); err != nil {
			t.Fatal(err)
		}
	}
	res := s.build()
	for _, f := range feed.Formats {
		pages := s.follow(f)
		if len(pages) != 2 || !slices.Equal(pages[0], []string{storyID(3)}) {
			t.Errorf("%s: documents %v, want story 3 in the current document, then page 1", f, pages)
		}
		wantStories(t, f, pages, 1, 3)
	}
	if n := len(res.Feeds[0].Archive); n != 1 {
		t.Errorf("%d archive pages, want 1", n)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "public", "news", "archive", "2.atom")); !os.IsNotExist(err) {
		t.Errorf("the emptied page 2 is still on disk: %v", err)
	}
}

// TestArchivedItemsKeepTheirPages: an item's page stays online while the
// item is on an archive page, and goes (410) only when the item does.
func TestArchivedItemsKeepTheirPages(t *testing.T) {
	t.Parallel()
	s := newArchiveSite(t, 8, 3)
	s.pages = true
	pageOf := func(n int) string {
		return filepath.Join(s.dir, "public", "items", fmt.Sprintf("story-%02d", n), "index.html")
	}
	check := func(stories ...int) {
		t.Helper()
		for _, n := range stories {
			body, err := os.ReadFile(pageOf(n))
			if err != nil {
				t.Errorf("story %d has no page: %v", n, err)
				continue
			}
			if !bytes.Contains(body, []byte(fmt.Sprintf("Story number %d", n))) {
				t.Errorf("story %d's page does not show its title", n)
			}
		}
	}
	s.build()
	check(1, 2, 3, 4, 5, 6, 7, 8)
	s.write(9, "")
	s.build()
	check(1, 2, 3, 4, 5, 6, 7, 8, 9)

	if err := os.Remove(filepath.Join(s.dir, "articles", "story-01.txt")); err != nil {
		t.Fatal(err)
	}
	res := s.build()
	check(2, 3, 4, 5, 6, 7, 8, 9)
	if _, err := os.Stat(pageOf(1)); !os.IsNotExist(err) {
		t.Errorf("the removed story's page is still there: %v", err)
	}
	if res.Site == nil || !slices.Contains(res.Site.Gone, "/items/story-01/") {
		t.Errorf("the removed story's page is not gone: %+v", res.Site)
	}
}
