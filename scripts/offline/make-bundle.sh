#!/usr/bin/env bash
# On a CONNECTED machine: everything an air-gapped machine needs to install, build and test the
# console without any network — the source at HEAD, an npm cache holding every package the
# lockfile names (dev tools too: the build and the tests run offline as well), the Cassandra
# jars from Maven Central, the SBOM, and a SHA256SUMS over all of it.
#   bash scripts/offline/make-bundle.sh OUT_DIR
# Then carry OUT_DIR across (tar it, burn it) and run scripts/offline/install.sh on the other side.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:?usage: make-bundle.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
if [ -n "$(ls -A "$out")" ]; then echo "make-bundle: $out is not empty" >&2; exit 2; fi

echo "make-bundle: source at $(git -C "$root" rev-parse --short HEAD)"
git -C "$root" archive --format=tar.gz -o "$out/source.tar.gz" HEAD
git -C "$root" rev-parse HEAD > "$out/COMMIT"

echo "make-bundle: npm cache (every package in package-lock.json)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -xzf "$out/source.tar.gz" -C "$work"
# --ignore-scripts: only the tarballs are wanted here; native builds happen on the target.
(cd "$work" && npm ci --cache "$out/npm-cache" --ignore-scripts --no-audit --no-fund --loglevel=error)

echo "make-bundle: Cassandra jars (Maven Central)"
(cd "$root" && node scripts/cassandra/node.mjs fetch >/dev/null)
cp -r "$root/.cassandra/lib" "$out/cassandra-lib"

echo "make-bundle: SBOM"
(cd "$work" && node_modules/.bin/cyclonedx-npm --omit dev --output-reproducible --output-format JSON --output-file "$out/sbom.cdx.json" -- package.json 2>/dev/null) \
  || echo "make-bundle: SBOM skipped (cyclonedx-npm failed); npm run release:manifest makes one after a build" >&2

(cd "$out" && find . -type f ! -name SHA256SUMS -print0 | LC_ALL=C sort -z | xargs -0 sha256sum > SHA256SUMS)
echo "make-bundle: done — $(du -sh "$out" | cut -f1) in $out ($(wc -l < "$out/SHA256SUMS") files, SHA256SUMS)"
