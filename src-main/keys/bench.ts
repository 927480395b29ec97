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

    // 4. A cached-list read of 1,000 rows: encrypted cache versus the same rows in a plain table.
    {
      const n = 1000;
      store.db.exec('CREATE TABLE bench_plain_values (tenant_id TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (tenant_id, key)) STRICT, WITHOUT ROWID');
      const insert = store.db.prepare<[string, string, Buffer]>('INSERT INTO bench_plain_values VALUES (?, ?, ?)');
      for (let i = 0; i < n; i++) {
        const doc = row(i);
        await cache.put(tenant, `list/${String(i).padStart(6, '0')}`, doc);
        insert.run(tenant, `list/${String(i).padStart(6, '0')}`, Buffer.from(doc, 'utf8'));
      }
      const plainRead = store.db.prepare<[string, string, string, number], { key: string; value: Buffer }>(
        'SELECT key, value FROM bench_plain_values WHERE tenant_id = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?',
      );
      const readPlain = (): unknown[] => plainRead.all(tenant, 'list/', 'list/\u{10FFFF}', n).map((r) => JSON.parse(r.value.toString('utf8')) as unknown);
      const readSealed = async (): Promise<unknown[]> => (await cache.list(tenant, { prefix: 'list/', limit: n })).map((r) => JSON.parse(r.value.toString('utf8')) as unknown);
      if ((await readSealed()).length !== n || readPlain().length !== n) throw new Error('bench: list read returned the wrong number of rows');
      for (let i = 0; i < 20; i++) {
        readPlain();
        await readSealed();
      }
      const plainMs = await median(101, readPlain);
      const sealedMs = await median(101, readSealed);
      figures['keys.cachedList.1000'] = {
        unit: 'ms',
        rows: n,
        plain_p50: round(plainMs),
        encrypted_p50: round(sealedMs),
        ratio_p50: round(sealedMs / plainMs),
        per_row_overhead_us: round(((sealedMs - plainMs) * 1000) / n, 2),
        target_ratio: 1.05,
      };

      // The same 1,000 rows cached as one sealed entry (a list snapshot refreshed as a whole), versus
      // the plain read: one AES-GCM pass over the page instead of 1,000 cipher set-ups.
      const page = JSON.stringify(readPlain());
      await cache.put(tenant, 'page/list', page);
      insert.run(tenant, 'page/list', Buffer.from(page, 'utf8'));
      const plainPage = store.db.prepare<[string, string], { value: Buffer }>('SELECT value FROM bench_plain_values WHERE tenant_id = ? AND key = ?');
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
