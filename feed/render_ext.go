package feed

import (
	"math"
	"time"

	"github.com/gorilla/feeds"
)

// The link relations of WebSub and RFC 5005, written into every format's
// links.
const (
	RelHub         = "hub"
	RelCurrent     = "current"
	RelPrevArchive = "prev-archive"
	RelNextArchive = "next-archive"
)

// historyLinks returns the RFC 5005 links of meta for format f, in a fixed
// order: current, prev-archive, next-archive.
func historyLinks(meta Meta, f Format) [][2]string {
	var out [][2]string
	for _, l := range []struct {
		rel  string
		urls map[Format]string
	}{{RelCurrent, meta.History.Current}, {RelPrevArchive, meta.History.Prev}, {RelNextArchive, meta.History.Next}} {
		if u := l.urls[f]; u != "" {
			out = append(out, [2]string{l.rel, u})
		}
	}
	return out
}

// rssExtensions adds to an RSS document its hubs, archive links and
// marker, and polling hints.
func rssExtensions(doc *rssDoc, meta Meta) {
	ch := doc.Channel
	for _, hub := range meta.Hubs {
		ch.AtomLinks = append(ch.AtomLinks, atomNSLink{Href: hub, Rel: RelHub})
	}
	for _, l := range historyLinks(meta, RSS) {
		ch.AtomLinks = append(ch.AtomLinks, atomNSLink{Href: l[1], Rel: l[0], Type: RSS.MediaType()})
	}
	if meta.History.Archive {
		doc.FhNS = NSHistory
		ch.Archive = &struct{}{}
	}
	if meta.UpdateEvery > 0 {
		ch.Ttl = TTL(meta.UpdateEvery)
		ch.SyPeriod, ch.SyFrequency = UpdatePeriod(meta.UpdateEvery)
		doc.SyNS = NSSyndication
	}
}

// atomExtensions adds to an Atom document its hubs, archive links and
// marker.
func atomExtensions(doc *atomDoc, meta Meta) {
	for _, hub := range meta.Hubs {
		doc.Links = append(doc.Links, feeds.AtomLink{Href: hub, Rel: RelHub})
	}
	for _, l := range historyLinks(meta, Atom) {
		doc.Links = append(doc.Links, feeds.AtomLink{Href: l[1], Rel: l[0], Type: Atom.MediaType()})
	}
	if meta.History.Archive {
		doc.FhNS = NSHistory
		doc.Archive = &struct{}{}
	}
}

// jsonExtensions adds to a JSON Feed its hubs and, as JSON Feed's own
// paging, next_url: the next older document, which is what a reader
// following prev-archive in the other formats reaches.
func jsonExtensions(doc *jsonDoc, meta Meta) {
	for _, hub := range meta.Hubs {
		doc.Hubs = append(doc.Hubs, &feeds.JSONHub{Type: "WebSub", Url: hub})
	}
	doc.NextUrl = meta.History.Prev[JSON]
}

// TTL is RSS's ttl for a feed rebuilt every d: the minutes, rounded up,
// a reader may cache the feed; at least one.
func TTL(d time.Duration) int {
	return max(1, int(math.Ceil(d.Minutes())))
}

// UpdatePeriod expresses "rebuilt every d" in the syndication module's
// terms: the smallest of hourly, daily, weekly, monthly and yearly that d
// fits in, and how many updates that period holds (at least one).
func UpdatePeriod(d time.Duration) (period string, frequency int) {
	periods := []struct {
		name string
		d    time.Duration
	}{
		{"hourly", time.Hour},
		{"daily", 24 * time.Hour},
		{"weekly", 7 * 24 * time.Hour},
		{"monthly", 30 * 24 * time.Hour},
		{"yearly", 365 * 24 * time.Hour},
	}
	for _, p := range periods {
		if d <= p.d {
			return p.name, max(1, int(p.d/d))
		}
	}
	return "yearly", 1
}

func cleanStrings(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = CleanText(s)
	}
	return out
}

func cleanURLs(m map[Format]string) map[Format]string {
	if m == nil {
		return nil
	}
	out := make(map[Format]string, len(m))
	for f, u := range m {
		out[f] = CleanText(u)
	}
	return out
}
