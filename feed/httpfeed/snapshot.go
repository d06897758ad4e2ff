package httpfeed

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/weburl"
)

// Snapshot is the complete set of documents of one successful build, with
// every byte a response needs prepared up front: bodies, their gzip variants,
// ETags and header values. It is immutable once built, which is what lets a
// Handler serve it from many goroutines without locks and swap it whole.
type Snapshot struct {
	built time.Time
	docs  []*document
	// byPath maps the exact request path ("/news.rss") to the document's
	// index in docs. Serving only what this map holds is what rules out
	// path traversal, encoded slashes and directory listings: nothing else
	// is reachable.
	byPath map[string]int
	feeds  int
	// site holds the pages and files served beside the documents; nil
	// when there are none.
	site *site
	// fetch gives the bodies of lazy variants, in a stored snapshot.
	fetch BodyFetcher
}

// document is a Document with its prepared response variants.
type document struct {
	feed.Document
	path string
	rep  representation
}

// coding is a content coding a variant is encoded with.
type coding uint8

// The content codings a representation can be served in, as bits so that a
// request's acceptable codings fit in one byte.
const (
	codingIdentity coding = 1 << iota
	codingGzip
)

// variant is one encoding of a representation, with the header values that
// depend on its bytes.
type variant struct {
	coding coding
	// body is nil for a variant fetched on demand (fetch.go) until a
	// request needs it; sum is its SHA-256 either way.
	body []byte
	sum  [32]byte
	size int
	// lazy marks a variant whose body the snapshot's fetcher gives.
	lazy bool
	// file holds body in an in-memory file for sendfile; nil for small
	// bodies.
	file *bodyFile
	etag string // quoted, as sent
	// Header values are shared by every response and must never be
	// modified in place; each slice has len == cap so an append made by
	// middleware copies instead of writing into it.
	etagHeader     []string
	lengthHeader   []string
	encodingHeader []string // nil for identity
}

// representation is one resource's bytes in every encoding worth serving,
// plus the validators conditional requests are evaluated against.
type representation struct {
	// variants is ordered by ascending size, so the first acceptable one is
	// the smallest the client can take; identity is always present.
	variants []variant
	identity *variant
	// modified is the Last-Modified time in Unix seconds, valid only when
	// lastModified is non-empty.
	modified     int64
	lastModified string
}

// pick returns the smallest variant whose coding is in accepted, or
// identity when none is: a response without content coding is always
// allowed (RFC 9110, section 12.5.3).
func (r *representation) pick(accepted coding) *variant {
	for i := range r.variants {
		if r.variants[i].coding&accepted != 0 {
			return &r.variants[i]
		}
	}
	return r.identity
}

// NewSnapshot validates docs and prepares everything needed to serve them:
// a copy of each body, a gzip variant at best compression (kept only when it
// is smaller), strong ETags and header values. The compression happens here,
// once per build, so that no request ever compresses anything. built is the
// time the build finished; it is shown on the index page and counts as the
// last successful build for /healthz.
func NewSnapshot(docs []feed.Document, built time.Time) (*Snapshot, error) {
	if built.IsZero() {
		return nil, errors.New("new snapshot: build time is zero")
	}
	s := &Snapshot{
		built:  built,
		docs:   make([]*document, 0, len(docs)),
		byPath: make(map[string]int, len(docs)),
	}
	var errs []error
	for _, d := range docs {
		if err := validateDocument(d); err != nil {
			errs = append(errs, err)
			continue
		}
		p := "/" + d.Feed + "." + string(d.Format)
		if _, dup := s.byPath[p]; dup {
			errs = append(errs, fmt.Errorf("document %s: published twice", p))
			continue
		}
		s.byPath[p] = -1
		doc := &document{Document: d, path: p}
		doc.Body = bytes.Clone(d.Body)
		s.docs = append(s.docs, doc)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("new snapshot: %w", err)
	}
	slices.SortFunc(s.docs, func(a, b *document) int {
		return cmp.Or(strings.Compare(a.Feed, b.Feed), cmp.Compare(formatRank(a.Format), formatRank(b.Format)))
	})
	for i, d := range s.docs {
		s.byPath[d.path] = i
		if i == 0 || s.docs[i-1].Feed != d.Feed {
			s.feeds++
		}
	}

	// Compression at best level is the slow part of a snapshot; spread it
	// over the available cores.
	errs = make([]error, len(s.docs))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, d := range s.docs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			rep, err := newRepresentation(d.Body, d.Modified)
			if err != nil {
				errs[i] = fmt.Errorf("document %s: %w", d.path, err)
				return
			}
			d.rep = rep
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("new snapshot: %w", err)
	}
	return s, nil
}

