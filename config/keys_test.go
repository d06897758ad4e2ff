package config

import (
	"reflect"
	"slices"
	"strings"
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

// TestSourceKeysNameTheirTypes wants every source key but name and type to
// say which source types take it, so that a new key is refused where it
// does not apply instead of being silently ignored.
func TestSourceKeysNameTheirTypes(t *testing.T) {
	known := []string{TypeText, TypeMarkdown, TypeFeed, TypeJSON}
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Source]()) {
		key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if key == "name" || key == "type" {
			continue
		}
		types, ok := f.Tag.Lookup("types")
		if !ok || types == "" {
			t.Errorf("source key %s has no types tag", key)
			continue
		}
		for _, ty := range strings.Split(types, ",") {
			if !slices.Contains(known, ty) {
				t.Errorf("source key %s names unknown type %q", key, ty)
			}
		}
	}
	if got := sourceKeys[TypeFeed]; !slices.Equal(got, []string{"url", "max_size", "timeout"}) {
		t.Errorf("feed sources take %v", got)
	}
}
