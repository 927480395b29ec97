import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalClient } from '../../../src-main/ipc/local-client';
import type { BulkOperation } from '../../../src-shared/contract/msp';
import { driverClient, unique } from '../../support/cassandra';
import { REPO_ROOT } from '../../support/web-host';
import { platformConsole, provision, scrub, userClient, type Svc } from '../tenancy/support';

const PW = 'correct-horse-battery';

/** Can the tenant's user still sign in? The real driver against the real node. */
async function canLogin(id: string): Promise<boolean> {
  let c: cassandra.Client | null = null;
  try {
    c = await userClient(`tenant_${id}_u_boss`, PW);
    await c.execute('SELECT release_version FROM system.local');
    return true;
  } catch {
    return false;
  } finally {
    await c?.shutdown().catch(() => undefined);
  }
}

function csm(args: string[], svc: Svc & { dataDir: string; keychainService: string }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'src-main/cli/csm.mjs'), ...args, '--data-dir', svc.dataDir], {
      env: { ...process.env, CSM_KEYCHAIN_SERVICE: svc.keychainService },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => ok({ code: code ?? -1, stdout, stderr }));
  });
}

/**
 * Issue 6 item 5 on the real node: three tenants provisioned by the console, the MSP dashboard
 * listing them, and bulk suspend/resume carried out tenant by tenant through the router — with
 * Cassandra itself showing the effect (the tenants' users can or cannot sign in).
 */
