// Package benchenv prepares what every benchmark command needs: the
// northstar binary built from this checkout and a throwaway database.
package benchenv

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"

	_ "github.com/lib/pq" // PostgreSQL driver
)

// ServerDSN is NORTHSTAR_TEST_DSN or the local PostgreSQL.
func ServerDSN() string {
	if v := os.Getenv("NORTHSTAR_TEST_DSN"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// Build compiles ./cmd/northstar into dir (run from the repository root).
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "northstar")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/northstar").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build (run from the repository root): %v\n%s", err, out)
	}
	return bin, nil
}

// Database creates a fresh database on server and returns its DSN and a
// function that drops it.
func Database(server string) (dsn string, drop func(), err error) {
	admin, err := sql.Open("postgres", server)
	if err != nil {
		return "", nil, err
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "ns_bench_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		return "", nil, err
	}
	drop = func() {
		admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") //nolint:errcheck
		admin.Close()
	}
	u, err := url.Parse(server)
	if err != nil {
		drop()
		return "", nil, err
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}
