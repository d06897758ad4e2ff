package s3url

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	tests := []struct {
		raw  string
		want Location
	}{
		{"s3://feeds", Location{Bucket: "feeds", Region: DefaultRegion}},
		{"s3://feeds/site/news/?region=eu-west-1", Location{Bucket: "feeds", Prefix: "site/news/", Region: "eu-west-1"}},
		{"s3://feeds/site?endpoint=http://127.0.0.1:7071&region=us-east-1&use_path_style=true",
			Location{Bucket: "feeds", Prefix: "site/", Endpoint: "http://127.0.0.1:7071", Region: "us-east-1", PathStyle: true}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.raw)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.raw, got, err, tt.want)
		}
	}
}

func TestParseRefusesEndpoint(t *testing.T) {
	t.Parallel()
	// The endpoint is held to weburl.ParseHTTP, as every http(s) URL is.
	for _, endpoint := range []string{"ftp://127.0.0.1:7071", "127.0.0.1:7071", "http://:7071", "http://minio.example/a%20b%7C"} {
		if loc, err := Parse("s3://feeds/site?endpoint=" + endpoint); err == nil {
			t.Errorf("endpoint %q accepted: %+v", endpoint, loc)
		}
	}
}

func FuzzParseS3URL(f *testing.F) {
	f.Add("s3://feeds/site?endpoint=http://127.0.0.1:7071&region=us-east-1&use_path_style=true")
	f.Add("s3://b/%zz")
	f.Add("s3://u:p@b/?use_path_style=1&region=")
	f.Fuzz(func(t *testing.T, raw string) {
		loc, err := Parse(raw)
		if err != nil {
			return
		}
		if loc.Bucket == "" || loc.Region == "" {
			t.Errorf("Parse(%q) accepted %+v", raw, loc)
		}
		if loc.Prefix != "" && (!strings.HasSuffix(loc.Prefix, "/") || strings.HasPrefix(loc.Prefix, "/")) {
			t.Errorf("Parse(%q): prefix %q", raw, loc.Prefix)
		}
	})
}
