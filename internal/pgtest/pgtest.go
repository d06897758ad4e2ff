// Package pgtest gives tests a PostgreSQL database of their own.
//
// The server comes from the environment variable FEEDPUB_TEST_POSTGRES, a
// connection URL (.ci/run starts a throwaway cluster and sets it). Without
// it the tests that need PostgreSQL skip, except under CI=true, where a
// missing server is a failure rather than a silently skipped check.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the variable that holds the test server's URL.
const EnvVar = "FEEDPUB_TEST_POSTGRES"

// URL returns a connection URL whose search_path is a new, empty schema,
// dropped with everything in it when the test ends; tests that each take
// one can run in parallel against one server.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvVar)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL tests (.ci/run starts a server)", EnvVar)
		}
		t.Skipf("%s is not set; set it to a PostgreSQL URL to run this test", EnvVar)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "feedpub_test_" + hex.EncodeToString(b[:])

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvVar, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("connect to drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
