import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessModule } from '../../../src-main/access/module';
import type { ApprovalPolicy } from '../../../src-main/access/ports';
import type { InternalDispatch } from '../../../src-main/app/module';
import { createRouter, type Handlers, type Router } from '../../../src-main/ipc/router';
import { localClient, type LocalClient } from '../../../src-main/ipc/local-client';
import { tenantHandlers } from '../../../src-main/tenancy/handlers';
import { driverClient, node, realServices, unique } from '../../support/cassandra';
import { platformConsole, provision, scrub, type Svc } from '../tenancy/support';

/**
 * The change-approval workflow on the real node. The compliance module's policy (H2's
 * compliance.set) did not exist when this was written, so each console here builds the access
 * module with an ApprovalPolicy of the test's own that reads a REAL row: the key
 * `approval.required` in the tenant's console keyspace config table, written with the superuser
 * driver, read over the console's own Cassandra session. Everything else is the production path:
 * the real router, scope guard, tenant handlers, csm_system rows and LWTs.
 */
function policyFromConfigRow(svc: Svc): ApprovalPolicy {
  return {
    async requiresApproval(cluster, tenant, channel) {
      const client = svc.connections.operator(cluster);
      if (!client) return false;
      const rs = await client.execute(`SELECT value FROM "tenant_${tenant}_csm".config WHERE key = 'approval.required'`);
      return String(rs.rows[0]?.['value'] ?? '').split(',').includes(channel);
    },
  };
}

/** The production wiring of services.ts for the channels this test needs, with the test's policy. */
function approvalRouter(svc: Svc): { api: LocalClient; router: Router; close(): void; sweep(cluster: string): Promise<number> } {
  let router: Router | null = null;
  const dispatch: InternalDispatch = (channel, input, opts) => {
    const { signal, ...rest } = opts ?? {};
    return router!.dispatch(channel, input, { host: 'cli' }, signal, rest);
  };
  const access = accessModule({ host: 'cli', connections: svc.connections, clusters: svc.clusters, sessions: svc.sessions, tenants: svc.tenants, keys: svc.keys, secrets: svc.secrets, store: svc.store, jobs: svc.jobs, bus: svc.bus, logger: svc.logger, dispatch, approvalPolicy: policyFromConfigRow(svc) });
  const handlers = { ...tenantHandlers({ tenants: svc.tenants, store: svc.store }), ...access.handlers } as unknown as Handlers;
  router = createRouter({ handlers, scope: svc.sessions, audit: svc.store.localAudit, logger: svc.logger, emit: (n, p) => svc.bus.emit(n, p), tenantContext: (c, t, o) => svc.tenants.context(c, t, o), gate: (c) => access.gate(c) });
  return { api: localClient(router, { host: 'cli' }), router, close: () => void access.close?.(), sweep: (c) => access.sweep(c) };
}

const value = <T,>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const code = (r: { ok: boolean; error?: { code: string } }): string => (r.ok ? 'ok' : r.error!.code);

