import type { PlacementReport } from '../../src-shared/contract/tenants';

export interface ClusterLoad {
  cluster: string;
  /** Tenants registered there that are not deleted. */
  tenants: number;
  /** Tables in tenant keyspaces there (the guardrail Cassandra warns about is tables per cluster). */
  tables: number;
  /** Holds a tenant with cluster isolation: nothing else may be placed there. */
  dedicated: boolean;
}

export interface PlacementThresholds {
  maxTenantsPerCluster: number;
  /** Cassandra's own guardrail warns from 150 tables; each tenant adds a few. */
  maxTablesPerCluster: number;
}

export const DEFAULT_THRESHOLDS: PlacementThresholds = { maxTenantsPerCluster: 500, maxTablesPerCluster: 1000 };

/**
 * Placement policy (issue 5 §7): `keyspace` isolation goes to the eligible cluster with the fewest
 * tenants, then fewest tables, then name; `cluster` isolation needs a cluster with no tenant at all.
 * `tablesNeeded` is what the new tenant adds, so a cluster is refused before it crosses the guardrail.
 */
export function choosePlacement(loads: ClusterLoad[], isolation: 'keyspace' | 'cluster', tablesNeeded: number, thresholds: PlacementThresholds = DEFAULT_THRESHOLDS): PlacementReport {
  const candidates = [...loads]
    .sort((a, b) => a.cluster.localeCompare(b.cluster))
    .map((l) => {
      let refusal: string | null = null;
      if (l.dedicated) refusal = 'holds a tenant with dedicated-cluster isolation';
      else if (isolation === 'cluster' && l.tenants > 0) refusal = `dedicated isolation needs an empty cluster (it has ${l.tenants} tenants)`;
      else if (l.tenants + 1 > thresholds.maxTenantsPerCluster) refusal = `would exceed ${thresholds.maxTenantsPerCluster} tenants`;
      else if (l.tables + tablesNeeded > thresholds.maxTablesPerCluster) refusal = `would exceed ${thresholds.maxTablesPerCluster} tables (has ${l.tables}, tenant adds ${tablesNeeded})`;
      return { ...l, refusal };
    });
  const eligible = candidates.filter((c) => c.refusal === null).sort((a, b) => a.tenants - b.tenants || a.tables - b.tables || a.cluster.localeCompare(b.cluster));
  const chosen = eligible[0] ?? null;
  return {
    isolation,
    chosen: chosen?.cluster ?? null,
    reason: chosen
      ? `${chosen.cluster}: fewest tenants (${chosen.tenants}) and tables (${chosen.tables}) among ${eligible.length} eligible`
      : candidates.length === 0
        ? 'no signed-in cluster with platform scope'
        : 'no cluster can take the tenant: ' + candidates.map((c) => `${c.cluster} ${c.refusal}`).join('; '),
    candidates: candidates.map((c) => ({ cluster: c.cluster, tenants: c.tenants, tables: c.tables, refusal: c.refusal, dedicated: c.dedicated })),
    thresholds,
  };
}
