package feed

import "context"

// Scan is one build's look at a source before any of its items is read:
// for a folder, the files it would read and what stat said of them. A
// source that can take one (publish.Scanner) gives each build its own, so
// what the build learned while checking for changes is what it then
// reads, and nothing of it outlives the build.
type Scan interface {
	// Fingerprint digests the source's settings and the metadata of all
	// it would read: equal fingerprints mean the same items. "" means the
	// source cannot tell, and a build is never skipped on its account.
	Fingerprint() string
	// Stream calls emit with each item the source yields, in a
	// deterministic order, as soon as it is ready, so that a source of
	// any size is read in bounded memory. Items of files that did not
	// change since the last build may be Partial. An error from emit
	// stops the stream and is returned.
	Stream(ctx context.Context, emit func(Item) error) error
	// Complete returns items, all Partial items this Scan streamed,
	// whole and in order; an item that can no longer be read gets an
	// error of its own instead.
	Complete(ctx context.Context, items []Item) ([]Item, []error)
}

// UniqueScan is a Scan that can promise that its Stream never yields two
// items with one id, as NormalizeID writes it. A feed of that source alone
// then keeps no record of the ids it was offered: on a large archive, that
// record would be most of the memory the feed's selection needs.
type UniqueScan interface {
	Scan
	// UniqueIDs reports whether the promise holds for this Scan.
	UniqueIDs() bool
}

// DeltaScan is a Scan that can also say what changed since an earlier
// read of its source, so that a build over a large archive reads what
// changed rather than all of it.
//
// Every Stream or Delta that completes leaves the source in a state named
// by a token, which Token then returns. Delta(since) answers only when
// since names the state the source was last left in: a build records the
// token of the read it published from, and one that failed leaves that
// record behind, so the next build, finding a newer token, reads
// everything.
type DeltaScan interface {
	Scan
	// Delta returns what changed since the read that left the token
	// since. ok is false when the source cannot tell (another token, no
	// record, a change whose effects reach beyond its own files); the
	// build then streams the source whole.
	Delta(ctx context.Context, since string) (d Delta, ok bool, err error)
	// Token names the state the last completed Stream or Delta of this
	// Scan left; "" before one completes.
	Token() string
}

// Delta is what a source yields differently since an earlier read.
type Delta struct {
	// Items are every item of the files that changed, whole, in stream
	// order, each with its Pos: the new and edited ones and the
	// unchanged ones those files still hold.
	Items []Item
	// Before lists the ids the earlier read yielded from those files
	// and from files since removed: the items Items replace, and those
	// gone.
	Before []string
}
