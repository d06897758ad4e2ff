package source

import (
	"log/slog"
	"reflect"
	"testing"
)

// TestFingerprintSettingsSeeEveryField changes each exported setting of the
// fingerprinted sources in turn: each must change the settings a build is
// skipped on, and the logger must not.
func TestFingerprintSettingsSeeEveryField(t *testing.T) {
	t.Parallel()
	for _, src := range []any{&Text{}, &Markdown{}, &JSONItems{}} {
		v := reflect.ValueOf(src).Elem()
		base := settingsOf("kind", src)
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			field := v.Field(i)
			old := reflect.New(f.Type).Elem()
			old.Set(field)
			switch field.Kind() {
			case reflect.String:
				field.SetString("x")
			case reflect.Bool:
				field.SetBool(true)
			case reflect.Int64:
				field.SetInt(7)
			case reflect.Pointer:
				field.Set(reflect.ValueOf(slog.Default()))
			default:
				t.Fatalf("%T.%s: no other value for a %s", src, f.Name, f.Type)
			}
			got := settingsOf("kind", src)
			isLogger := f.Type == reflect.TypeFor[*slog.Logger]()
			if isLogger && got != base {
				t.Errorf("%T.%s, the logger, changed the settings", src, f.Name)
			}
			if !isLogger && got == base {
				t.Errorf("%T.%s changed and the settings did not", src, f.Name)
			}
			field.Set(old)
		}
	}
}
