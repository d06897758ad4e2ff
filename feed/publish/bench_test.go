package publish_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/source"
)

var words = strings.Fields(`council bridge harbour repairs engineers corrosion supports commuters
crossing detour budget grant shop owners footpath walkway contractor bakery meeting routes growers
orchard harvest frost spring cooperative tonnes prices juice cider workers housing season students
robot championship recycling packaging labels judges accuracy museum library hours exam transport
rail weekend trains valley road schedule officials talks embassy visas banking diplomacy relations
ministry spokesman agreement cooperation energy markets trade tariffs election results campaign`)

// writeArticles writes n articles shaped like the seed: six paragraphs of
// about 400 characters, then 17 headlines drawn from a shared pool, so
// headlines repeat across files as they do in a real archive.
func writeArticles(tb testing.TB, dir string, n int) int64 {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	sentence := func(words_ int) string {
		w := make([]string, words_)
		for i := range w {
			w[i] = words[rng.IntN(len(words))]
		}
		s := strings.Join(w, " ")
		return strings.ToUpper(s[:1]) + s[1:] + "."
	}
	pool := make([]string, 2000)
	for i := range pool {
		h := strings.TrimSuffix(sentence(7), ".")
		pool[i] = fmt.Sprintf("%s %d", strings.Title(h), i) //nolint:staticcheck // ASCII words only
	}
	var total int64
	for i := range n {
		var b strings.Builder
		for range 6 {
			for range 6 {
				b.WriteString(sentence(10))
				b.WriteByte(' ')
			}
			b.WriteString("\n")
		}
		b.WriteString("\n\n")
		for range 17 {
			b.WriteString(pool[rng.IntN(len(pool))])
			b.WriteString("\n")
		}
		p := filepath.Join(dir, fmt.Sprintf("%03d", i/1000), fmt.Sprintf("%06d.txt", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			tb.Fatal(err)
		}
		total += int64(b.Len())
	}
	return total
}

func benchBuilder(dir string, led ledger.Ledger, out string) *publish.Builder {
	base, _ := url.Parse("http://127.0.0.1:8080/")
	meta := feed.Meta{
		ID: "tag:news.example.com,2026-01-01:feed:news", Title: "Bench", Link: "https://news.example.com/",
		SelfURL: map[feed.Format]string{feed.RSS: "http://127.0.0.1:8080/news.rss", feed.Atom: "http://127.0.0.1:8080/news.atom", feed.JSON: "http://127.0.0.1:8080/news.json"},
	}
	return &publish.Builder{
		Sources: []publish.Source{&source.Text{SourceName: "wire", Root: dir, IDPrefix: "tag:news.example.com,2026-01-01:", LinkTemplate: "http://127.0.0.1:8080/items/{slug}"}},
		Feeds:   []publish.Feed{{Name: "news", Meta: meta, Sources: []string{"wire"}, Limit: 50}},
		Ledger:  led,
		Output:  out,
		Base:    base,
		Now:     func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) },
	}
}

// BenchmarkBuild builds 10,000 seed-sized articles (FEEDPUB_BENCH_ARTICLES
// to change it) into all three formats:
// "full" with an empty ledger (every item new), "unchanged" again over the
// same ledger. It reports articles/s and the process's peak RSS.
func BenchmarkBuild(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("FEEDPUB_BENCH_ARTICLES")); err == nil && v > 0 {
		n = v
	}
	dir := b.TempDir()
	size := writeArticles(b, filepath.Join(dir, "articles"), n)
	run := func(b *testing.B, fresh bool) {
		var total time.Duration
		for i := range b.N {
			path := filepath.Join(dir, "ledger.db")
			if fresh {
				path = filepath.Join(dir, fmt.Sprintf("ledger-%d-%d.db", b.N, i))
			}
			led, err := ledger.OpenBolt(path, ledger.BoltOptions{})
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			res, err := benchBuilder(filepath.Join(dir, "articles"), led, filepath.Join(dir, "public")).Build(context.Background())
			total += time.Since(start)
			led.Close()
			if err != nil {
				b.Fatal(err)
			}
			if res.Feeds[0].Items != 50 {
				b.Fatalf("feed has %d items", res.Feeds[0].Items)
			}
		}
		b.SetBytes(size)
		b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "articles/s")
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
			b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
		}
	}
	b.Run("full", func(b *testing.B) { run(b, true) })
	// Prime the shared ledger so that "unchanged" measures a rebuild.
	led, err := ledger.OpenBolt(filepath.Join(dir, "ledger.db"), ledger.BoltOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := benchBuilder(filepath.Join(dir, "articles"), led, filepath.Join(dir, "public")).Build(context.Background()); err != nil {
		b.Fatal(err)
	}
	led.Close()
	b.Run("unchanged", func(b *testing.B) { run(b, false) })
}
