#!/usr/bin/env bash
# Run a command with a private, unlocked gnome-keyring on its own D-Bus session, so that
# tests use the real OS keychain (Secret Service) without touching the user's own keyring.
# Usage: scripts/with-keyring.sh CMD [ARGS…]
set -euo pipefail
if [ -z "${CSM_KEYRING_READY:-}" ]; then
  for bin in dbus-run-session gnome-keyring-daemon; do
    command -v "$bin" >/dev/null || { echo "with-keyring: $bin is missing: run 'npm run setup' (as root) first" >&2; exit 3; }
  done
  exec dbus-run-session -- env CSM_KEYRING_READY=1 bash "$0" "$@"
fi
XDG_DATA_HOME=$(mktemp -d -t csm-keyring-XXXXXX)
export XDG_DATA_HOME
trap 'rm -rf "$XDG_DATA_HOME"' EXIT
# A fresh keyring directory means --unlock creates the login keyring with this password.
printf '%s' csm-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$@"
