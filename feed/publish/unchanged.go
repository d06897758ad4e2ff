package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/internal/buildid"
)

// A build whose fingerprint (the sources' Scans, the feeds' settings, the
// running binary) matches the last build's, and whose published files are
// still the ones that build wrote, is skipped: nothing is read, rendered
// or written. A feed whose items and settings did not change, in a build
// that is not skipped, has its files reused instead of rendered again.

// skipIfUnchanged returns the last build's result, and true, when this
// build would repeat it; a store that missed that build's upload catches
// up then. It needs a record of the last build, and every source a
// Scanner.
func (r *run) skipIfUnchanged(ctx context.Context) (*Result, bool, error) {
	if r.state == nil {
		return nil, false, nil
	}
	r.fp = r.fingerprint(ctx)
	if r.fp == "" || heldDue(r.last, r.now()) {
		return nil, false, nil
	}
	res, ok := r.unchanged(r.fp, r.last)
	if !ok || !r.unchangedArchives(ctx, r.state, res, r.logger) || !r.siteUnchanged(res) {
		return nil, false, nil
	}
	r.logger.Info("no source changed since the last build; the published feeds stand")
	// A store that missed the last build's upload catches up.
	if err := r.syncStore(ctx, r.logger); err != nil {
		return nil, true, err
	}
	return res, true, nil
}

// lastBuildKey is where the ledger's state keeps the record of the last
// build.
const lastBuildKey = "publish/last-build"

// lastBuild is what a build leaves for the next to compare with.
type lastBuild struct {
	Fingerprint string        `json:"fingerprint"`
	Items       int           `json:"items"`
	Feeds       []builtFeed   `json:"feeds"`
	Built       time.Time     `json:"built"`
	Documents   []builtDocSum `json:"documents"`
	// Held and NextHeld are Result's: once NextHeld has passed, the
	// build must run again to publish what it held back.
	Held     int       `json:"held,omitempty"`
	NextHeld time.Time `json:"next_held,omitzero"`
}

type builtFeed struct {
	Name  string `json:"name"`
	Items int    `json:"items"`
	// Inputs is renderInputs of the feed's meta and items.
	Inputs string `json:"inputs,omitempty"`
}

type builtDocSum struct {
	Feed     string      `json:"feed"`
	Format   feed.Format `json:"format"`
	Title    string      `json:"title"`
	SelfURL  string      `json:"self_url"`
	Modified time.Time   `json:"modified"`
	SHA256   string      `json:"sha256"`
}

// state returns where builds leave their record for the next one, or nil
// when there is none: no ledger, or no output folder whose files a record
// could describe.
func (b *Builder) state() ledger.Ledger {
	if b.Ledger == nil || b.Output == "" {
		return nil
	}
	return b.Ledger
}

// lastBuildOf returns the record the last build left in state, or nil.
func lastBuildOf(ctx context.Context, state ledger.Ledger) *lastBuild {
	if state == nil {
		return nil
	}
	raw, err := state.GetState(ctx, lastBuildKey)
	if err != nil || raw == nil {
		return nil
	}
	var last lastBuild
	if json.Unmarshal(raw, &last) != nil {
		return nil
	}
	return &last
}

