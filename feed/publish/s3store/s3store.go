// Package s3store publishes a build's documents to S3-compatible object
// storage (AWS S3, Ceph, R2, versitygw…), for a CDN to serve with no
// feedpub in the request path. It implements publish.Store.
package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/feedpub/feedpub/feed/publish"
	"github.com/feedpub/feedpub/internal/s3url"
)

// Store is a bucket prefix.
type Store struct {
	loc    s3url.Location
	client *s3.Client
}

// New opens the bucket loc names with the credentials of the standard
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)
// environment variables.
func New(loc s3url.Location) (*Store, error) {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return nil, errors.New("object storage output: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	opts := s3.Options{
		Region:       loc.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN")),
		UsePathStyle: loc.PathStyle,
		// Checksums beyond the signed SHA-256 only when an operation
		// needs them: not every S3-compatible server knows the others.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if loc.Endpoint != "" {
		opts.BaseEndpoint = aws.String(loc.Endpoint)
	}
	return &Store{loc: loc, client: s3.New(opts)}, nil
}

// Client is the S3 client the store uses.
func (s *Store) Client() *s3.Client { return s.client }

// List implements publish.Store: the objects under the prefix by their
// ETag, which for a single-part upload is the MD5 of the bytes.
func (s *Store) List(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket: aws.String(s.loc.Bucket),
		Prefix: aws.String(s.loc.Prefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", s.loc.Bucket, s.loc.Prefix, err)
		}
		for _, o := range page.Contents {
			key := strings.TrimPrefix(aws.ToString(o.Key), s.loc.Prefix)
			out[key] = strings.Trim(aws.ToString(o.ETag), `"`)
		}
	}
	return out, nil
}

// Put implements publish.Store.
func (s *Store) Put(ctx context.Context, key string, body []byte, meta publish.Object) error {
	in := &s3.PutObjectInput{
		Bucket:        aws.String(s.loc.Bucket),
		Key:           aws.String(s.loc.Prefix + key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String(meta.ContentType),
	}
	if meta.CacheControl != "" {
		in.CacheControl = aws.String(meta.CacheControl)
	}
	if meta.ContentEncoding != "" {
		in.ContentEncoding = aws.String(meta.ContentEncoding)
	}
	_, err := s.client.PutObject(ctx, in)
	return err
}

// Delete implements publish.Store, a thousand keys per request at most.
func (s *Store) Delete(ctx context.Context, keys []string) error {
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		objs := make([]types.ObjectIdentifier, n)
		for i, k := range keys[:n] {
			objs[i] = types.ObjectIdentifier{Key: aws.String(s.loc.Prefix + k)}
		}
		out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: aws.String(s.loc.Bucket),
			Delete: &types.Delete{Objects: objs, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return err
		}
		if len(out.Errors) > 0 {
			e := out.Errors[0]
			return fmt.Errorf("delete %s: %s", aws.ToString(e.Key), aws.ToString(e.Message))
		}
		keys = keys[n:]
	}
	return nil
}
