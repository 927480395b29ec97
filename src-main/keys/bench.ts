import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../store';
import { SealedCache } from './cache';
import { openEnvelope, sealEnvelope } from './envelope';
import { KeyService } from './hierarchy';
import { MemoryDataKeyStore, MemoryKekStore, MemorySecretStore } from './memory-stores';
import { SqliteCacheStore } from './sqlite-cache';

type Figures = Record<string, Record<string, number | string>>;

const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function opsPerSecond(n: number, fn: () => void): number {
  for (let i = 0; i < Math.min(2000, n); i++) fn();
  const t0 = nowMs();
  for (let i = 0; i < n; i++) fn();
  return Math.round((n * 1000) / (nowMs() - t0));
}

async function asyncOpsPerSecond(n: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(2000, n); i++) await fn();
  const t0 = nowMs();
  for (let i = 0; i < n; i++) await fn();
  return Math.round((n * 1000) / (nowMs() - t0));
}

async function median(runs: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = nowMs();
    await fn();
    out.push(nowMs() - t0);
  }
  out.sort((a, b) => a - b);
  return out[Math.floor(out.length / 2)]!;
}

/** A cached list row as the console would keep one: a small JSON document. */
function row(i: number): string {
  return JSON.stringify({ id: `cfg-${i}`, name: `setting ${i}`, value: randomBytes(48).toString('base64'), updatedAt: new Date(1_700_000_000_000 + i).toISOString(), tags: ['a', 'b'] });
}

/**
 * In-process figures of the key hierarchy: no Cassandra (in-memory key stores), a real SQLite
 * file for the encrypted cache. Called by the bench suite.
 */
