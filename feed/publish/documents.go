package publish

import (
	"context"
	"maps"
	"slices"

	"github.com/feedpub/feedpub/feed"
)

// document is one feed document a build publishes: a configured feed or
// one of its per-category feeds, with its items.
type document struct {
	name    string
	meta    feed.Meta
	sources []string
	// archived feeds are always published: their archive pages follow
	// the feed.
	archived bool
	items    []feed.Item
	// waiting marks a document left unpublished because every one of its
	// sources failed (renderFeeds).
	waiting bool
}

// documents lists every document to publish, in order, with its items: a
// feed's own, with the items beyond its limit moved to its archive pages,
// then one per category when it has per-category feeds. The partial items
// the documents carry are completed.
func (r *run) documents(ctx context.Context) ([]document, error) {
	var docs []document
	for i, f := range r.Feeds {
		sel := r.selections[i]
		meta, items := f.Meta, sel.main.Items()
		if a := r.archives[i]; a != nil {
			items = a.split(items)
			a.layout()
			if len(items) == 0 {
				items = a.reclaim()
			}
			meta.History.Prev = a.newest()
		}
		docs = append(docs, document{name: f.Name, meta: meta, sources: f.Sources, archived: r.archives[i] != nil, items: items})
		for _, slug := range slices.Sorted(maps.Keys(sel.categories)) {
			c := sel.categories[slug]
			docs = append(docs, document{name: CategoryName(slug), meta: f.CategoryMeta(c.name, slug), sources: f.Sources, items: c.sel.Items()})
		}
	}
	lists := make([][]feed.Item, len(docs))
	for i, d := range docs {
		lists[i] = d.items
	}
	lists, recorded, err := r.completeSelected(ctx, r.stamp, lists, r.logger)
	if err != nil {
		return nil, err
	}
	for i := range docs {
		docs[i].items = lists[i]
	}
	r.res.Recorded += recorded
	r.docs = docs
	return docs, nil
}
