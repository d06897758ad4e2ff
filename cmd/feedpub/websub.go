package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/feed/websub"
)

// shutdownPingWait bounds how long a stopping server waits for pings still
// pending, so that a hub that is down does not hold up a shutdown.
const shutdownPingWait = 2 * time.Second

// closeNotifier stops the server's notifier, letting pending pings go out
// for at most shutdownPingWait, and never past ctx.
func (s *server) closeNotifier(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, shutdownPingWait)
	defer cancel()
	s.notifier.Close(ctx)
}

// buildPingWait bounds how long a one-shot build waits, after publishing,
// for its WebSub pings (retries included) before it exits.
const buildPingWait = 10 * time.Second

// newNotifier returns the WebSub notifier of a command.
func newNotifier(logger *slog.Logger, reg prometheus.Registerer) *websub.Notifier {
	return websub.New(websub.Options{
		Logger:     logger,
		Registerer: reg,
		UserAgent:  "feedpub/" + version() + " (+https://github.com/feedpub/feedpub)",
	})
}

// changedURLs lists the URLs of the feed documents a build rewrote: the
// topics to ping hubs about. Archive pages are left out: readers subscribe
// to a feed's current document, which links to them.
func changedURLs(res *publish.Result) []string {
	var out []string
	for _, f := range res.Feeds {
		for _, d := range f.Documents {
			if d.Changed && d.SelfURL != "" {
				out = append(out, d.SelfURL)
			}
		}
	}
	return out
}

// pingHubs tells cfg's hubs about the documents res changed, from n's
// goroutines.
func pingHubs(n *websub.Notifier, cfg *config.Config, res *publish.Result, logger *slog.Logger) {
	if len(cfg.Hubs) == 0 {
		return
	}
	urls := changedURLs(res)
	if len(urls) == 0 {
		return
	}
	logger.Info("websub pings queued", "hubs", len(cfg.Hubs), "documents", len(urls))
	n.Notify(cfg.Hubs, urls)
}

// pingHubsBeforeExit pings cfg's hubs about res's changed documents and
// waits for the pings, retries included, at most buildPingWait: a one-shot
// build has no process left to retry later.
func pingHubsBeforeExit(ctx context.Context, cfg *config.Config, res *publish.Result, logger *slog.Logger) {
	if len(cfg.Hubs) == 0 || len(changedURLs(res)) == 0 {
		return
	}
	n := newNotifier(logger, nil)
	pingHubs(n, cfg, res, logger)
	ctx, cancel := context.WithTimeout(ctx, buildPingWait)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		logger.Warn("websub pings not all delivered before exit; hubs learn of the change at their next poll", "wait", buildPingWait)
	}
}
