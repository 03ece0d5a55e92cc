package localpg

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/lib/pq"
)

// Database is the database Ensure creates and its DSN names.
const Database = "northstar"

const (
	// startTimeout bounds pg_ctl start/stop waits (pg_ctl -t).
	startTimeout = 60
	// statusTimeout bounds Status, which takes no context.
	statusTimeout = 10 * time.Second
	// readyTimeout bounds the wait for a started server to accept queries.
	readyTimeout = 15 * time.Second
	// confName is the settings file northstar owns inside the data dir.
	confName = "northstar.conf"
)

// Ensure makes sure the managed cluster of stateDir exists and runs, and
// returns a lib/pq key=value DSN for its northstar database. The first call
// runs initdb; later calls find it running and only connect, or start it if
// it was stopped. Concurrent calls, from goroutines or processes, are
// serialised by an flock on <stateDir>/pg.lock. The server is detached into
// its own session and outlives the caller; Stop stops it.
func Ensure(ctx context.Context, stateDir string, log *slog.Logger) (dsn string, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c, unlock, err := open(ctx, stateDir, true, log)
	if err != nil {
		return "", err
	}
	defer unlock()
	if !c.lay.initialised() {
		if err := c.initdb(ctx); err != nil {
			return "", err
		}
	}
	if err := c.writeConf(); err != nil {
		return "", err
	}
	running, err := c.running(ctx)
	if err != nil {
		return "", err
	}
	if running {
		c.log.Debug("local postgres already running", "data_dir", c.lay.data)
	} else if err := c.start(ctx); err != nil {
		return "", err
	}
	if err := c.ensureDatabase(ctx); err != nil {
		return "", err
	}
	return c.lay.dsn(Database), nil
}

// Stop stops the managed cluster of stateDir (pg_ctl stop -m fast: open
// sessions are ended, nothing committed is lost). Stopping a cluster that
// is not running, or was never created, is not an error.
func Stop(ctx context.Context, stateDir string) error {
	c, unlock, err := open(ctx, stateDir, false, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer unlock()
	if !c.lay.initialised() {
		return nil
	}
	running, err := c.running(ctx)
	if err != nil || !running {
		return err
	}
	if _, err := c.run(ctx, "pg_ctl", "stop", "-D", c.lay.data, "-m", "fast", "-w", "-t", fmt.Sprint(startTimeout), "-s"); err != nil {
		return err
	}
	return nil
}

// Status reports whether the managed cluster of stateDir is running. A
// cluster that was never created is not running and not an error.
func Status(stateDir string) (running bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), statusTimeout)
	defer cancel()
	acct, err := serverAccount()
	if err != nil {
		return false, err
	}
	abs, err := filepath.Abs(stateDir)
	if err != nil {
		return false, fmt.Errorf("localpg: %w", err)
	}
	lay, err := resolveLayout(abs, acct, false)
	if err != nil || !lay.initialised() {
		return false, err
	}
	bin, err := defaultSearch().forData(ctx, lay.data)
	if err != nil {
		return false, err
	}
	c := &cluster{bin: bin, lay: lay, acct: acct}
	return c.running(ctx)
}

// cluster is one state dir's cluster with the binaries that run it.
type cluster struct {
	bin  string   // directory of initdb, pg_ctl, postgres
	lay  layout   // where it lives
	acct *account // server user when we are root, else nil
	log  *slog.Logger
}

// open locks stateDir's cluster and resolves its layout and binaries; the
// caller must call unlock. create makes the directories (Ensure).
func open(ctx context.Context, stateDir string, create bool, log *slog.Logger) (*cluster, func(), error) {
	acct, err := serverAccount()
	if err != nil {
		return nil, nil, err
	}
	abs, err := filepath.Abs(stateDir)
	if err != nil {
		return nil, nil, fmt.Errorf("localpg: %w", err)
	}
	if !create {
		if _, err := os.Stat(abs); err != nil {
			// Nothing to lock: no state dir, no cluster. A zero layout has
			// no PG_VERSION, so callers see "not initialised".
			return &cluster{lay: layout{data: filepath.Join(abs, "pg", "data")}, log: log}, func() {}, nil
		}
	} else if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, nil, fmt.Errorf("localpg: state dir: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(abs, "pg.lock"))
	if err != nil {
		return nil, nil, err
	}
	c, err := resolveCluster(ctx, abs, acct, create, log)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return c, unlock, nil
}

// resolveCluster fills in the layout and picks binaries matching the data.
func resolveCluster(ctx context.Context, abs string, acct *account, create bool, log *slog.Logger) (*cluster, error) {
	lay, err := resolveLayout(abs, acct, create)
	if err != nil {
		return nil, err
	}
	if !create && !lay.initialised() {
		return &cluster{lay: lay, acct: acct, log: log}, nil
	}
	bin, err := defaultSearch().forData(ctx, lay.data)
	if err != nil {
		return nil, err
	}
	if create && lay.base != lay.link && !lay.initialised() {
		log.Warn("state dir not reachable by the server user; local postgres data lives in the temp dir and does not survive its cleanup",
			"user", acct.name, "state_dir", abs, "data_dir", lay.data)
	}
	return &cluster{bin: bin, lay: lay, acct: acct, log: log}, nil
}

// initdb creates the cluster: initdb into a scratch dir, add northstar's
// settings, then rename it into place so that the data dir either is
// complete or does not exist.
func (c *cluster) initdb(ctx context.Context) error {
	tmp := c.lay.initDir()
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("localpg: remove stale %s: %w", tmp, err)
	}
	c.log.Info("initialising local postgres", "data_dir", c.lay.data, "bin_dir", c.bin)
	if _, err := c.run(ctx, "initdb", "-D", tmp, "--auth=trust", "--username=northstar",
		"--encoding=UTF8", "--locale=C"); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(tmp, "postgresql.conf"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	_, err = fmt.Fprintf(f, "\n# Settings managed by northstar (warehouse/localpg).\ninclude = '%s'\n", confName)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("localpg: postgresql.conf: %w", err)
	}
	if err := writeConf(c.lay, tmp, c.acct); err != nil {
		return err
	}
	if err := os.Rename(tmp, c.lay.data); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	return nil
}