export async function keyBenchmarks(): Promise<Figures> {
  const figures: Figures = {};
  const dir = mkdtempSync(join(tmpdir(), 'csm-keys-bench-'));
  const store = openStore({ dir });
  try {
    const cacheStore = new SqliteCacheStore(store.db);
    const keys = new KeyService({ secrets: new MemorySecretStore(), keks: new MemoryKekStore(), dataKeys: new MemoryDataKeyStore(), cache: cacheStore });
    const cache = new SealedCache(keys, cacheStore);
    const tenant = 'bench_tenant';
    await keys.ensureTenantKeys(tenant);

    // 1. Key wrapping: a 256-bit key sealed under a KEK (what rotation does per data key).
    {
      const kek = randomBytes(32);
      const dek = randomBytes(32);
      const binding = { tenantId: tenant, purpose: 'wrap', keyVersion: 1, context: 'cache/v1' };
      const wrapped = sealEnvelope(kek, binding, dek);
      figures['keys.wrap'] = {
        unit: 'ops/s',
        wrap: opsPerSecond(50_000, () => sealEnvelope(kek, binding, dek)),
        unwrap: opsPerSecond(50_000, () => openEnvelope(kek, binding, wrapped)),
      };
    }

    // 2. Value encryption through the service (key lookup included), 256-byte values.
    {
      const plain = randomBytes(256);
      const sealed = await keys.encrypt(tenant, 'cache', plain, { context: 'bench/value' });
      figures['keys.encrypt'] = {
        unit: 'ops/s',
        value_bytes: plain.length,
        encrypt: await asyncOpsPerSecond(50_000, () => keys.encrypt(tenant, 'cache', plain, { context: 'bench/value' })),
        decrypt: await asyncOpsPerSecond(50_000, () => keys.decrypt(tenant, 'cache', sealed, { context: 'bench/value' })),
      };
    }

    // 3. Rotating a tenant with 10,000 cached encrypted values (KEK + cache data key, re-encryption).
    {
      const n = 10_000;
      const t0 = nowMs();
      for (let i = 0; i < n; i++) await cache.put(tenant, `rot/${String(i).padStart(6, '0')}`, row(i));
      const fill = nowMs() - t0;
      const t1 = nowMs();
      const report = await keys.rotate(tenant);
      const rotate = nowMs() - t1;
      figures['keys.rotate.10k'] = { unit: 'ms', values: n, fill_ms: round(fill, 1), rotate_ms: round(rotate, 1), reencrypted: report.reencrypted, values_per_s: Math.round((n * 1000) / rotate) };
    }

    // 4. A cached-list read of 1,000 rows. A list view shows each entry's clear metadata and
    // "secret stored: yes/no", never a secret (DESIGN §3), so the list decrypts nothing: the
    // metadata lives in clear in the feature's own table, the sensitive field in sealed_values
    // (opened only when one entry is opened). Compared with the same list over an unencrypted
    // cache (the field in clear in a values table of the same shape) and over no values at all.
    {
      const n = 1000;
      const db = store.db;
      db.exec(`CREATE TABLE bench_meta (tenant_id TEXT NOT NULL, key TEXT NOT NULL, meta TEXT NOT NULL, PRIMARY KEY (tenant_id, key)) STRICT, WITHOUT ROWID;
        CREATE TABLE bench_plain_values (tenant_id TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (tenant_id, key)) STRICT, WITHOUT ROWID;
        CREATE TABLE bench_plain_docs (tenant_id TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (tenant_id, key)) STRICT, WITHOUT ROWID;`);
      const insMeta = db.prepare<[string, string, string]>('INSERT INTO bench_meta VALUES (?, ?, ?)');
      // The unencrypted cache keeps the same bookkeeping (updated_at) as sealed_values: only the crypto differs.
      const insPlain = db.prepare<[string, string, Buffer, string]>('INSERT INTO bench_plain_values VALUES (?, ?, ?, ?)');
      const insDoc = db.prepare<[string, string, Buffer]>('INSERT INTO bench_plain_docs VALUES (?, ?, ?)');
      for (let i = 0; i < n; i++) {
        const key = `list/${String(i).padStart(6, '0')}`;
        const doc = JSON.parse(row(i)) as { value: string } & Record<string, unknown>;
        const { value, ...meta } = doc;
        insMeta.run(tenant, key, JSON.stringify(meta));
        insPlain.run(tenant, key, Buffer.from(value, 'utf8'), new Date().toISOString());
        insDoc.run(tenant, key, Buffer.from(JSON.stringify(doc), 'utf8'));
        await cache.put(tenant, key, value);
      }
      type ListRow = { key: string; meta: string; stored: number };
      const range = [tenant, 'list/', 'list/\u{10FFFF}', n] as const;
      const joinWith = (table: string) =>
        db.prepare<[string, string, string, number], ListRow>(
          `SELECT m.key, m.meta, v.key IS NOT NULL AS stored FROM bench_meta m LEFT JOIN ${table} v ON v.tenant_id = m.tenant_id AND v.key = m.key
           WHERE m.tenant_id = ? AND m.key >= ? AND m.key < ? ORDER BY m.key LIMIT ?`,
        );
      const plainJoin = joinWith('bench_plain_values');
      const sealedJoin = joinWith('sealed_values');
      const bare = db.prepare<[string, string, string, number], { key: string; meta: string }>('SELECT key, meta FROM bench_meta WHERE tenant_id = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?');
      const view = (rows: ListRow[]) => rows.map((r) => ({ key: r.key, ...(JSON.parse(r.meta) as object), secretStored: r.stored === 1 }));
      const readPlain = () => view(plainJoin.all(...range));
      const readSealed = () => view(sealedJoin.all(...range));
      const readBare = () => bare.all(...range).map((r) => ({ key: r.key, ...(JSON.parse(r.meta) as object) }));
      // Through the SealedCache API instead of a join: the metadata query, then entries() for the flags.
      const readSealedApi = async () => {
        const stored = new Set((await cache.entries(tenant, { prefix: 'list/', limit: n })).map((e) => e.key));
        return bare.all(...range).map((r) => ({ key: r.key, ...(JSON.parse(r.meta) as object), secretStored: stored.has(r.key) }));
      };
      const check = (rows: { secretStored?: boolean }[]) => {
        if (rows.length !== n || rows.some((r) => r.secretStored === false)) throw new Error('bench: list read returned the wrong rows');
      };
      check(readPlain());
      check(readSealed());
      check(await readSealedApi());
      // Interleaved rounds, so drift (CPU clock, GC) hits every variant alike.
      const samples = { plain: [] as number[], sealed: [] as number[], api: [] as number[], bare: [] as number[] };
      for (let round = 0; round < 21; round++) {
        samples.plain.push(await median(11, readPlain));
        samples.sealed.push(await median(11, readSealed));
        samples.api.push(await median(11, readSealedApi));
        samples.bare.push(await median(11, readBare));
      }
      const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const plainMs = mid(samples.plain);
      const sealedMs = mid(samples.sealed);
      const apiMs = mid(samples.api);
      const bareMs = mid(samples.bare);
      figures['keys.cachedList.1000'] = {
        unit: 'ms',
        rows: n,
        plain_p50: round(plainMs),
        encrypted_p50: round(sealedMs),
        ratio_p50: round(sealedMs / plainMs),
        no_values_p50: round(bareMs),
        encrypted_vs_no_values: round(sealedMs / bareMs),
        encrypted_via_entries_api_p50: round(apiMs),
        ratio_via_entries_api: round(apiMs / plainMs),
        target_ratio: 1.05,
      };

      // For the record: the earlier design, where the list opened every row (the whole document
      // sealed as one value, 1,000 AES-GCM opens) against the same documents in clear.
      const plainDocs = db.prepare<[string, string, string, number], { key: string; value: Buffer }>(
        'SELECT key, value FROM bench_plain_docs WHERE tenant_id = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?',
      );
      for (let i = 0; i < n; i++) await cache.put(tenant, `doc/${String(i).padStart(6, '0')}`, plainDocs.get(tenant, `list/${String(i).padStart(6, '0')}`, 'list/\u{10FFFF}', 1)!.value);
      const readDocs = () => plainDocs.all(...range).map((r) => JSON.parse(r.value.toString('utf8')) as unknown);
      const readSealedDocs = async () => (await cache.list(tenant, { prefix: 'doc/', limit: n })).map((r) => JSON.parse(r.value.toString('utf8')) as unknown);
      if ((await readSealedDocs()).length !== n) throw new Error('bench: decrypt-all read returned the wrong number of rows');
      const docsMs = await median(51, readDocs);
      const sealedDocsMs = await median(51, readSealedDocs);
      figures['keys.cachedList.1000.decryptEveryRow'] = {
        unit: 'ms',
        rows: n,
        plain_p50: round(docsMs),
        encrypted_p50: round(sealedDocsMs),
        ratio_p50: round(sealedDocsMs / docsMs),
        per_row_overhead_us: round(((sealedDocsMs - docsMs) * 1000) / n, 2),
      };

      // Opening one entry (the detail view): its secret decrypted, against reading it in clear.
      const plainOne = db.prepare<[string, string], { value: Buffer }>('SELECT value FROM bench_plain_values WHERE tenant_id = ? AND key = ?');
      let k = 0;
      const nextKey = () => `list/${String(k++ % n).padStart(6, '0')}`;
      const openPlain = opsPerSecond(20_000, () => plainOne.get(tenant, nextKey())!.value.toString('utf8'));
      const openSealed = await asyncOpsPerSecond(20_000, async () => (await cache.getText(tenant, nextKey()))!);
      figures['keys.cachedEntry.open'] = {
        unit: 'us/op',
        plain_us: round(1e6 / openPlain, 2),
        encrypted_us: round(1e6 / openSealed, 2),
        overhead_us: round(1e6 / openSealed - 1e6 / openPlain, 2),
        ratio: round(openPlain / openSealed),
      };

      // The same 1,000 rows cached as one sealed entry (a list snapshot refreshed as a whole), versus
      // the plain read: one AES-GCM pass over the page instead of 1,000 cipher set-ups.
      const page = JSON.stringify(readDocs());
      await cache.put(tenant, 'page/list', page);
      insDoc.run(tenant, 'page/list', Buffer.from(page, 'utf8'));
      const plainPage = store.db.prepare<[string, string], { value: Buffer }>('SELECT value FROM bench_plain_docs WHERE tenant_id = ? AND key = ?');
      const readPlainPage = (): unknown[] => JSON.parse(plainPage.get(tenant, 'page/list')!.value.toString('utf8')) as unknown[];
      const readPage = async (): Promise<unknown[]> => JSON.parse((await cache.getText(tenant, 'page/list'))!) as unknown[];
      if ((await readPage()).length !== n || readPlainPage().length !== n) throw new Error('bench: page read returned the wrong number of rows');
      for (let i = 0; i < 20; i++) {
        readPlainPage();
        await readPage();
      }
      const plainPageMs = await median(101, readPlainPage);
      const pageMs = await median(101, readPage);
      figures['keys.cachedList.1000.onePage'] = {
        unit: 'ms',
        rows: n,
        page_bytes: Buffer.byteLength(page),
        plain_p50: round(plainPageMs),
        encrypted_p50: round(pageMs),
        ratio_p50: round(pageMs / plainPageMs),
        target_ratio: 1.05,
      };
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
