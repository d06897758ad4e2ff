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
