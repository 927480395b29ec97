import { describe, expect, it } from 'vitest';
import { dueSlots, HOUR_MS, MAX_GAP_FACTOR, overlaps, periodFigure, periodStart, planSlots, sampleWeight, slotOffset } from '../../../src-main/availability/maths';

describe('availability maths', () => {
  it('a sample stands for the time since the previous one, capped; the first for one interval', () => {
    expect(sampleWeight(10_000, null, 60_000)).toBe(60_000);
    expect(sampleWeight(70_000, 10_000, 60_000)).toBe(60_000);
    // A manual probe 5 s after a scheduled one splits the interval, it does not add a second one.
    expect(sampleWeight(75_000, 70_000, 60_000)).toBe(5_000);
    // The console was closed for a day: only MAX_GAP_FACTOR intervals count, the rest is unmonitored.
    expect(sampleWeight(86_400_000, 0, 60_000)).toBe(MAX_GAP_FACTOR * 60_000);
    // Clock went backwards / same instant: no weight.
    expect(sampleWeight(5, 10, 60_000)).toBe(0);
  });

  it('percentage is time-weighted and excluded time counts on neither side', () => {
    // 59 min up, 1 min down, 30 min in maintenance.
    const f = periodFigure('24h', { okMs: 59 * 60_000, downMs: 60_000, excludedMs: 30 * 60_000, samples: 90 }, 99.9);
    expect(f.percent).toBeCloseTo((100 * 59) / 60, 4);
    expect(f.monitoredMinutes).toBe(60);
    expect(f.downMinutes).toBe(1);
    expect(f.excludedMinutes).toBe(30);
  });

  it('error budget: (1 − target) of the whole period, minus downtime; negative once missed', () => {
    const day = periodFigure('24h', { okMs: 0, downMs: 0, excludedMs: 0, samples: 0 }, 99.9);
    expect(day.budgetMinutes).toBeCloseTo(1.44, 5);
    expect(day.percent).toBeNull();
    const month = periodFigure('30d', { okMs: 1000 * 60_000, downMs: 20 * 60_000, excludedMs: 0, samples: 10 }, 99.9);
    expect(month.budgetMinutes).toBeCloseTo(43.2, 5);
    expect(month.budgetLeftMinutes).toBeCloseTo(23.2, 5);
    const missed = periodFigure('24h', { okMs: 60 * 60_000, downMs: 2 * 60_000, excludedMs: 0, samples: 10 }, 99.9);
    expect(missed.budgetLeftMinutes).toBeCloseTo(-0.56, 5);
  });

  it('24 h is whole hours ending with the current one; 7 d and 30 d whole UTC days ending today', () => {
    const now = Date.UTC(2026, 10, 29, 10, 30);
    expect(periodStart('24h', now)).toBe(Date.UTC(2026, 10, 28, 11, 0));
    expect(periodStart('7d', now)).toBe(Date.UTC(2026, 10, 23));
    expect(periodStart('30d', now)).toBe(Date.UTC(2026, 9, 31));
    expect(periodStart('24h', now) % HOUR_MS).toBe(0);
  });

  it('windows overlap only when they share time (half-open)', () => {
    expect(overlaps({ startsAt: 0, endsAt: 10 }, { startsAt: 5, endsAt: 15 })).toBe(true);
    expect(overlaps({ startsAt: 0, endsAt: 10 }, { startsAt: 10, endsAt: 15 })).toBe(false);
    expect(overlaps({ startsAt: 2, endsAt: 3 }, { startsAt: 0, endsAt: 10 })).toBe(true);
  });
});

describe('probe slots', () => {
  const tenants = Array.from({ length: 10_000 }, (_, i) => ({ cluster: i % 2 ? 'c1' : 'c2', tenant: `t_${i.toString(36).padStart(8, '0')}` }));

  it('spreads 10,000 tenants evenly over the interval, each exactly once', () => {
    const interval = 60_000;
    const plan = planSlots(tenants, interval);
    expect(plan).toHaveLength(10_000);
    expect(new Set(plan.map((s) => `${s.cluster}/${s.tenant}`)).size).toBe(10_000);
    // Twelve 5-second buckets: each holds close to 1/12 (a hash, so within 15 %).
    const buckets = new Array(12).fill(0);
    for (const s of plan) buckets[Math.floor(s.offset / 5000)]++;
    for (const n of buckets) expect(Math.abs(n - 10_000 / 12)).toBeLessThan((10_000 / 12) * 0.15);
  });

  it('ticks over one interval probe every tenant exactly once, wherever the interval starts', () => {
    const interval = 60_000;
    const plan = planSlots(tenants, interval);
    const seen = new Map<string, number>();
    const start = 1_700_000_012_345;
    for (let t = start; t < start + interval; t += 1000) for (const s of dueSlots(plan, t, t + 1000, interval)) seen.set(`${s.cluster}/${s.tenant}`, (seen.get(`${s.cluster}/${s.tenant}`) ?? 0) + 1);
    expect(seen.size).toBe(10_000);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it('a gap of a whole interval or more yields every slot once; nothing for an empty or backwards span', () => {
    const plan = planSlots(tenants.slice(0, 50), 1000);
    expect(dueSlots(plan, 0, 5000, 1000)).toHaveLength(50);
    expect(dueSlots(plan, 10, 10, 1000)).toEqual([]);
    expect(dueSlots(plan, 20, 10, 1000)).toEqual([]);
  });

  it('a slot is stable for a tenant and inside the interval', () => {
    expect(slotOffset('c1/t_a', 60_000)).toBe(slotOffset('c1/t_a', 60_000));
    for (const t of tenants.slice(0, 100)) expect(slotOffset(t.tenant, 7)).toBeLessThan(7);
  });
});
