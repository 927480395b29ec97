import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../../src-main/app/errors';
import { directoryOf } from '../../../../src-main/audit/ingest/attribute';
import { ingestSources, type IngestAlert, type OffsetStore } from '../../../../src-main/audit/ingest/ingest';
import { MAX_LINE_BYTES, resolveSources, rotationOrder } from '../../../../src-main/audit/ingest/reader';
import type { AppendResult, AuditStreamsPort, NewAuditEvent } from '../../../../src-main/audit/types';

const FIXTURE = join(import.meta.dirname, '../../../fixtures/audit/real-sample.txt');
const tmp = mkdtempSync(join(tmpdir(), 'csm-ingest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** In-memory streams port: per-stream key sets, as the contract says (idempotent per key). */
class FakeStreams implements Pick<AuditStreamsPort, 'append'> {
  readonly streams = new Map<string, NewAuditEvent[]>();
  readonly keys = new Map<string, Set<string>>();
  calls = 0;
  failAfter: number | null = null;
  async append(_cluster: string, stream: string, events: readonly NewAuditEvent[]): Promise<AppendResult> {
    this.calls += 1;
    if (this.failAfter !== null && this.calls > this.failAfter) throw new Error('node down');
    const list = this.streams.get(stream) ?? [];
    const keys = this.keys.get(stream) ?? new Set<string>();
    let appended = 0;
    let duplicates = 0;
    for (const e of events) {
      if (!e.key) throw new Error('event without key');
      if (keys.has(e.key)) duplicates++;
      else {
        keys.add(e.key);
        list.push(e);
        appended++;
      }
    }
    this.streams.set(stream, list);
    this.keys.set(stream, keys);
    return { appended, duplicates, firstSeq: null, lastSeq: null };
  }
  of(stream: string): NewAuditEvent[] {
    return this.streams.get(stream) ?? [];
  }
}

class MemOffsets implements OffsetStore {
  readonly rows = new Map<string, { offset: number; line: number; path: string }>();
  get(cluster: string, fileId: string) {
    const r = this.rows.get(`${cluster}/${fileId}`);
    return r ? { offset: r.offset, line: r.line } : null;
  }
  put(cluster: string, fileId: string, path: string, offset: number, line: number): void {
    this.rows.set(`${cluster}/${fileId}`, { offset, line, path });
  }
}

const directory = directoryOf(['acme', 'globex']);
const HEAD = (thread: string, ms: number) => `INFO  [${thread}] 2026-11-29 02:03:18,662 FileAuditLogger.java:51 - `;
const rec = (i: number, o: { user?: string; ks?: string; type?: string; cat?: string; op?: string; source?: string; ms?: number; node?: string } = {}) =>
  `${HEAD(`T-${i}`, 0)}user:${o.user ?? 'cassandra'}|host:/${o.node ?? '127.0.0.1:7000'}|source:/${o.source ?? '127.0.0.1'}|port:${40000 + (i % 1000)}|timestamp:${o.ms ?? 1795917798000 + i}|type:${o.type ?? 'SELECT'}|category:${o.cat ?? 'QUERY'}${o.ks ? `|ks:${o.ks}|scope:t` : ''}|operation:${o.op ?? `SELECT * FROM t WHERE id = ${i}`}`;

function writeLog(name: string, lines: string[]): string {
  const p = join(tmp, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, lines.map((l) => `${l}\n`).join(''));
  return p;
}

const run = async (paths: { files?: string[]; dirs?: string[] }, streams: FakeStreams, offsets: OffsetStore, extra: Partial<Parameters<typeof ingestSources>[1]> = {}) =>
  ingestSources(await resolveSources(paths.files ?? [], paths.dirs ?? []), { cluster: 'c1', streams, offsets, directory, batchSize: 50, ...extra });

describe('ingest of the real-format sample', () => {
  it('puts each record in its streams, counts lines, keeps the masked password, flags the cross-tenant attempt', async () => {
    const file = join(tmp, 'sample.log');
    writeFileSync(file, readFileSync(FIXTURE));
    const streams = new FakeStreams();
    const alerts: IngestAlert[] = [];
    const r = await run({ files: [file] }, streams, new MemOffsets(), { alert: (a) => alerts.push(a) });
    expect(r.linesRead).toBe(23);
    expect(r.malformed.count).toBe(0);
    expect(r.cancelled).toBe(false);
    // 18 audit records (the AuditLogManager notice is not an event); the cross-tenant one is in 3 streams
    const acme = streams.of('tenant:acme').filter((e) => e.type !== 'SECURITY_ALERT');
    const globex = streams.of('tenant:globex').filter((e) => e.type !== 'SECURITY_ALERT');
    const platform = streams.of('platform').filter((e) => e.type !== 'SECURITY_ALERT');
    // REQUEST_FAILURE names `<role tenant_acme_u_boss>` in its error: the tenant's
    // The SELECT right after the multi-line CREATE TABLE (an unescaped log) follows continuation
    // lines: it could be text of that statement, so it goes to the enclosing record's streams
    // (platform) marked suspect, not to acme as its own. So does the PREPARE right after the
    // one-line REQUEST_FAILURE (a failed statement need not be valid CQL: it may hold a line break
    // and anything after it): acme's stream (the failure's) and platform.
    expect(acme.map((e) => e.type)).toEqual(['UPDATE', 'GRANT', 'GRANT', 'UNAUTHORIZED_ATTEMPT', 'LOGIN_ERROR', 'LOGIN_ERROR', 'REQUEST_FAILURE', 'PREPARE_STATEMENT']);
    expect(globex.map((e) => e.type)).toEqual(['GRANT', 'UNAUTHORIZED_ATTEMPT']);
    expect(platform.map((e) => e.type)).toEqual(['LOGIN_SUCCESS', 'LOGIN_SUCCESS', 'CREATE_TABLE', 'SELECT', 'UNAUTHORIZED_ATTEMPT', 'PREPARE_STATEMENT', 'CREATE_ROLE', 'BATCH', 'UPDATE', 'UPDATE', 'UPDATE']);
    expect(r.ingested).toBe(acme.length + globex.length + platform.length);
    expect(r.perStream).toEqual({ platform: 11, 'tenant:acme': 8, 'tenant:globex': 2 });
    const suspect = platform.find((e) => e.type === 'SELECT')!;
    expect(suspect.detail).toMatchObject({ suspect: true, enclosingLine: 4, enclosingUser: 'cassandra', line: 9 });
    expect(suspect.detail).not.toHaveProperty('actorTenant');
    const prepare = platform.find((e) => e.type === 'PREPARE_STATEMENT')!;
    expect(prepare.detail).toMatchObject({ suspect: true, enclosingLine: 17 });
    expect(acme.find((e) => e.type === 'PREPARE_STATEMENT')!.key).toBe(prepare.key);
    expect(r.files).toEqual([{ path: file, lines: 23, ingested: 21, duplicates: 0, malformed: 0, resumedAt: 0 }]);

    const attempt = globex[1]!;
    expect(attempt).toMatchObject({ source: 'cassandra', user: 'tenant_acme_u_boss', keyspace: 'tenant_globex_data', outcome: 'refused', errorCode: 'UNAUTHORIZED_ATTEMPT', origin: '127.0.0.1:7000', at: new Date(1795917803039).toISOString() });
    expect(attempt.detail).toMatchObject({ node: '127.0.0.1:7000', source: '127.0.0.1', line: 14, actorTenant: 'acme', targetTenants: ['globex'], crossTenant: true });
    expect(acme.find((e) => e.type === 'UNAUTHORIZED_ATTEMPT')!.key).toBe(attempt.key);
    const login = acme.find((e) => e.type === 'LOGIN_ERROR')!;
    expect(login).toMatchObject({ user: null, outcome: 'error', operation: 'LOGIN FAILURE; Provided username tenant_acme_svc and/or password *******' });
    expect(platform.find((e) => e.type === 'CREATE_ROLE')!.operation).toContain("PASSWORD = '*******'");
    expect(platform.find((e) => e.type === 'CREATE_TABLE')!.operation.split('\n')).toHaveLength(5);
    // the two identical batch lines are two events
    const updates = platform.filter((e) => e.type === 'UPDATE');
    expect(new Set(updates.map((e) => e.key)).size).toBe(3);

    expect(r.alerts).toEqual([
      { kind: 'forged-record-suspected', stream: 'platform', user: 'cassandra', count: 1, first: suspect.at, last: suspect.at, message: expect.stringContaining('inside the statement text of cassandra (record at line 4)') },
      { kind: 'cross-tenant-attempt', stream: 'tenant:globex', user: 'tenant_acme_u_boss', count: 1, first: attempt.at, last: attempt.at, message: expect.stringContaining('tenant_acme_u_boss of tenant acme was refused on tenant globex') },
      { kind: 'forged-record-suspected', stream: 'tenant:acme', user: 'cassandra', count: 1, first: prepare.at, last: prepare.at, message: expect.stringContaining('(record at line 17)') },
    ]);
    expect(streams.of('platform').filter((e) => e.type === 'SECURITY_ALERT')).toHaveLength(3);
    expect(streams.of('tenant:globex').filter((e) => e.type === 'SECURITY_ALERT')).toHaveLength(1);
    expect(alerts).toEqual([
      { at: suspect.at, tenant: null, message: expect.stringContaining('forged-record-suspected') },
      { at: attempt.at, tenant: 'globex', message: expect.stringContaining('cross-tenant-attempt') },
      { at: prepare.at, tenant: 'acme', message: expect.stringContaining('forged-record-suspected') },
    ]);
  });
});

describe('idempotency and resume', () => {
  const lines = Array.from({ length: 400 }, (_, i) => rec(i, i % 3 === 0 ? { ks: 'tenant_acme_data' } : {}));

  it('re-ingesting the same file appends nothing: all duplicates, no alert twice', async () => {
    const file = writeLog('idem/audit.log', [...lines, rec(1000, { user: 'tenant_acme_u_x', type: 'UNAUTHORIZED_ATTEMPT', cat: 'AUTH', op: 'SELECT * FROM tenant_globex_data.t; User tenant_acme_u_x has no SELECT permission on <table tenant_globex_data.t> or any of its parents' })]);
    const streams = new FakeStreams();
    const first = await run({ files: [file] }, streams, new MemOffsets());
    expect(first.ingested).toBe(400 + 3);
    expect(first.alerts).toHaveLength(1);
    // no stored offsets (another machine): the keys alone make it idempotent
    const again = await run({ files: [file] }, streams, new MemOffsets());
    expect(again).toMatchObject({ ingested: 0, duplicates: 403, linesRead: 401, alerts: [] });
    // with the offsets: nothing is even read
    const offsets = new MemOffsets();
    await run({ files: [file] }, streams, offsets);
    const third = await run({ files: [file] }, streams, offsets);
    expect(third).toMatchObject({ ingested: 0, duplicates: 0, linesRead: 0 });
    expect(third.files[0]!.resumedAt).toBe(402);
  });

  it('a growing live file: only new lines are read, the unterminated tail waits for the next run', async () => {
    const file = writeLog('grow/audit.log', lines.slice(0, 100));
    const streams = new FakeStreams();
    const offsets = new MemOffsets();
    expect((await run({ files: [file] }, streams, offsets)).ingested).toBe(100);
    appendFileSync(file, `${lines.slice(100, 150).join('\n')}\n${lines[150]!.slice(0, 40)}`);
    const second = await run({ files: [file] }, streams, offsets);
    expect(second).toMatchObject({ linesRead: 50, duplicates: 0 });
    expect(second.files[0]!.resumedAt).toBe(101);
    appendFileSync(file, `${lines[150]!.slice(40)}\n`);
    const third = await run({ files: [file] }, streams, offsets);
    expect(third.linesRead).toBe(1);
    const all = [...streams.of('platform'), ...streams.of('tenant:acme')];
    expect(all).toHaveLength(151);
    expect(new Set(all.map((e) => (e.detail as { line: number }).line)).size).toBe(151);
  });

  it('cancelled mid-file: keeps what was appended, the next run resumes without duplicates', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => rec(i));
    // 3000 lines ≈ 700 kB: several 1 MiB reads would be one chunk, so make the file bigger than a chunk
    const pad = ` ${'x'.repeat(400)}`;
    const file = writeLog('cancel/audit.log', many.map((l) => l + pad));
    const streams = new FakeStreams();
    const offsets = new MemOffsets();
    const ctl = new AbortController();
    let seen = 0;
    const slow = new FakeStreams();
    slow.append = async (c, s, e) => {
      seen += e.length;
      if (seen >= 1) ctl.abort();
      return FakeStreams.prototype.append.call(streams, c, s, e);
    };
    const r = await ingestSources(await resolveSources([file], []), { cluster: 'c1', streams: slow, offsets, directory, batchSize: 50, signal: ctl.signal });
    expect(r.cancelled).toBe(true);
    expect(r.ingested).toBeGreaterThan(0);
    expect(r.ingested).toBeLessThan(3000);
    expect(streams.of('platform')).toHaveLength(r.ingested);
    const rest = await run({ files: [file] }, streams, offsets);
    expect(rest.cancelled).toBe(false);
    expect(rest.duplicates).toBe(0);
    expect(rest.files[0]!.resumedAt).toBe(r.ingested + 1);
    expect(r.ingested + rest.ingested).toBe(3000);
    expect(streams.of('platform').map((e) => (e.detail as { line: number }).line)).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
  });

  it('killed between append and offset write: the re-read records are duplicates, not new events', async () => {
    const file = writeLog('kill/audit.log', lines);
    const streams = new FakeStreams();
    streams.failAfter = 3;
    const offsets = new MemOffsets();
    await expect(run({ files: [file] }, streams, offsets)).rejects.toThrow('node down');
    const before = streams.of('platform').length + streams.of('tenant:acme').length;
    expect(before).toBeGreaterThan(0);
    streams.failAfter = null;
    const r = await run({ files: [file] }, streams, offsets);
    expect(r.files[0]!.resumedAt).toBeGreaterThan(1);
    expect(streams.of('platform').length + streams.of('tenant:acme').length).toBe(400);
  });
});

