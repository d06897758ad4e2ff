package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestBuildProfiles(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"feedpub.yaml":     minimalConfig,
		"articles/one.txt": "A first story about the harbour opened today. More here.\n",
	})
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	_, stderr, err := feedpub(t, "build", "-config", filepath.Join(dir, "feedpub.yaml"),
		"-cpuprofile", cpu, "-memprofile", mem)
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	// A pprof file is a gzipped protocol buffer whose string table names
	// its sample types.
	for path, want := range map[string]string{cpu: "nanoseconds", mem: "inuse_space"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: not gzipped: %v", filepath.Base(path), err)
		}
		raw, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(path), err)
		}
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("%s does not name %q: not a profile of that kind", filepath.Base(path), want)
		}
	}
}

func TestHeapProfileKeepsThePeak(t *testing.T) {
	h := watchHeap(time.Hour) // sampled by hand below
	big := make([]byte, 64<<20)
	runtime.GC()
	h.sample()
	peak, prof := h.peak, bytes.Clone(h.prof.Bytes())
	if peak < 64<<20 {
		t.Fatalf("live heap sampled with 64 MiB allocated = %d bytes", peak)
	}
	runtime.KeepAlive(big)
	big = nil
	runtime.GC()
	h.sample()
	if h.peak != peak || !bytes.Equal(h.prof.Bytes(), prof) {
		t.Errorf("profile replaced after the heap shrank (peak %d, now %d)", peak, h.peak)
	}
	out := filepath.Join(t.TempDir(), "mem.pprof")
	if err := h.write(out); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(out); err != nil || !bytes.Equal(data, prof) {
		t.Errorf("written profile is not the peak's (%v)", err)
	}
}
