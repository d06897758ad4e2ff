package config

import (
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Keys lists every configuration key as a dotted path, in the order the
// Config type declares them: "title", "author.name", "sources[].glob",
// "feeds[].include.title". Keys that hold a list of mappings carry "[]".
// Only leaves are listed: a key whose value is a mapping or a list of
// mappings is implied by its children.
//
// The list is derived from the Config type itself, so a field added there
// is a documented-or-not key from the moment it exists.
func Keys() []string {
	var keys []string
	collectKeys(reflect.TypeFor[Config](), "", &keys)
	return keys
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

func collectKeys(t reflect.Type, prefix string, keys *[]string) {
	for _, f := range reflect.VisibleFields(t) {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		path := join(prefix, name)
		ft := f.Type
		switch {
		case reflect.PointerTo(ft).Implements(unmarshalerType):
			*keys = append(*keys, path)
		case ft.Kind() == reflect.Struct:
			collectKeys(ft, path, keys)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct &&
			!reflect.PointerTo(ft.Elem()).Implements(unmarshalerType):
			collectKeys(ft.Elem(), path+"[]", keys)
		default:
			*keys = append(*keys, path)
		}
	}
}
