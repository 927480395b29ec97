import { describe, expect, it } from 'vitest';
import { canTransition, isTenantKeyspace, maxKeyspaceSuffix, nextStates, TENANT_STATES, tenantConsoleKeyspace, type TenantState } from '../../../src-shared/rules/lifecycle';

describe('tenant lifecycle', () => {
  it('allows exactly the design’s transitions', () => {
    const allowed: [TenantState, TenantState][] = [
      ['draft', 'provisioning'], ['draft', 'deleted'], ['draft', 'failed'], ['draft', 'decommissioning'],
      ['provisioning', 'active'], ['provisioning', 'failed'], ['provisioning', 'decommissioning'],
      ['failed', 'provisioning'], ['failed', 'decommissioning'], ['active', 'suspended'], ['suspended', 'active'],
      ['active', 'migrating'], ['migrating', 'active'], ['migrating', 'decommissioning'],
      ['active', 'decommissioning'], ['suspended', 'decommissioning'], ['decommissioning', 'deleted'], ['decommissioning', 'failed'],
    ];
    for (const from of TENANT_STATES) {
      for (const to of TENANT_STATES) {
        expect(canTransition(from, to), `${from} → ${to}`).toBe(allowed.some(([a, b]) => a === from && b === to));
      }
    }
  });
  it('deleted is terminal and nothing skips provisioning into active', () => {
    expect(nextStates('deleted')).toEqual([]);
    expect(canTransition('draft', 'active')).toBe(false);
    expect(canTransition('failed', 'active')).toBe(false);
  });
  it('splits keyspace names one way only: a suffix has no _', () => {
    expect(isTenantKeyspace('acme', 'tenant_acme_data')).toBe(true);
    expect(isTenantKeyspace('acme', 'tenant_acme_csm')).toBe(true);
    expect(isTenantKeyspace('acme', 'tenant_acme_x_data')).toBe(false); // tenant acme_x's
    expect(isTenantKeyspace('acme_x', 'tenant_acme_x_data')).toBe(true);
    expect(isTenantKeyspace('acme', 'tenant_acmex_data')).toBe(false);
    expect(isTenantKeyspace('acme', 'tenant_acme_')).toBe(false);
  });
  it('a 30-character id leaves 10 characters for a keyspace suffix; the console keyspace fits', () => {
    const id = 'a'.repeat(30);
    expect(maxKeyspaceSuffix(id)).toBe(10);
    expect(tenantConsoleKeyspace(id).length).toBeLessThanOrEqual(48);
  });
});
