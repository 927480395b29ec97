import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/app/errors';
import { approvalIdFrom } from '../../../src-main/msp/service';
import { bulkApplyOutputSchema, bulkOperationSchema, dashboardSchema } from '../../../src-shared/contract/msp';
import { fakeService, tenant } from './fixtures';

const registries = () => ({ prod: [tenant('acme'), tenant('beta'), tenant('cat', 'draft')], dr: [tenant('zed')] });
const at = (t: string, cluster = 'prod') => ({ cluster, tenant: t });

describe('bulk operations over fake ports', () => {
  it('a dry run plans every tenant, asks the approval policy, and calls nothing, records nothing', async () => {
    const f = fakeService({ registries: registries(), approval: (_c, t) => t === 'beta' });
    const out = await f.svc.apply({ targets: [at('acme'), at('beta'), at('cat'), at('ghost'), at('acme')], action: { action: 'suspend', reason: 'audit' }, dryRun: true });
    expect(bulkApplyOutputSchema.safeParse(out).success).toBe(true);
    expect(out).toMatchObject({ dryRun: true, id: null, jobId: null });
    expect(out.plan.map((p) => [p.tenant, p.will, p.approval, p.code])).toEqual([
      ['acme', 'run', 'not-required', null],
      ['beta', 'run', 'required', null],
      ['cat', 'skip', 'unknown', 'CONFLICT'],
      ['ghost', 'refuse', 'unknown', 'NOT_FOUND'],
    ]);
    expect(f.calls).toEqual([]);
    expect(f.records.size).toBe(0);
  });

  it('a real run goes tenant by tenant through dispatch; approval, skip and not-found are per-tenant results; all recorded', async () => {
    const f = fakeService({
      registries: registries(),
      dispatch: (channel, input) =>
        input['tenant'] === 'beta' ? { ok: false, error: { code: 'APPROVAL_REQUIRED', message: 'tenant beta needs a second person: request 0b4e7c1a-1111-4222-8333-944455556666 filed' } } : { ok: true, value: { state: channel === 'tenant.suspend' ? 'suspended' : 'x' } },
    });
    const out = await f.svc.apply({ targets: [at('acme'), at('beta'), at('cat'), at('ghost'), at('zed', 'dr')], action: { action: 'suspend', reason: 'audit' }, dryRun: false });
    expect(out.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.jobId).toBe(out.id);
    const end = (await f.jobs.wait(out.jobId!)) as { counts: Record<string, number> };
    expect(end.counts).toMatchObject({ ok: 2, 'awaiting-approval': 1, skipped: 1, failed: 1, pending: 0 });
    expect(f.calls.map((c) => [c.channel, c.input])).toEqual([
      ['tenant.suspend', { cluster: 'prod', tenant: 'acme', reason: 'audit' }],
      ['tenant.suspend', { cluster: 'prod', tenant: 'beta', reason: 'audit' }],
      ['tenant.suspend', { cluster: 'dr', tenant: 'zed', reason: 'audit' }],
    ]);
    // Both clusters touched hold the whole record.
    expect([...f.records.keys()].sort()).toEqual(['dr', 'prod']);
    const op = await f.svc.show({ id: out.id! });
    expect(bulkOperationSchema.safeParse(op).success).toBe(true);
    expect(op.state).toBe('finished');
    expect(op.recordedOn).toEqual(['dr', 'prod']);
    expect(op.results.map((r) => [r.cluster, r.tenant, r.outcome, r.code, r.approvalId])).toEqual([
      ['dr', 'zed', 'ok', null, null],
      ['prod', 'acme', 'ok', null, null],
      ['prod', 'beta', 'awaiting-approval', 'APPROVAL_REQUIRED', '0b4e7c1a-1111-4222-8333-944455556666'],
      ['prod', 'cat', 'skipped', 'CONFLICT', null],
      ['prod', 'ghost', 'failed', 'NOT_FOUND', null],
    ]);
    expect(op.results[2]!.message).toMatch(/^awaiting approval 0b4e7c1a-/);
    expect(op.results[1]!.message).toBe('now suspended');
    expect(f.events).toHaveLength(5);
    const list = await f.svc.list({ limit: 10 });
    expect(list.map((s) => [s.id, s.state, s.counts.ok])).toEqual([[out.id, 'finished', 2]]);
  });

  it('a failing tenant does not stop the others', async () => {
    const f = fakeService({ registries: registries(), dispatch: (_c, input) => (input['tenant'] === 'acme' ? { ok: false, error: { code: 'UNAVAILABLE', message: 'node down' } } : { ok: true, value: { state: 'suspended' } }) });
    const out = await f.svc.apply({ targets: [at('acme'), at('beta')], action: { action: 'suspend', reason: 'r' }, dryRun: false });
    await f.jobs.wait(out.jobId!);
    const op = await f.svc.show({ id: out.id! });
    expect(op.results.map((r) => [r.tenant, r.outcome, r.code, r.message])).toEqual([
      ['acme', 'failed', 'UNAVAILABLE', 'node down'],
      ['beta', 'ok', null, 'now suspended'],
    ]);
  });

  it('cancellation lands between tenants: the one in flight finishes, the rest are cancelled, the job ends CANCELLED', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let f!: ReturnType<typeof fakeService>;
    f = fakeService({
      registries: registries(),
      dispatch: async () => {
        if (f.calls.length === 1) await gate;
        return { ok: true, value: { state: 'suspended' } };
      },
    });
    const out = await f.svc.apply({ targets: [at('acme'), at('beta'), at('zed', 'dr')], action: { action: 'suspend', reason: 'r' }, dryRun: false });
    await new Promise((r) => setTimeout(r, 10));
    expect(f.jobs.isRunning(out.jobId!)).toBe(true);
    f.jobs.cancel(out.jobId!);
    release();
    await expect(f.jobs.wait(out.jobId!)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(f.calls).toHaveLength(1);
    const op = await f.svc.show({ id: out.id! });
    expect(op.state).toBe('cancelled');
    expect(op.results.map((r) => [r.tenant, r.outcome])).toEqual([
      ['zed', 'cancelled'],
      ['acme', 'ok'],
      ['beta', 'cancelled'],
    ]);
  });

  it('keys are rotated one tenant at a time: the next starts when the rotation job ended', async () => {
    let f!: ReturnType<typeof fakeService>;
    const order: string[] = [];
    f = fakeService({
      registries: registries(),
      dispatch: (_c, input) => {
        const t = String(input['tenant']);
        order.push(`start ${t}`);
        const { jobId } = f.jobs.start('keys.rotate', `rotate ${t}`, async () => {
          await new Promise((r) => setTimeout(r, 5));
          order.push(`end ${t}`);
          if (t === 'beta') throw new AppError('CONFLICT', 'share outdated');
        });
        return { ok: true, value: { jobId, cluster: 'prod', tenant: t, label: 'x' } };
      },
    });
    const out = await f.svc.apply({ targets: [at('acme'), at('beta')], action: { action: 'rotate-keys' }, dryRun: false });
    await f.jobs.wait(out.jobId!);
    expect(order).toEqual(['start acme', 'end acme', 'start beta', 'end beta']);
    const op = await f.svc.show({ id: out.id! });
    expect(op.results.map((r) => [r.tenant, r.outcome, r.code])).toEqual([
      ['acme', 'ok', null],
      ['beta', 'failed', 'CONFLICT'],
    ]);
  });

  it('refuses an empty filter result and an unreadable registry under a filter; nothing recorded', async () => {
    const f = fakeService({ registries: registries() });
    await expect(f.svc.apply({ filter: { text: 'nomatch' }, action: { action: 'resume' }, dryRun: false })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/selection is empty/) });
    const g = fakeService({ registries: registries(), platform: ['prod', 'lost'] });
    await expect(g.svc.apply({ filter: {}, action: { action: 'resume' }, dryRun: true })).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/registry of lost/) });
    expect(f.records.size + g.records.size).toBe(0);
  });

  it('a filter selects over the platform registries only', async () => {
    const f = fakeService({ registries: registries(), platform: ['prod'] });
    const out = await f.svc.apply({ filter: { states: ['active'] }, action: { action: 'suspend', reason: 'r' }, dryRun: true });
    expect(out.plan.map((p) => `${p.cluster}/${p.tenant}`)).toEqual(['prod/acme', 'prod/beta']);
    expect(out.selection).toBe('filter: state active');
  });

  it('nothing runs when the operation cannot be recorded anywhere', async () => {
    const f = fakeService({ registries: registries() });
    const orig = f.ports.records;
    f.ports.records = (c) => {
      const r = orig(c) as ReturnType<typeof orig> & { failCreate: boolean };
      r.failCreate = true;
      return r;
    };
    await expect(f.svc.apply({ targets: [at('acme')], action: { action: 'resume' }, dryRun: false })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(f.calls).toEqual([]);
  });

  it('show: NOT_FOUND for an unknown id; FORBIDDEN for a cluster without platform scope', async () => {
    const f = fakeService({ registries: registries() });
    await expect(f.svc.show({ id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(f.svc.show({ id: '00000000-0000-4000-8000-000000000000', cluster: 'other' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('the dashboard covers the platform clusters (or the one asked for) and parses against the contract', async () => {
    const f = fakeService({ registries: registries() });
    const all = await f.svc.dashboard({ refresh: false });
    expect(dashboardSchema.safeParse(all).success).toBe(true);
    expect(all.rows.map((r) => `${r.cluster}/${r.id}`)).toEqual(['dr/zed', 'prod/acme', 'prod/beta', 'prod/cat']);
    const one = await f.svc.dashboard({ cluster: 'dr', refresh: false });
    expect(one.clusters.map((c) => c.cluster)).toEqual(['dr']);
  });

  it('policy: frameworks via compliance.set; the approval list merged into the current overrides at the version read; the preview says now → then', async () => {
    const profile = { frameworks: ['SOX'], overrides: { retentionYears: 9, approvalRequired: ['tenant.delete'] }, version: 4, effective: { approvalRequired: ['tenant.delete', 'tenant.suspend'] } };
    const f = fakeService({
      registries: registries(),
      channels: ['compliance.set', 'compliance.get'],
      dispatch: (channel, input) => (channel === 'compliance.get' ? { ok: true, value: profile } : { ok: true, value: { ...profile, frameworks: input['frameworks'], effective: { approvalRequired: ['tenant.delete', 'keys.rotate'] } } }),
    });
    const action = { action: 'policy' as const, frameworks: ['GDPR' as const], approvals: ['keys.rotate'] };
    const dry = await f.svc.apply({ targets: [at('acme')], action, dryRun: true });
    expect(dry.plan[0]!.detail).toBe('frameworks: SOX → GDPR; second person for: tenant.delete → keys.rotate (plus what the frameworks demand)');
    expect(f.calls.map((c) => c.channel)).toEqual(['compliance.get']);
    f.calls.length = 0;
    const out = await f.svc.apply({ targets: [at('acme')], action, dryRun: false });
    await f.jobs.wait(out.jobId!);
    expect(f.calls).toEqual([
      { channel: 'compliance.get', input: { cluster: 'prod', tenant: 'acme' } },
      { channel: 'compliance.set', input: { cluster: 'prod', tenant: 'acme', frameworks: ['GDPR'], overrides: { retentionYears: 9, approvalRequired: ['keys.rotate'] }, expectedVersion: 4 } },
    ]);
    const op = await f.svc.show({ id: out.id! });
    expect(op.results[0]).toMatchObject({ outcome: 'ok', message: 'frameworks: GDPR; second person required for: tenant.delete, keys.rotate' });
  });

  it('policy without compliance.set in this console is refused per tenant', async () => {
    const f = fakeService({ registries: registries(), channels: [] });
    const dry = await f.svc.apply({ targets: [at('acme')], action: { action: 'policy', frameworks: ['GDPR'] }, dryRun: true });
    expect(dry.plan[0]).toMatchObject({ will: 'refuse', code: 'UNAVAILABLE' });
  });

  it('an operation recorded as running that nobody touches any more is shown as interrupted', async () => {
    const f = fakeService({ registries: registries() });
    const out = await f.svc.apply({ targets: [at('acme')], action: { action: 'resume' }, dryRun: false });
    await f.jobs.wait(out.jobId!);
    const stored = f.records.get('prod')!.ops.get(out.id!)!;
    stored.state = 'running';
    // Ours, not running in this process: the console that ran it is gone (it is this one, restarted).
    expect((await f.svc.show({ id: out.id! })).state).toBe('interrupted');
    // Another console's, touched a minute ago: still running there.
    stored.owner = 'someone-else';
    stored.updatedAt = new Date(Date.now() - 60_000).toISOString();
    expect((await f.svc.show({ id: out.id! })).state).toBe('running');
    stored.updatedAt = new Date(Date.now() - 6 * 60_000).toISOString();
    expect((await f.svc.show({ id: out.id! })).state).toBe('interrupted');
  });

  it('finds the approval request id in the gate’s message', () => {
    expect(approvalIdFrom('filed as request 3f2a9c1d-0000-4000-8000-000000000001')).toBe('3f2a9c1d-0000-4000-8000-000000000001');
    expect(approvalIdFrom('approval request ab12cd34 filed')).toBe('ab12cd34');
    expect(approvalIdFrom('tenant.suspend on tenant acme needs a second person: request abcdefabcdefabcd filed; approve with csm approval approve abcdefabcdefabcd --cluster prod')).toBe('abcdefabcdefabcd');
    expect(approvalIdFrom('needs approval')).toBeNull();
  });
});
