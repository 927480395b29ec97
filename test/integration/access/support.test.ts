import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SupportGrant } from '../../../src-shared/contract/access';
import { localClient, type LocalClient } from '../../../src-main/ipc/local-client';
import { driverClient, node, realServices, unique } from '../../support/cassandra';
import { platformConsole, provision, scrub, userClient, type Svc } from '../tenancy/support';

const PW = 'correct-horse-battery';

/** Cassandra's refusal, by kind: what the support role may and may not do, as the node says it. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    const m = (e as Error).message;
    if (/has no (SELECT|MODIFY) permission|Unauthorized|not authorized/i.test(m)) return 'unauthorized';
    if (/not allowed to log in|Provided username|Authentication|doesn't exist|NoHostAvailable|All host/i.test(m)) return 'auth';
    return `other: ${m}`;
  }
}

const value = <T,>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

/**
 * Support access on the real node: a platform console asks, the tenant's own admin (a second
 * console signed in as tenant_<id>_u_boss) decides, the requester's console creates a real role,
 * and Cassandra itself keeps that role to what was approved until it is dropped.
 */
describe('support access on the real node', () => {
  let p: Svc;
  let papi: LocalClient;
  let cluster: string;
  let t: Svc;
  let tapi: LocalClient;
  const tcluster = unique('ta').replace(/_/g, '-');
  const a = unique('sa');
  const b = unique('sb');
  let admin: cassandra.Client;
  const ids: string[] = [];
  const extra: Svc[] = [];

  const roleExists = async (role: string): Promise<boolean> => (await admin.execute('SELECT role FROM system_auth.roles WHERE role = ?', [role], { prepare: true })).rowLength > 0;

  async function approvedRequest(readOnly: boolean, minutes = 30): Promise<SupportGrant> {
    const req = value(await papi.call('support.request', { cluster, tenant: a, minutes, readOnly, reason: 'ticket 4711: slow queries' }));
    ids.push(req.id);
    expect(req.state).toBe('pending');
    const ok = value(await tapi.call('support.approve', { cluster: tcluster, tenant: a, id: req.id, note: 'go ahead' }));
    expect([ok.state, ok.decidedBy]).toEqual(['approved', `tenant_${a}_u_boss`]);
    return req;
  }

  beforeAll(async () => {
    ({ svc: p, api: papi, cluster } = await platformConsole());
    admin = await driverClient();
    const [sa, sb] = [await provision(p, papi, cluster, a, 'boss', PW), await provision(p, papi, cluster, b, 'boss', PW)];
    expect([sa.state, sb.state]).toEqual(['succeeded', 'succeeded']);
    await admin.execute(`INSERT INTO "tenant_${a}_data".events (bucket, at, payload) VALUES ('b1', now(), 0x01)`);
    t = await realServices();
    tapi = localClient(t.router, { host: 'cli' });
    value(await tapi.call('cluster.add', { name: tcluster, contactPoints: [node().contactPoint], localDc: node().localDc, username: `tenant_${a}_u_boss`, password: PW }));
    const scope = value(await tapi.call('session.signIn', { cluster: tcluster }));
    expect([scope.platform, scope.tenantAdmin]).toEqual([false, [a]]);
  }, 240_000);

  afterAll(async () => {
    for (const id of ids) await admin?.execute('DELETE FROM csm_system.support_access WHERE id = ?', [id], { prepare: true }).catch(() => undefined);
    await admin?.shutdown();
    for (const s of [...extra, t, p]) await s?.close().catch(() => undefined);
    await scrub([a, b]);
  });

  it('read-only: requested by the platform, approved by the tenant admin only, activated as a real role pinned to its grants, revoked for real', async () => {
    // The platform operator (and requester) cannot approve on the tenant's behalf.
    const req = value(await papi.call('support.request', { cluster, tenant: a, minutes: 30, readOnly: true, reason: 'ticket 4711: slow queries' }));
    ids.push(req.id);
    const self = await papi.call('support.approve', { cluster, tenant: a, id: req.id });
    expect(self.ok ? 'ok' : self.error.code).toBe('FORBIDDEN');
    expect(self.ok ? '' : self.error.message).toMatch(/admin of that tenant/);
    // Not active yet: activation before the tenant decided is refused.
    const early = await papi.call('support.activate', { cluster, id: req.id });
    expect(early.ok ? 'ok' : early.error.code).toBe('CONFLICT');
    // The tenant admin sees it from the tenant's own keyspace, and approves.
    const seen = value(await tapi.call('support.list', { cluster: tcluster, tenant: a }));
    expect(seen.find((g) => g.id === req.id)).toMatchObject({ state: 'pending', readOnly: true, minutes: 30, requestedBy: 'cassandra' });
    const other = await tapi.call('support.list', { cluster: tcluster, tenant: b });
    expect(other.ok ? 'ok' : other.error.code).toBe('FORBIDDEN');
    value(await tapi.call('support.approve', { cluster: tcluster, tenant: a, id: req.id }));
    const twice = await tapi.call('support.reject', { cluster: tcluster, tenant: a, id: req.id, reason: 'changed my mind' });
    expect(twice.ok ? 'ok' : twice.error.code).toBe('CONFLICT');

    const g = value(await papi.call('support.activate', { cluster, id: req.id }));
    expect(g.state).toBe('active');
    expect(g.role).toMatch(new RegExp(`^tenant_${a}_support_[0-9a-f]{8}$`));
    expect(Date.parse(g.expiresAt!) - Date.parse(g.activatedAt!)).toBe(30 * 60_000);
    expect(g.history.map((h) => h.event)).toEqual(['requested', 'approved', 'activating', 'active']);
    expect(await roleExists(g.role!)).toBe(true);
    const dcs = (await admin.execute(`LIST ROLES OF "${g.role}"`)).rows.find((r) => r['role'] === g.role)?.['datacenters'];
    expect(String(dcs)).toBe(node().localDc);

    // The password: never to a window host, to the activator's CLI only.
    const web = await localClient(p.router, { host: 'web' }).call('support.credentials', { cluster, id: req.id });
    expect(web.ok ? 'ok' : web.error.code).toBe('FORBIDDEN');
    const cred = value(await papi.call('support.credentials', { cluster, id: req.id }));
    expect(cred.username).toBe(g.role);

    const sup = await userClient(cred.username, cred.password);
    try {
      expect(await outcome(sup.execute(`SELECT * FROM "tenant_${a}_data".events LIMIT 1`))).toBe('ok');
      expect((await sup.execute(`SELECT * FROM "tenant_${a}_data".events`)).rowLength).toBeGreaterThan(0);
      expect(await outcome(sup.execute(`INSERT INTO "tenant_${a}_data".events (bucket, at, payload) VALUES ('b1', now(), 0x02)`))).toBe('unauthorized');
      expect(await outcome(sup.execute(`SELECT * FROM "tenant_${b}_data".events LIMIT 1`))).toBe('unauthorized');
      expect(await outcome(sup.execute(`SELECT * FROM "tenant_${a}_csm".config LIMIT 1`))).toBe('unauthorized');
      expect(await outcome(sup.execute('SELECT * FROM csm_system.support_access LIMIT 1'))).toBe('unauthorized');

      // The isolation scanner sees a tenant role inside its own tenant: no finding names it.
      const scan = value(await papi.call('isolation.scan', { cluster, tenant: a }));
      expect(scan.findings.filter((f) => f.subject === g.role || f.evidence.some((e) => e.chain.includes(g.role!))).map((f) => f.title)).toEqual([]);
      // Why activation records the role in the registry: without it the scanner (which knows
      // tenant roles by registry or by the _u_ user prefix) sees a role outside the naming scheme.
      await admin.execute('UPDATE csm_system.tenants SET roles = roles - ? WHERE id = ?', [[g.role!], a], { prepare: true });
      const unowned = value(await papi.call('isolation.scan', { cluster, tenant: a })).findings.filter((f) => f.subject === g.role);
      await admin.execute('UPDATE csm_system.tenants SET roles = roles + ? WHERE id = ?', [[g.role!], a], { prepare: true });
      expect(unowned.map((f) => [f.kind, f.severity])).toEqual([['unowned-role-tenant-access', 'warning']]);

      const rev = value(await papi.call('support.revoke', { cluster, tenant: a, id: req.id, reason: 'done' }));
      expect([rev.state, rev.revokedBy, rev.revokeReason]).toEqual(['revoked', 'cassandra', 'done']);
      expect(await roleExists(g.role!)).toBe(false);
      // The session opened before the revocation stops working.
      expect(await outcome(sup.execute(`SELECT * FROM "tenant_${a}_data".events LIMIT 1`))).not.toBe('ok');
    } finally {
      await sup.shutdown();
    }
    expect(await p.secrets.has(`tenant/${a}/support-${req.id}`)).toBe(false);
    const after = await papi.call('support.credentials', { cluster, id: req.id });
    expect(after.ok ? 'ok' : after.error.code).toBe('CONFLICT');
    // The tenant side shows the end too.
    expect(value(await tapi.call('support.list', { cluster: tcluster, tenant: a })).find((x) => x.id === req.id)?.state).toBe('revoked');
  });

  it("read-write: the tenant admin's revoke is carried out by the next platform sweep", async () => {
    const req = await approvedRequest(false, 60);
    const g = value(await papi.call('support.activate', { cluster, id: req.id }));
    const cred = value(await papi.call('support.credentials', { cluster, id: req.id }));
    const sup = await userClient(cred.username, cred.password);
    try {
      expect(await outcome(sup.execute(`INSERT INTO "tenant_${a}_data".events (bucket, at, payload) VALUES ('b1', now(), 0x03)`))).toBe('ok');
      expect(await outcome(sup.execute(`SELECT * FROM "tenant_${b}_data".events LIMIT 1`))).toBe('unauthorized');
      // No path to the tenant's decision table: a window must never approve its holder's next one.
      expect(await outcome(sup.execute(`UPDATE "tenant_${a}_csm".support_requests SET decision = 'approved', decided_by = 'tenant_${a}_u_boss' WHERE id = 'forged'`))).toBe('unauthorized');
      const asked = value(await tapi.call('support.revoke', { cluster: tcluster, tenant: a, id: req.id, reason: 'we are done' }));
      expect([asked.state, asked.revokeRequestedBy]).toEqual(['active', `tenant_${a}_u_boss`]);
      expect(await roleExists(g.role!)).toBe(true); // a tenant admin cannot drop roles: not yet
      value(await papi.call('session.signIn', { cluster })); // a platform sign-in sweeps
      const done = value(await papi.call('support.list', { cluster, tenant: a })).find((x) => x.id === req.id)!;
      expect([done.state, done.revokedBy, done.revokeReason]).toEqual(['revoked', `tenant_${a}_u_boss`, `revoked by tenant admin tenant_${a}_u_boss`]);
      expect(await roleExists(g.role!)).toBe(false);
      expect(await outcome(sup.execute(`SELECT * FROM "tenant_${a}_data".events LIMIT 1`))).not.toBe('ok');
    } finally {
      await sup.shutdown();
    }
  });

  it('expiry across a restart: a console closed over the expiry revokes at its next sign-in', async () => {
    const req = await approvedRequest(true, 5);
    const p1 = await realServices();
    extra.push(p1);
    const api1 = localClient(p1.router, { host: 'cli' });
    value(await api1.call('cluster.add', { name: cluster, contactPoints: [node().contactPoint], localDc: node().localDc, username: 'cassandra', password: 'cassandra' }));
    value(await api1.call('session.signIn', { cluster }));
    const g = value(await api1.call('support.activate', { cluster, id: req.id }));
    expect(await roleExists(g.role!)).toBe(true);
    await p1.close();
    // Time passing, simulated: the window's end is moved into the past in csm_system while no console runs.
    await admin.execute('UPDATE csm_system.support_access SET expires_at = ? WHERE id = ?', [new Date(Date.now() - 60_000), req.id], { prepare: true });
    expect(await roleExists(g.role!)).toBe(true);

    const p2 = await realServices(); // a new console, same installation keychain
    extra.push(p2);
    const api2 = localClient(p2.router, { host: 'cli' });
    value(await api2.call('cluster.add', { name: cluster, contactPoints: [node().contactPoint], localDc: node().localDc, username: 'cassandra', password: 'cassandra' }));
    value(await api2.call('session.signIn', { cluster }));
    expect(await roleExists(g.role!)).toBe(false);
    const row = (await admin.execute('SELECT state, revoked_by, revoke_reason FROM csm_system.support_access WHERE id = ?', [req.id], { prepare: true })).rows[0]!;
    expect([row['state'], row['revoked_by'], row['revoke_reason']]).toEqual(['revoked', 'cassandra (sweep)', 'expired']);
    const audit = p2.store.localAudit.listRecent({ limit: 50 }).find((e) => e.channel === 'support.sweep' && (e.input as { id?: string }).id === req.id);
    expect(audit).toMatchObject({ outcome: 'ok', tenant: a, operator: 'cassandra', input: { why: 'expired', role: g.role } });
    expect(await p2.secrets.has(`tenant/${a}/support-${req.id}`)).toBe(false);
    const regRoles = (await admin.execute('SELECT roles FROM csm_system.tenants WHERE id = ?', [a], { prepare: true })).rows[0]!['roles'] as string[];
    expect(regRoles).not.toContain(g.role);
  });

  it('suspending the tenant ends its support windows (suspension locks only the roles it knows); resume still works', async () => {
    const req = await approvedRequest(true, 60);
    const g = value(await papi.call('support.activate', { cluster, id: req.id }));
    expect((await papi.call('tenant.suspend', { cluster, tenant: a, reason: 'support test' })).ok).toBe(true);
    await expect.poll(async () => (await admin.execute('SELECT state, revoke_reason FROM csm_system.support_access WHERE id = ?', [req.id], { prepare: true })).rows[0]?.['revoke_reason'], { timeout: 15_000 }).toBe('tenant suspended');
    expect(await roleExists(g.role!)).toBe(false);
    expect(value(await papi.call('tenant.resume', { cluster, tenant: a })).state).toBe('active');
  });

  it('a decision written on the tenant side by anyone but an admin of that tenant is not taken over', async () => {
    const req = value(await papi.call('support.request', { cluster, tenant: a, minutes: 10, readOnly: true, reason: 'forgery check' }));
    ids.push(req.id);
    // Written straight into the tenant's decision table (as a platform role with cqlsh could):
    // the requester itself, then an admin of ANOTHER tenant.
    for (const forged of ['cassandra', `tenant_${b}_u_boss`]) {
      await admin.execute(`UPDATE "tenant_${a}_csm".support_requests SET decision = 'approved', decided_by = ? WHERE id = ?`, [forged, req.id], { prepare: true });
      expect(value(await papi.call('support.list', { cluster, tenant: a })).find((g) => g.id === req.id)?.state).toBe('pending');
      const act = await papi.call('support.activate', { cluster, id: req.id });
      expect(act.ok ? 'ok' : act.error.code).toBe('CONFLICT');
    }
  });

  it('refuses bad input clearly and loses nothing', async () => {
    const over = await papi.call('support.request', { cluster, tenant: a, minutes: 1441, readOnly: true, reason: 'x' });
    expect(over.ok ? 'ok' : over.error.code).toBe('BAD_INPUT');
    const noReason = await papi.call('support.request', { cluster, tenant: a, minutes: 10, readOnly: true, reason: '  ' });
    expect(noReason.ok ? 'ok' : noReason.error.code).toBe('BAD_INPUT');
    const ghost = await papi.call('support.request', { cluster, tenant: unique('zz'), minutes: 10, readOnly: true, reason: 'x' });
    expect(ghost.ok ? 'ok' : ghost.error.code).toBe('NOT_FOUND');
    const missing = await papi.call('support.activate', { cluster, id: '0123456789abcdef' });
    expect(missing.ok ? 'ok' : missing.error.code).toBe('NOT_FOUND');
    // A tenant admin cannot ask for support access (platform scope).
    const tenantAsks = await tapi.call('support.request', { cluster: tcluster, tenant: a, minutes: 10, readOnly: true, reason: 'x' });
    expect(tenantAsks.ok ? 'ok' : tenantAsks.error.code).toBe('FORBIDDEN');
  });
});