describe('rotated files, compression, directories, several nodes', () => {
  it('a rotated file keeps its identity: renamed and zipped, it resumes where the live file stopped', async () => {
    const lines = Array.from({ length: 120 }, (_, i) => rec(i));
    const live = writeLog('rot/audit.log', lines.slice(0, 80));
    const streams = new FakeStreams();
    const offsets = new MemOffsets();
    await run({ dirs: [join(tmp, 'rot')] }, streams, offsets);
    // logback rolls: the full file goes into a zip, a fresh audit.log starts
    appendFileSync(live, lines.slice(80, 100).map((l) => `${l}\n`).join(''));
    const bytes = readFileSync(live);
    writeFileSync(join(tmp, 'rot/audit.log.2026-11-29.0.zip'), zipSync({ 'audit.log.2026-11-29.0': bytes }));
    rmSync(live);
    writeLog('rot/audit.log', lines.slice(100));
    const r = await run({ dirs: [join(tmp, 'rot')] }, streams, offsets);
    expect(r.files.map((f) => [f.path.split('/').pop(), f.lines, f.resumedAt])).toEqual([
      ['audit.log.2026-11-29.0.zip', 20, 81],
      ['audit.log', 20, 0],
    ]);
    expect(r).toMatchObject({ ingested: 40, duplicates: 0 });
    expect(streams.of('platform')).toHaveLength(120);
    // the same bytes under another name and as .gz: nothing new
    const gz = join(tmp, 'copy.log.gz');
    writeFileSync(gz, gzipSync(bytes));
    const copy = join(tmp, 'renamed-copy.log');
    writeFileSync(copy, bytes);
    const again = await run({ files: [gz, copy] }, streams, new MemOffsets());
    // the gz is read whole (all duplicates); the plain copy has the same identity and resumes at its end
    expect(again).toMatchObject({ ingested: 0, duplicates: 100 });
    expect(again.files.map((f) => [f.lines, f.resumedAt])).toEqual([
      [100, 0],
      [0, 101],
    ]);
  });

  it("reads a zip written by Java's ZipOutputStream (as logback rolls: data descriptors, sizes after the data) with the same identity and keys as the plain file", async () => {
    const zip = join(tmp, 'jz/audit.log.2026-11-29.0.zip');
    mkdirSync(join(tmp, 'jz'), { recursive: true });
    // made with `jar cfM` from real-sample.txt: flag bit 3 set, zero sizes in the local header
    writeFileSync(zip, readFileSync(join(import.meta.dirname, '../../../fixtures/audit/java-zip-rotated.zip')));
    expect(readFileSync(zip).readUInt16LE(6) & 0x08).toBe(0x08);
    const plain = join(tmp, 'jz-plain.log');
    writeFileSync(plain, readFileSync(FIXTURE));
    const streams = new FakeStreams();
    const fromZip = await run({ dirs: [join(tmp, 'jz')] }, streams, new MemOffsets());
    expect(fromZip).toMatchObject({ linesRead: 23, ingested: 21, malformed: { count: 0 } });
    const fromPlain = await run({ files: [plain] }, streams, new MemOffsets());
    expect(fromPlain).toMatchObject({ linesRead: 23, ingested: 0, duplicates: 21 });
  });

  it('orders a directory by rotation date and index, live file last', () => {
    const names = ['audit.log', 'audit.log.2026-11-29.10.zip', 'audit.log.2026-11-28.0.zip', 'audit.log.2026-11-29.2.zip', 'other.log'];
    expect([...names].sort(rotationOrder)).toEqual(['audit.log.2026-11-28.0.zip', 'audit.log.2026-11-29.2.zip', 'audit.log.2026-11-29.10.zip', 'other.log', 'audit.log']);
  });

  it('two nodes, identical-looking first lines in different files: events stay apart by node', async () => {
    const a = writeLog('n1/audit.log', [rec(1, { node: '10.0.0.1:7000' }), rec(2, { node: '10.0.0.1:7000' })]);
    const b = writeLog('n2/audit.log', [rec(1, { node: '10.0.0.2:7000' }), rec(2, { node: '10.0.0.2:7000' })]);
    const streams = new FakeStreams();
    const r = await run({ files: [a, b] }, streams, new MemOffsets());
    expect(r.ingested).toBe(4);
    expect(streams.of('platform').map((e) => e.origin)).toEqual(['10.0.0.1:7000', '10.0.0.1:7000', '10.0.0.2:7000', '10.0.0.2:7000']);
  });

  it('bad paths are refused before anything is read; a damaged archive is counted and the run goes on', async () => {
    await expect(resolveSources([join(tmp, 'nope.log')], [])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(resolveSources([tmp], [])).rejects.toMatchObject({ code: 'BAD_INPUT' });
    mkdirSync(join(tmp, 'empty'), { recursive: true });
    await expect(resolveSources([], [join(tmp, 'empty')])).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('no audit log files') });
    const badZip = join(tmp, 'bad.zip');
    writeFileSync(badZip, Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100, 7)]));
    const badGz = join(tmp, 'bad.log.gz');
    writeFileSync(badGz, gzipSync(Buffer.from(`${rec(1)}\n${rec(2)}\n`)).subarray(0, 40));
    const good = writeLog('good/audit.log', [rec(7)]);
    const r = await run({ files: [badZip, badGz, good] }, new FakeStreams(), new MemOffsets());
    expect(r.ingested).toBe(1);
    expect(r.malformed.first.map((m) => [m.file.split('/').pop(), m.line])).toEqual([
      ['bad.zip', 0],
      ['bad.log.gz', 0],
    ]);
  });
});

