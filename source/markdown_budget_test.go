package source

import (
	"strings"
	"testing"
	"time"
)

// slowLinks is Markdown that goldmark takes quadratic time over: a line of
// unclosed link destinations. 5,000 of them took about 0.1 s here, far
// beyond the budgets the tests give.
func slowLinks(n int) string { return strings.Repeat("[a](", n) }

// TestRenderMarkdownWithin checks the render budget: Markdown that renders
// in time is rendered as before; Markdown that does not is published as
// escaped plain text, at once the next time it is seen.
func TestRenderMarkdownWithin(t *testing.T) {
	t.Parallel()
	src := []byte("# Heading\n\nSome *emphasis* and a [link](https://example.com/).\n")
	got, ok := renderMarkdownWithin(src, false, true, time.Minute)
	if want := renderMarkdown(src, false, true); !ok || got != want {
		t.Errorf("in time: %+v, %v; want %+v, true", got, ok, want)
	}

	slow := []byte("First words <b>here</b>.\n\n" + slowLinks(5000) + "\n")
	got, ok = renderMarkdownWithin(slow, false, true, time.Millisecond)
	if ok {
		t.Fatal("the slow Markdown rendered within a millisecond")
	}
	if !strings.HasPrefix(got.html, "<p>First words &lt;b&gt;here&lt;/b&gt;.</p>") || !strings.Contains(got.html, "[a]([a](") {
		t.Errorf("plain text rendering %.120q, want the escaped text in paragraphs", got.html)
	}
	if got.paragraph != "First words <b>here</b>." {
		t.Errorf("lead paragraph %q, want the first paragraph's text", got.paragraph)
	}
	// Seen again, even with time to spare, it is not rendered again.
	start := time.Now()
	again, ok := renderMarkdownWithin(slow, false, true, time.Hour)
	if ok || again != got {
		t.Errorf("seen again: %v, %.80q; want false and the same plain text", ok, again.html)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("seen again, it took %v", d)
	}
}

// TestWithin checks the budget's runner: a result in time, false past the
// budget, and a panic raised again in the caller, where
// parseArticleSafely recovers it, instead of in a goroutine of its own,
// where it would end the process.
func TestWithin(t *testing.T) {
	t.Parallel()
	if v, ok := within(time.Minute, func() int { return 7 }); !ok || v != 7 {
		t.Errorf("in time: %d, %v; want 7, true", v, ok)
	}
	release := make(chan struct{})
	defer close(release)
	if v, ok := within(time.Millisecond, func() int { <-release; return 7 }); ok || v != 0 {
		t.Errorf("past the budget: %d, %v; want 0, false", v, ok)
	}
	defer func() {
		if p := recover(); p != "renderer bug" {
			t.Errorf("recovered %v, want the renderer's panic", p)
		}
	}()
	within(time.Minute, func() int { panic("renderer bug") })
	t.Error("within returned after a panic")
}

// TestMarkdownFetchSlowFile publishes a file whose Markdown ran out of the
// render budget as plain text, with a warning naming it, beside a file that
// renders as usual. The slow body runs out of a millisecond's budget first,
// as TestRenderMarkdownWithin checks, so that the build finds it known to
// be slow and the fine file keeps the full budget however loaded the
// machine.
func TestMarkdownFetchSlowFile(t *testing.T) {
	t.Parallel()
	slow := "---\ntitle: Slow\n---\nIt begins well.\n\n" + slowLinks(6000) + "\n"
	text, _, err := decodeText([]byte(slow))
	if err != nil {
		t.Fatal(err)
	}
	_, _, body, _, err := splitFrontMatter(text)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := renderMarkdownWithin([]byte(body), false, false, time.Millisecond); ok {
		t.Fatal("the slow body rendered within a millisecond")
	}

	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"fine.md": "---\ntitle: Fine\n---\nA *fine* article.\n",
		"slow.md": slow,
	})
	m, buf := newTestMarkdown(root)
	items, err := m.Fetch(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("%d items, want 2", len(items))
	}
	for _, it := range items {
		switch it.Title {
		case "Fine":
			if !strings.Contains(it.ContentHTML, "<em>fine</em>") {
				t.Errorf("Fine: content %q, want it rendered", it.ContentHTML)
			}
		case "Slow":
			if !strings.HasPrefix(it.ContentHTML, "<p>It begins well.</p>") || strings.Count(it.ContentHTML, "[a](") != 6000 {
				t.Errorf("Slow: content %.100q, want every line as text", it.ContentHTML)
			}
		default:
			t.Errorf("unexpected item %q", it.Title)
		}
	}
	log := buf.String()
	if lines := logLines(log, "file=slow.md", "published as plain text"); len(lines) != 1 {
		t.Errorf("want one warning naming slow.md:\n%s", log)
	}
}
