package publish

import (
	"regexp"
	"slices"
	"strings"

	"github.com/feedpub/feedpub/feed"
)

// Filter selects the items of a feed. An item passes when it matches every
// include rule that is set and no exclude rule. Category and author names
// compare without regard to case; the patterns are searched in the title,
// and in the content's text and summary.
type Filter struct {
	IncludeCategories, ExcludeCategories []string
	IncludeAuthors, ExcludeAuthors       []string
	IncludeTitle, ExcludeTitle           *regexp.Regexp
	IncludeContent, ExcludeContent       *regexp.Regexp
}

// Match reports whether it passes f. A nil filter passes every item.
func (f *Filter) Match(it feed.Item) bool {
	if f == nil {
		return true
	}
	cats := it.Categories
	authors := make([]string, 0, len(it.Authors)*2)
	for _, a := range it.Authors {
		authors = append(authors, a.Name, a.Email)
	}
	if len(f.IncludeCategories) > 0 && !anyFold(f.IncludeCategories, cats) {
		return false
	}
	if anyFold(f.ExcludeCategories, cats) {
		return false
	}
	if len(f.IncludeAuthors) > 0 && !anyFold(f.IncludeAuthors, authors) {
		return false
	}
	if anyFold(f.ExcludeAuthors, authors) {
		return false
	}
	if f.IncludeTitle != nil && !f.IncludeTitle.MatchString(it.Title) {
		return false
	}
	if f.ExcludeTitle != nil && f.ExcludeTitle.MatchString(it.Title) {
		return false
	}
	if f.IncludeContent != nil || f.ExcludeContent != nil {
		text := it.Summary + "\n" + feed.PlainText(it.ContentHTML)
		if f.IncludeContent != nil && !f.IncludeContent.MatchString(text) {
			return false
		}
		if f.ExcludeContent != nil && f.ExcludeContent.MatchString(text) {
			return false
		}
	}
	return true
}

func anyFold(want, have []string) bool {
	return slices.ContainsFunc(have, func(h string) bool {
		return h != "" && slices.ContainsFunc(want, func(w string) bool { return strings.EqualFold(w, h) })
	})
}
