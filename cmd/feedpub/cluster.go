package main

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedpub/feedpub/feed/httpfeed"
	"github.com/feedpub/feedpub/feed/pgsnap"
)

// With a PostgreSQL state, replicas serve what their leader published:
// the leader stores every snapshot it builds in the database, and every
// replica switches to it when signalled (package pgsnap). These are the
// server's parts of it.

// openShare starts serving the site's shared snapshot, the newest stored
// one at once, when the state is a PostgreSQL database.
func (s *server) openShare(ctx context.Context) error {
	cfg := s.cfg.Load()
	if !cfg.StateIsPostgres() {
		return nil
	}
	opts := pgsnap.Options{URL: cfg.State, Handler: s.handler, Logger: s.logger}
	if s.leader != nil {
		opts.LeaderPID = s.leader.pid.Load
	}
	share, err := pgsnap.Open(ctx, opts)
	if err != nil {
		return err
	}
	s.share = share
	s.registerClusterMetrics()
	return nil
}

// install puts a snapshot this server built in service: here only, or,
// with a shared snapshot, on every replica.
func (s *server) install(ctx context.Context, snap *httpfeed.Snapshot) error {
	if s.share == nil {
		s.handler.Swap(snap)
		return nil
	}
	if err := s.share.Publish(ctx, snap); err != nil {
		return err
	}
	s.ownGeneration.Store(s.share.Status().Generation)
	return nil
}

// servesOwn reports whether what is served is what this server last
// installed: a replica that served its leader's snapshots since (or
// nothing shared yet) must put its next build in service even if that
// build changed nothing.
func (s *server) servesOwn() bool {
	if s.share == nil {
		return true
	}
	g := s.share.Status().Generation
	return g != 0 && g == s.ownGeneration.Load()
}

// clusterHealth is the "cluster" part of /healthz; nil without a shared
// snapshot.
func (s *server) clusterHealth() *httpfeed.Cluster {
	if s.share == nil {
		return nil
	}
	st := s.share.Status()
	c := &httpfeed.Cluster{
		Leader:            s.leader != nil && s.leader.leads.Load(),
		Generation:        st.Generation,
		SnapshotBuilt:     st.Built.UTC(),
		SnapshotReceived:  st.Received.UTC(),
		LatestGeneration:  st.Latest,
		GenerationsBehind: max(st.Latest-st.Generation, 0),
		BehindSeconds:     int64(st.Behind(time.Now()) / time.Second),
	}
	if st.Generation == 0 {
		c.SnapshotBuilt, c.SnapshotReceived = time.Time{}, time.Time{}
	}
	if t := s.lastBuild.Load(); t != 0 {
		c.LastBuild = time.Unix(0, t).UTC()
	}
	return c
}

// registerClusterMetrics adds the cluster's gauges to /metrics, read at
// each scrape.
func (s *server) registerClusterMetrics() {
	unix := func(t time.Time) float64 {
		if t.IsZero() {
			return 0
		}
		return float64(t.UnixNano()) / 1e9
	}
	gauges := []struct {
		name, help string
		value      func() float64
	}{
		{"feedpub_leader", "1 when this replica holds the leader lock and builds, else 0.", func() float64 {
			if s.leader != nil && s.leader.leads.Load() {
				return 1
			}
			return 0
		}},
		{"feedpub_last_build_timestamp_seconds", "When this replica last built successfully (0: never).", func() float64 {
			if t := s.lastBuild.Load(); t != 0 {
				return float64(t) / 1e9
			}
			return 0
		}},
		{"feedpub_snapshot_generation", "The shared snapshot generation this replica serves (0: none).", func() float64 {
			return float64(s.share.Status().Generation)
		}},
		{"feedpub_snapshot_latest_generation", "The newest shared snapshot generation stored, as last seen.", func() float64 {
			return float64(s.share.Status().Latest)
		}},
		{"feedpub_snapshot_received_timestamp_seconds", "When this replica put the snapshot it serves in service.", func() float64 {
			return unix(s.share.Status().Received)
		}},
		{"feedpub_snapshot_behind_seconds", "How long the newest snapshot has waited for this replica to serve it; 0 when it does.", func() float64 {
			return s.share.Status().Behind(time.Now()).Seconds()
		}},
	}
	for _, g := range gauges {
		if err := s.handler.Registerer().Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.name, Help: g.help}, g.value)); err != nil {
			s.logger.Warn("metric not registered", "metric", g.name, "error", err)
		}
	}
}
