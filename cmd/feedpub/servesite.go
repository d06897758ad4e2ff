package main

import (
	"fmt"
	"time"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed/httpfeed"
	"github.com/feedpub/feedpub/feed/publish"
)

// swapSite puts a build's documents in service with the pages and files
// it published beside them.
func (s *server) swapSite(docs []httpfeed.Document, site *publish.Site, built time.Time) error {
	if site == nil {
		return s.swap(docs, built)
	}
	hs := httpfeed.Site{Page: site.Page, Gone: site.Gone}
	for _, f := range site.Files {
		hs.Files = append(hs.Files, httpfeed.SiteFile{Path: f.Path, ContentType: f.ContentType, Body: f.Body})
	}
	snap, err := httpfeed.NewSiteSnapshot(docs, hs, built)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	s.handler.Swap(snap)
	s.served.Store(true)
	return nil
}

// publishedSite reads the pages the last good build wrote, to serve with
// its feeds when this process could not build; nil when there are none.
func (s *server) publishedSite(cfg *config.Config) *publish.Site {
	b, err := newBuilder(cfg, nil, s.logger)
	if err != nil {
		return nil
	}
	site, ok := b.PublishedSite()
	if !ok {
		s.logger.Warn("published pages not found; serving the feeds without them")
		return nil
	}
	return site
}
