import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SealedCache } from '../../../src-main/keys/cache';
import { KeyService } from '../../../src-main/keys/hierarchy';
import { MemoryDataKeyStore, MemoryKekStore, MemorySecretStore } from '../../../src-main/keys/memory-stores';
import type { RotationJournal } from '../../../src-main/keys/ports';
import { SqliteCacheStore } from '../../../src-main/keys/sqlite-cache';
import { openDatabase } from '../../../src-main/store/db';
import { migrate } from '../../../src-main/store/migrate';
import { openStore, type Store } from '../../../src-main/store';
import { useTempDir } from '../store/helpers';
import { codeOf, codeOfSync } from './helpers';

const tmp = useTempDir('csm-keys-');
const open: Store[] = [];
afterEach(() => open.splice(0).forEach((s) => s.close()));

function setup(): { dir: string; store: Store; cache: SqliteCacheStore } {
  const dir = tmp();
  const store = openStore({ dir });
  open.push(store);
  return { dir, store, cache: new SqliteCacheStore(store.db) };
}
const row = (key: string, keyVersion = 1, tenantId = 'acme') => ({ tenantId, key, purpose: 'cache' as const, keyVersion, ciphertext: Buffer.from(`ct-${key}-${keyVersion}`) });
const journal = (over: Partial<RotationJournal> = {}): RotationJournal => ({
  tenantId: 'acme',
  purpose: 'cache',
  toVersion: 2,
  cursor: null,
  done: 0,
  total: 3,
  startedAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...over,
});

