import { AppError } from '../app/errors';
import { assertSecretKey, assertSecretValue } from '../secrets/secret-key';
import type { SecretStore } from '../secrets/types';
import type {
  CacheCiphertextStore,
  DataKeyPurpose,
  DataKeyRecord,
  DataKeyStore,
  KekRecord,
  KekStore,
  KeyState,
  RewrittenRow,
  RotationJournal,
  SealedEntry,
  SealedRow,
  StoredKeyPurpose,
} from './ports';

/**
 * In-memory implementations of the key ports for unit tests and in-process benchmarks. They copy
 * buffers in and out, so a caller that zeroes its copy cannot reach into the "stored" one, the
 * way a real store behaves.
 */
const copy = (b: Buffer): Buffer => Buffer.from(b);

export class MemorySecretStore implements SecretStore {
  readonly entries = new Map<string, string>();
  async get(key: string): Promise<string | null> {
    return this.entries.get(assertSecretKey(key)) ?? null;
  }
  async set(key: string, value: string): Promise<void> {
    this.entries.set(assertSecretKey(key), assertSecretValue(value));
  }
  async delete(key: string): Promise<boolean> {
    return this.entries.delete(assertSecretKey(key));
  }
  async has(key: string): Promise<boolean> {
    return this.entries.has(assertSecretKey(key));
  }
  describe(): { backend: 'keychain'; location: string } {
    return { backend: 'keychain', location: 'memory (tests)' };
  }
}

export class MemoryKekStore implements KekStore {
  readonly rows = new Map<string, KekRecord>();
  private id = (t: string, v: number): string => `${t}\u0000${v}`;
  async list(tenantId: string): Promise<KekRecord[]> {
    return [...this.rows.values()].filter((r) => r.tenantId === tenantId).map((r) => ({ ...r, wrapped: copy(r.wrapped) }));
  }
  async insert(rec: KekRecord): Promise<boolean> {
    const id = this.id(rec.tenantId, rec.version);
    if (this.rows.has(id)) return false;
    this.rows.set(id, { ...rec, wrapped: copy(rec.wrapped) });
    return true;
  }
  async setState(tenantId: string, version: number, from: KeyState, to: KeyState, at: Date): Promise<boolean> {
    const r = this.rows.get(this.id(tenantId, version));
    if (!r || r.state !== from) return false;
    r.state = to;
    if (to !== 'active') r.retiredAt = at;
    return true;
  }
  async overwrite(tenantId: string, version: number, wrapped: Buffer): Promise<void> {
    const r = this.rows.get(this.id(tenantId, version));
    if (r) r.wrapped = copy(wrapped);
  }
  async delete(tenantId: string, version: number): Promise<void> {
    this.rows.delete(this.id(tenantId, version));
  }
  async tenants(): Promise<string[]> {
    return [...new Set([...this.rows.values()].map((r) => r.tenantId))];
  }
  async anyFingerprint(): Promise<string | null> {
    return this.rows.values().next().value?.masterFingerprint ?? null;
  }
}

export class MemoryDataKeyStore implements DataKeyStore {
  readonly tenants = new Map<string, Map<string, DataKeyRecord>>();
  /** Tenants whose console keyspace "does not exist": list() fails the way the Cassandra store does. */
  readonly missing = new Set<string>();
  private table(t: string): Map<string, DataKeyRecord> {
    if (this.missing.has(t)) throw new AppError('NOT_FOUND', `tenant console keyspace tenant_${t}_csm does not exist`);
    let m = this.tenants.get(t);
    if (!m) this.tenants.set(t, (m = new Map()));
    return m;
  }
  private id = (p: StoredKeyPurpose, v: number): string => `${p}/${v}`;
  async list(tenantId: string): Promise<DataKeyRecord[]> {
    return [...this.table(tenantId).values()].map((r) => ({ ...r, wrapped: copy(r.wrapped), publicKey: r.publicKey ? copy(r.publicKey) : null }));
  }
  async insert(tenantId: string, rec: DataKeyRecord): Promise<boolean> {
    const t = this.table(tenantId);
    const id = this.id(rec.purpose, rec.version);
    if (t.has(id)) return false;
    t.set(id, { ...rec, wrapped: copy(rec.wrapped), publicKey: rec.publicKey ? copy(rec.publicKey) : null });
    return true;
  }
  async rewrap(tenantId: string, purpose: StoredKeyPurpose, version: number, fromKek: number, toKek: number, wrapped: Buffer): Promise<boolean> {
    const r = this.table(tenantId).get(this.id(purpose, version));
    if (!r || r.kekVersion !== fromKek) return false;
    r.kekVersion = toKek;
    r.wrapped = copy(wrapped);
    return true;
  }
  async setState(tenantId: string, purpose: StoredKeyPurpose, version: number, from: KeyState, to: KeyState, at: Date): Promise<boolean> {
    const r = this.table(tenantId).get(this.id(purpose, version));
    if (!r || r.state !== from) return false;
    r.state = to;
    if (to !== 'active') r.retiredAt = at;
    return true;
  }
  async overwrite(tenantId: string, purpose: StoredKeyPurpose, version: number, wrapped: Buffer): Promise<void> {
    const r = this.table(tenantId).get(this.id(purpose, version));
    if (r) r.wrapped = copy(wrapped);
  }
  async delete(tenantId: string, purpose: StoredKeyPurpose, version: number): Promise<void> {
    this.table(tenantId).delete(this.id(purpose, version));
  }
}

