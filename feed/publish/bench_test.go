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
		pool[i] = fmt.Sprintf("%s %d", titleCase(h), i)
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

func benchBuilder(dir string, led ledger.Ledger, out, cache string) *publish.Builder {
	base, _ := url.Parse("http://127.0.0.1:8080/")
	meta := feed.Meta{
		ID: "tag:news.example.com,2026-01-01:feed:news", Title: "Bench", Link: "https://news.example.com/",
		SelfURL: map[feed.Format]string{feed.RSS: "http://127.0.0.1:8080/news.rss", feed.Atom: "http://127.0.0.1:8080/news.atom", feed.JSON: "http://127.0.0.1:8080/news.json"},
	}
	return &publish.Builder{
		Sources: []publish.Source{&source.Text{SourceName: "wire", Root: dir, CacheFile: cache,
			IDPrefix: "tag:news.example.com,2026-01-01:", LinkTemplate: "http://127.0.0.1:8080/items/{slug}"}},
		Feeds:  []publish.Feed{{Name: "news", Meta: meta, Sources: []string{"wire"}, Limit: 50}},
		Ledger: led,
		Output: out,
		Base:   base,
		Now:    func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) },
	}
}

// BenchmarkBuild builds 10,000 seed-sized articles (FEEDPUB_BENCH_ARTICLES
// to change it) into all three formats, as feedpub build does (ledger
// file, output folder, file cache):
//
//	full       an empty ledger and no cache: every file read, every item new
//	unchanged  nothing changed since the last build: skipped by the fingerprint
//	one-edit   one article edited since the last build: only it is read,
//	           and merged into the items the last build recorded
//	one-add    one article added, last in walk order (with the builds'
//	           one clock it ranks last among equal dates)
//	no-cache   the one-edit build without a file cache: every file read again
//
// It reports articles/s (of the whole archive) and the process's peak RSS.
func BenchmarkBuild(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("FEEDPUB_BENCH_ARTICLES")); err == nil && v > 0 {
		n = v
	}
	dir := b.TempDir()
	articles := filepath.Join(dir, "articles")
	size := writeArticles(b, articles, n)
	build := func(b *testing.B, ledgerPath, cache string) time.Duration {
		led, err := ledger.OpenBolt(ledgerPath, ledger.BoltOptions{})
		if err != nil {
			b.Fatal(err)
		}
		defer led.Close()
		start := time.Now()
		res, err := benchBuilder(articles, led, filepath.Join(dir, "public"), cache).Build(context.Background())
		took := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if res.Feeds[0].Items != 50 {
			b.Fatalf("feed has %d items", res.Feeds[0].Items)
		}
		return took
	}
	report := func(b *testing.B, total time.Duration) {
		b.SetBytes(size)
		b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "articles/s")
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
			b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
		}
	}
	ledgerPath := filepath.Join(dir, "ledger.db")
	cache := filepath.Join(dir, "cache")
	b.Run("full", func(b *testing.B) {
		var total time.Duration
		for i := range b.N {
			total += build(b, filepath.Join(dir, fmt.Sprintf("ledger-%d-%d.db", b.N, i)), "")
		}
		report(b, total)
	})
	// Prime the shared ledger and cache so that the others measure
	// rebuilds.
	build(b, ledgerPath, cache)
	b.Run("unchanged", func(b *testing.B) {
		var total time.Duration
		for range b.N {
			total += build(b, ledgerPath, cache)
		}
		report(b, total)
	})
	edit := func(i int) {
		p := filepath.Join(articles, fmt.Sprintf("%03d", (i*7919%n)/1000), fmt.Sprintf("%06d.txt", i*7919%n))
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		data = append([]byte(fmt.Sprintf("Edit %d. ", i)), data...)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	add := func(i int) {
		p := filepath.Join(articles, "new", fmt.Sprintf("%06d.txt", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, fmt.Appendf(nil, "A new story, number %d, comes last.\n", i), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, sub := range []struct {
		name   string
		cache  string
		change func(int)
	}{{"one-edit", cache, edit}, {"one-add", cache, add}, {"no-cache", "", edit}} {
		b.Run(sub.name, func(b *testing.B) {
			var total time.Duration
			for i := range b.N {
				b.StopTimer()
				sub.change(i)
				b.StartTimer()
				total += build(b, ledgerPath, sub.cache)
			}
			report(b, total)
		})
	}
}

// titleCase capitalises each word of ASCII text.
func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
