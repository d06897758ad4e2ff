package source

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/feedpub/feedpub/feed"
)

func TestMarkdownSlugPath(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"story.md", "story"},
		{"2026/story.md", "2026/story"},
		{"posts/trip/index.md", "posts/trip"},
		{"index.md", "index"},
		{"posts/indexes.md", "posts/indexes"},
	}
	for _, tt := range tests {
		if got := markdownSlugPath(tt.in); got != tt.want {
			t.Errorf("markdownSlugPath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMarkdownBundleFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	outside := t.TempDir()
	writeTree(t, root, map[string]string{
		"posts/trip/index.md": "---\ntitle: Trip\n---\n" +
			"![view](photo.jpg) ![again](./photo.jpg?size=2#top) [map](maps/map.pdf) [sibling](../shared.png)\n" +
			"[other article](notes.md) [hidden](.secret.png) [absolute](/items/x.png) [site](https://example.org/y.png)\n" +
			"![gone](missing.webp) [spaced](my%20file.png) [link](escape.png) [here](#top)\n",
		"posts/trip/photo.jpg":    "jpeg",
		"posts/trip/maps/map.pdf": "pdf",
		"posts/trip/notes.md":     "---\ntitle: Notes\n---\nNotes.\n",
		"posts/trip/.secret.png":  "secret",
		"posts/trip/my file.png":  "spaced",
		"posts/shared.png":        "shared",
		"posts/plain.md":          "---\ntitle: Plain\nlink: https://example.org/plain/\n---\n![p](photo.jpg)\n",
	})
	if err := os.WriteFile(filepath.Join(outside, "secret.png"), []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "secret.png"), filepath.Join(root, "posts", "trip", "escape.png")); err != nil {
		t.Fatal(err)
	}
	const folder = "https://feeds.example.org/items/posts/trip/"
	tests := []struct {
		name, template string
		bundles        bool
		link           string
		content        []string // each is in the content
		files          []string
	}{
		{
			name: "link without final slash", template: "https://feeds.example.org/items/{slug}", bundles: true,
			link: "https://feeds.example.org/items/posts/trip",
			content: []string{`src="` + folder + `photo.jpg"`, `href="` + folder + `maps/map.pdf"`,
				`href="https://feeds.example.org/items/posts/shared.png"`, `href="https://feeds.example.org/items/posts/trip#top"`},
			files: []string{"maps/map.pdf", "photo.jpg"},
		},
		{
			name: "link with final slash", template: "https://feeds.example.org/items/{slug}/", bundles: true,
			link: folder,
			content: []string{`src="` + folder + `photo.jpg"`, `href="` + folder + `maps/map.pdf"`,
				`href="https://feeds.example.org/items/posts/shared.png"`, `href="` + folder + `#top"`},
			files: []string{"maps/map.pdf", "photo.jpg"},
		},
		{
			// Without pages the link is a document, as before pages.
			name: "no pages", template: "https://feeds.example.org/items/{slug}", bundles: false,
			link:    "https://feeds.example.org/items/posts/trip",
			content: []string{`src="https://feeds.example.org/items/posts/photo.jpg"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			m := &Markdown{SourceName: "blog", Root: root, IDPrefix: "tag:example.org,2026:", LinkTemplate: tt.template,
				PageBundles: tt.bundles, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			items, err := m.Fetch(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			byTitle := map[string]feed.Item{}
			for _, it := range items {
				byTitle[it.Title] = it
			}
			trip := byTitle["Trip"]
			if trip.Link != tt.link {
				t.Errorf("a page bundle's link is %s, want %s", trip.Link, tt.link)
			}
			for _, want := range tt.content {
				if !strings.Contains(trip.ContentHTML, want) {
					t.Errorf("content lacks %s:\n%s", want, trip.ContentHTML)
				}
			}
			var names []string
			for _, b := range trip.Bundle {
				names = append(names, b.Name)
				if want := filepath.Join(root, "posts", "trip", filepath.FromSlash(b.Name)); b.Path != want {
					t.Errorf("bundle file %s at %s, want %s", b.Name, b.Path, want)
				}
			}
			slices.Sort(names)
			if !slices.Equal(names, tt.files) {
				t.Errorf("bundle %v, want %v", names, tt.files)
			}
			if reported := strings.Contains(logs.String(), "missing.webp"); reported != tt.bundles {
				t.Errorf("missing file reported: %v, want %v:\n%s", reported, tt.bundles, logs.String())
			}
			if plain := byTitle["Plain"]; len(plain.Bundle) != 0 {
				t.Errorf("an item linking elsewhere carries files %v", plain.Bundle)
			}
		})
	}
}

func TestContentURLs(t *testing.T) {
	t.Parallel()
	got := contentURLs(`<p><a href=" a.pdf ">a</a><img src="b.png" srcset="c.png 2x, d.png 1x"><video poster="e.jpg"></video><span title="f.png"></span></p>`)
	if want := []string{"a.pdf", "b.png", "c.png", "d.png", "e.jpg"}; !slices.Equal(got, want) {
		t.Errorf("contentURLs = %v, want %v", got, want)
	}
}
