#!/usr/bin/env bash
# Makes sure a MariaDB/MySQL server answers on 127.0.0.1:3306 for user root
# without a password (the SQL connector's tests use it); installs and starts
# MariaDB with apt when it is absent. Idempotent.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
ready() { mysqladmin -h 127.0.0.1 -P 3306 -uroot status >/dev/null 2>&1; }
if ready; then exit 0; fi
if ! command -v mariadbd >/dev/null && ! [ -x /usr/sbin/mariadbd ]; then
  echo "ensure-mariadb: installing MariaDB with apt" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq mariadb-server mariadb-client >/dev/null
fi
$SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1 || true
for _ in $(seq 1 60); do
  if ready; then exit 0; fi
  # A fresh Debian install authenticates root over the socket only; allow
  # password-less TCP logins for the local test user.
  $SUDO mysql -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;" >/dev/null 2>&1 || true
  sleep 1
done
echo "ensure-mariadb: MariaDB did not become ready on 127.0.0.1:3306" >&2
exit 1
