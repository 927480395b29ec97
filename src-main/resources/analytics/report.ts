import { clip, cryptoUniform, laplace, plan, type FigureNoise, type Uniform } from './privacy';

/**
 * Cross-tenant aggregates, pure (the handler gathers the facts). See privacy.ts for the mechanism.
 *
 * Suppression: a group with fewer than k tenants is not shown — all suppressed groups are pooled
 * into one cell "(suppressed)" whose figures are all null (so not even the names of small groups
 * appear). The all-tenants total is omitted whenever any group is suppressed (total − shown
 * groups would give the suppressed ones away) and when all tenants together are fewer than k.
 * Across reports of different groupings, only noise (ε) protects against differencing: k alone
 * cannot, which the report's notes say. The k rule is applied to the true counts (a policy, as the
 * issue states it), so whether a group reaches k is itself not noised.
 *
 * Noise (when ε is given): six figures, ε split evenly (ε/6 each):
 *   tenants (Δ 1), storage GB now (Δ = storage clip), storage GB 30 days ago (Δ = storage clip),
 *   requests over 30 days (Δ = requests clip), findings (Δ = findings clip), storage histogram
 *   for the distribution (Δ 1: a tenant moves one bin count by one).
 * Growth % and the total are computed from the noisy figures (post-processing: no extra ε).
 */

export const DEFAULT_CLIP = { storageGb: 100, requests: 10_000_000, findings: 50 } as const;
export const PERCENTILES = [10, 25, 50, 75, 90] as const;
const GROWTH_DAYS = 30;

export interface TenantFacts {
  tenant: string;
  tier: string;
  region: string;
  costCentre: string | null;
  /** Latest sample's storage (bytes), null when unknown. */
  storageBytes: number | null;
  /** Storage at or before 30 days ago (bytes); null when no sample that old (counts as 0: growth includes new tenants). */
  storageBytes30d: number | null;
  /** Requests (reads + writes) over the last 30 days. */
  requests30d: number | null;
  /** Isolation findings + failed compliance controls. */
  findings: number | null;
}

export type Grouping = 'tier' | 'region' | 'costCentre';

export interface Cell {
  group: string;
  tenants: number | null;
  suppressed: boolean;
  storageGb: number | null;
  requests: number | null;
  findings: number | null;
  growthPercent: number | null;
}

export interface BuiltReport {
  cells: Cell[];
  total: Cell | null;
  distribution: { percentile: number; storageGb: number | null }[];
  noise: FigureNoise[];
  /** Scale of a count (sensitivity 1). */
  noiseScale: number | null;
  notes: string[];
}

export interface ReportOptions {
  k: number;
  epsilon: number | null;
  groupBy: Grouping;
  clip?: { storageGb?: number | undefined; requests?: number | undefined; findings?: number | undefined } | undefined;
  uniform?: Uniform;
}

const GB = 1e9;
export const SUPPRESSED = '(suppressed)';

export const groupOf = (f: TenantFacts, by: Grouping): string => (by === 'tier' ? f.tier : by === 'region' ? f.region : (f.costCentre ?? '(none)'));

/** Upper bin edges of the storage histogram (GB), decades up to the clip, the clip last. */
export function binEdges(clipGb: number): number[] {
  const edges = [0.001, 0.01, 0.1, 1, 10, 100, 1000, 10_000, 100_000].filter((e) => e < clipGb);
  return [...edges, clipGb];
}
export const binOf = (gb: number, edges: readonly number[]): number => {
  const i = edges.findIndex((e) => gb <= e);
  return i < 0 ? edges.length - 1 : i;
};

const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;
const growth = (now: number, base: number): number | null => (base > 0 ? Math.round(((now - base) / base) * 1000) / 10 : null);

interface Sums {
  tenants: number;
  storageGb: number;
  storageGb30d: number;
  requests: number;
  findings: number;
}

export const GROUPINGS: readonly Grouping[] = ['tier', 'region', 'costCentre'];

