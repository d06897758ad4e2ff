package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"time"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/ledger"
	"github.com/feedpub/feedpub/feed/page"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/source"
)

// ledgerLockWait is how long a build waits for another process holding the
// ledger before giving up.
const ledgerLockWait = 30 * time.Second

// The sources that read files are read through a Scan, which lets a build
// be skipped when none of them changed.
var (
	_ publish.Scanner = (*source.Text)(nil)
	_ publish.Scanner = (*source.Markdown)(nil)
	_ publish.Scanner = (*source.JSONItems)(nil)
)

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
		// Items dated later than the build wait for it, unless the
		// configuration (or build -publish-future) says otherwise.
		PublishFuture: cfg.Future == config.FuturePublish,
	}
	if b.Store, b.CacheControl, err = openStore(cfg); err != nil {
		return nil, err
	}
	// The remote sources of a build share one limit on requests per host.
	hosts := &source.HostLimit{}
	for _, s := range cfg.Sources {
		switch s.Type {
		case config.TypeText:
			b.Sources = append(b.Sources, &source.Text{
				SourceName:   s.Name,
				Root:         s.Path,
				Glob:         s.Glob,
				Headlines:    s.Headlines,
				MaxSize:      int64(s.MaxSize),
				IDPrefix:     cfg.TagPrefix(),
				LinkTemplate: cfg.LinkTemplate(s),
				Logger:       logger,
				CacheFile:    cfg.TextCacheFile(s.Name),
			})
		case config.TypeMarkdown:
			b.Sources = append(b.Sources, &source.Markdown{
				SourceName:   s.Name,
				Root:         s.Path,
				Glob:         s.Glob,
				MaxSize:      int64(s.MaxSize),
				AllowHTML:    s.AllowHTML,
				IDPrefix:     cfg.TagPrefix(),
				LinkTemplate: cfg.LinkTemplate(s),
				PageBundles:  cfg.MakesPages(s),
				Logger:       logger,
			})
		case config.TypeJSON:
			b.Sources = append(b.Sources, &source.JSONItems{
				SourceName:   s.Name,
				Path:         s.Path,
				MaxSize:      int64(s.MaxSize),
				IDPrefix:     cfg.TagPrefix(),
				LinkTemplate: cfg.LinkTemplate(s),
				Logger:       logger,
			})
		case config.TypeFeed:
			r := &source.Remote{
				SourceName: s.Name,
				URL:        s.URL,
				IDPrefix:   cfg.TagPrefix(),
				UserAgent:  "feedpub/" + version() + " (+https://github.com/feedpub/feedpub)",
				MaxBody:    int64(s.MaxSize),
				Client:     &http.Client{Timeout: time.Duration(s.Timeout)},
				Hosts:      hosts,
				Logger:     logger,
			}
			// Without a ledger (serving what was published), sources
			// keep no state.
			if led != nil {
				r.State = led
			}
			b.Sources = append(b.Sources, r)
		default:
			return nil, fmt.Errorf("source %s: unknown type %q", s.Name, s.Type)
		}
	}
	b.Pages = &publish.Pages{
		Site:    page.Site{Title: cfg.Title, Link: cfg.Link, Language: cfg.Language},
		BaseURL: cfg.BaseURL,
		Prefix:  cfg.PagePrefix(),
	}
	for _, s := range cfg.Sources {
		if cfg.MakesPages(s) {
			b.Pages.Sources = append(b.Pages.Sources, s.Name)
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
			Icon:        firstNonEmpty(f.Icon, cfg.Icon),
			Generator:   "feedpub",
			SelfURL:     selfURLs(cfg, f.Name),
			Hubs:        cfg.Hubs,
			UpdateEvery: cfg.UpdateEvery(),
		}
		pf := publish.Feed{Name: f.Name, Meta: meta, Sources: f.Sources, Limit: f.Limit, Filter: newFilter(f), PerCategory: f.PerCategory, Archive: f.Archive}
		if f.Archive {
			pf.ArchiveMeta = func(page int) feed.Meta {
				m := meta
				m.SelfURL = selfURLs(cfg, publish.ArchiveName(f.Name, page))
				return m
			}
		}
		if f.PerCategory {
			pf.CategoryMeta = func(category, slug string) feed.Meta {
				m := meta
				name := "category/" + slug
				m.ID = cfg.TagPrefix() + "feed:" + f.Name + "/" + name
				m.Title = meta.Title + ": " + category
				m.SelfURL = selfURLs(cfg, name)
				return m
			}
		}
		b.Feeds = append(b.Feeds, pf)
	}
	return b, nil
}

func selfURLs(cfg *config.Config, name string) map[feed.Format]string {
	out := map[feed.Format]string{}
	for _, format := range feed.Formats {
		out[format] = cfg.FeedURL(name, string(format))
	}
	return out
}

// newFilter turns a feed's include and exclude rules into a filter; nil
// when it has none. The configuration compiled the expressions.
func newFilter(f config.Feed) *publish.Filter {
	if reflect.DeepEqual(f.Include, config.Match{}) && reflect.DeepEqual(f.Exclude, config.Match{}) {
		return nil
	}
	return &publish.Filter{
		IncludeCategories: f.Include.Categories, ExcludeCategories: f.Exclude.Categories,
		IncludeAuthors: f.Include.Authors, ExcludeAuthors: f.Exclude.Authors,
		IncludeTitle: f.Include.Title.Regexp, ExcludeTitle: f.Exclude.Title.Regexp,
		IncludeContent: f.Include.Content.Regexp, ExcludeContent: f.Exclude.Content.Regexp,
	}
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

// buildSite runs one build of cfg: it opens the ledger (waiting for another
// process that holds it), recovers a lost one from the evidence of earlier
// builds, builds, and, when the ledger recorded anything new, refreshes the
// ledger's backup export next to it and the ledger file.
func buildSite(ctx context.Context, cfg *config.Config, logger *slog.Logger, wait time.Duration) (*publish.Result, error) {
	led, err := openLedger(ctx, cfg, false, wait)
	if err != nil {
		return nil, withRecoveryHint(cfg, fmt.Errorf("open ledger: %w", err))
	}
	defer led.Close()
	prep, err := prepareLedger(ctx, cfg, led, logger)
	if err != nil {
		return nil, withRecoveryHint(cfg, err)
	}
	j := newJournal(led)
	b, err := newBuilder(cfg, j, logger)
	if err != nil {
		return nil, usageError{err}
	}
	res, err := b.Build(ctx)
	if err != nil {
		return nil, withRecoveryHint(cfg, err)
	}
	if prep.recovered && res.Recorded > 0 {
		// Items no copy of the ledger and no published feed knew: new
		// ones, or old ones that had left every feed.
		logger.Warn("after recovering the ledger, items that no earlier build's evidence knew were dated by this build", "items", res.Recorded)
	}
	writeLedgerCopies(ctx, cfg, led, logger, prep, j, res.Recorded > 0)
	return res, nil
}

// backupPath is where builds keep an export of the ledger, the source of
// 'feedpub ledger import' after the ledger is lost or damaged.
func backupPath(cfg *config.Config) string { return cfg.LedgerBackup() }
