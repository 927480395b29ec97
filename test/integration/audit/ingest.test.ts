import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventView, IngestReport } from '../../../src-shared/contract/audit';
import type { SecurityAlert } from '../../../src-shared/contract/tenants';
import { openSource, resolveSources } from '../../../src-main/audit/ingest/reader';
import { MasterKeyProvider } from '../../../src-main/keys/master';
import { driverClient, node, unique } from '../../support/cassandra';
import { platformConsole, provision, scrub, userClient, type Svc } from '../tenancy/support';
import type { LocalClient } from '../../../src-main/ipc/local-client';
import { spawn } from 'node:child_process';
import { inject } from 'vitest';
import { SUPERUSER } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';

/**
 * Ingesting the shared node's REAL audit log (issue 9, item 2). Known statements are run as
 * known tenant users; the node writes them to logs/audit/audit.log; the console ingests the
 * log directory and the exact events must land in the right tenant streams.
 *
 * The shared log holds hours of every other test's records. This console starts where the log
 * stood just before our statements — through the resume table itself (audit_ingest_files): each
 * file already in the directory is recorded as read up to its current end. Assertions are
 * filtered by this file's unique tenant ids; everything else in the window is other tests'.
 */

const PW = 'correct-horse-battery';
const a = unique('ia');
const b = unique('ib');
const marker = unique('mk');
let svc: Svc;
let api: LocalClient;
let cluster: string;
let auditDir: string;
let start: Seed[];
const alerts: SecurityAlert[] = [];
const work = mkdtempSync(join(tmpdir(), 'csm-ingest-int-'));

async function call<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

interface Seed {
  fileId: string;
  path: string;
  offset: number;
  line: number;
}

/** Where each audit file in the directory ends now (the start of the window). */
async function windowStart(): Promise<Seed[]> {
  const out: Seed[] = [];
  for (const src of await resolveSources([], [auditDir])) {
    for (const o of await openSource(src)) {
      if (!o.fileId) continue;
      let end = 0;
      let line = 1;
      if (src.kind === 'plain') {
        const text = await readFile(src.file);
        end = text.lastIndexOf(0x0a, Math.min(o.length ?? text.length, text.length) - 1) + 1;
        for (let i = text.indexOf(0x0a); i >= 0 && i < end; i = text.indexOf(0x0a, i + 1)) line += 1;
      } else {
        for await (const batch of o.lines(0, 1, () => undefined))
          for (const l of batch) {
            end = l.end;
            line = l.lineNo + 1;
          }
      }
      out.push({ fileId: o.fileId, path: o.source.path, offset: end, line });
    }
  }
  return out;
}

/** Record the window start in a console's resume table, as if it had ingested everything before. */
function seed(s: Svc, c: string, rows: Seed[]): void {
  const put = s.store.db.prepare('INSERT OR REPLACE INTO audit_ingest_files (cluster, file_id, path, offset, line, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
  for (const r of rows) put.run(c, r.fileId, r.path, r.offset, r.line, new Date().toISOString());
}

/**
 * The shared dev node keeps one platform audit-signing key in csm_system, sealed under the master
 * key of whichever test run created it; every run has its own installation master key. Like the
 * stale tenant KEKs the global setup forgets, a key this run cannot open is retired (public half
 * kept, so batches it signed still verify) and the streams create the next version for this run.
 */
async function retireForeignPlatformKey(s: Svc): Promise<void> {
  const mine = (await new MasterKeyProvider(s.secrets, async () => null).current())?.fingerprint ?? null;
  const c = await driverClient();
  try {
    const rs = await c.execute('SELECT version, master_fingerprint, state FROM csm_system.audit_signing_keys');
    for (const r of rs.rows) {
      if (r['state'] === 'active' && r['master_fingerprint'] !== mine) {
        await c.execute("UPDATE csm_system.audit_signing_keys SET state = 'retired', key_wrapped = null, retired_at = toTimestamp(now()) WHERE version = ?", [r['version']], { prepare: true });
      }
    }
  } finally {
    await c.shutdown();
  }
}

/**
 * Concurrent test runs on the shared node (each its own master key) race for that one key: when
 * another run made the next version between our retire and our first signature, retire again.
 */
async function withOwnPlatformKey<T>(s: Svc, fn: () => Promise<T>, foreign: (v: T) => boolean = () => false): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const v = await fn();
      if (attempt < 5 && foreign(v)) {
        await retireForeignPlatformKey(s);
        continue;
      }
      return v;
    } catch (e) {
      if (attempt >= 5 || !/platform audit-signing key is sealed under master key/.test(String(e))) throw e;
      await retireForeignPlatformKey(s);
    }
  }
}

