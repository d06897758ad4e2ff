package httpfeed

import (
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// SourceState is how one source fared in the last successful build.
type SourceState struct {
	Name string
	// Err is nil for a source read this time, else why it could not be
	// read (its last good items were published instead).
	Err error
	// RetryAt is when a failing source will next be requested; zero when
	// at the next build.
	RetryAt time.Time
}

// sourceHealth is one source in /healthz.
type sourceHealth struct {
	Name    string `json:"name"`
	State   string `json:"state"` // "ok" or "degraded"
	Error   string `json:"error,omitempty"`
	RetryAt string `json:"retry_at,omitempty"`
}

// buildItems is what /healthz says about the items of the last build.
type buildItems struct {
	Skipped    int `json:"skipped_items"`
	Duplicates int `json:"duplicate_items"`
}

// sourceMetrics are the per-source and per-item gauges of the last build.
type sourceMetrics struct {
	up         *prometheus.GaugeVec
	nextRetry  *prometheus.GaugeVec
	skipped    prometheus.Gauge
	duplicates prometheus.Gauge
}

func newSourceMetrics(reg prometheus.Registerer, log *slog.Logger) *sourceMetrics {
	return &sourceMetrics{
		up: register(reg, log, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedpub_source_up",
			Help: "1 when the source was read in the last successful build, 0 when it failed and its last good items were published.",
		}, []string{"source"})),
		nextRetry: register(reg, log, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedpub_source_next_retry_timestamp_seconds",
			Help: "Unix time a failing source will next be requested; 0 when at the next build.",
		}, []string{"source"})),
		skipped: register(reg, log, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedpub_build_skipped_items",
			Help: "Items the last successful build could not publish or dropped as duplicates of another source's items.",
		})),
		duplicates: register(reg, log, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedpub_build_duplicate_items",
			Help: "Items the last successful build dropped from a feed as duplicates of another source's items.",
		})),
	}
}

// ObserveSourceStates records how each source fared in a successful build,
// and how many items it skipped (duplicates included) and dropped as
// duplicates. /healthz lists the sources with their state and next retry;
// /metrics has them as feedpub_source_up and
// feedpub_source_next_retry_timestamp_seconds.
func (h *Handler) ObserveSourceStates(states []SourceState, skipped, duplicates int) {
	list := make([]sourceHealth, len(states))
	sm := h.m.sources
	sm.up.Reset()
	sm.nextRetry.Reset()
	for i, s := range states {
		sh := sourceHealth{Name: s.Name, State: "ok"}
		up, retry := 1.0, 0.0
		if s.Err != nil {
			sh.State, sh.Error, up = "degraded", s.Err.Error(), 0
		}
		if !s.RetryAt.IsZero() {
			sh.RetryAt = s.RetryAt.UTC().Format(time.RFC3339)
			retry = float64(s.RetryAt.Unix())
		}
		list[i] = sh
		sm.up.WithLabelValues(s.Name).Set(up)
		sm.nextRetry.WithLabelValues(s.Name).Set(retry)
	}
	sm.skipped.Set(float64(skipped))
	sm.duplicates.Set(float64(duplicates))
	h.mu.Lock()
	h.sources = list
	h.items = &buildItems{Skipped: skipped, Duplicates: duplicates}
	h.mu.Unlock()
}
