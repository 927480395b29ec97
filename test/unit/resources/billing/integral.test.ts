import { describe, expect, it } from 'vitest';
import type { RateCard, UsageFigure, UsageSample } from '../../../../src-shared/contract/resources';
import { computeStatement, counterDeltas, DEFAULT_MAX_GAP_MS, MONTH_MS, pointsOf, requestPoints, stepIntegral, type Point } from '../../../../src-main/resources/billing/integrate';
import { add, decimal, formatMinor, ratio, roundHalfEven } from '../../../../src-main/resources/billing/money';

const H = 3_600_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function sample(at: number, f: Partial<Record<'storage_bytes' | 'users' | 'certificates' | 'reads' | 'writes', number | null>>, precision: UsageFigure['precision'] = 'exact'): UsageSample {
  return {
    tenant: 'acme',
    at: iso(at),
    trigger: 'schedule',
    figures: Object.entries(f).map(([metric, value]) => ({ metric: metric as UsageFigure['metric'], value: value ?? null, unit: 'x', precision: value === null ? 'unavailable' : precision, source: 'test', note: null })),
  };
}

const RATES: RateCard = { currency: 'EUR', perGbMonth: 10, perUserMonth: 100, perCertificateMonth: 50, perMillionRequests: 40, tierFees: { basic: 0, standard: 5000, premium: 20000, enterprise: 100000 } };
const line = (s: ReturnType<typeof computeStatement>, item: string) => s.lines.find((l) => l.item === item)!;

describe('half-even rounding and exact money', () => {
  it('rounds ties to the even neighbour, others to the nearest', () => {
    expect([roundHalfEven(ratio(5n, 2n)), roundHalfEven(ratio(7n, 2n)), roundHalfEven(ratio(-5n, 2n)), roundHalfEven(ratio(-7n, 2n))]).toEqual([2n, 4n, -2n, -4n]);
    expect([roundHalfEven(ratio(2501n, 1000n)), roundHalfEven(ratio(2499n, 1000n)), roundHalfEven(ratio(1n, 3n)), roundHalfEven(ratio(2n, 3n))]).toEqual([3n, 2n, 0n, 1n]);
  });
  it('prints exact decimals and formats minor units by currency exponent', () => {
    expect(decimal(ratio(1n, 3n))).toBe('0.333333');
    expect(decimal(ratio(5n, 10_000_000n))).toBe('0.000000'); // 0.0000005 → tie → even 0
    expect(decimal(ratio(15n, 10_000_000n))).toBe('0.000002'); // 0.0000015 → tie → even 2
    expect(formatMinor(123456789, 'EUR')).toBe('1,234,567.89 EUR');
    expect(formatMinor(5, 'EUR')).toBe('0.05 EUR');
    expect(formatMinor(1234, 'JPY')).toBe('1,234 JPY');
  });
});

describe('the step-function integral', () => {
  const pts = (xs: [number, number | null][]): Point[] => xs.map(([t, v]) => ({ t, v, precision: 'exact' }));

  it('holds each value until the next sample; the last before `from` opens the period', () => {
    // 10 before the period (opens it), 20 from +2 h, 30 from +5 h; period [T0, T0+6h).
    const r = stepIntegral(pts([[T0 - H, 10], [T0 + 2 * H, 20], [T0 + 5 * H, 30]]), T0, T0 + 6 * H, DEFAULT_MAX_GAP_MS);
    expect(r.valueMs).toBe(BigInt(10 * 2 * H + 20 * 3 * H + 30 * 1 * H));
    expect(r.coveredMs).toBe(6 * H);
  });

  it('caps a hold at the max gap and guesses nothing beyond', () => {
    const gap = 2 * H;
    const r = stepIntegral(pts([[T0, 100], [T0 + 5 * H, 50]]), T0, T0 + 6 * H, gap);
    // 100 holds 2 h (not 5), 50 holds 1 h to the end: 3 h of 6 are uncovered... no: 2 + 1 = 3 h covered.
    expect(r.valueMs).toBe(BigInt(100 * 2 * H + 50 * 1 * H));
    expect(r.coveredMs).toBe(3 * H);
    // An opener older than the max gap before `from` covers nothing.
    expect(stepIntegral(pts([[T0 - 3 * H, 7]]), T0, T0 + H, gap).coveredMs).toBe(0);
  });

  it('a sample without the figure ends its predecessor and covers nothing', () => {
    const r = stepIntegral(pts([[T0, 4], [T0 + H, null], [T0 + 2 * H, 6]]), T0, T0 + 3 * H, DEFAULT_MAX_GAP_MS);
    expect(r.valueMs).toBe(BigInt(4 * H + 6 * H));
    expect(r.coveredMs).toBe(2 * H);
  });

  it('cuts at both edges: a sample at `to` counts nothing, adjacent periods add up to the whole', () => {
    const p = pts([[T0 - 30 * 60_000, 3], [T0 + 90 * 60_000, 9], [T0 + 4 * H, 1]]);
    const whole = stepIntegral(p, T0, T0 + 4 * H, DEFAULT_MAX_GAP_MS).valueMs;
    const a = stepIntegral(p, T0, T0 + 100 * 60_000, DEFAULT_MAX_GAP_MS).valueMs;
    const b = stepIntegral(p, T0 + 100 * 60_000, T0 + 4 * H, DEFAULT_MAX_GAP_MS).valueMs;
    expect(a + b).toBe(whole);
    expect(whole).toBe(BigInt(3 * 90 * 60_000 + 9 * 150 * 60_000));
  });
});

