import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClient, type LocalClient } from '../../../src-main/ipc/local-client';
import { driverClient, node, realServices, unique } from '../../support/cassandra';
import { platformConsole, provision, scrub, type Svc } from '../tenancy/support';

const value = <T,>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

/**
 * The production wiring end to end: the tenant's compliance profile (compliance.set, the
 * compliance module's ApprovalPolicy) puts tenant.suspend under approval; the consoles are
 * createServices as every host builds them. approvals.test.ts covers the refusals in depth.
 */
describe('approvals through the compliance profile (production wiring)', () => {
  let a: Svc;
  let api: LocalClient;
  let b: Svc;
  let bapi: LocalClient;
  let cluster: string;
  let admin: cassandra.Client;
  const t = unique('aq');
  const opB = unique('p');
  const ids: string[] = [];

  beforeAll(async () => {
    ({ svc: a, api, cluster } = await platformConsole());
    admin = await driverClient();
    expect((await provision(a, api, cluster, t)).state).toBe('succeeded');
    // Second platform operator: a superuser role (csm_platform_admin is not defined on the node).
    await admin.execute(`CREATE ROLE "${opB}" WITH LOGIN = true AND SUPERUSER = true AND PASSWORD = 'second-operator-pw'`);
    b = await realServices();
    bapi = localClient(b.router, { host: 'cli' });
    value(await bapi.call('cluster.add', { name: cluster, contactPoints: [node().contactPoint], localDc: node().localDc, username: opB, password: 'second-operator-pw' }));
    value(await bapi.call('session.signIn', { cluster }));
  }, 240_000);

  afterAll(async () => {
    // Not through compliance.set: unguarding tenant.suspend is itself a change that needs a second person.
    await admin?.execute('DELETE FROM csm_system.compliance_profiles WHERE tenant_id = ?', [t], { prepare: true }).catch(() => undefined);
    for (const id of ids) await admin?.execute('DELETE FROM csm_system.approval_requests WHERE id = ?', [id], { prepare: true }).catch(() => undefined);
    await admin?.execute(`DROP ROLE IF EXISTS "${opB}"`).catch(() => undefined);
    await admin?.shutdown();
    await b?.close();
    await a?.close();
    await scrub([t]);
  });

  it('compliance.set puts tenant.suspend under approval: filed by A, refused to A, carried out by B; resume stays direct', async () => {
    const set = value(await api.call('compliance.set', { cluster, tenant: t, overrides: { approvalRequired: ['tenant.suspend'] } }));
    expect(set.effective.approvalRequired).toContain('tenant.suspend');

    const r = await api.call('tenant.suspend', { cluster, tenant: t, reason: 'policy test' });
    expect(r.ok ? 'ok' : r.error.code).toBe('APPROVAL_REQUIRED');
    const id = /request ([0-9a-f]{16}) filed/.exec(r.ok ? '' : r.error.message)![1]!;
    ids.push(id);
    expect(value(await api.call('tenant.show', { cluster, tenant: t })).tenant.state).toBe('active');
    const self = await api.call('approval.approve', { cluster, id });
    expect(self.ok ? 'ok' : self.error.code).toBe('FORBIDDEN');

    const done = value(await bapi.call('approval.approve', { cluster, id }));
    expect([done.outcome.ok, done.request.state, done.request.decidedBy]).toEqual([true, 'executed', opB]);
    expect(String((await admin.execute('SELECT state FROM csm_system.tenants WHERE id = ?', [t], { prepare: true })).rows[0]!['state'])).toBe('suspended');

    // Not in the policy: runs at once.
    expect(value(await api.call('tenant.resume', { cluster, tenant: t })).state).toBe('active');

    // The rule guards itself: A cannot switch it off alone (then suspend alone and put it back);
    // B's approval carries the change out.
    const off = await api.call('compliance.set', { cluster, tenant: t, overrides: {} });
    expect(off.ok ? 'ok' : off.error.code).toBe('APPROVAL_REQUIRED');
    const offId = /request ([0-9a-f]{16}) filed/.exec(off.ok ? '' : off.error.message)![1]!;
    ids.push(offId);
    expect(value(await bapi.call('compliance.get', { cluster, tenant: t })).effective.approvalRequired).toContain('tenant.suspend');
    const offDone = value(await bapi.call('approval.approve', { cluster, id: offId }));
    expect([offDone.outcome.ok, offDone.request.state]).toEqual([true, 'executed']);
    expect(value(await bapi.call('compliance.get', { cluster, tenant: t })).effective.approvalRequired).not.toContain('tenant.suspend');
  });
});
