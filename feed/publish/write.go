package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/feedpub/feedpub/feed"
)

// write publishes what the build rendered to the output folder, when
// there is one, and syncs the store: item pages first and retired pages
// last, so that no feed ever links a page that is not there.
func (r *run) write(ctx context.Context) error {
	if r.Output == "" {
		return nil
	}
	if r.res.Site != nil {
		if err := r.writeSite(r.res.Site); err != nil {
			return err
		}
	}
	if err := r.writeFeeds(r.res); err != nil {
		return err
	}
	if r.res.Site != nil {
		if err := r.retirePages(r.res.Site, r.logger); err != nil {
			return err
		}
	}
	return r.syncStore(ctx, r.logger)
}

// writeFeeds stores every document whose bytes changed. Each file is replaced
// atomically, so a reader or a crash sees the old or the new version whole.
func (b *Builder) writeFeeds(res *Result) error {
	if err := os.MkdirAll(b.Output, 0o755); err != nil {
		return fmt.Errorf("output folder: %w", err)
	}
	var docs []*feed.Document
	for fi := range res.Feeds {
		if res.Feeds[fi].Reused {
			continue // read back from these very files a moment ago
		}
		for di := range res.Feeds[fi].Documents {
			docs = append(docs, &res.Feeds[fi].Documents[di])
		}
	}
	// No document links another: they are written together.
	errs := make([]error, len(docs))
	writeEach(len(docs), func(i int) { errs[i] = b.writeDocument(docs[i]) })
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return b.writeArchives(res)
}

// writeDocument writes d when its bytes changed, and says so in d.
func (b *Builder) writeDocument(d *feed.Document) error {
	path := b.docPath(d.Feed, d.Format)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write feed %s: %w", d.Feed, err)
	}
	changed, err := WriteFileAtomic(path, d.Body, 0o644)
	if err != nil {
		return fmt.Errorf("write feed %s: %w", d.Feed, err)
	}
	d.Changed = changed
	return nil
}

// WriteFileAtomic replaces path with data unless the file already holds
// exactly those bytes; it reports whether it wrote. The data goes to a
// temporary file in the same folder, is synced, and is renamed over path;
// the folder is synced too. On any error the temporary file is removed and
// path is untouched.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (changed bool, err error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	err = WriteAtomic(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
	return err == nil, err
}

// WriteAtomic replaces path with what write writes, through a synced
// temporary file in the same folder renamed over path, and syncs the
// folder. On any error the temporary file is removed and path is untouched.
func WriteAtomic(path string, perm os.FileMode, write func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		// Without syncing the folder, a crash could forget the rename.
		serr := d.Sync()
		d.Close()
		if serr != nil && !errors.Is(serr, os.ErrInvalid) {
			return fmt.Errorf("sync %s: %w", dir, serr)
		}
	}
	return nil
}
