package sqlsource

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/northstar-dev/northstar"
	"github.com/northstar-dev/northstar/connectors"
)

var drivers = []string{"postgres", "mysql"}

// serverDSN returns the DSN of the test server of driver, on database db.
func serverDSN(driver, db string) string {
	if driver == "mysql" {
		return "root@tcp(127.0.0.1:3306)/" + db
	}
	if db == "" {
		db = "postgres"
	}
	return "postgres://postgres@127.0.0.1:5432/" + db + "?sslmode=disable"
}

// testDB creates a throwaway database on the real server of driver and
// returns a pool on it and its DSN; both go away when the test ends.
func testDB(t testing.TB, driver string) (*sql.DB, string) {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "ns_sqlsource_" + hex.EncodeToString(b)
	admin, err := dialect{name: driver}.open(serverDSN(driver, ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("create database: %v", err)
	}
	dsn := serverDSN(driver, name)
	db, err := dialect{name: driver}.open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		drop := "DROP DATABASE " + name
		if driver == "postgres" {
			drop += " WITH (FORCE)"
		}
		if _, err := admin.ExecContext(context.Background(), drop); err != nil {
			t.Errorf("drop database: %v", err)
		}
		admin.Close()
	})
	return db, dsn
}

// exec runs statements, failing the test on error. In PostgreSQL text,
// DATETIME(6) is written as timestamp (naive, read as UTC) so one text serves both drivers.
func exec(t *testing.T, db *sql.DB, driver string, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if driver == "postgres" {
			s = strings.NewReplacer("DATETIME(6)", "timestamptz", "DECIMAL", "numeric").Replace(s)
		}
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// newSource builds a Source from connector YAML.
func newSource(t *testing.T, text string, env connectors.Env) *Source {
	t.Helper()
	c, err := ConnectorFromYAML("test.yaml", text)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(c, env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// oneStream returns connector YAML with one stream.
func oneStream(driver, dsn string, pageSize int, stream string) string {
	return fmt.Sprintf("name: erp\ntype: sql\nsql:\n  driver: %s\n  dsn: %q\n  page_size: %d\nstreams:\n  %s\n", driver, dsn, pageSize,
		strings.ReplaceAll(strings.TrimSpace(stream), "\n", "\n  "))
}

// collect runs Extract and returns its batches.
func collect(t *testing.T, s *Source, st northstar.Stream, since northstar.Cursor) []northstar.Batch {
	t.Helper()
	var out []northstar.Batch
	err := s.Extract(context.Background(), st, since, func(_ context.Context, b northstar.Batch) error {
		if b.Stream != st {
			t.Errorf("batch stream %q, want %q", b.Stream, st)
		}
		out = append(out, b)
		return nil
	})
	if err != nil {
		t.Fatalf("extract %s: %v", st, err)
	}
	return out
}

// records flattens batches.
func records(bs []northstar.Batch) []northstar.Record {
	var out []northstar.Record
	for _, b := range bs {
		out = append(out, b.Records...)
	}
	return out
}

// byID indexes records by SourceID, failing on a duplicate.
func byID(t *testing.T, rs []northstar.Record) map[string]northstar.Record {
	t.Helper()
	m := map[string]northstar.Record{}
	for _, r := range rs {
		if _, dup := m[r.SourceID]; dup {
			t.Errorf("record %s read twice", r.SourceID)
		}
		m[r.SourceID] = r
	}
	return m
}

// ts is a fixed UTC time used by the tests.
func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
