import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppendResult, AuditStreamsPort, NewAuditEvent } from '../types';
import { directoryOf } from './attribute';
import { ingestSources, type OffsetStore } from './ingest';
import { resolveSources } from './reader';

type Figures = Record<string, Record<string, number | string>>;

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const cpuMs = (u: NodeJS.CpuUsage): number => Math.max(1, (u.user + u.system) / 1000);
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * A FileAuditLogger log of `lines` lines in the node's format: 100 tenants, a mix like the shared
 * node's (SELECT/UPDATE/DELETE/PREPARE on tenant and system keyspaces, GRANTs, logins, refused
 * cross-tenant attempts, wrong-password logins in bursts) and a multi-line CREATE TABLE every
 * 500 records (4 continuation lines).
 */
export async function writeAuditLog(path: string, lines: number): Promise<{ lines: number; bytes: number }> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let written = 0;
  let i = 0;
  const t0 = 1_795_917_400_000;
  let buf: string[] = [];
  const flush = async (): Promise<void> => {
    const text = buf.join('');
    buf = [];
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  };
  while (written < lines) {
    const tn = Math.floor(i / 7) % 100;
    const tenant = `t${String(tn).padStart(3, '0')}_bench`;
    const other = `t${String((tn + 37) % 100).padStart(3, '0')}_bench`;
    const ms = t0 + i * 7;
    const head = `INFO  [Native-Transport-Requests-${1 + (i % 8)}] 2026-11-29 02:03:18,${String(i % 1000).padStart(3, '0')} FileAuditLogger.java:51 - `;
    const base = `host:/10.0.0.${1 + (i % 3)}:7000|source:/10.1.${i % 7}.${i % 250}|port:${30000 + (i % 30000)}|timestamp:${ms}`;
    const r = i % 100;
    let rec: string;
    if (i % 500 === 499 && written + 5 <= lines) {
      rec = `${head}user:cassandra|${base}|type:CREATE_TABLE|category:DDL|ks:tenant_${tenant}_data|scope:t${i}|operation:CREATE TABLE IF NOT EXISTS "tenant_${tenant}_data".t${i} (\n         id text, at timestamp, body text,\n         PRIMARY KEY ((id), at)\n       ) WITH CLUSTERING ORDER BY (at DESC)\n         AND comment = 'bench'\n`;
      written += 5;
    } else {
      if (r < 40) rec = `user:tenant_${tenant}_svc|${base}|type:SELECT|category:QUERY|ks:tenant_${tenant}_data|scope:events|operation:SELECT * FROM "tenant_${tenant}_data".events WHERE bucket = 'b${i}'`;
      else if (r < 65) rec = `user:tenant_${tenant}_svc|${base}|type:UPDATE|category:DML|ks:tenant_${tenant}_data|scope:events|operation:INSERT INTO "tenant_${tenant}_data".events (bucket, at, payload) VALUES (?, ?, ?)`;
      else if (r < 72) rec = `user:cassandra|${base}|type:SELECT|category:QUERY|ks:csm_system|scope:tenants|operation:SELECT id, name, state FROM "csm_system"."tenants" WHERE id = ?`;
      else if (r < 80) rec = `user:cassandra|${base}|type:PREPARE_STATEMENT|category:PREPARE|ks:tenant_${tenant}_csm|scope:data_keys|operation:SELECT version, wrapped FROM "tenant_${tenant}_csm".data_keys WHERE purpose = ?`;
      else if (r < 85) rec = `user:cassandra|${base}|type:GRANT|category:DCL|ks:data|scope:data/tenant_${tenant}_data|operation:GRANT SELECT ON KEYSPACE "tenant_${tenant}_data" TO "tenant_${tenant}_auditor"`;
      else if (r < 92) rec = `user:tenant_${tenant}_u_app|${base}|type:LOGIN_SUCCESS|category:AUTH|operation:LOGIN SUCCESSFUL`;
      else if (r < 95) rec = `user:tenant_${tenant}_u_app|${base}|type:UNAUTHORIZED_ATTEMPT|category:AUTH|operation:SELECT * FROM "tenant_${other}_data".events; User tenant_${tenant}_u_app has no SELECT permission on <table tenant_${other}_data.events> or any of its parents`;
      else rec = `user:null|host:/10.0.0.1:7000|source:/10.9.9.${tn}|port:${30000 + (i % 30000)}|timestamp:${ms}|type:LOGIN_ERROR|category:AUTH|operation:LOGIN FAILURE; Provided username tenant_${tenant}_svc and/or password *******`;
      rec = `${head}${rec}\n`;
      written += 1;
    }
    buf.push(rec);
    i += 1;
    if (buf.length >= 2000) await flush();
  }
  await flush();
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
  return { lines: written, bytes: statSync(path).size };
}

