import type { UsageFigure, UsageSample } from '../../../src-shared/contract/resources';
import { buildReport, type TenantFacts } from '../analytics/report';
import { laplace } from '../analytics/privacy';
import { computeStatement, MONTH_MS } from './integrate';
import { DEFAULT_RATES } from './store';

type Figures = Record<string, Record<string, number | string>>;

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

function median(runs: number, fn: () => unknown): number {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = nowMs();
    fn();
    out.push(nowMs() - t0);
  }
  out.sort((a, b) => a - b);
  return out[Math.floor(out.length / 2)]!;
}

/** A month of samples every 15 minutes (the metering default): 2,880 samples. */
function month(): UsageSample[] {
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  const f = (metric: UsageFigure['metric'], value: number): UsageFigure => ({ metric, value, unit: 'x', precision: 'estimate', source: 'bench', note: null });
  return Array.from({ length: 2880 }, (_, i) => ({
    tenant: 'bench',
    at: new Date(t0 + i * 900_000).toISOString(),
    trigger: 'schedule' as const,
    figures: [f('storage_bytes', 5e9 + i * 1_048_576), f('users', 10 + (i % 7)), f('certificates', 3), f('reads', 1000 + i), f('writes', 500)],
  }));
}

/**
 * Billing and analytics, in process (no Cassandra): one tenant's statement over a month of
 * samples with exact BigInt arithmetic, against its floor — the same step integral summed in
 * floats (what an inexact implementation would cost); and a 1,000-tenant analytics report with
 * noise against the bare Laplace draws it needs. `npm run bench` (scripts/bench/run.ts) calls it.
 */
export function billingBenchmarks(): Figures {
  const samples = month();
  const from = Date.parse('2026-11-01T00:00:00Z');
  const to = from + MONTH_MS;
  const exact = median(15, () => computeStatement({ cluster: 'c', tenant: 'bench', costCentre: null, from, to, rates: DEFAULT_RATES, tier: 'standard', samples: [...samples], maxGapMs: 1_800_000 })); // a fresh list each run: nothing cached between statements
  const floats = median(15, () => {
    let byteMs = 0;
    for (let i = 0; i < samples.length; i++) {
      const t = Date.parse(samples[i]!.at);
      const next = i + 1 < samples.length ? Date.parse(samples[i + 1]!.at) : to;
      byteMs += samples[i]!.figures[0]!.value! * (next - t);
    }
    return byteMs;
  });
  const facts: TenantFacts[] = Array.from({ length: 1000 }, (_, i) => ({ tenant: `t${i}`, tier: ['basic', 'standard', 'premium', 'enterprise'][i % 4]!, region: 'eu', costCentre: null, storageBytes: i * 1e8, storageBytes30d: i * 5e7, requests30d: i * 1000, findings: i % 3 }));
  const report = median(15, () => buildReport(facts, { k: 5, epsilon: 1, groupBy: 'tier' }));
  const draws = median(15, () => {
    for (let i = 0; i < 4 * 5 + 9; i++) laplace(1);
  });
  return {
    'billing statement, 2,880 samples (exact BigInt, ms)': { value: round(exact), floor: round(floats), ratio: round(exact / Math.max(floats, 1e-3), 1), floorIs: 'the storage step integral alone, summed in floats' },
    'analytics report, 1,000 tenants with noise (ms)': { value: round(report), floor: round(draws), ratio: round(report / Math.max(draws, 1e-3), 1), floorIs: 'the crypto Laplace draws the report makes, alone' },
  };
}