// writeConf rewrites the data dir's northstar.conf for the current layout.
func (c *cluster) writeConf() error { return writeConf(c.lay, c.lay.data, c.acct) }

// writeConf writes dataDir/northstar.conf when its content changed: no TCP
// listener, the socket dir, a small shared_buffers. It is rewritten on each
// Ensure so a moved state dir gets its new socket dir on the next start.
func writeConf(lay layout, dataDir string, acct *account) error {
	want := fmt.Sprintf(`# Managed by northstar (warehouse/localpg); rewritten by every Ensure.
listen_addresses = ''
port = %d
unix_socket_directories = %s
unix_socket_permissions = 0700
shared_buffers = 32MB
`, Port, quoteConf(lay.sockDir))
	path := filepath.Join(dataDir, confName)
	if got, err := os.ReadFile(path); err == nil && string(got) == want {
		return nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(want), 0o600); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	if acct != nil {
		if err := os.Chown(tmp, int(acct.uid), int(acct.gid)); err != nil {
			return fmt.Errorf("localpg: %w", err)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	return nil
}

// quoteConf quotes a postgresql.conf string value.
func quoteConf(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `''`).Replace(v) + "'"
}

// running asks pg_ctl status whether the postmaster is up.
func (c *cluster) running(ctx context.Context) (bool, error) {
	_, err := c.run(ctx, "pg_ctl", "status", "-D", c.lay.data)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exit) && exit.ExitCode() == 3: // not running
		return false, nil
	default:
		return false, err
	}
}

// start starts the postmaster and waits until it accepts connections.
func (c *cluster) start(ctx context.Context) error {
	c.log.Info("starting local postgres", "data_dir", c.lay.data, "socket_dir", c.lay.sockDir, "log", c.lay.logFile)
	_, err := c.run(ctx, "pg_ctl", "start", "-D", c.lay.data, "-l", c.lay.logFile,
		"-w", "-t", fmt.Sprint(startTimeout), "-s")
	if err != nil {
		return fmt.Errorf("%w; server log %s ends with:\n%s", err, c.lay.logFile, tail(c.lay.logFile, 15))
	}
	return nil
}

// ensureDatabase waits for the server to answer and creates the northstar
// database if it is missing.
func (c *cluster) ensureDatabase(ctx context.Context) error {
	db, err := sql.Open("postgres", c.lay.dsn("postgres"))
	if err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	defer db.Close()
	wait, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for {
		err = db.PingContext(wait)
		if err == nil {
			break
		}
		select {
		case <-wait.Done():
			return fmt.Errorf("localpg: connect to %s: %w", c.lay.sockDir, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, Database).Scan(&exists); err != nil {
		return fmt.Errorf("localpg: look up database: %w", err)
	}
	if exists {
		return nil
	}
	c.log.Info("creating database", "database", Database)
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(Database))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // duplicate_database
		err = nil
	}
	if err != nil {
		return fmt.Errorf("localpg: create database: %w", err)
	}
	return nil
}

// run runs bin/name as the server user, in its own session (so a Ctrl-C
// aimed at northstar never reaches the postmaster pg_ctl forks), with PG*
// variables removed from the environment. The error carries the output.
func (c *cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.lay.base // the server user may not be able to reach our cwd
	cmd.Env = childEnv(c.lay.base, c.acct)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if c.acct != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: c.acct.uid, Gid: c.acct.gid, Groups: []uint32{}}
	}
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	text := strings.TrimSpace(out.String())
	if err != nil {
		return text, fmt.Errorf("localpg: %s %s: %w: %s", name, args[0], err, text)
	}
	return text, nil
}

// childEnv is our environment without PG* variables (PGDATA, PGPORT,
// PGOPTIONS… would redirect the tools), with HOME and USER set for the
// server user when we switch to it.
func childEnv(home string, acct *account) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") {
			continue
		}
		if acct != nil && (strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "USER=") || strings.HasPrefix(kv, "LOGNAME=")) {
			continue
		}
		env = append(env, kv)
	}
	if acct != nil {
		env = append(env, "HOME="+home, "USER="+acct.name, "LOGNAME="+acct.name)
	}
	return env
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
