package main

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed"
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
		for _, format := range feed.Formats {
			path := filepath.Join(cfg.Output, filepath.FromSlash(name)+"."+string(format))
			data, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			report := feed.ValidateFormat(format, data)
			if report.Err() != nil || len(report.Items) == 0 {
				s.logger.Warn("published file does not validate; not served", "file", path)
				continue
			}
			modified := latest()
			for _, it := range report.Items {
				modified = latest(modified, it.Published, it.Updated)
			}
			docs = append(docs, httpfeed.Document{
				Feed: name, Title: firstNonEmpty(f.Title, cfg.Title), Format: format, Body: data,
				Modified: modified, SelfURL: cfg.FeedURL(name, string(format)),
				Archive: true, Final: i+1 < len(numbers),
			})
		}
	}
	return docs
}
