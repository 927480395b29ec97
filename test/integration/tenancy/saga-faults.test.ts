import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cassandraNode from '../../../scripts/cassandra/lib.mjs';
import type { Saga } from '../../../src-shared/contract/tenants';
import type { LocalClient } from '../../../src-main/ipc/local-client';
import { KeytarSecretStore } from '../../../src-main/secrets/keytar-store';
import { pendingAdminKey } from '../../../src-main/tenancy/steps';
import { driverClient, node, SUPERUSER, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { finish, platformConsole, scrub, userClient, type Svc } from './support';

const PW = 'correct-horse-battery';

async function killNode(): Promise<void> {
  const { pid } = await cassandraNode.status();
  expect(pid).toBeGreaterThan(0);
  process.kill(pid!, 'SIGKILL');
  for (let i = 0; i < 100; i++) {
    if (!(await cassandraNode.status()).running) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('node still running after SIGKILL');
}

async function restartAndWait(svc: Svc, cluster: string): Promise<void> {
  await cassandraNode.start({ log: () => {} });
  const op = svc.connections.operator(cluster)!;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await op.execute('SELECT release_version FROM system.local').then(() => true, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error('operator session did not reconnect');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Provision, and SIGKILL the node the moment the saga announces `step` (before it runs). */
async function provisionKillingAt(svc: Svc, api: LocalClient, cluster: string, id: string, step: string): Promise<Saga> {
  let killed: Promise<void> | null = null;
  const off = svc.bus.subscribe((name, p) => {
    if (name !== 'tenant.saga' || killed) return;
    const saga = p as Saga;
    if (saga.tenantId === id && saga.steps.some((s) => s.name === step && s.state === 'running')) killed = killNode();
  });
  try {
    const r = await api.call('tenant.create', { cluster, id, name: `Fault ${id}`, adminUser: 'boss', adminPassword: PW });
    if (!r.ok) throw new Error(r.error.message);
    const outcome = await svc.jobs.wait(r.value.jobId)!.then(() => 'succeeded', (e: Error) => e.message);
    expect(killed, outcome).not.toBeNull();
    await killed;
    expect(outcome).not.toBe('succeeded');
    const local = svc.store.jobs.get(r.value.jobId);
    expect(local?.state).toBe('failed');
    return { jobId: r.value.jobId } as Saga;
  } finally {
    off();
  }
}

describe('provisioning sagas survive a killed node and a killed console', () => {
  let svc: Svc;
  let api: LocalClient;
  let cluster: string;
  const resumed = unique('tr');
  const rolled = unique('tk');
  const crashed = unique('tx');

  beforeAll(async () => {
    ({ svc, api, cluster } = await platformConsole());
  });
  afterAll(async () => {
    if (!(await cassandraNode.status()).running) await cassandraNode.start({});
    await svc.close();
    await scrub([resumed, rolled, crashed]);
  });

  it('node killed before the roles step: the saga fails, and resume finishes it once the node is back', async () => {
    const { jobId } = await provisionKillingAt(svc, api, cluster, resumed, 'roles');
    await restartAndWait(svc, cluster);
    const before = await api.call('tenant.jobs', { cluster, tenant: resumed });
    const rec = before.ok ? before.value.find((j) => j.jobId === jobId) : undefined;
    // The failure could not be written while the node was dead, and a single node may lose the
    // last acknowledged writes on SIGKILL (periodic commit log): the record shows a prefix of the
    // steps done, never more than ran.
    const done = rec?.steps.filter((s) => s.state === 'done').map((s) => s.name) ?? [];
    expect(['reserve', 'placement', 'keyspaces', 'keys'].slice(0, done.length)).toEqual(done);
    expect(rec?.state).not.toBe('succeeded');
    const r = await api.call('tenant.resumeJob', { cluster, jobId });
    expect(r.ok ? 'ok' : r.error.message).toBe('ok');
    const saga = await finish(svc, api, cluster, jobId);
    expect(saga.state, saga.error ?? '').toBe('succeeded');
    const user = await userClient(`tenant_${resumed}_u_boss`, PW);
    try {
      expect((await user.execute(`SELECT * FROM "tenant_${resumed}_data".events`)).rowLength).toBe(0);
    } finally {
      await user.shutdown();
    }
    const list = await api.call('tenant.list', { refresh: true });
    expect(list.ok && list.value.find((t) => t.id === resumed)?.state).toBe('active');
  }, 180_000);

  it('node killed before the admin-user step: rollback leaves no keyspace, role, key, secret or registry row', async () => {
    const { jobId } = await provisionKillingAt(svc, api, cluster, rolled, 'admin-user');
    await restartAndWait(svc, cluster);
    const admin = await driverClient();
    try {
      const ks = async () => (await admin.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows.map((r) => String(r['keyspace_name'])).filter((k) => k.startsWith(`tenant_${rolled}_`));
      const roles = async () => (await admin.execute('LIST ROLES')).rows.map((r) => String(r['role'])).filter((r) => r.startsWith(`tenant_${rolled}_`));
      // What survives the kill is what the commit log had synced: the node syncs every 10 s
      // (periodic; group or batch sync make every write wait for an fsync that takes ~100 ms on
      // these disks, and the node then needs minutes to start), so writes acknowledged in the last
      // seconds may be gone. Whatever survived is a subset of what the saga creates, and the
      // rollback below must leave none of it — that is the property under test.
      expect((await ks()).every((k) => [`tenant_${rolled}_csm`, `tenant_${rolled}_data`].includes(k))).toBe(true);
      expect((await roles()).every((r) => [`tenant_${rolled}_admin`, `tenant_${rolled}_auditor`, `tenant_${rolled}_svc`].includes(r))).toBe(true);

      const r = await api.call('tenant.rollbackJob', { cluster, jobId });
      expect(r.ok ? 'ok' : r.error.message).toBe('ok');
      const saga = await finish(svc, api, cluster, jobId);
      expect(saga.state, saga.error ?? '').toBe('rolled_back');
      expect(saga.steps.every((s) => s.state === 'undone')).toBe(true);

      expect(await ks()).toEqual([]);
      expect(await roles()).toEqual([]);
      const keks = (await admin.execute('SELECT state FROM csm_system.tenant_keks WHERE tenant_id = ?', [rolled], { prepare: true })).rows;
      expect(keks.filter((k) => k['state'] !== 'destroyed')).toEqual([]);
      expect((await admin.execute('SELECT id FROM csm_system.tenants WHERE id = ?', [rolled], { prepare: true })).rowLength).toBe(0);
      const secrets = svc.secrets;
      expect(await secrets.has(`tenant/${rolled}/service-password`)).toBe(false);
      expect(await secrets.has(pendingAdminKey(rolled, jobId))).toBe(false);
      // A finished rollback cannot be run again.
      const again = await api.call('tenant.rollbackJob', { cluster, jobId });
      expect(again.ok ? 'ok' : again.error.code).toBe('CONFLICT');
    } finally {
      await admin.shutdown();
    }
  }, 180_000);

  it('a console killed mid-saga leaves a running record that another console takes over (--force) and finishes', async () => {
    const dataDir = svc.dataDir;
    // The CLI is a second console of the same installation: its own data dir, the same keychain
    // (so the same master key, which the cluster's wrapped KEKs need).
    const keychain = svc.keychainService;
    const cliDir = join(dataDir, 'cli');
    const run = (args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((ok) => {
        const c = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', cliDir], { env: { ...process.env, CSM_KEYCHAIN_SERVICE: keychain }, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        c.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
        c.stdin.end(stdin);
      });
    try {
      expect((await run(['cluster', 'add', 'main', '--contact-point', node().contactPoint, '--dc', node().localDc, '--username', SUPERUSER.username, '--password-stdin'], `${SUPERUSER.password}\n`)).code).toBe(0);
      const child: ChildProcess = spawn(
        process.execPath,
        [join(REPO_ROOT, 'src-main/cli/csm.mjs'), 'tenant', 'create', '--cluster', 'main', '--id', crashed, '--name', 'Crash', '--admin-user', 'boss', '--admin-password-stdin', '--data-dir', cliDir],
        { env: { ...process.env, CSM_KEYCHAIN_SERVICE: keychain }, stdio: ['pipe', 'pipe', 'pipe'] },
      );
      child.stdin!.end(`${PW}\n`);
      let err = '';
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`saga never reached the roles step: ${err}`)), 60_000);
        child.stderr!.on('data', (d: Buffer) => {
          err += d.toString();
          if (err.includes('[running] Create tenant roles')) {
            child.kill('SIGKILL');
            clearTimeout(t);
            resolve();
          }
        });
      });
      await new Promise((r) => child.on('close', r));

      const jobs = await run(['tenant', 'jobs', '--cluster', 'main', '--tenant', crashed, '--json']);
      expect(jobs.code).toBe(0);
      const [rec] = JSON.parse(jobs.stdout) as Saga[];
      expect(rec?.state).toBe('running');
      // Without --force a console that may still be alive is not overridden.
      const polite = await run(['tenant', 'resume-job', rec!.jobId, '--cluster', 'main', '--json']);
      expect([polite.code, JSON.parse(polite.stdout).error?.code]).toEqual([1, 'CONFLICT']);
      const forced = await run(['tenant', 'resume-job', rec!.jobId, '--cluster', 'main', '--force', '--json']);
      expect(forced.stderr).toContain('[done] Activate');
      expect(forced.code).toBe(0);
      expect(JSON.parse(forced.stdout)).toMatchObject({ state: 'succeeded', tenantId: crashed });
      const show = await run(['tenant', 'show', crashed, '--cluster', 'main', '--json']);
      expect(JSON.parse(show.stdout).tenant.state).toBe('active');
      const del = await run(['tenant', 'delete', crashed, '--cluster', 'main', '--purge', '--confirm', crashed, '--json']);
      expect(del.code).toBe(0);
      expect(JSON.parse(del.stdout).state).toBe('succeeded');
    } finally {
      const store = new KeytarSecretStore({ service: keychain });
      for (const k of ['cluster/main/password', `tenant/${crashed}/service-password`]) await store.delete(k).catch(() => false);
    }
  }, 180_000);
});
