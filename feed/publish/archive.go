package publish

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/internal/buildid"
)

// Archived feeds (RFC 5005).
//
// An archived feed's current document carries its newest limit items;
// every older item sits on one numbered archive page, in every format. The
// rule that places items is what keeps pages stable: an item is given a
// page once, when it first leaves the current document, and keeps it.
// Items leave the current document oldest first and fill the newest page
// up to the page size (the feed's limit), then open the next page; page 1
// holds the oldest items. The assignment is kept in the ledger's state, so
// a full page's items, and so its bytes, change only when one of its own
// items is edited or removed, or once when the page after it opens and it
// gains its next-archive link. A page whose items and links did not change
// is not rendered again.

// ArchivePage is one archive document of a feed, in every format.
type ArchivePage struct {
	// Number counts pages from 1, the oldest.
	Number int
	// Items lists the ids of the items the page holds, in the order the
	// page lists them (newest first).
	Items []string
	// Final reports that a newer page exists, so the page's items will
	// not change unless one is edited: it may be cached for long.
	Final bool
	// Documents are the page in every format. A document rendered by
	// this build holds its Body; the others are read from their file by
	// Load when needed, so a build does not hold the whole archive.
	Documents []feed.Document
}

// archiveKeyPrefix is where the ledger's state keeps each archived feed's
// page assignment, under the feed's name.
const archiveKeyPrefix = "publish/archive/"

// archiveState is an archived feed's pages as a build left them.
type archiveState struct {
	Pages []archivePageState `json:"pages"`
}

type archivePageState struct {
	Number int            `json:"number"`
	Items  []archivedItem `json:"items"`
	// Inputs digests what the page was rendered from; Docs describes
	// the files written from it.
	Inputs string        `json:"inputs,omitempty"`
	Docs   []archivedDoc `json:"docs,omitempty"`
}

type archivedItem struct {
	ID string `json:"id"`
	// Digest is the item's content hash and dates: what its rendering
	// depends on, known without its content.
	Digest string `json:"digest"`
}

type archivedDoc struct {
	Format   feed.Format `json:"format"`
	Title    string      `json:"title"`
	SelfURL  string      `json:"self_url"`
	Modified time.Time   `json:"modified"`
	Size     int64       `json:"size"`
	SHA256   string      `json:"sha256"`
}

// archive follows one archived feed through a build: the pages the last
// build left, the items of those pages seen again, and the items that
// leave the current document now.
type archive struct {
	feed Feed
	last archiveState
	// page maps each archived id to its page's index in last.Pages.
	page map[string]int
	// seen holds this build's archived items by id. Items from files
	// that did not change are partial, without content, so this holds
	// little more than their metadata; the content is read back only
	// for the pages rendered again.
	seen map[string]feed.Item
	// digest holds the digest of every item offered to the feed.
	digest map[string]string
	// leaving holds the items that leave the current document in this
	// build, newest first.
	leaving []feed.Item
	// pages is the layout this build publishes, set by layout.
	pages []*archivePageState
	// changed reports whether the state differs from last.
	changed bool
	// whole holds the whole items of the pages rendered by this build,
	// by page number, when item pages need them too.
	whole map[int][]feed.Item
}

// loadArchives returns the archive of every feed that keeps one, indexed
// like b.Feeds (nil for the others), with the pages the last build left.
func (b *Builder) loadArchives(ctx context.Context, state ledger.Ledger, logger *slog.Logger) []*archive {
	out := make([]*archive, len(b.Feeds))
	for i, f := range b.Feeds {
		if !f.Archive {
			continue
		}
		a := &archive{feed: f, page: map[string]int{}, seen: map[string]feed.Item{}, digest: map[string]string{}, whole: map[int][]feed.Item{}}
		if state != nil {
			raw, err := state.GetState(ctx, archiveKeyPrefix+f.Name)
			if err == nil && raw != nil {
				if err := json.Unmarshal(raw, &a.last); err != nil {
					// Without its assignment, pages are laid out
					// afresh from the items' order: readers may see
					// items again, but none is lost.
					logger.Warn("archive state unreadable; archive pages are laid out again", "feed", f.Name, "error", err)
					a.last = archiveState{}
				}
			}
		}
		for p, pg := range a.last.Pages {
			for _, it := range pg.Items {
				a.page[it.ID] = p
			}
		}
		out[i] = a
	}
	return out
}

// itemDigest is what an item's rendering depends on: its content hash
// (which covers every field but the dates) and its dates.
func itemDigest(it feed.Item, hash string) string {
	return hash + " " + strconv.FormatInt(it.Published.Unix(), 10) + " " + strconv.FormatInt(it.Updated.Unix(), 10)
}

