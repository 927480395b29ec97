import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cassandraNode from '../../../scripts/cassandra/lib.mjs';
import type { Operation } from '../../../src-shared/contract/portability';
import { orchestrationTestHooks } from '../../../src-main/portability/orchestration/handlers';
import { KeytarSecretStore } from '../../../src-main/secrets/keytar-store';
import { secretKey } from '../../../src-main/secrets/secret-key';
import { SECRET_SERVICE_PASSWORD } from '../../../src-main/tenancy/steps';
import type { LocalClient } from '../../../src-main/ipc/local-client';
import { driverClient, node, SUPERUSER, unique } from '../../support/cassandra';
import { csmRunner } from '../../support/cli';
import { REPO_ROOT } from '../../support/web-host';
import { ensureInstallationMasterKey } from '../pki/support';
import { platformConsole, provision, scrub, userClient, type Svc } from '../tenancy/support';
import { contents, grants, ok, registryState, tenantObjects } from './support';
import { inject } from 'vitest';

/**
 * A migration whose console dies mid-way, recovered from another console of the installation, on
 * real nodes: the shared node (the source) and a node of our own (9194/7152 — migrate.test.ts
 * uses 9192/7150). Console A is the real `csm` binary in its own process, data dir and keychain
 * (holding the installation's master key, as a second machine of the installation does); it is
 * killed with SIGKILL while the source is frozen for the cut-over. Consoles B and C run in this
 * process, each with its own SQLite data dir, and have no record of the move in their caches.
 */
