import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { secretKey } from '../../../src-main/secrets/secret-key';
import { KeytarSecretStore } from '../../../src-main/secrets/keytar-store';

/**
 * Give this run's installation keychain its master key up front, as an installation that has
 * been in use has one. Without it, the first console of the run would create the key on first
 * use — and rightly refuse to while another concurrent test run on the shared node holds KEKs
 * under its own master key (the refusal that keeps two hierarchies apart). With the key in place
 * each run keeps to its own tenants' KEKs. Files run one after another (fileParallelism: false).
 */
export async function ensureInstallationMasterKey(): Promise<void> {
  const store = new KeytarSecretStore({ service: inject('installationKeychain') });
  if ((await store.get(secretKey.installationMasterKey())) === null) await store.set(secretKey.installationMasterKey(), randomBytes(32).toString('base64'));
}
