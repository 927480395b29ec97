import { z } from 'zod';
import type { resourceChannels } from '../../../src-shared/contract/resources';
import { AppError } from '../../app/errors';
import type { ConsoleModule } from '../../app/module';
import type { ModuleDeps } from '../../app/module-deps';
import type { CqlClient } from '../../cassandra/connections';
import { counterDeltas, pointsOf, requestPoints } from '../billing/integrate';
import { roundHalfEven } from '../billing/money';
import { BillingStore } from '../billing/store';
import type { UsageReader } from '../types';
import { toMicro } from './privacy';
import { buildReport, type Grouping, type TenantFacts } from './report';

type Channels = 'analytics.report' | 'analytics.budget';
export type AnalyticsChannels = Extract<keyof typeof resourceChannels, Channels>;

const DAY = 86_400_000;
const WINDOW = 30 * DAY;
const CONCURRENCY = 4;

const counts = z.object({ critical: z.number(), warning: z.number(), info: z.number() });
const isolationOut = z.object({ byTenant: z.record(z.string(), counts) });
const complianceListOut = z.array(z.object({ tenant: z.string(), fail: z.number().nullable().optional() }));
const profileOut = z.object({ boundary: z.array(z.object({ dc: z.string(), region: z.string() })).nullable() });

async function pool<T, R>(items: readonly T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** One tenant's storage now, 30 days ago and its requests over the window, from the usage samples. */
export async function usageFacts(usage: UsageReader, cluster: string, tenant: string, now: number): Promise<Pick<TenantFacts, 'storageBytes' | 'storageBytes30d' | 'requests30d'>> {
  const from = now - WINDOW;
  const samples = await usage.samples(cluster, tenant, from, now);
  const storage = pointsOf(samples, 'storage_bytes').filter((p) => p.v !== null);
  const latest = storage[storage.length - 1];
  const old = storage.filter((p) => p.t <= from).pop();
  const req = counterDeltas(requestPoints(samples), from, now, 'delta');
  return {
    storageBytes: latest?.v ?? null,
    storageBytes30d: old?.v ?? null,
    requests30d: req.used.size ? Number(roundHalfEven(req.requests)) : null,
  };
}

/** Cross-tenant aggregates with k-anonymity and a Laplace ε budget (issue 10 item 4). */
export function analyticsPart(deps: ModuleDeps, usage: UsageReader): ConsoleModule<AnalyticsChannels> {
  const operator = (cluster: string): CqlClient => {
    const c = deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  };
  const who = (cluster: string): string => deps.sessions.scopeOf(cluster)?.role ?? 'unknown';

  /** Through the router (scope and output checks apply); a failing source gives null, noted. */
  const channel = async <T>(name: string, input: unknown, schema: z.ZodType<T>): Promise<T | null> => {
    const r = await deps.dispatch(name as never, input);
    if (!r.ok) return null;
    const p = schema.safeParse(r.value);
    return p.success ? p.data : null;
  };

  /** `allRegions`: the compliance regions are read even when not grouping by region (an exact report checks every grouping for small groups). */
  const facts = async (cluster: string, groupBy: Grouping, notes: string[], allRegions = false): Promise<TenantFacts[]> => {
    const [rows, centres, iso, comp] = await Promise.all([
      deps.tenants.registry(cluster).all(),
      new BillingStore(operator(cluster)).costCentres(),
      channel('isolation.status', { cluster }, isolationOut),
      channel('compliance.list', { cluster }, complianceListOut),
    ]);
    if (!iso) notes.push('isolation findings unavailable (isolation.status failed): counted as unknown');
    const fails = new Map((comp ?? []).map((c) => [c.tenant, c.fail ?? null]));
    const live = rows.filter((r) => r.state !== 'deleted' && r.state !== 'draft');
    const now = Date.now();
    return pool(live, CONCURRENCY, async (r): Promise<TenantFacts> => {
      let region = r.dataCenters.length ? `dc:${[...r.dataCenters].sort().join('+')}` : '(unplaced)';
      if (groupBy === 'region' || allRegions) {
        const prof = await channel('compliance.get', { cluster, tenant: r.id }, profileOut);
        const regions = [...new Set((prof?.boundary ?? []).map((b) => b.region))].sort();
        if (regions.length) region = regions.join('+');
      }
      const iso1 = iso?.byTenant[r.id];
      const isoCount = iso ? (iso1 ? iso1.critical + iso1.warning + iso1.info : 0) : null;
      const compFail = fails.get(r.id) ?? null;
      return {
        tenant: r.id,
        tier: r.tier,
        region,
        costCentre: centres.get(r.id) ?? null,
        ...(await usageFacts(usage, cluster, r.id, now)),
        findings: isoCount === null && compFail === null ? null : (isoCount ?? 0) + (compFail ?? 0),
      };
    });
  };

  return {
    handlers: {
      'analytics.report': async ({ cluster, k, epsilon, groupBy, clip }) => {
        const store = new BillingStore(operator(cluster));
        const micro = epsilon === undefined ? null : toMicro(epsilon);
        // Refuse early, before reading every tenant (the spend below checks again, atomically).
        if (micro !== null) await store.assertAffordable(micro);
        const notes: string[] = [];
        const f = await facts(cluster, groupBy, notes, epsilon === undefined);
        // Spent only once the facts are in hand, and before anything noisy exists: a refusal spends nothing, a failure before this point neither.
        const budget = micro !== null ? await store.spend(micro, who(cluster), { groupBy, k, figures: 6 }) : await store.budget();
        const built = buildReport(f, { k, epsilon: epsilon ?? null, groupBy, clip });
        notes.push('findings = isolation findings of the last scan + failed compliance controls of this console\u2019s last compliance scan');
        if (groupBy === 'region') notes.push('region = the region labels of the tenant\u2019s compliance boundary, else its data centres (dc:…)');
        return {
          k,
          epsilon: epsilon ?? null,
          noiseScale: built.noiseScale,
          noise: built.noise,
          budgetTotal: budget.totalMicro / 1e6,
          budgetSpent: budget.spentMicro / 1e6,
          budgetLeft: Math.max(0, budget.totalMicro - budget.spentMicro) / 1e6,
          groupBy,
          cells: built.cells,
          total: built.total,
          notes: [...built.notes, ...notes],
          distribution: built.distribution,
        };
      },

      'analytics.budget': async ({ cluster, total }) => {
        const store = new BillingStore(operator(cluster));
        const b = total === undefined ? await store.budget() : await store.setTotal(toMicro(total), who(cluster));
        return { total: b.totalMicro / 1e6, spent: b.spentMicro / 1e6, left: Math.max(0, b.totalMicro - b.spentMicro) / 1e6, reports: await store.ledger() };
      },
    },
  };
}
