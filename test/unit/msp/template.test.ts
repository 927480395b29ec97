import { describe, expect, it } from 'vitest';
import type { TemplatePreview } from '../../../src-shared/contract/config';
import { bulkApplyOutputSchema } from '../../../src-shared/contract/msp';
import { planOne } from '../../../src-main/msp/plan';
import { fakeService, tenant } from './fixtures';

const action = { action: 'template' as const, template: 'strict', reason: 'tighten' };
const at = (t: string) => ({ cluster: 'prod', tenant: t });

function preview(tenantId: string, over: Partial<TemplatePreview> = {}): TemplatePreview {
  return { cluster: 'prod', tenant: tenantId, from: 'default', to: 'strict', current: false, snapshotStale: false, version: 1, changes: [], shadowed: [], problems: [], ignored: [], ...over };
}

const minLength = { path: 'password.minLength', label: 'Minimum length', origin: 'inherited' as const, before: 12, after: 16 };
const pinned = { ...minLength, origin: 'overridden' as const };

/** config.templatePreview answers per tenant as the real channel would; config.setTemplate answers a view. */
function dispatchFor(previews: Record<string, TemplatePreview | { code: string; message: string }>) {
  return (channel: string, input: Record<string, unknown>) => {
    const t = String(input['tenant']);
    const p = previews[t];
    if (channel === 'config.templatePreview') return p && 'code' in p ? { ok: false as const, error: { code: p.code as 'NOT_FOUND', message: p.message } } : { ok: true as const, value: p ?? preview(t) };
    if (channel === 'config.setTemplate') return { ok: true as const, value: { version: 3, changes: p && !('code' in p) ? p.changes : [] } };
    return { ok: false as const, error: { code: 'INTERNAL' as const, message: `unexpected ${channel}` } };
  };
}

describe('bulk template action', () => {
  it('planOne: active runs, anything else is skipped like the other actions', () => {
    const env = { platform: new Set(['prod']), clusters: new Map([['prod', { status: 'ok' as const, tenants: new Map([['a', tenant('a')], ['s', tenant('s', 'suspended')]]) }]]), hasChannel: () => true };
    expect(planOne(action, at('a'), env)).toMatchObject({ will: 'run', detail: expect.stringMatching(/template default → strict/) });
    expect(planOne(action, at('s'), env)).toMatchObject({ will: 'skip', code: 'CONFLICT', detail: expect.stringMatching(/only an active tenant/) });
  });

  it('dry run: per tenant the effective fields that change, overridden ones said to stay; current → skip; NOT_FOUND and compliance → refuse; only previews called', async () => {
    const f = fakeService({
      registries: { prod: [tenant('inh'), tenant('ovr'), tenant('cur'), tenant('weak'), tenant('gone'), tenant('sus', 'suspended')] },
      channels: ['config.setTemplate', 'config.templatePreview'],
      dispatch: dispatchFor({
        inh: preview('inh', { changes: [minLength] }),
        ovr: preview('ovr', { shadowed: [pinned] }),
        cur: preview('cur', { from: 'strict', current: true }),
        weak: preview('weak', { problems: [{ path: 'retention.auditDays', message: 'the compliance profile keeps audit for 7 year(s)' }] }),
        gone: { code: 'NOT_FOUND', message: 'template strict does not exist on prod' },
      }),
    });
    const out = await f.svc.apply({ targets: ['inh', 'ovr', 'cur', 'weak', 'gone', 'sus'].map(at), action, dryRun: true });
    expect(bulkApplyOutputSchema.safeParse(out).success).toBe(true);
    expect(out.plan.map((p) => [p.tenant, p.will, p.code])).toEqual([
      ['inh', 'run', null],
      ['ovr', 'run', null],
      ['cur', 'skip', 'CONFLICT'],
      ['weak', 'refuse', 'BAD_INPUT'],
      ['gone', 'refuse', 'NOT_FOUND'],
      ['sus', 'skip', 'CONFLICT'],
    ]);
    expect(out.plan[0]!.detail).toBe('template default → strict: password.minLength 12 → 16');
    expect(out.plan[0]!.fields).toEqual([minLength]);
    expect(out.plan[1]!.detail).toBe('template default → strict: no effective value changes; overridden, so unchanged: password.minLength (template 12 → 16)');
    expect(out.plan[3]!.detail).toMatch(/retention\.auditDays/);
    expect(f.calls.every((c) => c.channel === 'config.templatePreview')).toBe(true);
    expect(f.calls.map((c) => c.input['tenant'])).toEqual(['inh', 'ovr', 'cur', 'weak', 'gone']);
    expect(f.records.size).toBe(0);
  });

  it('real run: config.setTemplate per runnable tenant with template and reason; refused ones fail with their code without a call', async () => {
    const f = fakeService({
      registries: { prod: [tenant('inh'), tenant('gone')] },
      channels: ['config.setTemplate', 'config.templatePreview'],
      dispatch: dispatchFor({ inh: preview('inh', { changes: [minLength] }), gone: { code: 'NOT_FOUND', message: 'template strict does not exist on prod' } }),
    });
    const out = await f.svc.apply({ targets: [at('inh'), at('gone')], action, dryRun: false });
    await f.jobs.wait(out.jobId!);
    expect(f.calls.filter((c) => c.channel === 'config.setTemplate').map((c) => c.input)).toEqual([{ cluster: 'prod', tenant: 'inh', template: 'strict', reason: 'tighten' }]);
    const op = await f.svc.show({ id: out.id! });
    expect(op.results.map((r) => [r.tenant, r.outcome, r.code])).toEqual([
      ['gone', 'failed', 'NOT_FOUND'],
      ['inh', 'ok', null],
    ]);
    expect(op.results[1]!.message).toBe('template strict: configuration version 3, 1 effective field changed');
  });
});
