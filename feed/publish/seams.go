package publish

import (
	"context"

	"github.com/feedpub/feedpub/feed"
)

// A build meets the world at four seams, each one interface:
//
//   - Source: where items come from (the source package's readers). A
//     Source that is also a Scanner is read through one Scan per build.
//   - ledger.Ledger: where every item's identity and dates are kept, and
//     the small state builds and sources leave for the next build.
//   - Store: where the output folder is published, when it is not served
//     from the folder itself.
//   - The output folder, written only through WriteAtomic.

// Source yields the items of one configured source. It is the interface
// the source package's readers satisfy.
type Source interface {
	Name() string
	// Fetch reads the source whole. A build calls it only for sources
	// that are not Scanners, all at once, at most Builder.Fetchers at a
	// time, so that slow sites do not wait for each other.
	Fetch(ctx context.Context) ([]feed.Item, error)
}

// Scanner is the one capability a Source may add: a Scan of what it would
// read, taken once per build. Through it the build can skip itself when
// no source changed (Scan.Fingerprint), read items one at a time, never
// holding a whole archive (Scan.Stream), and take items of unchanged
// files as partial items whose content it reads back only for the
// documents it renders (Scan.Complete).
type Scanner interface {
	Scan(ctx context.Context) (feed.Scan, error)
}
