#!/usr/bin/env bash
# PostgreSQL for the production profile and the tests, on this machine.
#
#   postgres.sh start   install when missing, start the cluster, create the role and database
#   postgres.sh stop    stop the cluster
#   postgres.sh url     print the Npgsql connection string
#
# Idempotent: start twice is fine. Installing needs root (CI runs as root); the rest runs psql as
# the postgres OS user. The password is for a loopback-only development and CI server: override
# it with CHATORLEANS_PG_PASSWORD anywhere that matters. The role may create databases because the
# tests create a fresh one per test and drop it afterwards.
set -euo pipefail

SERVICE="postgres.sh"
# shellcheck source=deploy/services/lib.sh
. "$(dirname "$0")/lib.sh"

ROLE="${CHATORLEANS_PG_USER:-chatorleans}"
DATABASE="${CHATORLEANS_PG_DATABASE:-chatorleans}"
PASSWORD="${CHATORLEANS_PG_PASSWORD:-chatorleans-dev}"
CLUSTER="main"

for value in "$ROLE" "$DATABASE" "$PASSWORD"; do
  # They go into SQL and the connection string as they are.
  if [[ ! "$value" =~ ^[A-Za-z0-9_.-]+$ ]]; then
    echo "postgres.sh: role, database and password may hold only letters, digits, '_', '.', '-'" >&2
    exit 2
  fi
done

as_postgres() {
  if [ "$(id -un)" = "postgres" ]; then
    "$@"
  elif [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    sudo -n -u postgres -- "$@"
  fi
}

ensure_installed() {
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    return
  fi
  apt_install PostgreSQL postgresql
}

# The newest installed server version that has (or gets) a cluster named main.
version() {
  local v
  v=$( (pg_lsclusters -h 2>/dev/null || true) | awk -v c="$CLUSTER" '$2 == c { print $1 }' | sort -V | tail -1)
  if [ -z "$v" ]; then
    v=$( (ls /usr/lib/postgresql 2>/dev/null || true) | sort -V | tail -1)
  fi
  if [ -z "$v" ]; then
    log "no PostgreSQL server version found under /usr/lib/postgresql"
    exit 1
  fi
  echo "$v"
}

# One field of this cluster's pg_lsclusters line: 3 = port, 4 = status.
cluster_field() {
  (pg_lsclusters -h 2>/dev/null || true) | awk -v v="$1" -v c="$CLUSTER" -v f="$2" '$1 == v && $2 == c { print $f }'
}

start() {
  ensure_installed
  local v port
  v=$(version)
  if [ -z "$(cluster_field "$v" 3)" ]; then
    log "creating cluster $v/$CLUSTER"
    pg_createcluster "$v" "$CLUSTER" >/dev/null
  fi
  if [ "$(cluster_field "$v" 4)" != "online" ]; then
    log "starting cluster $v/$CLUSTER"
    pg_ctlcluster "$v" "$CLUSTER" start
  fi
  port=$(cluster_field "$v" 3)

  wait_until 60 0.5 pg_isready -q -h 127.0.0.1 -p "$port" || { log "cluster $v/$CLUSTER did not accept connections on port $port"; exit 1; }

  as_postgres psql -q -X -p "$port" -v ON_ERROR_STOP=1 -d postgres <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE "$ROLE" LOGIN CREATEDB PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE "$ROLE" LOGIN CREATEDB PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SQL
  if [ -z "$(as_postgres psql -X -tA -p "$port" -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" ]; then
    as_postgres createdb -p "$port" -O "$ROLE" "$DATABASE"
  fi
  log "cluster $v/$CLUSTER is up on 127.0.0.1:$port with database $DATABASE"
}

stop() {
  command -v pg_ctlcluster >/dev/null 2>&1 || return 0
  local v
  v=$(version)
  if [ "$(cluster_field "$v" 4)" = "online" ]; then
    pg_ctlcluster "$v" "$CLUSTER" stop
  fi
}

url() {
  local port=5432
  if command -v pg_lsclusters >/dev/null 2>&1; then
    port=$(cluster_field "$(version)" 3)
    port=${port:-5432}
  fi
  echo "Host=127.0.0.1;Port=$port;Username=$ROLE;Password=$PASSWORD;Database=$DATABASE"
}

run_command "$@"
