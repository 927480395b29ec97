import { TENANT_TIERS } from '../../../src-shared/contract/tenants';
import type { RateCard, resourceChannels, UsageSample } from '../../../src-shared/contract/resources';
import { AppError } from '../../app/errors';
import type { ConsoleModule } from '../../app/module';
import type { ModuleDeps } from '../../app/module-deps';
import type { CqlClient } from '../../cassandra/connections';
import type { TenantRow } from '../../tenancy/registry';
import type { UsageReader } from '../types';
import { checkCsvTarget, reportCsv, writeCsvFile } from './csv';
import { computeStatement, DEFAULT_MAX_GAP_MS, type ComputedStatement } from './integrate';
import { safeMinor } from './money';
import { BillingStore, publishTerms, readTerms, type StoredRates } from './store';

type Channels = 'billing.rates' | 'billing.setRates' | 'billing.statement' | 'billing.setCostCentre' | 'billing.report';
export type BillingChannels = Extract<keyof typeof resourceChannels, Channels>;

/** A statement spans at most this long: a bounded read of samples per tenant. */
export const MAX_PERIOD_MS = 400 * 86_400_000;
const REPORT_CONCURRENCY = 4;

type Tier = keyof RateCard['tierFees'];
const tierOf = (t: string): { tier: Tier; note: string | null } =>
  (TENANT_TIERS as readonly string[]).includes(t) ? { tier: t as Tier, note: null } : { tier: 'standard', note: `tier "${t.slice(0, 32)}" is unknown to the rate card: billed as standard` };

export function period(from: string, to: string): { from: number; to: number } {
  const f = Date.parse(from);
  const t = Date.parse(to);
  if (!Number.isFinite(f) || !Number.isFinite(t)) throw new AppError('BAD_INPUT', 'from/to: ISO 8601 times with an offset');
  if (t <= f) throw new AppError('BAD_INPUT', `to (${to}) must be after from (${from})`);
  if (t - f > MAX_PERIOD_MS) throw new AppError('BAD_INPUT', `a statement period spans at most ${MAX_PERIOD_MS / 86_400_000} days`);
  return { from: f, to: t };
}

/** Samples for [from, to]: the reader gives those inside plus the last before `from`; the first after `to` closes the last counter interval (so adjacent periods add up). */
export async function samplesFor(usage: UsageReader, cluster: string, tenant: string, from: number, to: number, maxGapMs: number): Promise<UsageSample[]> {
  const all = await usage.samples(cluster, tenant, from, to + maxGapMs);
  const inside = all.filter((s) => Date.parse(s.at) <= to);
  const after = all.filter((s) => Date.parse(s.at) > to).sort((a, b) => Date.parse(a.at) - Date.parse(b.at))[0];
  return after ? [...inside, after] : inside;
}

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

