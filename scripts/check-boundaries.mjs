#!/usr/bin/env node
// Keeps process boundaries honest (DESIGN §7): which folder may import what.
//   node scripts/check-boundaries.mjs [--root DIR]     exit 0 clean, 1 violations
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ADAPTERS = {
  electron: ['src-main/electron/'],
  'cassandra-driver': ['src-main/cassandra/'],
  keytar: ['src-main/secrets/keytar-store.ts'],
  'better-sqlite3': ['src-main/store/db.ts'],
};
const SHARED_ALLOWED = new Set(['zod']);
const RENDERER_ALLOWED = new Set(['react', 'react-dom', 'react-dom/client', 'react/jsx-runtime', 'zustand', 'zustand/middleware', 'zod']);

const IMPORT_RE = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/gm;

export function importsOf(text) {
  const out = [];
  for (const m of text.matchAll(IMPORT_RE)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4]);
  return out;
}

function walk(dir, acc = []) {
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return acc;
  }
  for (const e of entries) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, acc);
    else if (/\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(e)) acc.push(p);
  }
  return acc;
}

const bare = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

export function check(root) {
  const problems = [];
  for (const area of ['src-shared', 'src-renderer', 'src-main']) {
    for (const file of walk(join(root, area))) {
      const rel = relative(root, file).split(sep).join('/');
      // Build configuration runs in Node at build time, not in the renderer.
      if (/\/vite\.config\.[cm]?[jt]s$/.test(rel)) continue;
      for (const spec of importsOf(readFileSync(file, 'utf8'))) {
        const relative_ = spec.startsWith('.');
        const resolved = relative_ ? join(rel, '..', spec).split(sep).join('/') : null;
        if (area === 'src-shared') {
          if (relative_ ? !resolved.startsWith('src-shared/') : !SHARED_ALLOWED.has(spec)) {
            problems.push(`${rel}: src-shared must stay pure (imports "${spec}")`);
          }
        } else if (area === 'src-renderer') {
          if (relative_ ? !(resolved.startsWith('src-renderer/') || resolved.startsWith('src-shared/')) : !(RENDERER_ALLOWED.has(spec))) {
            problems.push(`${rel}: the renderer may not import "${spec}"`);
          }
        } else {
          if (resolved?.startsWith('src-renderer/')) problems.push(`${rel}: main may not import renderer code ("${spec}")`);
          const owners = ADAPTERS[bare(spec)];
          if (owners && !owners.some((o) => rel === o || rel.startsWith(o))) {
            problems.push(`${rel}: only ${owners.join(', ')} may import "${bare(spec)}"`);
          }
        }
      }
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--root');
  const root = i > 0 ? process.argv[i + 1] : join(fileURLToPath(import.meta.url), '..', '..');
  const problems = check(root);
  for (const p of problems) process.stderr.write(`boundary: ${p}\n`);
  process.stdout.write(problems.length ? `${problems.length} boundary violation(s)\n` : 'process boundaries: clean\n');
  process.exit(problems.length ? 1 : 0);
}
