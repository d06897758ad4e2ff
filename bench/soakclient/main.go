// Command soakclient polls a running 'feedpub serve' and checks every
// response it gets, for bench/soak.sh.
//
// Workers request the three documents of one feed in turn, in four ways:
// plain, with Accept-Encoding: gzip, and each of those with If-None-Match
// set to the last ETag the worker saw for that document and coding. For
// every response it checks:
//
//   - 200: the body is as long as Content-Length says, and the ETag is the
//     one feed/httpfeed derives from the bytes sent: the first 128 bits of
//     their SHA-256 in unpadded base64url, quoted (the gzip variant has the
//     tag of the gzip bytes). A gzip body must decompress. Every 25th body
//     of each worker is also run through feed.ValidateFormat.
//   - 304: no body, only in answer to an If-None-Match, with the ETag that
//     was asked about.
//   - anything else, or a transport error, is an error.
//
// It also samples the resident set size of the server process (VmRSS in
// /proc/PID/status) after the warm-up, every 10 seconds and at the end, and
// prints the counts and the samples. The exit status is 1 when there was
// any error, mismatch or invalid document, 2 for bad flags or a server that
// never became healthy.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedpub/feedpub/feed"
)

func main() {
	base := flag.String("base", "", "base `URL` of the server, such as http://127.0.0.1:8080/")
	feedName := flag.String("feed", "news", "feed `name` to poll")
	workers := flag.Int("workers", 16, "concurrent `workers`")
	duration := flag.Duration("duration", 60*time.Second, "how long to poll after the warm-up")
	warmup := flag.Duration("warmup", 3*time.Second, "polling before the first memory sample, not counted")
	pause := flag.Duration("pause", 0, "each worker's pause between requests")
	pid := flag.Int("pid", 0, "process `id` of the server, for memory samples; 0 takes none")
	wait := flag.Duration("wait", 30*time.Second, "how long to wait for /healthz to answer 200")
	flag.Parse()
	if *base == "" || *workers < 1 || *duration <= 0 || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if !strings.HasSuffix(*base, "/") {
		*base += "/"
	}
	if err := waitHealthy(*base+"healthz", *wait); err != nil {
		fmt.Fprintln(os.Stderr, "soakclient:", err)
		os.Exit(2)
	}

	c := &client{
		http: &http.Client{
			Timeout: 10 * time.Second,
			// Keep gzip bodies as sent, so their ETag can be checked.
			Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: *workers},
		},
		base:  *base,
		feed:  *feedName,
		pause: *pause,
		stats: &stats{},
		etags: map[string]bool{},
	}

	// Warm up, then count from zero.
	c.run(*workers, *warmup)
	warm := c.stats.snapshot()
	c.stats = &stats{}

	var samples []sample
	start := time.Now()
	if *pid > 0 {
		samples = append(samples, takeSample(*pid, 0))
	}
	done := make(chan struct{})
	var sampler sync.WaitGroup
	if *pid > 0 {
		sampler.Go(func() {
			tick := time.NewTicker(10 * time.Second)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
					samples = append(samples, takeSample(*pid, time.Since(start)))
				}
			}
		})
	}
	c.run(*workers, *duration)
	close(done)
	sampler.Wait()
	took := time.Since(start)
	if *pid > 0 {
		samples = append(samples, takeSample(*pid, took))
	}

	s := c.stats.snapshot()
	fmt.Printf("warm-up:     %d requests in %v, not counted\n", warm.requests, *warmup)
	fmt.Printf("requests:    %d in %v (%.0f/s) by %d workers\n", s.requests, took.Round(time.Millisecond), float64(s.requests)/took.Seconds(), *workers)
	fmt.Printf("200:         %d (%d gzip)\n", s.ok, s.gzip)
	fmt.Printf("304:         %d\n", s.notModified)
	fmt.Printf("errors:      %d\n", s.errors)
	fmt.Printf("mismatches:  %d\n", s.mismatches)
	fmt.Printf("validated:   %d documents, %d invalid\n", s.validated, s.invalid)
	c.mu.Lock()
	fmt.Printf("etags seen:  %d distinct (the documents changed while polled)\n", len(c.etags))
	c.mu.Unlock()
	for _, line := range c.firstProblems() {
		fmt.Println("problem:    ", line)
	}
	if len(samples) > 0 {
		var hi int64
		for i, sm := range samples {
			hi = max(hi, sm.kib)
			label := fmt.Sprintf("rss at %3ds:", int(sm.at.Seconds()))
			if i == len(samples)-1 {
				label = "rss at end: "
			}
			fmt.Printf("%s %s\n", label, kib(sm.kib))
		}
		fmt.Printf("rss:         start %s, end %s, max %s\n", kib(samples[0].kib), kib(samples[len(samples)-1].kib), kib(hi))
	}
	if s.errors > 0 || s.mismatches > 0 || s.invalid > 0 {
		os.Exit(1)
	}
}

// waitHealthy polls url until it answers 200 or limit has passed.
func waitHealthy(url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := c.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 within %v (last: %v)", url, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type client struct {
	http  *http.Client
	base  string
	feed  string
	pause time.Duration
	// stats is replaced between runs, never during one.
	stats *stats

	mu       sync.Mutex
	etags    map[string]bool
	problems []string
}

