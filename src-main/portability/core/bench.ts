import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CqlClient } from '../../cassandra/connections';
import { keyspace, qualified } from '../../cassandra/identifiers';
import { masterFingerprint } from '../../keys/master';
import { BundleWriter, newHeader } from './bundle';
import { TableDigest } from './digest';
import { exportTable, writeJournal, type ExportJournal, type TableState } from './export';

type Figure = Record<string, number | string | null>;

const BENCH_KS = 'csm_bench_portability';
const round = (x: number): number => Math.round(x * 1000) / 1000;
const secs = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1e9;

/**
 * Export throughput (issue 11 figures): the export's own table path (paged read, type-tagged
 * encoding, order-independent digest, deflate, AES-256-GCM, durable append and a journal write per
 * page — exportTable, the function the export runs) over a table of `rows` mixed-type rows, against
 * the floor of a bare driver paging read of the same table with the same page size. Figures: rows/s
 * and MB/s (bundle bytes written; the floor's MB/s counts the same bundle bytes over its time, so
 * the ratio is the same for both units). The table lives in its own keyspace, dropped afterwards.
 */
export async function portabilityExportBenchmarks(client: CqlClient, opts: { rows?: number; pageSize?: number; runs?: number } = {}): Promise<Record<string, Figure>> {
  const rows = opts.rows ?? 20_000;
  const pageSize = opts.pageSize ?? 1000;
  const runs = opts.runs ?? 3;
  const ks = keyspace(BENCH_KS);
  const tbl = qualified(BENCH_KS, 'rows');
  const dir = mkdtempSync(join(tmpdir(), 'csm-export-bench-'));
  try {
    await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
    await client.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute(`CREATE TABLE ${tbl} (p int, c int, big bigint, u uuid, ts timestamp, txt text, b blob, l list<text>, m map<text, int>, PRIMARY KEY ((p), c))`);
    const insert = `INSERT INTO ${tbl} (p, c, big, u, ts, txt, b, l, m) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    const batch = 64;
    for (let i = 0; i < rows; i += batch) {
      const n = Math.min(batch, rows - i);
      await Promise.all(
        Array.from({ length: n }, (_, k) => {
          const r = i + k;
          return client.execute(
            insert,
            [r % 500, r, String(r * 7919), '6ba7b810-9dad-11d1-80b4-00c04fd430c8', new Date(1_700_000_000_000 + r), `row ${r} ${'x'.repeat(40)}`, randomBytes(32), [`a${r}`, `b${r}`], { k: r }],
            { prepare: true },
          );
        }),
      );
    }
    const cols = ['b', 'big', 'c', 'l', 'm', 'p', 'ts', 'txt', 'u'];
    const select = `SELECT ${cols.join(', ')} FROM ${tbl}`;

    const floorRun = async (): Promise<{ s: number; rows: number }> => {
      const t0 = process.hrtime.bigint();
      let pageState: string | undefined;
      let n = 0;
      for (;;) {
        const rs = await client.execute(select, [], { prepare: true, fetchSize: pageSize, autoPage: false, ...(pageState ? { pageState } : {}) });
        n += rs.rows.length;
        if (!rs.pageState) break;
        pageState = rs.pageState;
      }
      return { s: secs(t0), rows: n };
    };
    const master = (() => {
      const key = randomBytes(32);
      return { key, fingerprint: masterFingerprint(key) };
    })();
    const exportRun = async (i: number): Promise<{ s: number; rows: number; bytes: number }> => {
      const path = join(dir, `b${i}.partial`);
      const { header, bundleKey } = await newHeader({ tenant: 'bench', sourceCluster: 'bench', master });
      const writer = await BundleWriter.create(path, header, bundleKey);
      bundleKey.fill(0);
      const ts: TableState = { keyspace: BENCH_KS, table: 'rows', done: false, pageState: null, digest: new TableDigest().hex(), rows: 0 };
      const j: ExportJournal = { v: 1, cluster: 'bench', tenant: 'bench', withData: true, wrap: 'installation', headerSha: writer.headerSha, length: writer.length, nextIndex: 0, chunks: [], tables: [ts], keysDone: false };
      const t0 = process.hrtime.bigint();
      await exportTable({ client, writer, pageSize }, j, ts, cols, () => writeJournal(join(dir, `b${i}.journal`), j));
      const s = secs(t0);
      const bytes = writer.length;
      await writer.close();
      return { s, rows: ts.rows, bytes };
    };
    await floorRun(); // warm the driver, the prepared statement and the node's caches
    const floors: number[] = [];
    const exports: { s: number; rows: number; bytes: number }[] = [];
    for (let i = 0; i < runs; i++) {
      floors.push((await floorRun()).s);
      exports.push(await exportRun(i));
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const fS = median(floors);
    const eS = median(exports.map((e) => e.s));
    const bytes = exports[0]!.bytes;
    const mb = bytes / 1024 / 1024;
    return {
      'portability.export.table': {
        unit: 'rows/s',
        rows,
        page_size: pageSize,
        export_rows_per_s: round(rows / eS),
        export_mb_per_s: round(mb / eS),
        bundle_mb: round(mb),
        floor_bare_paging_read_rows_per_s: round(rows / fS),
        floor_mb_per_s: round(mb / fS),
        ratio_floor_over_export: round(eS / fS),
        rows_exported: exports[0]!.rows,
      },
    };
  } finally {
    await client.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
