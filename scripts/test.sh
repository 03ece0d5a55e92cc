#!/usr/bin/env bash
# Runs every northstar test against a real PostgreSQL (and MariaDB where
# present), installing and starting PostgreSQL first when it is absent.
# Usage: scripts/test.sh [go test flags…]   (default: ./...)
set -euo pipefail
cd "$(dirname "$0")/.."

command -v go >/dev/null || { echo "test.sh: Go toolchain not found (install Go ≥ 1.26 first)" >&2; exit 1; }

# PostgreSQL for the warehouse tests (installs it with apt when missing).
eval "$(scripts/ensure-postgres.sh)"
# MariaDB for the SQL connector's tests (installs it with apt when missing).
scripts/ensure-mariadb.sh
# Headless Chromium for the report's browser tests (installs it with apt when missing).
scripts/ensure-chromium.sh

export NORTHSTAR_TEST_DSN="${NORTHSTAR_TEST_DSN:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}"
echo "test.sh: PostgreSQL at ${NORTHSTAR_TEST_DSN%%\?*}"

go vet ./...
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(./...)
# -p 2: this is a 2-core machine; packages run two at a time.
go test -p 2 -timeout 30m -count=1 "${args[@]}"
