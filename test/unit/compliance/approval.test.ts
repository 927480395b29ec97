import { describe, expect, it } from 'vitest';
import { ComplianceService } from '../../../src-main/compliance/service';

/** A fake operator client answering the compliance_profiles SELECT from a variable, counting reads. */
function fakeCluster() {
  const state = { frameworks: ['PCI-DSS'] as string[], overrides: '{}', reads: 0 };
  const client = {
    execute: async (q: string) => {
      if (!q.includes('compliance_profiles')) throw new Error(`unexpected ${q}`);
      state.reads++;
      return { rows: [{ boundary: { dc1: 'eu' }, frameworks: state.frameworks, overrides: state.overrides, version: 1, updated_by: 'x', updated_at: new Date() }] };
    },
  };
  const svc = (cacheMs?: number) =>
    new ComplianceService({
      connections: { operator: () => client as never },
      sessions: { scopeOf: () => ({ platform: true }) as never },
      store: { tenantMirror: { get: () => null } } as never,
      dispatch: async () => ({ ok: false, error: { code: 'INTERNAL', message: 'unused' } }),
      ...(cacheMs !== undefined ? { cacheMs } : {}),
    });
  return { state, svc };
}

describe('approval policy', () => {
  it('true only for approvable channels the effective policy lists', async () => {
    const { svc } = fakeCluster();
    const p = svc();
    expect(await p.requiresApproval('c', 'acme', 'keys.rotate')).toBe(true);
    expect(await p.requiresApproval('c', 'acme', 'tenant.delete')).toBe(true);
    expect(await p.requiresApproval('c', 'acme', 'tenant.suspend')).toBe(false);
    expect(await p.requiresApproval('c', 'acme', 'tenant.list')).toBe(false);
  });

  it('non-approvable channels never read the profile; approvable ones are cached', async () => {
    const { svc, state } = fakeCluster();
    const p = svc();
    await p.requiresApproval('c', 'acme', 'tenant.list');
    expect(state.reads).toBe(0);
    for (let i = 0; i < 5; i++) await p.requiresApproval('c', 'acme', 'keys.rotate');
    expect(state.reads).toBe(1);
    state.frameworks = [];
    expect(await p.requiresApproval('c', 'acme', 'keys.rotate')).toBe(true); // still cached
    p.invalidate('c', 'acme');
    expect(await p.requiresApproval('c', 'acme', 'keys.rotate')).toBe(false);
    expect(state.reads).toBe(2);
  });

  it('honours per-tenant overrides and fails closed on an unreadable profile', async () => {
    const { svc, state } = fakeCluster();
    state.frameworks = [];
    state.overrides = JSON.stringify({ approvalRequired: ['tenant.suspend'] });
    expect(await svc(0).requiresApproval('c', 'acme', 'tenant.suspend')).toBe(true);
    state.overrides = '{not json';
    await expect(svc(0).requiresApproval('c', 'acme', 'tenant.suspend')).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('compliance.set needs a second person only when it would weaken the two-person rule', async () => {
    const { svc, state } = fakeCluster();
    const p = svc(0);
    const set = (input: object) => p.requiresApproval('c', 'acme', 'compliance.set', { cluster: 'c', tenant: 'acme', ...input });
    // PCI-DSS guards keys.rotate and tenant.delete.
    expect(await set({ frameworks: [] })).toBe(true); // dropping the framework drops the guard
    expect(await set({ overrides: { approvalRequired: ['keys.rotate'] }, frameworks: [] })).toBe(true); // tenant.delete unguarded
    expect(await set({ frameworks: ['PCI-DSS', 'HIPAA'] })).toBe(false); // stricter
    expect(await set({ overrides: { approvalRequired: ['keys.rotate', 'tenant.delete', 'tenant.suspend'] } })).toBe(false);
    expect(await set({ boundary: [{ dc: 'dc1', region: 'eu' }] })).toBe(false); // guards untouched
    expect(await set({ boundary: null })).toBe(true); // the boundary goes
    state.frameworks = [];
    expect(await set({ frameworks: [] })).toBe(false); // nothing guarded: one person may set the rules
  });
});
