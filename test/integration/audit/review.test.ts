import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipEntries, type SNAPSHOT_ENTRIES } from '../../../src-main/audit/review/snapshot-file';
import { keyFingerprint } from '../../../src-main/audit/streams/chain';
import { localClient, type LocalClient } from '../../../src-main/ipc/local-client';
import { secretKey } from '../../../src-main/secrets/secret-key';
import { realServices, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { platformConsole, provision, scrub, type Svc } from '../tenancy/support';

const PW = 'correct-horse-battery';
const USER_PW = 'Correct-Horse-Battery-9';
type Entries = Record<(typeof SNAPSHOT_ENTRIES)[number], Uint8Array>;

async function ok<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: { code: string; message: string } }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** The real `csm` binary on the laptop's data dir and keychain. */
function csm(dir: string, keychain: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', dir], { env: { ...process.env, CSM_KEYCHAIN_SERVICE: keychain }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (code) => done({ code: code ?? -1, stdout }));
  });
}

/**
 * Issue 9 items 3–4 on the real node, keychain and SQLite files: a platform console changes a
 * tenant, exports a signed snapshot of the tenant's stream; a second console of another
 * installation (own data dir, own keychain, no cluster profile, never signs in) verifies,
 * imports (sealed at rest), queries and reports it; a tampered copy is named and refused.
 */
