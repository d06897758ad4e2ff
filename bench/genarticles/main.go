// Command genarticles writes generated plain-text articles in the shape of
// a wire archive, for the build benchmark (bench/build.sh):
//
//	go run ./bench/genarticles -n 100000 -dir /tmp/site/articles
//
// Each article is five to seven paragraphs of about 200 to 500 characters,
// one per line, then one or two blank lines, then 15 to 19 headline lines of
// other stories. The text is made of sentences drawn from a word list; the
// headlines are drawn from a shared pool (-pool), so that, as in a real
// archive, the same headlines recur across many files. A few words carry
// abbreviations ("U.S.", "Dr."), curly quotes and apostrophes, so that
// titles and text go through the same handling as real copy.
//
// Files are named {dir}/{folder}/{index}.txt, 1000 to a folder, with
// zero-padded numbers so that lexical order is generation order. The
// output depends only on -n, -pool and -seed: every file has a random
// stream of its own, so files are written in parallel and still come out
// the same on every run. The total size in bytes is printed on stdout.
package main

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

func main() {
	n := flag.Int("n", 10000, "number of articles to write")
	dir := flag.String("dir", "", "`folder` to write the articles into (created if missing)")
	pool := flag.Int("pool", 2000, "number of distinct headlines the articles draw from")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *dir == "" || *n < 0 || *pool < 1 || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: genarticles -n N -dir FOLDER [-pool P] [-seed S]")
		os.Exit(2)
	}
	total, err := write(*dir, *n, *pool, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genarticles:", err)
		os.Exit(1)
	}
	fmt.Println(total)
}

// write writes n articles below dir and returns their total size.
func write(dir string, n, poolSize int, seed uint64) (int64, error) {
	headlines := headlinePool(rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), poolSize)
	folders := (n + 999) / 1000
	for f := range folders {
		if err := os.MkdirAll(filepath.Join(dir, folderName(f, folders)), 0o755); err != nil {
			return 0, err
		}
	}
	var (
		total atomic.Int64
		next  atomic.Int64
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	workers := runtime.GOMAXPROCS(0)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b strings.Builder
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				b.Reset()
				article(&b, rand.New(rand.NewPCG(seed, uint64(i)+1)), headlines)
				p := filepath.Join(dir, folderName(i/1000, folders), fileName(i, n))
				if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					next.Store(int64(n)) // stop the other workers too
					return
				}
				total.Add(int64(b.Len()))
			}
		}()
	}
	wg.Wait()
	return total.Load(), first
}

// folderName names folder f of count, zero-padded to at least 3 digits.
func folderName(f, count int) string {
	return fmt.Sprintf("%0*d", max(3, len(fmt.Sprint(count-1))), f)
}

// fileName names article i of n, zero-padded to at least 6 digits.
func fileName(i, n int) string {
	return fmt.Sprintf("%0*d.txt", max(6, len(fmt.Sprint(n-1))), i)
}

// article writes one article: paragraphs, blank lines, headlines.
func article(b *strings.Builder, rng *rand.Rand, headlines []string) {
	for range 5 + rng.IntN(3) {
		target := 200 + rng.IntN(250)
		for start := b.Len(); b.Len()-start < target; {
			if b.Len() > start {
				b.WriteByte(' ')
			}
			sentence(b, rng)
		}
		b.WriteByte('\n')
	}
	b.WriteString("\n")
	if rng.IntN(2) == 0 {
		b.WriteString("\n")
	}
	for range 15 + rng.IntN(5) {
		b.WriteString(headlines[rng.IntN(len(headlines))])
		b.WriteByte('\n')
	}
}

// sentence writes one sentence of 8 to 27 words, capitalised, with the
// occasional comma, and a full stop (now and then a quotation).
func sentence(b *strings.Builder, rng *rand.Rand) {
	n := 8 + rng.IntN(20)
	quote := rng.IntN(12) == 0
	for i := range n {
		if i > 0 {
			if rng.IntN(9) == 0 {
				b.WriteByte(',')
			}
			b.WriteByte(' ')
		}
		if quote && i == n-3 {
			b.WriteString("“")
		}
		w := pick(rng)
		if i == n-1 {
			// The last word carries the full stop: a plain word.
			w = plain[rng.IntN(len(plain))]
		}
		if i == 0 {
			w = capitalise(w)
		}
		b.WriteString(w)
	}
	if quote {
		b.WriteString(".”")
	} else {
		b.WriteByte('.')
	}
}

