#!/usr/bin/env bash
# ensure-chromium.sh: make sure a headless-capable Chromium is installed at
# /usr/bin/chromium for the report's browser tests (package report).
#
#   scripts/ensure-chromium.sh && go test ./report/
#
# Idempotent: when /usr/bin/chromium exists it only prints its version.
# Otherwise it installs Debian's "chromium" package with apt-get (through
# sudo when not root). Messages go to stderr; exit 1 when it cannot install.
set -euo pipefail

BIN=${CHROMIUM:-/usr/bin/chromium}

say() { printf 'ensure-chromium: %s\n' "$*" >&2; }
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

if [[ ! -x $BIN ]]; then
	command -v apt-get >/dev/null 2>&1 || die "$BIN is missing and apt-get is not available; install Chromium by hand"
	say "installing chromium with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq >&2 || die "apt-get update failed"
	as_root apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2 ||
		die "apt-get install chromium failed"
	[[ -x $BIN ]] || die "chromium installed but $BIN is missing"
fi
say "$("$BIN" --version 2>/dev/null || echo "$BIN (version unknown)")"
