import { describe, expect, it } from 'vitest';
import { BULK_MAX_TENANTS, bulkApplyInputSchema } from '../../../src-shared/contract/msp';
import { checkSelection, dedupe, describeSelection, planOne, selectByFilter, type ClusterView, type PlanEnv } from '../../../src-main/msp/plan';
import { tenant } from './fixtures';

function env(over: Partial<PlanEnv> = {}): PlanEnv {
  const prod: ClusterView = { status: 'ok', tenants: new Map([tenant('acme'), tenant('beta', 'suspended'), tenant('cat', 'draft'), tenant('dead', 'deleted'), tenant('fail', 'failed')].map((t) => [t.id, t])) };
  return {
    platform: new Set(['prod', 'down']),
    clusters: new Map<string, ClusterView>([
      ['prod', prod],
      ['down', { status: 'error', code: 'UNAVAILABLE', message: 'reading the tenant registry: no host reachable' }],
    ]),
    hasChannel: (n) => n !== 'compliance.set',
    ...over,
  };
}
const at = (tenantId: string, cluster = 'prod') => ({ cluster, tenant: tenantId });

describe('bulk planning (dry run)', () => {
  it('suspend: active runs; suspended is skipped as already; other states skipped with the lifecycle reason', () => {
    const a = { action: 'suspend' as const, reason: 'unpaid invoice' };
    expect(planOne(a, at('acme'), env())).toMatchObject({ will: 'run', state: 'active', name: 'Tenant acme', code: null, detail: expect.stringContaining('reason: unpaid invoice') });
    expect(planOne(a, at('beta'), env())).toMatchObject({ will: 'skip', detail: 'already suspended', code: 'CONFLICT' });
    expect(planOne(a, at('cat'), env())).toMatchObject({ will: 'skip', detail: 'draft: cannot be suspended (only an active tenant can; draft → suspended is not a lifecycle step)' });
    expect(planOne(a, at('fail'), env()).will).toBe('skip');
  });

  it('resume: only suspended runs (provisioning → active is a saga edge, not a resume)', () => {
    const a = { action: 'resume' as const };
    expect(planOne(a, at('beta'), env()).will).toBe('run');
    expect(planOne(a, at('acme'), env())).toMatchObject({ will: 'skip', detail: 'already active' });
    expect(planOne(a, at('cat'), env())).toMatchObject({ will: 'skip' });
  });

  it('rotate-keys on active and suspended tenants only', () => {
    const a = { action: 'rotate-keys' as const };
    expect([planOne(a, at('acme'), env()).will, planOne(a, at('beta'), env()).will, planOne(a, at('cat'), env()).will]).toEqual(['run', 'run', 'skip']);
  });

  it('refuses unknown and deleted tenants (NOT_FOUND), clusters without platform scope (FORBIDDEN), unreadable registries, missing channels', () => {
    const a = { action: 'resume' as const };
    expect(planOne(a, at('nobody'), env())).toMatchObject({ will: 'refuse', code: 'NOT_FOUND', state: null, detail: 'tenant nobody is not registered on prod' });
    expect(planOne(a, at('dead'), env())).toMatchObject({ will: 'refuse', code: 'NOT_FOUND' });
    expect(planOne(a, at('acme', 'elsewhere'), env())).toMatchObject({ will: 'refuse', code: 'FORBIDDEN', detail: 'not signed in to elsewhere with platform scope' });
    expect(planOne(a, at('acme', 'down'), env())).toMatchObject({ will: 'refuse', code: 'UNAVAILABLE', detail: expect.stringContaining('no host reachable') });
    expect(planOne({ action: 'policy', frameworks: ['GDPR'] }, at('acme'), env())).toMatchObject({ will: 'refuse', code: 'UNAVAILABLE', detail: 'compliance.set is not available in this console' });
    expect(planOne({ action: 'policy', frameworks: ['GDPR'], approvals: [] }, at('acme'), env({ hasChannel: () => true }))).toMatchObject({ will: 'run', detail: 'compliance: frameworks → GDPR; second person for → nothing' });
  });

  it('a filter selects with the Tenants screen rules, never deleted tenants; unreadable registries contribute nothing', () => {
    const e = env();
    expect(selectByFilter(e.clusters, { states: ['active', 'suspended'] })).toEqual([at('acme'), at('beta')]);
    expect(selectByFilter(e.clusters, { text: 'tenant acme' })).toEqual([at('acme')]);
    expect(selectByFilter(e.clusters, {}).map((t) => t.tenant)).toEqual(['acme', 'beta', 'cat', 'fail']);
    expect(selectByFilter(e.clusters, { clusters: ['down'] })).toEqual([]);
  });

  it('dedupes, refuses an empty selection and more than the cap', () => {
    expect(dedupe([at('acme'), at('acme'), at('acme', 'dr')])).toEqual([at('acme'), at('acme', 'dr')]);
    expect(() => checkSelection([], 'the filter')).toThrow(/the selection is empty \(the filter\)/);
    const many = Array.from({ length: BULK_MAX_TENANTS + 1 }, (_, i) => at(`t${i}x`));
    expect(() => checkSelection(many, 'the filter')).toThrow(new RegExp(`selects ${BULK_MAX_TENANTS + 1} tenants; a bulk operation takes at most ${BULK_MAX_TENANTS}`));
    expect(() => checkSelection(many.slice(0, BULK_MAX_TENANTS), 'x')).not.toThrow();
  });

  it('the channel input refuses empty, over-cap, both/neither selections and a suspension without reason', () => {
    const action = { action: 'resume' };
    const msg = (v: unknown) => {
      const r = bulkApplyInputSchema.safeParse(v);
      return r.success ? 'ok' : r.error.issues.map((i) => i.message).join(' | ');
    };
    expect(msg({ targets: [], action })).toMatch(/the selection is empty/);
    expect(msg({ targets: Array.from({ length: BULK_MAX_TENANTS + 1 }, (_, i) => at(`t${i}x`)), action })).toMatch(/at most 1000 tenants per bulk operation/);
    expect(msg({ action })).toMatch(/exactly one/);
    expect(msg({ targets: [at('acme')], filter: {}, action })).toMatch(/exactly one/);
    expect(msg({ targets: [at('acme')], action: { action: 'suspend' } })).not.toBe('ok');
    expect(msg({ targets: [at('acme')], action: { action: 'suspend', reason: '  ' } })).toMatch(/reason: required/);
    expect(msg({ targets: [at('acme')], action: { action: 'policy' } })).toMatch(/frameworks, approvals or both/);
    expect(msg({ targets: [at('acme')], action: { action: 'explode' } })).not.toBe('ok');
    expect(msg({ targets: [{ cluster: 'prod', tenant: 'Robert"); DROP' }], action })).not.toBe('ok');
    expect(msg({ targets: [at('acme')], action, dryRun: true })).toBe('ok');
  });

  it('describes the selection for people', () => {
    expect(describeSelection({ targets: [at('acme'), at('beta')] })).toBe('2 named tenants: prod/acme, prod/beta');
    expect(describeSelection({ filter: { states: ['active'], text: 'acme' } })).toBe('filter: text "acme", state active');
    expect(describeSelection({ filter: {} })).toBe('filter: every tenant');
  });
});
