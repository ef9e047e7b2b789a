#!/usr/bin/env bash
# The test command: builds the solution, starts what the tests need, runs every test and prints
# one line "N passed, M failed". Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

results="$(pwd)/TestResults"
rm -rf "$results"
mkdir -p "$results"

dotnet build ChatOrleans.sln -c Release --nologo -v quiet

# The production gateway (a cluster client without the grains) is its own build of Gateway/, in
# Gateway/bin/client-only/: the multi-process tests run it, and a test reads its dependencies.
dotnet build Gateway/Gateway.csproj -c Release -p:EmbeddedSilo=false --nologo -v quiet

# The style of .editorconfig: layout, usings, naming and the analyzers' fixes. The build already
# fails on their warnings; this also catches what only the formatter sees (whitespace, imports).
dotnet format ChatOrleans.sln --verify-no-changes --no-restore -v quiet

# The PostgreSQL tests need a server; without CHATORLEANS_TEST_POSTGRES they fail on purpose.
deploy/services/postgres.sh start
export CHATORLEANS_TEST_POSTGRES="$(deploy/services/postgres.sh url)"

# The multi-process cluster tests (Tests/Cluster) also need Redis for cluster membership.
deploy/services/redis.sh start
export CHATORLEANS_TEST_REDIS="$(deploy/services/redis.sh url)"

# The media tests of the Azure Blob store run against Azurite (npm), installed when missing.
deploy/services/azurite.sh start
export CHATORLEANS_TEST_AZURITE="$(deploy/services/azurite.sh url)"

# The observability tests check what a real Prometheus (Debian's) scrapes from /metrics.
export CHATORLEANS_TEST_PROMETHEUS="$(deploy/services/prometheus.sh path)"

# Video poster frames come from ffmpeg; the media tests make a real MP4 with it.
if ! command -v ffmpeg > /dev/null; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg > /dev/null
  else
    echo "ffmpeg is missing and this is not root: the video tests will fail (apt-get install -y ffmpeg)" >&2
  fi
fi

# The browser tests (Tests/Browser) drive Debian's Chromium with playwright-core from npm.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  else
    echo "chromium is missing and this is not root: the browser tests will fail (apt-get install -y chromium)" >&2
  fi
fi
(cd Tests/Browser && npm ci --no-audit --no-fund --loglevel=error)

status=0
dotnet test Tests/Tests.csproj -c Release --no-build --nologo \
  --logger "trx;LogFileName=results.trx" --results-directory "$results" \
  --blame-hang-timeout 5m || status=$?

trx="$results/results.trx"
if [ -f "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  passed=$(echo "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')
  failed=$(echo "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')
  total=$(echo "$counters" | sed -n 's/.* total="\([0-9]*\)".*/\1/p')
  executed=$(echo "$counters" | sed -n 's/.* executed="\([0-9]*\)".*/\1/p')
  skipped=$(( ${total:-0} - ${executed:-0} ))
  echo "${passed:-0} passed, ${failed:-0} failed, ${skipped} skipped"
  if [ "${failed:-0}" != "0" ] || [ "${passed:-0}" = "0" ]; then
    status=1
  fi
else
  echo "0 passed, 1 failed"
  status=1
fi
exit "$status"
