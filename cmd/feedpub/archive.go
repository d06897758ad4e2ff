package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed/httpfeed"
	"github.com/feedpub/feedpub/feed/publish"
)

// publishedArchivePages reads the archive pages of feed f from the output
// folder, for serving the last published files when a build fails at
// start. Pages that do not validate are left out and logged.
func (s *server) publishedArchivePages(cfg *config.Config, f config.Feed) []httpfeed.Document {
	if !f.Archive {
		return nil
	}
	entries, err := os.ReadDir(filepath.Join(cfg.Output, f.Name, "archive"))
	if err != nil {
		return nil
	}
	var numbers []int
	for _, e := range entries {
		n, err := strconv.Atoi(strings.TrimSuffix(e.Name(), filepath.Ext(e.Name())))
		if err == nil && n > 0 && !slices.Contains(numbers, n) {
			numbers = append(numbers, n)
		}
	}
	slices.Sort(numbers)
	var docs []httpfeed.Document
	for i, n := range numbers {
		name := publish.ArchiveName(f.Name, n)
		for _, d := range s.publishedFeed(cfg, name, firstNonEmpty(f.Title, cfg.Title)) {
			d.Archive, d.Final = true, i+1 < len(numbers)
			docs = append(docs, d)
		}
	}
	return docs
}
