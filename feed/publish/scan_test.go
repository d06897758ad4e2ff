package publish_test

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/source"
)

// scanSource is a Scanner whose items and fingerprint the test sets. It
// counts the Scans taken, and each Scan counts its Streams.
type scanSource struct {
	name        string
	items       []feed.Item
	fingerprint string
	scanErr     error
	scans       []*countedScan
	fetches     int
}

func (s *scanSource) Name() string { return s.name }
func (s *scanSource) Fetch(context.Context) ([]feed.Item, error) {
	s.fetches++
	return s.items, nil
}

func (s *scanSource) Scan(context.Context) (feed.Scan, error) {
	if s.scanErr != nil {
		return nil, s.scanErr
	}
	sc := &countedScan{items: s.items, fingerprint: s.fingerprint}
	s.scans = append(s.scans, sc)
	return sc, nil
}

// streams lists how many times each Scan was streamed, in order.
func (s *scanSource) streams() []int {
	out := make([]int, len(s.scans))
	for i, sc := range s.scans {
		out[i] = sc.streamed
	}
	return out
}

type countedScan struct {
	items       []feed.Item
	fingerprint string
	streamed    int
}

func (c *countedScan) Fingerprint() string { return c.fingerprint }
func (c *countedScan) Stream(_ context.Context, emit func(feed.Item) error) error {
	c.streamed++
	for _, it := range c.items {
		if err := emit(it); err != nil {
			return err
		}
	}
	return nil
}
func (c *countedScan) Complete(_ context.Context, items []feed.Item) ([]feed.Item, []error) {
	errs := make([]error, len(items))
	for i := range errs {
		errs[i] = errors.New("no partial items here")
	}
	return make([]feed.Item, len(items)), errs
}

// TestOneScanPerBuild checks that a build takes one Scan of each Scanner
// source and reads its items from that same Scan: the one it took its
// fingerprint from when it may skip, and that a skipped build streams
// nothing. Sources that are not Scanners are fetched.
func TestOneScanPerBuild(t *testing.T) {
	t.Parallel()
	wire := &scanSource{name: "wire", items: []feed.Item{item("a", "Alpha"), item("b", "Beta")}, fingerprint: "one"}
	b := &publish.Builder{
		Sources: []publish.Source{wire},
		Feeds:   []publish.Feed{{Name: "news", Meta: meta("news"), Sources: []string{"wire"}, Limit: 10}},
		Ledger:  ledger.NewMemory(),
		Output:  t.TempDir(),
		Now:     func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) },
	}
	build := func(step string) *publish.Result {
		t.Helper()
		res, err := b.Build(t.Context())
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		return res
	}
	check := func(step string, want []int) {
		t.Helper()
		if got := wire.streams(); !slices.Equal(got, want) {
			t.Errorf("%s: Streams per Scan %v, want %v", step, got, want)
		}
	}

	if res := build("first build"); res.Items != 2 {
		t.Errorf("first build: %d items, want 2", res.Items)
	}
	check("first build", []int{1})
	build("unchanged build")
	check("unchanged build, skipped", []int{1, 0})
	wire.fingerprint = "two"
	build("changed build")
	check("changed build", []int{1, 0, 1})
	// A Scan that cannot tell is read every time.
	wire.fingerprint = ""
	build("build without a fingerprint")
	build("build without a fingerprint, again")
	check("builds without a fingerprint", []int{1, 0, 1, 1, 1})

	// Beside a source that only fetches, no build is skipped: the Scanner
	// is scanned and streamed once a build, the other fetched once.
	wire.fingerprint = "three"
	other := &listSource{name: "other", items: []feed.Item{item("c", "Gamma")}}
	b.Sources = append(b.Sources, other)
	b.Feeds[0].Sources = []string{"wire", "other"}
	for range 2 {
		if res := build("mixed build"); res.Items != 3 {
			t.Errorf("mixed build: %d items, want 3", res.Items)
		}
	}
	check("mixed builds", []int{1, 0, 1, 1, 1, 1, 1})
	if wire.fetches != 0 {
		t.Errorf("the Scanner was fetched %d times", wire.fetches)
	}
}

// TestScanErrorFailsTheBuild checks that a Scan that fails fails the
// build with the source's name, whether the build wanted a fingerprint or
// not, and leaves the published files alone.
func TestScanErrorFailsTheBuild(t *testing.T) {
	t.Parallel()
	for _, output := range []string{"", "folder"} {
		wire := &scanSource{name: "wire", items: []feed.Item{item("a", "Alpha")}, fingerprint: "one"}
		b := &publish.Builder{
			Sources: []publish.Source{wire},
			Feeds:   []publish.Feed{{Name: "news", Meta: meta("news"), Sources: []string{"wire"}, Limit: 10}},
			Ledger:  ledger.NewMemory(),
		}
		if output != "" {
			b.Output = t.TempDir()
		}
		if _, err := b.Build(t.Context()); err != nil {
			t.Fatal(err)
		}
		wire.scanErr = errors.New("folder gone")
		_, err := b.Build(t.Context())
		if err == nil || !strings.Contains(err.Error(), "source wire: folder gone") {
			t.Errorf("output %q: build error %v, want the Scan's, naming the source", output, err)
		}
	}
}

// TestSourceErrorNamesTheSourceOnce checks that a source that cannot be
// read fails the build with an error that names it once, whatever its
// kind.
func TestSourceErrorNamesTheSourceOnce(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "gone")
	for _, src := range []publish.Source{
		&source.Text{SourceName: "wire", Root: missing},
		&source.Markdown{SourceName: "wire", Root: missing},
		&source.JSONItems{SourceName: "wire", Path: missing},
	} {
		b := &publish.Builder{
			Sources: []publish.Source{src},
			Feeds:   []publish.Feed{{Name: "news", Meta: meta("news"), Sources: []string{"wire"}, Limit: 10}},
			Ledger:  ledger.NewMemory(),
			Output:  t.TempDir(),
		}
		_, err := b.Build(t.Context())
		if err == nil || strings.Count(err.Error(), "source wire") != 1 || !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%T: build error %v, want one naming the source once, for a missing folder", src, err)
		}
	}
}
