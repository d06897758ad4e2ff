package publish

import (
	"bytes"
	"fmt"
	"time"

	"github.com/feedpub/feedpub/feed"
	"github.com/feedpub/feedpub/internal/par"
)

// renderFeeds renders every document into the result, or takes the files
// the last build wrote for it when it was rendered from the same inputs
// (reuse). A document with no items fails the build, unless every one of
// its sources failed and other documents publish: it then waits for its
// first good fetch.
func (r *run) renderFeeds(docs []document) error {
	for i := range docs {
		d := &docs[i]
		if len(d.items) == 0 && len(docs) > 1 && !d.archived && allDegraded(d.sources, r.res.Degraded) {
			// Sites that have never answered must not stop the other
			// feeds: this one waits for its first good fetch.
			r.logger.Warn("feed not published: every one of its sources failed and has no last good items", "feed", d.name)
			d.waiting = true
			continue
		}
		if len(d.items) == 0 {
			why := "its sources and filters left nothing to publish"
			if r.res.Held > 0 {
				why += fmt.Sprintf("; %d items are held until their date, the first at %s", r.res.Held, r.res.NextHeld.UTC().Format(time.RFC3339))
			}
			return fmt.Errorf("feed %s: %w (%s); the previous files are kept", d.name, feed.ErrNoItems, why)
		}
		inputs := renderInputs(d.meta, d.items)
		fr, ok := r.reuse(r.last, d.name, inputs, len(d.items))
		if ok {
			r.logger.Debug("feed items and settings unchanged; published documents kept", "feed", d.name)
		} else {
			var err error
			if fr, err = renderFeed(d.name, d.meta, d.items); err != nil {
				return err
			}
			fr.inputs = inputs
		}
		r.res.Feeds = append(r.res.Feeds, fr)
	}
	if len(r.res.Feeds) == 0 {
		return fmt.Errorf("%w: every source failed; the previous files are kept", feed.ErrNoItems)
	}
	return nil
}

// allDegraded reports whether every one of sources failed in this build.
func allDegraded(sources []string, degraded map[string]error) bool {
	for _, name := range sources {
		if degraded[name] == nil {
			return false
		}
	}
	return len(sources) > 0
}

// renderFeed renders one feed in every format, validated.
func renderFeed(name string, meta feed.Meta, items []feed.Item) (FeedResult, error) {
	fr := FeedResult{Name: name, Items: len(items)}
	modified := feed.LastUpdated(items)
	// The formats are rendered and validated on every CPU: a build that
	// changed one feed spends most of its own time here.
	bodies := make([][]byte, len(feed.Formats))
	errs := make([]error, len(feed.Formats))
	par.For(len(feed.Formats), func(i int) {
		bodies[i], errs[i] = renderChecked(feed.Formats[i], meta, items)
	})
	for i, format := range feed.Formats {
		if errs[i] != nil {
			return FeedResult{}, fmt.Errorf("feed %s: %w", name, errs[i])
		}
		fr.Documents = append(fr.Documents, feed.Document{
			Feed: name, Format: format, Title: meta.Title, Body: bodies[i],
			Modified: modified, SelfURL: meta.SelfURL[format],
		})
	}
	return fr, nil
}

// renderChecked renders one document and validates it against the items it
// was rendered from, so that a renderer bug never reaches a reader.
func renderChecked(format feed.Format, meta feed.Meta, items []feed.Item) ([]byte, error) {
	var buf bytes.Buffer
	if err := feed.Render(&buf, format, meta, items); err != nil {
		return nil, err
	}
	report := feed.ValidateFormat(format, buf.Bytes())
	// Text that quotes entities ("&amp;") on purpose trips the validator's
	// double-escaping heuristic; Match below proves each title came back
	// exactly as given, which is the exact check.
	if err := report.PublishErr(); err != nil {
		return nil, fmt.Errorf("rendered %s does not validate: %w", format, err)
	}
	if err := report.Match(items); err != nil {
		return nil, fmt.Errorf("rendered %s does not carry its items: %w", format, err)
	}
	return buf.Bytes(), nil
}