describe('request counters', () => {
  it('cumulative counters: a drop is a reset and counts from 0', () => {
    const p: Point[] = [
      { t: T0, v: 1000, precision: 'exact' },
      { t: T0 + H, v: 1600, precision: 'exact' },
      { t: T0 + 2 * H, v: 200, precision: 'exact' }, // reset: 200 since
      { t: T0 + 3 * H, v: 500, precision: 'exact' },
    ];
    const r = counterDeltas(p, T0, T0 + 3 * H, 'cumulative');
    expect(roundHalfEven(r.requests)).toBe(600n + 200n + 300n);
    expect(r.resets).toBe(1);
  });

  it('deltas are shared pro rata where an interval straddles an edge; adjacent periods add up', () => {
    const samples = [sample(T0 - H, { reads: 5, writes: 5 }), sample(T0 + H, { reads: 300, writes: 100 }), sample(T0 + 3 * H, { reads: 60, writes: 0 })];
    const p = requestPoints(samples);
    // (T0-1h, T0+1h]: 400 requests, half inside [T0, …); (T0+1h, T0+3h]: 60, all inside.
    expect(roundHalfEven(counterDeltas(p, T0, T0 + 3 * H).requests)).toBe(260n);
    const a = counterDeltas(p, T0, T0 + 2 * H).requests;
    const b = counterDeltas(p, T0 + 2 * H, T0 + 3 * H).requests;
    const w = counterDeltas(p, T0, T0 + 3 * H).requests;
    const sum = add(a, b);
    expect(sum.n * w.d).toBe(w.n * sum.d);
    expect(roundHalfEven(a)).toBe(200n + 60n / 2n + 0n * 1n + 0n); // 400 × ½ inside (T0, T0+1h] … + 60 × ½ over (T0+1h, T0+2h]
  });

  it('a sample missing reads or writes counts nothing for requests', () => {
    const p = requestPoints([sample(T0, { reads: 1, writes: 1 }), sample(T0 + H, { reads: 10, writes: null })]);
    expect(p.map((x) => x.v)).toEqual([2, null]);
  });
});

