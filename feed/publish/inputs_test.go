package publish

import (
	"reflect"
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
	buildOnly := map[string]bool{"Source": true, "Partial": true, "Ref": true, "Bundle": true}

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
