import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cassandraNode from '../../../scripts/cassandra/lib.mjs';
import { localClient, type LocalClient } from '../../../src-main/ipc/local-client';
import { node, realServices, SUPERUSER, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { finish, scrub, type Svc } from './support';

const PW = 'correct-horse-battery';

/**
 * Placement across clusters (issue 5 §7) with two real, independent clusters: the shared test
 * node and a second node with its own home and ports. The policy picks the emptier cluster,
 * dedicated isolation takes a cluster for one tenant, and one list shows both clusters' tenants.
 */
describe('placement across two real clusters', () => {
  const home = mkdtempSync(join(tmpdir(), 'csm-placement-node-'));
  const saved = process.env['CSM_CASSANDRA_STORAGE_PORT'];
  let svc: Svc;
  let api: LocalClient;
  const A = unique('pa').replace(/_/g, '-');
  const B = unique('pb').replace(/_/g, '-');
  const onA = unique('ta');
  const auto = unique('tu');
  const dedicated = unique('tz');
  const second = unique('tv');
  const created: [string, string][] = [];

  async function create(input: Record<string, unknown>): Promise<{ cluster: string; state: string; error: string | null }> {
    const r = await api.call('tenant.create', { name: 'Placed', adminUser: 'boss', adminPassword: PW, ...input });
    if (!r.ok) return { cluster: '', state: r.error.code, error: r.error.message };
    created.push([r.value.tenant.cluster, r.value.tenant.id]);
    const saga = await finish(svc, api, r.value.tenant.cluster, r.value.jobId);
    return { cluster: r.value.tenant.cluster, state: saga.state, error: saga.error };
  }

  beforeAll(async () => {
    symlinkSync(join(REPO_ROOT, '.cassandra', 'lib'), join(home, 'lib'));
    process.env['CSM_CASSANDRA_STORAGE_PORT'] = '7200';
    await cassandraNode.start({ home, port: 9242, log: () => {} });
    svc = await realServices();
    api = localClient(svc.router, { host: 'cli' });
    for (const [name, cp] of [[A, node().contactPoint], [B, '127.0.0.1:9242']] as const) {
      expect((await api.call('cluster.add', { name, contactPoints: [cp], localDc: node().localDc, ...SUPERUSER })).ok).toBe(true);
      const s = await api.call('session.signIn', { cluster: name });
      expect(s.ok && s.value.platform).toBe(true);
    }
  }, 120_000);

  afterAll(async () => {
    for (const [cluster, id] of created.reverse()) {
      const d = await api.call('tenant.delete', { cluster, tenant: id, purge: true, confirm: id });
      if (d.ok) await finish(svc, api, cluster, d.value.jobId);
    }
    await svc?.close();
    await cassandraNode.stop({ home, log: () => {} });
    if (saved === undefined) delete process.env['CSM_CASSANDRA_STORAGE_PORT'];
    else process.env['CSM_CASSANDRA_STORAGE_PORT'] = saved;
    rmSync(home, { recursive: true, force: true });
    await scrub([onA, auto, dedicated, second]);
  }, 120_000);

  it('places a tenant without a cluster on the one with fewer tenants, and lists both clusters together', async () => {
    expect(await create({ cluster: A, id: onA })).toMatchObject({ cluster: A, state: 'succeeded' });
    const report = await api.call('tenant.placement', {});
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    expect(report.value.candidates.map((c) => c.cluster)).toEqual([A, B].sort());
    expect(report.value.candidates.find((c) => c.cluster === B)?.tenants).toBe(0);
    expect(report.value.chosen).toBe(B);
    expect(await create({ id: auto })).toMatchObject({ cluster: B, state: 'succeeded' });

    const list = await api.call('tenant.list', { refresh: true });
    const mine = list.ok ? list.value.filter((t) => [onA, auto].includes(t.id)).map((t) => [t.id, t.cluster, t.state]) : [];
    expect(mine.sort()).toEqual([[onA, A, 'active'], [auto, B, 'active']].sort());
  }, 120_000);

  it('gives dedicated (cluster) isolation an empty cluster only, and keeps others off it', async () => {
    // Both clusters hold a tenant: nowhere to put a dedicated one.
    const none = await create({ id: dedicated, isolation: 'cluster' });
    expect([none.state, none.error]).toEqual(['CONFLICT', expect.stringMatching(/no cluster can take the tenant/)]);
    // Free B (its tenant deleted), then the dedicated tenant goes there.
    const d = await api.call('tenant.delete', { cluster: B, tenant: auto, purge: true, confirm: auto });
    expect(d.ok).toBe(true);
    if (d.ok) expect((await finish(svc, api, B, d.value.jobId)).state).toBe('succeeded');
    created.splice(created.findIndex(([, id]) => id === auto), 1);
    expect(await create({ id: dedicated, isolation: 'cluster' })).toMatchObject({ cluster: B, state: 'succeeded' });
    // B is now dedicated: named explicitly it refuses, and the policy goes to A.
    const refused = await create({ cluster: B, id: second });
    expect([refused.state, refused.error]).toEqual(['CONFLICT', expect.stringMatching(/dedicated to tenant/)]);
    expect(await create({ id: second })).toMatchObject({ cluster: A, state: 'succeeded' });
  }, 180_000);
});