// take records it, offered to the feed, and reports whether it is already
// archived; if not, the feed's selection gets it.
func (a *archive) take(it feed.Item, hash string) bool {
	if _, dup := a.digest[it.ID]; dup {
		return true // the selection refuses repeated ids as well
	}
	a.digest[it.ID] = itemDigest(it, hash)
	if _, ok := a.page[it.ID]; !ok {
		return false
	}
	a.seen[it.ID] = it
	return true
}

// split keeps the newest limit of the feed's unarchived items (newest
// first) for the current document and archives the others, oldest first.
func (a *archive) split(items []feed.Item) []feed.Item {
	limit := a.feed.Limit
	if len(items) <= limit {
		return items
	}
	leaving := items[limit:]
	for _, it := range leaving {
		a.seen[it.ID] = it
	}
	a.leaving = append(a.leaving, leaving...)
	return items[:limit:limit]
}

// layout decides this build's pages: the last build's pages keep the
// items still published, in their order, and the items leaving the
// current document fill the newest page and open new ones.
func (a *archive) layout() {
	size := max(a.feed.Limit, 1)
	for _, pg := range a.last.Pages {
		np := &archivePageState{Number: pg.Number, Inputs: pg.Inputs, Docs: pg.Docs}
		for _, it := range pg.Items {
			if _, ok := a.seen[it.ID]; ok {
				np.Items = append(np.Items, archivedItem{ID: it.ID, Digest: a.digest[it.ID]})
			}
		}
		a.pages = append(a.pages, np)
	}
	for i := len(a.leaving) - 1; i >= 0; i-- {
		it := a.leaving[i]
		n := len(a.pages)
		if n == 0 || len(a.pages[n-1].Items) >= size {
			number := 1
			if n > 0 {
				number = a.pages[n-1].Number + 1
			}
			a.pages = append(a.pages, &archivePageState{Number: number})
			n++
		}
		a.pages[n-1].Items = append(a.pages[n-1].Items, archivedItem{ID: it.ID, Digest: a.digest[it.ID]})
	}
	a.leaving = nil
	for _, pg := range a.pages {
		slices.SortStableFunc(pg.Items, func(x, y archivedItem) int {
			return pageOrder(a.seen[x.ID], a.seen[y.ID])
		})
	}
	// Pages whose every item was removed leave the chain; the others
	// keep their numbers, so no other page's address changes.
	a.pages = slices.DeleteFunc(a.pages, func(p *archivePageState) bool { return len(p.Items) == 0 })
}

// reclaim moves the newest archived items, up to the feed's limit, from
// the newest page back to the current document, which would otherwise be
// left empty (every item it held was removed): a feed always has items,
// and each item is still published once.
func (a *archive) reclaim() []feed.Item {
	if len(a.pages) == 0 {
		return nil
	}
	pg := a.pages[len(a.pages)-1]
	n := min(max(a.feed.Limit, 1), len(pg.Items))
	out := make([]feed.Item, 0, n)
	for _, it := range pg.Items[:n] {
		out = append(out, a.seen[it.ID])
		delete(a.page, it.ID)
	}
	pg.Items = pg.Items[n:]
	if len(pg.Items) == 0 {
		a.pages = a.pages[:len(a.pages)-1]
	}
	return out
}

// urls returns the address of page number in every format.
func (a *archive) urls(number int) map[feed.Format]string {
	return a.meta(number).SelfURL
}

// meta returns the meta of page number: the feed's ArchiveMeta, or, when
// it has none, the feed's meta with self links moved from {name}.{format}
// to the page's name.
func (a *archive) meta(number int) feed.Meta {
	if a.feed.ArchiveMeta != nil {
		return a.feed.ArchiveMeta(number)
	}
	m := a.feed.Meta
	name := ArchiveName(a.feed.Name, number)
	m.SelfURL = map[feed.Format]string{}
	for f, u := range a.feed.Meta.SelfURL {
		m.SelfURL[f] = strings.TrimSuffix(u, a.feed.Name+"."+string(f)) + name + "." + string(f)
	}
	return m
}

// newest returns the URLs of the newest page, for the current document's
// prev-archive link; nil when the feed has no archive yet.
func (a *archive) newest() map[feed.Format]string {
	if len(a.pages) == 0 {
		return nil
	}
	return a.urls(a.pages[len(a.pages)-1].Number)
}

// pageMeta is page i's meta: its own addresses and id, and its links to
// its neighbours and to the current document.
func (a *archive) pageMeta(i int) feed.Meta {
	pg := a.pages[i]
	m := a.meta(pg.Number)
	// Readers subscribe to, and poll, the current document; an archive
	// page is fetched once, so it names no hub and gives no polling hint.
	m.Hubs, m.UpdateEvery = nil, 0
	m.History = feed.History{Archive: true, Current: a.feed.Meta.SelfURL}
	if i > 0 {
		m.History.Prev = a.urls(a.pages[i-1].Number)
	}
	if i+1 < len(a.pages) {
		m.History.Next = a.urls(a.pages[i+1].Number)
	}
	return m
}