/** Rate card, statements integrated over usage samples, cost centres, MSP report (issue 10 item 3). */
export function billingPart(deps: ModuleDeps, usage: UsageReader): ConsoleModule<BillingChannels> {
  const operator = (cluster: string): CqlClient => {
    const c = deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  };
  const who = (cluster: string): string => deps.sessions.scopeOf(cluster)?.role ?? 'unknown';
  const isPlatform = (cluster: string): boolean => deps.sessions.scopeOf(cluster)?.platform === true;
  const store = (cluster: string) => new BillingStore(operator(cluster));
  const wire = (r: StoredRates) => ({ ...r.card, updatedAt: r.updatedAt, updatedBy: r.updatedBy, isDefault: r.isDefault });

  /** Best effort: a tenant console reads these terms; failing to refresh them never fails the platform's call. */
  const publish = async (cluster: string, row: TenantRow, card: RateCard, costCentre: string | null): Promise<void> => {
    try {
      await publishTerms(operator(cluster), row.id, { card, tier: row.tier, costCentre, createdAt: row.createdAt }, who(cluster));
    } catch (e) {
      deps.logger.warn('billing terms not published to the tenant keyspace', { cluster, tenant: row.id, error: e instanceof Error ? e.message : String(e) });
    }
  };

  const platformStatement = async (cluster: string, row: TenantRow, rates: StoredRates, costCentre: string | null, from: number, to: number): Promise<ComputedStatement> => {
    const samples = await samplesFor(usage, cluster, row.id, from, to, DEFAULT_MAX_GAP_MS);
    const { tier, note } = tierOf(row.tier);
    const created = Date.parse(row.createdAt);
    const s = computeStatement({
      cluster,
      tenant: row.id,
      costCentre,
      from,
      to,
      rates: rates.card,
      tier,
      samples,
      activeFrom: created > 0 ? created : null,
      activeTo: row.state === 'deleted' ? Date.parse(row.updatedAt) : null,
    });
    if (note) s.notes.push(note);
    if (rates.isDefault) s.notes.push('no rate card was set on this cluster: the default card applies (csm billing rates --set-file F)');
    return s;
  };

  /** At a platform sign-in: tenants without published terms (created since) get them, so their admins can read statements. */
  const publishMissing = async (cluster: string): Promise<void> => {
    const c = operator(cluster);
    const st = store(cluster);
    const [rows, rates, centres] = await Promise.all([deps.tenants.registry(cluster).all(), st.rates(), st.costCentres()]);
    await pool(rows.filter((r) => r.state !== 'deleted' && r.state !== 'draft'), REPORT_CONCURRENCY, async (r) => {
      const have = await readTerms(c, r.id).catch(() => null);
      if (!have) await publish(cluster, r, rates.card, centres.get(r.id) ?? null);
    });
  };

  return {
    onSignIn: async (cluster, platform) => {
      // Not in the CLI (a sign-in per command would read every tenant's terms each time).
      if (!platform || deps.host === 'cli') return;
      await publishMissing(cluster).catch((e: unknown) => deps.logger.warn('billing terms not published at sign-in', { cluster, error: e instanceof Error ? e.message : String(e) }));
    },
    handlers: {
      'billing.rates': async ({ cluster }) => wire(await store(cluster).rates()),

      'billing.setRates': async ({ cluster, rates }) => {
        const saved = await store(cluster).setRates(rates, who(cluster));
        // Tenant consoles compute their own statements from the published copy: refresh it.
        const [rows, centres] = await Promise.all([deps.tenants.registry(cluster).all(), store(cluster).costCentres()]);
        await pool(
          rows.filter((r) => r.state !== 'deleted' && r.state !== 'draft'),
          REPORT_CONCURRENCY,
          (r) => publish(cluster, r, rates, centres.get(r.id) ?? null),
        );
        return wire(saved);
      },

      'billing.statement': async ({ cluster, tenant, from, to }) => {
        const p = period(from, to);
        if (isPlatform(cluster)) {
          const st = store(cluster);
          const row = await deps.tenants.registry(cluster).get(tenant);
          if (!row) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
          const [rates, cc] = await Promise.all([st.rates(), st.costCentre(tenant)]);
          // A read: nothing is written here (the terms are published on setRates/setCostCentre and at sign-in).
          return platformStatement(cluster, row, rates, cc, p.from, p.to);
        }
        // A tenant admin (the router let it through for its own tenant only): csm_system is not
        // readable to it, so the terms come from the copy the platform published to its keyspace.
        const terms = await readTerms(operator(cluster), tenant);
        if (!terms) throw new AppError('UNAVAILABLE', `no billing terms were published to tenant ${tenant} yet: a platform operator publishes them by setting the rate card or the cost centre, or by signing in`);
        const samples = await samplesFor(usage, cluster, tenant, p.from, p.to, DEFAULT_MAX_GAP_MS);
        const { tier, note } = tierOf(terms.tier);
        const created = terms.createdAt ? Date.parse(terms.createdAt) : null;
        const s = computeStatement({ cluster, tenant, costCentre: terms.costCentre, from: p.from, to: p.to, rates: terms.card, tier, samples, activeFrom: created });
        if (note) s.notes.push(note);
        s.notes.push(`terms (rate card, tier, cost centre) as published by the platform at ${terms.publishedAt}`);
        return s;
      },

      'billing.setCostCentre': async ({ cluster, tenant, costCentre }) => {
        const row = await deps.tenants.registry(cluster).get(tenant);
        if (!row) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
        const st = store(cluster);
        await st.setCostCentre(tenant, costCentre, who(cluster));
        await publish(cluster, row, (await st.rates()).card, costCentre);
        return { tenant, costCentre };
      },

      'billing.report': async ({ cluster, from, to, out }) => {
        const p = period(from, to);
        // Before reading every tenant: a bad target is refused at once.
        if (out !== undefined) checkCsvTarget(out);
        const st = store(cluster);
        const [rows, rates, centres] = await Promise.all([deps.tenants.registry(cluster).all(), st.rates(), st.costCentres()]);
        const billed = rows.filter((r) => r.state !== 'draft').sort((a, b) => a.id.localeCompare(b.id));
        const statements = await pool(billed, REPORT_CONCURRENCY, (r) => platformStatement(cluster, r, rates, centres.get(r.id) ?? null, p.from, p.to));
        const groups = new Map<string | null, { tenants: number; total: bigint }>();
        let grand = 0n;
        for (const s of statements) {
          const g = groups.get(s.costCentre) ?? { tenants: 0, total: 0n };
          g.tenants++;
          g.total += BigInt(s.totalMinor);
          groups.set(s.costCentre, g);
          grand += BigInt(s.totalMinor);
        }
        const byCostCentre = [...groups.entries()]
          .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
          .map(([costCentre, g]) => ({ costCentre, tenants: g.tenants, totalMinor: safeMinor(g.total, `cost centre ${costCentre ?? '(none)'}`) }));
        const totalMinor = safeMinor(grand, 'report total');
        let csvPath: string | null = null;
        if (out !== undefined) {
          writeCsvFile(out, reportCsv(statements, byCostCentre, totalMinor, rates.card.currency));
          csvPath = out;
        }
        return { from: new Date(p.from).toISOString(), to: new Date(p.to).toISOString(), currency: rates.card.currency, statements, byCostCentre, totalMinor, csvPath };
      },
    },
  };
}
