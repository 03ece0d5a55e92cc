package localpg

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testLogger sends the package's logs to the test log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newStateDir returns a fresh state dir (sub below t.TempDir when not
// empty) whose cluster is stopped and whose temp-dir fallbacks are removed
// at the end. reachable opens the directories to other users so that a
// root run keeps the cluster in place.
func newStateDir(t *testing.T, sub string, reachable bool) string {
	t.Helper()
	dir := t.TempDir()
	if sub != "" {
		dir = filepath.Join(dir, sub)
		must(t, os.Mkdir(dir, 0o700), "mkdir")
	}
	if reachable {
		for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
			must(t, os.Chmod(d, 0o755), "chmod")
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		if err := Stop(ctx, dir); err != nil {
			t.Errorf("stop: %v", err)
		}
		lay, err := resolveLayout(dir, nil, false)
		if err != nil {
			t.Errorf("layout: %v", err)
			return
		}
		for _, extra := range []string{lay.base, lay.sockDir} {
			if !strings.HasPrefix(extra, dir+"/") {
				_ = os.RemoveAll(extra)
			}
		}
	})
	return dir
}

// open connects to dsn and closes the pool at the end of the test.
func openDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	must(t, err, "open")
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// startTime is the postmaster start time: it changes only on a (re)start.
func startTime(t *testing.T, db *sql.DB) time.Time {
	t.Helper()
	var ts time.Time
	must(t, db.QueryRow(`SELECT pg_postmaster_start_time()`).Scan(&ts), "start time")
	return ts
}

func TestEnsureLifecycle(t *testing.T) {
	t.Parallel()
	root := os.Geteuid() == 0
	cases := []struct {
		name      string
		sub       string
		reachable bool
		inPlace   bool // cluster data under <state>/pg rather than the temp dir
		longSock  bool // socket moved to a short dir
	}{
		{name: "reachable state dir", reachable: true, inPlace: true},
		{name: "private state dir", reachable: false, inPlace: !root},
		{name: "deep state dir", sub: strings.Repeat("d", 110), reachable: true, inPlace: true, longSock: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			state := newStateDir(t, tc.sub, tc.reachable)
			log := testLogger(t)

			dsn, err := Ensure(ctx, state, log)
			must(t, err, "ensure")
			db := openDB(t, dsn)
			var one int
			must(t, db.QueryRowContext(ctx, `SELECT 1`).Scan(&one), "select 1")
			check(t, one == 1, "SELECT 1 = %d", one)
			var dbName, user, listen string
			must(t, db.QueryRowContext(ctx, `SELECT current_database(), current_user, current_setting('listen_addresses')`).Scan(&dbName, &user, &listen), "settings")
			check(t, dbName == "northstar" && user == "northstar", "connected to %s as %s", dbName, user)
			check(t, listen == "", "listen_addresses = %q, want no TCP listener", listen)

			lay, err := resolveLayout(state, nil, false)
			must(t, err, "layout")
			check(t, strings.Contains(dsn, "host="+lay.sockDir+" "), "dsn %q lacks socket dir %s", dsn, lay.sockDir)
			sock := filepath.Join(lay.sockDir, socketName)
			check(t, len(sock) <= maxSocketPath, "socket path %s too long", sock)
			check(t, tc.longSock == (lay.sockDir != lay.base), "socket dir %s, base %s", lay.sockDir, lay.base)
			fi, err := os.Lstat(filepath.Join(state, "pg"))
			must(t, err, "lstat pg")
			check(t, tc.inPlace == fi.IsDir(), "<state>/pg mode %v, want in place = %v", fi.Mode(), tc.inPlace)
			check(t, tc.inPlace || fi.Mode()&fs.ModeSymlink != 0, "<state>/pg mode %v, want symlink", fi.Mode())
			_, err = os.Stat(filepath.Join(state, "pg", "postgres.log"))
			must(t, err, "server log under <state>/pg")
			if root {
				acct, err := serverAccount()
				must(t, err, "account")
				fi, err := os.Stat(lay.data)
				must(t, err, "stat data")
				uid := fi.Sys().(*syscall.Stat_t).Uid
				check(t, uid == acct.uid, "data dir owned by uid %d, want %s (%d)", uid, acct.name, acct.uid)
			}
			_, err = db.ExecContext(ctx, `CREATE TABLE marker (id int)`)
			must(t, err, "create table")
			started := startTime(t, db)

			// A second Ensure reuses the running cluster.
			dsn2, err := Ensure(ctx, state, log)
			must(t, err, "second ensure")
			check(t, dsn2 == dsn, "second DSN %q, want %q", dsn2, dsn)
			check(t, startTime(t, db).Equal(started), "server restarted by the second Ensure")
			running, err := Status(state)
			must(t, err, "status")
			check(t, running, "status says not running")

			// Stop, then Ensure starts the same cluster again.
			must(t, db.Close(), "close")
			must(t, Stop(ctx, state), "stop")
			running, err = Status(state)
			must(t, err, "status after stop")
			check(t, !running, "status says running after Stop")
			must(t, Stop(ctx, state), "stopping a stopped cluster")
			dsn3, err := Ensure(ctx, state, log)
			must(t, err, "ensure after stop")
			check(t, dsn3 == dsn, "DSN after restart %q, want %q", dsn3, dsn)
			db = openDB(t, dsn3)
			check(t, startTime(t, db).After(started), "not restarted")
			_, err = db.ExecContext(ctx, `SELECT count(*) FROM marker`)
			must(t, err, "data survives the restart (no re-init)")
			running, err = Status(state)
			must(t, err, "status after restart")
			check(t, running, "status says not running after restart")
		})
	}
}

func TestEnsureConcurrent(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	state := newStateDir(t, "", false)
	log := testLogger(t)
	const n = 3
	dsns := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dsns[i], errs[i] = Ensure(ctx, state, log) })
	}
	wg.Wait()
	for i := range n {
		must(t, errs[i], "call %d", i)
		check(t, dsns[i] == dsns[0], "call %d: DSN %q, want %q", i, dsns[i], dsns[0])
	}
	var one int
	must(t, openDB(t, dsns[0]).QueryRowContext(ctx, `SELECT 1`).Scan(&one), "select 1")
	check(t, one == 1, "SELECT 1 = %d", one)
}

func TestStopAndStatusWithoutCluster(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name  string
		state func(t *testing.T) string
	}{
		{"missing state dir", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope") }},
		{"empty state dir", func(t *testing.T) string { return t.TempDir() }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state := tc.state(t)
			running, err := Status(state)
			must(t, err, "status")
			check(t, !running, "status says running")
			must(t, Stop(ctx, state), "stop")
			_, err = os.Stat(filepath.Join(state, "pg"))
			check(t, errors.Is(err, fs.ErrNotExist), "Stop or Status made <state>/pg: %v", err)
		})
	}
}