describe('computeStatement', () => {
  const GB = 1e9;
  it('integrates storage, users, certificates and requests, pro-rates the tier, and the total is the exact sum of the lines', () => {
    const to = T0 + 30 * 86_400_000; // one month
    const samples = [
      sample(T0 - 1, { storage_bytes: 2 * GB, users: 3, certificates: 1, reads: null, writes: null }, 'estimate'),
      ...Array.from({ length: 30 * 4 }, (_, i) => sample(T0 + (i + 1) * 6 * H - 1, { storage_bytes: 2 * GB, users: 3, certificates: 1, reads: 250_000, writes: 0 }, 'estimate')),
    ];
    const s = computeStatement({ cluster: 'c1', tenant: 'acme', costCentre: 'R&D', from: T0, to, rates: RATES, tier: 'standard', samples });
    expect(line(s, 'storage')).toMatchObject({ quantity: '2.000000', unit: 'GB-month', amountMinor: 20, precision: 'estimate' });
    expect(line(s, 'users')).toMatchObject({ quantity: '3.000000', amountMinor: 300 });
    expect(line(s, 'certificates')).toMatchObject({ quantity: '1.000000', amountMinor: 50 });
    // 120 samples × 250,000 = 30 M requests, but the first interval (T0 − 1 ms, T0 + 6 h − 1 ms] lies inside only for 6 h − 1 ms of its 6 h.
    const span = BigInt(6 * H);
    const requests = ratio(29_750_000n * span + 250_000n * BigInt(6 * H - 1), span);
    expect(line(s, 'requests')).toMatchObject({ quantity: decimal(ratio(requests.n, requests.d * 1_000_000n)), amountMinor: Number(roundHalfEven(ratio(40n * requests.n, requests.d * 1_000_000n))) });
    expect(line(s, 'requests').amountMinor).toBe(1200); // 1199.99… → 1200
    expect(line(s, 'tier')).toMatchObject({ quantity: '1.000000', amountMinor: 5000, precision: 'exact' });
    expect(s.totalMinor).toBe(s.lines.reduce((a, l) => a + l.amountMinor, 0));
    expect(s.coverage).toBe(1);
    expect(Number.isInteger(s.totalMinor)).toBe(true);
  });

  it('rounds each line half-even once: 0.5 minor → 0, 1.5 → 2', () => {
    // 1 GB for 1.5 days = 0.05 GB-month; at 10 minor/GB-month → 0.5 → 0 (even).
    const half = computeStatement({ cluster: 'c', tenant: 'acme', costCentre: null, from: T0, to: T0 + 36 * H, rates: { ...RATES, tierFees: { ...RATES.tierFees, basic: 0 } }, tier: 'basic', samples: [sample(T0, { storage_bytes: 1e9 })], maxGapMs: 100 * H });
    expect(line(half, 'storage')).toMatchObject({ quantity: '0.050000', amountMinor: 0 });
    // 3 GB for 1.5 days = 0.15 GB-month → 1.5 → 2 (even).
    const oneAndHalf = computeStatement({ cluster: 'c', tenant: 'acme', costCentre: null, from: T0, to: T0 + 36 * H, rates: RATES, tier: 'basic', samples: [sample(T0, { storage_bytes: 3e9 })], maxGapMs: 100 * H });
    expect(line(oneAndHalf, 'storage')).toMatchObject({ quantity: '0.150000', amountMinor: 2 });
    // Rounded once per line, not per interval: 10 intervals of 0.05 GB-month each give 0.5 GB-month → 5.
    const many = computeStatement({ cluster: 'c', tenant: 'acme', costCentre: null, from: T0, to: T0 + 360 * H, rates: RATES, tier: 'basic', samples: Array.from({ length: 10 }, (_, i) => sample(T0 + i * 36 * H, { storage_bytes: 1e9 })), maxGapMs: 100 * H });
    expect(line(many, 'storage')).toMatchObject({ quantity: '0.500000', amountMinor: 5 });
  });

  it('a gap beyond the max gap is not billed and shows in coverage', () => {
    const s = computeStatement({ cluster: 'c', tenant: 'acme', costCentre: null, from: T0, to: T0 + 10 * H, rates: RATES, tier: 'basic', samples: [sample(T0, { users: 10 }), sample(T0 + 8 * H, { users: 10 })], maxGapMs: 2 * H });
    expect(s.coverage).toBe(0.4); // 2 h + 2 h of 10
    expect(line(s, 'users').quantity).toBe(decimal(ratio(BigInt(10 * 4 * H), BigInt(MONTH_MS))));
    expect(s.notes.join(' ')).toMatch(/cover 40\.00 %/);
  });

  it('tier fee pro-rated to the part of the period the tenant existed; unavailable figures say so', () => {
    const s = computeStatement({ cluster: 'c', tenant: 'acme', costCentre: null, from: T0, to: T0 + 30 * 86_400_000, rates: RATES, tier: 'premium', samples: [], activeFrom: T0 + 15 * 86_400_000 });
    expect(line(s, 'tier')).toMatchObject({ quantity: '0.500000', amountMinor: 10000 });
    expect(line(s, 'storage')).toMatchObject({ amountMinor: 0, precision: 'unavailable' });
    expect(s.coverage).toBe(0);
    expect(s.totalMinor).toBe(10000);
  });

  it('refuses an amount past 2^53 minor units instead of losing precision', () => {
    expect(() => computeStatement({ cluster: 'c', tenant: 'acme', costCentre: null, from: T0, to: T0 + 30 * 86_400_000, rates: { ...RATES, perGbMonth: Number.MAX_SAFE_INTEGER }, tier: 'basic', samples: [sample(T0, { storage_bytes: 1e15 })], maxGapMs: 40 * 86_400_000 })).toThrow(/exceeds/);
  });

  it('reads figures as the metering part writes them', () => {
    expect(pointsOf([sample(T0, { storage_bytes: 5 })], 'storage_bytes')).toEqual([{ t: T0, v: 5, precision: 'exact' }]);
  });
});
