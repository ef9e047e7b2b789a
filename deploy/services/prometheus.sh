#!/usr/bin/env bash
# Prometheus for the tests that check what a real scraper reads from /metrics.
#
#   prometheus.sh install   install Debian's prometheus when missing (needs root)
#   prometheus.sh path      print the server binary
#
# The tests start their own server with their own configuration, port and data folder, and
# stop it; nothing runs between tests. Debian's package also installs a systemd unit, which a
# machine without systemd (a container, CI) never starts.
set -euo pipefail

SERVICE="prometheus.sh"
# shellcheck source=deploy/services/lib.sh
. "$(dirname "$0")/lib.sh"

ensure_installed() {
  if command -v prometheus >/dev/null 2>&1; then
    return
  fi
  apt_install Prometheus --no-install-recommends prometheus
}

case "${1:-}" in
  install) ensure_installed ;;
  path) ensure_installed; command -v prometheus ;;
  *) echo "usage: $0 install|path" >&2; exit 2 ;;
esac
