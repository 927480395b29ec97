#!/usr/bin/env bash
# On the AIR-GAPPED machine: verify a bundle made by make-bundle.sh and install from it with no
# network at all (npm runs --offline against the bundle's cache; the Cassandra jars are copied
# where the node scripts look for them, so nothing is fetched from Maven).
#   bash install.sh BUNDLE_DIR TARGET_DIR
# The Debian packages scripts/setup.sh lists (libsecret-1-dev, gnome-keyring, dbus, chromium,
# openjdk-17-jre-headless, build-essential …) come from the site's own Debian mirror.
set -euo pipefail
bundle="$(cd "${1:?usage: install.sh BUNDLE_DIR TARGET_DIR}" && pwd)"
target="${2:?usage: install.sh BUNDLE_DIR TARGET_DIR}"

echo "install: verifying $bundle/SHA256SUMS"
(cd "$bundle" && sha256sum -c --quiet --strict SHA256SUMS) || { echo "install: the bundle does not match its checksums — refusing" >&2; exit 1; }

mkdir -p "$target"
target="$(cd "$target" && pwd)"
if [ -e "$target/package.json" ]; then echo "install: $target already holds a checkout" >&2; exit 2; fi
tar -xzf "$bundle/source.tar.gz" -C "$target"

echo "install: npm ci --offline"
(cd "$target" && npm_config_offline=true npm ci --cache "$bundle/npm-cache" --no-audit --no-fund --loglevel=error)

mkdir -p "$target/.cassandra"
cp -r "$bundle/cassandra-lib" "$target/.cassandra/lib"
echo "install: done. In $target: npm start (console) or npm test (whole suite; keep npm_config_offline=true in the environment)."