// pick returns a word: mostly common words, sometimes a name, a number or
// an abbreviation.
func pick(rng *rand.Rand) string {
	switch r := rng.IntN(100); {
	case r < 6:
		return names[rng.IntN(len(names))]
	case r < 8:
		return fmt.Sprint(rng.IntN(2000) + 1)
	case r < 9:
		return abbreviations[rng.IntN(len(abbreviations))]
	default:
		return words[rng.IntN(len(words))]
	}
}

// headlinePool returns size headlines in title case, 6 to 12 words, none
// ending like a sentence.
func headlinePool(rng *rand.Rand, size int) []string {
	out := make([]string, size)
	var b strings.Builder
	for i := range out {
		b.Reset()
		n := 6 + rng.IntN(7)
		for j := range n {
			if j > 0 {
				switch {
				case j == n/2 && rng.IntN(6) == 0:
					b.WriteString(" – ")
				case j == n/2 && rng.IntN(6) == 0:
					b.WriteString(": ")
				default:
					b.WriteByte(' ')
				}
			}
			w := pick(rng)
			if j == n-1 {
				w = plain[rng.IntN(len(plain))]
			}
			b.WriteString(capitalise(w))
		}
		out[i] = b.String()
	}
	return out
}

// capitalise upper-cases the first letter of w.
func capitalise(w string) string {
	r, size := utf8.DecodeRuneInString(w)
	return string(unicode.ToUpper(r)) + w[size:]
}

// plain are the words that end sentences and headlines: no punctuation.
var plain = func() []string {
	var out []string
	for _, w := range words {
		if len(w) > 3 && strings.IndexFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }) < 0 {
			out = append(out, w)
		}
	}
	return out
}()

var abbreviations = []string{"U.S.", "U.N.", "Dr.", "Mr.", "Ms.", "E.U.", "St.", "Jr."}

var names = strings.Fields(`Alvarez Brandt Chen Dubois Eriksen Fischer Garcia Haddad Ibrahim Jansen
Kowalski Lindqvist Moreau Nakamura Okafor Petrov Quinn Rossi Schmidt Tanaka Ueda Varga Walsh Xu
Yilmaz Zhou Lisbon Oslo Nairobi Lima Hanoi Quebec Tbilisi Porto Accra Dakar Bergen Leeds Geneva
Brussels Ankara Santiago Manila Warsaw Riverside Northfield Eastbrook Westhaven`)

var words = strings.Fields(`the the the the a a a an of of of of to to to in in in and and and
on for with at by from as that this which while after before during over under between against
about into through without within across along since until amid near officials council ministry
government agency committee board court judge lawyers police residents workers students teachers
farmers growers engineers doctors nurses scientists researchers economists analysts investors
traders voters leaders minister president mayor spokesperson spokeswoman spokesman delegation
company companies firm bank banks market markets prices costs wages taxes budget deficit grant
funding loan loans debt trade tariffs exports imports energy power grid fuel oil gas coal solar
wind water river harbour port bridge road rail railway station airport flights trains buses
traffic commuters housing rents homes schools hospital clinic library museum stadium park
orchard harvest crops frost drought rainfall storm flood season weather climate emissions
election campaign results ballot vote votes poll polls party parties coalition opposition
parliament assembly law laws bill reform rules policy plan plans proposal agreement deal talks
meeting summit report study survey data figures record growth decline increase decrease rise
fall shortage surplus demand supply contract contractor repairs construction project projects
programme service services network system systems security safety health care education
research technology software platform users customers shops owners business businesses jobs
unemployment inflation interest rates currency shares profit losses revenue quarter year week
month day morning evening night Monday Tuesday Wednesday Thursday Friday Saturday Sunday
January March May June October November said says announced confirmed warned expects expected
plans planned agreed rejected approved delayed opened closed raised cut reduced increased
reported described called urged pledged signed launched began ended met held visited returned
remained continued began faced faces offers offered reached reaches moved moves shows showed
new old local regional national international foreign domestic public private federal central
northern southern eastern western early late first second third last next major minor small large
strong weak higher lower rising falling further broader narrow cautious constructive difficult
uncertain strained stable sharp modest steady significant recent current former potential key
official’s council’s city’s country’s region’s “cautious” “constructive” “fair”`)
