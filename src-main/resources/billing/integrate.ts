import type { RateCard, Statement, UsageMetric, UsageSample } from '../../../src-shared/contract/resources';
import { add, decimal, intake, mul, ratio, roundHalfEven, safeMinor, ZERO, type Ratio } from './money';

/**
 * The billing integral (issue 10 item 3): a statement is integrated over time from the usage
 * samples, never a last-value guess.
 *
 * - Gauges (storage bytes, users, certificates) are a step function: each sample's value holds
 *   from its time until the next sample, but at most `maxGapMs`; beyond that the time is not
 *   covered and nothing is guessed. The last sample before `from` opens the period (it holds
 *   into it under the same cap). Quantity = Σ value × held time, in value·months
 *   (GB = 10^9 bytes, month = 30 days = 2,592,000,000 ms).
 * - Requests (reads + writes) are sums of counter deltas. The metering part stores each sample's
 *   delta since the previous sample (it handles resets: counted from 0, marked estimate); raw
 *   cumulative counters are handled too ('cumulative': a counter that drops was reset and counts
 *   from 0; the requests between the last reading and the reset are lost, so the line becomes an
 *   estimate). A delta belongs to the interval between its sample and the previous one and is
 *   shared pro rata where that interval straddles an edge of the period, so adjacent periods add
 *   up to the whole. Counters are cumulative at the node, so a gap between samples loses nothing
 *   unless a reset fell in it.
 * - The tier fee is pro-rated by the part of the period the tenant existed (period / 30 days).
 * - Amounts: quantity × rate is exact (BigInt ratio) and rounded half-even to minor units once per
 *   line; the total is the sum of the rounded lines (see money.ts).
 */

export const MONTH_MS = 30 * 86_400_000;
export const GB = 1_000_000_000n;
/** A sample holds at most this long when no newer one follows (the scheduler samples far more often). */
export const DEFAULT_MAX_GAP_MS = 6 * 3_600_000;

export interface Point {
  t: number;
  v: number | null;
  precision: 'exact' | 'estimate' | 'unavailable';
}

const at = (s: UsageSample): number => Date.parse(s.at);

/** Samples in time order with their parsed times, computed once per sample list (a statement reads it six times). */
const orderedCache = new WeakMap<readonly UsageSample[], { samples: UsageSample[]; times: number[] }>();
function orderedWithTimes(samples: readonly UsageSample[]): { samples: UsageSample[]; times: number[] } {
  const hit = orderedCache.get(samples);
  if (hit) return hit;
  const byT = new Map<number, UsageSample>();
  for (const s of samples) {
    const t = at(s);
    if (Number.isFinite(t)) byT.set(t, s);
  }
  const entries = [...byT.entries()].sort(([a], [b]) => a - b);
  const out = { samples: entries.map(([, s]) => s), times: entries.map(([t]) => t) };
  orderedCache.set(samples, out);
  return out;
}

/** The samples in time order, one per instant (a later copy of the same instant wins). */
export function ordered(samples: readonly UsageSample[]): UsageSample[] {
  return orderedWithTimes(samples).samples;
}

export function pointsOf(samples: readonly UsageSample[], metric: UsageMetric): Point[] {
  const o = orderedWithTimes(samples);
  return o.samples.map((s, i) => {
    const f = s.figures.find((x) => x.metric === metric);
    const v = f && f.value !== null && Number.isFinite(f.value) && f.precision !== 'unavailable' ? f.value : null;
    return { t: o.times[i]!, v, precision: f?.precision ?? 'unavailable' };
  });
}

export interface StepResult {
  /** Σ value × milliseconds held inside [from, to). */
  valueMs: bigint;
  coveredMs: number;
  /** Precisions of the points that contributed. */
  used: Set<Point['precision']>;
}

