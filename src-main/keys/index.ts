export {
  KeyService,
  type KeyServiceDeps,
  type TenantKeyStatus,
  type KeyLine,
  type KeyVersionInfo,
  type RotationReport,
  type ShredReport,
  type ShredVerification,
} from './hierarchy';
export { SealedCache } from './cache';
export { CassandraKekStore, CassandraDataKeyStore, systemKeyTables, tenantKeyTables, tenantConsoleKeyspace, TENANT_KEKS_TABLE, DATA_KEYS_TABLE } from './cassandra-stores';
export { SqliteCacheStore } from './sqlite-cache';
export { masterFingerprint, MasterKeyProvider } from './master';
export { describeShare, openMasterShare, openTenantShare, sealMasterShare, sealTenantShare, MIN_SHARE_PASSPHRASE } from './shares';
export { openEscrow, parseEscrowPublicKey, sealEscrow, type EscrowAlgorithm } from './escrow';
export { checkKeyAllowed, parseKeyPolicy, rotationDue, DEFAULT_KEY_POLICY, keyPolicySchema, type TenantKeyPolicy, type KeySpec, type RotationDue } from './policy';
export { EnvelopeError, isEnvelopeError } from './envelope';
export type { RotateOptions, RotationProgress, RotationPhase } from './rotation';
export type * from './ports';
