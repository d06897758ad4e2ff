package publish_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed/page"
	"github.com/feedpub/feedpub/feed/publish"
)

// deltaTwins are two copies of one site with an output folder, built side
// by side with the same clock: the first keeps a file cache and its index,
// so that its builds read only what changed whenever they can; the second
// reads every file every time. Files change as twinSites changes them.
type deltaTwins struct {
	*twinSites
	logs  [2]bytes.Buffer
	feeds func() []publish.Feed
}

func newDeltaTwins(t *testing.T, feeds func() []publish.Feed) *deltaTwins {
	return &deltaTwins{twinSites: newTwins(t, nil), feeds: feeds}
}

// build builds both sites and returns their results.
func (tw *deltaTwins) build() [2]*publish.Result {
	tw.t.Helper()
	res, errs := tw.tryBuild()
	for i, err := range errs {
		if err != nil {
			tw.t.Fatalf("build of site %d: %v\nlog:\n%s", i, err, tw.logs[i].String())
		}
	}
	return res
}

// tryBuild builds both sites and returns their results and errors.
func (tw *deltaTwins) tryBuild() ([2]*publish.Result, [2]error) {
	tw.t.Helper()
	var out [2]*publish.Result
	var errs [2]error
	for i, dir := range tw.dirs {
		b, led := tw.builder(i, slog.New(slog.NewTextHandler(&tw.logs[i], nil)), tw.feeds())
		b.Output = filepath.Join(dir, "public")
		b.Pages = &publish.Pages{
			Site:    page.Site{Title: "Example News", Link: "https://news.example.com/"},
			BaseURL: "http://127.0.0.1:8080/", Prefix: "http://127.0.0.1:8080/items/", Sources: []string{"wire"},
		}
		out[i], errs[i] = b.Build(tw.t.Context())
		led.Close()
	}
	return out, errs
}

// check builds both sites and fails unless they published the same files
// and counted the same items.
func (tw *deltaTwins) check(step string) {
	tw.t.Helper()
	res := tw.build()
	a, b := res[0], res[1]
	if a.Items != b.Items || a.Skipped != b.Skipped || a.Held != b.Held || !a.NextHeld.Equal(b.NextHeld) {
		tw.t.Errorf("%s: items %d, skipped %d, held %d (next %v) reading what changed; %d, %d, %d (next %v) reading everything",
			step, a.Items, a.Skipped, a.Held, a.NextHeld, b.Items, b.Skipped, b.Held, b.NextHeld)
	}
	trees := [2]map[string][]byte{tree(tw.t, filepath.Join(tw.dirs[0], "public")), tree(tw.t, filepath.Join(tw.dirs[1], "public"))}
	for name, body := range trees[1] {
		if got, ok := trees[0][name]; !ok {
			tw.t.Errorf("%s: %s is published reading everything, not reading what changed", step, name)
		} else if !bytes.Equal(got, body) {
			tw.t.Errorf("%s: %s differs reading what changed:\n%s\nreading everything:\n%s", step, name, got, body)
		}
	}
	for name := range trees[0] {
		if _, ok := trees[1][name]; !ok {
			tw.t.Errorf("%s: %s is published reading what changed, not reading everything", step, name)
		}
	}
	if tw.t.Failed() {
		tw.t.Fatalf("%s: log of the site that reads what changed:\n%s", step, tw.logs[0].String())
	}
}

// tree lists every file below root with its bytes, by slash-separated
// path.
func tree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// deltaArticle writes one article file: a header now and then, a few
// paragraphs, and headlines drawn from a small pool, so that they repeat
// across files, with a new one now and then.
func deltaArticle(rng *rand.Rand, n int) string {
	var b strings.Builder
	switch rng.IntN(6) {
	case 0:
		fmt.Fprintf(&b, "Title: Headed story %d\nTags: %s\n\n", n, []string{"Weather", "Farming", "Politics"}[rng.IntN(3)])
	case 1:
		fmt.Fprintf(&b, "Date: 2026-01-%02dT08:00:00Z\n\n", 1+rng.IntN(28))
	}
	for p := range 1 + rng.IntN(3) {
		fmt.Fprintf(&b, "Story %d, paragraph %d, says something new (%d).\n", n, p, rng.IntN(1000))
	}
	if rng.IntN(4) > 0 {
		b.WriteString("\n\n")
		for range 1 + rng.IntN(4) {
			if rng.IntN(8) == 0 {
				fmt.Fprintf(&b, "A headline only story %d has (%d)\n", n, rng.IntN(1000))
			} else {
				fmt.Fprintf(&b, "Pooled headline number %d\n", rng.IntN(12))
			}
		}
	}
	return b.String()
}

