#!/usr/bin/env bash
# PostgreSQL for the scale-out profile (scripts/run_scaled.sh): a private cluster under
# var/scaled/postgres on 127.0.0.1:$POSTGRES_PORT (trust authentication, loopback only),
# unless POSTGRES_HOST names a server of your own.
#   start      initdb the first time; start the private server unless it is running
#   hold       (a Procfile entry) show the server's log until SIGTERM/SIGINT, then stop it
#   databases  create $SCALED_PLATFORM_DB and $RASA_TRACKER_DB_NAME where they are missing
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` OS user (the
# Debian package creates it), as in tests/support/postgres.py.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/var/scaled/postgres"
data="$root/data"
port="${POSTGRES_PORT:-5433}"
user="${POSTGRES_USER:-postgres}"

bin_dir() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -n "$found" ] && [ -x "$found/initdb" ]; then echo "$found"; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  echo "PostgreSQL's server programs (initdb, pg_ctl) were not found:" \
    "apt-get install postgresql (or set POSTGRES_HOST to a server of yours)" >&2
  exit 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_ctl() { as_owner "$(bin_dir)/pg_ctl" -D "$data" "$@"; }

case "${1:-}" in
  start)
    mkdir -p "$root"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$root"; fi
    if [ ! -f "$data/PG_VERSION" ]; then
      echo "==> creating the PostgreSQL cluster in $data"
      as_owner "$(bin_dir)/initdb" -D "$data" -U "$user" --auth=trust --encoding=UTF8 \
        --no-locale >/dev/null
    fi
    if ! pg_ctl status >/dev/null 2>&1; then
      pg_ctl start -w -t 60 -l "$root/server.log" \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$root'" \
        >/dev/null
    fi
    ;;
  hold)
    stop() {
      pg_ctl stop -m fast >/dev/null 2>&1 || true
      exit 0
    }
    trap stop TERM INT
    pg_ctl status >/dev/null || { echo "PostgreSQL is not running (run_scaled.sh starts it)" >&2; exit 1; }
    tail -n 0 -F "$root/server.log" &
    # Exits (and honcho stops the rest) if the server dies.
    while pg_ctl status >/dev/null 2>&1; do
      sleep 2 &
      wait $! || true
    done
    echo "PostgreSQL stopped" >&2
    exit 1
    ;;
  databases)
    export PGPASSWORD="${POSTGRES_PASSWORD:-}"
    host="${POSTGRES_HOST:-127.0.0.1}"
    for db in "${SCALED_PLATFORM_DB:-prosuministros}" "${RASA_TRACKER_DB_NAME:-rasa_tracker}"; do
      exists="$(psql -h "$host" -p "$port" -U "$user" -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$db'")"
      if [ "$exists" != 1 ]; then
        echo "==> creating database $db on $host:$port"
        createdb -h "$host" -p "$port" -U "$user" "$db"
      fi
    done
    ;;
  *)
    echo "usage: $0 start|hold|databases" >&2
    exit 2
    ;;
esac
