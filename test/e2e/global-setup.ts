import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as node from '../../scripts/cassandra/lib.mjs';
import { forgetStaleTestKeys } from '../support/stale-keys';

/** The renderer must be built before any test starts a web host; test KEKs of earlier runs go. */
export default async function globalSetup(): Promise<void> {
  const index = resolve(import.meta.dirname, '..', '..', 'dist', 'renderer', 'index.html');
  if (!existsSync(index)) throw new Error(`no built renderer at ${index}: run "npm run build" (npm test does it first)`);
  const st = await node.status();
  // Each e2e console has its own keychain, i.e. its own master key: KEKs of earlier runs must go.
  if (st.running) await forgetStaleTestKeys(st.contactPoint, st.localDataCenter);
}
