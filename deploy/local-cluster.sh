#!/usr/bin/env bash
# The production profile on this machine's loopback: PostgreSQL, Redis, Azurite (media blobs), two
# backend silos and two gateways, each its own process. See deploy/README.md.
#
#   local-cluster.sh start    build (incremental), start everything, print the addresses when ready
#   local-cluster.sh stop     stop every process this script started (PostgreSQL, Redis, Azurite too,
#                             when it was this script that started them)
#   local-cluster.sh status   what runs; exit 0 when all of it does, 3 otherwise
#
# start prints, once everything serves:
#   gateway http://127.0.0.1:5080
#   gateway http://127.0.0.1:5081
#   dashboard http://127.0.0.1:8081/dashboard/
# start is idempotent: when the cluster already runs it prints the same lines again.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
STATE="${CHATORLEANS_CLUSTER_DIR:-${TMPDIR:-/tmp}/chatorleans-local-cluster}"
CONFIGURATION="${CHATORLEANS_CONFIGURATION:-Release}"

# Ports, one per process; override any of them from the environment.
SILO_HTTP_PORTS=(${CHATORLEANS_SILO_HTTP_PORTS:-8081 8082})
SILO_PORTS=(${CHATORLEANS_SILO_PORTS:-11111 11112})
SILO_GATEWAY_PORTS=(${CHATORLEANS_SILO_GATEWAY_PORTS:-30000 30001})
GATEWAY_HTTP_PORTS=(${CHATORLEANS_GATEWAY_HTTP_PORTS:-5080 5081})

START_TIMEOUT="${CHATORLEANS_START_TIMEOUT:-180}"

SILO_DLL="$ROOT/Silo/bin/$CONFIGURATION/net10.0/ChatOrleans.Silo.dll"
# The production gateway: the client-only build (-p:EmbeddedSilo=false), without the grains.
GATEWAY_DLL="$ROOT/Gateway/bin/client-only/$CONFIGURATION/net10.0/ChatOrleans.Gateway.dll"

log() { echo "local-cluster.sh: $*" >&2; }

names() { echo silo-1 silo-2 gateway-1 gateway-2; }

pid_of() {
  local file="$STATE/$1.pid"
  [ -f "$file" ] && cat "$file" || true
}

# Running, and still the process this script started (not a recycled pid).
alive() {
  local pid
  pid=$(pid_of "$1")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "ChatOrleans"
}

http_port() {
  case "$1" in
    silo-1) echo "${SILO_HTTP_PORTS[0]}" ;;
    silo-2) echo "${SILO_HTTP_PORTS[1]}" ;;
    gateway-1) echo "${GATEWAY_HTTP_PORTS[0]}" ;;
    gateway-2) echo "${GATEWAY_HTTP_PORTS[1]}" ;;
  esac
}

port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

http_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" 2>/dev/null || true
}

postgres_running() {
  command -v pg_lsclusters >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | awk '$2 == "main" && $4 == "online"' | grep -q .
}

redis_running() {
  command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h 127.0.0.1 -p "${CHATORLEANS_REDIS_PORT:-6380}" ping 2>/dev/null || true)" = "PONG" ]
}

azurite_running() {
  (exec 3<>"/dev/tcp/127.0.0.1/${CHATORLEANS_AZURITE_PORT:-10100}") 2>/dev/null
}

print_addresses() {
  echo "gateway http://127.0.0.1:${GATEWAY_HTTP_PORTS[0]}"
  echo "gateway http://127.0.0.1:${GATEWAY_HTTP_PORTS[1]}"
  echo "dashboard http://127.0.0.1:${SILO_HTTP_PORTS[0]}/dashboard/"
}

# Settings that are secrets (passwords, the account key, the signing key), as NAME=value with the
# environment's Section__Key names. They reach each child through its environment, never its
# command line: any user of the machine reads a command line (ps, /proc/PID/cmdline), while a
# process's environment is readable by its owner alone.
SECRET_ENV=()

# launch NAME DLL ARGS...: detached, output to $STATE/NAME.log, pid to $STATE/NAME.pid; the
# child's environment gets SECRET_ENV (exported in the subshell only, so this shell keeps none).
launch() {
  local name=$1 dll=$2
  shift 2
  mkdir -p "$STATE/$name"
  # Its own session (setsid), so a closed terminal does not take it down; the pid stays the same.
  local detach=()
  command -v setsid >/dev/null 2>&1 && detach=(setsid)
  (
    cd "$STATE/$name"
    local setting
    for setting in "${SECRET_ENV[@]}"; do
      export "${setting?}"
    done
    exec "${detach[@]}" dotnet "$dll" "$@" >"$STATE/$name.log" 2>&1 </dev/null
  ) &
  local pid=$! tries=0
  echo "$pid" >"$STATE/$name.pid"
  # Until the subshell has exec'd dotnet its command line is this script's, which alive would
  # take for a recycled pid: wait (briefly) for the exec.
  while [ "$tries" -lt 100 ] && kill -0 "$pid" 2>/dev/null \
    && ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "ChatOrleans"; do
    sleep 0.02
    tries=$((tries + 1))
  done
}