// pageInputs digests everything page i is rendered from.
func (a *archive) pageInputs(i int, meta feed.Meta) string {
	h := sha256.New()
	fmt.Fprintf(h, "binary %s\n", buildid.ID())
	json.NewEncoder(h).Encode(meta)
	for _, it := range a.pages[i].Items {
		fmt.Fprintf(h, "%q %q\n", it.ID, it.Digest)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// render returns the feed's archive pages. Pages rendered from the same
// inputs as last time, whose files still hold what was written, are not
// rendered again; the others have the content of their partial items read
// back from their sources, one page at a time, and are validated like
// every document.
func (a *archive) render(ctx context.Context, b *run) ([]ArchivePage, error) {
	var out []ArchivePage
	for i, pg := range a.pages {
		meta := a.pageMeta(i)
		inputs := a.pageInputs(i, meta)
		name := ArchiveName(a.feed.Name, pg.Number)
		ap := ArchivePage{Number: pg.Number, Final: i+1 < len(a.pages)}
		if inputs == pg.Inputs && b.archiveFilesHold(name, pg.Docs) {
			ap.Items = order(pg)
			for _, d := range pg.Docs {
				ap.Documents = append(ap.Documents, feed.Document{
					Feed: name, Format: d.Format, Title: d.Title, Modified: d.Modified, SelfURL: d.SelfURL,
					Archive: true, Final: ap.Final,
				})
			}
			out = append(out, ap)
			continue
		}
		items, err := a.pageItems(ctx, b, pg)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			continue // every item failed to read; logged
		}
		fr, err := renderFeed(name, meta, items)
		if err != nil {
			return nil, err
		}
		pg.Inputs, pg.Docs = inputs, nil
		for _, d := range fr.Documents {
			d.Archive, d.Final = true, ap.Final
			sum := sha256.Sum256(d.Body)
			pg.Docs = append(pg.Docs, archivedDoc{
				Format: d.Format, Title: d.Title, SelfURL: d.SelfURL, Modified: d.Modified.UTC(),
				Size: int64(len(d.Body)), SHA256: hex.EncodeToString(sum[:]),
			})
			ap.Documents = append(ap.Documents, d)
		}
		for _, it := range items {
			ap.Items = append(ap.Items, it.ID)
		}
		if b.Pages != nil {
			// Kept for the items' own pages, not read a second time.
			a.whole[pg.Number] = items
		}
		a.changed = true
		out = append(out, ap)
	}
	if !a.changed {
		a.changed = !a.sameAsLast()
	}
	return out, nil
}

// order lists the ids of pg's items, as the page lists them.
func order(pg *archivePageState) []string {
	ids := make([]string, len(pg.Items))
	for i, it := range pg.Items {
		ids[i] = it.ID
	}
	return ids
}

// pageOrder orders a page's items as a feed lists them, newest first,
// ties by id so the order never depends on how the items arrived.
func pageOrder(x, y feed.Item) int {
	return cmp.Or(feed.Newest(x, y), cmp.Compare(x.ID, y.ID))
}

// pageItems returns pg's items whole, newest first: partial items are read
// back from their sources and keep the dates this build gave them.
func (a *archive) pageItems(ctx context.Context, b *run, pg *archivePageState) ([]feed.Item, error) {
	items := make([]feed.Item, 0, len(pg.Items))
	var partial []int
	for _, ai := range pg.Items {
		it := a.seen[ai.ID]
		if it.Partial {
			partial = append(partial, len(items))
		}
		items = append(items, it)
	}
	if len(partial) > 0 {
		dates := make(map[string][2]time.Time, len(partial))
		for _, i := range partial {
			dates[items[i].ID] = [2]time.Time{items[i].Published, items[i].Updated}
		}
		hashes := make([]string, len(items))
		failed, err := b.completeAt(ctx, items, hashes, partial, b.logger)
		if err != nil {
			return nil, err
		}
		for _, i := range partial {
			if d, ok := dates[items[i].ID]; ok {
				items[i].Published, items[i].Updated = d[0], d[1]
			}
		}
		if len(failed) > 0 {
			bad := map[int]bool{}
			for _, i := range failed {
				bad[i] = true
			}
			kept := items[:0]
			for i, it := range items {
				if !bad[i] {
					kept = append(kept, it)
				}
			}
			items = kept
		}
	}
	slices.SortStableFunc(items, pageOrder)
	return items, nil
}

// archiveFilesHold reports whether the files of archive document name
// still have the sizes written. Sizes, not contents, are compared, so
// that a build over a large archive does not read every page back.
func (b *Builder) archiveFilesHold(name string, docs []archivedDoc) bool {
	if len(docs) != len(feed.Formats) {
		return false
	}
	if b.Output == "" {
		return false
	}
	for _, d := range docs {
		fi, err := os.Stat(b.docPath(name, d.Format))
		if err != nil || fi.Size() != d.Size {
			return false
		}
	}
	return true
}

// sameAsLast reports whether the layout is the one the last build left.
func (a *archive) sameAsLast() bool {
	if len(a.pages) != len(a.last.Pages) {
		return false
	}
	for i, pg := range a.pages {
		lp := a.last.Pages[i]
		if pg.Number != lp.Number || pg.Inputs != lp.Inputs || !slices.Equal(pg.Items, lp.Items) {
			return false
		}
	}
	return true
}

// save records the layout for the next build, when it changed.
func (a *archive) save(ctx context.Context, state ledger.Ledger) error {
	if state == nil || !a.changed {
		return nil
	}
	st := archiveState{Pages: make([]archivePageState, len(a.pages))}
	for i, pg := range a.pages {
		st.Pages[i] = *pg
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return state.PutState(ctx, archiveKeyPrefix+a.feed.Name, raw)
}

// removed lists the archive documents of the last build whose page is no
// longer published, for the build to delete.
func (a *archive) removed() []string {
	var out []string
	for _, lp := range a.last.Pages {
		if !slices.ContainsFunc(a.pages, func(p *archivePageState) bool { return p.Number == lp.Number }) {
			out = append(out, ArchiveName(a.feed.Name, lp.Number))
		}
	}
	return out
}

// renderArchives lays out and renders the archive pages of every archived
// feed into its result. With item pages to publish, it also returns the
// items of every archive page, whole, one list a page: their item pages
// stay online while they are archived.
func (r *run) renderArchives(ctx context.Context) ([][]feed.Item, error) {
	res := r.res
	var archived [][]feed.Item
	for i, a := range r.archives {
		if a == nil {
			continue
		}
		pages, err := a.render(ctx, r)
		if err != nil {
			return nil, fmt.Errorf("feed %s: archive: %w", a.feed.Name, err)
		}
		fr := &res.Feeds[slices.IndexFunc(res.Feeds, func(f FeedResult) bool { return f.Name == r.Feeds[i].Name })]
		fr.Archive = pages
		res.gone = append(res.gone, a.removed()...)
		if r.Pages == nil {
			continue
		}
		for _, pg := range a.pages {
			items, ok := a.whole[pg.Number]
			if !ok {
				if items, err = a.pageItems(ctx, r, pg); err != nil {
					return nil, fmt.Errorf("feed %s: archive: %w", a.feed.Name, err)
				}
			}
			archived = append(archived, items)
		}
		a.whole = nil
	}
	return archived, nil
}

// writeArchives writes the archive pages rendered by this build and
// removes the files of pages no longer published.
func (b *Builder) writeArchives(res *Result) error {
	for fi := range res.Feeds {
		for pi := range res.Feeds[fi].Archive {
			docs := res.Feeds[fi].Archive[pi].Documents
			for di := range docs {
				if docs[di].Body == nil {
					continue // not rendered again: its file stands
				}
				if err := b.writeDocument(&docs[di]); err != nil {
					return err
				}
			}
		}
	}
	for _, name := range res.gone {
		for _, format := range feed.Formats {
			if err := os.Remove(b.docPath(name, format)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("remove archive page %s: %w", name, err)
			}
		}
	}
	return nil
}

// unchangedArchives adds to res, the last build's result taken again by a
// build that changed nothing, the archive pages that build left, and
// reports whether their files are all still in place.
func (b *Builder) unchangedArchives(ctx context.Context, state ledger.Ledger, res *Result, logger *slog.Logger) bool {
	for i, a := range b.loadArchives(ctx, state, logger) {
		if a == nil {
			continue
		}
		fi := slices.IndexFunc(res.Feeds, func(f FeedResult) bool { return f.Name == b.Feeds[i].Name })
		if fi < 0 {
			return false
		}
		var pages []ArchivePage
		for pi := range a.last.Pages {
			pg := &a.last.Pages[pi]
			name := ArchiveName(a.feed.Name, pg.Number)
			if !b.archiveFilesHold(name, pg.Docs) {
				return false
			}
			ap := ArchivePage{Number: pg.Number, Items: order(pg), Final: pi+1 < len(a.last.Pages)}
			for _, d := range pg.Docs {
				ap.Documents = append(ap.Documents, feed.Document{
					Feed: name, Format: d.Format, Title: d.Title, Modified: d.Modified, SelfURL: d.SelfURL,
					Archive: true, Final: ap.Final,
				})
			}
			pages = append(pages, ap)
		}
		res.Feeds[fi].Archive = pages
	}
	return true
}
