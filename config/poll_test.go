package config

import (
	"strings"
	"testing"
	"time"
)

func TestUpdateEvery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		schedule string
		want     time.Duration
	}{
		{"@every 15m", 15 * time.Minute},
		{"*/10 * * * *", 10 * time.Minute},
		{"@hourly", time.Hour},
		{"0 6 * * *", 24 * time.Hour},
		// Weekdays only: the shortest gap, a day, not the weekend's three.
		{"0 6 * * 1-5", 24 * time.Hour},
		// Twice a day at uneven hours: the shorter gap.
		{"0 6,9 * * *", 3 * time.Hour},
		{"not a schedule", 0},
	}
	for _, tt := range tests {
		c := &Config{Schedule: tt.schedule}
		if got := c.UpdateEvery(); got != tt.want {
			t.Errorf("UpdateEvery(%q) = %v, want %v", tt.schedule, got, tt.want)
		}
	}
}

func TestHubsAndArchive(t *testing.T) {
	t.Parallel()
	c, err := Parse("f.yaml", []byte(minimal+"    archive: true\nhubs:\n  - https://hub.example.org/\n"), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Feeds[0].Archive || len(c.Hubs) != 1 || c.Hubs[0] != "https://hub.example.org/" {
		t.Errorf("archive %t, hubs %q", c.Feeds[0].Archive, c.Hubs)
	}
	def, err := Parse("f.yaml", []byte(minimal), noEnv)
	if err != nil {
		t.Fatal(err)
	}
	if def.Feeds[0].Archive || len(def.Hubs) != 0 {
		t.Errorf("defaults: archive %t, hubs %q; want off and none", def.Feeds[0].Archive, def.Hubs)
	}
	_, err = Parse("f.yaml", []byte(minimal+"hubs:\n  - /relative/hub\n"), noEnv)
	if err == nil || !strings.Contains(err.Error(), "f.yaml:14: hubs[0]:") || !strings.Contains(err.Error(), "not an absolute http(s) URL") {
		t.Errorf("a relative hub: error %v", err)
	}
}
