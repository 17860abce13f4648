#!/usr/bin/env bash
# Install (if missing), start and stop the real services the full test suite runs against:
# PostgreSQL 15 with pgvector, Redis, and an S3-compatible server (moto in server mode), all on
# loopback only, in a private data folder.
#   .ci/services.sh install   apt packages + pgvector built from Debian 13's source package + moto in
#                             its own venv (not the project's: services start before `make install`)
#   .ci/services.sh start     prints the env vars to export (DATABASE_URL, CELERY_BROKER_URL, REDIS_URL,
#                             CASTFEED_TEST_S3_ENDPOINT: only the S3 tests use it, each with its own
#                             bucket; the rest of the suite keeps the local media folder)
#   .ci/services.sh stop      stops what start started
set -euo pipefail

STATE_DIR=${CASTFEED_SERVICES_DIR:-/tmp/castfeed-services}
PG_PORT=${CASTFEED_PG_PORT:-55432}
REDIS_PORT=${CASTFEED_REDIS_PORT:-56379}
S3_PORT=${CASTFEED_S3_PORT:-59000}
MOTO_VENV=${CASTFEED_MOTO_VENV:-$STATE_DIR/moto-venv}
MOTO_PIN="moto[server]==5.2.5"  # the S3-compatible server the S3 tests run against (tests/core/test_s3_media.py)
PG_BIN=/usr/lib/postgresql/15/bin
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

log() { echo "[services] $*" >&2; }

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"
  elif [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"
  else sudo -u postgres "$@"; fi
}

install_packages() {
  local need=()
  [ -x "$PG_BIN/postgres" ] || need+=(postgresql-15)
  [ -x "$PG_BIN/pg_config" ] && [ -d /usr/include/postgresql/15/server ] || need+=(postgresql-server-dev-15)
  # RUM: video search reads a rare phrase in rank order from it (feed migration 0008).
  [ -f /usr/share/postgresql/15/extension/rum.control ] || need+=(postgresql-15-rum)
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v dpkg-source >/dev/null || need+=(dpkg-dev)
  command -v make >/dev/null || need+=(make gcc)
  [ -x "$MOTO_VENV/bin/moto_server" ] || python3 -c "import ensurepip" 2>/dev/null || need+=(python3-venv)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  # Debian 12 packages no pgvector: build Debian 13's source package against the server headers.
  if [ ! -f "/usr/share/postgresql/15/extension/vector.control" ]; then
    local mirror
    # The Debian mirror apt already uses (deb822 "URIs:" or one-line "deb" entries), not comments.
    mirror=$( { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}';
                grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
                  | awk '{for (i=2;i<=NF;i++) if ($i ~ /^https?:/) {print $i; break}}'; } \
              | grep -E '/debian/?$' | head -n1 || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    local src_list=/etc/apt/sources.list.d/castfeed-trixie-src.list
    echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} trixie main" \
      | $SUDO tee "$src_list" >/dev/null
    $SUDO apt-get update -qq -o Dir::Etc::sourcelist="$src_list" -o Dir::Etc::sourceparts="-" \
      -o APT::Get::List-Cleanup="0"
    local build
    build=$(mktemp -d)
    chmod 755 "$build"  # apt's sandbox user writes the download here
    log "building pgvector from Debian 13 source in $build"
    (cd "$build" && apt-get source -qq --download-only pgvector \
       -o Dir::Etc::sourcelist="$src_list" -o Dir::Etc::sourceparts="-" >/dev/null \
     && dpkg-source -x --no-check ./*.dsc src >/dev/null \
     && make -s -C src PG_CONFIG="$PG_BIN/pg_config" >/dev/null \
     && $SUDO make -s -C src PG_CONFIG="$PG_BIN/pg_config" install >/dev/null)
    $SUDO rm -f "$src_list"
    rm -rf "$build"
  fi
  if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
    log "installing $MOTO_PIN in $MOTO_VENV"
    mkdir -p "$(dirname "$MOTO_VENV")"
    python3 -m venv "$MOTO_VENV"
    "$MOTO_VENV/bin/pip" install -q --disable-pip-version-check "$MOTO_PIN"
  fi
  log "packages ready"
}

s3_answers() {
  "$MOTO_VENV/bin/python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "http://127.0.0.1:$S3_PORT/" >/dev/null 2>&1
}

start_s3() {
  [ -x "$MOTO_VENV/bin/moto_server" ] || { log "moto missing: run $0 install"; exit 1; }
  s3_answers && return 0
  nohup "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$S3_PORT" </dev/null >"$STATE_DIR/moto.log" 2>&1 &
  echo $! >"$STATE_DIR/moto.pid"
  for _ in $(seq 100); do s3_answers && return 0; sleep 0.1; done
  log "moto did not answer on 127.0.0.1:$S3_PORT (see $STATE_DIR/moto.log)"
  exit 1
}

start() {
  mkdir -p "$STATE_DIR"
  chmod 777 "$STATE_DIR"
  local pgdata="$STATE_DIR/pg"
  if [ ! -f "$pgdata/PG_VERSION" ]; then
    as_postgres mkdir -p "$pgdata"
    as_postgres "$PG_BIN/initdb" -A trust -U postgres -D "$pgdata" >/dev/null
  fi
  if ! as_postgres "$PG_BIN/pg_ctl" -D "$pgdata" status >/dev/null 2>&1; then
    # fsync off: a throwaway test cluster; speeds up every transactional test. random_page_cost 1.1:
    # data on SSD or in memory (the PostgreSQL default of 4 models spinning disks and steers the planner
    # away from ordered index scans the feed relies on; docs/configuration.md).
    as_postgres "$PG_BIN/pg_ctl" -D "$pgdata" -l "$STATE_DIR/pg.log" -w start \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $STATE_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=512MB -c random_page_cost=1.1 -c effective_cache_size=8GB" >/dev/null
  fi
  psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='castfeed'" | grep -q 1 \
    || psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "CREATE DATABASE castfeed"
  # The extension lives in template1 too, so the test database pytest creates has it.
  for db in template1 castfeed; do
    psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$db" -qc "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null
  done
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save "" --appendonly no \
      --dir "$STATE_DIR" --pidfile "$STATE_DIR/redis.pid" --logfile "$STATE_DIR/redis.log"
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  start_s3
  log "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT, S3 (moto) on 127.0.0.1:$S3_PORT"
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/castfeed"
  echo "export CELERY_BROKER_URL=redis://127.0.0.1:$REDIS_PORT/0"
  echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/1"
  echo "export CASTFEED_TEST_S3_ENDPOINT=http://127.0.0.1:$S3_PORT"
}

stop() {
  if [ -f "$STATE_DIR/pg/PG_VERSION" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$STATE_DIR/pg" -m fast stop >/dev/null 2>&1 || true
  fi
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  if [ -f "$STATE_DIR/moto.pid" ]; then
    kill "$(cat "$STATE_DIR/moto.pid")" >/dev/null 2>&1 || true
    rm -f "$STATE_DIR/moto.pid"
  fi
  log "stopped"
}

case "${1:-}" in
  install) install_packages ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
