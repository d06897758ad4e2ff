package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/feed/publish/s3store"
	"github.com/feedpub/feedpub/internal/s3url"
)

// Bounds of the max-age stored with objects, as serve's: below the floor,
// pollers would revalidate on every request; above the ceiling, a build
// would stay invisible behind the CDN for too long.
const (
	minStoreMaxAge = 10 * time.Second
	maxStoreMaxAge = time.Hour
)

// openStore opens the object storage an s3:// output names, or returns nil
// for a folder output.
func openStore(cfg *config.Config) (publish.Store, string, error) {
	if !cfg.OutputIsStore() {
		return nil, "", nil
	}
	loc, err := s3url.Parse(cfg.OutputURL)
	if err != nil {
		return nil, "", fmt.Errorf("output: %w", err)
	}
	st, err := s3store.New(loc)
	if err != nil {
		return nil, "", err
	}
	return st, storeCacheControl(cfg.Schedule, time.Now()), nil
}

// storeCacheControl is the Cache-Control of stored objects: public, for one
// schedule period, so that a CDN shows a build within a period of it.
func storeCacheControl(schedule string, now time.Time) string {
	period := 5 * time.Minute
	if sched, err := config.ParseSchedule(schedule); err == nil {
		next := sched.Next(now)
		period = sched.Next(next).Sub(next)
	}
	period = min(max(period, minStoreMaxAge), maxStoreMaxAge)
	return "public, max-age=" + strconv.Itoa(int(period/time.Second))
}

// outputName is where a build publishes, for logs: the folder, or the
// s3:// URL (which holds no credentials).
func outputName(cfg *config.Config) string {
	if cfg.OutputIsStore() {
		return cfg.OutputURL
	}
	return cfg.Output
}