# The checks wait_for runs.
answers() {
  [ "$(http_status "$@")" = 200 ]
}

# Serving through the grains: a login of nobody is refused (401) only once the cluster answers.
serves() {
  [ "$(http_status -X POST -H 'content-type: application/json' \
    -d '{"username":"nobody","password":"nobody-at-all"}' "$1/api/v1/auth/login")" = 401 ]
}

# wait_for NAME WHAT CHECK ARGS...: until CHECK ARGS succeeds; fails when NAME exits or time runs out.
wait_for() {
  local name=$1 what=$2
  shift 2
  local deadline=$((SECONDS + START_TIMEOUT))
  until "$@"; do
    if ! alive "$name"; then
      log "$name exited while starting; the end of $STATE/$name.log:"
      tail -n 30 "$STATE/$name.log" >&2 || true
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$name: no $what within ${START_TIMEOUT}s; see $STATE/$name.log"
      exit 1
    fi
    sleep 0.5
  done
}

start() {
  mkdir -p "$STATE"
  if alive silo-1 && alive silo-2 && alive gateway-1 && alive gateway-2; then
    log "already running (state in $STATE)"
    print_addresses
    return
  fi
  if [ -n "$(for n in $(names); do alive "$n" && echo "$n"; done)" ]; then
    log "part of an earlier cluster still runs: stopping it first"
    stop_processes
  fi

  command -v curl >/dev/null 2>&1 || { log "curl is needed"; exit 1; }
  command -v dotnet >/dev/null 2>&1 || { log "the .NET SDK (dotnet) is needed; see global.json"; exit 1; }
  for port in "${SILO_HTTP_PORTS[@]}" "${SILO_PORTS[@]}" "${SILO_GATEWAY_PORTS[@]}" "${GATEWAY_HTTP_PORTS[@]}"; do
    if port_taken "$port"; then
      log "port $port is in use; choose others (see deploy/README.md)"
      exit 1
    fi
  done

  if [ "${CHATORLEANS_NO_BUILD:-0}" != "1" ]; then
    log "building Silo and Gateway ($CONFIGURATION)"
    dotnet build "$ROOT/Silo/Silo.csproj" -c "$CONFIGURATION" --nologo -v quiet >"$STATE/build.log" 2>&1 \
      || { tail -n 30 "$STATE/build.log" >&2; exit 1; }
    dotnet build "$ROOT/Gateway/Gateway.csproj" -c "$CONFIGURATION" -p:EmbeddedSilo=false --nologo -v quiet >>"$STATE/build.log" 2>&1 \
      || { tail -n 30 "$STATE/build.log" >&2; exit 1; }
  fi
  [ -f "$SILO_DLL" ] && [ -f "$GATEWAY_DLL" ] || { log "missing $SILO_DLL or $GATEWAY_DLL"; exit 1; }

  # The services: installed from Debian's packages when missing. Remember which ones this
  # script started, so that stop leaves alone what was running before.
  if ! postgres_running; then
    "$ROOT/deploy/services/postgres.sh" start
    touch "$STATE/postgres.started"
  fi
  if ! redis_running; then
    "$ROOT/deploy/services/redis.sh" start
    touch "$STATE/redis.started"
  fi
  if ! azurite_running; then
    "$ROOT/deploy/services/azurite.sh" start
    touch "$STATE/azurite.started"
  fi
  local postgres redis azurite
  postgres=$("$ROOT/deploy/services/postgres.sh" url)
  redis=$("$ROOT/deploy/services/redis.sh" url)
  azurite=$("$ROOT/deploy/services/azurite.sh" url)

  # A fresh ClusterId per start: the rows of dead silos of earlier runs stay in Redis under theirs.
  local cluster_id="local-$(date +%Y%m%d%H%M%S)"
  echo "$cluster_id" >"$STATE/cluster-id"

  # One token signing key for both gateways, kept across restarts so tokens stay valid.
  if [ ! -s "$STATE/signing.key" ]; then
    (umask 077 && head -c 32 /dev/urandom | base64 >"$STATE/signing.key")
  fi

  # The connection strings carry the PostgreSQL password and the Azure account key.
  local secrets=(
    "Orleans__Redis=$redis"
    "Orleans__Postgres=$postgres"
    "Media__Azure__ConnectionString=$azurite"
  )
  local common=(
    --Orleans:Profile=Production
    "--Orleans:ClusterId=$cluster_id"
    # Browsers on the gateways' pages PUT and GET media blobs straight from Azurite.
    "--Media:Azure:CorsOrigins:0=http://127.0.0.1:${GATEWAY_HTTP_PORTS[0]}"
    "--Media:Azure:CorsOrigins:1=http://127.0.0.1:${GATEWAY_HTTP_PORTS[1]}"
    --Orleans:AdvertisedIp=127.0.0.1
    --Orleans:Membership:ProbeTimeout=00:00:02
    --Orleans:Membership:NumMissedProbesLimit=2
    --Orleans:Messaging:ResponseTimeout=00:00:10
  )

  log "cluster $cluster_id: starting two silos (logs in $STATE)"
  local i
  SECRET_ENV=("${secrets[@]}")
  for i in 0 1; do
    # shellcheck disable=SC2086
    launch "silo-$((i + 1))" "$SILO_DLL" "${common[@]}" \
      "--Orleans:SiloPort=${SILO_PORTS[$i]}" "--Orleans:GatewayPort=${SILO_GATEWAY_PORTS[$i]}" \
      "--urls=http://127.0.0.1:${SILO_HTTP_PORTS[$i]}" ${CHATORLEANS_SILO_ARGS:-}
  done
  for i in 0 1; do
    wait_for "silo-$((i + 1))" "/healthz" answers "http://127.0.0.1:${SILO_HTTP_PORTS[$i]}/healthz"
  done

  log "starting two gateways"
  SECRET_ENV=("${secrets[@]}" "Auth__SigningKey=$(cat "$STATE/signing.key")")
  for i in 0 1; do
    # shellcheck disable=SC2086
    # A gateway is a cluster client: it listens on no Orleans port, only on its HTTP one.
    launch "gateway-$((i + 1))" "$GATEWAY_DLL" "${common[@]}" \
      "--urls=http://127.0.0.1:${GATEWAY_HTTP_PORTS[$i]}" \
      "--contentRoot=$ROOT/Gateway" "--Storage:DataDirectory=$STATE/gateway-$((i + 1))/data" \
      ${CHATORLEANS_GATEWAY_ARGS:-}
  done
  for i in 0 1; do
    local base="http://127.0.0.1:${GATEWAY_HTTP_PORTS[$i]}"
    wait_for "gateway-$((i + 1))" "/healthz" answers "$base/healthz"
    wait_for "gateway-$((i + 1))" "answer from the grains" serves "$base"
  done
  SECRET_ENV=()
  wait_for silo-1 "dashboard" answers "http://127.0.0.1:${SILO_HTTP_PORTS[0]}/dashboard/"

  print_addresses
}

