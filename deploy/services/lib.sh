# The pieces the scripts of deploy/services share; each sources it after setting SERVICE (its
# name in messages). Not a script of its own.

log() { echo "$SERVICE: $*" >&2; }

# require_number NAME VALUE: stop with the usage exit code unless VALUE (of variable NAME) is a port number.
require_number() {
  if [[ ! "$2" =~ ^[0-9]+$ ]]; then
    echo "$SERVICE: $1 must be a number" >&2
    exit 2
  fi
}

# apt_install WHAT PACKAGE...: install Debian's packages of WHAT, which needs root; the package
# lists are refreshed only when the first try fails (a fresh container has none).
apt_install() {
  local what="$1"
  shift
  if [ "$(id -u)" != "0" ]; then
    log "$what not installed and installing needs root (apt-get install -y $*)"
    exit 1
  fi
  log "installing $what"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q "$@" >/dev/null; then
    apt-get update -q >/dev/null
    apt-get install -y -q "$@" >/dev/null
  fi
}

# wait_until TRIES PAUSE COMMAND...: succeed as soon as COMMAND does, trying TRIES times PAUSE
# seconds apart; fail when it never did.
wait_until() {
  local tries="$1" pause="$2"
  shift 2
  for _ in $(seq 1 "$tries"); do
    if "$@"; then
      return 0
    fi
    sleep "$pause"
  done
  return 1
}

# run_command "$@": the commands of a service that runs (start, stop, url), by the script's first argument.
run_command() {
  case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) url ;;
    *)
      echo "usage: $0 start|stop|url" >&2
      exit 2
      ;;
  esac
}
