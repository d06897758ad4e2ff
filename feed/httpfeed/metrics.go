package httpfeed

import (
	"errors"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the Prometheus collectors of one Handler.
type metrics struct {
	buildSuccess  prometheus.Counter
	buildFailure  prometheus.Counter
	buildDuration prometheus.Histogram
	feedItems     *prometheus.GaugeVec
	lastSuccess   prometheus.Gauge
	requests      *prometheus.CounterVec
	bytes         *prometheus.CounterVec
	// sourceFailures counts builds in which a source failed and its last
	// good items were published instead.
	sourceFailures *prometheus.CounterVec
	sources        *sourceMetrics
}

// Values of the format label for requests that are not for a feed
// document.
const (
	routeIndex   = "index"
	routeHealth  = "healthz"
	routeMetrics = "metrics"
	routeOther   = ""
)

// newMetrics creates the collectors and registers them with reg. A collector
// that is already registered (a second Handler on the same registry) is
// reused, so several handlers add up instead of panicking; any other
// registration error is logged and leaves that collector working but
// unexported.
func newMetrics(reg prometheus.Registerer, log *slog.Logger) *metrics {
	builds := register(reg, log, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "feedpub_builds_total",
		Help: "Feed builds, by result (success or failure).",
	}, []string{"result"}))
	return &metrics{
		buildSuccess: builds.WithLabelValues("success"),
		buildFailure: builds.WithLabelValues("failure"),
		buildDuration: register(reg, log, prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "feedpub_build_duration_seconds",
			Help:    "Time taken by feed builds, successful or not.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 12),
		})),
		feedItems: register(reg, log, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "feedpub_feed_items",
			Help: "Items in each feed as of the last successful build.",
		}, []string{"feed"})),
		lastSuccess: register(reg, log, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "feedpub_last_success_timestamp_seconds",
			Help: "Unix time of the last successful build.",
		})),
		requests: register(reg, log, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_http_requests_total",
			Help: "HTTP requests served, by feed, format and status. Requests for other " +
				"pages have an empty feed and format index, healthz, metrics, or empty for unknown paths.",
		}, []string{"feed", "format", "status"})),
		bytes: register(reg, log, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_http_response_bytes_total",
			Help: "Bytes of feed document bodies sent, after content coding, by feed and format.",
		}, []string{"feed", "format"})),
		sourceFailures: register(reg, log, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_source_failures_total",
			Help: "Builds in which a source failed and its last good items were published, by source.",
		}, []string{"source"})),
		sources: newSourceMetrics(reg, log),
	}
}

// register registers c with reg, returning the collector already registered
// under the same description if there is one.
func register[C prometheus.Collector](reg prometheus.Registerer, log *slog.Logger, c C) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	log.Error("register metric", "error", err)
	return c
}

// privateRegistry is the registry a Handler uses when given none: its own
// metrics plus the Go runtime and process collectors, which a standalone
// server wants and an embedding program has usually registered already.
func privateRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}
