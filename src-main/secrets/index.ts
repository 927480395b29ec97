export type { SecretStore, SecretBackend } from './types';
export { secretKey, parseSecretKey, assertSecretKey, INSTALLATION_MASTER_KEY, type ParsedSecretKey } from './secret-key';
export { KeytarSecretStore, DEFAULT_KEYTAR_SERVICE, type KeytarApi, type KeytarSecretStoreOptions } from './keytar-store';
export { VaultSecretStore, type VaultSecretStoreOptions } from './vault-store';
export { createSecretStore, type CreateSecretStoreOptions } from './factory';
