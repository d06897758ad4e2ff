package main

import (
	"fmt"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/httpfeed"
	"github.com/feedpub/feedpub/feed/publish"
)

// siteSnapshot prepares a build's documents for serving, with the pages
// and files it published beside them.
func siteSnapshot(docs []feed.Document, site *publish.Site, built time.Time) (*httpfeed.Snapshot, error) {
	if site == nil {
		snap, err := httpfeed.NewSnapshot(docs, built)
		if err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		return snap, nil
	}
	hs := httpfeed.Site{Page: site.Page, Gone: site.Gone}
	for _, f := range site.Files {
		hf := httpfeed.SiteFile{Path: f.Path, ContentType: f.ContentType, Body: f.Body}
		if f.Page != "" && f.Name == f.Page+"index.html" {
			hf.Folder = "/" + f.Page
		}
		hs.Files = append(hs.Files, hf)
	}
	snap, err := httpfeed.NewSiteSnapshot(docs, hs, built)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	return snap, nil
}

// swapSite serves a snapshot of docs and site here, not shared with any
// replica: the published files, when this process could not build.
func (s *server) swapSite(docs []feed.Document, site *publish.Site, built time.Time) error {
	snap, err := siteSnapshot(docs, site, built)
	if err != nil {
		return err
	}
	s.handler.Swap(snap)
	s.servedDigest.Store(contentDigest(docs, site))
	s.served.Store(true)
	return nil
}

// contentDigest sums up everything a snapshot of docs and site serves:
// paths, bodies, types and dates, in order.
func contentDigest(docs []feed.Document, site *publish.Site) uint64 {
	h := xxhash.New()
	field := func(s string) {
		h.WriteString(s)
		h.Write([]byte{0})
	}
	for _, d := range docs {
		field(d.Feed)
		field(string(d.Format))
		field(d.Title)
		field(d.SelfURL)
		field(d.Modified.UTC().Format(time.RFC3339Nano))
		h.Write(d.Body)
		h.Write([]byte{0})
	}
	if site != nil {
		for _, f := range site.Files {
			field(f.Path)
			field(f.ContentType)
			h.Write(f.Body)
			h.Write([]byte{0})
		}
		for _, g := range site.Gone {
			field(g)
		}
	}
	return h.Sum64()
}