// fingerprint returns the fingerprint of this build, or "" when it cannot
// have one: a source that is not a Scanner, or a Scan that failed or
// cannot tell. It takes the Scans the build then reads.
func (r *run) fingerprint(ctx context.Context) string {
	h := sha256.New()
	fmt.Fprintf(h, "binary %s\n", buildid.ID())
	fmt.Fprintf(h, "output %s\nbase %v\nfuture %t\n", r.Output, r.Base, r.PublishFuture)
	// Every source must have a fingerprint, or none is taken.
	for _, sc := range r.scanners {
		if sc == nil {
			return ""
		}
	}
	for i, src := range r.Sources {
		scan, err := r.scan(ctx, i)
		if err != nil {
			return "" // the source reports it when it is read
		}
		s := scan.Fingerprint()
		if s == "" {
			return ""
		}
		fmt.Fprintf(h, "source %s %s\n", src.Name(), s)
	}
	for _, f := range r.Feeds {
		fmt.Fprintf(h, "feed %s\n", describeFeed(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// describeFeed spells out everything about a feed that shapes its output.
// It is the feed's own value, encoded whole, so a field added to Feed (or
// to feed.Meta or Filter) counts from the moment it exists; the metas its
// functions make are encoded for a sample category and page.
func describeFeed(f Feed) string {
	d := struct {
		Feed
		// Not Feed's own names, which these would hide.
		SampleCategoryMeta *feed.Meta `json:",omitempty"`
		SampleArchiveMeta  *feed.Meta `json:",omitempty"`
	}{Feed: f}
	if f.CategoryMeta != nil {
		m := f.CategoryMeta("\x00category", "\x00slug")
		d.SampleCategoryMeta = &m
	}
	if f.ArchiveMeta != nil {
		m := f.ArchiveMeta(1)
		d.SampleArchiveMeta = &m
	}
	raw, err := json.Marshal(d)
	if err != nil {
		// Every field of a Feed encodes (TestDescribeFeedSeesEveryField);
		// should one stop, a description that never repeats keeps a build
		// from being skipped on less than it should compare.
		return fmt.Sprintf("unencodable %v %d", err, time.Now().UnixNano())
	}
	return string(raw)
}

// unchanged returns the result of the last build when this one would
// repeat it: same fingerprint, and every published file still holding the
// bytes that build wrote.
func (b *Builder) unchanged(fp string, last *lastBuild) (*Result, bool) {
	if last == nil || last.Fingerprint != fp {
		return nil, false
	}
	res := &Result{Items: last.Items, Held: last.Held, NextHeld: last.NextHeld}
	for _, f := range last.Feeds {
		docs, ok := b.readBack(last, f.Name)
		if !ok {
			return nil, false
		}
		res.Feeds = append(res.Feeds, FeedResult{Name: f.Name, Items: f.Items, Documents: docs})
	}
	return res, len(res.Feeds) > 0
}

// reuse returns feed name's documents as the last build published them,
// when that build rendered them from the same inputs and the files still
// hold what it wrote: rendering them again would give the same bytes.
func (b *Builder) reuse(last *lastBuild, name, inputs string, items int) (FeedResult, bool) {
	if last == nil {
		return FeedResult{}, false
	}
	i := slices.IndexFunc(last.Feeds, func(f builtFeed) bool { return f.Name == name })
	if i < 0 || last.Feeds[i].Inputs != inputs {
		return FeedResult{}, false
	}
	docs, ok := b.readBack(last, name)
	if !ok {
		return FeedResult{}, false
	}
	return FeedResult{Name: name, Items: items, Documents: docs, Reused: true, inputs: inputs}, true
}

// readBack reads feed name's published documents, in the order the last
// build recorded them, and reports whether every one still holds the
// bytes that build wrote.
func (b *Builder) readBack(last *lastBuild, name string) ([]feed.Document, bool) {
	var docs []feed.Document
	for _, d := range last.Documents {
		if d.Feed != name {
			continue
		}
		body, err := os.ReadFile(b.docPath(d.Feed, d.Format))
		if err != nil {
			return nil, false
		}
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != d.SHA256 {
			return nil, false
		}
		docs = append(docs, feed.Document{
			Feed: d.Feed, Format: d.Format, Title: d.Title, Body: body, Modified: d.Modified, SelfURL: d.SelfURL,
		})
	}
	return docs, len(docs) == len(feed.Formats)
}

// renderInputs digests everything a feed's documents are rendered from:
// the renderer (this binary), the feed's meta and its items in order.
// Equal digests mean equal documents.
func renderInputs(meta feed.Meta, items []feed.Item) string {
	h := sha256.New()
	fmt.Fprintf(h, "binary %s\n", buildid.ID())
	enc := json.NewEncoder(h)
	enc.Encode(meta)
	for _, it := range items {
		// What only the build uses, not the renderer, stays out.
		it.Source, it.Partial, it.Ref, it.Pos, it.Bundle = "", false, "", "", nil
		enc.Encode(it)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// remember records, when builds keep a record, each archive's layout and
// this build, for the next build to compare with. The documents are
// published by then: a record that cannot be written is logged, and costs
// the next build its shortcuts, not its result.
func (r *run) remember(ctx context.Context) {
	if r.state == nil {
		return
	}
	for _, a := range r.archives {
		if a == nil {
			continue
		}
		if err := a.save(ctx, r.state); err != nil {
			// Without its record the next build lays the archive
			// out again.
			r.logger.Warn("archive state not recorded", "feed", a.feed.Name, "error", err)
		}
	}
	if err := r.recordDelta(ctx); err != nil {
		r.logger.Warn("items not recorded; the next build reads every file", "error", err)
	}
	if err := r.recordBuild(ctx); err != nil {
		r.logger.Warn("build not recorded; the next build will not be skipped", "error", err)
	}
}

// recordBuild records a successful build for the next one to compare
// with.
func (r *run) recordBuild(ctx context.Context) error {
	res := r.res
	last := lastBuild{Fingerprint: r.fp, Items: res.Items, Built: r.stamp.UTC(), Held: res.Held, NextHeld: res.NextHeld.UTC()}
	for _, f := range res.Feeds {
		last.Feeds = append(last.Feeds, builtFeed{Name: f.Name, Items: f.Items, Inputs: f.inputs})
		for _, d := range f.Documents {
			sum := sha256.Sum256(d.Body)
			last.Documents = append(last.Documents, builtDocSum{
				Feed: d.Feed, Format: d.Format, Title: d.Title, SelfURL: d.SelfURL, Modified: d.Modified.UTC(), SHA256: hex.EncodeToString(sum[:]),
			})
		}
	}
	raw, err := json.Marshal(last)
	if err != nil {
		return err
	}
	return r.state.PutState(ctx, lastBuildKey, raw)
}
