// Package localpg runs northstar's managed local PostgreSQL: a private
// cluster under the state dir, used when warehouse.dsn is empty and
// DATABASE_URL is unset (northstar demo, a first try on a laptop).
//
// Contract:
//
//   - Ensure creates the cluster on first use (initdb --auth=trust
//     --username=northstar --encoding=UTF8 --locale=C), starts it when it is
//     not running, connects when it is, creates the database "northstar" if
//     missing, and returns a lib/pq key=value DSN
//     ("host=<socket dir> port=5432 user=northstar dbname=northstar
//     sslmode=disable"). The same state dir always yields the same DSN.
//   - The server listens on a unix socket only (listen_addresses is empty), so it
//     never collides with another PostgreSQL on port 5432. The socket dir has
//     mode 0700 and the socket 0700: auth is trust, so reaching the socket is
//     the access control.
//   - The server is started in its own session and outlives the northstar
//     process; later commands reuse it. Stop stops it (pg_ctl stop -m fast).
//   - Ensure and Stop hold an flock on <state_dir>/pg.lock, so concurrent
//     calls from goroutines or processes are safe; initdb writes into a
//     scratch dir renamed into place, so a crash never leaves a half cluster.
//   - Binaries come from PATH (first match wins, symlinks resolved) or else
//     the highest version under /usr/lib/postgresql/*/bin (also
//     /usr/pgsql-*/bin, /usr/local/pgsql/bin). An existing cluster is run by
//     binaries of its own major version (PG_VERSION). Missing binaries give
//     an error wrapping ErrNoPostgres with the hint apt-get install postgresql.
//
// Layout: <state_dir>/pg holds data/ (PGDATA), postgres.log (the server's
// own log, pg_ctl -l) and the socket. When the socket path would pass the
// kernel's 107-byte limit, the socket goes to <tmp>/northstar-pgsock-<hash of
// the base dir> instead; the choice is a pure function of the path, and it
// is written into data/northstar.conf, which Ensure rewrites every time.
//
// Running as root: PostgreSQL refuses to, so initdb, pg_ctl and the server
// run as the user postgres, or nobody when postgres does not exist (via
// SysProcAttr.Credential), and own <state_dir>/pg. That user must be able
// to traverse to the state dir; northstar does not loosen permissions of
// directories it did not create. When it cannot (a state dir under /root or
// in a 0700 temp dir), the cluster lives in <tmp>/northstar-pg-<hash of the
// state dir> and <state_dir>/pg becomes a symlink to it, which records the
// choice for later commands. That data does not survive a cleanup of the
// temp dir; Ensure then starts over with an empty cluster, and logs a
// warning whenever it creates a cluster there. Every directory made in the
// shared temp dir is checked to be a real directory owned by the server
// user, so nobody can plant one.
package localpg
