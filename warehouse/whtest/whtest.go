// Package whtest gives tests a throwaway, migrated warehouse database on a
// real PostgreSQL. The server is NORTHSTAR_TEST_DSN (a URL naming any
// existing database, default postgres://postgres@127.0.0.1:5432/postgres);
// each call creates a fresh database and drops it when the test ends. A
// missing server fails the test: integration tests are never skipped.
package whtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/lib/pq" // PostgreSQL driver

	"github.com/northstar-dev/northstar/warehouse"
)

// ServerDSN returns the DSN of the test PostgreSQL server.
func ServerDSN() string {
	if v := os.Getenv("NORTHSTAR_TEST_DSN"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// NewDatabase creates an empty database and returns its DSN; it is
// dropped (with any connections still open) when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("postgres", ServerDSN())
	if err != nil {
		t.Fatalf("whtest: open %s: %v", ServerDSN(), err)
	}
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("whtest: PostgreSQL not reachable at %s (run scripts/ensure-postgres.sh): %v", warehouse.RedactDSN(ServerDSN()), err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "ns_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("whtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("whtest: drop database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(ServerDSN())
	if err != nil {
		t.Fatalf("whtest: NORTHSTAR_TEST_DSN must be a URL: %v", err)
	}
	u.Path = "/" + name
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// New returns an open, migrated warehouse in a fresh database.
func New(t testing.TB) (*warehouse.DB, string) {
	t.Helper()
	dsn := NewDatabase(t)
	ctx := context.Background()
	db, err := warehouse.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("whtest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("whtest: %v", err)
	}
	return db, dsn
}
