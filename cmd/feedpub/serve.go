package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/feedpub/feedpub/config"
	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/feed/httpfeed"
	"github.com/feedpub/feedpub/feed/pgsnap"
	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/feed/websub"
)

// HTTP server limits. Feed readers send small requests and read whole
// bodies quickly; anything slower is a stuck or hostile client.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 60 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 16 << 10
)

// serveGCPercent is the garbage collector's GOGC while serving, unless the
// environment sets GOGC or GOMEMLIMIT. Every request leaves a few kilobytes
// of garbage in net/http while the live heap stays small, so at the default
// of 100 the collector runs dozens of times a second under load; at 400 it
// took about 15% less CPU time per request, for a heap that peaks at five
// times the live one instead of twice.
const serveGCPercent = 400

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, common := newFlagSet("serve", "-config FILE [-listen ADDR]",
		`Builds the feeds once, then again on the configuration's schedule, and serves
them over HTTP from memory: /{feed}.rss, /{feed}.atom, /{feed}.json (an HTML
view to browsers), archive pages /{feed}/archive/{n}.rss and so on, item pages
under /items/, /feeds.opml, an index page at /, /healthz and /metrics. After a
build that changed documents, the hubs are pinged. Conditional GET (ETag, Last-Modified) and
gzip are answered from data prepared once per build.

A build that fails is logged and the last good feeds stay in service. SIGHUP
reloads the configuration (an invalid one is refused and the old one kept);
SIGINT or SIGTERM stop accepting connections and let requests and a running
build finish within the grace period.

With a postgres:// state, several replicas may serve one site: only the one
holding the database's leader lock builds, and another takes over when it
dies or loses its connection.
`, stderr)
	configPath := fs.String("config", "feedpub.yaml", "configuration `file`")
	listen := fs.String("listen", "", "`address` to listen on, overriding the configuration's listen")
	grace := fs.Duration("grace", 20*time.Second, "how long shutdown waits for requests and a running build")
	netHTTP := fs.Bool("net-http", false, "serve every request with Go's net/http server, without the fast path for documents")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("serve takes no arguments, got %q", fs.Args())}
	}
	logger, err := common.logger(stderr)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*configPath, true)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	// Replicas of a PostgreSQL state share it on purpose, and elect the
	// one that builds (leader.go); a ledger file takes one server.
	var lock *serveLock
	if !cfg.StateIsPostgres() {
		if lock, err = acquireServeLock(cfg.State); err != nil {
			return err
		}
	}
	defer lock.release()
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	s := &server{configPath: *configPath, listenFlag: *listen, logger: logger, lock: lock, netHTTP: *netHTTP}
	s.cfg.Store(cfg)
	if cfg.StateIsPostgres() {
		s.leader = newLeader(cfg.State, cfg.StateName(), logger)
	}
	s.handler = httpfeed.New(httpfeed.Options{
		Logger:     logger,
		MaxAge:     s.untilNextBuild,
		StaleAfter: s.staleAfter(cfg),
		SiteTitle:  cfg.Title,
		HubURLs:    cfg.Hubs,
		PathRoot:   filepath.Dir(cfg.Path),
		Cluster:    s.clusterHealth,
		BodyDir:    bodyDir(cfg),
	})
	s.notifier = newNotifier(logger, s.handler.Registerer())
	// Stopped on every way out of run; a second Close returns at once.
	defer s.closeNotifier(context.Background())
	return s.run(ctx, stdout, *grace)
}

