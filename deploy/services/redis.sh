#!/usr/bin/env bash
# Redis for the production profile's cluster membership and the tests, on this machine.
#
#   redis.sh start   install when missing, start a server on 127.0.0.1:$CHATORLEANS_REDIS_PORT
#   redis.sh stop    shut that server down
#   redis.sh url     print the StackExchange.Redis configuration string
#
# Idempotent: start twice is fine, stop when nothing runs is fine. The server holds cluster
# membership and keeps it in an append-only file (written every second): Orleans does not
# recreate a membership table that vanished under a running cluster, so a Redis that came back
# empty would leave every process unready until the whole cluster restarts. Installing needs
# root (CI runs as root).
set -euo pipefail

SERVICE="redis.sh"
# shellcheck source=deploy/services/lib.sh
. "$(dirname "$0")/lib.sh"

PORT="${CHATORLEANS_REDIS_PORT:-6380}"
RUN_DIR="${CHATORLEANS_REDIS_DIR:-${TMPDIR:-/tmp}/chatorleans-redis}"

require_number CHATORLEANS_REDIS_PORT "$PORT"

ensure_installed() {
  if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
    return
  fi
  apt_install Redis redis-server
}

answering() {
  [ "$(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null || true)" = "PONG" ]
}

stopped() { ! answering; }

start() {
  ensure_installed
  if answering; then
    log "already up on 127.0.0.1:$PORT"
    return
  fi
  mkdir -p "$RUN_DIR"
  redis-server --bind 127.0.0.1 --port "$PORT" --daemonize yes --save '' --appendonly yes --appendfsync everysec \
    --dir "$RUN_DIR" --pidfile "$RUN_DIR/redis-$PORT.pid" --logfile "$RUN_DIR/redis-$PORT.log"
  if wait_until 100 0.1 answering; then
    log "up on 127.0.0.1:$PORT"
    return
  fi
  log "the server did not answer on 127.0.0.1:$PORT; see $RUN_DIR/redis-$PORT.log"
  exit 1
}

stop() {
  command -v redis-cli >/dev/null 2>&1 || return 0
  if ! answering; then
    return 0
  fi
  redis-cli -h 127.0.0.1 -p "$PORT" shutdown nosave >/dev/null 2>&1 || true
  if wait_until 100 0.1 stopped; then
    return 0
  fi
  log "the server on 127.0.0.1:$PORT did not stop"
  exit 1
}

url() {
  echo "127.0.0.1:$PORT"
}

run_command "$@"
