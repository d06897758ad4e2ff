package config

import (
	"net/url"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultCacheDir is where local caches go when the ledger is in
// PostgreSQL, relative to the configuration file.
const DefaultCacheDir = "data"

// StateIsPostgres reports whether the ledger is a PostgreSQL database
// (state: postgres://… or postgresql://…) rather than the embedded file.
func (c *Config) StateIsPostgres() bool {
	return strings.HasPrefix(c.State, "postgres://") || strings.HasPrefix(c.State, "postgresql://")
}

// StateName is state fit for messages and logs: a PostgreSQL URL without
// its password.
func (c *Config) StateName() string {
	if !c.StateIsPostgres() {
		return c.State
	}
	if u, err := url.Parse(c.State); err == nil {
		return u.Redacted()
	}
	return "postgres://(unparsable URL)"
}

// applyStateDefaults resolves state and cache_dir against dir. A URL is
// kept as written. cache_dir defaults to "data" with a PostgreSQL state,
// and stays empty with the embedded store, whose caches live beside its
// file.
func (c *Config) applyStateDefaults(dir string) {
	switch {
	case c.StateIsPostgres():
		if c.CacheDir == "" {
			c.CacheDir = DefaultCacheDir
		}
	case urlScheme(c.State) == "":
		c.State = resolve(dir, c.State)
	}
	if c.CacheDir != "" {
		c.CacheDir = resolve(dir, c.CacheDir)
	}
}

// validateState rejects a state URL that is not a PostgreSQL connection
// string, and a URL of another scheme, which would otherwise become an odd
// file name. Messages never repeat the URL, which may hold a password.
func (c *Config) validateState(v *validator) {
	if scheme := urlScheme(c.State); scheme != "" && !c.StateIsPostgres() {
		v.fail("state", "a URL of scheme %q: state is a file path or a postgres:// URL", scheme)
		return
	}
	if !c.StateIsPostgres() {
		return
	}
	if _, err := url.Parse(c.State); err != nil {
		v.fail("state", "not a valid PostgreSQL URL (percent-encode reserved characters in the user name and password)")
		return
	}
	if _, err := pgconn.ParseConfig(c.State); err != nil {
		v.fail("state", "not a valid PostgreSQL URL: %s", pgconnReason(err))
	}
}

// pgconnReason is what is wrong with a connection string, from pgconn's
// error without the connection string it quotes (pgconn hides the
// password, but the rest is noise in a configuration error).
func pgconnReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "`: "); i >= 0 && strings.HasPrefix(msg, "cannot parse") {
		msg = msg[i+3:]
	}
	return msg
}

// urlScheme returns the scheme of s when s looks like a URL, else "".
func urlScheme(s string) string {
	i := strings.Index(s, "://")
	if i <= 0 {
		return ""
	}
	for j, r := range s[:i] {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
		case j > 0 && (r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return ""
		}
	}
	return s[:i]
}

// TextCacheFile is the file where the text source name keeps what it
// read, so the next build reads only changed files. It is a cache: a
// missing one is rebuilt by reading every file, with the same ids and
// dates, which come from the ledger.
func (c *Config) TextCacheFile(name string) string {
	if c.CacheDir != "" {
		return filepath.Join(c.CacheDir, "files", name)
	}
	return c.State + ".files/" + name
}

// LedgerBackup is where builds keep a JSON Lines export of the ledger, for
// 'feedpub ledger import' after the ledger is lost or damaged.
func (c *Config) LedgerBackup() string {
	if c.CacheDir != "" {
		return filepath.Join(c.CacheDir, "ledger.jsonl")
	}
	return c.State + ".jsonl"
}