describe('malformed, binary and huge lines', () => {
  it('are counted with file and line number; the good records around them are ingested', async () => {
    const file = join(tmp, 'mixed.log');
    const huge = `${rec(3).slice(0, 200)}${'y'.repeat(MAX_LINE_BYTES + 10)}`;
    const parts = [Buffer.from(`${rec(1)}\nstray continuation? no: after a record it is part of the operation\n`), Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a]), Buffer.from(`${rec(2)}\n${huge}\n${HEAD('x', 0)}user:broken\n${rec(4)}\n`)];
    writeFileSync(file, Buffer.concat(parts));
    const streams = new FakeStreams();
    const r = await run({ files: [file] }, streams, new MemOffsets());
    expect(r.linesRead).toBe(7);
    expect(r.malformed.first).toEqual([
      { file, line: 3, reason: 'not UTF-8 text' },
      { file, line: 5, reason: `line over ${MAX_LINE_BYTES} bytes` },
      { file, line: 6, reason: 'missing host field' },
    ]);
    const events = streams.of('platform').filter((e) => e.type !== 'SECURITY_ALERT');
    expect(events.map((e) => (e.detail as { line: number }).line)).toEqual([1, 4, 7]);
    // line 4 follows a continuation line (2) and an unreadable one (3): suspect; line 7 follows a header
    expect(events.map((e) => (e.detail as { suspect?: boolean }).suspect ?? false)).toEqual([false, true, false]);
    expect(streams.of('platform')[0]!.operation).toBe('SELECT * FROM t WHERE id = 1\nstray continuation? no: after a record it is part of the operation');
  });
});

