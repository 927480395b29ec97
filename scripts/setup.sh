#!/usr/bin/env bash
# One-time machine setup: the system packages the project needs, then `npm ci`.
# As root it installs what is missing (Debian/Ubuntu apt); otherwise it prints exactly what
# is missing and the command to install it. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(libsecret-1-dev gnome-keyring libglib2.0-bin dbus dbus-x11 chromium xvfb openjdk-17-jre-headless maven build-essential python3)
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${PKGS[@]}"; do
    # A JDK/JRE 17 or Maven from elsewhere (sdkman, Temurin) is fine too.
    case "$p" in
      openjdk-17-jre-headless) java -version 2>&1 | grep -q '"17\.' && continue ;;
      maven) command -v mvn >/dev/null && continue ;;
    esac
    have_pkg "$p" || missing+=("$p")
  done
else
  echo "setup: not a Debian-based system; install the equivalents of: ${PKGS[*]}" >&2
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages: ${missing[*]}" >&2
    echo "setup: run: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<11)) { console.error("setup: Node >= 20.11 needed, found "+process.version); process.exit(1) }'

# Electron >= 45 fetches its binary lazily, not at install: npm ci works offline from GitHub.
npm ci --no-audit --no-fund

# The Cassandra jars from Maven Central, cached in .cassandra/lib for every later start.
node scripts/cassandra/node.mjs fetch
echo "setup: done"
