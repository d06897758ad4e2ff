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

	"github.com/feedpub/feedpub/internal/par"
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
	var files []filePath
	err := walkFiles(ctx, root, slog.New(slog.DiscardHandler), sourceName, match, func(p, rel string) {
		files = append(files, filePath{abs: p, rel: rel})
	})
	if err != nil {
		return "", fmt.Errorf("source %s: %w", sourceName, err)
	}
	// Stat the files on every CPU; the lines are hashed in walk order.
	lines := make([]string, len(files))
	par.For(len(files), func(i int) { lines[i] = fileLine(files[i].abs, files[i].rel) })
	h := sha256.New()
	h.Write([]byte(settings))
	for _, l := range lines {
		h.Write([]byte(l))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fileFingerprint adds one file to h.
func fileFingerprint(h hash.Hash, p, rel string) { h.Write([]byte(fileLine(p, rel))) }

// fileLine describes one file for a fingerprint: Stat follows symbolic
// links, as reading the file does.
func fileLine(p, rel string) string {
	info, err := os.Stat(p)
	if err != nil {
		return rel + "\x00unreadable\n"
	}
	return fmt.Sprintf("%s\x00%d\x00%d\x00%o\n", rel, info.Size(), info.ModTime().UnixNano(), info.Mode())
}
