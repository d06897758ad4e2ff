// Package s3url reads the s3:// URL of an object storage output, so that
// the configuration can check it without loading an S3 client.
package s3url

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/feedpub/feedpub/internal/weburl"
)

// Location is a parsed s3:// output URL:
// s3://bucket/prefix?endpoint=…&region=…&use_path_style=true.
type Location struct {
	Bucket string
	// Prefix is prepended to every key; empty, or ending in "/".
	Prefix string
	// Endpoint is the server's base URL; empty means AWS itself.
	Endpoint string
	Region   string
	// PathStyle addresses the bucket in the path instead of the host
	// name, as most servers other than AWS need.
	PathStyle bool
}

// DefaultRegion is the region used when neither the URL nor AWS_REGION
// names one.
const DefaultRegion = "us-east-1"

// Parse reads an s3:// URL. Its errors say which part is wrong.
func Parse(raw string) (Location, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Location{}, fmt.Errorf("not a URL: %w", err)
	}
	if u.Scheme != "s3" {
		return Location{}, fmt.Errorf("scheme %q: want s3://bucket/prefix", u.Scheme)
	}
	if u.User != nil {
		return Location{}, errors.New("credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	loc := Location{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/")}
	if loc.Bucket == "" {
		return Location{}, errors.New("no bucket: want s3://bucket/prefix")
	}
	if loc.Prefix != "" {
		loc.Prefix += "/"
	}
	for key, vals := range u.Query() {
		val := vals[len(vals)-1]
		switch key {
		case "endpoint":
			if _, err := weburl.ParseHTTP(val); err != nil {
				return Location{}, fmt.Errorf("endpoint %q: want an http:// or https:// URL", val)
			}
			loc.Endpoint = val
		case "region":
			loc.Region = val
		case "use_path_style":
			b, err := strconv.ParseBool(val)
			if err != nil {
				return Location{}, fmt.Errorf("use_path_style %q: want true or false", val)
			}
			loc.PathStyle = b
		default:
			return Location{}, fmt.Errorf("unknown parameter %q (known: endpoint, region, use_path_style)", key)
		}
	}
	if loc.Region == "" {
		loc.Region = os.Getenv("AWS_REGION")
	}
	if loc.Region == "" {
		loc.Region = DefaultRegion
	}
	return loc, nil
}
