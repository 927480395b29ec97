import { describe, expect, it } from 'vitest';
import { canTransition, maxKeyspaceSuffix, nextStates, TENANT_STATES, tenantConsoleKeyspace, type TenantState } from '../../../src-shared/rules/lifecycle';

describe('tenant lifecycle', () => {
  it('allows exactly the design’s transitions', () => {
    const allowed: [TenantState, TenantState][] = [
      ['draft', 'provisioning'], ['draft', 'deleted'], ['provisioning', 'active'], ['provisioning', 'failed'],
      ['failed', 'provisioning'], ['failed', 'decommissioning'], ['active', 'suspended'], ['suspended', 'active'],
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
  it('a 30-character id leaves 10 characters for a keyspace suffix; the console keyspace fits', () => {
    const id = 'a'.repeat(30);
    expect(maxKeyspaceSuffix(id)).toBe(10);
    expect(tenantConsoleKeyspace(id).length).toBeLessThanOrEqual(48);
  });
});
