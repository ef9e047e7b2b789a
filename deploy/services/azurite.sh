#!/usr/bin/env bash
# Azurite, the Azure Blob Storage emulator, for the production profile's media store on one
# machine and for the tests.
#
#   azurite.sh start   install when missing (npm, into deploy/services/.azurite/), start the blob
#                      service on 127.0.0.1:$CHATORLEANS_AZURITE_PORT
#   azurite.sh stop    stop it
#   azurite.sh url     print the connection string (Azurite's well-known development account)
#
# Idempotent: start twice is fine, stop when nothing runs is fine. Blobs are kept under
# $CHATORLEANS_AZURITE_DIR between starts. --skipApiVersionCheck lets the current Azure SDK in;
# --disableTelemetry keeps it from calling out; --loose accepts headers it does not know.
set -euo pipefail

SERVICE="azurite.sh"
# shellcheck source=deploy/services/lib.sh
. "$(dirname "$0")/lib.sh"

PORT="${CHATORLEANS_AZURITE_PORT:-10100}"
RUN_DIR="${CHATORLEANS_AZURITE_DIR:-${TMPDIR:-/tmp}/chatorleans-azurite}"
HERE="$(cd "$(dirname "$0")" && pwd)"
INSTALL_DIR="$HERE/.azurite"
AZURITE_VERSION="3.35.0"
MAIN="$INSTALL_DIR/node_modules/azurite/dist/src/blob/main.js"
PID_FILE="$RUN_DIR/azurite-$PORT.pid"
LOG_FILE="$RUN_DIR/azurite-$PORT.log"

# Azurite's documented development account: it guards nothing but the emulator on loopback.
ACCOUNT="devstoreaccount1"
ACCOUNT_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

require_number CHATORLEANS_AZURITE_PORT "$PORT"

ensure_installed() {
  if [ -f "$MAIN" ]; then
    return
  fi
  if ! command -v npm >/dev/null 2>&1; then
    apt_install "Node.js and npm" nodejs npm
  fi
  log "installing azurite $AZURITE_VERSION"
  mkdir -p "$INSTALL_DIR"
  (cd "$INSTALL_DIR" && npm install --no-audit --no-fund --silent "azurite@$AZURITE_VERSION" >/dev/null)
}

answering() {
  # Any HTTP answer at all (Azurite answers 400 to a bare GET) means it is up.
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null
}

start() {
  ensure_installed
  if answering; then
    log "already up on 127.0.0.1:$PORT"
    return
  fi
  mkdir -p "$RUN_DIR/data"
  nohup node "$MAIN" --blobHost 127.0.0.1 --blobPort "$PORT" --location "$RUN_DIR/data" \
    --skipApiVersionCheck --loose --disableTelemetry >"$LOG_FILE" 2>&1 &
  echo $! >"$PID_FILE"
  if wait_until 200 0.1 answering; then
    log "up on 127.0.0.1:$PORT"
    return
  fi
  log "Azurite did not answer on 127.0.0.1:$PORT; see $LOG_FILE"
  exit 1
}

gone() { ! kill -0 "$1" 2>/dev/null; }

stop() {
  if [ -f "$PID_FILE" ]; then
    pid="$(cat "$PID_FILE")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      wait_until 100 0.1 gone "$pid" || true
    fi
    rm -f "$PID_FILE"
  fi
}

url() {
  echo "DefaultEndpointsProtocol=http;AccountName=$ACCOUNT;AccountKey=$ACCOUNT_KEY;BlobEndpoint=http://127.0.0.1:$PORT/$ACCOUNT;"
}

run_command "$@"
