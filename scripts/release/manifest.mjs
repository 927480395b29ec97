#!/usr/bin/env node
// `npm run release:manifest` — after `npm run build` (and electron-builder, where it can run):
//   release/sbom.cdx.json   CycloneDX 1.6 SBOM of what ships (production dependencies), made by
//                           @cyclonedx/cyclonedx-npm from the lockfile-installed tree
//   release/SHA256SUMS      sha256 of every shipped file: dist/**, the SBOM, and any installer
//                           electron-builder left in release/ — `sha256sum -c SHA256SUMS` checks it
// Nothing here reaches the network. Usage: node scripts/release/manifest.mjs [--out DIR]
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const out = outIdx >= 0 ? args[outIdx + 1] : join(root, 'release');
if (!out) {
  console.error('manifest: --out needs a directory');
  process.exit(2);
}
if (!existsSync(join(root, 'dist', 'main', 'main.cjs'))) {
  console.error('manifest: dist/ is missing or incomplete — run `npm run build` first');
  process.exit(1);
}
mkdirSync(out, { recursive: true });

// 1. SBOM. --omit dev: the SBOM describes what ships, not the toolchain. Reproducible: no
// serial number or timestamp churn between two runs over the same lockfile.
const sbomPath = join(out, 'sbom.cdx.json');
const bin = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'cyclonedx-npm.cmd' : 'cyclonedx-npm');
const r = spawnSync(bin, ['--omit', 'dev', '--output-reproducible', '--output-format', 'JSON', '--output-file', sbomPath, '--', join(root, 'package.json')], { cwd: root, encoding: 'utf8' });
if (r.status !== 0) {
  console.error(`manifest: cyclonedx-npm failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
  process.exit(1);
}
const sbom = JSON.parse(readFileSync(sbomPath, 'utf8'));

// 2. Checksums, paths relative to the repository root so `sha256sum -c` runs from there.
function walk(dir) {
  const files = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) files.push(...walk(p));
    else if (s.isFile()) files.push(p);
  }
  return files;
}
const shipped = [...walk(join(root, 'dist')), sbomPath];
// Installers electron-builder wrote (release/ is its output directory); not our own outputs.
if (existsSync(join(root, 'release'))) {
  for (const f of walk(join(root, 'release'))) {
    if (/\.(AppImage|deb|rpm|exe|dmg|zip|blockmap)$/.test(f) && !shipped.includes(f)) shipped.push(f);
  }
}
const lines = shipped.map((f) => `${createHash('sha256').update(readFileSync(f)).digest('hex')}  ${relative(root, f).split(sep).join('/')}`);
const sumsPath = join(out, 'SHA256SUMS');
writeFileSync(sumsPath, lines.join('\n') + '\n');

process.stdout.write(
  JSON.stringify(
    {
      sbom: relative(root, sbomPath),
      specVersion: sbom.specVersion,
      components: sbom.components?.length ?? 0,
      checksums: relative(root, sumsPath),
      files: lines.length,
    },
    null,
    2,
  ) + '\n',
);