describe('MSP dashboard and bulk operations on the real node', () => {
  let svc: Svc & { dataDir: string; keychainService: string };
  let api: LocalClient;
  let cluster: string;
  let su: cassandra.Client;
  const a = unique('ma');
  const b = unique('mb');
  const c = unique('mc');
  const ghost = unique('mg');

  const state = async (id: string): Promise<string> => String((await su.execute('SELECT state FROM csm_system.tenants WHERE id = ?', [id], { prepare: true })).rows[0]?.['state']);
  const canLoginFlag = async (id: string): Promise<boolean> => Boolean((await su.execute('SELECT can_login FROM system_auth.roles WHERE role = ?', [`tenant_${id}_u_boss`], { prepare: true })).rows[0]?.['can_login']);

  async function run(input: Parameters<LocalClient['call']>[1]): Promise<BulkOperation> {
    const r = await api.call('bulk.apply', input as never);
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    const v = r.value as { id: string | null; jobId: string | null };
    expect(v.id).not.toBeNull();
    await svc.jobs.wait(v.jobId!)?.catch(() => undefined);
    const shown = await api.call('bulk.show', { id: v.id! });
    if (!shown.ok) throw new Error(`${shown.error.code}: ${shown.error.message}`);
    return shown.value;
  }

  beforeAll(async () => {
    const pc = await platformConsole();
    svc = pc.svc as typeof svc;
    api = pc.api;
    cluster = pc.cluster;
    su = await driverClient();
    for (const id of [a, b, c]) {
      const saga = await provision(svc, api, cluster, id);
      expect(saga.state, JSON.stringify(saga.steps)).toBe('succeeded');
    }
  }, 240_000);

  afterAll(async () => {
    await su?.shutdown();
    await svc?.close();
    await scrub([a, b, c]);
  });

  it('the dashboard lists the three tenants active, online, with usage from the registry and totals for the cluster', async () => {
    const r = await api.call('msp.dashboard', { cluster });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    const mine = r.value.rows.filter((x) => [a, b, c].includes(x.id));
    expect(mine.map((x) => [x.id, x.cluster, x.state, x.online])).toEqual([a, b, c].sort().map((id) => [id, cluster, 'active', true]));
    for (const row of mine) {
      // Provisioning made tenant_<id>_csm and the template's keyspaces, the fixed roles and the admin user.
      expect(row.usage!.keyspaces).toBeGreaterThanOrEqual(2);
      expect(row.usage!.tables).toBeGreaterThan(0);
      expect(row.usage!.users).toBe(1);
      expect(row.sagas).toEqual({ running: 0, failed: 0 });
      expect(row.keys).not.toBeNull();
      expect(row.health.level === 'healthy' || row.health.level === 'warning', JSON.stringify(row.health)).toBe(true);
    }
    const totals = r.value.clusters.find((t) => t.cluster === cluster)!;
    expect(totals.online).toBe(true);
    expect(totals.tenants).toBe(r.value.rows.filter((x) => x.cluster === cluster).length);
    expect(totals.byState['active']).toBeGreaterThanOrEqual(3);
    expect(totals.sources.find((s) => s.source === 'registry')!.status).toBe('ok');
    expect(totals.sources.find((s) => s.source === 'sagas')!.status).toBe('ok');
    expect(r.value.metering).toBe('not-available');
  });

  it('a dry run of suspend shows the plan and changes nothing: registry state and LOGIN as before', async () => {
    const r = await api.call('bulk.apply', { targets: [{ cluster, tenant: a }, { cluster, tenant: b }], action: { action: 'suspend', reason: 'dry run check' }, dryRun: true });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ dryRun: true, id: null, jobId: null });
    expect(r.value.plan.map((p) => [p.tenant, p.state, p.will])).toEqual([
      [a, 'active', 'run'],
      [b, 'active', 'run'],
    ]);
    expect(r.value.plan[0]!.detail).toMatch(/active → suspended/);
    expect([await state(a), await state(b)]).toEqual(['active', 'active']);
    expect([await canLoginFlag(a), await canLoginFlag(b)]).toEqual([true, true]);
    expect(await canLogin(a)).toBe(true);
  });

  it('a real bulk suspend of two suspends both for real, leaves the third alone, and records per-tenant results', async () => {
    const op = await run({ targets: [{ cluster, tenant: a }, { cluster, tenant: b }], action: { action: 'suspend', reason: 'bulk test' } });
    expect(op.state).toBe('finished');
    expect(op.results.map((x) => [x.tenant, x.outcome, x.code])).toEqual([
      [a, 'ok', null],
      [b, 'ok', null],
    ].sort());
    expect(op.counts).toMatchObject({ ok: 2, failed: 0, pending: 0 });
    expect(op.recordedOn).toEqual([cluster]);
    expect([await state(a), await state(b), await state(c)]).toEqual(['suspended', 'suspended', 'active']);
    expect([await canLoginFlag(a), await canLoginFlag(b), await canLoginFlag(c)]).toEqual([false, false, true]);
    expect(await canLogin(a)).toBe(false);
    expect(await canLogin(c)).toBe(true);
    // The record is in csm_system itself, not only in this console's memory.
    const rows = (await su.execute('SELECT tenant, outcome FROM csm_system.bulk_results WHERE op_id = ?', [op.id], { prepare: true })).rows;
    expect(rows.map((x) => [String(x['tenant']), String(x['outcome'])]).sort()).toEqual([a, b].sort().map((t) => [t, 'ok']));
    const list = await api.call('bulk.list', { cluster });
    expect(list.ok && list.value.find((s) => s.id === op.id)).toMatchObject({ state: 'finished', total: 2, counts: { ok: 2 } });
    // The dashboard follows.
    const d = await api.call('msp.dashboard', { cluster });
    expect(d.ok && d.value.rows.filter((x) => [a, b].includes(x.id)).map((x) => [x.state, x.health.level])).toEqual([
      ['suspended', 'warning'],
      ['suspended', 'warning'],
    ]);
  });

  it('a tenant that cannot be suspended is skipped with the reason while the others succeed', async () => {
    const op = await run({ targets: [{ cluster, tenant: a }, { cluster, tenant: c }], action: { action: 'suspend', reason: 'second pass' } });
    const byTenant = Object.fromEntries(op.results.map((x) => [x.tenant, x]));
    expect(byTenant[a]).toMatchObject({ outcome: 'skipped', message: 'already suspended' });
    expect(byTenant[c]).toMatchObject({ outcome: 'ok' });
    expect(await state(c)).toBe('suspended');
  });

  it('bulk resume restores all three; an unknown tenant in the selection is a per-tenant NOT_FOUND', async () => {
    const op = await run({ targets: [{ cluster, tenant: a }, { cluster, tenant: b }, { cluster, tenant: c }, { cluster, tenant: ghost }], action: { action: 'resume' } });
    const byTenant = Object.fromEntries(op.results.map((x) => [x.tenant, x]));
    expect([byTenant[a]!.outcome, byTenant[b]!.outcome, byTenant[c]!.outcome]).toEqual(['ok', 'ok', 'ok']);
    expect(byTenant[ghost]).toMatchObject({ outcome: 'failed', code: 'NOT_FOUND' });
    expect(op.counts).toMatchObject({ ok: 3, failed: 1 });
    expect([await state(a), await state(b), await state(c)]).toEqual(['active', 'active', 'active']);
    expect(await canLogin(a)).toBe(true);
    expect(await canLogin(b)).toBe(true);
  });

  it('refuses an empty selection and a filter that selects nothing, recording nothing', async () => {
    const before = await api.call('bulk.list', { cluster, limit: 200 });
    const empty = await api.call('bulk.apply', { targets: [], action: { action: 'resume' } });
    expect(empty.ok ? 'ok' : empty.error.code).toBe('BAD_INPUT');
    const none = await api.call('bulk.apply', { filter: { text: `no_such_tenant_${ghost}` }, action: { action: 'resume' } });
    expect(none.ok ? 'ok' : `${none.error.code}: ${none.error.message}`).toMatch(/^BAD_INPUT: the selection is empty/);
    const after = await api.call('bulk.list', { cluster, limit: 200 });
    expect(after.ok && before.ok && after.value.length).toBe(before.ok ? before.value.length : -1);
  });

  it('policy through compliance.set, then a suspension the policy wants a second person for: awaiting approval, the request filed, nothing suspended', async () => {
    const set = await run({ targets: [{ cluster, tenant: c }], action: { action: 'policy', frameworks: ['SOX'] } });
    expect(set.results[0], JSON.stringify(set.results)).toMatchObject({ tenant: c, outcome: 'ok', message: expect.stringMatching(/^frameworks: SOX; second person required for: .*tenant\.suspend/) });
    const profile = await api.call('compliance.get', { cluster, tenant: c });
    expect(profile.ok && profile.value.frameworks).toEqual(['SOX']);
    const dry = await api.call('bulk.apply', { targets: [{ cluster, tenant: c }, { cluster, tenant: a }], action: { action: 'suspend', reason: 'needs two' }, dryRun: true });
    expect(dry.ok && dry.value.plan.map((p) => [p.tenant, p.approval])).toEqual([
      [c, 'required'],
      [a, 'not-required'],
    ]);
    const op = await run({ targets: [{ cluster, tenant: c }], action: { action: 'suspend', reason: 'needs two' } });
    const r = op.results[0]!;
    expect(r).toMatchObject({ tenant: c, outcome: 'awaiting-approval', code: 'APPROVAL_REQUIRED' });
    expect(r.approvalId).toMatch(/^[0-9a-f]{16}$/);
    expect(r.message).toMatch(new RegExp(`^awaiting approval ${r.approvalId}`));
    expect(op.counts).toMatchObject({ 'awaiting-approval': 1, failed: 0 });
    expect(await state(c)).toBe('active');
    const pending = await api.call('approval.list', { cluster, tenant: c, state: 'pending' });
    expect(pending.ok && pending.value.map((x) => [x.id, x.channel])).toEqual([[r.approvalId, 'tenant.suspend']]);
    const d = await api.call('msp.dashboard', { cluster });
    expect(d.ok && d.value.rows.find((x) => x.id === c)).toMatchObject({ pending: { approvals: 1 }, compliance: { frameworks: ['SOX'] } });
    // Leave nothing behind: withdraw the request, drop the framework.
    expect((await api.call('approval.cancel', { cluster, id: r.approvalId! })).ok).toBe(true);
    // Dropping the framework would switch the two-person rule off: that needs a second person too.
    const unset = await run({ targets: [{ cluster, tenant: c }], action: { action: 'policy', frameworks: [] } });
    expect(unset.results[0], JSON.stringify(unset.results)).toMatchObject({ outcome: 'awaiting-approval', code: 'APPROVAL_REQUIRED' });
    expect((await api.call('approval.cancel', { cluster, id: unset.results[0]!.approvalId! })).ok).toBe(true);
    await su.execute('DELETE FROM csm_system.compliance_profiles WHERE tenant_id = ?', [c], { prepare: true });
  });

  it('csm: dashboard, dry run (exit 0, nothing changed), a run with a failing tenant (exit 1), bulk show, bad input (exit 2)', async () => {
    const dash = await csm(['msp', 'dashboard', '--cluster', cluster, '--json'], svc);
    expect(dash.code, dash.stderr).toBe(0);
    expect((JSON.parse(dash.stdout) as { rows: { id: string }[] }).rows.map((x) => x.id)).toEqual(expect.arrayContaining([a, b, c]));
    const dry = await csm(['bulk', 'apply', '--action', 'suspend', '--reason', 'cli', '--tenants', `${cluster}/${a}`, '--dry-run', '--json'], svc);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, plan: [{ tenant: a, will: 'run' }] });
    expect(await state(a)).toBe('active');
    const bad = await csm(['bulk', 'apply', '--action', 'resume', '--tenants', `${cluster}/${ghost}`, '--json'], svc);
    expect(bad.code, bad.stderr).toBe(1);
    const op = JSON.parse(bad.stdout) as BulkOperation;
    expect(op.results).toEqual([expect.objectContaining({ tenant: ghost, outcome: 'failed', code: 'NOT_FOUND' })]);
    const shown = await csm(['bulk', 'show', op.id], svc);
    expect(shown.code).toBe(1);
    expect(shown.stdout).toMatch(new RegExp(`${ghost}\\s+failed\\s+NOT_FOUND`));
    const usage = await csm(['bulk', 'apply', '--action', 'suspend', '--tenants', `${cluster}/${a}`, '--json'], svc);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout).error.message).toMatch(/--reason/);
  }, 120_000);
});