describe('recovering an orphaned migration from another console', () => {
  const home = mkdtempSync(join(tmpdir(), 'csm-recover-node-'));
  const dirA = mkdtempSync(join(tmpdir(), 'csm-recover-a-'));
  const keychainA = unique('csm-recover-a');
  const savedPort = process.env['CSM_CASSANDRA_STORAGE_PORT'];
  const OWN = unique('rcv').replace(/_/g, '-');
  const t = unique('rc');
  let b: { svc: Svc; api: LocalClient; cluster: string };
  let c: { svc: Svc; api: LocalClient } | null = null;
  let su: cassandra.Client;
  let own: cassandra.Client;
  let child: ChildProcess | null = null;

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const moveRows = async (cl: cassandra.Client, id: string): Promise<{ op: string; state: string; phase: string; abortRequested: boolean }[]> =>
    (await cl.execute('SELECT operation_id, state, phase, abort_requested_at FROM csm_system.tenant_moves WHERE tenant_id = ?', [id], { prepare: true })).rows.map((r) => ({
      op: String(r['operation_id']),
      state: String(r['state']),
      phase: String(r['phase']),
      abortRequested: r['abort_requested_at'] instanceof Date,
    }));
  const write = async (id: string, n: number): Promise<string> => {
    const u = await userClient(`tenant_${id}_u_boss`, 'correct-horse-battery');
    try {
      await u.execute(`INSERT INTO "tenant_${id}_data"."notes" (bucket, n, body) VALUES (?, ?, ?)`, [`b${n % 7}`, n, Buffer.from(`row ${n}`)], { prepare: true });
      return 'ok';
    } catch (e) {
      return /permission|Unauthorized/i.test((e as Error).message) ? 'refused' : `other: ${(e as Error).message}`;
    } finally {
      await u.shutdown();
    }
  };
  /** Can the tenant's user modify its data? A DELETE of a row that never existed: MODIFY needed, nothing visible changes. */
  const probe = async (id: string): Promise<string> => {
    const u = await userClient(`tenant_${id}_u_boss`, 'correct-horse-battery');
    try {
      await u.execute(`DELETE FROM "tenant_${id}_data"."notes" WHERE bucket = 'never-written' AND n = -1`);
      return 'ok';
    } catch (e) {
      return /permission|Unauthorized/i.test((e as Error).message) ? 'refused' : `other: ${(e as Error).message}`;
    } finally {
      await u.shutdown();
    }
  };
  const listed = async (api: LocalClient): Promise<Operation | undefined> => ok(await api.call('portability.list', {})).find((o) => o.tenant === t && o.kind === 'migrate');

  beforeAll(async () => {
    await ensureInstallationMasterKey();
    b = await platformConsole();
    su = await driverClient();
    symlinkSync(join(REPO_ROOT, '.cassandra', 'lib'), join(home, 'lib'));
    process.env['CSM_CASSANDRA_STORAGE_PORT'] = '7152';
    await cassandraNode.start({ home, port: 9194, log: () => {} });
    ok(await b.api.call('cluster.add', { name: OWN, contactPoints: ['127.0.0.1:9194'], localDc: 'dc1', ...SUPERUSER }));
    expect(ok(await b.api.call('session.signIn', { cluster: OWN })).platform).toBe(true);
    own = new cassandra.Client({ contactPoints: ['127.0.0.1:9194'], localDataCenter: 'dc1', credentials: SUPERUSER, monitorReporting: { enabled: false } });
    await own.connect();

    // Console A: the same clusters under the same names, its own keychain holding the installation's master key.
    const install = new KeytarSecretStore({ service: inject('installationKeychain') });
    const mine = new KeytarSecretStore({ service: keychainA });
    await mine.set(secretKey.installationMasterKey(), (await install.get(secretKey.installationMasterKey()))!);
    const csm = csmRunner(keychainA);
    for (const [name, cp] of [
      [b.cluster, node().contactPoint],
      [OWN, '127.0.0.1:9194'],
    ] as const) {
      const added = await csm(dirA, ['cluster', 'add', name, '--contact-point', cp, '--dc', 'dc1', '--username', SUPERUSER.username, '--password-stdin', '--json'], `${SUPERUSER.password}\n`);
      expect(added.code, added.stdout + added.stderr).toBe(0);
    }
  }, 600_000);

  afterAll(async () => {
    delete orchestrationTestHooks.staleMs;
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await own?.shutdown().catch(() => undefined);
    await su?.shutdown().catch(() => undefined);
    await c?.svc.close();
    await b?.svc.close();
    await cassandraNode.stop({ home, log: () => {} }).catch(() => undefined);
    if (savedPort === undefined) delete process.env['CSM_CASSANDRA_STORAGE_PORT'];
    else process.env['CSM_CASSANDRA_STORAGE_PORT'] = savedPort;
    const mine = new KeytarSecretStore({ service: keychainA });
    for (const k of [secretKey.installationMasterKey(), secretKey.tenant(t, SECRET_SERVICE_PASSWORD)]) await mine.delete(k).catch(() => false);
    rmSync(home, { recursive: true, force: true });
    rmSync(dirA, { recursive: true, force: true });
    await scrub([t]);
  }, 180_000);

  it('a killed console leaves the source frozen; another console sees it, refuses while its heartbeat is fresh, then recovers it exactly once', async () => {
    const saga = await provision(b.svc, b.api, b.cluster, t);
    expect({ state: saga.state, error: saga.error }).toEqual({ state: 'succeeded', error: null });
    await su.execute(`CREATE TABLE IF NOT EXISTS "tenant_${t}_data"."notes" (bucket text, n int, body blob, PRIMARY KEY (bucket, n))`);
    for (let i = 0; i < 30; i++) expect(await write(t, i)).toBe('ok');
    // Console A works with the tenant's service role as any console of the installation does.
    const install = new KeytarSecretStore({ service: inject('installationKeychain') });
    await new KeytarSecretStore({ service: keychainA }).set(secretKey.tenant(t, SECRET_SERVICE_PASSWORD), (await install.get(secretKey.tenant(t, SECRET_SERVICE_PASSWORD)))!);
    const before = { rows: await contents(su, t), grants: await grants(su, t) };
    expect(before.rows['notes']!.length).toBe(30);

    // Console A migrates … and is killed once the source's writes are paused for the cut-over.
    let out = '';
    child = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), 'tenant', 'migrate', t, '--cluster', b.cluster, '--to', OWN, '--json', '--data-dir', dirA], { env: { ...process.env, CSM_KEYCHAIN_SERVICE: keychainA }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 300_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`console A ended before the cut-over (exit ${child.exitCode}): ${out.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`console A did not reach the cut-over: ${out.slice(-2000)}`);
      const f = (await su.execute('SELECT reasons FROM csm_system.write_freezes WHERE tenant_id = ?', [t], { prepare: true })).rows[0];
      // The freeze is recorded before its REVOKEs run: wait until they took effect (a write is
      // refused), probing with a delete of a row that never existed so the data stays as it was.
      if (f && ((f['reasons'] as string[] | null) ?? []).includes('migration') && (await probe(t)) === 'refused') break;
      await sleep(100);
    }
    child.kill('SIGKILL');
    await new Promise((r) => (child!.exitCode !== null || child!.signalCode !== null ? r(null) : child!.once('exit', r)));
    expect(child.signalCode).toBe('SIGKILL');

    // As the dead console left it: source migrating and frozen (its user cannot write), a copy on our node.
    expect(await registryState(su, t)).toBe('migrating');
    expect(await write(t, 999)).toBe('refused');
    expect((await tenantObjects(own, t)).keyspaces.length).toBeGreaterThan(0);
    const [rec] = await moveRows(su, t);
    expect(rec).toMatchObject({ state: 'running', abortRequested: false });
    const opId = rec!.op;

    // Console B has no record of it in its cache, yet lists it — running: the heartbeat is fresh.
    const seen = await listed(b.api);
    expect(seen).toMatchObject({ id: opId, kind: 'migrate', state: 'running', cluster: b.cluster, targetCluster: OWN, targetTenant: t, recordedIn: 'cluster' });
    expect(ok(await b.api.call('portability.result', { operationId: opId })).state).toBe('running');
    // …and refuses to recover it (the console running it may be alive): CONFLICT, abort requested there instead.
    const fresh = await b.api.call('migration.abort', { cluster: b.cluster, operationId: opId });
    expect(fresh.ok ? 'ok' : fresh.error.code).toBe('CONFLICT');
    expect(fresh.ok ? '' : fresh.error.message).toMatch(/running on another console .*abort requested/);
    expect((await moveRows(su, t))[0]).toMatchObject({ state: 'running', abortRequested: true });
    expect(await registryState(su, t)).toBe('migrating');
    // Bad input is refused clearly: the target's record on the target cluster, an unknown id.
    const wrongSide = await b.api.call('migration.abort', { cluster: OWN, operationId: opId });
    expect(wrongSide.ok ? 'ok' : `${wrongSide.error.code} ${wrongSide.error.message}`).toMatch(/^BAD_INPUT .*abort it on its source cluster/);
    const unknown = await b.api.call('migration.abort', { cluster: b.cluster, operationId: 'no-such-op' });
    expect(unknown.ok ? 'ok' : unknown.error.code).toBe('NOT_FOUND');

    // Staleness shortened for the test (the product waits MIGRATION_STALE_MS, 60 s): once the dead
    // console's heartbeat is that old, the move reads orphaned (paused, not ended: the UI offers Abort).
    orchestrationTestHooks.staleMs = 4000;
    let orphan: Operation | undefined;
    for (let i = 0; i < 60 && orphan?.state !== 'paused'; i++) {
      await sleep(500);
      orphan = await listed(b.api);
    }
    expect(orphan).toMatchObject({ id: opId, state: 'paused' });
    expect(orphan!.error).toMatch(/orphaned: no heartbeat/);

    // Two consoles recover at once: exactly one does it, the other is refused (CONFLICT).
    c = await platformConsoleOn([b.cluster, OWN]);
    const both = await Promise.all([b.api.call('migration.abort', { cluster: b.cluster, operationId: opId }), c.api.call('migration.abort', { cluster: b.cluster, operationId: opId })]);
    const outcomes = both.map((r) => (r.ok ? r.value.state : r.error.code)).sort();
    expect(outcomes, JSON.stringify(both)).toEqual(['CONFLICT', 'aborted']);
    const winner = both[0]!.ok ? b : c;
    const loser = both[0]!.ok ? c : b;

    // The source is as it was: active, same rows and grants, writable by its user; nothing left on our node.
    expect(await registryState(su, t)).toBe('active');
    expect({ rows: await contents(su, t), grants: await grants(su, t) }).toEqual(before);
    expect(await write(t, 1000)).toBe('ok');
    expect(await tenantObjects(own, t)).toEqual({ keyspaces: [], roles: [] });
    expect(await registryState(own, t)).toBeNull();
    expect((await moveRows(su, t)).map((m) => `${m.op} ${m.state}`)).toEqual([`${opId} aborted`]);
    const freeze = (await su.execute('SELECT reasons FROM csm_system.write_freezes WHERE tenant_id = ?', [t], { prepare: true })).rows[0];
    expect(((freeze?.['reasons'] as string[] | null) ?? []).includes('migration')).toBe(false);

    // Both consoles list it as aborted: the winner from its cache, the loser from the cluster's record.
    expect((await listed(winner.api))).toMatchObject({ id: opId, state: 'aborted' });
    expect((await listed(winner.api))?.recordedIn).toBeUndefined();
    expect((await listed(loser.api))).toMatchObject({ id: opId, state: 'aborted', recordedIn: 'cluster' });
    // And a second abort is refused.
    const again = await b.api.call('migration.abort', { cluster: b.cluster, operationId: opId });
    expect(again.ok ? 'ok' : again.error.code).toBe('CONFLICT');
  }, 900_000);

  /** Another console (own data dir, same installation keychain) signed in to the given clusters, registered as B has them. */
  async function platformConsoleOn(clusters: string[]): Promise<{ svc: Svc; api: LocalClient }> {
    const { realServices } = await import('../../support/cassandra');
    const { localClient } = await import('../../../src-main/ipc/local-client');
    const svc = await realServices();
    const api = localClient(svc.router, { host: 'cli' });
    for (const name of clusters) {
      const cp = name === OWN ? '127.0.0.1:9194' : node().contactPoint;
      ok(await api.call('cluster.add', { name, contactPoints: [cp], localDc: 'dc1', ...SUPERUSER }));
      expect(ok(await api.call('session.signIn', { cluster: name })).platform).toBe(true);
    }
    return { svc, api };
  }
});
