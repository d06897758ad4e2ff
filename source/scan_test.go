package source

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// TestScanReadsWhatItListed checks, for every source that scans, that a
// Scan's Stream reads the files the Scan listed, and only those, and that
// its fingerprint is of that listing: a file added after the Scan waits
// for the next one, whose fingerprint differs; an edit that keeps the
// size but not the time changes it too.
func TestScanReadsWhatItListed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// source returns a source on root.
		source func(root string) interface {
			Scan(context.Context) (feed.Scan, error)
		}
		files map[string]string
		added map[string]string
		// want are the titles before and after the file is added.
		want, wantAfter []string
	}{
		{
			name: "text",
			source: func(root string) interface {
				Scan(context.Context) (feed.Scan, error)
			} {
				tx := testText()
				tx.Root = root
				return tx
			},
			files:     map[string]string{"a.txt": "Title: Alpha\n\nBody.\n", "b/b.txt": "Title: Beta\n\nBody.\n"},
			added:     map[string]string{"b/c.txt": "Title: Gamma\n\nBody.\n"},
			want:      []string{"Alpha", "Beta"},
			wantAfter: []string{"Alpha", "Beta", "Gamma"},
		},
		{
			name: "markdown",
			source: func(root string) interface {
				Scan(context.Context) (feed.Scan, error)
			} {
				m := testMarkdown()
				m.Root = root
				return m
			},
			files:     map[string]string{"a.md": "---\ntitle: Alpha\n---\nBody.\n", "b/b.md": "---\ntitle: Beta\n---\nBody.\n"},
			added:     map[string]string{"b/c.md": "---\ntitle: Gamma\n---\nBody.\n"},
			want:      []string{"Alpha", "Beta"},
			wantAfter: []string{"Alpha", "Beta", "Gamma"},
		},
		{
			name: "json folder",
			source: func(root string) interface {
				Scan(context.Context) (feed.Scan, error)
			} {
				j := testJSONItems()
				j.Path = root
				return j
			},
			files:     map[string]string{"a.jsonl": `{"id": "a", "title": "Alpha"}` + "\n", "b/b.jsonl": `{"id": "b", "title": "Beta"}` + "\n"},
			added:     map[string]string{"b/c.jsonl": `{"id": "c", "title": "Gamma"}` + "\n"},
			want:      []string{"Alpha", "Beta"},
			wantAfter: []string{"Alpha", "Beta", "Gamma"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			writeTree(t, root, tt.files)
			src := tt.source(root)
			scan, err := src.Scan(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			fp := scan.Fingerprint()
			writeTree(t, root, tt.added)
			if got := streamTitles(t, scan); !slices.Equal(got, tt.want) {
				t.Errorf("Stream of the first Scan: %q, want %q (the files it listed)", got, tt.want)
			}
			if scan.Fingerprint() != fp {
				t.Error("a Scan's fingerprint changed with the folder after the Scan")
			}
			next, err := src.Scan(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got := streamTitles(t, next); !slices.Equal(got, tt.wantAfter) {
				t.Errorf("Stream of the next Scan: %q, want %q", got, tt.wantAfter)
			}
			if next.Fingerprint() == fp {
				t.Error("the fingerprint did not change with a file added")
			}
			// The same bytes, a new modification time: a copy or a
			// checkout looks like this.
			again, err := src.Scan(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			later := time.Now().Add(time.Hour)
			first := filepath.Join(root, slices.Sorted(maps.Keys(tt.files))[0])
			if err := os.Chtimes(first, later, later); err != nil {
				t.Fatal(err)
			}
			touched, err := src.Scan(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if again.Fingerprint() != next.Fingerprint() || touched.Fingerprint() == next.Fingerprint() {
				t.Error("the fingerprint does not follow the files' times alone")
			}
		})
	}
}

// streamTitles streams scan and returns its items' titles.
func streamTitles(t *testing.T, scan feed.Scan) []string {
	t.Helper()
	var items []feed.Item
	if err := scan.Stream(t.Context(), func(it feed.Item) error {
		items = append(items, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return titles(items)
}

// TestWholeItemsScansCompleteNothing checks that the Scans of sources that
// never stream partial items refuse to complete any.
func TestWholeItemsScansCompleteNothing(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeTree(t, root, map[string]string{"a.md": "Alpha.\n"})
	m := testMarkdown()
	m.Root = root
	scan, err := m.Scan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, errs := scan.Complete(t.Context(), []feed.Item{{ID: "x", Partial: true}})
	if len(errs) != 1 || !errors.Is(errs[0], errNoPartialItems) {
		t.Errorf("Complete errors %v, want %v", errs, errNoPartialItems)
	}
}