// TestDeltaBuildsPublishWhatFullReadsPublish makes random changes to a
// site (edits, new files anywhere in the walk, removals, touches, new and
// moved headlines, future dates, duplicate ids, unreadable files) and
// requires the builds that read only what changed to publish exactly what
// reading everything publishes, feeds, item pages and counts alike, and
// most of them to have read only what changed.
func TestDeltaBuildsPublishWhatFullReadsPublish(t *testing.T) {
	t.Parallel()
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 99))
			tw := newDeltaTwins(t, func() []publish.Feed {
				return []publish.Feed{
					{Name: "news", Meta: meta("news"), Sources: []string{"wire"}, Limit: 8},
					{Name: "weather", Meta: meta("weather"), Sources: []string{"wire"}, Limit: 3,
						Filter: &publish.Filter{IncludeCategories: []string{"weather"}}},
				}
			})
			var names []string
			next := 0
			add := func() {
				name := fmt.Sprintf("%c/%03d.txt", 'a'+rune(rng.IntN(4)), rng.IntN(1000))
				if slices.Contains(names, name) {
					return
				}
				names = append(names, name)
				tw.write(name, deltaArticle(rng, next))
				next++
			}
			for range 40 {
				add()
			}
			tw.check("first build")
			deltas, dupUntil := 0, -1
			for step := range 60 {
				tw.clock = tw.clock.Add(time.Duration(rng.IntN(3)) * time.Minute)
				pick := names[rng.IntN(len(names))]
				var what string
				switch op := rng.IntN(20); {
				case op < 6:
					what = "edit " + pick
					tw.write(pick, deltaArticle(rng, next))
					next++
				case op < 10:
					what = "add"
					add()
				case op < 12:
					what = "remove " + pick
					tw.remove(pick)
					names = slices.DeleteFunc(names, func(n string) bool { return n == pick })
				case op < 14:
					what = "touch " + pick
					tw.touch(pick)
				case op == 14:
					what = "date in the future " + pick
					tw.write(pick, fmt.Sprintf("Date: %s\n\nA story for later.\n", tw.clock.Add(3*time.Minute).Format(time.RFC3339)))
				case op == 15 && dupUntil < step:
					// Builds read everything while two files share an
					// id; a few steps later one of them goes.
					what = "duplicate id"
					tw.write("a/dup.txt", "ID: urn:x-test:twice\n\nOne of two stories with one id.\n")
					tw.write("c/dup.txt", "ID: urn:x-test:twice\n\nThe other story with that id.\n")
					dupUntil = step + 3
				case op == 16:
					what = "unreadable " + pick
					tw.write(pick, "\x00\x01 not text")
				case op == 17:
					what = "headlines only " + pick
					tw.write(pick, "\n\n\nPooled headline number 3\nA fresh headline of step "+fmt.Sprint(step)+"\n")
				default:
					what = "nothing"
				}
				if step == dupUntil {
					what += ", one duplicate removed"
					tw.remove("c/dup.txt")
				}
				before := strings.Count(tw.logs[0].String(), "read only what changed")
				tw.check(fmt.Sprintf("step %d (%s)", step, what))
				if strings.Count(tw.logs[0].String(), "read only what changed") > before {
					deltas++
				}
			}
			reasons := map[string]int{}
			for _, line := range strings.Split(tw.logs[0].String(), "\n") {
				if _, why, ok := strings.Cut(line, "msg=\"reading every file"); ok {
					reasons[why]++
				}
			}
			t.Logf("%d of 60 builds read only what changed; the others read everything because: %v", deltas, reasons)
			if deltas < 15 {
				t.Errorf("only %d of 60 builds read only what changed; log:\n%s", deltas, tw.logs[0].String())
			}
		})
	}
}

// TestDeltaAfterAFailedBuild: a build that read only what changed and then
// failed (a filter left a feed empty) has moved the source's index on, but
// not the record of what the feeds published; the next build must read
// everything, and publish what reading everything publishes.
func TestDeltaAfterAFailedBuild(t *testing.T) {
	t.Parallel()
	tw := newDeltaTwins(t, func() []publish.Feed {
		return []publish.Feed{
			{Name: "news", Meta: meta("news"), Sources: []string{"wire"}, Limit: 3},
			{Name: "weather", Meta: meta("weather"), Sources: []string{"wire"}, Limit: 3,
				Filter: &publish.Filter{IncludeCategories: []string{"weather"}}},
		}
	})
	for i := range 6 {
		tw.write(fmt.Sprintf("a/%d.txt", i), fmt.Sprintf("Story %d begins.\n", i))
	}
	tw.write("b/rain.txt", "Title: Rain\nTags: Weather\n\nRain is coming.\n")
	tw.check("first build")
	tw.clock = tw.clock.Add(time.Minute)
	tw.write("a/6.txt", "Story 6 begins.\n")
	tw.check("a new story")
	if !strings.Contains(tw.logs[0].String(), "read only what changed") {
		t.Fatalf("the second build read everything:\n%s", tw.logs[0].String())
	}

	tw.clock = tw.clock.Add(time.Minute)
	tw.write("b/rain.txt", "Title: Rain\nTags: Farming\n\nRain is coming.\n")
	tw.write("a/7.txt", "Story 7 begins.\n")
	if _, errs := tw.tryBuild(); errs[0] == nil || errs[1] == nil {
		t.Fatalf("a build with an empty feed: errors %v", errs)
	}
	tw.clock = tw.clock.Add(time.Minute)
	tw.write("b/rain.txt", "Title: Rain\nTags: Weather\n\nRain is coming, later.\n")
	tw.check("the feed filled again")
	if !strings.Contains(tw.logs[0].String(), "the last build did not publish from the last read") {
		t.Errorf("the build after a failed one did not read everything:\n%s", tw.logs[0].String())
	}
}