/** The groupings under which some non-empty group has fewer than k tenants. */
export function smallGroupings(facts: readonly TenantFacts[], k: number): Grouping[] {
  return GROUPINGS.filter((by) => {
    const n = new Map<string, number>();
    for (const f of facts) n.set(groupOf(f, by), (n.get(groupOf(f, by)) ?? 0) + 1);
    return [...n.values()].some((c) => c > 0 && c < k);
  });
}

export function buildReport(facts: readonly TenantFacts[], o: ReportOptions): BuiltReport {
  const clipGb = o.clip?.storageGb ?? DEFAULT_CLIP.storageGb;
  const clipReq = o.clip?.requests ?? DEFAULT_CLIP.requests;
  const clipFind = o.clip?.findings ?? DEFAULT_CLIP.findings;
  const noisy = o.epsilon !== null;
  const uniform = o.uniform ?? cryptoUniform;
  const notes: string[] = [];

  // Each tenant's contribution; clipped only when noise is added (clipping bounds the sensitivity).
  const c = (v: number | null, hi: number): number => (v === null ? 0 : noisy ? clip(v, hi) : Math.max(0, v));
  const unknownStorage = facts.filter((f) => f.storageBytes === null).length;
  const unknownRequests = facts.filter((f) => f.requests30d === null).length;
  const unknownFindings = facts.filter((f) => f.findings === null).length;
  if (unknownStorage) notes.push(`${unknownStorage} tenant(s) without a storage sample count as 0 GB`);
  if (unknownRequests) notes.push(`${unknownRequests} tenant(s) without request samples count as 0 requests`);
  if (unknownFindings) notes.push(`${unknownFindings} tenant(s) without finding counts (no isolation scan / compliance scan) count as 0 findings`);

  const groups = new Map<string, Sums>();
  for (const f of facts) {
    const g = groupOf(f, o.groupBy);
    const s = groups.get(g) ?? { tenants: 0, storageGb: 0, storageGb30d: 0, requests: 0, findings: 0 };
    s.tenants += 1;
    s.storageGb += c(f.storageBytes === null ? null : f.storageBytes / GB, clipGb);
    s.storageGb30d += c(f.storageBytes30d === null ? null : f.storageBytes30d / GB, clipGb);
    s.requests += c(f.requests30d, clipReq);
    s.findings += c(f.findings, clipFind);
    groups.set(g, s);
  }

  const noise: FigureNoise[] = noisy
    ? plan(o.epsilon!, [
        { figure: 'tenants', clip: 'count: 1 per tenant', sensitivity: 1 },
        { figure: 'storageGb', clip: `0..${clipGb} GB per tenant`, sensitivity: clipGb },
        { figure: 'storageGb30dAgo', clip: `0..${clipGb} GB per tenant (growth base)`, sensitivity: clipGb },
        { figure: 'requests', clip: `0..${clipReq} requests per tenant over ${GROWTH_DAYS} days`, sensitivity: clipReq },
        { figure: 'findings', clip: `0..${clipFind} findings per tenant`, sensitivity: clipFind },
        { figure: 'distribution', clip: 'histogram count: 1 per tenant', sensitivity: 1 },
      ])
    : [];
  const scale = (figure: string): number => noise.find((n) => n.figure === figure)!.scale;
  const add = (v: number, figure: string): number => (noisy ? v + laplace(scale(figure), uniform) : v);

  const released = (s: Sums): Omit<Cell, 'group' | 'suppressed'> & { base: number } => {
    const tenants = Math.max(0, Math.round(add(s.tenants, 'tenants')));
    const storageGb = Math.max(0, add(s.storageGb, 'storageGb'));
    const base = Math.max(0, add(s.storageGb30d, 'storageGb30dAgo'));
    const requests = Math.max(0, Math.round(add(s.requests, 'requests')));
    const findings = Math.max(0, Math.round(add(s.findings, 'findings')));
    return { tenants, storageGb: r6(storageGb), requests, findings, growthPercent: growth(storageGb, base), base };
  };

  const shown: (Cell & { base: number })[] = [];
  const suppressed: string[] = [];
  let population = 0;
  for (const [group, s] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    population += s.tenants;
    if (s.tenants < o.k) suppressed.push(group);
    else shown.push({ group, suppressed: false, ...released(s) });
  }
  const cells: Cell[] = shown.map(({ base: _base, ...cell }) => cell);
  if (suppressed.length) {
    cells.push({ group: SUPPRESSED, suppressed: true, tenants: null, storageGb: null, requests: null, findings: null, growthPercent: null });
    notes.push(`${suppressed.length} group(s) with fewer than ${o.k} tenants suppressed (pooled, names withheld); the total is omitted so they cannot be derived by subtraction`);
  }

  let total: Cell | null = null;
  if (population < o.k) notes.push(`fewer than ${o.k} tenants in all: nothing is shown`);
  else if (!suppressed.length) {
    // The sum of the released (noisy) cells: post-processing, no further ε.
    const sum = (f: (x: Cell & { base: number }) => number): number => shown.reduce((t, x) => t + f(x), 0);
    const storageGb = sum((x) => x.storageGb!);
    total = { group: '(all)', suppressed: false, tenants: sum((x) => x.tenants!), storageGb: r6(storageGb), requests: sum((x) => x.requests!), findings: sum((x) => x.findings!), growthPercent: growth(storageGb, sum((x) => x.base)) };
  }

  // Without noise, exact sums leak a small group's tenant by differencing across groupings (the
  // total of one grouping minus the shown cells of another, tier vs cost-centre views...): when
  // ANY grouping has a non-empty group below k, every sum is withheld (counts stay).
  const smallSomewhere = !noisy ? smallGroupings(facts, o.k) : [];
  if (smallSomewhere.length) {
    const withhold = (x: Cell): Cell => ({ ...x, storageGb: null, requests: null, findings: null, growthPercent: null });
    for (let i = 0; i < cells.length; i++) cells[i] = withhold(cells[i]!);
    if (total) total = withhold(total);
    notes.push(`without noise, sums (storage, requests, findings, growth) are withheld: grouping by ${smallSomewhere.join(', ')} has a group with fewer than ${o.k} tenants, which exact sums would expose by differencing; give epsilon to release noisy sums`);
  }

  // Distribution: percentiles read from a (noisy) histogram of per-tenant storage over decade bins;
  // each percentile is given as its bin's upper edge (a generalisation, not a tenant's figure).
  const edges = binEdges(clipGb);
  const counts = new Array<number>(edges.length).fill(0);
  for (const f of facts) counts[binOf(clip((f.storageBytes ?? 0) / GB, clipGb), edges)]! += 1;
  const released_ = counts.map((n) => (noisy ? Math.max(0, n + laplace(scale('distribution'), uniform)) : n));
  const n = released_.reduce((a, b) => a + b, 0);
  const distribution = PERCENTILES.map((p) => {
    if (population < o.k || n <= 0) return { percentile: p, storageGb: null };
    const want = (p / 100) * n;
    let acc = 0;
    for (let i = 0; i < edges.length; i++) {
      acc += released_[i]!;
      if (acc >= want - 1e-9) {
        // Without noise, a bin holding fewer than k tenants would point at them: suppressed.
        if (!noisy && counts[i]! < o.k) return { percentile: p, storageGb: null };
        return { percentile: p, storageGb: edges[i]! };
      }
    }
    return { percentile: p, storageGb: edges[edges.length - 1]! };
  });
  if (!noisy && distribution.some((d) => d.storageGb === null) && population >= o.k) notes.push(`percentiles falling in a storage bin with fewer than ${o.k} tenants are suppressed`);
  if (noisy) notes.push(`Laplace noise: ε ${o.epsilon} split over ${noise.length} figures (${noise[0]!.epsilon.toFixed(6)} each); contributions clipped as listed; counts rounded, GB to 6 decimals`);
  else notes.push('no noise (exact figures behind k-anonymity only); give epsilon to add Laplace noise');
  notes.push('differencing across reports of different groupings is only prevented by noise, not by k');
  return { cells, total, distribution, noise, noiseScale: noisy ? scale('tenants') : null, notes };
}