/** The sink: per-stream key sets, as the streams port dedupes (no chain, no signing, no Cassandra). */
class KeySetSink implements Pick<AuditStreamsPort, 'append'> {
  readonly keys = new Map<string, Set<string>>();
  events = 0;
  async append(_c: string, stream: string, events: readonly NewAuditEvent[]): Promise<AppendResult> {
    let set = this.keys.get(stream);
    if (!set) this.keys.set(stream, (set = new Set()));
    let appended = 0;
    for (const e of events) {
      if (!set.has(e.key!)) {
        set.add(e.key!);
        appended += 1;
      }
    }
    this.events += appended;
    return { appended, duplicates: events.length - appended, firstSeq: null, lastSeq: null };
  }
}

/** Floor: read the file in the same 1 MiB chunks and split it into line strings; nothing else. */
async function readAndSplit(path: string): Promise<number> {
  let lines = 0;
  let carry = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const line = chunk.toString('utf8', start, nl);
      if (carry) carry = '';
      if (line.length >= 0) lines += 1;
      start = nl + 1;
    }
    carry = chunk.toString('utf8', start);
  }
  return lines + (carry ? 1 : 0);
}

/**
 * Audit ingest rate (issue 9 figures): lines/s of the full ingest path — read, assemble records
 * (multi-line operations), parse, attribute to 100 registered tenants, hash the idempotency key,
 * burst detection, hand events to a sink — on a generated `lines`-line log, against the floor of
 * reading and splitting the same file. The sink is an in-memory per-stream key set (the streams
 * port's dedupe without its chain/signing/Cassandra writes, which are the streams' own figure).
 */
export async function auditIngestBenchmarks(opts: { lines?: number } = {}): Promise<Figures> {
  const lines = opts.lines ?? 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'csm-ingest-bench-'));
  try {
    const path = join(dir, 'audit.log');
    const gen = await writeAuditLog(path, lines);
    // warm the page cache and the JIT once
    await readAndSplit(path);

    const fc = process.cpuUsage();
    const f0 = nowMs();
    const split = await readAndSplit(path);
    const floorMs = nowMs() - f0;
    const floorCpu = cpuMs(process.cpuUsage(fc));

    const sink = new KeySetSink();
    const offsets: OffsetStore = { get: () => null, put: () => undefined };
    const directory = directoryOf(Array.from({ length: 100 }, (_, t) => `t${String(t).padStart(3, '0')}_bench`));
    const heap0 = process.memoryUsage().rss;
    const ic = process.cpuUsage();
    const i0 = nowMs();
    const report = await ingestSources(await resolveSources([path], []), { cluster: 'bench', streams: sink, offsets, directory });
    const ingestMs = nowMs() - i0;
    const ingestCpu = cpuMs(process.cpuUsage(ic));
    const rssGrowthMb = (process.memoryUsage().rss - heap0) / (1024 * 1024);

    const r0 = nowMs();
    const again = await ingestSources(await resolveSources([path], []), { cluster: 'bench', streams: sink, offsets, directory });
    const againMs = nowMs() - r0;

    if (report.linesRead !== gen.lines || split !== gen.lines) throw new Error(`bench: read ${report.linesRead}/${split} of ${gen.lines} lines`);
    return {
      'audit ingest (1M-line FileAuditLogger log → parse, attribute, key, sink)': {
        lines: gen.lines,
        mb: round(gen.bytes / (1024 * 1024), 1),
        ingestLinesPerSec: Math.round((gen.lines * 1000) / ingestMs),
        floorReadSplitLinesPerSec: Math.round((split * 1000) / floorMs),
        ratioFloorOverIngest: round(ingestMs / floorMs, 2),
        ingestSeconds: round(ingestMs / 1000, 2),
        floorSeconds: round(floorMs / 1000, 2),
        // CPU time of this process: on a shared, loaded machine wall time mostly measures the neighbours
        ingestLinesPerCpuSec: Math.round((gen.lines * 1000) / ingestCpu),
        floorLinesPerCpuSec: Math.round((split * 1000) / floorCpu),
        ratioCpu: round(ingestCpu / floorCpu, 2),
        events: report.ingested,
        streams: Object.keys(report.perStream).length,
        alerts: report.alerts.length,
        malformed: report.malformed.count,
        reingestLinesPerSec: Math.round((gen.lines * 1000) / againMs),
        reingestDuplicates: again.duplicates,
        // mostly the sink's 1M keys: the ingest itself holds one batch (2,000 events) and one record
        rssGrowthMbWithSinkKeys: round(rssGrowthMb, 1),
        sink: 'in-memory per-stream key set (no chain, signing or Cassandra)',
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