export class MemoryCacheStore implements CacheCiphertextStore {
  readonly rows = new Map<string, SealedRow>();
  readonly journals = new Map<string, RotationJournal>();
  private id = (t: string, k: string): string => `${t}\u0000${k}`;
  private sorted(tenantId: string): SealedRow[] {
    return [...this.rows.values()].filter((r) => r.tenantId === tenantId).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  private out = (r: SealedRow): SealedRow => ({ ...r, ciphertext: copy(r.ciphertext) });
  async put(row: SealedRow): Promise<void> {
    this.rows.set(this.id(row.tenantId, row.key), this.out(row));
  }
  async get(tenantId: string, key: string): Promise<SealedRow | null> {
    const r = this.rows.get(this.id(tenantId, key));
    return r ? this.out(r) : null;
  }
  async list(tenantId: string, opts: { prefix?: string; after?: string | null; limit: number }): Promise<SealedRow[]> {
    return this.sorted(tenantId)
      .filter((r) => (opts.prefix === undefined || r.key.startsWith(opts.prefix)) && (opts.after == null || r.key > opts.after))
      .slice(0, opts.limit)
      .map(this.out);
  }
  async entries(tenantId: string, opts: { prefix?: string; after?: string | null; limit: number }): Promise<SealedEntry[]> {
    return (await this.list(tenantId, opts)).map((r) => ({ key: r.key, purpose: r.purpose, keyVersion: r.keyVersion, updatedAt: '1970-01-01T00:00:00.000Z' }));
  }
  async delete(tenantId: string, key: string): Promise<boolean> {
    return this.rows.delete(this.id(tenantId, key));
  }
  async count(tenantId: string): Promise<number> {
    return this.sorted(tenantId).length;
  }
  async countStale(tenantId: string, purpose: DataKeyPurpose, version: number): Promise<number> {
    return this.sorted(tenantId).filter((r) => r.purpose === purpose && r.keyVersion !== version).length;
  }
  async staleBatch(tenantId: string, purpose: DataKeyPurpose, version: number, after: string | null, limit: number): Promise<SealedRow[]> {
    return this.sorted(tenantId)
      .filter((r) => r.purpose === purpose && r.keyVersion !== version && (after === null || r.key > after))
      .slice(0, limit)
      .map(this.out);
  }
  async commitBatch(journal: RotationJournal, rows: RewrittenRow[]): Promise<number> {
    let n = 0;
    for (const w of rows) {
      const r = this.rows.get(this.id(journal.tenantId, w.key));
      if (!r || !r.ciphertext.equals(w.expected)) continue;
      r.ciphertext = copy(w.ciphertext);
      r.keyVersion = w.keyVersion;
      n++;
    }
    this.journals.set(this.id(journal.tenantId, journal.purpose), { ...journal });
    return n;
  }
  async readJournal(tenantId: string, purpose: DataKeyPurpose): Promise<RotationJournal | null> {
    const j = this.journals.get(this.id(tenantId, purpose));
    return j ? { ...j } : null;
  }
  async writeJournal(journal: RotationJournal): Promise<void> {
    this.journals.set(this.id(journal.tenantId, journal.purpose), { ...journal });
  }
  async clearJournal(tenantId: string, purpose: DataKeyPurpose): Promise<void> {
    this.journals.delete(this.id(tenantId, purpose));
  }
}
