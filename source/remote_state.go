package source

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// StateStore keeps small values between builds, under keys a source
// chooses. ledger.Bolt and ledger.Memory satisfy it.
type StateStore interface {
	// GetState returns the value stored under key, or nil when there is none.
	GetState(ctx context.Context, key string) ([]byte, error)
	// PutState stores value under key, replacing any previous value.
	PutState(ctx context.Context, key string, value []byte) error
}

// remoteState is what a Remote keeps between fetches, stored as JSON under
// "remote/"+SourceName.
type remoteState struct {
	// Version is remoteStateVersion; state of any other version is ignored.
	Version int `json:"version"`
	// URL and IDPrefix are the configuration the state was made with; the
	// state is ignored when either has changed.
	URL      string `json:"url"`
	IDPrefix string `json:"id_prefix,omitempty"`
	// ETag and LastModified are the validators of the last good response.
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// Fetched is when the feed was last read successfully (200 or 304);
	// zero when it never was, and then Items means nothing.
	Fetched time.Time `json:"fetched,omitzero"`
	// Attempted is when the feed was last requested.
	Attempted time.Time `json:"attempted,omitzero"`
	// NotBefore is when the next request may be made, after a 429 or 503.
	NotBefore time.Time `json:"not_before,omitzero"`
	// Failures counts the failed fetches since the last good one.
	Failures int `json:"failures,omitempty"`
	// LastError says why the last failed fetch failed.
	LastError string `json:"last_error,omitempty"`
	// Items are the items of the last good fetch, ready to publish again.
	Items []storedItem `json:"items"`

	// unread marks a state that stands in for one that could not be read:
	// saving it would replace the stored items with none.
	unread bool
}

const remoteStateVersion = 1

// storedItem is a feed.Item as a Remote stores it.
type storedItem struct {
	ID          string            `json:"id"`
	Title       string            `json:"title,omitempty"`
	Untitled    bool              `json:"untitled,omitempty"`
	Link        string            `json:"link,omitempty"`
	Summary     string            `json:"summary,omitempty"`
	ContentHTML string            `json:"content_html,omitempty"`
	Authors     []storedPerson    `json:"authors,omitempty"`
	Categories  []string          `json:"categories,omitempty"`
	Published   time.Time         `json:"published,omitzero"`
	Updated     time.Time         `json:"updated,omitzero"`
	Enclosures  []storedEnclosure `json:"enclosures,omitempty"`
	Origin      *storedOrigin     `json:"origin,omitempty"`
	Source      string            `json:"source,omitempty"`
}

type storedPerson struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

type storedEnclosure struct {
	URL    string `json:"url"`
	Length int64  `json:"length,omitempty"`
	Type   string `json:"type,omitempty"`
}

type storedOrigin struct {
	ID      string `json:"id,omitempty"`
	Title   string `json:"title,omitempty"`
	Link    string `json:"link,omitempty"`
	FeedURL string `json:"feed_url,omitempty"`
}

// storeItems converts items for storage.
func storeItems(items []feed.Item) []storedItem {
	out := make([]storedItem, len(items))
	for i, it := range items {
		s := storedItem{
			ID: it.ID, Title: it.Title, Untitled: it.Untitled, Link: it.Link, Summary: it.Summary, ContentHTML: it.ContentHTML,
			Categories: it.Categories, Published: it.Published, Updated: it.Updated, Source: it.Source,
		}
		for _, p := range it.Authors {
			s.Authors = append(s.Authors, storedPerson(p))
		}
		for _, e := range it.Enclosures {
			s.Enclosures = append(s.Enclosures, storedEnclosure(e))
		}
		if o := it.Origin; o != nil {
			so := storedOrigin(*o)
			s.Origin = &so
		}
		out[i] = s
	}
	return out
}

// loadItems converts stored items back. It returns nil for none.
func loadItems(stored []storedItem) []feed.Item {
	if len(stored) == 0 {
		return nil
	}
	out := make([]feed.Item, len(stored))
	for i, s := range stored {
		it := feed.Item{
			ID: s.ID, Title: s.Title, Untitled: s.Untitled, Link: s.Link, Summary: s.Summary, ContentHTML: s.ContentHTML,
			Categories: s.Categories, Published: s.Published, Updated: s.Updated, Source: s.Source,
		}
		for _, p := range s.Authors {
			it.Authors = append(it.Authors, feed.Person(p))
		}
		for _, e := range s.Enclosures {
			it.Enclosures = append(it.Enclosures, feed.Enclosure(e))
		}
		if o := s.Origin; o != nil {
			fo := feed.Origin(*o)
			it.Origin = &fo
		}
		out[i] = it
	}
	return out
}

func (r *Remote) stateKey() string { return "remote/" + r.SourceName }

// loadState reads the stored state. State that cannot be read, or was made
// for another URL or ID prefix, is replaced by an empty one.
func (r *Remote) loadState(ctx context.Context, log *slog.Logger) *remoteState {
	fresh := &remoteState{Version: remoteStateVersion, URL: r.URL, IDPrefix: r.IDPrefix}
	var data []byte
	if r.State == nil {
		data = r.mem
	} else {
		var err error
		if data, err = r.State.GetState(ctx, r.stateKey()); err != nil {
			log.Warn("source state unreadable", "source", r.SourceName, "error", err)
			fresh.unread = true
			return fresh
		}
	}
	if data == nil {
		return fresh
	}
	var st remoteState
	if err := json.Unmarshal(data, &st); err != nil {
		log.Warn("source state unreadable", "source", r.SourceName, "error", err)
		return fresh
	}
	if st.Version != remoteStateVersion || st.URL != r.URL || st.IDPrefix != r.IDPrefix {
		log.Info("source state reset", "source", r.SourceName, "reason", "configuration changed")
		return fresh
	}
	return &st
}

// saveState stores st. A failure is logged: the items are good even when
// the state cannot be kept.
func (r *Remote) saveState(ctx context.Context, st *remoteState, log *slog.Logger) {
	if st.unread && st.Fetched.IsZero() {
		return // a failure would overwrite good items that could not be read
	}
	if st.Items == nil {
		st.Items = []storedItem{}
	}
	data, err := json.Marshal(st)
	if err == nil && r.State != nil {
		err = r.State.PutState(ctx, r.stateKey(), data)
	}
	if err != nil {
		log.Warn("source state not saved", "source", r.SourceName, "error", err)
		return
	}
	if r.State == nil {
		r.mem = data
	}
}