describe('change approvals on the real node', () => {
  let a: Svc; // operator A: the superuser
  let b: Svc; // operator B: a second platform role
  let cluster: string;
  let A: ReturnType<typeof approvalRouter>;
  let B: ReturnType<typeof approvalRouter>;
  let admin: cassandra.Client;
  const t = unique('ap');
  const opB = unique('p');
  const ids: string[] = [];

  const tenantState = async (): Promise<string> => String((await admin.execute('SELECT state FROM csm_system.tenants WHERE id = ?', [t], { prepare: true })).rows[0]?.['state']);
  const filed = (message: string): string => {
    const m = /request ([0-9a-f]{16}) filed; approve with csm approval approve \1 --cluster /.exec(message);
    if (!m) throw new Error(`no request id in: ${message}`);
    ids.push(m[1]!);
    return m[1]!;
  };

  beforeAll(async () => {
    let api: LocalClient;
    ({ svc: a, api, cluster } = await platformConsole());
    admin = await driverClient();
    expect((await provision(a, api, cluster, t)).state).toBe('succeeded');
    // A second platform operator. csm_platform_admin does not exist on the shared node and nothing
    // defines its permissions, while tenant.suspend needs ALTER/AUTHORIZE on tenant roles and
    // keyspaces: a superuser-created SUPERUSER role (platform scope by DESIGN §2) stands in.
    await admin.execute(`CREATE ROLE "${opB}" WITH LOGIN = true AND SUPERUSER = true AND PASSWORD = 'second-operator-pw'`);
    b = await realServices();
    const bapi = localClient(b.router, { host: 'cli' });
    value(await bapi.call('cluster.add', { name: cluster, contactPoints: [node().contactPoint], localDc: node().localDc, username: opB, password: 'second-operator-pw' }));
    expect(value(await bapi.call('session.signIn', { cluster })).platform).toBe(true);
    await admin.execute(`INSERT INTO "tenant_${t}_csm".config (key, value) VALUES ('approval.required', 'tenant.suspend,tenant.resume')`);
    A = approvalRouter(a);
    B = approvalRouter(b);
  }, 240_000);

  afterAll(async () => {
    for (const id of ids) await admin?.execute('DELETE FROM csm_system.approval_requests WHERE id = ?', [id], { prepare: true }).catch(() => undefined);
    await admin?.execute(`DROP ROLE IF EXISTS "${opB}"`).catch(() => undefined);
    await admin?.shutdown();
    A?.close();
    B?.close();
    await b?.close();
    await a?.close();
    await scrub([t]);
  });

  it('files instead of running, refuses the requester, runs once when a second person approves', async () => {
    const r = await A.api.call('tenant.suspend', { cluster, tenant: t, reason: 'unpaid invoice' });
    expect(code(r)).toBe('APPROVAL_REQUIRED');
    const id = filed(r.ok ? '' : r.error.message);
    expect(r.ok ? '' : r.error.message).toContain('tenant.suspend on tenant');
    expect(await tenantState()).toBe('active'); // nothing changed
    // The refusal is in the local audit with its code.
    expect(a.store.localAudit.listRecent({ limit: 20 }).find((e) => e.channel === 'tenant.suspend')).toMatchObject({ outcome: 'error', errorCode: 'APPROVAL_REQUIRED', tenant: t });

    const listed = value(await A.api.call('approval.list', { cluster, tenant: t })).find((x) => x.id === id)!;
    expect(listed).toMatchObject({ state: 'pending', channel: 'tenant.suspend', requestedBy: 'cassandra', reason: 'unpaid invoice' });
    expect(JSON.parse(listed.input)).toEqual({ reason: 'unpaid invoice', tenant: t });

    const self = await A.api.call('approval.approve', { cluster, id });
    expect(code(self)).toBe('FORBIDDEN');
    expect(self.ok ? '' : self.error.message).toMatch(/filed by you .* second person/);
    // The gate refuses a pending id as an approval too (transports never pass one; in-process callers could).
    const early = await B.router.dispatch('tenant.suspend', { cluster, tenant: t, reason: 'unpaid invoice' }, { host: 'cli' }, undefined, { approval: id });
    expect(code(early)).toBe('FORBIDDEN');
    expect(await tenantState()).toBe('active');

    const ok = value(await B.api.call('approval.approve', { cluster, id, note: 'confirmed with billing' }));
    expect(ok.outcome).toMatchObject({ ok: true, errorCode: null });
    expect(ok.request).toMatchObject({ state: 'executed', decidedBy: opB, decisionNote: 'confirmed with billing' });
    expect(ok.request.history.map((h) => h.event)).toEqual(['filed', 'approved', 'executing', 'executed']);
    expect(await tenantState()).toBe('suspended');
    // Carried out through the router: the real call is audited as operator B.
    expect(b.store.localAudit.listRecent({ limit: 20 }).find((e) => e.channel === 'tenant.suspend')).toMatchObject({ outcome: 'ok', operator: opB });

    // A replay of the same approval id: refused before any handler runs.
    const replay = await B.router.dispatch('tenant.suspend', { cluster, tenant: t, reason: 'unpaid invoice' }, { host: 'cli' }, undefined, { approval: id });
    expect(code(replay)).toBe('FORBIDDEN');
    expect(replay.ok ? '' : replay.error.message).toMatch(/executed/);
    // A tampered input with that id: refused as a different call.
    const tampered = await B.router.dispatch('tenant.resume', { cluster, tenant: t }, { host: 'cli' }, undefined, { approval: id });
    expect(code(tampered)).toBe('FORBIDDEN');
    expect(tampered.ok ? '' : tampered.error.message).toMatch(/different call/);
    const otherReason = await B.router.dispatch('tenant.suspend', { cluster, tenant: t, reason: 'something else' }, { host: 'cli' }, undefined, { approval: id });
    expect(otherReason.ok ? '' : otherReason.error.message).toMatch(/different call/);
    // An approval id on a call that is not approvable at all.
    const notApprovable = await B.router.dispatch('tenant.config', { cluster, tenant: t }, { host: 'cli' }, undefined, { approval: id });
    expect(code(notApprovable)).not.toBe('ok');
  });

  it('reject needs a reason, ends the request, and nothing runs; the requester may withdraw instead', async () => {
    const r = await A.api.call('tenant.resume', { cluster, tenant: t });
    expect(code(r)).toBe('APPROVAL_REQUIRED');
    const id = filed(r.ok ? '' : r.error.message);
    expect(code(await B.api.call('approval.reject', { cluster, id }))).toBe('BAD_INPUT');
    const rejected = value(await B.api.call('approval.reject', { cluster, id, reason: 'not before the invoice is paid' }));
    expect([rejected.state, rejected.decidedBy, rejected.decisionNote]).toEqual(['rejected', opB, 'not before the invoice is paid']);
    expect(code(await B.api.call('approval.approve', { cluster, id }))).toBe('CONFLICT');
    expect(await tenantState()).toBe('suspended');

    const r2 = await A.api.call('tenant.resume', { cluster, tenant: t });
    const id2 = filed(r2.ok ? '' : r2.error.message);
    expect(code(await B.api.call('approval.cancel', { cluster, id: id2 }))).toBe('FORBIDDEN');
    expect(value(await A.api.call('approval.cancel', { cluster, id: id2 })).state).toBe('cancelled');

    // And the way back, approved by B: the tenant is active again.
    const r3 = await A.api.call('tenant.resume', { cluster, tenant: t });
    const id3 = filed(r3.ok ? '' : r3.error.message);
    const done = value(await B.api.call('approval.approve', { cluster, id: id3 }));
    expect(done.outcome.ok).toBe(true);
    expect(await tenantState()).toBe('active');
    const pendingFirst = value(await A.api.call('approval.list', { cluster, tenant: t }));
    expect(pendingFirst.filter((x) => ids.includes(x.id)).map((x) => x.state).sort()).toEqual(['cancelled', 'executed', 'executed', 'rejected']);
  });

  it("a tenant admin sees their tenant's requests (from the tenant's keyspace) and cannot decide them", async () => {
    const ta = await realServices();
    try {
      const tapi = localClient(ta.router, { host: 'cli' });
      const name = unique('tc').replace(/_/g, '-');
      value(await tapi.call('cluster.add', { name, contactPoints: [node().contactPoint], localDc: node().localDc, username: `tenant_${t}_u_boss`, password: 'correct-horse-battery' }));
      expect(value(await tapi.call('session.signIn', { cluster: name })).platform).toBe(false);
      const theirs = value(await tapi.call('approval.list', { cluster: name, tenant: t }));
      const platformView = value(await A.api.call('approval.list', { cluster, tenant: t }));
      expect(theirs.map((x) => [x.id, x.state, x.decidedBy]).sort()).toEqual(platformView.map((x) => [x.id, x.state, x.decidedBy]).sort());
      expect(theirs.length).toBeGreaterThanOrEqual(4);
      expect(code(await tapi.call('approval.approve', { cluster: name, id: theirs[0]!.id }))).toBe('FORBIDDEN');
    } finally {
      await ta.close();
    }
  });

  it('measures the platform sweep (run at every platform sign-in and every minute in a window) over 1,000 decided rows', async () => {
    // A figure, not a timing assertion: rows in terminal states are read and skipped.
    const synthetic = Array.from({ length: 1000 }, (_, i) => `ffff${i.toString(16).padStart(12, '0')}`);
    const measure = async (): Promise<number> => {
      const t0 = performance.now();
      await A.sweep(cluster);
      return Math.round(performance.now() - t0);
    };
    const before = await measure();
    try {
      for (let i = 0; i < synthetic.length; i += 50) {
        await Promise.all(synthetic.slice(i, i + 50).map((id) => admin.execute("INSERT INTO csm_system.support_access (id, tenant, state, requested_by) VALUES (?, ?, 'rejected', 'x')", [id, t], { prepare: true })));
        await Promise.all(synthetic.slice(i, i + 50).map((id) => admin.execute("INSERT INTO csm_system.approval_requests (id, tenant, state, requested_by) VALUES (?, ?, 'rejected', 'x')", [id, t], { prepare: true })));
      }
      const after = await measure();
      console.log(JSON.stringify({ figure: 'access sweep', baseRowsMs: before, with1000DecidedSupportAnd1000ApprovalRowsMs: after }));
      // …and the sweep left every decided row as it was.
      const states = new Set<string>();
      for (let i = 0; i < synthetic.length; i += 100) {
        for (const table of ['support_access', 'approval_requests']) {
          for (const r of (await admin.execute(`SELECT state FROM csm_system.${table} WHERE id IN ?`, [synthetic.slice(i, i + 100)], { prepare: true })).rows) states.add(String(r['state']));
        }
      }
      expect([...states]).toEqual(['rejected']);
    } finally {
      for (const id of synthetic) {
        await admin.execute('DELETE FROM csm_system.support_access WHERE id = ?', [id], { prepare: true });
        await admin.execute('DELETE FROM csm_system.approval_requests WHERE id = ?', [id], { prepare: true });
      }
    }
  });

  it('with the policy row cleared, the same calls run at once: the gate follows the policy', async () => {
    await admin.execute(`UPDATE "tenant_${t}_csm".config SET value = '' WHERE key = 'approval.required'`);
    expect(value(await A.api.call('tenant.suspend', { cluster, tenant: t })).state).toBe('suspended');
    expect(value(await A.api.call('tenant.resume', { cluster, tenant: t })).state).toBe('active');
  });
});
