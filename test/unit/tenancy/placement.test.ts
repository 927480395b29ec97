import { describe, expect, it } from 'vitest';
import { choosePlacement, DEFAULT_THRESHOLDS, type ClusterLoad } from '../../../src-main/tenancy/placement';

const load = (cluster: string, tenants: number, tables: number, dedicated = false): ClusterLoad => ({ cluster, tenants, tables, dedicated });

describe('choosePlacement (keyspace isolation)', () => {
  it('picks the cluster with the fewest tenants even when it has more tables', () => {
    const r = choosePlacement([load('alpha', 3, 10), load('beta', 1, 400), load('gamma', 2, 0)], 'keyspace', 5);
    expect(r.chosen).toBe('beta');
    expect(r.reason).toBe('beta: fewest tenants (1) and tables (400) among 3 eligible');
    expect(r.isolation).toBe('keyspace');
    expect(r.thresholds).toEqual(DEFAULT_THRESHOLDS);
  });

  it('breaks a tie on tenants by fewest tables, then by name', () => {
    expect(choosePlacement([load('alpha', 2, 50), load('beta', 2, 20), load('gamma', 2, 30)], 'keyspace', 5).chosen).toBe('beta');
    expect(choosePlacement([load('zeta', 2, 20), load('delta', 2, 20), load('mu', 2, 20)], 'keyspace', 5).chosen).toBe('delta');
  });

  it('lists every candidate sorted by name with its refusal, without reordering the caller’s array', () => {
    const loads = [load('zeta', 0, 0), load('alpha', 1, 4, true), load('mu', 0, 0)];
    const r = choosePlacement(loads, 'keyspace', 5);
    expect(r.candidates).toEqual([
      { cluster: 'alpha', tenants: 1, tables: 4, refusal: 'holds a tenant with dedicated-cluster isolation', dedicated: true },
      { cluster: 'mu', tenants: 0, tables: 0, refusal: null, dedicated: false },
      { cluster: 'zeta', tenants: 0, tables: 0, refusal: null, dedicated: false },
    ]);
    expect(loads.map((l) => l.cluster)).toEqual(['zeta', 'alpha', 'mu']);
    expect(r.chosen).toBe('mu');
    expect(r.reason).toBe('mu: fewest tenants (0) and tables (0) among 2 eligible');
  });

  it('never places on a cluster dedicated to another tenant, even when it is the emptiest', () => {
    const r = choosePlacement([load('dedicated', 1, 4, true), load('busy', 40, 300)], 'keyspace', 5);
    expect(r.chosen).toBe('busy');
    expect(r.candidates.find((c) => c.cluster === 'dedicated')!.refusal).toBe('holds a tenant with dedicated-cluster isolation');
  });

  it('refuses a cluster whose tenant count would cross the threshold, naming the number', () => {
    const th = { maxTenantsPerCluster: 3, maxTablesPerCluster: 1000 };
    const r = choosePlacement([load('full', 3, 0), load('room', 2, 900)], 'keyspace', 5, th);
    expect(r.chosen).toBe('room'); // 2 + 1 = 3 is still allowed
    expect(r.candidates[0]).toMatchObject({ cluster: 'full', refusal: 'would exceed 3 tenants' });
    expect(r.thresholds).toEqual(th);
  });

  it('refuses a cluster that the new tenant’s tables would push over the threshold, naming the numbers', () => {
    const th = { maxTenantsPerCluster: 500, maxTablesPerCluster: 100 };
    // exactly at the limit is fine; one over is refused
    expect(choosePlacement([load('a', 0, 90)], 'keyspace', 10, th).chosen).toBe('a');
    const r = choosePlacement([load('a', 0, 90)], 'keyspace', 11, th);
    expect(r.chosen).toBeNull();
    expect(r.candidates[0]!.refusal).toBe('would exceed 100 tables (has 90, tenant adds 11)');
    expect(r.reason).toBe('no cluster can take the tenant: a would exceed 100 tables (has 90, tenant adds 11)');
  });

  it('uses the default thresholds (500 tenants, 1000 tables) when none are given', () => {
    expect(choosePlacement([load('a', 499, 0)], 'keyspace', 1).chosen).toBe('a');
    expect(choosePlacement([load('a', 500, 0)], 'keyspace', 1).candidates[0]!.refusal).toBe('would exceed 500 tenants');
    expect(choosePlacement([load('a', 0, 995)], 'keyspace', 6).candidates[0]!.refusal).toBe('would exceed 1000 tables (has 995, tenant adds 6)');
  });
});

describe('choosePlacement (cluster isolation)', () => {
  it('needs a cluster without any tenant', () => {
    const r = choosePlacement([load('busy', 3, 12), load('empty', 0, 0)], 'cluster', 5);
    expect(r.chosen).toBe('empty');
    expect(r.isolation).toBe('cluster');
    expect(r.candidates[0]).toMatchObject({ cluster: 'busy', refusal: 'dedicated isolation needs an empty cluster (it has 3 tenants)' });
  });

  it('refuses when every cluster holds a tenant, and says why for each', () => {
    const r = choosePlacement([load('b', 1, 4), load('a', 0, 0, true)], 'cluster', 5);
    expect(r.chosen).toBeNull();
    expect(r.reason).toBe('no cluster can take the tenant: a holds a tenant with dedicated-cluster isolation; b dedicated isolation needs an empty cluster (it has 1 tenants)');
  });
});

describe('choosePlacement without candidates', () => {
  it('chooses nothing and says there is no signed-in cluster', () => {
    for (const iso of ['keyspace', 'cluster'] as const) {
      const r = choosePlacement([], iso, 5);
      expect(r.chosen).toBeNull();
      expect(r.candidates).toEqual([]);
      expect(r.reason).toBe('no signed-in cluster with platform scope');
    }
  });
});
