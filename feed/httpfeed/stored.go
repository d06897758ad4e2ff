package httpfeed

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// A Manifest is everything a Snapshot answers, in a form another server
// can store and serve again byte for byte, with the same ETags: the bytes
// of every encoding of every resource, named by their SHA-256. Replicas of
// one site share their leader's snapshots this way (see NewStoredSnapshot).
type Manifest struct {
	// Built is the snapshot's build time.
	Built time.Time `json:"built"`
	// Site reports whether the snapshot has a Site.
	Site bool `json:"site,omitempty"`
	// Gone are the paths of retired pages, as in Site.Gone.
	Gone      []string   `json:"gone,omitempty"`
	Resources []Resource `json:"resources"`
}

// ResourceKind says what a Resource is.
type ResourceKind string

// The kinds of resources a snapshot answers.
const (
	KindDocument ResourceKind = "document" // a feed document, at its Path
	KindView     ResourceKind = "view"     // the browser view of the document at Path
	KindFile     ResourceKind = "file"     // a Site file
	KindGone     ResourceKind = "gone"     // the page retired paths answer with
)

// Resource is one thing a snapshot answers, with its encodings.
type Resource struct {
	Kind ResourceKind `json:"kind"`
	// Path is the request path; empty for KindGone.
	Path string `json:"path,omitempty"`
	// Document describes a KindDocument, without its Body.
	Document *feed.Document `json:"document,omitempty"`
	// ContentType and Folder describe a KindFile, as in SiteFile.
	ContentType string `json:"content_type,omitempty"`
	Folder      string `json:"folder,omitempty"`
	// Lazy marks a resource of which a site has many, and readers want
	// few: archive pages, item pages and their files. A stored snapshot
	// fetches its bytes on demand.
	Lazy     bool      `json:"lazy,omitempty"`
	Variants []Variant `json:"variants"`
}

// Variant is one encoding of a Resource.
type Variant struct {
	// Coding is "identity" or "gzip".
	Coding string `json:"coding"`
	SHA256 Sum    `json:"sha256"`
	Size   int    `json:"size"`
	// Body is the variant's bytes. Manifest sets it on every variant;
	// NewStoredSnapshot needs it on every variant of a resource that is
	// not Lazy.
	Body []byte `json:"-"`
}

// Sum is a SHA-256, written as hex in JSON.
type Sum [32]byte

// MarshalText writes s in hex.
func (s Sum) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(s[:])), nil }

// UnmarshalText reads s from hex.
func (s *Sum) UnmarshalText(b []byte) error {
	if hex.DecodedLen(len(b)) != len(s) {
		return fmt.Errorf("sha256 %q: not 64 hex digits", b)
	}
	_, err := hex.Decode(s[:], b)
	return err
}

// BodyFetcher returns the bytes whose SHA-256 is sum, for the resources of
// a stored snapshot that are fetched on demand. It must return exactly
// those bytes or an error.
type BodyFetcher interface {
	Body(ctx context.Context, sum Sum) ([]byte, error)
}

var codingNames = map[coding]string{codingIdentity: "identity", codingGzip: "gzip"}

// Manifest describes everything s answers, with every body, in an order
// that depends only on what is served; the index
// page, which a Handler renders from the snapshot and its site title, is
// not part of it.
func (s *Snapshot) Manifest() Manifest {
	m := Manifest{Built: s.built}
	for i, d := range s.docs {
		doc := d.Document
		doc.Body, doc.Changed = nil, false
		m.Resources = append(m.Resources, Resource{Kind: KindDocument, Path: d.path, Document: &doc, Lazy: d.Archive, Variants: exportVariants(&d.rep)})
		if s.site != nil && s.site.views[i] != nil {
			m.Resources = append(m.Resources, Resource{Kind: KindView, Path: d.path, Lazy: d.Archive, Variants: exportVariants(s.site.views[i])})
		}
	}
	if s.site != nil {
		m.Site = true
		// By path: a build that read its pages back lists them in another
		// order than one that rendered them, and both serve the same.
		files := slices.Clone(s.site.files)
		slices.SortFunc(files, func(a, b *siteFile) int { return strings.Compare(a.Path, b.Path) })
		for _, f := range files {
			m.Resources = append(m.Resources, Resource{
				Kind: KindFile, Path: f.Path, ContentType: f.ContentType, Folder: f.Folder,
				// Files below a folder are item pages and their files.
				Lazy:     strings.Contains(f.Path[1:], "/"),
				Variants: exportVariants(&f.rep),
			})
		}
		m.Resources = append(m.Resources, Resource{Kind: KindGone, Variants: exportVariants(&s.site.goneRep)})
		for g := range s.site.gone {
			m.Gone = append(m.Gone, g)
		}
		slices.Sort(m.Gone)
	}
	return m
}

func exportVariants(rep *representation) []Variant {
	out := make([]Variant, len(rep.variants))
	for i, v := range rep.variants {
		out[i] = Variant{Coding: codingNames[v.coding], SHA256: v.sum, Size: len(v.body), Body: v.body}
	}
	return out
}