/** The step-function integral of one gauge over [from, to). A point without a value covers nothing but still ends its predecessor's hold. */
export function stepIntegral(points: readonly Point[], from: number, to: number, maxGapMs: number): StepResult {
  let valueMs = 0n;
  let coveredMs = 0;
  const used = new Set<Point['precision']>();
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (p.v === null || p.t >= to) continue;
    const next = points[i + 1]?.t ?? Number.POSITIVE_INFINITY;
    const start = Math.max(p.t, from);
    const end = Math.min(next, p.t + maxGapMs, to);
    if (end <= start) continue;
    valueMs += intake(p.v) * BigInt(end - start);
    coveredMs += end - start;
    used.add(p.precision);
  }
  return { valueMs, coveredMs, used };
}

/** Milliseconds of [from, to) covered by any sample (each holding until the next, capped): the statement's coverage. */
export function coveredMs(samples: readonly UsageSample[], from: number, to: number, maxGapMs: number): number {
  return stepIntegral(orderedWithTimes(samples).times.map((t) => ({ t, v: 1, precision: 'exact' as const })), from, to, maxGapMs).coveredMs;
}

export interface CounterResult {
  requests: Ratio;
  resets: number;
  used: Set<Point['precision']>;
  /** Pairs of readings that contributed. */
  pairs: number;
}

/** Reads + writes per sample; null when either is unknown in that sample. */
export function requestPoints(samples: readonly UsageSample[]): Point[] {
  const r = pointsOf(samples, 'reads');
  const w = pointsOf(samples, 'writes');
  return r.map((p, i) => {
    const q = w[i]!;
    const v = p.v === null || q.v === null ? null : p.v + q.v;
    return { t: p.t, v, precision: p.precision === 'estimate' || q.precision === 'estimate' ? 'estimate' : p.precision };
  });
}

/**
 * How request figures are stored. 'delta': each sample holds the requests since the previous
 * sample (what the metering part stores: it takes the deltas of the node's cumulative counters
 * itself, resets counted from 0 and marked as estimates). 'cumulative': each sample holds the raw
 * counter; deltas are taken here and a counter that drops was reset and counts from 0.
 */
export type CounterMode = 'delta' | 'cumulative';

/** Σ requests attributed to [from, to): each amount belongs to the interval between its sample and the one before, shared pro rata where that interval straddles an edge. */
export function counterDeltas(points: readonly Point[], from: number, to: number, mode: CounterMode = 'delta'): CounterResult {
  let requests = ZERO;
  let resets = 0;
  let pairs = 0;
  const used = new Set<Point['precision']>();
  /** The interval (a, b] against the period; a point without a predecessor (a === b) counts when it lies in (from, to]. True when it touched the period. */
  const share = (amount: bigint, a: number, b: number): boolean => {
    if (b <= a) {
      if (!(b > from && b <= to)) return false;
      requests = add(requests, ratio(amount));
      return true;
    }
    const lo = Math.max(a, from);
    const hi = Math.min(b, to);
    if (hi <= lo) return false;
    // Whole intervals stay integers (cheap); only the two edge intervals carry a fraction.
    requests = add(requests, hi - lo === b - a ? ratio(amount) : mul(ratio(amount), ratio(BigInt(hi - lo), BigInt(b - a))));
    return true;
  };
  if (mode === 'delta') {
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      if (p.v === null) continue;
      const before = i > 0 ? points[i - 1]!.t : p.t;
      if (share(intake(p.v), before, p.t)) {
        pairs++;
        used.add(p.precision);
      }
    }
    return { requests, resets, used, pairs };
  }
  const known = points.filter((p) => p.v !== null);
  for (let i = 1; i < known.length; i++) {
    const a = known[i - 1]!;
    const b = known[i]!;
    if (b.t <= a.t) continue;
    const va = intake(a.v!);
    const vb = intake(b.v!);
    const reset = vb < va;
    if (!share(reset ? vb : vb - va, a.t, b.t)) continue;
    if (reset) resets++;
    pairs++;
    used.add(a.precision).add(b.precision);
  }
  return { requests, resets, used, pairs };
}

const precisionOf = (used: Set<Point['precision']>): Point['precision'] => (used.size === 0 ? 'unavailable' : used.has('estimate') ? 'estimate' : used.has('unavailable') ? 'estimate' : 'exact');