// stats are the counts of a run, updated by every worker.
type stats struct {
	requests, ok, gzip, notModified, errors, mismatches, validated, invalid atomic.Int64
}

type counts struct {
	requests, ok, gzip, notModified, errors, mismatches, validated, invalid int64
}

func (s *stats) snapshot() counts {
	return counts{
		s.requests.Load(), s.ok.Load(), s.gzip.Load(), s.notModified.Load(),
		s.errors.Load(), s.mismatches.Load(), s.validated.Load(), s.invalid.Load(),
	}
}

// problem records a failed check; the first few are printed.
func (c *client) problem(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.problems) < 20 {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

func (c *client) firstProblems() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.problems
}

// run polls with n workers for d. A request under way when d is over is
// finished and counted, never cut off.
func (c *client) run(n int, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() { c.worker(ctx, w) })
	}
	wg.Wait()
}

// worker cycles through the documents and the ways of asking for them,
// starting at a different point in the cycle for each worker.
func (c *client) worker(ctx context.Context, id int) {
	last := map[string]string{} // path and coding to the last ETag seen
	bodies := 0
	for i := id; ctx.Err() == nil; i++ {
		format := feed.Formats[i%len(feed.Formats)]
		way := (i / len(feed.Formats)) % 4
		useGzip, conditional := way&1 == 1, way&2 == 2
		key := string(format) + map[bool]string{false: " identity", true: " gzip"}[useGzip]
		etag := ""
		if conditional {
			etag = last[key]
		}
		got, ok := c.check(format, useGzip, etag, &bodies)
		if ok && got != "" {
			last[key] = got
		}
		if c.pause > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(c.pause):
			}
		}
	}
}

// check makes one request and checks the response. It returns the ETag of
// the response and whether every check passed.
func (c *client) check(format feed.Format, useGzip bool, ifNoneMatch string, bodies *int) (string, bool) {
	path := c.feed + "." + string(format)
	what := path
	if useGzip {
		what += " gzip"
	}
	if ifNoneMatch != "" {
		what += " If-None-Match " + ifNoneMatch
	}
	c.stats.requests.Add(1)
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.stats.errors.Add(1)
		c.problem("%s: %v", what, err)
		return "", false
	}
	if useGzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	if ifNoneMatch != "" {
		req.Header.Set("If-None-Match", ifNoneMatch)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.stats.errors.Add(1)
		c.problem("%s: %v", what, err)
		return "", false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.stats.errors.Add(1)
		c.problem("%s: reading the body: %v", what, err)
		return "", false
	}
	etag := resp.Header.Get("ETag")

	switch resp.StatusCode {
	case http.StatusOK:
		c.stats.ok.Add(1)
		c.mu.Lock()
		c.etags[etag] = true
		c.mu.Unlock()
		mismatch := func(format string, args ...any) (string, bool) {
			c.stats.mismatches.Add(1)
			c.problem(what+": "+format, args...)
			return "", false
		}
		if resp.ContentLength != int64(len(body)) {
			return mismatch("Content-Length %d, body %d bytes", resp.ContentLength, len(body))
		}
		if want := etagOf(body); etag != want {
			return mismatch("ETag %s, the body's is %s", etag, want)
		}
		doc := body
		switch enc := resp.Header.Get("Content-Encoding"); {
		case enc == "gzip" && useGzip:
			c.stats.gzip.Add(1)
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err == nil {
				doc, err = io.ReadAll(zr)
			}
			if err != nil {
				return mismatch("gzip body does not decompress: %v", err)
			}
		case enc != "":
			return mismatch("Content-Encoding %q", enc)
		}
		if *bodies++; *bodies%25 == 0 {
			c.stats.validated.Add(1)
			if err := feed.ValidateFormat(format, doc).SpecErr(); err != nil {
				c.stats.invalid.Add(1)
				c.problem("%s: invalid document: %v", what, err)
				return "", false
			}
		}
		return etag, true
	case http.StatusNotModified:
		c.stats.notModified.Add(1)
		switch {
		case len(body) != 0:
			c.stats.mismatches.Add(1)
			c.problem("%s: 304 with %d bytes of body", what, len(body))
			return "", false
		case ifNoneMatch == "":
			c.stats.mismatches.Add(1)
			c.problem("%s: 304 to an unconditional request", what)
			return "", false
		case etag != ifNoneMatch:
			c.stats.mismatches.Add(1)
			c.problem("%s: 304 with ETag %s", what, etag)
			return "", false
		}
		return etag, true
	default:
		c.stats.errors.Add(1)
		c.problem("%s: %s", what, resp.Status)
		return "", false
	}
}

// etagOf is the ETag feed/httpfeed sends for body: the first 128 bits of
// its SHA-256 in unpadded base64url, quoted.
func etagOf(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

// sample is one reading of the server's resident set size.
type sample struct {
	at  time.Duration
	kib int64
}

// takeSample reads VmRSS of process pid; -1 when it cannot be read.
func takeSample(pid int, at time.Duration) sample {
	kib, err := vmRSS(pid)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soakclient:", err)
		kib = -1
	}
	return sample{at: at, kib: kib}
}

func vmRSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			fields := strings.Fields(v)
			if len(fields) == 0 {
				break
			}
			return strconv.ParseInt(fields[0], 10, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}

func kib(n int64) string {
	if n < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/1024)
}
