// Package source turns configured article inputs into feed.Items.
//
// Each kind of input (a folder of plain-text articles, and later Markdown,
// remote feeds, JSON items) has its own file and adapts what it reads into
// feed.Item and nothing more: normalisation, identity and rendering happen
// downstream. A problem with one file is logged by name and skips that file
// only; Fetch fails only when the source as a whole cannot be read.
package source

import (
	"context"

	"github.com/feedpub/feedpub/feed"
)

// Source yields the items of one configured article source. It is the one
// seam between inputs and the publish pipeline, so that every kind of input
// can be fetched, tested and replaced on its own.
type Source interface {
	// Name is the configured name, used in item IDs, links and logs.
	Name() string
	// Fetch reads the source afresh and returns its items in a
	// deterministic order.
	Fetch(ctx context.Context) ([]feed.Item, error)
}

// The sources that read local files (Text, Markdown, JSONItems) also take
// a Scan (feed.Scan): what one build would read, listed and stated once,
// from which the build takes their fingerprint and streams their items.
// Fetch is a Scan and its Stream.