describe('LOGIN_ERROR bursts end to end', () => {
  it('6 failures of one tenant user from one address within a minute → one alert in platform and the tenant stream; 4 from another do not', async () => {
    const fail = (i: number, user: string, source: string, ms: number) => rec(i, { user: 'null', type: 'LOGIN_ERROR', cat: 'AUTH', source, ms, op: `LOGIN FAILURE; Provided username ${user} and/or password *******` });
    const t = 1795917798000;
    const lines = [...Array.from({ length: 6 }, (_, i) => fail(i, 'tenant_acme_svc', '10.1.1.1', t + i * 5000)), ...Array.from({ length: 4 }, (_, i) => fail(10 + i, 'mallory', '10.2.2.2', t + i * 1000)), rec(99, { ms: t + 600_000 })];
    const file = writeLog('burst/audit.log', lines);
    const streams = new FakeStreams();
    const r = await run({ files: [file] }, streams, new MemOffsets(), { batchSize: 2 });
    expect(r.alerts).toEqual([{ kind: 'login-error-burst', stream: 'tenant:acme', user: 'tenant_acme_svc', count: 6, first: new Date(t).toISOString(), last: new Date(t + 25_000).toISOString(), message: '6 failed logins as tenant_acme_svc from 10.1.1.1 within 25 s' }]);
    const alert = streams.of('platform').find((e) => e.type === 'SECURITY_ALERT')!;
    expect(alert).toMatchObject({ errorCode: 'LOGIN_ERROR_BURST', user: 'tenant_acme_svc', detail: { count: 6, source: '10.1.1.1' } });
    expect(streams.of('tenant:acme').filter((e) => e.type === 'SECURITY_ALERT')).toHaveLength(1);
    const again = await run({ files: [file] }, streams, new MemOffsets(), { batchSize: 2 });
    expect(again.alerts).toEqual([]);
  });
});

