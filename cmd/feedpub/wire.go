package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/source"
)

// ledgerLockWait is how long a build waits for another process holding the
// ledger before giving up.
const ledgerLockWait = 30 * time.Second

// newBuilder wires a loaded configuration into a build.
func newBuilder(cfg *config.Config, led ledger.Ledger, logger *slog.Logger) (*publish.Builder, error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("base_url: %w", err)
	}
	b := &publish.Builder{
		Ledger: led,
		Output: cfg.Output,
		Base:   base,
		Logger: logger,
	}
	for _, s := range cfg.Sources {
		switch s.Type {
		case "text":
			b.Sources = append(b.Sources, &source.Text{
				SourceName:   s.Name,
				Root:         s.Path,
				Glob:         s.Glob,
				Headlines:    s.Headlines,
				MaxSize:      int64(s.MaxSize),
				IDPrefix:     cfg.TagPrefix(),
				LinkTemplate: cfg.LinkTemplate(s),
				Logger:       logger,
			})
		default:
			return nil, fmt.Errorf("source %s: unknown type %q", s.Name, s.Type)
		}
	}
	var authors []feed.Person
	if a := cfg.Author; a.Name != "" || a.Email != "" {
		authors = []feed.Person{{Name: a.Name, Email: a.Email, URL: a.URL}}
	}
	for _, f := range cfg.Feeds {
		meta := feed.Meta{
			ID:          cfg.TagPrefix() + "feed:" + f.Name,
			Title:       firstNonEmpty(f.Title, cfg.Title),
			Description: firstNonEmpty(f.Description, cfg.Description),
			Link:        cfg.Link,
			Language:    cfg.Language,
			Authors:     authors,
			Icon:        cfg.Icon,
			Generator:   "feedpub",
			SelfURL:     map[feed.Format]string{},
		}
		for _, format := range feed.Formats {
			meta.SelfURL[format] = cfg.FeedURL(f.Name, string(format))
		}
		b.Feeds = append(b.Feeds, publish.Feed{Name: f.Name, Meta: meta, Sources: f.Sources, Limit: f.Limit})
	}
	return b, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// loadConfig loads and checks the configuration, marking every failure as
// a usage error (exit status 2).
func loadConfig(path string, checkPaths bool) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, usageError{err}
	}
	if checkPaths {
		if err := cfg.CheckPaths(); err != nil {
			return nil, usageError{err}
		}
	}
	return cfg, nil
}
