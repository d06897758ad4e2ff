package publish

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Store is where a build's output folder is published to when it is not
// the place readers are served from: object storage behind a CDN. Keys are
// slash-separated paths relative to the output folder.
type Store interface {
	// List returns the key and content hash of every object present:
	// the hex MD5 of its bytes (the ETag S3 gives a single-part upload).
	List(ctx context.Context) (map[string]string, error)
	// Put stores body under key with meta, replacing any object there.
	Put(ctx context.Context, key string, body []byte, meta Object) error
	// Delete removes the objects under keys.
	Delete(ctx context.Context, keys []string) error
}

// Object is the metadata a stored document is served with.
type Object struct {
	ContentType     string
	CacheControl    string
	ContentEncoding string // empty: stored as is
}

// SyncStats sums up one Sync.
type SyncStats struct {
	Uploaded, Unchanged, Deleted int
}

// Sync makes st hold exactly the documents of folder dir: every file whose
// bytes differ from the stored object's is uploaded, with its content type
// and cacheControl; objects with no file any more (retired item pages,
// archive pages no longer published) are deleted. Hidden files (the pages
// manifest, temporary files) are not published. Item pages and their
// bundle files go first, feeds after them and deletions last, so that no
// stored feed links an object that is not there yet.
//
// Metadata is not listed, so Sync keeps what it last stored with in a
// hidden file of dir (syncMetaFile): when that differs (a new schedule,
// hence a new Cache-Control), every object is uploaded again once.
func Sync(ctx context.Context, dir string, st Store, cacheControl string, logger *slog.Logger) (SyncStats, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var stats SyncStats
	stored, err := st.List(ctx)
	if err != nil {
		return stats, fmt.Errorf("list stored objects: %w", err)
	}
	var keys []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			keys = append(keys, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		return stats, fmt.Errorf("read output folder: %w", err)
	}
	// Keys already stored are known now, before any upload: what is
	// left in stored afterwards is to be deleted.
	listed := maps.Clone(stored)
	metaFile := filepath.Join(dir, syncMetaFile)
	meta := syncMetaVersion + "\n" + cacheControl + "\n"
	if old, err := os.ReadFile(metaFile); err != nil || string(old) != meta {
		clear(listed)
	}
	for _, key := range keys {
		delete(stored, key)
	}
	// Pages first, then the rest: each group is uploaded whole, several
	// objects at a time, before the next starts.
	var pages, rest []string
	for _, key := range keys {
		if syncRank(key) == 0 {
			pages = append(pages, key)
		} else {
			rest = append(rest, key)
		}
	}
	for _, group := range [][]string{pages, rest} {
		up, same, err := syncGroup(ctx, dir, group, listed, st, cacheControl, logger)
		stats.Uploaded += up
		stats.Unchanged += same
		if err != nil {
			return stats, err
		}
	}
	if _, err := WriteFileAtomic(metaFile, []byte(meta), 0o644); err != nil {
		return stats, fmt.Errorf("record object metadata: %w", err)
	}
	if len(stored) > 0 {
		gone := slices.Sorted(func(yield func(string) bool) {
			for k := range stored {
				if !yield(k) {
					return
				}
			}
		})
		if err := st.Delete(ctx, gone); err != nil {
			return stats, fmt.Errorf("delete retired objects: %w", err)
		}
		stats.Deleted = len(gone)
	}
	return stats, nil
}

// syncMetaFile, in the synced folder, records the metadata its objects
// were last stored with; syncMetaVersion changes when the metadata Sync
// derives from keys (ContentType) does.
const (
	syncMetaFile    = ".feedpub-store-meta"
	syncMetaVersion = "1"
)

// syncUploads is how many objects Sync uploads at once.
const syncUploads = 8

// syncGroup uploads those of keys whose bytes differ from the hash listed
// for them, syncUploads at a time, and counts the uploaded and unchanged.
// It stops at the first error.
func syncGroup(ctx context.Context, dir string, keys []string, listed map[string]string, st Store, cacheControl string, logger *slog.Logger) (uploaded, unchanged int, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	sem := make(chan struct{}, syncUploads)
	for _, key := range keys {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			up, err := syncOne(ctx, dir, key, listed[key], st, cacheControl)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				errs = append(errs, err)
				cancel()
			case up:
				uploaded++
				logger.Debug("object uploaded", "key", key)
			default:
				unchanged++
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return uploaded, unchanged, errs[0]
	}
	return uploaded, unchanged, ctx.Err()
}

// syncOne uploads the file under key unless its MD5 is listed, and
// reports whether it uploaded.
func syncOne(ctx context.Context, dir, key, listed string, st Store, cacheControl string) (bool, error) {
	body, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(key)))
	if err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	sum := md5.Sum(body)
	if listed == hex.EncodeToString(sum[:]) {
		return false, nil
	}
	if err := st.Put(ctx, key, body, Object{ContentType: ContentType(key), CacheControl: cacheControl}); err != nil {
		return false, fmt.Errorf("upload %s: %w", key, err)
	}
	return true, nil
}

// syncRank orders uploads: pages (and their files) before the documents
// that link them.
func syncRank(key string) int {
	if strings.HasPrefix(key, "items/") {
		return 0
	}
	return 1
}

// syncStore publishes the output folder to b.Store, when there is one.
func (b *Builder) syncStore(ctx context.Context, logger *slog.Logger) error {
	if b.Store == nil || b.Output == "" {
		return nil
	}
	stats, err := Sync(ctx, b.Output, b.Store, b.CacheControl, logger)
	if err != nil {
		return fmt.Errorf("publish to object storage: %w", err)
	}
	logger.Info("object storage synced", "uploaded", stats.Uploaded, "unchanged", stats.Unchanged, "deleted", stats.Deleted)
	return nil
}