// server is a running 'feedpub serve': the HTTP server, the build
// schedule and the configuration they share.
type server struct {
	configPath string
	listenFlag string
	logger     *slog.Logger
	handler    *httpfeed.Handler
	// notifier pings WebSub hubs after builds that changed documents.
	notifier *websub.Notifier
	lock     *serveLock
	// netHTTP serves without the fast path (servehttp.go).
	netHTTP bool

	cfg      atomic.Pointer[config.Config]
	schedule atomic.Pointer[cron.Schedule]

	// buildMu keeps builds one at a time: the schedule skips overlapping
	// runs, and a reload's build waits for a running one.
	buildMu sync.Mutex
	// served is set once a snapshot is in service.
	served atomic.Bool
	// servedDigest is the digest of what the snapshot in service holds,
	// so a build that wrote nothing still swaps when the published files
	// moved on without this process (a 'feedpub build' run beside it).
	servedDigest atomic.Uint64
	// held builds again when an item held for its date is due.
	held heldWake
	// extra tracks the builds started outside the schedule (a reload's,
	// a held item's), so that shutdown waits for them as for a scheduled
	// one.
	extra sync.WaitGroup
	// leader, with a PostgreSQL ledger, lets one replica build at a time.
	leader *leader
	// share, with a PostgreSQL ledger, serves the leader's snapshots on
	// every replica (cluster.go); ownGeneration is the generation this
	// server last put in service itself.
	share         *pgsnap.Share
	ownGeneration atomic.Int64
	// lastBuild is when this server last built successfully, in Unix
	// nanoseconds; zero before.
	lastBuild atomic.Int64
}

func (s *server) run(ctx context.Context, stdout io.Writer, grace time.Duration) error {
	cfg := s.cfg.Load()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
		// Lets the handler send large bodies with sendfile, corked.
		ConnContext: httpfeed.ConnContext,
	}
	// Taken before the first build: a SIGHUP that arrives while it runs
	// is a reload for later, not the signal's default, which ends the
	// process.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	if err := s.lock.announce(ln.Addr().String()); err != nil {
		s.logger.Warn("serve lock: address not written", "error", err)
	}
	warnLoopbackMismatch(s.logger, cfg.BaseURL, ln.Addr().String())
	// A replica serves the newest shared snapshot from its first request
	// on; only the leader builds.
	if err := s.openShare(ctx); err != nil {
		ln.Close()
		return err
	}
	if s.share != nil {
		defer s.share.Close()
	}
	serveErr := make(chan error, 1)
	hs := s.httpServer(srv)
	go func() { serveErr <- hs.Serve(ln) }()
	if s.leader != nil {
		defer s.leader.close()
	}

	s.printURLs(stdout, cfg, ln.Addr().String())

	// Builds outlive a shutdown signal by up to the grace period, so that
	// one under way can finish and publish.
	buildCtx, cancelBuilds := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBuilds()
	s.held.build = func() { s.extra.Go(func() { s.build(buildCtx, "held item due") }) }
	defer s.held.stop()

	if err := s.build(buildCtx, "start"); err != nil && (s.share == nil || !s.share.Serving()) {
		s.serveLastPublished()
	}

	c := cron.New(
		cron.WithParser(scheduleParser{}),
		cron.WithLogger(cronLogger{s.logger}),
		cron.WithChain(cron.Recover(cronLogger{s.logger}), cron.SkipIfStillRunning(cronLogger{s.logger})),
	)
	entry, err := s.scheduleBuilds(c, buildCtx, cfg, 0)
	if err != nil {
		return usageError{err}
	}
	c.Start()

	for {
		select {
		case <-hup:
			entry = s.reload(c, buildCtx, entry)
		case err := <-serveErr:
			<-c.Stop().Done()
			s.notifier.Close(context.Background())
			return fmt.Errorf("http server: %w", err)
		case <-ctx.Done():
			s.logger.Info("shutting down", "grace", grace)
			deadline, cancel := context.WithTimeout(context.Background(), grace)
			defer cancel()
			stopped := c.Stop()
			s.held.stop()
			err := hs.Shutdown(deadline)
			builds := make(chan struct{})
			go func() {
				<-stopped.Done()
				s.extra.Wait()
				close(builds)
			}()
			select {
			case <-builds:
			case <-deadline.Done():
				cancelBuilds()
				s.logger.Warn("grace period over; the running build was cancelled")
			}
			s.closeNotifier(deadline)
			if err != nil {
				return fmt.Errorf("shutdown: %w", err)
			}
			s.logger.Info("stopped")
			return nil
		}
	}
}

// scheduleBuilds replaces the scheduled build entry old (0: none) with one
// on cfg's schedule.
func (s *server) scheduleBuilds(c *cron.Cron, ctx context.Context, cfg *config.Config, old cron.EntryID) (cron.EntryID, error) {
	sched, err := config.ParseSchedule(cfg.Schedule)
	if err != nil {
		return old, fmt.Errorf("schedule %q: %w", cfg.Schedule, err)
	}
	if old != 0 {
		c.Remove(old)
	}
	s.schedule.Store(&sched)
	id := c.Schedule(sched, cron.FuncJob(func() { s.build(ctx, "schedule") }))
	s.logger.Info("builds scheduled", "schedule", cfg.Schedule, "next", sched.Next(time.Now()).Format(time.RFC3339))
	return id, nil
}