stop_processes() {
  local name pid
  for name in gateway-2 gateway-1 silo-2 silo-1; do
    if alive "$name"; then
      kill -TERM "$(pid_of "$name")" 2>/dev/null || true
    fi
  done
  local deadline=$((SECONDS + 20))
  for name in $(names); do
    while alive "$name" && [ "$SECONDS" -lt "$deadline" ]; do
      sleep 0.2
    done
    if alive "$name"; then
      pid=$(pid_of "$name")
      log "$name ($pid) did not stop in time: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$STATE/$name.pid"
  done
}

stop() {
  [ -d "$STATE" ] || return 0
  stop_processes
  if [ -f "$STATE/redis.started" ]; then
    "$ROOT/deploy/services/redis.sh" stop
    rm -f "$STATE/redis.started"
  fi
  if [ -f "$STATE/azurite.started" ]; then
    "$ROOT/deploy/services/azurite.sh" stop
    rm -f "$STATE/azurite.started"
  fi
  if [ -f "$STATE/postgres.started" ]; then
    "$ROOT/deploy/services/postgres.sh" stop
    rm -f "$STATE/postgres.started"
  fi
  log "stopped"
}

status() {
  local name all=0 port
  for name in $(names); do
    port=$(http_port "$name")
    if alive "$name"; then
      echo "$name running (pid $(pid_of "$name")) http://127.0.0.1:$port"
    else
      echo "$name stopped"
      all=3
    fi
  done
  if postgres_running; then echo "postgresql running"; else echo "postgresql stopped"; all=3; fi
  if azurite_running; then echo "azurite running"; else echo "azurite stopped"; all=3; fi
  if redis_running; then echo "redis running"; else echo "redis stopped"; all=3; fi
  [ -f "$STATE/cluster-id" ] && echo "cluster id $(cat "$STATE/cluster-id")"
  return $all
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
