#!/usr/bin/env bash
# ensure-postgres.sh: make sure a PostgreSQL server answers on 127.0.0.1:5432
# for northstar's tests and CI, installing and starting it when needed.
#
#   eval "$(scripts/ensure-postgres.sh)"    # sets NORTHSTAR_TEST_DSN
#
# Idempotent: when the server already answers it only works out the DSN.
# Otherwise it installs the Debian/Ubuntu packages if the server binaries are
# missing (apt-get, through sudo when not root), starts the newest cluster
# (creating "<version> main" if there is none), and, when pg_hba.conf wants a
# password for TCP connections, sets the password of user postgres to
# "postgres". Messages go to stderr; stdout carries only the export line.
set -euo pipefail

HOST=127.0.0.1
PORT=5432
CLUSTER=main
READY_TIMEOUT=${READY_TIMEOUT:-30}

say() { printf 'ensure-postgres: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}

# as_root runs a command as root: directly, or through sudo when available.
as_root() {
	if [[ $(id -u) -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run '$*' and sudo is not installed; run this script as root"
	fi
}

# as_postgres runs a command as the postgres OS user (peer auth on the socket).
as_postgres() {
	if [[ $(id -un) == postgres ]]; then
		"$@"
	elif [[ $(id -u) -eq 0 ]] && command -v runuser >/dev/null 2>&1; then
		runuser -u postgres -- "$@"
	elif [[ $(id -u) -eq 0 ]]; then
		su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
	elif command -v sudo >/dev/null 2>&1; then
		sudo -u postgres "$@"
	else
		die "need to run '$*' as user postgres, but not root and sudo is not installed"
	fi
}

ready() {
	command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$HOST" -p "$PORT"
}

# newest_version prints the highest installed server version, if any.
newest_version() {
	local d
	for d in /usr/lib/postgresql/*/bin/postgres; do
		if [[ -x $d ]]; then
			basename "$(dirname "$(dirname "$d")")"
		fi
	done | sort -V | tail -n 1
}

install_server() {
	command -v apt-get >/dev/null 2>&1 ||
		die "PostgreSQL is not installed and apt-get is missing; install the PostgreSQL server with your package manager"
	say "PostgreSQL is not installed; installing postgresql and postgresql-contrib with apt-get"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql postgresql-contrib >&2
}

start_cluster() {
	local ver=$1 cluster=$CLUSTER
	command -v pg_ctlcluster >/dev/null 2>&1 ||
		die "PostgreSQL $ver is installed but pg_ctlcluster (postgresql-common) is not; start the server yourself"
	if ! pg_lsclusters -h 2>/dev/null | awk -v v="$ver" -v c="$cluster" '$1 == v && $2 == c { f = 1 } END { exit !f }'; then
		say "creating cluster $ver/$cluster on port $PORT"
		as_root pg_createcluster "$ver" "$cluster" --port "$PORT" >&2
	fi
	local port
	port=$(pg_lsclusters -h | awk -v v="$ver" -v c="$cluster" '$1 == v && $2 == c { print $3 }')
	[[ $port == "$PORT" ]] ||
		die "cluster $ver/$cluster listens on port $port, not $PORT; change port in /etc/postgresql/$ver/$cluster/postgresql.conf"
	say "starting cluster $ver/$cluster"
	# An already-running cluster makes pg_ctlcluster fail; readiness decides.
	as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start >&2 ||
		say "pg_ctlcluster start failed; waiting in case the server is already starting"
}

wait_ready() {
	local i
	for ((i = 0; i < READY_TIMEOUT * 2; i++)); do
		ready && return 0
		sleep 0.5
	done
	die "PostgreSQL did not answer on $HOST:$PORT within ${READY_TIMEOUT}s; see /var/log/postgresql/"
}

# can_connect tries a TCP login as postgres without ever prompting.
can_connect() {
	PGPASSWORD=${1:-} PGCONNECT_TIMEOUT=5 psql -w -X -q -h "$HOST" -p "$PORT" -U postgres -d postgres \
		-c 'SELECT 1' >/dev/null 2>&1
}

# print_dsn works out how user postgres logs in over TCP and prints the DSN.
print_dsn() {
	local trust="postgres://postgres@$HOST:$PORT/postgres?sslmode=disable"
	local pass="postgres://postgres:postgres@$HOST:$PORT/postgres?sslmode=disable"
	if ! command -v psql >/dev/null 2>&1; then
		say "psql not found, cannot check authentication; assuming trust"
		echo "export NORTHSTAR_TEST_DSN='$trust'"
		return
	fi
	if can_connect ""; then
		echo "export NORTHSTAR_TEST_DSN='$trust'"
		return
	fi
	if ! can_connect postgres; then
		say "TCP login needs a password; setting the password of user postgres to 'postgres'"
		as_postgres psql -X -q -p "$PORT" -d postgres -c "ALTER USER postgres PASSWORD 'postgres'" >&2 ||
			die "could not set the password of user postgres (is peer auth on the local socket enabled?)"
		can_connect postgres ||
			die "cannot log in as postgres on $HOST:$PORT even with a password; allow it in pg_hba.conf (trust or scram-sha-256 for 127.0.0.1/32)"
	fi
	say "log in with password 'postgres'"
	echo "export NORTHSTAR_TEST_DSN='$pass'"
}

main() {
	if ready; then
		say "PostgreSQL already answers on $HOST:$PORT"
		print_dsn
		exit 0
	fi
	local ver
	ver=$(newest_version)
	if [[ -z $ver ]]; then
		install_server
		ver=$(newest_version)
		[[ -n $ver ]] || die "apt-get finished but no server binaries are under /usr/lib/postgresql/*/bin"
	fi
	say "using PostgreSQL $ver"
	start_cluster "$ver"
	wait_ready
	say "PostgreSQL answers on $HOST:$PORT"
	print_dsn
}

main "$@"
