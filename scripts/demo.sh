#!/usr/bin/env bash
# Runs `northstar demo` end to end on a fresh Debian/Ubuntu machine:
# installs PostgreSQL's server binaries with apt when they are missing (the
# demo runs its own private cluster under .northstar-demo/, or uses
# DATABASE_URL when set), builds northstar and runs the demo.
# Usage: scripts/demo.sh [demo flags…]   e.g. scripts/demo.sh -customers 5000
set -euo pipefail
cd "$(dirname "$0")/.."

command -v go >/dev/null || { echo "demo.sh: Go toolchain not found (install Go ≥ 1.26 first)" >&2; exit 1; }

have_pg() {
  command -v initdb >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}
if [ -z "${DATABASE_URL:-}" ] && ! have_pg; then
  echo "demo.sh: installing PostgreSQL with apt (needed for the managed local warehouse)" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi

mkdir -p bin
go build -o bin/northstar ./cmd/northstar
exec bin/northstar demo "$@"
