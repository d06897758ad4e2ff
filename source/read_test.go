package source

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	long := strings.Repeat("0123456789", 1000)
	tests := []struct {
		name    string
		content string
		size    int64 // what stat said
		limit   int64
		want    string
	}{
		{"as stated", "hello", 5, 100, "hello"},
		{"empty", "", 0, 100, ""},
		{"grew since stat", long, 3, 1 << 20, long},
		{"shrank since stat", "hi", 5000, 100, "hi"},
		{"past the limit: one byte more than it", long, int64(len(long)), 100, long[:101]},
		{"grew past the limit", long, 10, 100, long[:101]},
	}
	for i, tt := range tests {
		p := filepath.Join(dir, string(rune('a'+i)))
		if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readFile(p, tt.size, tt.limit)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%s: read %d bytes, want %d", tt.name, len(got), len(tt.want))
		}
	}
	if _, err := readFile(filepath.Join(dir, "missing"), 0, 100); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
}
