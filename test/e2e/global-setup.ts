import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The renderer must be built before any test starts a web host. */
export default function globalSetup(): void {
  const index = resolve(import.meta.dirname, '..', '..', 'dist', 'renderer', 'index.html');
  if (!existsSync(index)) throw new Error(`no built renderer at ${index}: run "npm run build" (npm test does it first)`);
}