describe('SQLite cache store', () => {
  it('works on the tables of store migration 2 and refuses a database without them', () => {
    const { store } = setup();
    new SqliteCacheStore(store.db);
    const v1 = openDatabase(join(tmp(), 'v1.db'));
    try {
      migrate(v1, { target: 1 });
      expect(codeOfSync(() => new SqliteCacheStore(v1)).code).toBe('INTERNAL');
      expect(() => new SqliteCacheStore(v1)).toThrow(/store migration 2/);
    } finally {
      v1.close();
    }
    expect(() => store.db.prepare("INSERT INTO sealed_values VALUES ('acme', 'k', 'cache', 'one', x'00', 'now')").run()).toThrow();
    expect(() => store.db.prepare("INSERT INTO sealed_values VALUES ('acme', 'k', 'secrets', 1, x'00', 'now')").run()).toThrow(/CHECK/);
  });

  it('lists entries (names, versions, times) without reading a single sealed byte', async () => {
    const { cache } = setup();
    for (const k of ['b/2', 'a/1', 'b/1']) await cache.put(row(k, 3));
    const entries = await cache.entries('acme', { prefix: 'b/', limit: 10 });
    expect(entries.map((e) => [e.key, e.keyVersion, e.purpose])).toEqual([['b/1', 3, 'cache'], ['b/2', 3, 'cache']]);
    expect(entries.every((e) => !('ciphertext' in e) && /^\d{4}-/.test(e.updatedAt))).toBe(true);
    expect((await cache.entries('acme', { after: 'a/1', limit: 1 })).map((e) => e.key)).toEqual(['b/1']);
    expect(await cache.entries('other', { limit: 10 })).toEqual([]);
  });

  it('puts, gets, lists by prefix in key order and pages with after', async () => {
    const { cache } = setup();
    for (const k of ['b/2', 'a/1', 'b/1', 'c/1', 'b/10']) await cache.put(row(k));
    await cache.put(row('b/1', 1, 'beta'));
    expect((await cache.get('acme', 'b/1'))!.ciphertext.toString()).toBe('ct-b/1-1');
    expect(await cache.get('acme', 'zzz')).toBeNull();
    expect((await cache.list('acme', { prefix: 'b/', limit: 10 })).map((r) => r.key)).toEqual(['b/1', 'b/10', 'b/2']);
    expect((await cache.list('acme', { prefix: 'b/', after: 'b/1', limit: 1 })).map((r) => r.key)).toEqual(['b/10']);
    expect((await cache.list('acme', { limit: 2 })).map((r) => r.key)).toEqual(['a/1', 'b/1']);
    expect(await cache.count('acme')).toBe(5);
    expect(await cache.delete('acme', 'c/1')).toBe(true);
    expect(await cache.delete('acme', 'c/1')).toBe(false);
    await cache.put(row('a/1', 2));
    expect((await cache.get('acme', 'a/1'))!.keyVersion).toBe(2);
    await expect(cache.put(row(''))).rejects.toThrow(/cache entry names/);
    await expect(cache.put(row('bad\nname'))).rejects.toThrow(/cache entry names/);
  });

  it('finds stale rows in key order and swaps only rows that did not change meanwhile', async () => {
    const { cache } = setup();
    for (const k of ['k1', 'k2', 'k3']) await cache.put(row(k));
    await cache.put(row('k4', 2));
    expect(await cache.countStale('acme', 'cache', 2)).toBe(3);
    expect((await cache.staleBatch('acme', 'cache', 2, null, 2)).map((r) => r.key)).toEqual(['k1', 'k2']);
    expect((await cache.staleBatch('acme', 'cache', 2, 'k1', 5)).map((r) => r.key)).toEqual(['k2', 'k3']);
    // k2 is rewritten by someone else between the read and the swap: it must not be overwritten.
    await cache.put({ ...row('k2', 2), ciphertext: Buffer.from('fresh') });
    const n = await cache.commitBatch(journal({ cursor: 'k2', done: 2 }), [
      { key: 'k1', expected: Buffer.from('ct-k1-1'), ciphertext: Buffer.from('new-k1'), keyVersion: 2 },
      { key: 'k2', expected: Buffer.from('ct-k2-1'), ciphertext: Buffer.from('new-k2'), keyVersion: 2 },
    ]);
    expect(n).toBe(1);
    expect((await cache.get('acme', 'k1'))!.ciphertext.toString()).toBe('new-k1');
    expect((await cache.get('acme', 'k2'))!.ciphertext.toString()).toBe('fresh');
    expect(await cache.readJournal('acme', 'cache')).toMatchObject({ cursor: 'k2', done: 2 });
  });

  it('a batch and its journal commit together or not at all', async () => {
    const { cache } = setup();
    await cache.put(row('k1'));
    await cache.writeJournal(journal());
    // done < 0 violates the journal's CHECK after the row swap ran: both must roll back.
    await expect(cache.commitBatch(journal({ done: -1 }), [{ key: 'k1', expected: Buffer.from('ct-k1-1'), ciphertext: Buffer.from('new'), keyVersion: 2 }])).rejects.toThrow(
      /CHECK/,
    );
    expect((await cache.get('acme', 'k1'))!.ciphertext.toString()).toBe('ct-k1-1');
    expect(await cache.readJournal('acme', 'cache')).toMatchObject({ done: 0 });
    await cache.clearJournal('acme', 'cache');
    expect(await cache.readJournal('acme', 'cache')).toBeNull();
  });

  it('the file holds no plaintext of sealed values (database and WAL bytes), and they survive a reopen', async () => {
    const { dir, store, cache } = setup();
    const secrets = new MemorySecretStore();
    const keks = new MemoryKekStore();
    const dataKeys = new MemoryDataKeyStore();
    const keys = new KeyService({ secrets, keks, dataKeys, cache });
    await keys.ensureTenantKeys('acme');
    const sealed = new SealedCache(keys, cache);
    const markers = Array.from({ length: 50 }, (_, i) => `PLAINTEXT-MARKER-${i}-Zq913`);
    for (const [i, m] of markers.entries()) await sealed.put('acme', `secret/${i}`, m);
    const files = readdirSync(dir).filter((f) => f.startsWith('csm.db'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const bytes = readFileSync(join(dir, f));
      expect(bytes.includes(Buffer.from('PLAINTEXT-MARKER'))).toBe(false);
      expect(bytes.includes(Buffer.from('Zq913'))).toBe(false);
    }
    store.close();
    const again = openStore({ dir });
    open.push(again);
    const reopened = new SealedCache(new KeyService({ secrets, keks, dataKeys, cache: new SqliteCacheStore(again.db) }), new SqliteCacheStore(again.db));
    expect(await reopened.getText('acme', 'secret/7')).toBe(markers[7]);
    expect((await reopened.list('acme', { prefix: 'secret/' })).length).toBe(50);
    // A row copied to another entry name does not open there.
    const db = again.db;
    db.prepare("UPDATE sealed_values SET ciphertext = (SELECT ciphertext FROM sealed_values WHERE key = 'secret/1') WHERE key = 'secret/2'").run();
    expect((await codeOf(reopened.getText('acme', 'secret/2'))).code).toBe('BAD_INPUT');
  });
});
