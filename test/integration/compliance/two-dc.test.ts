import { mkdirSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cassandraNode from '../../../scripts/cassandra/lib.mjs';
import { localClient, type LocalClient } from '../../../src-main/ipc/local-client';
import { realServices, SUPERUSER, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { finish, type Svc } from '../tenancy/support';

const PW = 'correct-horse-battery';
const PORT = 9342;

/**
 * Issue 6 item 3, proof on a real two-DC node pair (node1 127.0.0.1 in dc1, node2 127.0.0.2 in
 * dc2, both on PORT): a tenant provisioned inside the boundary {dc1} has its admin user pinned to
 * dc1 by the console, so that user signs in through the dc1 node and is refused by the dc2 node.
 * Widening the role behind the console's back lets it in through dc2 (so the refusal was the pin,
 * nothing else); the drift scan finds it and its fix pins it again.
 */
describe('compliance boundary on a real two-DC pair', () => {
  const home = join(REPO_ROOT, '.cassandra', 'h2-twodc');
  const saved = { storage: process.env['CSM_CASSANDRA_STORAGE_PORT'] };
  let svc: Svc;
  let api: LocalClient;
  let superuser: cassandra.Client;
  const cluster = unique('h2dc').replace(/_/g, '-');
  const tenant = unique('td');
  const user = `tenant_${tenant}_u_boss`;

  /** A fresh session as `user` through one node; resolves to 'ok' or the refusal's message. */
  async function signIn(address: string, dc: string): Promise<string> {
    const c = new cassandra.Client({ contactPoints: [`${address}:${PORT}`], localDataCenter: dc, credentials: { username: user, password: PW }, monitorReporting: { enabled: false } });
    try {
      await c.connect();
      await c.execute('SELECT release_version FROM system.local');
      return 'ok';
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    } finally {
      await c.shutdown().catch(() => undefined);
    }
  }

  beforeAll(async () => {
    mkdirSync(home, { recursive: true });
    if (!existsSync(join(home, 'lib'))) symlinkSync(join(REPO_ROOT, '.cassandra', 'lib'), join(home, 'lib'));
    process.env['CSM_CASSANDRA_STORAGE_PORT'] = '7300';
    const started = await cassandraNode.start({ home, port: PORT, secondDc: true, log: () => {} });
    expect(started.nodes.map((n: { dc?: string }) => n.dc)).toEqual(['dc1', 'dc2']);
    superuser = new cassandra.Client({ contactPoints: [`127.0.0.1:${PORT}`], localDataCenter: 'dc1', credentials: SUPERUSER, monitorReporting: { enabled: false } });
    await superuser.connect();
    // lib.mjs pins system_auth to {dc1: 1} so node1 logins never depend on node2; then node2
    // cannot read any role at LOCAL_QUORUM ("Cannot achieve consistency level") and refuses
    // everyone for that reason, which would prove nothing. Replicate system_auth to dc2 as well
    // before the tenant's roles are created, so node2 holds them and only the DC pin can refuse.
    await superuser.execute("ALTER KEYSPACE system_auth WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1, 'dc2': 1}");
    svc = await realServices();
    api = localClient(svc.router, { host: 'cli' });
    expect((await api.call('cluster.add', { name: cluster, contactPoints: [`127.0.0.1:${PORT}`], localDc: 'dc1', ...SUPERUSER })).ok).toBe(true);
    const s = await api.call('session.signIn', { cluster });
    expect(s.ok && s.value.platform).toBe(true);
    const r = await api.call('tenant.create', { cluster, id: tenant, name: 'Two DC', adminUser: 'boss', adminPassword: PW, dataCenters: ['dc1'] });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    const saga = await finish(svc, api, cluster, r.value.jobId);
    expect(saga.state, saga.error ?? '').toBe('succeeded');
  }, 420_000);

  afterAll(async () => {
    await superuser?.shutdown().catch(() => undefined);
    await svc?.close();
    await cassandraNode.stop({ home, log: () => {} });
    if (saved.storage === undefined) delete process.env['CSM_CASSANDRA_STORAGE_PORT'];
    else process.env['CSM_CASSANDRA_STORAGE_PORT'] = saved.storage;
    rmSync(home, { recursive: true, force: true });
  }, 120_000);

  it('sets the boundary {dc1} and refuses one that leaves out the DC the tenant lives in', async () => {
    const set = await api.call('compliance.set', { cluster, tenant, boundary: [{ dc: 'dc1', region: 'eu-west-1' }] });
    expect(set.ok, set.ok ? '' : set.error.message).toBe(true);
    const wrong = await api.call('compliance.set', { cluster, tenant, boundary: [{ dc: 'dc2', region: 'us-east-1' }] });
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) {
      expect(wrong.error.code).toBe('CONFLICT');
      expect(wrong.error.message).toContain('dc1');
    }
    const scan = await api.call('compliance.scan', { cluster, tenant });
    expect(scan.ok && scan.value.drift).toEqual([]);
  }, 120_000);

  it('a user pinned to dc1 signs in through the dc1 node and is refused through the dc2 node', async () => {
    expect(await signIn('127.0.0.1', 'dc1')).toBe('ok');
    const refused = await signIn('127.0.0.2', 'dc2');
    expect(refused).toMatch(/datacenter|data center/i);
    expect(refused).not.toMatch(/consistency/i);
  }, 120_000);

  it('finds replication to dc2 added in cqlsh outside the boundary, and its fix restores {dc1}', async () => {
    const ks = `tenant_${tenant}_csm`;
    await superuser.execute(`ALTER KEYSPACE "${ks}" WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1, 'dc2': 1}`);
    const scan = await api.call('compliance.scan', { cluster, tenant });
    if (!scan.ok) throw new Error(scan.error.message);
    const d = scan.value.drift.find((x) => x.subject === ks);
    expect(d?.kind).toBe('replication-outside-boundary');
    expect(d?.actual).toEqual(['dc1', 'dc2']);
    expect(d?.fix).toEqual([`ALTER KEYSPACE "${ks}" WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}`]);
    expect(scan.value.controls.find((c) => c.id === 'replication-within-boundary')?.status).toBe('fail');
    const fixed = await api.call('compliance.fix', { cluster, tenant, driftId: d!.id });
    expect(fixed.ok && fixed.value.resolved).toBe(true);
    const repl = (await superuser.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [ks], { prepare: true })).rows[0]?.['replication'] as Record<string, string>;
    expect(Object.keys(repl).filter((k) => k !== 'class')).toEqual(['dc1']);
  }, 120_000);

  it('finds DC access widened in cqlsh, and its fix pins the user to dc1 again', async () => {
    await superuser.execute(`ALTER ROLE "${user}" WITH ACCESS TO ALL DATACENTERS`);
    expect(await signIn('127.0.0.2', 'dc2')).toBe('ok');
    const scan = await api.call('compliance.scan', { cluster, tenant });
    if (!scan.ok) throw new Error(scan.error.message);
    const d = scan.value.drift.find((x) => x.subject === user);
    expect(d?.kind).toBe('login-without-dc-restriction');
    expect(d?.fix).toEqual([`ALTER ROLE "${user}" WITH ACCESS TO DATACENTERS {'dc1'}`]);
    expect(scan.value.controls.find((c) => c.id === 'login-roles-dc-restricted')?.status).toBe('fail');
    const fixed = await api.call('compliance.fix', { cluster, tenant, driftId: d!.id });
    expect(fixed.ok && fixed.value.resolved).toBe(true);
    expect(await signIn('127.0.0.2', 'dc2')).toMatch(/datacenter|data center/i);
    expect(await signIn('127.0.0.1', 'dc1')).toBe('ok');
  }, 120_000);
});
