import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalClient } from '../../../src-main/ipc/local-client';
import { ComplianceService } from '../../../src-main/compliance/service';
import { assertWithinBoundary } from '../../../src-main/compliance/boundary';
import type { ComplianceScan } from '../../../src-shared/contract/compliance';
import { driverClient, node, realServices, unique } from '../../support/cassandra';
import { localClient } from '../../../src-main/ipc/local-client';
import { platformConsole, provision, scrub, type Svc } from '../tenancy/support';

/**
 * Issue 6 items 3–4 on the shared real node (one DC, dc1): boundaries and profiles stored in
 * csm_system, drift planted behind the console's back with a superuser driver, found with its
 * evidence and fix, fixed through the channel, and the approval policy answering from the stored
 * profile. Replication to a second DC is proven on the two-DC pair (two-dc.test.ts): a one-DC
 * node refuses `'dc9': 1` ("Unrecognized strategy option"), so here the cqlsh change is a switch
 * to SimpleStrategy.
 */
describe('compliance boundary and profile on the real node', () => {
  let svc: Svc;
  let api: LocalClient;
  let cluster: string;
  let admin: cassandra.Client;
  const t = unique('cb');

  async function scan(): Promise<ComplianceScan> {
    const r = await api.call('compliance.scan', { cluster, tenant: t });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  }

  beforeAll(async () => {
    ({ svc, api, cluster } = await platformConsole());
    admin = await driverClient();
    const s = await provision(svc, api, cluster, t);
    expect(s.state, s.error ?? '').toBe('succeeded');
  }, 180_000);

  afterAll(async () => {
    await admin?.execute('DELETE FROM csm_system.compliance_profiles WHERE tenant_id = ?', [t], { prepare: true }).catch(() => undefined);
    await admin?.shutdown();
    await svc?.close();
    await scrub([t]);
  }, 120_000);

  it('starts with no profile, then stores a boundary and PCI-DSS with the strictest values', async () => {
    const g = await api.call('compliance.get', { cluster, tenant: t });
    expect(g.ok && { v: g.value.version, b: g.value.boundary, from: g.value.readFrom }).toEqual({ v: 0, b: null, from: 'none' });
    const set = await api.call('compliance.set', { cluster, tenant: t, boundary: [{ dc: 'dc1', region: 'eu-west-1' }], frameworks: ['PCI-DSS', 'HIPAA'] });
    if (!set.ok) throw new Error(set.error.message);
    expect(set.value.version).toBe(1);
    expect(set.value.effective).toMatchObject({ retentionYears: 6, minRsaBits: 2048, maxKeyAgeDays: 365, boundaryRequired: true, approvalRequired: ['keys.rotate', 'tenant.delete'] });
    const again = await api.call('compliance.get', { cluster, tenant: t });
    expect(again.ok && again.value).toMatchObject({ version: 1, readFrom: 'csm_system', boundary: [{ dc: 'dc1', region: 'eu-west-1' }], frameworks: ['HIPAA', 'PCI-DSS'] });
    // The tenant-readable copy in its console keyspace holds the same profile.
    const copy = (await admin.execute(`SELECT value FROM "tenant_${t}_csm".tenant_info WHERE key = 'compliance.profile'`)).rows[0];
    expect(JSON.parse(String(copy?.['value'])).version).toBe(1);
  }, 60_000);

  it('refuses a boundary that leaves out the DC the tenant lives in (CONFLICT), weaker overrides and non-approvable channels (BAD_INPUT), a stale version (CONFLICT) — and keeps what was stored', async () => {
    const out = await api.call('compliance.set', { cluster, tenant: t, boundary: [{ dc: 'dc9', region: 'nowhere' }] });
    expect(!out.ok && out.error.code).toBe('CONFLICT');
    expect(!out.ok && out.error.message).toMatch(/keyspace tenant_.*_csm replicates to dc1/);
    const weak = await api.call('compliance.set', { cluster, tenant: t, overrides: { retentionYears: 0 } });
    expect(!weak.ok && weak.error.code).toBe('BAD_INPUT');
    expect(!weak.ok && weak.error.message).toContain('overrides.retentionYears');
    const notApprovable = await api.call('compliance.set', { cluster, tenant: t, overrides: { approvalRequired: ['keys.rotate', 'tenant.delete', 'tenant.list'] } });
    expect(!notApprovable.ok && notApprovable.error.message).toContain('tenant.list is not an approvable channel');
    // Removing the boundary (or dropping a framework) would weaken the tenant's two-person rule:
    // filed for a second person, not run. (That PCI-DSS requires a boundary is a unit test.)
    const noBoundary = await api.call('compliance.set', { cluster, tenant: t, boundary: null });
    expect(!noBoundary.ok && noBoundary.error.code).toBe('APPROVAL_REQUIRED');
    const dropped = await api.call('compliance.set', { cluster, tenant: t, frameworks: [] });
    expect(!dropped.ok && dropped.error.code).toBe('APPROVAL_REQUIRED');
    const stale = await api.call('compliance.set', { cluster, tenant: t, frameworks: ['HIPAA', 'PCI-DSS', 'SOX'], expectedVersion: 0 });
    expect(!stale.ok && stale.error.code).toBe('CONFLICT');
    const g = await api.call('compliance.get', { cluster, tenant: t });
    expect(g.ok && g.value.version).toBe(1);
  }, 60_000);

  it('answers the approval gate from the stored profile, and the boundary assertion refuses other DCs', async () => {
    const policy = new ComplianceService({ connections: svc.connections, sessions: svc.sessions, store: svc.store, dispatch: (ch, input) => svc.router.dispatch(ch, input, { host: 'cli' }), cacheMs: 0 });
    expect(await policy.requiresApproval(cluster, t, 'keys.rotate')).toBe(true);
    expect(await policy.requiresApproval(cluster, t, 'tenant.delete')).toBe(true);
    expect(await policy.requiresApproval(cluster, t, 'tenant.resume')).toBe(false);
    expect(await policy.requiresApproval(cluster, t, 'tenant.list')).toBe(false);
    const set = await api.call('compliance.set', { cluster, tenant: t, overrides: { approvalRequired: ['keys.rotate', 'tenant.delete', 'tenant.resume'] } });
    expect(set.ok, set.ok ? '' : set.error.message).toBe(true);
    expect(await policy.requiresApproval(cluster, t, 'tenant.resume')).toBe(true);
    await expect(policy.assertWithinBoundary(cluster, t, ['dc1'])).resolves.toBeUndefined();
    await expect(policy.assertWithinBoundary(cluster, t, ['dc1', 'dc2'], 'replication to')).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('replication to dc2 lies outside the compliance boundary') });
    await expect(assertWithinBoundary(svc.connections.operator(cluster)!, t, ['dc3'])).rejects.toMatchObject({ code: 'CONFLICT' });
  }, 60_000);

  it('scans clean, then finds replication switched to SimpleStrategy in cqlsh, fixes it and scans clean again', async () => {
    const clean = await scan();
    expect(clean.drift).toEqual([]);
    expect(clean.controls.find((c) => c.id === 'no-drift')?.status).toBe('pass');
    const ks = `tenant_${t}_csm`;
    await admin.execute(`ALTER KEYSPACE "${ks}" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    const dirty = await scan();
    expect(dirty.drift.map((d) => [d.kind, d.subject, d.severity])).toEqual([['replication-strategy', ks, 'critical']]);
    const d = dirty.drift[0]!;
    expect(d.evidence.join('\n')).toContain('SimpleStrategy');
    expect(d.fix).toEqual([`ALTER KEYSPACE "${ks}" WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}`]);
    expect(dirty.controls.find((c) => c.id === 'replication-within-boundary')?.status).toBe('fail');
    const fixed = await api.call('compliance.fix', { cluster, tenant: t, driftId: d.id });
    if (!fixed.ok) throw new Error(fixed.error.message);
    expect(fixed.value.applied).toEqual(d.fix);
    expect(fixed.value.resolved).toBe(true);
    expect(fixed.value.after.drift).toEqual([]);
    const gone = await api.call('compliance.fix', { cluster, tenant: t, driftId: d.id });
    expect(!gone.ok && gone.error.code).toBe('NOT_FOUND');
  }, 120_000);

  it('a tenant admin reads its own profile (from its console keyspace) and scans, but cannot set it', async () => {
    const mine = await realServices();
    try {
      const api2 = localClient(mine.router, { host: 'cli' });
      const name = unique('ta').replace(/_/g, '-');
      expect((await api2.call('cluster.add', { name, contactPoints: [node().contactPoint], localDc: node().localDc, username: `tenant_${t}_u_boss`, password: 'correct-horse-battery' })).ok).toBe(true);
      const s = await api2.call('session.signIn', { cluster: name });
      expect(s.ok && !s.value.platform && s.value.tenantAdmin).toEqual([t]);
      const g = await api2.call('compliance.get', { cluster: name, tenant: t });
      if (!g.ok) throw new Error(`${g.error.code}: ${g.error.message}`);
      expect(g.value).toMatchObject({ readFrom: 'tenant-keyspace', boundary: [{ dc: 'dc1', region: 'eu-west-1' }], frameworks: ['HIPAA', 'PCI-DSS'] });
      const sc = await api2.call('compliance.scan', { cluster: name, tenant: t });
      if (!sc.ok) throw new Error(`${sc.error.code}: ${sc.error.message}`);
      expect(sc.value.keyspaces.map((k) => k.name)).toContain(`tenant_${t}_csm`);
      // What a tenant admin cannot read is reported unknown, never passed.
      expect(sc.value.controls.find((c) => c.id === 'isolation-clean')?.status).toBe('unknown');
      // …without the console refusing itself: no FORBIDDEN (so no security alert) from the scan's own calls.
      expect(mine.store.localAudit.forbidden(50)).toEqual([]);
      const set = await api2.call('compliance.set', { cluster: name, tenant: t, frameworks: [] });
      expect(!set.ok && set.error.code).toBe('FORBIDDEN');
      const other = await api2.call('compliance.get', { cluster: name, tenant: 'zz_00000000' });
      expect(!other.ok && other.error.code).toBe('FORBIDDEN');
    } finally {
      await mine.close();
    }
  }, 120_000);

  it('finds a tenant LOGIN role widened to every DC, fixes it, and reports the controls with evidence', async () => {
    const role = `tenant_${t}_u_boss`;
    await admin.execute(`ALTER ROLE "${role}" WITH ACCESS TO ALL DATACENTERS`);
    const dirty = await scan();
    const d = dirty.drift.find((x) => x.subject === role);
    expect(d && [d.kind, d.severity, d.actual]).toEqual(['login-without-dc-restriction', 'critical', null]);
    expect(d?.evidence[0]).toContain(`no restriction for roles/${role}`);
    expect(d?.fix).toEqual([`ALTER ROLE "${role}" WITH ACCESS TO DATACENTERS {'dc1'}`]);
    expect(dirty.controls.find((c) => c.id === 'login-roles-dc-restricted')).toMatchObject({ status: 'fail', evidence: [`${role}: all data centres`] });
    const fixed = await api.call('compliance.fix', { cluster, tenant: t, driftId: d!.id });
    expect(fixed.ok && fixed.value.resolved).toBe(true);
    const after = await scan();
    expect(after.drift).toEqual([]);
    const byId = Object.fromEntries(after.controls.map((c) => [c.id, c]));
    expect(byId['boundary-set']?.status).toBe('pass');
    expect(byId['login-roles-dc-restricted']?.status).toBe('pass');
    expect(byId['approval-required']?.status).toBe('pass');
    expect(byId['key-rotation']?.status).toBe('pass'); // keys made at provisioning, minutes old
    expect(byId['key-rotation']?.evidence[0]).toMatch(/KEK v1 since/);
    expect(['pass', 'fail']).toContain(byId['isolation-clean']?.status);
    const list = await api.call('compliance.list', { cluster });
    const row = list.ok ? list.value.find((x) => x.tenant === t) : undefined;
    expect(row).toMatchObject({ frameworks: ['HIPAA', 'PCI-DSS'], boundary: ['dc1'], drift: 0, fail: after.counts.failed, scannedAt: after.scannedAt }); // other files' tenants share the node
    expect(byId['isolation-clean']?.cli).toBe(`csm isolation scan --cluster ${cluster} --tenant ${t}`);
  }, 120_000);
});
