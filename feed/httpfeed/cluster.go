package httpfeed

import "time"

// Cluster is what /healthz says about this server among replicas that
// share one site: whether it leads, what it serves and how far behind its
// leader it is.
type Cluster struct {
	// Leader reports whether this replica holds the leader lock and builds.
	Leader bool `json:"leader"`
	// LastBuild is when this replica last built successfully.
	LastBuild time.Time `json:"last_build,omitzero"`
	// Generation is the shared snapshot served, SnapshotBuilt its build
	// time and SnapshotReceived when this replica put it in service.
	Generation       int64     `json:"generation"`
	SnapshotBuilt    time.Time `json:"snapshot_built,omitzero"`
	SnapshotReceived time.Time `json:"snapshot_received,omitzero"`
	// LatestGeneration is the newest snapshot stored, as last seen;
	// GenerationsBehind how many this replica is behind it, and
	// BehindSeconds how long the newest has waited for this replica (zero
	// when it serves it).
	LatestGeneration  int64 `json:"latest_generation"`
	GenerationsBehind int64 `json:"generations_behind"`
	BehindSeconds     int64 `json:"behind_seconds"`
}

// MarkSuccess records a successful build made at t by another server, as
// a replica learns of its leader's builds; /healthz counts its age from
// the newest such time. It never moves the time back.
func (h *Handler) MarkSuccess(t time.Time) { h.markSuccess(t) }
