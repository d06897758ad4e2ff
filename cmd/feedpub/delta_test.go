package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestImportMakesTheNextBuildReadEverything: an imported record moves an
// item's first-seen date earlier. Nothing in the articles changed, so the
// next build could be skipped or read only what changed; the import made
// it render every feed from the ledger instead, with the imported date.
func TestImportMakesTheNextBuildReadEverything(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"feedpub.yaml":   minimalConfig,
		"articles/a.txt": "The first story begins here.\n",
		"articles/b.txt": "The second story begins here.\n",
	})
	cfg := filepath.Join(dir, "feedpub.yaml")
	for range 2 {
		if _, stderr, err := feedpub(t, "build", "-config", cfg); err != nil {
			t.Fatalf("build: %v\n%s", err, stderr)
		}
	}
	out, _, err := feedpub(t, "ledger", "export", "-config", cfg)
	if err != nil {
		t.Fatal(err)
	}
	earlier := time.Date(2025, 5, 4, 3, 2, 1, 0, time.UTC)
	var lines []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(rec["id"].(string), "/a.txt") {
			rec["first_seen"] = earlier.Format(time.RFC3339)
			rec["changed"] = earlier.Format(time.RFC3339)
		}
		data, _ := json.Marshal(rec)
		lines = append(lines, string(data))
	}
	in := filepath.Join(dir, "import.jsonl")
	if err := os.WriteFile(in, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := feedpub(t, "ledger", "import", "-config", cfg, in); err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if _, stderr, err := feedpub(t, "build", "-config", cfg, "-log-level", "info"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	} else if strings.Contains(stderr, "no source changed") {
		t.Errorf("the build after an import was skipped:\n%s", stderr)
	}
	atom, err := os.ReadFile(filepath.Join(dir, "public", "news.atom"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "<published>" + earlier.Format(time.RFC3339) + "</published>"; !strings.Contains(string(atom), want) {
		t.Errorf("news.atom lacks the imported date %s:\n%s", want, atom)
	}
}
