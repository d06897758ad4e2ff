package config

import (
	"path/filepath"

	"github.com/feedpub/feedpub/internal/s3url"
)

// OutputWorkFolder is the folder, beside the ledger (or in cache_dir), that
// builds write to when the output is object storage: the bucket receives
// its documents, and the next build compares with it.
const OutputWorkFolder = "published"

// OutputIsStore reports whether output names object storage (s3://…)
// rather than a folder; OutputURL then holds the URL and Output the local
// working copy.
func (c *Config) OutputIsStore() bool { return c.OutputURL != "" }

// applyOutputDefaults resolves output against dir, or, for a URL (which
// validateOutput requires to be s3://),
// keeps the URL in OutputURL and points Output at the working copy.
func (c *Config) applyOutputDefaults(dir string) {
	if urlScheme(c.Output) == "" {
		c.Output = resolve(dir, c.Output)
		return
	}
	c.OutputURL = c.Output
	switch {
	case c.CacheDir != "":
		c.Output = filepath.Join(c.CacheDir, OutputWorkFolder)
	case urlScheme(c.State) == "":
		c.Output = filepath.Join(filepath.Dir(c.State), OutputWorkFolder)
	default:
		c.Output = resolve(dir, OutputWorkFolder)
	}
}

// validateOutput checks an object storage URL, naming the output key.
func (c *Config) validateOutput(v *validator) {
	if c.OutputURL == "" {
		return
	}
	if _, err := s3url.Parse(c.OutputURL); err != nil {
		v.fail("output", "object storage URL: %v", err)
	}
}
