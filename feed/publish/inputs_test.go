package publish

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/feed"
)

// TestRenderInputsSeeEveryField changes each field of an item and of the
// feed's meta in turn: every one the renderer can read must change the
// digest, or a build would keep documents that no longer match their
// items. Fields added later are covered without touching this test.
func TestRenderInputsSeeEveryField(t *testing.T) {
	t.Parallel()
	when := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	item := feed.Item{ID: "tag:example.com,2026:a", Title: "A", Link: "https://example.com/a", Published: when, Updated: when}
	meta := feed.Meta{ID: "tag:example.com,2026:feed", Title: "News", Link: "https://example.com/"}
	base := renderInputs(meta, []feed.Item{item})
	if again := renderInputs(meta, []feed.Item{item}); again != base {
		t.Fatalf("the same inputs give two digests: %s, %s", base, again)
	}
	buildOnly := map[string]bool{"Source": true, "Partial": true, "Ref": true, "Pos": true, "Bundle": true, "ContentClean": true}

	iv := reflect.ValueOf(&item).Elem()
	for i := range iv.NumField() {
		name := iv.Type().Field(i).Name
		changed := item
		setOther(t, reflect.ValueOf(&changed).Elem().Field(i))
		got := renderInputs(meta, []feed.Item{changed})
		if buildOnly[name] && got != base {
			t.Errorf("Item.%s, which the renderer does not read, changed the digest", name)
		}
		if !buildOnly[name] && got == base {
			t.Errorf("Item.%s changed and the digest did not", name)
		}
	}
	mv := reflect.ValueOf(&meta).Elem()
	for i := range mv.NumField() {
		changed := meta
		setOther(t, reflect.ValueOf(&changed).Elem().Field(i))
		if renderInputs(changed, []feed.Item{item}) == base {
			t.Errorf("Meta.%s changed and the digest did not", mv.Type().Field(i).Name)
		}
	}
	if renderInputs(meta, []feed.Item{item, item}) == base || renderInputs(meta, nil) == base {
		t.Error("the number of items does not change the digest")
	}
}

// setOther gives v a value other than the one it has.
func setOther(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Slice:
		v.Set(reflect.Append(v, reflect.Zero(v.Type().Elem())))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		m.SetMapIndex(reflect.Zero(v.Type().Key()), reflect.Zero(v.Type().Elem()))
		v.Set(m)
	case reflect.Struct:
		if tm, ok := v.Interface().(time.Time); ok {
			v.Set(reflect.ValueOf(tm.Add(time.Second)))
			return
		}
		setOther(t, v.Field(0))
	default:
		t.Fatalf("no other value for a %s", v.Type())
	}
}

// TestDescribeFeedSeesEveryField changes each field of a Feed, its meta and
// its filter in turn: each must change the description a build is skipped
// on, so a setting added later cannot be forgotten there.
func TestDescribeFeedSeesEveryField(t *testing.T) {
	t.Parallel()
	meta := feed.Meta{ID: "tag:example.com,2026:feed", Title: "News", Link: "https://example.com/"}
	f := Feed{Name: "news", Meta: meta, Limit: 5, Filter: &Filter{}}
	base := describeFeed(f)
	if strings.HasPrefix(base, "unencodable") || describeFeed(f) != base {
		t.Fatalf("description %q is not stable", base)
	}
	fv := reflect.ValueOf(&f).Elem()
	for i := range fv.NumField() {
		name := fv.Type().Field(i).Name
		changed := f
		field := reflect.ValueOf(&changed).Elem().Field(i)
		switch name {
		case "CategoryMeta":
			changed.CategoryMeta = func(c, s string) feed.Meta { return feed.Meta{Title: c} }
		case "ArchiveMeta":
			changed.ArchiveMeta = func(int) feed.Meta { return feed.Meta{Title: "page"} }
		case "Filter":
			changed.Filter = nil
		default:
			setOther(t, field)
		}
		if describeFeed(changed) == base {
			t.Errorf("Feed.%s changed and the description did not", name)
		}
	}
	mv := reflect.ValueOf(&f.Meta).Elem()
	for i := range mv.NumField() {
		changed := f
		setOther(t, reflect.ValueOf(&changed.Meta).Elem().Field(i))
		if describeFeed(changed) == base {
			t.Errorf("Meta.%s changed and the description did not", mv.Type().Field(i).Name)
		}
	}
	flt := reflect.ValueOf(f.Filter).Elem()
	for i := range flt.NumField() {
		changed := f
		other := *f.Filter
		field := reflect.ValueOf(&other).Elem().Field(i)
		if re, ok := field.Interface().(*regexp.Regexp); ok && re == nil {
			field.Set(reflect.ValueOf(regexp.MustCompile("x")))
		} else {
			setOther(t, field)
		}
		changed.Filter = &other
		if describeFeed(changed) == base {
			t.Errorf("Filter.%s changed and the description did not", flt.Type().Field(i).Name)
		}
	}
}
