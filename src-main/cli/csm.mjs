#!/usr/bin/env node
// `csm` launcher. In the repository it runs the TypeScript sources through tsx, so a
// checkout never runs a stale build; an installed package runs the bundled dist/cli/csm.cjs.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'main.ts');
const bundled = join(here, '..', '..', 'dist', 'cli', 'csm.cjs');

if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else if (existsSync(bundled)) {
  createRequire(import.meta.url)(bundled);
} else {
  process.stderr.write('csm: neither the sources nor the bundled CLI were found; run "npm run build"\n');
  process.exit(1);
}