// Built is the time the snapshot's build finished.
func (s *Snapshot) Built() time.Time { return s.built }

// Len is the number of documents in the snapshot.
func (s *Snapshot) Len() int { return len(s.docs) }

// Paths lists the request paths the snapshot serves, sorted by feed name and
// then format, so that callers can log or test what is published.
func (s *Snapshot) Paths() []string {
	out := make([]string, len(s.docs))
	for i, d := range s.docs {
		out[i] = d.path
	}
	return out
}

// formatRank orders formats as feed.Formats lists them.
func formatRank(f feed.Format) int {
	if i := slices.Index(feed.Formats, f); i >= 0 {
		return i
	}
	return len(feed.Formats)
}

// validateDocument reports why d cannot be served, naming the feed.
func validateDocument(d feed.Document) error {
	if err := validateFeedName(d.Feed); err != nil {
		return fmt.Errorf("document %q: %w", d.Feed, err)
	}
	if !slices.Contains(feed.Formats, d.Format) {
		return fmt.Errorf("document %s: unknown format %q", d.Feed, d.Format)
	}
	if len(d.Body) == 0 {
		return fmt.Errorf("document %s.%s: empty body", d.Feed, d.Format)
	}
	if _, err := weburl.ParseHTTP(d.SelfURL); err != nil {
		return fmt.Errorf("document %s.%s: self url: %w", d.Feed, d.Format, err)
	}
	return nil
}

// validateFeedName accepts names whose path can only ever be reached by
// exactly that path: no empty, "." or ".." segments and nothing that a
// client would have to percent-encode.
func validateFeedName(name string) error {
	if name == "" {
		return errors.New("empty feed name")
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("feed name %q: empty, \".\" or \"..\" segment", name)
		}
		for i := 0; i < len(seg); i++ {
			if !weburl.Unreserved(seg[i]) {
				return fmt.Errorf("feed name %q: character %q not allowed", name, seg[i])
			}
		}
	}
	return nil
}

// newRepresentation prepares body for serving: the identity variant, a gzip
// variant when it is smaller, and the Last-Modified value of modified.
//
// There is no brotli variant. On a 150 KB RSS document with full HTML
// content, brotli at quality 11 came out 17% smaller than gzip -9 (34 KB
// against 41 KB) but took about 30 times as long (320 ms against 10 ms per
// document, on every build), and at quality 9 saved only 7%. Feed readers,
// the bulk of the traffic, mostly send "Accept-Encoding: gzip" and nothing
// else. A variant is one more entry in the variants slice should that
// change.
func newRepresentation(body []byte, modified time.Time) (representation, error) {
	var rep representation
	rep.variants = append(rep.variants, newVariant(codingIdentity, body))
	gz, err := gzipBest(body)
	if err != nil {
		return rep, fmt.Errorf("gzip: %w", err)
	}
	if len(gz) < len(body) {
		rep.variants = append(rep.variants, newVariant(codingGzip, gz))
	}
	slices.SortStableFunc(rep.variants, func(a, b variant) int { return cmp.Compare(len(a.body), len(b.body)) })
	for i := range rep.variants {
		if rep.variants[i].coding == codingIdentity {
			rep.identity = &rep.variants[i]
		}
	}
	if !modified.IsZero() {
		rep.modified = modified.Unix()
		rep.lastModified = modified.UTC().Format(timeFormat)
	}
	return rep, nil
}

// newVariant computes body's ETag and header values.
func newVariant(c coding, body []byte) variant {
	v := hashedVariant(c, sha256.Sum256(body), len(body))
	v.body, v.file = body, newBodyFile(body)
	return v
}

// hashedVariant is a variant of size bytes whose SHA-256 is sum, with
// every header value and no body yet.
func hashedVariant(c coding, sum [32]byte, size int) variant {
	v := variant{
		coding:       c,
		sum:          sum,
		size:         size,
		etag:         etagOf(sum),
		lengthHeader: []string{strconv.Itoa(size)},
	}
	v.etagHeader = []string{v.etag}
	if c == codingGzip {
		v.encodingHeader = []string{"gzip"}
	}
	return v
}

// etagOf is the strong entity tag of the body whose SHA-256 is sum: its
// first 128 bits in unpadded base64url, quoted. It hashes the bytes
// actually sent, so each encoding of a document gets its own tag, as RFC
// 9110 requires of strong validators, and every server holding the same
// bytes sends the same tag.
func etagOf(sum [32]byte) string {
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:16]) + `"`
}

// gzipBest compresses body once at the best compression level.
func gzipBest(body []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(body) / 3)
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return slices.Clip(buf.Bytes()), nil
}