/** Wait until the node has written a line containing `needle` (FileAuditLogger flushes each event). */
async function waitForLog(needle: string, count = 1): Promise<void> {
  const live = join(auditDir, 'audit.log');
  for (let i = 0; i < 100; i++) {
    const size = (await stat(live)).size;
    const fh = await open(live, 'r');
    try {
      const len = Math.min(size, 4 * 1024 * 1024);
      const buf = Buffer.alloc(len);
      await fh.read(buf, 0, len, size - len);
      const text = buf.toString('utf8');
      if (text.split(needle).length - 1 >= count) return;
    } finally {
      await fh.close();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the audit log never showed ${needle}`);
}

async function events(tenant: string | null, filter: { type?: string } = {}): Promise<AuditEventView[]> {
  await call(api.call('audit.sync', { cluster, ...(tenant ? { tenant } : {}) }));
  const page = await call(api.call('audit.query', { cluster, ...(tenant ? { tenant } : {}), filter: { source: 'cassandra', limit: 5000, ...filter } }));
  return page.events;
}

async function ingest(client: LocalClient = api): Promise<IngestReport> {
  return call(client.call('audit.ingest', { cluster, files: [], dirs: [auditDir] }));
}

describe('audit.ingest against the real node', () => {
  let first: IngestReport;

  beforeAll(async () => {
    ({ svc, api, cluster } = await platformConsole());
    auditDir = dirname(node().auditLogPaths[0]!);
    svc.bus.subscribe((name, payload) => {
      if (name === 'security.alert') alerts.push(payload as SecurityAlert);
    });
    const [sa, sb] = [await provision(svc, api, cluster, a, 'boss', PW), await provision(svc, api, cluster, b, 'boss', PW)];
    expect([sa.state, sb.state], JSON.stringify([sa, sb]).slice(0, 2000)).toEqual(['succeeded', 'succeeded']);
    await retireForeignPlatformKey(svc);
    start = await windowStart();
    seed(svc, cluster, start);

    // Known statements as known tenant users (simple statements, so the values are in the log text).
    const ua = await userClient(`tenant_${a}_u_boss`, PW);
    const ub = await userClient(`tenant_${b}_u_boss`, PW);
    try {
      await ua.execute(`INSERT INTO "tenant_${a}_data".events (bucket, at, payload) VALUES ('${marker}_a', now(), 0x01)`);
      await ua.execute(`SELECT * FROM "tenant_${a}_data".events WHERE bucket = '${marker}_a'`);
      await ub.execute(`INSERT INTO "tenant_${b}_data".events (bucket, at, payload) VALUES ('${marker}_b', now(), 0x02)`);
      const refused = await ua.execute(`SELECT * FROM "tenant_${b}_data".events WHERE bucket = '${marker}_x'`).then(
        () => 'allowed',
        (e: Error) => e.message,
      );
      expect(refused).toMatch(/permission/i);
    } finally {
      await ua.shutdown();
      await ub.shutdown();
    }
    // Six wrong-password logins as tenant b's service role, in well under a minute.
    for (let i = 0; i < 6; i++) {
      let c: cassandra.Client | null = null;
      const err = await driverClient({ username: `tenant_${b}_svc`, password: `wrong-${i}-password` }).then(
        (cl) => {
          c = cl;
          return 'connected';
        },
        (e: Error) => e.message,
      );
      await (c as cassandra.Client | null)?.shutdown();
      expect(err).not.toBe('connected');
    }
    await waitForLog(`Provided username tenant_${b}_svc and/or password`, 6);
    await waitForLog(`${marker}_x`);
    first = await withOwnPlatformKey(svc, () => ingest());
  }, 240_000);

  afterAll(async () => {
    await svc?.close();
    await scrub([a, b]);
    rmSync(work, { recursive: true, force: true });
  });

  it('reads the window of the live log without a malformed line and appends it', () => {
    expect(first.cancelled).toBe(false);
    expect(first.malformed).toEqual({ count: 0, first: [] });
    expect(first.linesRead).toBeGreaterThanOrEqual(10);
    expect(first.ingested).toBeGreaterThan(0);
    const live = first.files.find((f) => f.path.endsWith('/audit.log'))!;
    expect(live.resumedAt).toBeGreaterThan(1);
    expect(first.perStream[`tenant:${a}`]).toBeGreaterThanOrEqual(3);
    expect(first.perStream[`tenant:${b}`]).toBeGreaterThanOrEqual(7);
  });

  it("tenant A's stream holds A's INSERT and SELECT, by A's user, and the refused attempt on B", async () => {
    const evs = await events(a);
    const mine = evs.filter((e) => e.operation.includes(marker));
    const insert = mine.find((e) => e.type === 'UPDATE' && e.operation.includes(`'${marker}_a'`));
    const select = mine.find((e) => e.type === 'SELECT' && e.operation.includes(`'${marker}_a'`));
    expect(insert).toMatchObject({ source: 'cassandra', category: 'DML', user: `tenant_${a}_u_boss`, keyspace: `tenant_${a}_data`, scope: 'events', outcome: 'ok', origin: expect.stringMatching(/:\d+$/) });
    expect(select).toMatchObject({ category: 'QUERY', user: `tenant_${a}_u_boss`, keyspace: `tenant_${a}_data`, outcome: 'ok' });
    const attempt = mine.find((e) => e.type === 'UNAUTHORIZED_ATTEMPT');
    expect(attempt).toMatchObject({ user: `tenant_${a}_u_boss`, keyspace: `tenant_${b}_data`, outcome: 'refused', errorCode: 'UNAUTHORIZED_ATTEMPT' });
    expect(attempt!.detail).toMatchObject({ actorTenant: a, targetTenants: [b], crossTenant: true });
    // nothing of tenant B's own work leaks into A's stream
    expect(evs.some((e) => e.operation.includes(`'${marker}_b'`))).toBe(false);
    expect(evs.some((e) => e.type === 'LOGIN_ERROR')).toBe(false);
  });

  it("tenant B's stream holds B's INSERT, the attempt against it, the six failed logins and the burst alert", async () => {
    const evs = await events(b);
    expect(evs.find((e) => e.type === 'UPDATE' && e.operation.includes(`'${marker}_b'`))).toMatchObject({ user: `tenant_${b}_u_boss`, keyspace: `tenant_${b}_data` });
    expect(evs.filter((e) => e.type === 'UNAUTHORIZED_ATTEMPT' && e.operation.includes(`${marker}_x`))).toHaveLength(1);
    const logins = evs.filter((e) => e.type === 'LOGIN_ERROR' && e.operation.includes(`Provided username tenant_${b}_svc`));
    expect(logins.length).toBeGreaterThanOrEqual(6);
    for (const l of logins) {
      expect(l).toMatchObject({ user: null, outcome: 'error', category: 'AUTH' });
      expect(l.operation).toMatch(/and\/or password \*{7}$/);
      expect(l.operation).not.toContain('wrong-');
    }
    const alertsHere = evs.filter((e) => e.type === 'SECURITY_ALERT');
    expect(alertsHere.map((e) => e.errorCode).sort()).toEqual(['CROSS_TENANT_ATTEMPT', 'LOGIN_ERROR_BURST']);
  });

  it('the platform stream holds the cross-tenant attempt and both alerts; the report and the bus raise them', async () => {
    const attempts = await events(null, { type: 'UNAUTHORIZED_ATTEMPT' });
    expect(attempts.filter((e) => e.operation.includes(`${marker}_x`))).toHaveLength(1);
    const alertEvents = (await events(null, { type: 'SECURITY_ALERT' })).filter((e) => e.operation.includes(`tenant_${b}_svc`) || e.operation.includes(`${marker}_x`));
    expect(alertEvents.map((e) => e.errorCode).sort()).toEqual(['CROSS_TENANT_ATTEMPT', 'LOGIN_ERROR_BURST']);

    const cross = first.alerts.find((x) => x.kind === 'cross-tenant-attempt' && x.stream === `tenant:${b}` && x.user === `tenant_${a}_u_boss`);
    expect(cross).toMatchObject({ count: 1 });
    expect(cross!.message).toContain(`of tenant ${a} was refused on tenant ${b}`);
    const burst = first.alerts.find((x) => x.kind === 'login-error-burst' && x.user === `tenant_${b}_svc`);
    expect(burst).toMatchObject({ stream: `tenant:${b}` });
    expect(burst!.count).toBeGreaterThanOrEqual(6);
    const onBus = alerts.filter((x) => x.channel === 'audit.ingest' && x.cluster === cluster);
    expect(onBus.some((x) => x.tenant === b && x.message.includes('cross-tenant-attempt') && x.message.includes(`tenant_${a}_u_boss`))).toBe(true);
    expect(onBus.some((x) => x.tenant === b && x.message.includes('login-error-burst'))).toBe(true);
  });

  it('re-ingesting adds nothing of ours: from the stored offsets, and again from the window start without them', async () => {
    const count = async () => {
      const evA = (await events(a)).filter((e) => e.operation.includes(marker));
      const evB = await events(b);
      return {
        a: evA.length,
        b: evB.filter((e) => e.operation.includes(marker)).length,
        logins: evB.filter((e) => e.type === 'LOGIN_ERROR' && e.operation.includes(`tenant_${b}_svc`)).length,
        alerts: evB.filter((e) => e.type === 'SECURITY_ALERT').length,
      };
    };
    const before = await count();
    expect(before).toMatchObject({ a: 3, alerts: 2 });

    const again = await ingest();
    expect(again.files.find((f) => f.path.endsWith('/audit.log'))!.resumedAt).toBeGreaterThan(1);
    expect(again.alerts.filter((x) => x.user === `tenant_${a}_u_boss` || x.user === `tenant_${b}_svc`)).toEqual([]);

    // Forget the offsets (another machine, a wiped cache): everything since the window start is
    // read again, and the events' keys — held in Cassandra — make the streams drop ours.
    svc.store.db.prepare('DELETE FROM audit_ingest_files WHERE cluster = ?').run(cluster);
    seed(svc, cluster, start);
    const fresh = await ingest();
    expect(fresh.files.find((f) => f.path.endsWith('/audit.log'))!.resumedAt).toBe(start.find((r) => r.path.endsWith('/audit.log'))!.line);
    expect(fresh.linesRead).toBeGreaterThanOrEqual(first.linesRead);
    expect(fresh.duplicates).toBeGreaterThan(0);
    expect(fresh.alerts.filter((x) => x.user === `tenant_${a}_u_boss` || x.user === `tenant_${b}_svc`)).toEqual([]);
    // (the console's own reads of a tenant's stream are Cassandra audit records of that tenant too,
    // so the tenant streams do grow — but not by any of the statements above)
    expect(await count()).toEqual(before);
  });

  it('a cancelled ingest keeps what it appended, the next run resumes where it stopped, nothing twice, the chain verifies', async () => {
    // 6,000 records in the node's own format for tenant A's service role (the live log has too few of ours to cancel half-way)
    const lines: string[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 6000; i++) {
      lines.push(
        `INFO  [Native-Transport-Requests-${1 + (i % 4)}] 2026-11-29 09:00:00,000 FileAuditLogger.java:51 - user:tenant_${a}_svc|host:/127.0.0.1:7000|source:/127.0.0.1|port:${40000 + (i % 100)}|timestamp:${t0 + i}|type:SELECT|category:QUERY|ks:tenant_${a}_data|scope:events|operation:SELECT * FROM "tenant_${a}_data".events WHERE bucket = '${marker}_bulk_${i}'`,
      );
    }
    const file = join(work, 'bulk-audit.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const before = await call(api.call('audit.verify', { cluster, tenant: a }));

    let cancelledJob: string | null = null;
    const off = svc.bus.subscribe((name, payload) => {
      const p = payload as { jobId: string; kind: string; step: string };
      if (name === 'job.progress' && p.kind === 'audit.ingest' && p.step === 'reading' && !cancelledJob) {
        cancelledJob = p.jobId;
        svc.jobs.cancel(p.jobId);
      }
    });
    const one = await call(api.call('audit.ingest', { cluster, files: [file], dirs: [] })).finally(off);
    expect(cancelledJob).not.toBeNull();
    expect(one.cancelled).toBe(true);
    expect(one.perStream[`tenant:${a}`]).toBeGreaterThan(0);
    expect(one.perStream[`tenant:${a}`]).toBeLessThan(6000);
    // The job says cancelled (with its partial report), not succeeded.
    expect((await svc.jobs.list()).find((j) => j.id === cancelledJob)?.state).toBe('cancelled');

    const two = await call(api.call('audit.ingest', { cluster, files: [file], dirs: [] }));
    expect(two.cancelled).toBe(false);
    expect(two.files[0]!.resumedAt).toBe(one.perStream[`tenant:${a}`]! + 1);
    expect(two.duplicates).toBe(0);
    expect(one.perStream[`tenant:${a}`]! + two.perStream[`tenant:${a}`]!).toBe(6000);

    const three = await call(api.call('audit.ingest', { cluster, files: [file], dirs: [] }));
    expect(three).toMatchObject({ linesRead: 0, ingested: 0, duplicates: 0 });

    const after = await call(api.call('audit.verify', { cluster, tenant: a }));
    expect(after.intact).toBe(true);
    expect(after.events - before.events).toBe(6000);
  }, 600_000);

  it('bad input: a missing file, a file that is not a log directory, are refused before anything is read', async () => {
    const missing = await api.call('audit.ingest', { cluster, files: [join(work, 'nope.log')], dirs: [] });
    expect(missing.ok ? null : missing.error.code).toBe('NOT_FOUND');
    const notDir = await api.call('audit.ingest', { cluster, files: [], dirs: [join(work, 'bulk-audit.log')] });
    expect(notDir.ok ? null : notDir.error.code).toBe('BAD_INPUT');
    const relative = await api.call('audit.ingest', { cluster, files: ['audit.log'], dirs: [] });
    expect(relative.ok ? null : relative.error.code).toBe('BAD_INPUT');
  });

  it('csm audit ingest --file … --json: the report as one JSON document; text mode names streams, files and malformed lines; bad paths exit non-zero', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'csm-cli-ingest-'));
    const csm = (args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((ok) => {
        const child = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', dataDir], {
          env: { ...process.env, CSM_KEYCHAIN_SERVICE: inject('installationKeychain') },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
        child.stdin.end(stdin);
      });
    try {
      const added = await csm(['cluster', 'add', 'main', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', SUPERUSER.username, '--password-stdin', '--json'], `${SUPERUSER.password}\n`);
      expect(added.code, added.stderr).toBe(0);
      const t = Date.now();
      const rec = (i: number) =>
        `INFO  [Native-Transport-Requests-1] 2026-11-29 09:00:00,000 FileAuditLogger.java:51 - user:tenant_${b}_svc|host:/127.0.0.1:7000|source:/127.0.0.1|port:5000${i}|timestamp:${t + i}|type:SELECT|category:QUERY|ks:tenant_${b}_data|scope:events|operation:SELECT * FROM "tenant_${b}_data".events WHERE bucket = '${marker}_cli_${i}'`;
      const file = join(work, 'cli-audit.log');
      writeFileSync(file, `${rec(1)}\n${rec(2)}\n${rec(3)}\nINFO  [x] 2026-11-29 09:00:00,000 FileAuditLogger.java:51 - user:broken\n${rec(4)}\n`);

      const json = await withOwnPlatformKey(
        svc,
        () => csm(['audit', 'ingest', '--cluster', 'main', '--file', file, '--json']),
        (run) => /platform audit-signing key is sealed under master key/.test(run.stdout + run.stderr),
      );
      expect(json.code, json.stderr).toBe(0);
      const r = JSON.parse(json.stdout) as IngestReport;
      expect(r).toMatchObject({ cluster: 'main', linesRead: 5, ingested: 4, duplicates: 0, cancelled: false, perStream: { [`tenant:${b}`]: 4 } });
      expect(r.malformed).toEqual({ count: 1, first: [{ file, line: 4, reason: 'missing host field' }] });

      const text = await csm(['audit', 'ingest', '--cluster', 'main', '--file', file]);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain('ingested 0 events into main from 0 lines');
      expect(text.stdout).toMatch(/RESUMED AT LINE[\s\S]*cli-audit\.log\s+0\s+0\s+0\s+0\s+6/);

      const missing = await csm(['audit', 'ingest', '--cluster', 'main', '--file', join(work, 'missing.log'), '--json']);
      expect(missing.code).not.toBe(0);
      expect(missing.stdout + missing.stderr).toMatch(/NOT_FOUND|no such file/);
      const none = await csm(['audit', 'ingest', '--cluster', 'main', '--json']);
      expect(none.code).not.toBe(0);
      expect(none.stdout + none.stderr).toMatch(/--file or --dir/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
