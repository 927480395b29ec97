import type { Finding, FindingKind, Severity, SeverityCounts } from '../../src-shared/contract/isolation';

/** A finding the monitor has seen and not yet seen disappear (csm_system.isolation_baseline). */
export interface BaselineEntry {
  findingId: string;
  kind: FindingKind;
  severity: Severity;
  title: string;
  tenants: string[];
  firstSeen: string;
  /** The alert raised when it first appeared. */
  alertId: string | null;
}

export interface BaselineDiff {
  /** Alertable findings the baseline does not hold: each raises an alert (once the claim applies). */
  fresh: Finding[];
  /** Alertable findings already in the baseline: nothing to do. */
  persisting: string[];
  /** Baseline entries the scan no longer finds: their alerts are resolved. */
  resolved: BaselineEntry[];
}

/** Only warning or worse is alerted; info notes (schema visibility, CIDR) never enter the baseline. */
export const alertable = (f: Pick<Finding, 'severity'>): boolean => f.severity === 'critical' || f.severity === 'warning';

/** Linear in findings + baseline (one Set each way), so 10,000 tenants' findings diff in milliseconds. */
export function diffBaseline(baseline: readonly BaselineEntry[], findings: readonly Finding[]): BaselineDiff {
  const known = new Set(baseline.map((b) => b.findingId));
  const now = new Set<string>();
  const fresh: Finding[] = [];
  const persisting: string[] = [];
  for (const f of findings) {
    if (!alertable(f) || now.has(f.id)) continue;
    now.add(f.id);
    if (known.has(f.id)) persisting.push(f.id);
    else fresh.push(f);
  }
  const resolved = baseline.filter((b) => !now.has(b.findingId));
  return { fresh, persisting, resolved };
}

const zero = (): SeverityCounts => ({ critical: 0, warning: 0, info: 0 });

/**
 * Counts per tenant (the MSP dashboard reads these) and for cluster-wide findings. A global
 * finding concerns every tenant, so it is counted once under `global`, not 10,000 times.
 */
export function summarize(findings: readonly Finding[]): { counts: SeverityCounts; global: SeverityCounts; byTenant: Record<string, SeverityCounts> } {
  const counts = zero();
  const global = zero();
  const byTenant: Record<string, SeverityCounts> = {};
  for (const f of findings) {
    counts[f.severity]++;
    if (f.global) global[f.severity]++;
    for (const t of f.tenants) (byTenant[t] ??= zero())[f.severity]++;
  }
  return { counts, global, byTenant };
}
