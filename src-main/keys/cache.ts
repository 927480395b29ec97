import { envelopeKeyVersion } from './envelope';
import type { KeyService } from './hierarchy';
import type { CacheCiphertextStore, DataKeyPurpose, SealedEntry } from './ports';

/**
 * What other features use for tenant-sensitive cached values (config secrets, certificate private
 * keys, sensitive audit payloads): each value is sealed under the tenant's data key with its entry
 * name as context, so a value copied to another entry or tenant does not open.
 */
export class SealedCache {
  constructor(
    private readonly keys: KeyService,
    private readonly store: CacheCiphertextStore,
  ) {}

  async put(tenantId: string, key: string, value: string | Uint8Array, purpose: DataKeyPurpose = 'cache'): Promise<void> {
    const ciphertext = await this.keys.encrypt(tenantId, purpose, value, { context: key });
    await this.store.put({ tenantId, key, purpose, keyVersion: envelopeKeyVersion(ciphertext), ciphertext });
  }

  /** null when there is no such entry; throws when there is one that does not open. */
  async get(tenantId: string, key: string): Promise<Buffer | null> {
    const row = await this.store.get(tenantId, key);
    return row ? this.keys.decrypt(tenantId, row.purpose, row.ciphertext, { context: row.key }) : null;
  }

  async getText(tenantId: string, key: string): Promise<string | null> {
    return (await this.get(tenantId, key))?.toString('utf8') ?? null;
  }

  /**
   * What a list view reads: entry names, key versions and times, no value and nothing decrypted
   * (the renderer only ever shows "stored: yes/no"). Open a value with get() when one entry is opened.
   */
  entries(tenantId: string, opts: { prefix?: string; after?: string | null; limit?: number } = {}): Promise<SealedEntry[]> {
    return this.store.entries(tenantId, { ...opts, limit: opts.limit ?? 1000 });
  }

  /** Every value decrypted: for exports and migrations, not list views (it costs one AES-GCM open per row). */
  async list(tenantId: string, opts: { prefix?: string; after?: string | null; limit?: number } = {}): Promise<{ key: string; value: Buffer }[]> {
    const rows = await this.store.list(tenantId, { ...opts, limit: opts.limit ?? 1000 });
    const out: { key: string; value: Buffer }[] = new Array(rows.length);
    for (const purpose of new Set(rows.map((r) => r.purpose))) {
      const idx = rows.flatMap((r, i) => (r.purpose === purpose ? [i] : []));
      const values = await this.keys.decryptMany(tenantId, purpose, idx.map((i) => ({ ciphertext: rows[i]!.ciphertext, context: rows[i]!.key })));
      idx.forEach((i, n) => (out[i] = { key: rows[i]!.key, value: values[n]! }));
    }
    return out;
  }

  delete(tenantId: string, key: string): Promise<boolean> {
    return this.store.delete(tenantId, key);
  }
}
