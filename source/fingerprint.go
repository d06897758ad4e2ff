package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"log/slog"
	"os"
	"path/filepath"
)

// Fingerprints let a build tell, from file metadata alone, that no source
// changed since the last one, and skip reading, rendering and writing. A
// fingerprint covers the source's settings and, for every file it would
// read, the path, size, modification time and mode: an edit, a new or
// removed file, or a copy with new times all change it.

// Fingerprint implements the build's fingerprint check.
func (t *Text) Fingerprint(ctx context.Context) (string, error) {
	settings := fmt.Sprintf("text\x00%s\x00%s\x00%d\x00%s\x00%s\x00%s", t.SourceName, t.glob(), t.maxSize(), t.Headlines, t.IDPrefix, t.LinkTemplate)
	return treeFingerprint(ctx, t.Root, t.SourceName, globMatch(t.glob()), settings)
}

// Fingerprint implements the build's fingerprint check.
func (m *Markdown) Fingerprint(ctx context.Context) (string, error) {
	settings := fmt.Sprintf("markdown\x00%s\x00%s\x00%d\x00%t\x00%s\x00%s", m.SourceName, m.glob(), m.maxSize(), m.AllowHTML, m.IDPrefix, m.LinkTemplate)
	return treeFingerprint(ctx, m.Root, m.SourceName, globMatch(m.glob()), settings)
}

// Fingerprint implements the build's fingerprint check.
func (j *JSONItems) Fingerprint(ctx context.Context) (string, error) {
	settings := fmt.Sprintf("json\x00%s\x00%d\x00%s\x00%s", j.SourceName, j.maxSize(), j.IDPrefix, j.LinkTemplate)
	if info, err := os.Stat(j.Path); err == nil && !info.IsDir() {
		h := sha256.New()
		h.Write([]byte(settings))
		fileFingerprint(h, j.Path, filepath.Base(j.Path))
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	return treeFingerprint(ctx, j.Path, j.SourceName, jsonFileName, settings)
}

func treeFingerprint(ctx context.Context, root, sourceName string, match func(string) bool, settings string) (string, error) {
	h := sha256.New()
	h.Write([]byte(settings))
	err := walkFiles(ctx, root, slog.New(slog.DiscardHandler), sourceName, match, func(p, rel string) {
		fileFingerprint(h, p, rel)
	})
	if err != nil {
		return "", fmt.Errorf("source %s: %w", sourceName, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fileFingerprint adds one file: Stat follows symbolic links, as reading
// the file does.
func fileFingerprint(h hash.Hash, p, rel string) {
	info, err := os.Stat(p)
	if err != nil {
		fmt.Fprintf(h, "%s\x00unreadable\n", rel)
		return
	}
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00%o\n", rel, info.Size(), info.ModTime().UnixNano(), info.Mode())
}
