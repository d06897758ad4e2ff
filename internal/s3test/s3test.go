// Package s3test gives tests a bucket of their own on an S3-compatible
// server.
//
// The server comes from the environment variable FEEDPUB_TEST_S3, an
// http://ACCESS:SECRET@host:port URL (.ci/run starts versitygw and sets
// it). Without it the tests that need object storage skip, except under
// CI=true, where a missing server is a failure rather than a silently
// skipped check.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/feedpub/feedpub/feed/publish/s3store"
	"github.com/feedpub/feedpub/internal/s3url"
)

// EnvVar names the variable that holds the test server's URL.
const EnvVar = "FEEDPUB_TEST_S3"

// Bucket creates a new, empty bucket, sets the AWS credential variables
// for the rest of the test, and returns the bucket's location and an
// s3:// output URL naming it with prefix.
func Bucket(t *testing.T, prefix string) (s3url.Location, string) {
	t.Helper()
	raw := os.Getenv(EnvVar)
	if raw == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the object storage tests (.ci/run starts a server)", EnvVar)
		}
		t.Skipf("%s is not set; set it to http://ACCESS:SECRET@host:port of an S3-compatible server to run this test", EnvVar)
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		t.Fatalf("%s: want http://ACCESS:SECRET@host:port", EnvVar)
	}
	secret, _ := u.User.Password()
	t.Setenv("AWS_ACCESS_KEY_ID", u.User.Username())
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	endpoint := u.Scheme + "://" + u.Host
	var b [6]byte
	_, _ = rand.Read(b[:])
	bucket := "feedpub-test-" + hex.EncodeToString(b[:])
	output := "s3://" + bucket + "/" + prefix + "?endpoint=" + url.QueryEscape(endpoint) + "&region=us-east-1&use_path_style=true"
	loc, err := s3url.Parse(output)
	if err != nil {
		t.Fatal(err)
	}
	st, err := s3store.New(loc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := st.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("create bucket %s on %s: %v", bucket, endpoint, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		keys, err := st.List(ctx)
		if err == nil && len(keys) > 0 {
			var all []string
			for k := range keys {
				all = append(all, k)
			}
			err = st.Delete(ctx, all)
		}
		if err == nil {
			_, err = st.Client().DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)})
		}
		if err != nil {
			t.Errorf("remove bucket %s: %v", bucket, err)
		}
	})
	return loc, output
}
