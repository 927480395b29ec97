import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cassandraNode from '../../../scripts/cassandra/lib.mjs';
import type { Operation } from '../../../src-shared/contract/portability';
import { orchestrationTestHooks } from '../../../src-main/portability/orchestration/handlers';
import { driverClient, SUPERUSER, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { ensureInstallationMasterKey } from '../pki/support';
import { platformConsole, provision, scrub, userClient, type Svc } from '../tenancy/support';
import { contents, grants, ok, registryState, tenantObjects } from './support';
import type { LocalClient } from '../../../src-main/ipc/local-client';

/**
 * Issue 11 item 3's proof on real nodes: the shared node (9042) and a node of our own (9192/7150)
 * are two clusters of one console. A tenant with data moves from the shared node to ours: the
 * target holds identical rows and grants, and the source is removed only after verification. A
 * second tenant's migration is aborted at the cut-over (source frozen and `migrating`): the
 * source's rows and grants are exactly as before, its state is active and it takes writes again,
 * and nothing of it is left on our node.
 */
describe('tenant migration between clusters', () => {
  const home = mkdtempSync(join(tmpdir(), 'csm-migrate-node-'));
  const savedPort = process.env['CSM_CASSANDRA_STORAGE_PORT'];
  const OWN = unique('mig').replace(/_/g, '-');
  const moved = unique('mg');
  const kept = unique('mg');
  let shared: { svc: Svc; api: LocalClient; cluster: string };
  let su: cassandra.Client;
  let own: cassandra.Client;

  const result = async (operationId: string): Promise<Operation> => ok(await shared.api.call('portability.result', { operationId }));
  const waitJob = async (jobId: string): Promise<void> => {
    await shared.svc.jobs.wait(jobId)?.catch(() => undefined);
  };

  /** Rows in a table the tenant added after provisioning (the move must take the live schema). */
  const fill = async (id: string, n: number, from = 0): Promise<void> => {
    await su.execute(`CREATE TABLE IF NOT EXISTS "tenant_${id}_data"."notes" (bucket text, n int, body blob, PRIMARY KEY (bucket, n))`);
    const u = await userClient(`tenant_${id}_u_boss`, 'correct-horse-battery');
    try {
      for (let i = from; i < from + n; i++) await u.execute(`INSERT INTO "tenant_${id}_data"."notes" (bucket, n, body) VALUES (?, ?, ?)`, [`b${i % 7}`, i, Buffer.from(`row ${i} of ${id}`)], { prepare: true });
    } finally {
      await u.shutdown();
    }
  };

  /**
   * Provisioned right before its migration: a concurrent test run on the shared node forgets every
   * test tenant's KEK rows when it starts, and an export needs the tenant's keys — keep the window short.
   */
  const tenantWithData = async (id: string, n: number): Promise<void> => {
    const saga = await provision(shared.svc, shared.api, shared.cluster, id);
    // On failure, say which step failed and why (a bare 'failed' told a CI run nothing).
    expect({ state: saga.state, error: saga.error, failed: saga.steps.filter((s) => s.state === 'failed') }).toEqual({ state: 'succeeded', error: null, failed: [] });
    await fill(id, n);
  };

  beforeAll(async () => {
    await ensureInstallationMasterKey();
    shared = await platformConsole();
    su = await driverClient();

    symlinkSync(join(REPO_ROOT, '.cassandra', 'lib'), join(home, 'lib'));
    process.env['CSM_CASSANDRA_STORAGE_PORT'] = '7150';
    await cassandraNode.start({ home, port: 9192, log: () => {} });
    ok(await shared.api.call('cluster.add', { name: OWN, contactPoints: ['127.0.0.1:9192'], localDc: 'dc1', ...SUPERUSER }));
    expect(ok(await shared.api.call('session.signIn', { cluster: OWN })).platform).toBe(true);
    own = new cassandra.Client({ contactPoints: ['127.0.0.1:9192'], localDataCenter: 'dc1', credentials: SUPERUSER, monitorReporting: { enabled: false } });
    await own.connect();
  }, 600_000);

  afterAll(async () => {
    delete orchestrationTestHooks.afterPhase;
    await own?.shutdown().catch(() => undefined);
    await su?.shutdown().catch(() => undefined);
    await shared?.svc.close();
    await cassandraNode.stop({ home, log: () => {} }).catch(() => undefined);
    if (savedPort === undefined) delete process.env['CSM_CASSANDRA_STORAGE_PORT'];
    else process.env['CSM_CASSANDRA_STORAGE_PORT'] = savedPort;
    rmSync(home, { recursive: true, force: true });
    await scrub([moved, kept]);
  }, 180_000);

  it('refuses a migration to the same cluster (BAD_INPUT), to an unknown one (NOT_FOUND), of an unknown tenant (NOT_FOUND)', async () => {
    const same = await shared.api.call('tenant.migrate', { cluster: shared.cluster, tenant: kept, to: shared.cluster });
    expect(same.ok ? null : same.error.code).toBe('BAD_INPUT');
    const nowhere = await shared.api.call('tenant.migrate', { cluster: shared.cluster, tenant: kept, to: 'no-such-cluster' });
    expect(nowhere.ok ? null : nowhere.error.code).toBe('NOT_FOUND');
    const nobody = await shared.api.call('tenant.migrate', { cluster: shared.cluster, tenant: unique('zz'), to: OWN });
    expect(nobody.ok ? null : nobody.error.code).toBe('NOT_FOUND');
    const noOp = await shared.api.call('migration.abort', { cluster: shared.cluster, operationId: 'nope' });
    expect(noOp.ok ? null : noOp.error.code).toBe('NOT_FOUND');
  });

  it('abort at the cut-over: the source is left exactly as it was and writable again; nothing is left on the target', async () => {
    await tenantWithData(kept, 40);
    const before = { rows: await contents(su, kept), grants: await grants(su, kept) };
    let reached: (() => void) | null = null;
    const atCutover = new Promise<void>((r) => (reached = r));
    const seen: { frozenState: string | null; writeRefused: boolean } = { frozenState: null, writeRefused: false };
    orchestrationTestHooks.afterPhase = async (_op, phase, signal) => {
      if (phase !== 'cutover') return;
      // Paused after the final sync: the source is `migrating` and its writes are refused for real.
      seen.frozenState = await registryState(su, kept);
      const u = await userClient(`tenant_${kept}_u_boss`, 'correct-horse-battery');
      try {
        await u.execute(`INSERT INTO "tenant_${kept}_data"."notes" (bucket, n, body) VALUES ('late', 0, 0x00)`);
      } catch {
        seen.writeRefused = true;
      } finally {
        await u.shutdown();
      }
      reached!();
      await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
    };
    try {
      const started = ok(await shared.api.call('tenant.migrate', { cluster: shared.cluster, tenant: kept, to: OWN }));
      // The cut-over pause, or the job's end if it stopped before (then its error is the failure).
      const ended = await Promise.race([atCutover.then(() => false), (shared.svc.jobs.wait(started.jobId) ?? Promise.resolve()).then(() => true, () => true)]);
      if (ended) throw new Error(`the migration ended before the cut-over: ${JSON.stringify(await result(started.operationId))}`);
      expect(seen).toEqual({ frozenState: 'migrating', writeRefused: true });
      expect((await tenantObjects(own, kept)).keyspaces.length).toBeGreaterThan(0); // the copy exists
      const aborted = ok(await shared.api.call('migration.abort', { cluster: shared.cluster, operationId: started.operationId }));
      await waitJob(started.jobId);
      expect(aborted.state).toBe('aborted');
      expect((await result(started.operationId)).state).toBe('aborted');
    } finally {
      delete orchestrationTestHooks.afterPhase;
    }
    expect(await registryState(su, kept)).toBe('active');
    expect({ rows: await contents(su, kept), grants: await grants(su, kept) }).toEqual(before);
    expect(await tenantObjects(own, kept)).toEqual({ keyspaces: [], roles: [] });
    expect(await registryState(own, kept)).toBeNull();
    // Writable again, as its own user.
    await fill(kept, 1, 1000);
    expect((await contents(su, kept))['notes']!.length).toBe(before.rows['notes']!.length + 1);
    const moves = (await su.execute('SELECT state, phase FROM csm_system.tenant_moves WHERE tenant_id = ?', [kept], { prepare: true })).rows;
    expect(moves.map((m) => `${String(m['state'])}@${String(m['phase'])}`)).toEqual(['aborted@cutover']);
  }, 600_000);

  it('migrates a tenant with data: identical rows and grants on the target, the source removed only after verification', async () => {
    await tenantWithData(moved, 120);
    const before = { rows: await contents(su, moved), grants: await grants(su, moved) };
    expect(before.rows['notes']!.length).toBe(120);
    const phases: string[] = [];
    const off = shared.svc.bus.subscribe((name, p) => {
      if (name === 'portability.progress') {
        const ph = (p as { phase: string | null }).phase;
        if (ph && phases.at(-1) !== ph) phases.push(ph);
      }
    });
    let sourceAtSwitch: string | null = null;
    orchestrationTestHooks.afterPhase = async (_op, phase) => {
      if (phase === 'switch') sourceAtSwitch = JSON.stringify(await tenantObjects(su, moved));
    };
    let op: Operation;
    try {
      const started = ok(await shared.api.call('tenant.migrate', { cluster: shared.cluster, tenant: moved, to: OWN }));
      await waitJob(started.jobId);
      op = await result(started.operationId);
    } finally {
      off();
      delete orchestrationTestHooks.afterPhase;
    }
    expect(op.error).toBeNull();
    expect(op).toMatchObject({ state: 'succeeded', phase: 'done', targetCluster: OWN, targetTenant: moved });
    expect(op.report?.ok).toBe(true);
    expect(phases.filter((p) => ['copy', 'verify', 'cutover', 'switch', 'cleanup', 'done'].includes(p))).toEqual(['copy', 'verify', 'cutover', 'switch', 'cleanup', 'done']);
    // Verified and switched while the source still existed in full…
    expect(JSON.parse(sourceAtSwitch!).keyspaces.length).toBeGreaterThan(0);
    // …then removed: registry row deleted, no keyspace, no role.
    expect(await registryState(su, moved)).toBe('deleted');
    expect(await tenantObjects(su, moved)).toEqual({ keyspaces: [], roles: [] });
    // The target: active, same rows, same grants (the id is kept, so the mapping is the identity).
    expect(await registryState(own, moved)).toBe('active');
    expect(await contents(own, moved)).toEqual(before.rows);
    expect(await grants(own, moved)).toEqual(before.grants);
    // The tenant's user signs in on the target with the password it had (its bcrypt hash moved with it), and reads its rows.
    const mover = new cassandra.Client({ contactPoints: ['127.0.0.1:9192'], localDataCenter: 'dc1', credentials: { username: `tenant_${moved}_u_boss`, password: 'correct-horse-battery' }, monitorReporting: { enabled: false } });
    try {
      await mover.connect();
      expect(Number((await mover.execute(`SELECT count(*) FROM "tenant_${moved}_data"."notes"`)).rows[0]!['count'])).toBe(120);
    } finally {
      await mover.shutdown();
    }
    // Both clusters record the move.
    for (const c of [su, own]) {
      const m = (await c.execute('SELECT state, phase, from_cluster, to_cluster FROM csm_system.tenant_moves WHERE tenant_id = ?', [moved], { prepare: true })).rows;
      expect(m.map((x) => `${String(x['state'])}@${String(x['phase'])} ${String(x['from_cluster'])}→${String(x['to_cluster'])}`)).toEqual([`succeeded@done ${shared.cluster}→${OWN}`]);
    }
    // The console lists the tenant on the target, active.
    const list = ok(await shared.api.call('tenant.list', { refresh: true }));
    expect(list.filter((t) => t.id === moved).map((t) => `${t.cluster}:${t.state}`).sort()).toEqual([`${OWN}:active`, `${shared.cluster}:deleted`].sort());
  }, 600_000);
});