export interface StatementParams {
  cluster: string;
  tenant: string;
  costCentre: string | null;
  from: number;
  to: number;
  rates: RateCard;
  tier: keyof RateCard['tierFees'];
  /** Samples from UsageReader.samples over [from, to], plus the last before `from` and, when known, the first after `to` (closes the last counter interval). */
  samples: readonly UsageSample[];
  /** When the tenant existed: the tier fee is pro-rated over [from, to) ∩ [activeFrom, activeTo). */
  activeFrom?: number | null;
  activeTo?: number | null;
  maxGapMs?: number;
  /** How the samples hold reads/writes (default 'delta', as the metering part stores them). */
  counters?: CounterMode;
}

export type StatementLine = Statement['lines'][number];

const line = (item: StatementLine['item'], quantity: Ratio, unit: string, rate: number, precision: Point['precision'], what: string): StatementLine => ({
  item,
  quantity: decimal(quantity, 6),
  unit,
  rateMinor: rate,
  amountMinor: safeMinor(roundHalfEven(mul(quantity, ratio(BigInt(rate)))), what),
  precision,
});

export interface ComputedStatement extends Statement {
  notes: string[];
  maxGapSeconds: number;
}

export function computeStatement(p: StatementParams): ComputedStatement {
  const { from, to, rates } = p;
  if (!(to > from)) throw new RangeError('to must be after from');
  const gap = p.maxGapMs ?? DEFAULT_MAX_GAP_MS;
  const month = BigInt(MONTH_MS);
  const notes: string[] = [];
  const gauge = (metric: UsageMetric) => stepIntegral(pointsOf(p.samples, metric), from, to, gap);

  const storage = gauge('storage_bytes');
  const users = gauge('users');
  const certs = gauge('certificates');
  const req = counterDeltas(requestPoints(p.samples), from, to, p.counters ?? 'delta');
  const activeLo = Math.max(from, p.activeFrom ?? from);
  const activeHi = Math.min(to, p.activeTo ?? to);
  const tierMs = Math.max(0, activeHi - activeLo);

  const reqPrecision = req.resets > 0 && req.used.size > 0 ? 'estimate' : precisionOf(req.used);
  if (req.resets > 0) notes.push(`requests: ${req.resets} counter reset${req.resets === 1 ? '' : 's'} counted from 0 (requests between the last reading and a reset are not seen)`);
  if (tierMs < to - from) notes.push(`tier fee pro-rated over the ${(tierMs / 86_400_000).toFixed(3)} days the tenant existed in the period`);

  const lines: StatementLine[] = [
    line('storage', ratio(storage.valueMs, GB * month), 'GB-month', rates.perGbMonth, precisionOf(storage.used), 'storage'),
    line('users', ratio(users.valueMs, month), 'user-month', rates.perUserMonth, precisionOf(users.used), 'users'),
    line('certificates', ratio(certs.valueMs, month), 'certificate-month', rates.perCertificateMonth, precisionOf(certs.used), 'certificates'),
    line('requests', mul(req.requests, ratio(1n, 1_000_000n)), 'million requests', rates.perMillionRequests, reqPrecision, 'requests'),
    line('tier', ratio(BigInt(tierMs), month), `month (${p.tier})`, rates.tierFees[p.tier], 'exact', 'tier fee'),
  ];
  const total = lines.reduce((s, l) => s + BigInt(l.amountMinor), 0n);
  const covered = coveredMs(p.samples, from, to, gap);
  const coverage = Math.round((covered / (to - from)) * 1e6) / 1e6;
  if (coverage < 1) notes.push(`samples cover ${(coverage * 100).toFixed(2)} % of the period; uncovered time (gaps over ${gap / 60_000} min, before the first sample) is not billed for storage, users or certificates`);
  const inPeriod = orderedWithTimes(p.samples).times.filter((t) => t >= from && t <= to).length;
  return {
    cluster: p.cluster,
    tenant: p.tenant,
    costCentre: p.costCentre,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    currency: rates.currency,
    lines,
    totalMinor: safeMinor(total, 'statement total'),
    coverage,
    samples: inPeriod,
    notes,
    maxGapSeconds: gap / 1000,
  };
}
