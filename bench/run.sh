#!/usr/bin/env bash
# The benchmark command: ./bench/run.sh quick|full
#
# Builds the chat server, the load generator and the two baselines in Release, runs the six scenarios with the
# mode's sizes (each on a fresh server process), writes bench/results/<timestamp>-<mode>.json and regenerates
# docs/benchmarks.md from every result file. quick finishes in under ten minutes on two cores; full asks for the
# issue's sizes and takes about an hour. Not a test: CI does not run it (Tests/Bench has a seconds-long smoke test).
#
# Environment (all optional):
#   BENCH_SCALE=1            multiplies every count (devices, members, chats, rates); 0.05 for a pipeline check
#   BENCH_SCENARIOS=steady,fanout,throughput,connections,storm,sender   (a comma-separated subset; all by default)
#   BENCH_STEP_SECONDS=N     seconds per measured step (default: 5 quick, 20 full), also the connections scenario's idle hold
#   BENCH_NO_BASELINES=1     skip the bare WebSocket and SignalR baselines
#   BENCH_SERVER_ARGS="..."  extra arguments for every chat server process (configuration overrides)
#   BENCH_STORES=embedded,postgres   stores for scenario 3 (the default runs both)
#   BENCH_POSTGRES_ARGS="..." server arguments that select PostgreSQL (default: --Orleans:Postgres={connection}, the
#                            embedded profile on PostgreSQL); "{connection}" is replaced by a connection string to a
#                            local database this script creates (PostgreSQL 15 is installed and started if needed)
#   BENCH_NO_REPORT=1        do not touch docs/benchmarks.md
set -euo pipefail

mode="${1:-quick}"
case "$mode" in
  quick | full) ;;
  *) echo "usage: $0 quick|full" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
repo="$(pwd)"
scale="${BENCH_SCALE:-1}"
stamp="$(date -u +%Y%m%d-%H%M%S)"
results="$repo/bench/results"
out="$results/$stamp-$mode.json"
mkdir -p "$results"

# --- what the run needs -----------------------------------------------------------------------------------------
if ! command -v dotnet > /dev/null; then
  echo "The .NET SDK is needed (version in global.json); it is not on PATH." >&2
  exit 1
fi
if ! command -v git > /dev/null && command -v apt-get > /dev/null; then
  apt-get update -qq && apt-get install -y -qq git > /dev/null
fi

# Every socket is a file: take as many as this shell may (the hard limit, or more where privileged).
for n in 1048576 262144 131072; do
  if ulimit -n "$n" 2> /dev/null; then break; fi
done
ulimit -n "$(ulimit -Hn)" 2> /dev/null || true
echo "open files per process: $(ulimit -n) (hard $(ulimit -Hn))"

pg_args=""
stores="${BENCH_STORES:-embedded,postgres}"
BENCH_POSTGRES_ARGS="${BENCH_POSTGRES_ARGS-"--Orleans:Postgres={connection}"}"
if [[ ",$stores," == *",postgres,"* ]]; then
  if [ -n "${BENCH_POSTGRES_ARGS:-}" ]; then
    if ! command -v pg_ctlcluster > /dev/null; then
      apt-get update -qq && apt-get install -y -qq postgresql > /dev/null
    fi
    cluster="$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')"
    # shellcheck disable=SC2086
    pg_ctlcluster $cluster start 2> /dev/null || true
    port="$(pg_lsclusters -h | awk 'NR==1 {print $3}')"
    su postgres -c "psql -q -p $port -c \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='chatbench') THEN CREATE ROLE chatbench LOGIN PASSWORD 'chatbench'; END IF; END \\\$\\\$;\""
    db="chatbench_${stamp//-/_}"
    su postgres -c "psql -q -p $port -c 'CREATE DATABASE $db OWNER chatbench'"
    connection="Host=127.0.0.1;Port=$port;Database=$db;Username=chatbench;Password=chatbench"
    pg_args="${BENCH_POSTGRES_ARGS//\{connection\}/$connection}"
  else
    echo "BENCH_STORES has postgres but BENCH_POSTGRES_ARGS is empty: scenario 3 on PostgreSQL will report why it did not run." >&2
  fi
fi

# --- build ------------------------------------------------------------------------------------------------------
for project in Gateway/Gateway.csproj bench/LoadGen/LoadGen.csproj \
  bench/Baselines/BareWebSocketServer/BareWebSocketServer.csproj bench/Baselines/SignalRHubServer/SignalRHubServer.csproj; do
  dotnet build "$project" -c Release --nologo -v quiet
done

# --- run --------------------------------------------------------------------------------------------------------
args=(run --mode "$mode" --scale "$scale" --out "$out" --repo "$repo")
[ -n "${BENCH_SCENARIOS:-}" ] && args+=(--scenarios "$BENCH_SCENARIOS")
[ -n "${BENCH_STEP_SECONDS:-}" ] && args+=(--step-seconds "$BENCH_STEP_SECONDS")
[ -n "${BENCH_NO_BASELINES:-}" ] && args+=(--no-baselines)
args+=(--stores "$stores")
[ -n "$pg_args" ] && args+=(--postgres-args "$pg_args")
for a in ${BENCH_SERVER_ARGS:-}; do args+=(--server-arg "$a"); done

loadgen="$repo/bench/LoadGen/bin/Release/net10.0/ChatOrleans.LoadGen.dll"
status=0
dotnet "$loadgen" "${args[@]}" || status=$?

# The run's database has served its purpose: its numbers are in the results file.
if [ -n "${db:-}" ]; then
  su postgres -c "psql -q -p $port -c 'DROP DATABASE IF EXISTS $db WITH (FORCE)'" || true
fi

if [ -z "${BENCH_NO_REPORT:-}" ] && [ -f "$out" ]; then
  dotnet "$loadgen" report --results "$results" --out "$repo/docs/benchmarks.md" --repo "$repo"
fi
echo "results: $out"
exit "$status"
