package config

import (
	"strings"
	"testing"
)

func TestStateAndCacheDir(t *testing.T) {
	t.Parallel()
	env := map[string]string{"PGPASSWORD_FEEDS": "s3cr%40t"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		name                          string
		state, cacheDir               string // lines added to minimal; "" keeps its state
		wantState, wantName           string
		wantPostgres                  bool
		wantTextCache, wantBackupFile string
	}{
		{"embedded store keeps its caches beside the file", "", "",
			"/srv/site/data/feedpub.db", "/srv/site/data/feedpub.db", false,
			"/srv/site/data/feedpub.db.files/wire", "/srv/site/data/feedpub.db.jsonl"},
		{"embedded store with cache_dir", "", "cache_dir: /var/cache/feedpub",
			"/srv/site/data/feedpub.db", "/srv/site/data/feedpub.db", false,
			"/var/cache/feedpub/files/wire", "/var/cache/feedpub/ledger.jsonl"},
		{"postgres URL is kept, caches go to data/", "state: postgres://feeds:${PGPASSWORD_FEEDS}@db.internal:5432/feedpub?sslmode=require", "",
			"postgres://feeds:s3cr%40t@db.internal:5432/feedpub?sslmode=require", "postgres://feeds:xxxxx@db.internal:5432/feedpub?sslmode=require", true,
			"/srv/site/data/files/wire", "/srv/site/data/ledger.jsonl"},
		{"postgresql scheme with a relative cache_dir", "state: postgresql://db/feedpub", "cache_dir: cache",
			"postgresql://db/feedpub", "postgresql://db/feedpub", true,
			"/srv/site/cache/files/wire", "/srv/site/cache/ledger.jsonl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			y := minimal
			if tt.state != "" {
				y = strings.Replace(y, "state: data/feedpub.db", tt.state, 1)
			}
			if tt.cacheDir != "" {
				y += tt.cacheDir + "\n"
			}
			c, err := Parse("/srv/site/feedpub.yaml", []byte(y), lookup)
			if err != nil {
				t.Fatal(err)
			}
			checks := []struct{ what, got, want string }{
				{"state", c.State, tt.wantState},
				{"StateName", c.StateName(), tt.wantName},
				{"TextCacheFile", c.TextCacheFile("wire"), tt.wantTextCache},
				{"LedgerBackup", c.LedgerBackup(), tt.wantBackupFile},
			}
			for _, ch := range checks {
				if ch.got != ch.want {
					t.Errorf("%s = %q, want %q", ch.what, ch.got, ch.want)
				}
			}
			if c.StateIsPostgres() != tt.wantPostgres {
				t.Errorf("StateIsPostgres = %v", c.StateIsPostgres())
			}
		})
	}
}

func TestStateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, state string
		want        []string
	}{
		{"another scheme", "state: mysql://db/feedpub", []string{"f.yaml:5: state:", `scheme "mysql"`}},
		{"bad port, password not shown", "state: postgres://u:hunter2@db:99999/feedpub", []string{"f.yaml:5: state:", "invalid port"}},
		{"bad percent-encoding", "state: postgres://u:50%zz@db/feedpub", []string{"f.yaml:5: state:", "percent-encode"}},
		{"bad option", "state: postgres://u:hunter2@db/feedpub?sslmode=sometimes", []string{"f.yaml:5: state:", "sslmode"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			y := strings.Replace(minimal, "state: data/feedpub.db", tt.state, 1)
			_, err := Parse("f.yaml", []byte(y), noEnv)
			if err == nil {
				t.Fatal("Parse accepted the configuration")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, secret := range []string{"hunter2", "50%zz"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows the password", err)
				}
			}
		})
	}
}