// reload loads the configuration file again. An invalid file is refused
// and the running configuration kept.
func (s *server) reload(c *cron.Cron, ctx context.Context, entry cron.EntryID) cron.EntryID {
	old := s.cfg.Load()
	cfg, err := loadConfig(s.configPath, true)
	if err != nil {
		s.logger.Error("configuration reload refused; keeping the running configuration", "config", s.configPath, "error", err)
		return entry
	}
	if s.listenFlag != "" {
		cfg.Listen = s.listenFlag
	}
	if cfg.Listen != old.Listen {
		s.logger.Warn("listen address changes take a restart", "listening", old.Listen, "configured", cfg.Listen)
		cfg.Listen = old.Listen
	}
	// The serve lock, or the leader lock, is held on the state this
	// server started with.
	s.keepState(old, cfg)
	s.cfg.Store(cfg)
	// The index page is rendered with each snapshot: have the reload's
	// build swap one in even when the feeds come out the same.
	s.handler.SetSiteTitle(cfg.Title)
	s.handler.SetStaleAfter(s.staleAfter(cfg))
	s.handler.SetHubURLs(cfg.Hubs)
	s.served.Store(false)
	entry, err = s.scheduleBuilds(c, ctx, cfg, entry)
	if err != nil {
		s.logger.Error("configuration reload: schedule refused", "error", err)
	}
	s.logger.Info("configuration reloaded", "config", s.configPath)
	s.extra.Go(func() { s.build(ctx, "reload") })
	return entry
}

// build runs one build and puts its documents in service. A failure is
// logged and leaves the served snapshot as it was.
func (s *server) build(ctx context.Context, reason string) error {
	s.buildMu.Lock()
	defer s.buildMu.Unlock()
	cfg := s.cfg.Load()
	ctx, cancel := context.WithTimeout(ctx, time.Duration(cfg.BuildTimeout))
	defer cancel()
	start := time.Now()
	lctx, release, err := s.lead(ctx)
	if errors.Is(err, errNotLeader) {
		s.logger.Debug("build skipped: another replica leads", "reason", reason)
		return err
	}
	if err == nil {
		err = s.buildOnce(lctx, cfg)
		release()
	}
	took := time.Since(start)
	if err != nil {
		s.handler.ObserveBuild(took, nil, err)
		s.logger.Error("build failed; the previous feeds stay in service", "reason", reason, "error", err, "took", took.Round(time.Millisecond))
	}
	return err
}

func (s *server) buildOnce(ctx context.Context, cfg *config.Config) error {
	start := time.Now()
	res, err := buildSite(ctx, cfg, s.logger, ledgerLockWait)
	if err != nil {
		return err
	}
	items := map[string]int{}
	changed := false
	for _, f := range res.Feeds {
		items[f.Name] = f.Items
		changed = changed || f.Changed()
	}
	if res.Site != nil && res.Site.Changed {
		changed = true
	}
	docs, err := loadDocs(cfg.Output, res.Documents())
	if err != nil {
		return err
	}
	if changed || !s.served.Load() || !s.servesOwn() || s.servedDigest.Load() != contentDigest(docs, res.Site) {
		snap, err := siteSnapshot(docs, res.Site, time.Now())
		if err != nil {
			return err
		}
		if err := s.install(ctx, snap); err != nil {
			return err
		}
		s.servedDigest.Store(contentDigest(docs, res.Site))
		s.served.Store(true)
	} else if s.share != nil {
		if err := s.share.Confirm(ctx); err != nil {
			return err
		}
	}
	s.lastBuild.Store(time.Now().UnixNano())
	pingHubs(s.notifier, cfg, res, s.logger)
	took := time.Since(start)
	s.handler.ObserveBuild(took, items, nil)
	s.handler.ObserveSources(res.Degraded)
	s.handler.ObserveSourceStates(sourceStates(res.Sources), res.Skipped, res.Duplicates)
	if !res.NextHeld.IsZero() {
		s.logger.Info("build scheduled for an item held until its date", "items_held", res.Held, "at", res.NextHeld.UTC().Format(time.RFC3339))
	}
	s.held.set(res.NextHeld)
	s.logger.Info("build finished", "feeds", len(res.Feeds), "items", res.Items, "skipped_items", res.Skipped,
		"duplicate_items", res.Duplicates, "held_items", res.Held, "degraded_sources", len(res.Degraded), "changed", changed, "took", took.Round(time.Millisecond))
	return nil
}

