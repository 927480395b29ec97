import { PERIOD_MS, type Period, type PeriodFigure } from '../../src-shared/contract/availability';

/**
 * The availability arithmetic (issue 12 item 1), pure so the unit tests pin it down.
 *
 * Time weighting: a sample stands for the time since the tenant's previous sample (what the probe
 * observed at its end is taken to have held since the last look), capped at MAX_GAP_FACTOR
 * intervals — time the console was closed is unmonitored, neither up nor down. A manual probe
 * between two scheduled ones therefore splits an interval instead of counting it twice.
 * Maintenance: a sample taken inside a window counts as excluded time, on neither side.
 * Periods are whole hours (24 h) or whole UTC days (7 d, 30 d) ending with the current one.
 */

export const HOUR_MS = 3_600_000;
export const MAX_GAP_FACTOR = 3;
/** Raw samples are kept this long; older time lives only in the hourly rollups. */
export const RAW_RETENTION_MS = 2 * 86_400_000;
/** A maintenance window may last at most this long. */
export const MAX_WINDOW_MS = 7 * 86_400_000;

export const DAY_MS = 86_400_000;
export const hourOf = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;

/** Milliseconds a sample taken at `at` stands for. */
export function sampleWeight(at: number, previousAt: number | null, intervalMs: number): number {
  if (previousAt === null) return intervalMs;
  if (at <= previousAt) return 0;
  return Math.min(at - previousAt, MAX_GAP_FACTOR * intervalMs);
}

export interface Sums {
  okMs: number;
  downMs: number;
  excludedMs: number;
  samples: number;
}

/**
 * Start (epoch ms) of a period ending now: 24 h is the last 24 whole hours including the current
 * one (hourly rollups); 7 d and 30 d are the last 7 / 30 UTC days including today (daily rollups).
 */
export const periodStart = (period: Period, now: number): number => (period === '24h' ? hourOf(now) - PERIOD_MS[period] + HOUR_MS : dayOf(now) - PERIOD_MS[period] + DAY_MS);

/**
 * One period's figure. The error budget is what the target allows over the whole period
 * ((1 − target) × period length); what is left of it is that minus the downtime so far (it goes
 * negative when the target is already missed).
 */
export function periodFigure(period: Period, s: Sums, targetPercent: number): PeriodFigure {
  const monitored = s.okMs + s.downMs;
  const budgetMinutes = ((100 - targetPercent) / 100) * (PERIOD_MS[period] / 60_000);
  const downMinutes = s.downMs / 60_000;
  return {
    period,
    percent: monitored > 0 ? round((100 * s.okMs) / monitored, 4) : null,
    monitoredMinutes: round(monitored / 60_000, 2),
    downMinutes: round(downMinutes, 2),
    excludedMinutes: round(s.excludedMs / 60_000, 2),
    samples: s.samples,
    budgetMinutes: round(budgetMinutes, 2),
    budgetLeftMinutes: round(budgetMinutes - downMinutes, 2),
  };
}

export const round = (n: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Below target: only when something was monitored (no samples is not an outage). */
export const belowTarget = (percent: number | null, target: number): boolean => percent !== null && percent < target;

export interface WindowSpan {
  startsAt: number;
  endsAt: number;
}
/** Half-open [start, end) spans overlap. */
export const overlaps = (a: WindowSpan, b: WindowSpan): boolean => a.startsAt < b.endsAt && b.startsAt < a.endsAt;

/** FNV-1a of the key: where in the interval a tenant's probe goes (stable across restarts and consoles). */
export function slotOffset(key: string, intervalMs: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % Math.max(1, intervalMs);
}

export interface Slot {
  offset: number;
  cluster: string;
  tenant: string;
}

/** The probe plan of one interval: every tenant once, at its slot, sorted by offset. */
export function planSlots(tenants: readonly { cluster: string; tenant: string }[], intervalMs: number): Slot[] {
  const out = tenants.map((t) => ({ offset: slotOffset(`${t.cluster}/${t.tenant}`, intervalMs), cluster: t.cluster, tenant: t.tenant }));
  out.sort((a, b) => a.offset - b.offset || a.cluster.localeCompare(b.cluster) || a.tenant.localeCompare(b.tenant));
  return out;
}

/** First index whose offset is > x (binary search). */
function upper(plan: readonly Slot[], x: number): number {
  let lo = 0;
  let hi = plan.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (plan[mid]!.offset <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Slots due between two instants (fromMs, toMs]: their offsets within the interval, wrapping
 * at the interval's end. A gap of a whole interval or more yields every slot once.
 */
export function dueSlots(plan: readonly Slot[], fromMs: number, toMs: number, intervalMs: number): Slot[] {
  if (toMs <= fromMs || plan.length === 0) return [];
  if (toMs - fromMs >= intervalMs) return [...plan];
  const a = fromMs % intervalMs;
  const b = toMs % intervalMs;
  if (a < b) return plan.slice(upper(plan, a), upper(plan, b));
  return [...plan.slice(upper(plan, a)), ...plan.slice(0, upper(plan, b))];
}
