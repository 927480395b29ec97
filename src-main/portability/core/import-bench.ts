import { randomBytes } from 'node:crypto';
import type { CqlClient } from '../../cassandra/connections';
import { keyspace, qualified } from '../../cassandra/identifiers';
import { DEFAULT_CONCURRENCY, loadRows } from './import';
import type { TableShape } from './import-cql';
import { digestTable } from './verify';

type Figure = Record<string, number | string | null>;

const BENCH_KS = 'csm_bench_import';
const round = (x: number): number => Math.round(x * 1000) / 1000;
const secs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

const SHAPE: TableShape = {
  table: 'rows',
  columns: [
    { name: 'p', type: 'int' },
    { name: 'c', type: 'int' },
    { name: 'big', type: 'bigint' },
    { name: 'u', type: 'uuid' },
    { name: 'ts', type: 'timestamp' },
    { name: 'txt', type: 'text' },
    { name: 'b', type: 'blob' },
    { name: 'l', type: 'list<text>' },
    { name: 'm', type: 'map<text, int>' },
  ],
  partitionKey: ['p'],
  clustering: [{ name: 'c', order: 'ASC' }],
  statics: [],
};

/**
 * Import throughput (issue 11 figures): the importer's own load path (loadRows: prepared INSERTs,
 * DEFAULT_CONCURRENCY in flight, rows from pages of 1000 as a bundle reader yields them) and its
 * verification read (paged read + order-independent digest), against the floors of a bare driver
 * batched write (UNLOGGED batches of one partition's rows, the same number of requests in flight)
 * and a bare paging read of the same table. rows/s and MB/s (MB of row payload: the same bytes for
 * both sides, so the two ratios agree). Its own keyspace, dropped afterwards.
 */
export async function portabilityImportBenchmarks(client: CqlClient, opts: { rows?: number; runs?: number } = {}): Promise<Record<string, Figure>> {
  const n = opts.rows ?? 20_000;
  const runs = opts.runs ?? 3;
  const ks = keyspace(BENCH_KS);
  const tbl = qualified(BENCH_KS, SHAPE.table);
  const rows: Record<string, unknown>[] = Array.from({ length: n }, (_, r) => ({
    p: r % 500,
    c: r,
    big: String(r * 7919),
    u: '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
    ts: new Date(1_700_000_000_000 + r),
    txt: `row ${r} ${'x'.repeat(40)}`,
    b: randomBytes(32),
    l: [`a${r}`, `b${r}`],
    m: { k: r },
  }));
  const payloadMB = rows.reduce((s, r) => s + 4 + 4 + 8 + 16 + 8 + Buffer.byteLength(String(r['txt'])) + 32 + 12 + 8, 0) / 1e6;
  async function* pages(): AsyncIterable<Record<string, unknown>[]> {
    for (let i = 0; i < rows.length; i += 1000) yield rows.slice(i, i + 1000);
  }
  const cols = SHAPE.columns.map((c) => c.name);
  const insert = `INSERT INTO ${tbl} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
  try {
    await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
    await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(`CREATE TABLE ${tbl} (p int, c int, big bigint, u uuid, ts timestamp, txt text, b blob, l list<text>, m map<text, int>, PRIMARY KEY ((p), c))`);

    const importRun = async (): Promise<number> => {
      await client.execute(`TRUNCATE TABLE ${tbl}`);
      const t0 = process.hrtime.bigint();
      await loadRows(client, BENCH_KS, SHAPE, pages(), { concurrency: DEFAULT_CONCURRENCY });
      return secs(t0);
    };
    const floorWrite = async (): Promise<number> => {
      await client.execute(`TRUNCATE TABLE ${tbl}`);
      const byPartition = new Map<number, Record<string, unknown>[]>();
      for (const r of rows) byPartition.set(r['p'] as number, [...(byPartition.get(r['p'] as number) ?? []), r]);
      const batches: Record<string, unknown>[][] = [];
      for (const part of byPartition.values()) for (let i = 0; i < part.length; i += 20) batches.push(part.slice(i, i + 20));
      const t0 = process.hrtime.bigint();
      const inflight = new Set<Promise<unknown>>();
      for (const b of batches) {
        const p: Promise<unknown> = client.batch(b.map((r) => ({ query: insert, params: cols.map((c) => r[c]) })), { prepare: true, logged: false }).finally(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= DEFAULT_CONCURRENCY) await Promise.race(inflight);
      }
      await Promise.all(inflight);
      return secs(t0);
    };
    const verifyRun = async (): Promise<number> => {
      const t0 = process.hrtime.bigint();
      const f = await digestTable(client, BENCH_KS, SHAPE);
      if (f.rows !== n) throw new Error(`import bench: ${f.rows} rows read back, ${n} written`);
      return secs(t0);
    };
    const floorRead = async (): Promise<number> => {
      const t0 = process.hrtime.bigint();
      let count = 0;
      for await (const _r of await client.execute(`SELECT ${cols.join(', ')} FROM ${tbl}`, [], { prepare: true, fetchSize: 1000 })) count++;
      if (count !== n) throw new Error(`import bench: floor read ${count} rows`);
      return secs(t0);
    };
    // Best of `runs` for each, alternating so neither side gets a warmer node.
    let imp = Infinity;
    let fw = Infinity;
    let ver = Infinity;
    let fr = Infinity;
    for (let i = 0; i < runs; i++) {
      fw = Math.min(fw, await floorWrite());
      imp = Math.min(imp, await importRun());
      fr = Math.min(fr, await floorRead());
      ver = Math.min(ver, await verifyRun());
    }
    return {
      'portability.import.load': { rows: n, concurrency: DEFAULT_CONCURRENCY, rowsPerSec: round(n / imp), mbPerSec: round(payloadMB / imp), floorRowsPerSec: round(n / fw), floorMbPerSec: round(payloadMB / fw), floor: 'bare driver UNLOGGED batches of 20 rows of one partition, same in-flight limit', ratio: round(fw / imp) },
      'portability.import.verify': { rows: n, rowsPerSec: round(n / ver), mbPerSec: round(payloadMB / ver), floorRowsPerSec: round(n / fr), floorMbPerSec: round(payloadMB / fr), floor: 'bare driver paging read, fetchSize 1000', ratio: round(fr / ver) },
    };
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => undefined);
  }
}
