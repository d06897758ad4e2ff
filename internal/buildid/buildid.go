// Package buildid names the running feedpub binary, so that what one
// version of feedpub stored to skip work (a build's fingerprint, what a
// source learned of its files) is never taken as its own by another
// version, which may derive titles or render feeds differently.
package buildid

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"
)

// ID returns the identity of the running binary: its module version and
// VCS revision when it was built with them, and the size and modification
// time of the executable, which change with every new build.
var ID = sync.OnceValue(func() string {
	var parts []string
	if info, ok := debug.ReadBuildInfo(); ok {
		parts = append(parts, info.Main.Path, info.Main.Version, info.Main.Sum)
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				parts = append(parts, s.Value)
			}
		}
	}
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			parts = append(parts, fmt.Sprint(fi.Size(), fi.ModTime().UnixNano()))
		}
	}
	return strings.Join(parts, " ")
})