describe('a tenant deleted during the run', () => {
  it('its events go to the platform stream, flagged, when the registry no longer has it; otherwise the append error stops the run', async () => {
    const file = writeLog('gone/audit.log', [rec(1, { ks: 'tenant_globex_data' }), rec(2)]);
    const streams = new FakeStreams();
    const real = streams.append.bind(streams);
    streams.append = async (c, s, e) => {
      if (s === 'tenant:globex') throw new Error('keyspace tenant_globex_csm does not exist');
      return real(c, s, e);
    };
    const r = await run({ files: [file] }, streams, new MemOffsets(), { tenantGone: async (t) => t === 'globex' });
    expect(r.perStream).toEqual({ platform: 2 });
    expect(streams.of('platform').map((e) => (e.detail as { tenantGone?: string }).tenantGone ?? null)).toEqual([null, 'globex']);
    expect(r.undelivered).toEqual([{ stream: 'tenant:globex', events: 1, reason: 'tenant globex was deleted' }]);
    // a transient error (not an AppError NOT_FOUND/FORBIDDEN) stops the run
    await expect(run({ files: [file] }, streams, new MemOffsets(), { tenantGone: async () => false })).rejects.toThrow('does not exist');
  });

  it('a tenant stream this console cannot sign (NOT_FOUND) diverts to platform, flagged with the reason; the run goes on', async () => {
    const file = writeLog('nokey/audit.log', [rec(1, { ks: 'tenant_acme_data' }), rec(2, { ks: 'tenant_globex_data' })]);
    const streams = new FakeStreams();
    const real = streams.append.bind(streams);
    streams.append = async (c, s, e) => {
      if (s === 'tenant:acme') throw new AppError('NOT_FOUND', 'tenant acme has no KEK version 1');
      return real(c, s, e);
    };
    const r = await run({ files: [file] }, streams, new MemOffsets(), { tenantGone: async () => false });
    expect(r.perStream).toEqual({ platform: 1, 'tenant:globex': 1 });
    expect(r.undelivered).toEqual([{ stream: 'tenant:acme', events: 1, reason: 'NOT_FOUND: tenant acme has no KEK version 1' }]);
    expect(streams.of('platform')[0]!.detail).toMatchObject({ undeliveredTo: 'acme', undeliveredReason: 'NOT_FOUND: tenant acme has no KEK version 1' });
  });

  it('CONFLICT is tried once more (a moved head), and diverts only when it persists (another installation’s keys)', async () => {
    const file = writeLog('conflict/audit.log', [rec(1, { ks: 'tenant_acme_data' })]);
    const streams = new FakeStreams();
    const real = streams.append.bind(streams);
    let fails = 1;
    streams.append = async (c, s, e) => {
      if (s === 'tenant:acme' && fails-- > 0) throw new AppError('CONFLICT', 'head moved');
      return real(c, s, e);
    };
    expect((await run({ files: [file] }, streams, new MemOffsets())).perStream).toEqual({ 'tenant:acme': 1 });
    fails = 2;
    const r = await run({ files: [writeLog('conflict2/audit.log', [rec(2, { ks: 'tenant_acme_data' })])] }, streams, new MemOffsets(), { tenantGone: async () => false });
    expect(r.perStream).toEqual({ platform: 1 });
    expect(r.undelivered).toEqual([{ stream: 'tenant:acme', events: 1, reason: 'CONFLICT: head moved' }]);
  });
});

describe('progress', () => {
  it('reports fractions up to 1 over the bytes of all files', async () => {
    const file = writeLog('prog/audit.log', Array.from({ length: 50 }, (_, i) => rec(i)));
    const seen: number[] = [];
    await run({ files: [file] }, new FakeStreams(), new MemOffsets(), { progress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    renameSync(file, `${file}.old`);
  });
});