// NewStoredSnapshot is the snapshot m describes, serving exactly its bytes
// and ETags. Resources that are not Lazy must carry their bodies; those of
// Lazy ones are fetched with fetch when a request needs them (a
// conditional request answered 304, or a HEAD, fetches nothing), so that
// the memory a snapshot takes does not grow with the archive's bytes.
func NewStoredSnapshot(m Manifest, fetch BodyFetcher) (*Snapshot, error) {
	if m.Built.IsZero() {
		return nil, errors.New("stored snapshot: build time is zero")
	}
	s := &Snapshot{built: m.Built, byPath: map[string]int{}, fetch: fetch}
	var ps *site
	if m.Site {
		ps = &site{byPath: map[string]int{}, folders: map[string]int{}, gone: map[string]bool{}}
	}
	views := map[string]*representation{}
	var errs []error
	for _, r := range m.Resources {
		rep, err := storedRepresentation(r, fetch)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", r.Kind, r.Path, err))
			continue
		}
		switch {
		case r.Kind == KindDocument && r.Document != nil:
			d := &document{Document: *r.Document, path: r.Path, rep: rep}
			if err := validateFeedName(d.Feed); err != nil {
				errs = append(errs, fmt.Errorf("document %s: %w", r.Path, err))
				continue
			}
			if _, dup := s.byPath[r.Path]; dup || r.Path != "/"+d.Path() {
				errs = append(errs, fmt.Errorf("document %s: published twice, or not at its path", r.Path))
				continue
			}
			s.byPath[r.Path] = len(s.docs)
			s.docs = append(s.docs, d)
			if len(s.docs) == 1 || s.docs[len(s.docs)-2].Feed != d.Feed {
				s.feeds++
			}
		case r.Kind == KindView && ps != nil:
			views[r.Path] = &rep
		case r.Kind == KindFile && ps != nil:
			if err := validateSitePath(r.Path); err != nil {
				errs = append(errs, fmt.Errorf("site file %q: %w", r.Path, err))
				continue
			}
			if _, dup := ps.byPath[r.Path]; dup {
				errs = append(errs, fmt.Errorf("site file %s: published twice", r.Path))
				continue
			}
			if r.Folder != "" {
				if _, dup := ps.folders[r.Folder]; dup || r.Folder != strings.TrimSuffix(r.Path, "/")+"/" {
					errs = append(errs, fmt.Errorf("site file %s: folder %q is not its own, or has two pages", r.Path, r.Folder))
					continue
				}
				ps.folders[r.Folder] = len(ps.files)
			}
			ps.byPath[r.Path] = len(ps.files)
			ps.files = append(ps.files, &siteFile{SiteFile: SiteFile{Path: r.Path, ContentType: r.ContentType, Folder: r.Folder}, rep: rep})
		case r.Kind == KindGone && ps != nil:
			ps.goneRep = rep
		default:
			errs = append(errs, fmt.Errorf("resource %q of kind %q: unexpected", r.Path, r.Kind))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("stored snapshot: %w", err)
	}
	if ps != nil {
		for p := range ps.byPath {
			if _, dup := s.byPath[p]; dup {
				errs = append(errs, fmt.Errorf("site file %s: also a feed document", p))
			}
		}
		if err := errors.Join(errs...); err != nil {
			return nil, fmt.Errorf("stored snapshot: %w", err)
		}
		for _, g := range m.Gone {
			ps.gone[g] = true
		}
		ps.views = make([]*representation, len(s.docs))
		for i, d := range s.docs {
			ps.views[i] = views[d.path]
		}
		s.site = ps
	}
	return s, nil
}

// storedRepresentation is the representation of r's variants: with their
// bodies, or, for a Lazy resource, with only what headers need.
func storedRepresentation(r Resource, fetch BodyFetcher) (representation, error) {
	var rep representation
	for _, sv := range r.Variants {
		var c coding
		for k, name := range codingNames {
			if name == sv.Coding {
				c = k
			}
		}
		if c == 0 {
			return rep, fmt.Errorf("unknown coding %q", sv.Coding)
		}
		v := hashedVariant(c, sv.SHA256, sv.Size)
		switch {
		case sv.Body != nil:
			if len(sv.Body) != sv.Size || sha256.Sum256(sv.Body) != sv.SHA256 {
				return rep, fmt.Errorf("%s body does not match its sha256", sv.Coding)
			}
			v.body, v.file = sv.Body, newBodyFile(sv.Body)
		case !r.Lazy || fetch == nil:
			return rep, fmt.Errorf("%s body missing", sv.Coding)
		default:
			v.lazy = true
		}
		rep.variants = append(rep.variants, v)
	}
	slices.SortStableFunc(rep.variants, func(a, b variant) int { return cmp.Compare(a.size, b.size) })
	for i := range rep.variants {
		if rep.variants[i].coding == codingIdentity {
			rep.identity = &rep.variants[i]
		}
	}
	if rep.identity == nil {
		return rep, errors.New("no identity variant")
	}
	if r.Document != nil && !r.Document.Modified.IsZero() {
		rep.modified = r.Document.Modified.Unix()
		rep.lastModified = r.Document.Modified.UTC().Format(timeFormat)
	}
	return rep, nil
}
