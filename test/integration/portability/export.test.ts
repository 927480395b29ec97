import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BundleInfo, Operation } from '../../../src-shared/contract/portability';
import type { LocalClient } from '../../../src-main/ipc/local-client';
import { readBundleHeader } from '../../../src-main/portability/core/bundle';
import { TableDigest } from '../../../src-main/portability/core/digest';
import { driverClient, node, SUPERUSER, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { platformConsole, provision, scrub, userClient, type Svc } from '../tenancy/support';

/**
 * Issue 11 item 1 on the shared node: a provisioned tenant with a few thousand rows of mixed
 * types (written by the tenant's own user) is exported through the channel, inspected, and its
 * per-table digests compared with digests of a direct read; a CLI export is SIGKILLed mid-table
 * and resumed to the same digests; a tampered copy is refused by inspection and by import.
 */

const PW = 'correct-horse-battery';
const ROWS = 3000;
const { types } = cassandra;

let svc: Svc;
let api: LocalClient;
let cluster: string;
let su: cassandra.Client;
const tenant = unique('xp');
const dir = mkdtempSync(join(tmpdir(), 'csm-export-'));
const dataKs = `tenant_${tenant}_data`;

async function ok<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function errorOf(p: Promise<{ ok: boolean; error?: { code: string; message: string } }>): Promise<{ code: string; message: string }> {
  const r = await p;
  if (r.ok) throw new Error('expected a failure');
  return r.error!;
}

/** Digest of every table of a keyspace by a direct paged read (all columns), as the bundle should record it. */
async function directDigests(ks: string): Promise<Map<string, { rows: number; digest: string }>> {
  const out = new Map<string, { rows: number; digest: string }>();
  const cols = (await su.execute('SELECT table_name, column_name FROM system_schema.columns WHERE keyspace_name = ?', [ks], { prepare: true })).rows;
  const by = new Map<string, string[]>();
  for (const c of cols) by.set(String(c['table_name']), [...(by.get(String(c['table_name'])) ?? []), String(c['column_name'])]);
  for (const [t, cs] of by) {
    const d = new TableDigest();
    for await (const r of await su.execute(`SELECT ${cs.map((c) => `"${c}"`).join(', ')} FROM "${ks}"."${t}"`, [], { prepare: true, fetchSize: 500 })) d.add(r as Record<string, unknown>, cs);
    out.set(t, { rows: d.rows, digest: d.hex() });
  }
  return out;
}

async function exportThroughChannel(out: string, extra: { passphrase?: string; withData?: boolean } = {}): Promise<Operation> {
  const started = await ok(api.call('tenant.export', { cluster, tenant, out, withData: extra.withData ?? true, resume: false, ...(extra.passphrase ? { passphrase: extra.passphrase } : {}) }));
  await svc.jobs.wait(started.jobId)?.catch(() => undefined);
  return ok(api.call('portability.result', { operationId: started.operationId }));
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
const cliDir = mkdtempSync(join(tmpdir(), 'csm-export-cli-'));
function csm(args: string[], opts: { stdin?: string; env?: Record<string, string>; onSpawn?: (c: ChildProcess) => void } = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', cliDir], {
      env: { ...process.env, CSM_KEYCHAIN_SERVICE: svc.keychainService, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => done({ code: code ?? (signal ? -9 : -1), stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
    opts.onSpawn?.(child);
  });
}

let firstOp: Operation;
let firstInfo: BundleInfo;
const firstPath = join(dir, 'first.csmb');

beforeAll(async () => {
  ({ svc, api, cluster } = await platformConsole());
  const saga = await provision(svc, api, cluster, tenant, 'boss', PW);
  expect(saga.state, JSON.stringify(saga.steps?.filter((s) => s.state !== 'done'))).toBe('succeeded');
  su = await driverClient();
  await su.execute(
    `CREATE TABLE "${dataKs}".mixed (id int, c int, big bigint, u uuid, tu timeuuid, ts timestamp, d date, t time, ip inet, dec decimal, vi varint, f float, db double, b blob, txt text, flag boolean, l list<text>, s set<int>, m map<text, bigint>, tup frozen<tuple<int, text>>, dur duration, PRIMARY KEY ((id), c)) WITH CLUSTERING ORDER BY (c DESC)`,
  );
  const user = await userClient(`tenant_${tenant}_u_boss`, PW);
  try {
    const q = `INSERT INTO "${dataKs}".mixed (id, c, big, u, tu, ts, d, t, ip, dec, vi, f, db, b, txt, flag, l, s, m, tup, dur) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    const params = Array.from({ length: ROWS }, (_, i) => [
      i % 97,
      i,
      types.Long.fromString(`${i % 2 ? '-' : ''}9007199254740${(i % 1000).toString().padStart(3, '0')}`),
      types.Uuid.random(),
      types.TimeUuid.now(),
      new Date(1_700_000_000_000 + i * 1000),
      types.LocalDate.fromString(`20${10 + (i % 15)}-0${1 + (i % 9)}-1${i % 10}`),
      types.LocalTime.fromString(`1${i % 10}:2${i % 10}:3${i % 10}.${String(i).padStart(9, '0').slice(0, 9)}`),
      types.InetAddress.fromString(i % 2 ? `10.0.${i % 256}.${(i * 7) % 256}` : `fe80::${i.toString(16)}`),
      types.BigDecimal.fromString(`${i}.${i % 1000}`),
      types.Integer.fromString(`${i}123456789012345678901234567890`),
      i / 3,
      i * Math.PI,
      Buffer.from([i % 256, (i >> 8) % 256, 0, 255]),
      i % 50 === 0 ? null : `text ${i} “ünïcode” '\u0007`,
      i % 2 === 0,
      [`a${i}`, `b${i}`],
      [i, i + 1],
      { [`k${i}`]: types.Long.fromNumber(i * 1000) },
      new types.Tuple(i, `t${i}`),
      new types.Duration(i % 12, i % 28, types.Long.fromNumber(i * 1_000_000)),
    ]);
    // Modest concurrency: the shared node runs on a loaded 2-core machine.
    await cassandra.concurrent.executeConcurrent(user, q, params, { concurrencyLevel: 8 });
  } finally {
    await user.shutdown();
  }
  firstOp = await exportThroughChannel(firstPath);
  firstInfo = await ok(api.call('tenant.inspectBundle', { path: firstPath }));
}, 300_000);

afterAll(async () => {
  await su?.shutdown();
  await svc?.close();
  await scrub([tenant]);
});

describe('tenant export on the real node', () => {
  it('exports a provisioned tenant with data: a succeeded operation, a verified bundle, the digests of a direct read', async () => {
    expect(firstOp).toMatchObject({ kind: 'export', state: 'succeeded', tenant, cluster, path: firstPath, error: null });
    expect(firstOp.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(firstOp.rows).toBeGreaterThanOrEqual(ROWS);
    expect(firstInfo).toMatchObject({ tenant, sourceCluster: cluster, withData: true, wrap: 'installation', signatureOk: true, complete: true, signedByThisInstallation: true, sha256: firstOp.sha256 });
    expect(firstInfo.roles).toBeGreaterThanOrEqual(3);
    // The user's bcrypt hash travels only inside the encrypted manifest: not in the file's clear bytes, not in what inspection shows.
    const hash = String((await su.execute('SELECT salted_hash FROM system_auth.roles WHERE role = ?', [`tenant_${tenant}_u_boss`], { prepare: true })).rows[0]!['salted_hash']);
    expect(hash).toMatch(/^\$2a\$/);
    expect(readFileSync(firstPath).includes(Buffer.from(hash))).toBe(false);
    expect(JSON.stringify(firstInfo)).not.toContain(hash.slice(7, 29));
    expect(firstInfo.grants).toBeGreaterThan(0);
    expect(firstInfo.keyspaces).toEqual(expect.arrayContaining([dataKs, `tenant_${tenant}_csm`]));
    const direct = await directDigests(dataKs);
    const inBundle = firstInfo.tables.filter((t) => t.keyspace === dataKs);
    expect(inBundle.map((t) => t.table).sort()).toEqual([...direct.keys()].sort());
    for (const t of inBundle) expect({ table: t.table, rows: t.rows, digest: t.sha256 }).toEqual({ table: t.table, ...direct.get(t.table) });
    expect(inBundle.find((t) => t.table === 'mixed')?.rows).toBe(ROWS);
    // The console keyspace's wrapped keys travel as they are.
    const keysNow = (await directDigests(`tenant_${tenant}_csm`)).get('data_keys');
    expect(firstInfo.tables.find((t) => t.keyspace === `tenant_${tenant}_csm` && t.table === 'data_keys')).toMatchObject({ rows: keysNow?.rows, sha256: keysNow?.digest });
    // Recorded operations are listed, newest first.
    const listed = await ok(api.call('portability.list', { tenant, kind: 'export' }));
    expect(listed[0]?.id).toBe(firstOp.id);
  });

  it('refuses an existing output (CONFLICT) and keeps the file; a passphrase bundle needs its passphrase', async () => {
    const before = readFileSync(firstPath);
    const again = await exportThroughChannel(firstPath);
    expect(again.state).toBe('failed');
    expect(again.error).toMatch(/^CONFLICT: .*exists/);
    expect(readFileSync(firstPath).equals(before)).toBe(true);

    const pPath = join(dir, 'pass.csmb');
    const op = await exportThroughChannel(pPath, { passphrase: 'bundle passphrase 123', withData: false });
    expect(op.state).toBe('succeeded');
    const info = await ok(api.call('tenant.inspectBundle', { path: pPath, passphrase: 'bundle passphrase 123' }));
    expect(info).toMatchObject({ wrap: 'passphrase', withData: false, signatureOk: true });
    expect(info.keyspaces).toEqual([`tenant_${tenant}_csm`, dataKs].sort());
    // Without data every table's definition travels (the data tables empty), only the console keyspace's rows.
    expect(info.tables.some((t) => t.keyspace === dataKs)).toBe(true);
    expect(info.tables.filter((t) => t.keyspace === dataKs).every((t) => t.rows === 0)).toBe(true);
    expect(await errorOf(api.call('tenant.inspectBundle', { path: pPath, passphrase: 'not the passphrase!' }))).toMatchObject({ code: 'AUTH_FAILED' });
    expect(await errorOf(api.call('tenant.inspectBundle', { path: pPath }))).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/passphrase/) });
  }, 120_000);

  it('a tampered bundle is refused by inspection and by import, before anything is created', async () => {
    const good = readFileSync(firstPath);
    const bad = Buffer.from(good);
    const at = Math.floor(good.length / 2);
    bad[at] = (bad[at] as number) ^ 0x40;
    const badPath = join(dir, 'tampered.csmb');
    writeFileSync(badPath, bad);
    const e = await errorOf(api.call('tenant.inspectBundle', { path: badPath }));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/bundle refused: .*(chunk|record|manifest)/);
    const newId = unique('xq');
    const started = await ok(api.call('tenant.import', { cluster, path: badPath, newId }));
    await svc.jobs.wait(started.jobId)?.catch(() => undefined);
    const op = await ok(api.call('portability.result', { operationId: started.operationId }));
    expect(op.state).toBe('failed');
    expect(op.error).toMatch(/^BAD_INPUT: bundle refused/);
    const ks = await su.execute("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?", [`tenant_${newId}_csm`], { prepare: true });
    expect(ks.rows).toHaveLength(0);
    const reg = await su.execute('SELECT id FROM csm_system.tenants WHERE id = ?', [newId], { prepare: true });
    expect(reg.rows).toHaveLength(0);
    await scrub([newId]);
  }, 120_000);

  it('a CLI export SIGKILLed mid-table resumes with --resume to the digests of the uninterrupted export', async () => {
    const added = await csm(['cluster', 'add', cluster, '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', SUPERUSER.username, '--password-stdin', '--json'], { stdin: `${SUPERUSER.password}\n` });
    expect(added.code, added.stderr).toBe(0);
    const out = join(dir, 'killed.csmb');
    const journal = `${out}.journal`;
    const env = { CSM_EXPORT_PAGE_SIZE: '50', CSM_EXPORT_THROTTLE_MS: '25' };
    let chunksAtKill = 0;
    const killed = await csm(['tenant', 'export', tenant, '--cluster', cluster, '--out', out, '--with-data', '--json'], {
      env,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          try {
            const j = JSON.parse(readFileSync(journal, 'utf8')) as { chunks: unknown[]; tables: { done: boolean; pageState: string | null }[] };
            // Killed in the middle of a table (a page state recorded), well into the data.
            if (j.chunks.length >= 12 && j.tables.some((t) => !t.done && t.pageState)) {
              chunksAtKill = j.chunks.length;
              clearInterval(poll);
              child.kill('SIGKILL');
            }
          } catch {
            /* not written yet, or being renamed */
          }
        }, 20);
        child.on('close', () => clearInterval(poll));
      },
    });
    expect(killed.code, `${killed.stdout}\n${killed.stderr}`).toBe(-9);
    expect(chunksAtKill).toBeGreaterThanOrEqual(12);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(true);
    const partialHeader = await readBundleHeader(`${out}.partial`);

    // The operation record outlives the process and says so; inspection shows an unfinished export.
    const listed = JSON.parse((await csm(['operation', 'list', '--tenant', tenant, '--json'])).stdout) as Operation[];
    expect(listed[0]).toMatchObject({ kind: 'export', state: 'interrupted', path: out });
    const unfinished = await csm(['tenant', 'inspect-bundle', out, '--json']);
    expect(unfinished.code).toBe(1);
    expect(JSON.parse(unfinished.stdout)).toMatchObject({ complete: false, signatureOk: false });
    // Without --resume the interrupted export is not overwritten.
    const refused = await csm(['tenant', 'export', tenant, '--cluster', cluster, '--out', out, '--with-data', '--json']);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/CONFLICT.*--resume/);

    const resumed = await csm(['tenant', 'export', tenant, '--cluster', cluster, '--out', out, '--with-data', '--resume', '--json'], { env: { CSM_EXPORT_PAGE_SIZE: '50' } });
    expect(resumed.code, resumed.stderr).toBe(0);
    const op = JSON.parse(resumed.stdout) as Operation;
    expect(op).toMatchObject({ kind: 'export', state: 'succeeded', path: out });
    expect(existsSync(journal)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
    // The same bundle continued (same header, same bundle key), not a new one.
    expect((await readBundleHeader(out)).createdAt).toBe(partialHeader.createdAt);

    const info = await ok(api.call('tenant.inspectBundle', { path: out }));
    expect(info).toMatchObject({ signatureOk: true, complete: true });
    expect(info.chunks).toBeGreaterThan(chunksAtKill);
    const data = (i: BundleInfo) => i.tables.filter((t) => t.keyspace === dataKs || t.table === 'data_keys').map((t) => `${t.keyspace}.${t.table} ${t.rows} ${t.sha256}`).sort();
    expect(data(info)).toEqual(data(firstInfo));
    expect(info.rows).toBeGreaterThanOrEqual(ROWS);
  }, 300_000);
});
