package config

import (
	"slices"
	"testing"
)

func TestKeys(t *testing.T) {
	keys := Keys()
	for _, want := range []string{
		"title", "author.email", "base_url", "build_timeout",
		"sources[].name", "sources[].max_size", "sources[].timeout",
		"feeds[].limit", "feeds[].include.categories", "feeds[].exclude.content", "feeds[].per_category",
	} {
		if !slices.Contains(keys, want) {
			t.Errorf("Keys() lacks %q; got %v", want, keys)
		}
	}
	for _, notLeaf := range []string{"author", "sources", "sources[]", "feeds[].include", "path"} {
		if slices.Contains(keys, notLeaf) {
			t.Errorf("Keys() lists %q, which is not a leaf key", notLeaf)
		}
	}
}