describe('audit snapshots: export on the platform console, review offline on a laptop', () => {
  let svc: Svc;
  let api: LocalClient;
  let cluster: string;
  let laptop: Svc;
  let lapi: LocalClient;
  const laptopKeychain = unique('csm-laptop');
  const tenant = unique('ar');
  const dir = mkdtempSync(join(tmpdir(), 'csm-audit-review-'));
  const snap = join(dir, 'tenant.csmaudit.zip');
  let fingerprint: string;

  beforeAll(async () => {
    ({ svc, api, cluster } = await platformConsole());
    const saga = await provision(svc, api, cluster, tenant, 'boss', PW);
    expect(saga.state, JSON.stringify(saga).slice(0, 500)).toBe('succeeded');
    await ok(api.call('user.create', { cluster, tenant, name: 'alice', template: 'read-only', password: USER_PW }));
    await ok(api.call('user.create', { cluster, tenant, name: 'bob', template: 'read-write', password: USER_PW }));
    await ok(api.call('user.lock', { cluster, tenant, name: 'bob' }));
    const dup = await api.call('user.create', { cluster, tenant, name: 'alice', template: 'read-only', password: USER_PW });
    expect(dup.ok).toBe(false);
    fingerprint = keyFingerprint((await svc.keys.for(cluster).signingPublicKey(tenant)).pem);
    laptop = await realServices('cli', { keychainService: laptopKeychain });
    lapi = localClient(laptop.router, { host: 'cli' });
  });

  afterAll(async () => {
    await laptop?.secrets.delete(secretKey.installationMasterKey()).catch(() => undefined);
    await laptop?.close();
    await svc?.close();
    await scrub([tenant]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('queries the live stream with filters and text (the mirror syncs from Cassandra)', async () => {
    // The router's entries reach the stream in flushed, signed batches: wait for the last one.
    let page = await ok(api.call('audit.query', { cluster, tenant, filter: { limit: 200, type: 'user.lock' } }));
    for (let i = 0; i < 40 && page.total === 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      page = await ok(api.call('audit.query', { cluster, tenant, filter: { limit: 200, type: 'user.lock' } }));
    }
    expect(page.total).toBe(1);
    expect(page.stream).toBe(`tenant:${tenant}`);
    const creates = await ok(api.call('audit.query', { cluster, tenant, filter: { limit: 200, type: 'user.create' } }));
    expect(creates.events.map((e) => e.outcome).sort()).toEqual(['error', 'ok', 'ok']);
    const failed = await ok(api.call('audit.query', { cluster, tenant, filter: { limit: 200, outcome: 'error' } }));
    expect(failed.events.some((e) => e.type === 'user.create' && e.errorCode === 'CONFLICT')).toBe(true);
    // Console operations read `user.lock tenant=<id> → ok`: the words user, lock, tenant … are searchable.
    const lock = await ok(api.call('audit.query', { cluster, tenant, filter: { limit: 200, text: 'lock' } }));
    expect(lock.events.map((e) => e.type)).toEqual(['user.lock']);
    const prefix = await ok(api.call('audit.query', { cluster, tenant, filter: { limit: 200, text: 'cre*' } }));
    expect(prefix.total).toBe(3);
    // Hostile search text is words, never syntax.
    const weird = await api.call('audit.query', { cluster, tenant, filter: { limit: 5, text: 'NEAR( "bob OR *' } });
    expect(weird.ok).toBe(true);
    // Another tenant's id is a different stream: nothing of this tenant shows there.
    const other = await api.call('audit.query', { cluster, tenant: unique('zz'), filter: { limit: 5 } });
    if (other.ok) expect(other.value.events).toEqual([]);
  });

  it('exports a signed snapshot of the tenant stream', async () => {
    const r = await ok(api.call('audit.export', { cluster, tenant, out: snap }));
    expect(r.events).toBeGreaterThanOrEqual(4);
    expect(r.signerFingerprint).toBe(fingerprint);
    const again = await api.call('audit.export', { cluster, tenant, out: snap });
    expect(!again.ok && again.error.code).toBe('CONFLICT');
  });

  it('verifies, imports sealed, queries and reports on a console with no cluster', async () => {
    expect(await ok(lapi.call('cluster.list', {}))).toEqual([]);
    const v = await ok(lapi.call('audit.verifySnapshot', { file: snap }));
    expect(v.problems).toEqual([]);
    expect(v.intact).toBe(true);
    expect(v.signers).toContain(fingerprint);

    const info = await ok(lapi.call('audit.import', { file: snap }));
    expect(info).toMatchObject({ stream: `tenant:${tenant}`, tenant, cluster, signerFingerprint: fingerprint });
    expect(await laptop.secrets.has(secretKey.installationMasterKey())).toBe(true);
    expect((await ok(lapi.call('audit.snapshots', {}))).map((s) => s.id)).toEqual([info.id]);

    // Nothing of the events in clear in the laptop's cache files.
    laptop.store.db.pragma('wal_checkpoint(TRUNCATE)');
    for (const f of readdirSync(laptop.dataDir).filter((n) => n.startsWith('csm.db'))) {
      const bytes = readFileSync(join(laptop.dataDir, f));
      expect(bytes.includes(Buffer.from(`user.lock tenant=${tenant}`)), f).toBe(false);
      expect(bytes.includes(Buffer.from('events.jsonl')), f).toBe(false);
    }

    const locks = await ok(lapi.call('audit.snapshotQuery', { snapshotId: info.id, filter: { limit: 50, type: 'user.lock' } }));
    expect(locks.total).toBe(1);
    const proof = await ok(lapi.call('audit.snapshotEvent', { snapshotId: info.id, seq: locks.events[0]!.seq }));
    expect(proof).toMatchObject({ hashMatches: true, linkMatches: true, batch: { signatureValid: true } });
    const report = await ok(lapi.call('audit.snapshotReport', { snapshotId: info.id, out: join(dir, 'report.html') }));
    expect(report.html).toContain('Verification: intact');
    expect(report.html).toContain(fingerprint);
    expect(report.html).toContain('user.lock');
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toBe(report.html);
    const csv = await ok(lapi.call('audit.snapshotCsv', { snapshotId: info.id, filter: { limit: 1 }, out: join(dir, 'events.csv') }));
    expect(csv.rows).toBe(info.events);
  });

  it('names a tampered copy, refuses to import it, and csm verify exits 1', async () => {
    const e = unzipSync(readFileSync(snap)) as Entries;
    const lines = strFromU8(e['events.jsonl']).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const target = lines.findIndex((l) => l['type'] === 'user.lock');
    lines[target]!['operation'] = 'nothing happened here';
    const bad = join(dir, 'tampered.zip');
    writeFileSync(bad, zipEntries({ ...e, 'events.jsonl': strToU8(lines.map((l) => JSON.stringify(l) + '\n').join('')) }));

    const v = await ok(lapi.call('audit.verifySnapshot', { file: bad }));
    expect(v.intact).toBe(false);
    expect(v.problems).toContainEqual(expect.objectContaining({ kind: 'edited', seq: lines[target]!['seq'] }));
    const imp = await lapi.call('audit.import', { file: bad });
    expect(!imp.ok && imp.error.code).toBe('BAD_INPUT');
    expect(await ok(lapi.call('audit.snapshots', {}))).toHaveLength(1);

    const good = await csm(laptop.dataDir, laptopKeychain, ['audit', 'verify', snap, '--json']);
    expect(good.code).toBe(0);
    const tampered = await csm(laptop.dataDir, laptopKeychain, ['audit', 'verify', bad, '--json']);
    expect(tampered.code).toBe(1);
    expect((JSON.parse(tampered.stdout) as { problems: { kind: string }[] }).problems.map((p) => p.kind)).toContain('edited');
    const listed = await csm(laptop.dataDir, laptopKeychain, ['audit', 'snapshots', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toHaveLength(1);
  });
});
