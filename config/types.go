package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The value types below check their own syntax when the configuration is
// parsed, so a bad value is reported with its file and line.

// Duration is a time.Duration written as "90s" or "15m" in YAML.
type Duration time.Duration

// UnmarshalYAML parses a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a duration such as 90s or 15m", n.Value)
	}
	*d = Duration(v)
	return nil
}

// Regexp is a regular expression written as a string in YAML, compiled
// once when the configuration loads, so a bad one is reported with its
// file and line. An empty string leaves Regexp nil: no rule.
type Regexp struct{ *regexp.Regexp }

// UnmarshalYAML compiles the expression.
func (r *Regexp) UnmarshalYAML(n *yaml.Node) error {
	if n.Value == "" {
		r.Regexp = nil
		return nil
	}
	re, err := regexp.Compile(n.Value)
	if err != nil {
		return fmt.Errorf("%q is not a regular expression: %w", n.Value, err)
	}
	r.Regexp = re
	return nil
}

// ByteSize is a size in bytes, written as a number or with a unit: 512KiB, 1MiB, 2MB.
type ByteSize int64

var sizePattern = regexp.MustCompile(`^(\d+)\s*([KMG]i?B|B)?$`)

// UnmarshalYAML parses a size with an optional unit.
func (s *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	m := sizePattern.FindStringSubmatch(strings.TrimSpace(n.Value))
	if m == nil {
		return fmt.Errorf("%q is not a size such as 1048576, 512KiB or 1MiB", n.Value)
	}
	v, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not a size: %w", n.Value, err)
	}
	mult := map[string]int64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[m[2]]
	*s = ByteSize(v * mult)
	return nil
}
