package source

import (
	"crypto/sha256"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// markdownBudget is how long the Markdown of one file may take to render.
// goldmark's parser slows down quadratically on some input that no writer
// means: a 200 KB line of thousands of unclosed link destinations ("[a](")
// took 13 s, a 256 KB line of nested block quotes or list items 20 s, and
// a megabyte would take minutes. Past the budget the body is published as
// plain text, in paragraphs, so that the build goes on and nothing of the
// file is lost, and the file is reported.
const markdownBudget = 3 * time.Second

// slowMarkdown remembers the bodies (by SHA-256) that ran out of the
// budget, so that a server building on a schedule starts their rendering,
// which cannot be stopped, once and not at every build. It holds at most
// maxSlowMarkdown of them.
var (
	slowMarkdown      sync.Map
	slowMarkdownCount atomic.Int64
)

const maxSlowMarkdown = 1024

// renderMarkdownWithin is renderMarkdown, given at most budget. It reports
// false, with the body rendered as plain text, when the rendering took
// longer; the rendering itself goes on in the background until goldmark is
// done with it. A panic in the renderer is raised again in the caller, for
// parseArticleSafely.
func renderMarkdownWithin(src []byte, allowHTML, needTitle bool, budget time.Duration) (markdownRender, bool) {
	key := sha256.Sum256(src)
	if _, slow := slowMarkdown.Load(key); slow {
		return plainMarkdownRender(string(src), needTitle), false
	}
	r, ok := within(budget, func() markdownRender { return renderMarkdown(src, allowHTML, needTitle) })
	if ok {
		return r, true
	}
	if slowMarkdownCount.Add(1) <= maxSlowMarkdown {
		slowMarkdown.Store(key, struct{}{})
	}
	return plainMarkdownRender(string(src), needTitle), false
}

// within runs f in a goroutine of its own and returns its result, or
// reports false once budget has passed, leaving f to finish unseen. A
// panic in f is raised again in the caller.
func within[T any](budget time.Duration, f func() T) (T, bool) {
	type result struct {
		v     T
		panic any
	}
	done := make(chan result, 1)
	go func() {
		var res result
		defer func() {
			res.panic = recover()
			done <- res
		}()
		res.v = f()
	}()
	start := time.Now()
	t := time.NewTimer(budget)
	defer t.Stop()
	select {
	case res := <-done:
		if res.panic != nil {
			panic(res.panic)
		}
		// A result that came late, when both were ready, is late all
		// the same.
		if time.Since(start) <= budget {
			return res.v, true
		}
	case <-t.C:
	}
	var zero T
	return zero, false
}

// plainMarkdownRender renders a Markdown body as plain text: escaped,
// in one paragraph for each run of non-blank lines.
func plainMarkdownRender(src string, needTitle bool) markdownRender {
	out := markdownRender{html: textParagraphsHTML(src)}
	if needTitle {
		for para := range strings.SplitSeq(strings.ReplaceAll(src, "\r\n", "\n"), "\n\n") {
			if p := feed.CollapseSpace(feed.CleanText(para)); p != "" {
				out.paragraph = p
				break
			}
		}
	}
	return out
}
