import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../src-shared/contract';
import { createServices, type Services } from '../../../src-main/app/services';
import { tenantConsoleKeyspace, tenantKeyTables } from '../../../src-main/keys/cassandra-stores';
import { sealMasterShare } from '../../../src-main/keys/shares';
import { KeytarSecretStore } from '../../../src-main/secrets/keytar-store';
import { Cleanup, driverClient, node, SUPERUSER, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';

const PASS = 'integration passphrase 1';

/**
 * The key channels through the real composition root (router, scope guard, audit), on the real
 * node's csm_system, the real keychain and a real SQLite file. Each "console" has its own data
 * directory and keychain service name; every KEK row, keyspace and keychain entry made here is
 * removed afterwards.
 */
describe('key channels over the real composition root', () => {
  const cleanup = new Cleanup();
  const tenants: string[] = [];
  const consoles: { s: Services; dir: string; service: string }[] = [];
  let admin: Awaited<ReturnType<typeof driverClient>>;
  let a: Services;
  let tenant: string;
  let master: Buffer;

  async function openConsole(): Promise<Services> {
    const dir = mkdtempSync(join(tmpdir(), 'csm-keys-ch-'));
    const service = unique('csm-keys-ch');
    const s = await createServices({ host: 'cli', dataDir: dir, keychainService: service, secretBackend: 'keychain' });
    consoles.push({ s, dir, service });
    const add = await s.router.dispatch('cluster.add', { name: 'local', contactPoints: [node().contactPoint], localDc: node().localDc, username: SUPERUSER.username, password: SUPERUSER.password }, { host: 'cli' });
    expect(add.ok).toBe(true);
    expect((await s.router.dispatch('session.signIn', { cluster: 'local' }, { host: 'cli' })).ok).toBe(true);
    return s;
  }
  const call = async (s: Services, channel: string, input: unknown) => s.router.dispatch(channel, input, { host: 'cli' });
  const value = <T,>(r: { ok: boolean; value?: unknown; error?: unknown }): T => {
    if (!r.ok) throw new Error(`call failed: ${JSON.stringify(r.error)}`);
    return r.value as T;
  };

  beforeAll(async () => {
    admin = await driverClient();
    a = await openConsole();
    // Until tenancy provisions tenants: the console keyspace and key tables, as provisioning makes them.
    tenant = unique('kch').toLowerCase();
    tenants.push(tenant);
    const ks = cleanup.keyspace(tenantConsoleKeyspace(tenant));
    await admin.execute(`CREATE KEYSPACE "${ks}" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    for (const stmt of tenantKeyTables(tenant)) await admin.execute(stmt);
    // csm_system is shared with other suites, whose KEKs are wrapped under their own master keys:
    // this console gets its master key from a share (the import path), not by minting one.
    master = randomBytes(32);
    const imported = value<{ fingerprint: string }>(await call(a, 'keys.importShare', { secretShare: await sealMasterShare(master, PASS), passphrase: PASS }));
    expect(imported.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    await a.keys.for('local').ensureTenantKeys(tenant);
  }, 120_000);

  afterAll(async () => {
    for (const t of tenants) await admin.execute('DELETE FROM csm_system.tenant_keks WHERE tenant_id = ?', [t], { prepare: true }).catch(() => undefined);
    for (const c of consoles) {
      await c.s.close().catch(() => undefined);
      const store = new KeytarSecretStore({ service: c.service });
      for (const k of ['installation/master-key', ...tenants.map((t) => `tenant/${t}/kek`), 'cluster/local/password']) await store.delete(k).catch(() => false);
      rmSync(c.dir, { recursive: true, force: true });
    }
    await cleanup.run(admin);
    await admin.shutdown();
  });

  it('status of one tenant, and of every tenant for a platform operator', async () => {
    const [s] = value<{ tenantId: string; kek: { current: number }; rotation: { due: boolean; intervalDays: number }; source: string }[]>(await call(a, 'keys.status', { cluster: 'local', tenant }));
    expect(s).toMatchObject({ tenantId: tenant, kek: { current: 1 }, rotation: { due: false, intervalDays: 90 }, source: 'master' });
    // Every tenant on the shared csm_system: other suites' tenants are there too, under other master keys.
    const all = await call(a, 'keys.status', { cluster: 'local' });
    if (all.ok) expect((all.value as { tenantId: string }[]).some((t) => t.tenantId === tenant)).toBe(true);
    else expect(all.error.code).toBe('CONFLICT'); // another installation's tenant: its message names both master keys
  });

  it('rotates as a job with job.progress events, and the audit log records it', async () => {
    const sealed = a.keys.sealed('local');
    for (let i = 0; i < 30; i++) await sealed.put(tenant, `cfg/${String(i).padStart(2, '0')}`, `secret value ${i}`);
    const events: JobProgress[] = [];
    const off = a.bus.subscribe((name, p) => name === 'job.progress' && events.push(p as JobProgress));
    const r = value<{ jobId: string; label: string }>(await call(a, 'keys.rotate', { cluster: 'local', tenant }));
    // Answered with the job id while the job runs; the report is read once it has ended.
    expect(r.label).toBe(`Rotate keys of tenant ${tenant} on local`);
    await a.jobs.wait(r.jobId);
    off();
    const out = value<{ state: string; report: { kekVersion: number; reencrypted: number } }>(await call(a, 'keys.rotationReport', { cluster: 'local', tenant, jobId: r.jobId }));
    expect(out).toMatchObject({ state: 'succeeded', report: { kekVersion: 2, reencrypted: 30 } });
    const mine = events.filter((e) => e.jobId === r.jobId);
    expect(mine.at(-1)).toMatchObject({ state: 'succeeded', fraction: 1, kind: 'keys.rotate' });
    expect(await sealed.getText(tenant, 'cfg/07')).toBe('secret value 7');
    const [s] = value<{ kek: { versions: { version: number; state: string }[] } }[]>(await call(a, 'keys.status', { cluster: 'local', tenant }));
    expect(s!.kek.versions.map((v) => [v.version, v.state])).toEqual([
      [2, 'active'],
      [1, 'retired'],
    ]);
    expect(a.store.localAudit.listRecent({ limit: 20 }).some((e) => e.channel === 'keys.rotate' && e.outcome === 'ok')).toBe(true);
  });

  it('master share from console A installs on console B; faults leave B\'s keychain as it was', async () => {
    const share = value<{ text: string; fingerprint: string; fileName: string }>(await call(a, 'keys.exportShare', { passphrase: PASS }));
    expect(share.text).not.toContain(master.toString('base64'));
    const b = await openConsole();
    expect(value(await call(b, 'keys.masterStatus', {}))).toEqual({ present: false, fingerprint: null });
    const wrong = await call(b, 'keys.importShare', { secretShare: share.text, passphrase: 'not the passphrase' });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    const truncated = await call(b, 'keys.importShare', { secretShare: share.text.slice(0, 200), passphrase: PASS });
    expect(truncated).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(value(await call(b, 'keys.masterStatus', {}))).toEqual({ present: false, fingerprint: null });

    expect(value(await call(b, 'keys.importShare', { secretShare: share.text, passphrase: PASS }))).toMatchObject({ fingerprint: share.fingerprint, unchanged: false });
    // B now opens A's tenant: same status, same cached value.
    const [s] = value<{ kek: { current: number } }[]>(await call(b, 'keys.status', { cluster: 'local', tenant }));
    expect(s!.kek.current).toBe(2);

    // A different master key is refused without force; B keeps the one it has.
    const other = await call(b, 'keys.importShare', { secretShare: await sealMasterShare(randomBytes(32), PASS), passphrase: PASS });
    expect(other).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(value<{ fingerprint: string }>(await call(b, 'keys.masterStatus', {})).fingerprint).toBe(share.fingerprint);
  }, 60_000);

  it('a tenant key share gives a console without any master key that tenant\'s keys', async () => {
    const share = value<{ text: string; tenant: string }>(await call(a, 'keys.exportTenantShare', { cluster: 'local', tenant, passphrase: PASS }));
    expect(share.tenant).toBe(tenant);
    const c = await openConsole();
    expect(value(await call(c, 'keys.importTenantShare', { secretShare: share.text, passphrase: PASS }))).toEqual({ tenant, versions: [1, 2] });
    expect(value(await call(c, 'keys.masterStatus', {}))).toEqual({ present: false, fingerprint: null });
    // C's own cache (its own SQLite file) seals and opens under the tenant's data keys, via the held KEK.
    await c.keys.sealed('local').put(tenant, 'c/note', 'sealed on the tenant admin console');
    expect(await c.keys.sealed('local').getText(tenant, 'c/note')).toBe('sealed on the tenant admin console');
    const [s] = value<{ source: string }[]>(await call(c, 'keys.status', { cluster: 'local', tenant }));
    expect(s!.source).toBe('tenant-share');
  }, 60_000);

  it('the key policy is stored in the tenant console keyspace and feeds "rotation due"', async () => {
    expect(value(await call(a, 'keys.policy', { cluster: 'local', tenant }))).toMatchObject({ stored: false });
    const policy = { algorithms: ['rsa', 'ec'], minRsaBits: 4096, curves: ['P-384'], rotationIntervalDays: 30 };
    expect(value(await call(a, 'keys.setPolicy', { cluster: 'local', tenant, policy }))).toEqual({ policy, stored: true });
    const [s] = value<{ rotation: { intervalDays: number } }[]>(await call(a, 'keys.status', { cluster: 'local', tenant }));
    expect(s!.rotation.intervalDays).toBe(30);
    const bad = await call(a, 'keys.setPolicy', { cluster: 'local', tenant, policy: { ...policy, algorithms: ['ec'], curves: [] } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });

  it('escrow export to an agent key, and no passphrase in the local audit log or the SQLite file', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const escrow = value<{ text: string }>(await call(a, 'keys.exportEscrow', { cluster: 'local', tenant, publicKeyPem: pem }));
    expect(JSON.parse(escrow.text)).toMatchObject({ format: 'csm-key-escrow', tenantId: tenant, algorithm: 'RSA-OAEP-256' });
    const raw = readFileSync(join(consoles[0]!.dir, 'csm.db'));
    expect(raw.includes(Buffer.from(PASS))).toBe(false);
    expect(raw.includes(Buffer.from('secret value 7'))).toBe(false);
    expect(raw.includes(Buffer.from('"format": "csm-key-share"'))).toBe(false);
  });

  it('csm keys rotate (the real binary) waits for the job, progress on stderr, and prints the report', async () => {
    const share = value<{ text: string }>(await call(a, 'keys.exportShare', { passphrase: PASS }));
    const cli = await openConsole();
    value(await call(cli, 'keys.importShare', { secretShare: share.text, passphrase: PASS }));
    const c = consoles.at(-1)!;
    await cli.close(); // the CLI process opens this data dir and keychain itself
    const before = value<{ kek: { current: number } }[]>(await call(a, 'keys.status', { cluster: 'local', tenant }))[0]!.kek.current;
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((ok) => {
        const child = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', c.dir], { env: { ...process.env, CSM_KEYCHAIN_SERVICE: c.service }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
      });
    const r = await run(['keys', 'rotate', '--cluster', 'local', '--tenant', tenant, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { state: string; report: { kekVersion: number; retiredKekVersions: number[] } };
    expect(out).toMatchObject({ state: 'succeeded', report: { tenantId: tenant, kekVersion: before + 1, retiredKekVersions: [before] } });
    expect(r.stderr).toMatch(/new KEK version/);
    expect(r.stderr).toMatch(/done 100%/);
    const human = await run(['keys', 'rotate', '--cluster', 'local', '--tenant', tenant]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`rotated tenant ${tenant}: KEK v${before + 2} (retired v${before + 1})`);
  }, 120_000);
});
