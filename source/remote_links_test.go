package source

import (
	"strings"
	"testing"
)

// TestRemoteSharedLinks follows items without a guid that share a link,
// as a live page's updates or a feed that links every item to its front
// page do: none is lost, each keeps its id from fetch to fetch, the item
// that had the link's id keeps it when a newer one comes first, and only
// an item that repeats another's title and text is skipped.
func TestRemoteSharedLinks(t *testing.T) {
	t.Parallel()
	const live = "https://up.example/live"
	item := func(title, link, text string) string {
		s := "<item><title>" + title + "</title>"
		if link != "" {
			s += "<link>" + link + "</link>"
		}
		return s + "<description>" + text + "</description></item>"
	}
	doc := func(items ...string) []byte {
		return []byte(`<rss version="2.0"><channel><title>Up</title><link>https://up.example/</link>` +
			strings.Join(items, "") + `</channel></rss>`)
	}
	first := doc(
		item("First update", live, "One."),
		item("Second update", live, "Two."),
		item("Elsewhere", "https://up.example/other", "Three."),
	)
	srv := newRemoteServer(t, serveFeed(first))
	r, _, logBuf := newTestRemote("up", srv.URL)
	got := mustFetch(t, r)
	if titles := titles(got); strings.Join(titles, "|") != "First update|Second update|Elsewhere" {
		t.Fatalf("first fetch: titles %q, want all three", titles)
	}
	plain := remotePrefix + "up/" + live
	if got[0].ID != plain {
		t.Errorf("the first item with the link has id %s, want %s", got[0].ID, plain)
	}
	if !strings.HasPrefix(got[1].ID, plain+"%23sha256:") {
		t.Errorf("the second item with the link has id %s, want the link and a digest", got[1].ID)
	}
	if got[2].ID != remotePrefix+"up/https://up.example/other" {
		t.Errorf("an item with a link of its own has id %s", got[2].ID)
	}
	if n := len(logLines(logBuf.String(), "shares its link", "source=up")); n != 1 {
		t.Errorf("%d log lines about shared links, want 1:\n%s", n, logBuf)
	}
	idOf := map[string]string{}
	for _, it := range got {
		idOf[it.Title] = it.ID
	}

	// A newer update comes first; a repeat of another item's title with
	// other text, and an exact repeat, follow.
	srv.set(serveFeed(doc(
		item("Third update", live, "Newest."),
		item("First update", live, "One."),
		item("Second update", live, "Two."),
		item("Second update", live, "Two, corrected."),
		item("Second update", live, "Two."),
		item("Elsewhere", "https://up.example/other", "Three."),
	)))
	logBuf.Reset()
	again := mustFetch(t, r)
	if titles := titles(again); strings.Join(titles, "|") != "Third update|First update|Second update|Second update|Elsewhere" {
		t.Fatalf("second fetch: titles %q", titles)
	}
	for _, it := range again {
		if want, ok := idOf[it.Title]; ok && it.Summary != "Two, corrected." && it.ID != want {
			t.Errorf("%q moved from id %s to %s", it.Title, want, it.ID)
		}
	}
	seen := map[string]bool{}
	for _, it := range again {
		if seen[it.ID] {
			t.Errorf("id %s given twice", it.ID)
		}
		seen[it.ID] = true
	}
	if n := len(logLines(logBuf.String(), "item skipped", "source=up")); n != 1 {
		t.Errorf("%d items skipped, want the exact repeat only:\n%s", n, logBuf)
	}

	// The items roll off one by one, the one that held the link's id
	// first: each left keeps its id, down to the last, which no longer
	// shares its link.
	type key struct{ title, summary string }
	idOfItem := map[key]string{}
	for _, it := range again {
		idOfItem[key{it.Title, it.Summary}] = it.ID
	}
	rolls := [][]string{
		{item("Third update", live, "Newest."), item("Second update", live, "Two."), item("Second update", live, "Two, corrected."), item("Elsewhere", "https://up.example/other", "Three.")},
		{item("Third update", live, "Newest."), item("Second update", live, "Two, corrected.")},
		{item("Third update", live, "Newest.")},
	}
	for n, items := range rolls {
		srv.set(serveFeed(doc(items...)))
		for _, it := range mustFetch(t, r) {
			if want := idOfItem[key{it.Title, it.Summary}]; it.ID != want {
				t.Errorf("roll-off %d: %q (%s) moved from id %s to %s", n+1, it.Title, it.Summary, want, it.ID)
			}
		}
	}
}
