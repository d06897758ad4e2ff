package config

import (
	"strings"
	"testing"
)

func TestOutputStore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, output, extra string
		wantURL, wantOutput string
	}{
		{"folder", "output: public", "", "", "/srv/site/public"},
		{"s3 with the embedded store: working copy beside it", "output: s3://feeds/site?endpoint=http://127.0.0.1:7071&region=us-east-1&use_path_style=true", "",
			"s3://feeds/site?endpoint=http://127.0.0.1:7071&region=us-east-1&use_path_style=true", "/srv/site/data/published"},
		{"s3 with cache_dir", "output: s3://feeds", "cache_dir: /var/cache/feedpub",
			"s3://feeds", "/var/cache/feedpub/published"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			y := strings.Replace(minimal, "output: public", tt.output, 1) + tt.extra
			c, err := Parse("/srv/site/feedpub.yaml", []byte(y), noEnv)
			if err != nil {
				t.Fatal(err)
			}
			if c.OutputURL != tt.wantURL || c.Output != tt.wantOutput {
				t.Errorf("OutputURL, Output = %q, %q; want %q, %q", c.OutputURL, c.Output, tt.wantURL, tt.wantOutput)
			}
			if c.OutputIsStore() != (tt.wantURL != "") {
				t.Errorf("OutputIsStore = %v", c.OutputIsStore())
			}
		})
	}
}

func TestOutputStoreErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, output, want string
	}{
		{"another scheme", "output: gs://feeds/site", `scheme "gs"`},
		{"no bucket", "output: s3:///site", "no bucket"},
		{"unknown parameter", "output: s3://feeds/site?endpont=http://127.0.0.1:7071", `unknown parameter "endpont"`},
		{"endpoint not http", "output: s3://feeds?endpoint=127.0.0.1:7071", "endpoint"},
		{"path style not a boolean", "output: s3://feeds?use_path_style=yes", "use_path_style"},
		{"credentials in the URL", "output: s3://key:secret@feeds/site", "AWS_ACCESS_KEY_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			y := strings.Replace(minimal, "output: public", tt.output, 1)
			_, err := Parse("f.yaml", []byte(y), noEnv)
			if err == nil {
				t.Fatal("Parse accepted the configuration")
			}
			for _, w := range []string{"f.yaml:4: output:", tt.want} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the secret", err)
			}
		})
	}
}
