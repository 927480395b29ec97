#!/usr/bin/env node
// `npm start`: build, then launch the Electron console. Where the Electron binary cannot be had
// (no download possible, as on our build machines), say so in one line and serve the very same
// console through the loopback web host instead, printing its URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = join(root, 'node_modules', 'electron');
const passthrough = process.argv.slice(2);

function electronBinary() {
  const pathFile = join(electronDir, 'path.txt');
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return join(process.env.ELECTRON_OVERRIDE_DIST_PATH, existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : 'electron');
  if (existsSync(pathFile)) {
    const p = join(electronDir, 'dist', readFileSync(pathFile, 'utf8'));
    if (existsSync(p)) return p;
  }
  // Electron >= 45 downloads its binary on first use (honours ELECTRON_MIRROR / the cache).
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  if (r.status === 0 && existsSync(pathFile)) {
    const p = join(electronDir, 'dist', readFileSync(pathFile, 'utf8'));
    if (existsSync(p)) return p;
  }
  return null;
}

const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);

const bin = electronBinary();
const child = bin
  ? spawn(bin, [root, ...passthrough], { stdio: 'inherit', cwd: root })
  : (process.stderr.write('Electron binary not available on this machine (download failed); serving the console through the loopback web host instead.\n'),
    spawn(process.execPath, [join(root, 'src-main', 'cli', 'csm.mjs'), 'serve', ...passthrough], { stdio: 'inherit', cwd: root }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
