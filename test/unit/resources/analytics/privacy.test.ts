import { describe, expect, it } from 'vitest';
import { affordable, cryptoUniform, laplace, plan, seededUniform, toMicro } from '../../../../src-main/resources/analytics/privacy';
import { AppError } from '../../../../src-main/app/errors';
import { charge } from '../../../../src-main/resources/billing/store';
import { buildReport, DEFAULT_CLIP, SUPPRESSED, type TenantFacts } from '../../../../src-main/resources/analytics/report';

const GB = 1e9;
const tenant = (id: string, tier: string, gb: number, extra: Partial<TenantFacts> = {}): TenantFacts => ({
  tenant: id,
  tier,
  region: 'eu',
  costCentre: null,
  storageBytes: gb * GB,
  storageBytes30d: gb * GB * 0.5,
  requests30d: 1000,
  findings: 1,
  ...extra,
});

const variance = (xs: number[]): { mean: number; v: number } => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, v: xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) };
};

describe('the Laplace sampler', () => {
  it('has mean 0 and variance 2b² (seeded, 200,000 draws, within 3 %)', () => {
    for (const b of [0.5, 3, 120]) {
      const u = seededUniform(42 + b);
      const { mean, v } = variance(Array.from({ length: 200_000 }, () => laplace(b, u)));
      expect(Math.abs(mean)).toBeLessThan(0.02 * b);
      expect(Math.abs(v / (2 * b * b) - 1)).toBeLessThan(0.03);
    }
  });

  it('the median absolute draw is b·ln 2 (the distribution, not only its variance)', () => {
    const b = 2;
    const u = seededUniform(7);
    const abs = Array.from({ length: 100_001 }, () => Math.abs(laplace(b, u))).sort((x, y) => x - y);
    expect(abs[50_000]! / (b * Math.LN2)).toBeGreaterThan(0.97);
    expect(abs[50_000]! / (b * Math.LN2)).toBeLessThan(1.03);
  });

  it('the crypto uniform stays inside (0, 1) and is not constant', () => {
    const xs = Array.from({ length: 2000 }, cryptoUniform);
    expect(xs.every((x) => x > 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(2000);
    expect(() => laplace(0)).toThrow();
  });
});

describe('noise scale = sensitivity / ε-share', () => {
  it('splits ε evenly over the figures', () => {
    const p = plan(1.2, [
      { figure: 'a', clip: '1', sensitivity: 1 },
      { figure: 'b', clip: '100', sensitivity: 100 },
      { figure: 'c', clip: '50', sensitivity: 50 },
    ]);
    p.forEach((x, i) => {
      expect(x.epsilon).toBeCloseTo(0.4, 12);
      expect(x.scale).toBeCloseTo([2.5, 250, 125][i]!, 9);
    });
  });

  it('the report uses six figures with the clip bounds as sensitivities, and its noise has that scale', () => {
    const facts = Array.from({ length: 40 }, (_, i) => tenant(`t${i}`, 'standard', 1));
    const r = buildReport(facts, { k: 5, epsilon: 0.6, groupBy: 'tier', uniform: seededUniform(1) });
    const want: [string, number][] = [
      ['tenants', 1],
      ['storageGb', DEFAULT_CLIP.storageGb],
      ['storageGb30dAgo', DEFAULT_CLIP.storageGb],
      ['requests', DEFAULT_CLIP.requests],
      ['findings', DEFAULT_CLIP.findings],
      ['distribution', 1],
    ];
    expect(r.noise.map((n) => [n.figure, n.sensitivity])).toEqual(want);
    r.noise.forEach((n, i) => expect(n.scale / (want[i]![1] / 0.1)).toBeCloseTo(1, 9)); // ε-share 0.6 / 6
    expect(r.noiseScale).toBeCloseTo(10, 9);
    // Empirically: the released count of one group over many reports has variance 2·10².
    const counts = Array.from({ length: 20_000 }, (_, i) => {
      const x = buildReport(facts, { k: 5, epsilon: 0.6, groupBy: 'tier', uniform: seededUniform(1000 + i) });
      return x.cells[0]!.findings!;
    });
    // findings: true 40, scale 500 → variance 2·500² (clamping at 0 and rounding cut it a little; only the upper tail is free).
    const above = counts.filter((c) => c > 40).map((c) => c - 40);
    const meanAbove = above.reduce((a, b) => a + b, 0) / above.length;
    expect(Math.abs(meanAbove / 500 - 1)).toBeLessThan(0.05); // E[X | X > 0] = b for Laplace(0, b)
  });

  it('clips each tenant: one huge tenant moves a noisy storage sum by at most the clip', () => {
    const base = Array.from({ length: 10 }, (_, i) => tenant(`t${i}`, 'basic', 1));
    const whale = [...base, tenant('whale', 'basic', 1e6)];
    // A uniform of ½ draws exactly 0 noise: the difference is the whale's clipped contribution alone.
    const a = buildReport(base, { k: 2, epsilon: 1, groupBy: 'tier', uniform: () => 0.5 });
    const b = buildReport(whale, { k: 2, epsilon: 1, groupBy: 'tier', uniform: () => 0.5 });
    expect(a.cells[0]!.storageGb).toBeCloseTo(10, 6);
    expect(b.cells[0]!.storageGb! - a.cells[0]!.storageGb!).toBeCloseTo(DEFAULT_CLIP.storageGb, 3);
  });
});

describe('k-anonymity suppression', () => {
  const facts = [
    ...Array.from({ length: 6 }, (_, i) => tenant(`s${i}`, 'standard', 2, { costCentre: 'ops' })),
    ...Array.from({ length: 5 }, (_, i) => tenant(`p${i}`, 'premium', 20, { costCentre: 'rnd' })),
    tenant('e0', 'enterprise', 500, { costCentre: 'secret-project' }),
  ];

  it('a group below k is suppressed (pooled, name withheld), and the total is omitted', () => {
    const r = buildReport(facts, { k: 5, epsilon: null, groupBy: 'tier' });
    expect(r.cells.map((c) => [c.group, c.tenants, c.suppressed])).toEqual([
      ['premium', 5, false],
      ['standard', 6, false],
      [SUPPRESSED, null, true],
    ]);
    expect(r.cells[2]).toMatchObject({ storageGb: null, requests: null, findings: null, growthPercent: null });
    expect(r.total).toBeNull();
    expect(JSON.stringify(r)).not.toContain('enterprise');
    const byCc = buildReport(facts, { k: 5, epsilon: null, groupBy: 'costCentre' });
    expect(JSON.stringify(byCc)).not.toContain('secret-project');
  });

  it('exact figures and the total when every group has k or more', () => {
    const r = buildReport(facts.slice(0, 11), { k: 5, epsilon: null, groupBy: 'tier' });
    expect(r.cells.find((c) => c.group === 'standard')).toMatchObject({ tenants: 6, storageGb: 12, requests: 6000, findings: 6, growthPercent: 100 });
    expect(r.total).toMatchObject({ tenants: 11, storageGb: 112, requests: 11000, findings: 11, growthPercent: 100 });
  });

  it('without ε, a small group in ANY grouping withholds every sum (differencing across groupings), counts stay; with ε sums are released', () => {
    // By tier every group has k or more, but one tenant has a cost centre of its own: its storage
    // would be (tier total) − (cost-centre cells shown).
    const lone = [...facts.slice(0, 11), tenant('x0', 'standard', 300, { costCentre: 'alone' })];
    const r = buildReport(lone, { k: 5, epsilon: null, groupBy: 'tier' });
    expect(r.cells.map((c) => [c.group, c.tenants])).toEqual([
      ['premium', 5],
      ['standard', 7],
    ]);
    for (const c of [...r.cells, r.total!]) expect(c).toMatchObject({ storageGb: null, requests: null, findings: null, growthPercent: null });
    expect(r.total).toMatchObject({ tenants: 12 });
    expect(r.notes.join(' ')).toMatch(/grouping by costCentre has a group with fewer than 5 tenants/);
    const noisy = buildReport(lone, { k: 5, epsilon: 1, groupBy: 'tier', uniform: seededUniform(4) });
    expect(noisy.cells.every((c) => c.storageGb !== null)).toBe(true);
  });

  it('fewer than k tenants in all: no cell, no total, no percentile', () => {
    const r = buildReport(facts.slice(0, 4), { k: 5, epsilon: null, groupBy: 'tier' });
    expect(r.cells).toEqual([{ group: SUPPRESSED, suppressed: true, tenants: null, storageGb: null, requests: null, findings: null, growthPercent: null }]);
    expect(r.total).toBeNull();
    expect(r.distribution.every((d) => d.storageGb === null)).toBe(true);
  });

  it('percentiles: bin edges, a percentile in a bin of fewer than k tenants is suppressed; noise keeps k', () => {
    const r = buildReport(facts, { k: 5, epsilon: null, groupBy: 'tier' });
    // 6 tenants at 2 GB (bin ≤ 10), 5 at 20 GB (bin ≤ 100), 1 at 500 GB (clipped to 100: bin ≤ 100).
    expect(r.distribution).toEqual([
      { percentile: 10, storageGb: 10 },
      { percentile: 25, storageGb: 10 },
      { percentile: 50, storageGb: 10 },
      { percentile: 75, storageGb: 100 },
      { percentile: 90, storageGb: 100 },
    ]);
    const few = buildReport([...facts.slice(0, 6), tenant('x', 'standard', 0.5)], { k: 5, epsilon: null, groupBy: 'tier' });
    expect(few.distribution.find((d) => d.percentile === 10)!.storageGb).toBeNull(); // p10 lands in the 1-tenant ≤ 1 GB bin
    const noisyFew = buildReport(facts.slice(0, 3), { k: 5, epsilon: 1, groupBy: 'tier', uniform: seededUniform(3) });
    expect(noisyFew.distribution.every((d) => d.storageGb === null)).toBe(true);
    expect(noisyFew.cells.every((c) => c.suppressed)).toBe(true);
  });

  it('with noise, suppressed groups stay null (noise is never released for them)', () => {
    const r = buildReport(facts, { k: 5, epsilon: 2, groupBy: 'tier', uniform: seededUniform(9) });
    expect(r.cells.find((c) => c.suppressed)).toMatchObject({ tenants: null, storageGb: null });
    expect(r.total).toBeNull();
    expect(r.cells.filter((c) => !c.suppressed).every((c) => c.tenants !== null && Number.isInteger(c.tenants))).toBe(true);
  });
});

describe('the ε budget arithmetic', () => {
  it('micro-ε integers: reaching the total exactly is allowed, one micro more is not', () => {
    expect(toMicro(0.1)).toBe(100_000);
    let spent = 0;
    for (let i = 0; i < 10; i++) {
      expect(affordable({ totalMicro: toMicro(1), spentMicro: spent }, toMicro(0.1))).toBe(true);
      spent += toMicro(0.1);
    }
    expect(spent).toBe(toMicro(1)); // 0.1 × 10 in floats is 0.9999999999999999: integers are exact
    expect(affordable({ totalMicro: toMicro(1), spentMicro: spent }, 1)).toBe(false);
    expect(() => toMicro(0.0000001)).toThrow(/6 decimals/);
    expect(() => toMicro(0.12345678)).toThrow(/6 decimals/);
  });
});

describe('budget refusal', () => {
  it('exceeding the budget is refused with a clear error and spends nothing; exactly reaching it is allowed', () => {
    const b = { totalMicro: toMicro(1), spentMicro: toMicro(0.7), version: 4 };
    const before = { ...b };
    let err: unknown;
    try {
      charge(b, toMicro(0.300001));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('CONFLICT');
    expect((err as AppError).message).toMatch(/privacy budget exceeded: this report needs ε 0\.300001, 0\.3 of 1 is left; nothing was spent/);
    expect(b).toEqual(before);
    expect(charge(b, toMicro(0.3))).toEqual({ totalMicro: 1_000_000, spentMicro: 1_000_000, version: 5 });
    expect(() => charge({ totalMicro: 1_000_000, spentMicro: 1_000_000, version: 5 }, 1)).toThrow(/0 of 1 is left/);
  });
});
