package main

import "testing"

// serverFlags are the HTTP servers serve can run, by the flags that pick
// them: the default, httpfeed's fast path in front of net/http, and
// net/http alone.
var serverFlags = []struct {
	name  string
	flags []string
}{
	{"fast path", nil},
	{"net/http", []string{"-net-http"}},
}

// eachServer runs test against each server serve can run, in parallel
// with other tests when parallel is set (test calls t.Parallel itself).
func eachServer(t *testing.T, parallel bool, test func(t *testing.T, flags ...string)) {
	if parallel {
		t.Parallel()
	}
	for _, s := range serverFlags {
		t.Run(s.name, func(t *testing.T) { test(t, s.flags...) })
	}
}

// startServeFlags is startServe with serve's flags.
func startServeFlags(t *testing.T, flags []string, schedule string, files map[string]string) *served {
	t.Helper()
	return startServeListen(t, minimalConfig, schedule, files, "127.0.0.1:0", flags...)
}