// loadDocs gives every document of a build its bytes: archive pages the
// build did not render are read from their files.
func loadDocs(output string, docs []feed.Document) ([]feed.Document, error) {
	for i := range docs {
		body, err := publish.ReadDocument(output, docs[i])
		if err != nil {
			return nil, err
		}
		docs[i].Body = body
	}
	return docs, nil
}

// serveLastPublished puts the files of the last good build in service when
// the first build of this process fails, so a restart with a broken source
// still serves what readers had. Files that no longer validate are left out.
func (s *server) serveLastPublished() {
	cfg := s.cfg.Load()
	b, err := newBuilder(cfg, nil, s.logger)
	if err != nil {
		s.logger.Error("serving the published files failed", "error", err)
		return
	}
	docs := b.PublishedDocuments()
	if len(docs) == 0 {
		s.logger.Warn("no published feeds to serve until a build succeeds")
		return
	}
	var built time.Time
	for _, d := range docs {
		built = feed.Latest(built, d.Modified)
	}
	site, ok := b.PublishedSite()
	if !ok {
		s.logger.Warn("published pages not found; serving the feeds without them")
		site = nil
	}
	if err := s.swapSite(docs, site, built); err != nil {
		s.logger.Error("serving the published files failed", "error", err)
		return
	}
	s.logger.Info("serving the last published feeds until a build succeeds", "documents", len(docs))
}

// untilNextBuild tells caches how long a feed stays as it is.
func (s *server) untilNextBuild(now time.Time) time.Duration {
	sched := s.schedule.Load()
	if sched == nil {
		return 0
	}
	return (*sched).Next(now).Sub(now)
}

// staleAfter is the age of the last success past which /healthz reports
// the server stale: stale_periods schedule periods.
func (s *server) staleAfter(cfg *config.Config) time.Duration {
	sched, err := config.ParseSchedule(cfg.Schedule)
	if err != nil {
		return 0
	}
	next := sched.Next(time.Now())
	period := sched.Next(next).Sub(next)
	return time.Duration(cfg.StalePeriods)*max(period, time.Second) + time.Duration(cfg.BuildTimeout)
}

func (s *server) printURLs(w io.Writer, cfg *config.Config, addr string) {
	local := "http://" + addr + "/"
	fmt.Fprintf(w, "feedpub %s serving on %s\n", version(), local)
	for _, f := range cfg.Feeds {
		for _, format := range feed.Formats {
			fmt.Fprintf(w, "  %s%s.%s\n", local, f.Name, format)
		}
	}
	if cfg.BaseURL != local {
		fmt.Fprintf(w, "feeds name their address as %s (base_url)\n", cfg.BaseURL)
	}
}

// scheduleParser lets cron take the schedules the configuration accepts.
type scheduleParser struct{}

func (scheduleParser) Parse(spec string) (cron.Schedule, error) { return config.ParseSchedule(spec) }

// cronLogger adapts slog to cron's logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "error", err)...)
}

func sourceStates(in []publish.SourceStatus) []httpfeed.SourceState {
	out := make([]httpfeed.SourceState, len(in))
	for i, s := range in {
		out[i] = httpfeed.SourceState(s)
	}
	return out
}

// bodyDir returns the folder the server keeps the files of large bodies in
// (httpfeed.Options.BodyDir): the state file's, on the disk the site is
// on, or else the cache or output folder; empty, for files in memory, when
// none is a folder here.
func bodyDir(cfg *config.Config) string {
	var dirs []string
	if !cfg.StateIsPostgres() {
		dirs = append(dirs, filepath.Dir(cfg.State))
	}
	if cfg.CacheDir != "" {
		dirs = append(dirs, cfg.CacheDir)
	}
	for _, d := range append(dirs, cfg.Output) {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return ""
}
