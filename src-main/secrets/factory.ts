import { AppError } from '../app/errors';
import { KeytarSecretStore } from './keytar-store';
import type { SecretBackend, SecretStore } from './types';
import { VaultSecretStore } from './vault-store';

export interface CreateSecretStoreOptions {
  backend: SecretBackend;
  vaultPath?: string;
  vaultPassphrase?: string;
  keytarService?: string;
}

/**
 * Synchronous on purpose: nothing is touched until first use (keytar is loaded lazily, the
 * vault key derived lazily), so a missing keychain never stops the console from starting.
 * Misconfiguration (vault without path or passphrase) fails here, at start-up.
 * There is no third, plaintext backend.
 */
export function createSecretStore(opts: CreateSecretStoreOptions): SecretStore {
  switch (opts.backend) {
    case 'keychain':
      return new KeytarSecretStore(opts.keytarService !== undefined ? { service: opts.keytarService } : {});
    case 'vault': {
      if (!opts.vaultPath) throw new AppError('BAD_INPUT', 'the vault backend needs a file path');
      if (!opts.vaultPassphrase) {
        throw new AppError('BAD_INPUT', 'CSM_SECRET_BACKEND=vault needs a passphrase: set CSM_VAULT_PASSPHRASE for this process');
      }
      return new VaultSecretStore({ path: opts.vaultPath, passphrase: opts.vaultPassphrase });
    }
    default: {
      const never: never = opts.backend;
      throw new AppError('BAD_INPUT', `unknown secret backend ${String(never)}`);
    }
  }
}
