import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cassandraNode from '../../../scripts/cassandra/lib.mjs';
import type { AvailabilityView } from '../../../src-shared/contract/availability';
import { localClient, type LocalClient } from '../../../src-main/ipc/local-client';
import { node, realServices, SUPERUSER, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { platformConsole, provision, scrub, type Svc } from '../tenancy/support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue 12 item 1's proof on real nodes: a node of our own (ports 9162/7120, never the shared
 * 9042 node) holds tenant A; the shared node holds tenant B. One long-running console (web host:
 * its scheduler runs) probes A on a 2 s schedule as A's service role, and B by hand as B's admin.
 * SIGKILL of our node: the first scheduled probe of A after the kill fails, A's availability
 * drops below target with an open incident and an alert, B stays up; our node restarted: A's
 * probes succeed again and the incident closes.
 */
describe('availability of tenants when a node is killed', () => {
  const home = mkdtempSync(join(tmpdir(), 'csm-avail-node-'));
  const own = '127.0.0.1:9162';
  const saved = process.env['CSM_CASSANDRA_STORAGE_PORT'];
  // Profile names unique per run: consoles of one installation share the keychain, where a
  // profile's password is filed under its name.
  const OWN = unique('own').replace(/_/g, '-');
  const SHARED = unique('shr').replace(/_/g, '-');
  const a = unique('av');
  const b = unique('av');
  let shared: { svc: Svc; api: LocalClient; cluster: string };
  let web: Svc;
  let api: LocalClient;

  const show = async (cluster: string, tenant: string): Promise<AvailabilityView> => {
    const r = await api.call('availability.show', { cluster, tenant });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  };
  /** The first scheduled sample of A taken after `t` (polls; the scheduler does the probing). */
  const scheduledAfter = async (t: number, limitMs: number) => {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const v = await show(OWN, a);
      const after = v.recent.filter((s) => s.trigger === 'schedule' && Date.parse(s.at) > t).sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
      if (after.length) return { first: after[0]!, view: v };
      if (Date.now() > deadline) throw new Error(`no scheduled probe of ${a} after ${new Date(t).toISOString()}`);
      await sleep(250);
    }
  };

  beforeAll(async () => {
    // Tenant B on the shared node, provisioned by a platform console of the same installation.
    shared = await platformConsole();
    await provision(shared.svc, shared.api, shared.cluster, b);

    symlinkSync(join(REPO_ROOT, '.cassandra', 'lib'), join(home, 'lib'));
    process.env['CSM_CASSANDRA_STORAGE_PORT'] = '7120';
    await cassandraNode.start({ home, port: 9162, log: () => {} });

    web = await realServices('web');
    api = localClient(web.router, { host: 'web' });
    expect((await api.call('cluster.add', { name: OWN, contactPoints: [own], localDc: 'dc1', ...SUPERUSER })).ok).toBe(true);
    const signed = await api.call('session.signIn', { cluster: OWN });
    expect(signed.ok && signed.value.platform).toBe(true);
    await provision(web, api, OWN, a);
    // The shared cluster as B's tenant admin: tenant scope, so this console schedules nothing there.
    expect((await api.call('cluster.add', { name: SHARED, contactPoints: [node().contactPoint], localDc: node().localDc, username: `tenant_${b}_u_boss`, password: 'correct-horse-battery' })).ok).toBe(true);
    const tb = await api.call('session.signIn', { cluster: SHARED });
    if (!tb.ok) throw new Error(`signing in as the tenant admin: ${tb.error.code}: ${tb.error.message}`);
    expect({ platform: tb.value.platform, tenantAdmin: tb.value.tenantAdmin }).toEqual({ platform: false, tenantAdmin: [b] });
    const sched = await api.call('availability.schedule', { intervalSeconds: 2, concurrency: 4 });
    expect(sched.ok && sched.value).toMatchObject({ running: true, intervalSeconds: 2, clusters: [OWN] });
  }, 400_000);

  afterAll(async () => {
    await web?.close();
    await cassandraNode.stop({ home, log: () => {} }).catch(() => undefined);
    if (saved === undefined) delete process.env['CSM_CASSANDRA_STORAGE_PORT'];
    else process.env['CSM_CASSANDRA_STORAGE_PORT'] = saved;
    rmSync(home, { recursive: true, force: true });
    await shared?.svc.close();
    await scrub([b]);
  }, 120_000);

  it('probes as the tenant role, at the tenant read consistency, from its data keyspace', async () => {
    const pa = await api.call('availability.probe', { cluster: OWN, tenant: a });
    expect(pa.ok && pa.value).toMatchObject({ ok: true, role: `tenant_${a}_svc`, consistency: 'LOCAL_QUORUM', keyspace: `tenant_${a}_data`, trigger: 'manual', errorClass: null });
    expect(pa.ok && pa.value.coordinator).toMatch(/^127\.0\.0\.1:9162$/);
    const pb = await api.call('availability.probe', { cluster: SHARED, tenant: b });
    expect(pb.ok && pb.value).toMatchObject({ ok: true, role: `tenant_${b}_u_boss`, keyspace: `tenant_${b}_data` });
    // The scheduler probes A by itself.
    const { first } = await scheduledAfter(Date.now(), 30_000);
    expect(first.ok).toBe(true);
  });

  it('a killed node fails the next scheduled probe of its tenant only; restarted, the tenant recovers', async () => {
    const { pid } = await cassandraNode.status({ home });
    expect(pid).toBeGreaterThan(0);
    const before = (await show(OWN, a)).periods[0]!;
    expect(before.percent).toBe(100);

    process.kill(pid!, 'SIGKILL');
    const killedAt = Date.now();
    for (let i = 0; i < 100 && (await cassandraNode.status({ home })).running; i++) await sleep(100);

    // The very next scheduled probe after the kill is a failure: caught within one interval.
    const { first, view } = await scheduledAfter(killedAt, 60_000);
    expect(first.ok).toBe(false);
    expect(['UNAVAILABLE', 'TIMEOUT']).toContain(first.errorClass);
    const down = await scheduledAfter(Date.parse(first.at), 30_000); // one more, so downtime has weight
    expect(down.first.ok).toBe(false);
    const v = await show(OWN, a);
    expect(v.periods[0]!.percent).toBeLessThan(100);
    expect(v.periods[0]!.downMinutes).toBeGreaterThan(0);
    expect(v.periods[0]!.budgetLeftMinutes).toBeLessThan(v.periods[0]!.budgetMinutes);
    expect(v.incidents[0]).toMatchObject({ endedAt: null, errorClass: first.errorClass });
    expect(v.alert).toMatchObject({ state: 'raised', target: 99.9 });
    expect(view.latest?.ok === false || v.latest?.ok === false).toBe(true);

    // The driver marks the host down when its connections close or a reconnection fails; that can
    // trail the failed probe by a moment, so health is read until it says so (bounded; no timing asserted).
    let health = await api.call('health.show', { cluster: OWN });
    for (let i = 0; i < 60 && !(health.ok && health.value.down === 1); i++) {
      await sleep(500);
      health = await api.call('health.show', { cluster: OWN });
    }
    expect(health.ok && { up: health.value.up, down: health.value.down, failing: health.value.tenantsFailing }).toEqual({ up: 0, down: 1, failing: 1 });

    // B, on the shared node, is untouched.
    const pb = await api.call('availability.probe', { cluster: SHARED, tenant: b });
    expect(pb.ok && pb.value.ok).toBe(true);
    const vb = await show(SHARED, b);
    expect(vb.incidents).toEqual([]);
    expect(vb.periods[0]!.percent).toBe(100);
    expect(vb.alert).toBeNull();

    await cassandraNode.start({ home, port: 9162, log: () => {} });
    const restartedAt = Date.now();
    // The driver reconnects by itself (exponential back-off from 1 s, capped at 10 s).
    const deadline = Date.now() + 120_000;
    let back = await scheduledAfter(restartedAt, 60_000);
    while (!back.first.ok && Date.now() < deadline) back = await scheduledAfter(Date.parse(back.first.at), 30_000);
    expect(back.first.ok).toBe(true);
    const after = await show(OWN, a);
    expect(after.incidents[0]!.endedAt).not.toBeNull();
    expect(after.incidents[0]!.samples).toBeGreaterThanOrEqual(2);
    // The operator's own session reconnects on its own back-off (from 1 s, capped at 10 s), which
    // may trail the tenant session the probe used: read health until it sees the node (bounded).
    let healthy = await api.call('health.show', { cluster: OWN });
    for (let i = 0; i < 120 && !(healthy.ok && healthy.value.up === 1); i++) {
      await sleep(500);
      healthy = await api.call('health.show', { cluster: OWN });
    }
    expect(healthy.ok && healthy.value.up).toBe(1);
  }, 300_000);

  it('targets and windows are shared through csm_system; bad input is refused and changes nothing', async () => {
    const { api: p, cluster } = shared;
    expect((await p.call('availability.show', { cluster, tenant: unique('zz') })).ok ? 'ok' : 'refused').toBe('refused');
    const unknown = await p.call('availability.probe', { cluster, tenant: unique('zz') });
    expect(unknown.ok ? null : unknown.error.code).toBe('NOT_FOUND');
    const high = await p.call('availability.setTarget', { cluster, tenant: b, percent: 100 });
    expect(high.ok ? null : high.error.code).toBe('BAD_INPUT');
    const low = await p.call('availability.setTarget', { cluster, tenant: b, percent: 10 });
    expect(low.ok ? null : low.error.code).toBe('BAD_INPUT');

    const set = await p.call('availability.setTarget', { cluster, tenant: b, percent: 99.95 });
    expect(set.ok && set.value).toMatchObject({ percent: 99.95, isDefault: false, updatedBy: 'cassandra' });
    const now = Date.now();
    const w = await p.call('availability.addWindow', { cluster, tenant: b, startsAt: new Date(now + 3_600_000).toISOString(), endsAt: new Date(now + 7_200_000).toISOString(), reason: 'upgrade' });
    expect(w.ok).toBe(true);
    const clash = await p.call('availability.addWindow', { cluster, tenant: b, startsAt: new Date(now + 5_400_000).toISOString(), endsAt: new Date(now + 9_000_000).toISOString(), reason: 'other' });
    expect(clash.ok ? null : clash.error.code).toBe('CONFLICT');
    const backwards = await p.call('availability.addWindow', { cluster, tenant: b, startsAt: new Date(now + 7_200_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString(), reason: 'x' });
    expect(backwards.ok ? null : backwards.error.code).toBe('BAD_INPUT');
    const old = await p.call('availability.addWindow', { cluster, tenant: b, startsAt: new Date(now - 5 * 86_400_000).toISOString(), endsAt: new Date(now - 4 * 86_400_000).toISOString(), reason: 'x' });
    expect(old.ok ? null : old.error.code).toBe('BAD_INPUT');

    // A second console of the installation reads the same target and window from csm_system.
    const other = await realServices();
    try {
      const o = localClient(other.router, { host: 'cli' });
      expect((await o.call('cluster.add', { name: 'again', contactPoints: [node().contactPoint], localDc: node().localDc, ...SUPERUSER })).ok).toBe(true);
      expect((await o.call('session.signIn', { cluster: 'again' })).ok).toBe(true);
      const seen = await o.call('availability.show', { cluster: 'again', tenant: b });
      expect(seen.ok && { target: seen.value.target.percent, windows: seen.value.windows.map((x) => x.reason) }).toEqual({ target: 99.95, windows: ['upgrade'] });
    } finally {
      await other.close();
    }

    const gone = await p.call('availability.removeWindow', { cluster, tenant: b, id: '00000000-0000-4000-8000-000000000000' });
    expect(gone.ok ? null : gone.error.code).toBe('NOT_FOUND');
    const removed = await p.call('availability.removeWindow', { cluster, tenant: b, id: w.ok ? w.value.id : '' });
    expect(removed.ok && removed.value.removed).toBe(true);
    const after = await p.call('availability.show', { cluster, tenant: b });
    expect(after.ok && after.value.windows).toEqual([]);

    const cap = await p.call('capacity.show', { cluster });
    expect(cap.ok && cap.value.clusters[0]).toMatchObject({ cluster, error: null });
    expect(cap.ok && cap.value.clusters[0]!.tenants).toBeGreaterThanOrEqual(1);
    expect(cap.ok && cap.value.placement?.chosen).toBe(cluster);
  });
});
