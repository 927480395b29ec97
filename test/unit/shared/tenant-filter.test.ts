import { describe, expect, it } from 'vitest';
import { TENANT_STATES, type TenantState } from '../../../src-shared/rules/lifecycle';
import { filterTenants, type FilterableTenant } from '../../../src-shared/rules/tenant-filter';

function row(id: string, extra: Partial<FilterableTenant> = {}): FilterableTenant {
  return {
    id,
    name: id.toUpperCase(),
    cluster: 'prod',
    state: 'active',
    tier: 'standard',
    template: 'default',
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-01T00:00:00.000Z',
    ...extra,
  };
}

function generateTenants(n: number): FilterableTenant[] {
  const tiers = ['basic', 'standard', 'premium', 'enterprise'];
  return Array.from({ length: n }, (_, i) =>
    row(`t${String(i).padStart(5, '0')}`, {
      name: `Tenant ${i} ${i % 3 === 0 ? 'Acme' : 'Globex'}`,
      cluster: `c${i % 5}`,
      state: TENANT_STATES[i % TENANT_STATES.length] as TenantState,
      tier: tiers[i % 4]!,
      createdAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    }),
  );
}

describe('filterTenants (pure: the Tenants screen and npm run bench)', () => {
  const rows = [
    row('acme', { name: 'Acme Corp', cluster: 'eu', state: 'active', tier: 'premium' }),
    row('globex', { name: 'Globex', cluster: 'us', state: 'suspended', tier: 'basic' }),
    row('initech', { name: 'Initech', cluster: 'eu', state: 'failed', tier: 'enterprise', template: 'analytics' }),
    row('acme_test', { name: 'acme (clone)', cluster: 'us', state: 'active', tier: 'standard' }),
  ];
  const ids = (r: FilterableTenant[]): string[] => r.map((x) => x.id);

  it('no filter: everything, sorted by id', () => {
    expect(ids(filterTenants(rows))).toEqual(['acme', 'acme_test', 'globex', 'initech']);
  });

  it('text terms all have to match, case-insensitively, across id, name, cluster, template and tier', () => {
    expect(ids(filterTenants(rows, { text: 'ACME' }))).toEqual(['acme', 'acme_test']);
    expect(ids(filterTenants(rows, { text: 'acme us' }))).toEqual(['acme_test']);
    expect(ids(filterTenants(rows, { text: 'analytics' }))).toEqual(['initech']);
    expect(ids(filterTenants(rows, { text: '  premium ' }))).toEqual(['acme']);
    expect(ids(filterTenants(rows, { text: 'nothing-like-this' }))).toEqual([]);
  });

  it('state and cluster filters combine; empty lists mean "all"', () => {
    expect(ids(filterTenants(rows, { states: ['active'] }))).toEqual(['acme', 'acme_test']);
    expect(ids(filterTenants(rows, { states: ['active'], clusters: ['us'] }))).toEqual(['acme_test']);
    expect(ids(filterTenants(rows, { states: [], clusters: [] }))).toHaveLength(4);
    expect(ids(filterTenants(rows, { states: ['failed', 'suspended'] }))).toEqual(['globex', 'initech']);
  });

  it('sorts by name (collation), state (lifecycle order), tier (rank), both directions, ties by cluster then id', () => {
    expect(ids(filterTenants(rows, { sort: { key: 'name', dir: 'asc' } }))).toEqual(['acme_test', 'acme', 'globex', 'initech']);
    expect(ids(filterTenants(rows, { sort: { key: 'tier', dir: 'desc' } }))).toEqual(['initech', 'acme', 'acme_test', 'globex']);
    expect(ids(filterTenants(rows, { sort: { key: 'state', dir: 'asc' } }))).toEqual(['acme', 'acme_test', 'globex', 'initech']);
    expect(ids(filterTenants(rows, { sort: { key: 'cluster', dir: 'desc' } }))).toEqual(['acme_test', 'globex', 'acme', 'initech']);
  });

  it('does not touch its input', () => {
    const copy = [...rows];
    filterTenants(rows, { sort: { key: 'name', dir: 'desc' } });
    expect(rows).toEqual(copy);
  });

  it('10,000 rows: right answer (timing is npm run bench’s job, not a test assertion)', () => {
    const many = generateTenants(10_000);
    const r = filterTenants(many, { text: 'acme', states: ['active'], clusters: ['c0', 'c1'], sort: { key: 'createdAt', dir: 'desc' } });
    const expected = many.filter((t) => t.name.includes('Acme') && t.state === 'active' && (t.cluster === 'c0' || t.cluster === 'c1'));
    expect(r).toHaveLength(expected.length);
    expect(r.length).toBeGreaterThan(0);
    expect(r[0]!.createdAt >= r.at(-1)!.createdAt).toBe(true);
  });
});
