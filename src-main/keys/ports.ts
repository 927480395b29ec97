/**
 * Storage ports of the key hierarchy. The service never sees a driver: Cassandra implementations
 * live in cassandra-stores.ts, SQLite in sqlite-cache.ts, in-memory ones (tests, benchmarks) in
 * memory-stores.ts. Every `wrapped` value is an envelope (envelope.ts); nothing here is a key in clear.
 */

/** active: seals new values; retired: opens old values only; destroyed: shredded, being deleted. */
export type KeyState = 'active' | 'retired' | 'destroyed';
export const KEY_STATES: readonly KeyState[] = ['active', 'retired', 'destroyed'];

/** Data keys a caller can encrypt with. */
export type DataKeyPurpose = 'cache' | 'ca';
export const DATA_KEY_PURPOSES: readonly DataKeyPurpose[] = ['cache', 'ca'];
/** What the tenant's data_keys table holds: the data keys and the audit-signing key pair. */
export type StoredKeyPurpose = DataKeyPurpose | 'signing';
export const STORED_KEY_PURPOSES: readonly StoredKeyPurpose[] = ['cache', 'ca', 'signing'];

/** A tenant KEK version, wrapped under the installation master key (csm_system.tenant_keks). */
export interface KekRecord {
  tenantId: string;
  version: number;
  wrapped: Buffer;
  /** Which master key wrapped it: a console with another master key says so instead of failing obscurely. */
  masterFingerprint: string;
  state: KeyState;
  createdAt: Date;
  retiredAt: Date | null;
}

export interface KekStore {
  /** Every version of the tenant's KEK, any order. */
  list(tenantId: string): Promise<KekRecord[]>;
  /** false when that version exists already (another console won the race). */
  insert(rec: KekRecord): Promise<boolean>;
  /** Compare-and-set: false when the row is not in state `from`. */
  setState(tenantId: string, version: number, from: KeyState, to: KeyState, at: Date): Promise<boolean>;
  /** Replace the wrapped bytes in place (crypto-shredding overwrites before it deletes). */
  overwrite(tenantId: string, version: number, wrapped: Buffer): Promise<void>;
  delete(tenantId: string, version: number): Promise<void>;
  /** Tenants that have at least one KEK row. */
  tenants(): Promise<string[]>;
  /** The master fingerprint of any KEK on this cluster, or null when it has none. */
  anyFingerprint(): Promise<string | null>;
}

/** A data key or signing key version in the tenant's console keyspace, wrapped under a KEK version. */
export interface DataKeyRecord {
  purpose: StoredKeyPurpose;
  version: number;
  kekVersion: number;
  wrapped: Buffer;
  /** Signing keys only: the SPKI DER public half, in clear. */
  publicKey: Buffer | null;
  state: KeyState;
  createdAt: Date;
  retiredAt: Date | null;
}

export interface DataKeyStore {
  list(tenantId: string): Promise<DataKeyRecord[]>;
  /** false when that (purpose, version) exists already. */
  insert(tenantId: string, rec: DataKeyRecord): Promise<boolean>;
  /** Replace the wrapping if the row is still wrapped under `fromKek`; false otherwise. */
  rewrap(tenantId: string, purpose: StoredKeyPurpose, version: number, fromKek: number, toKek: number, wrapped: Buffer): Promise<boolean>;
  setState(tenantId: string, purpose: StoredKeyPurpose, version: number, from: KeyState, to: KeyState, at: Date): Promise<boolean>;
  overwrite(tenantId: string, purpose: StoredKeyPurpose, version: number, wrapped: Buffer): Promise<void>;
  delete(tenantId: string, purpose: StoredKeyPurpose, version: number): Promise<void>;
}

/** One encrypted cache value. `keyVersion` repeats the envelope header so stale rows can be found by index. */
export interface SealedRow {
  tenantId: string;
  key: string;
  purpose: DataKeyPurpose;
  keyVersion: number;
  ciphertext: Buffer;
}

/** What a list view shows of a cache entry: its name and key version, never the sealed bytes. */
export interface SealedEntry {
  key: string;
  purpose: DataKeyPurpose;
  keyVersion: number;
  updatedAt: string;
}

/** Progress of a data-key rotation, persisted so a killed process resumes where it stopped. */
export interface RotationJournal {
  tenantId: string;
  purpose: DataKeyPurpose;
  toVersion: number;
  /** Last cache key re-encrypted (keys are processed in order); null before the first batch. */
  cursor: string | null;
  done: number;
  total: number;
  startedAt: string;
  updatedAt: string;
}

export interface RewrittenRow {
  key: string;
  /** Compare-and-swap: the row is replaced only if it still holds exactly these bytes. */
  expected: Buffer;
  ciphertext: Buffer;
  keyVersion: number;
}

export interface CacheCiphertextStore {
  put(row: SealedRow): Promise<void>;
  get(tenantId: string, key: string): Promise<SealedRow | null>;
  /** In key order; `prefix` narrows, `after` pages. */
  list(tenantId: string, opts: { prefix?: string; after?: string | null; limit: number }): Promise<SealedRow[]>;
  /** Like list, without the ciphertexts: what list views read (nothing to decrypt). */
  entries(tenantId: string, opts: { prefix?: string; after?: string | null; limit: number }): Promise<SealedEntry[]>;
  delete(tenantId: string, key: string): Promise<boolean>;
  count(tenantId: string): Promise<number>;
  /** Rows of the purpose not sealed under `version`. */
  countStale(tenantId: string, purpose: DataKeyPurpose, version: number): Promise<number>;
  /** Next rows (key order, after `after`) of the purpose not sealed under `version`. */
  staleBatch(tenantId: string, purpose: DataKeyPurpose, version: number, after: string | null, limit: number): Promise<SealedRow[]>;
  /** Atomically: replace the rows (each only if unchanged) and store the journal. Returns rows replaced. */
  commitBatch(journal: RotationJournal, rows: RewrittenRow[]): Promise<number>;
  readJournal(tenantId: string, purpose: DataKeyPurpose): Promise<RotationJournal | null>;
  writeJournal(journal: RotationJournal): Promise<void>;
  clearJournal(tenantId: string, purpose: DataKeyPurpose): Promise<void>;
}
