#!/usr/bin/env node
// `npm run bench`: prints one JSON document of measured figures, each next to its floor or
// baseline measured in the same run, as a ratio. Nothing here asserts a time.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync('bash', [join(root, 'scripts', 'with-keyring.sh'), 'npx', 'tsx', join(root, 'scripts', 'bench', 'run.ts'), ...process.argv.slice(2)], {
  cwd: root,
  // Memory figures are taken after a forced collection.
  env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --expose-gc`.trim() },
  stdio: ['ignore', 'inherit', 'inherit'],
});
process.exit(r.status ?? 1);
