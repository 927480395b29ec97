import { USAGE_METRICS, type resourceChannels, type UsageMetric, type UsageSample, type UsageSeries, type UsageView } from '../../../src-shared/contract/resources';
import { tenantConsoleKeyspace } from '../../../src-shared/rules/lifecycle';
import { AppError } from '../../app/errors';
import type { ConsoleModule } from '../../app/module';
import type { ModuleDeps } from '../../app/module-deps';
import { ProbeScheduler } from '../../availability/scheduler';
import type { CqlClient } from '../../cassandra/connections';
import type { TenantRow } from '../../tenancy/registry';
import type { UsageReader } from '../types';
import { activeCertificates, readCluster } from './collect';
import { DELTA_METRICS, deriveFigures, downsample, noisyShares, type ClusterReading } from './maths';
import { DAY_MS, PlatformUsage, TenantUsage, UsageCache, type UsageAlert } from './store';

type Channels = 'usage.collect' | 'usage.show' | 'usage.noisy';
export type MeteringChannels = Extract<keyof typeof resourceChannels, Channels>;

export const DEFAULT_USAGE_INTERVAL_S = 15 * 60;
export const DEFAULT_USAGE_CONCURRENCY = 4;
export const MAX_SERIES_POINTS = 500;
export const DEFAULT_NOISY_THRESHOLD = 0.5;
const MAX_RANGE_MS = 400 * DAY_MS;
/** The cache keeps what a year's statements and the longest usage range need. */
const CACHE_RETENTION_MS = 400 * DAY_MS;
const HOUR_MS = 3_600_000;
/** Tenant states that are metered (their keyspaces and roles exist). */
const METERED = new Set(['active', 'suspended', 'migrating']);

export interface MeteringOptions {
  now?(): number;
}

/** Run `fn` over `items`, at most `n` at a time, in order of completion. */
export async function bounded<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
  return out;
}

/** The cluster cannot be read now: answer from this console's cache instead. */
const unreachable = (e: unknown): boolean => e instanceof AppError && (e.code === 'UNAVAILABLE' || e.code === 'TIMEOUT' || e.code === 'NOT_SIGNED_IN');

/**
 * Usage metering and noisy-neighbour detection (issue 10 items 1 and 5). A platform console
 * samples each tenant from the cluster (collect.ts), stores the sample in csm_system (the shared
 * copy every console bills from), in the tenant's console keyspace (its own copy, which its admins
 * and auditors read) and in this console's cache (the fallback when the cluster is unreachable).
 * Desktop and web consoles sample on a schedule; the CLI only on demand.
 */
export function meteringPart(deps: ModuleDeps, opts: MeteringOptions = {}): ConsoleModule<MeteringChannels> & { usage: UsageReader; scheduler: ProbeScheduler; noisy(cluster: string, threshold?: number, windowHours?: number): Promise<NoisyResult> } {
  const now = (): number => opts.now?.() ?? Date.now();
  const cache = new UsageCache(deps.store.db);
  const tenantCopy = new TenantUsage();
  const iso = (ms: number): string => new Date(ms).toISOString();

  const operatorOrNull = (cluster: string): CqlClient | null => (deps.sessions.scopeOf(cluster) ? (deps.connections.operator(cluster) ?? null) : null);
  const platformClient = (cluster: string): CqlClient => {
    const c = operatorOrNull(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    if (!deps.sessions.scopeOf(cluster)?.platform) throw new AppError('FORBIDDEN', `usage is collected with platform scope on ${cluster}`);
    return c;
  };
  const isPlatform = (cluster: string): boolean => !!deps.sessions.scopeOf(cluster)?.platform && !!deps.connections.operator(cluster);

  const knownTenant = async (cluster: string, tenant: string): Promise<TenantRow> => {
    const row = await deps.tenants.registry(cluster).get(tenant);
    if (!row || row.state === 'deleted') throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
    return row;
  };

  const collectOne = async (cluster: string, tenant: string, trigger: 'schedule' | 'manual', shared?: ClusterReading): Promise<UsageSample> => {
    const client = platformClient(cluster);
    const row = await knownTenant(cluster, tenant);
    if (!METERED.has(row.state)) throw new AppError('CONFLICT', `tenant ${tenant} is ${row.state}: only active, suspended or migrating tenants are metered`);
    const cks = tenantConsoleKeyspace(tenant);
    const keyspaces = row.keyspaces.filter((k) => k !== cks);
    const platform = new PlatformUsage(client);
    const prev = await platform.latest(tenant);
    const at = now();
    const reading = shared ?? (await readCluster(client, [...keyspaces, cks], at));
    if (prev && Date.parse(prev.sample.at) >= reading.at) {
      // Another console (or the scheduler) stored a sample taken after this reading: deltas
      // against it would look like reset counters and bill the node's lifetime counts.
      throw new AppError('CONFLICT', `a newer usage sample of ${tenant} (${prev.sample.at}) was stored while this one was read (${iso(reading.at)}); nothing stored`);
    }
    const certs = await activeCertificates(client, tenant, reading.tables.get(cks), at);
    const { figures, raw } = deriveFigures(
      {
        tenant,
        keyspaces,
        certificates: { value: certs.value, precision: 'exact', source: `${cks}.pki_certs`, note: certs.note },
        consoleOps: cache.consoleOps(cluster, tenant, iso(at - HOUR_MS)),
      },
      reading,
      prev?.raw ?? null,
    );
    const sample: UsageSample = { tenant, at: iso(reading.at), trigger, figures };
    if (!(await platform.put(tenant, sample, raw, prev?.sample.at ?? null))) {
      throw new AppError('CONFLICT', `another console stored a usage sample of ${tenant} while this one was taken; nothing stored (the next sample takes its deltas from that one)`);
    }
    cache.put(cluster, sample, raw);
    try {
      if (await tenantCopy.ensure(client, cluster, tenant)) await tenantCopy.put(client, sample);
    } catch (e) {
      tenantCopy.forget(cluster, tenant);
      deps.logger.warn("usage: the tenant's own copy of its sample was not written", { cluster, tenant, error: e instanceof Error ? e.message : String(e) });
    }
    deps.bus.emit('usage.sampled', { cluster, tenant, at: sample.at });
    return sample;
  };

  const collectAll = async (cluster: string, trigger: 'schedule' | 'manual'): Promise<{ samples: UsageSample[]; failed: { tenant: string; message: string }[] }> => {
    const client = platformClient(cluster);
    const rows = (await deps.tenants.registry(cluster).all()).filter((r) => METERED.has(r.state)).sort((a, b) => a.id.localeCompare(b.id));
    // One read of the cluster for every tenant: the virtual tables and role list are scanned once.
    const reading = await readCluster(client, 'all', now());
    const samples: UsageSample[] = [];
    const failed: { tenant: string; message: string }[] = [];
    await bounded(rows, cache.setting('concurrency', DEFAULT_USAGE_CONCURRENCY), async (r) => {
      try {
        samples.push(await collectOne(cluster, r.id, trigger, reading));
      } catch (e) {
        failed.push({ tenant: r.id, message: e instanceof AppError ? `${e.code}: ${e.message}` : String(e) });
      }
    });
    samples.sort((a, b) => a.tenant.localeCompare(b.tenant));
    return { samples, failed };
  };

  /** Read the platform copy; when the cluster cannot be read (or this console is not platform there), the cache. */
  const fromPlatformOrCache = async <T>(cluster: string, read: (p: PlatformUsage) => Promise<T>, fallback: () => T, own?: (session: CqlClient) => Promise<T>): Promise<T> => {
    if (!isPlatform(cluster)) {
      // A tenant-admin or auditor console: the tenant's own copy, with its own session.
      if (!own || !operatorOrNull(cluster)) return fallback();
      try {
        return await own(operatorOrNull(cluster)!);
      } catch (e) {
        if (!unreachable(e)) throw e;
        return fallback();
      }
    }
    try {
      return await read(new PlatformUsage(platformClient(cluster)));
    } catch (e) {
      if (!unreachable(e)) throw e;
      deps.logger.warn('usage: cluster unreadable, answering from the cache', { cluster, error: e instanceof Error ? e.message : String(e) });
      return fallback();
    }
  };

  const registered = async (cluster: string): Promise<Set<string> | null> => {
    try {
      return new Set((await deps.tenants.registry(cluster).all()).filter((r) => r.state !== 'deleted').map((r) => r.id));
    } catch (e) {
      if (!unreachable(e)) throw e;
      return null;
    }
  };

  const usage: UsageReader = {
    collect: (cluster, tenant, trigger) => collectOne(cluster, tenant, trigger),
    intervalMs: () => cache.setting('interval_s', DEFAULT_USAGE_INTERVAL_S) * 1000,
    latest: (cluster, tenant) =>
      fromPlatformOrCache(
        cluster,
        async (p) => (await p.latest(tenant))?.sample ?? null,
        () => cache.latest(cluster, tenant)?.sample ?? null,
        async (session) => (await tenantCopy.samples(session, tenant, now() - DAY_MS, now())).latest,
      ),
    samples: (cluster, tenant, fromMs, toMs) =>
      fromPlatformOrCache(
        cluster,
        (p) => p.samples(tenant, fromMs, toMs),
        () => cache.samples(cluster, tenant, fromMs, toMs),
        async (session) => (await tenantCopy.samples(session, tenant, fromMs, toMs)).samples,
      ),
    latestAll: async (cluster) => {
      const all = await fromPlatformOrCache(cluster, (p) => p.latestAll(), () => cache.latestAll(cluster));
      const known = isPlatform(cluster) ? await registered(cluster) : null;
      const mirror = new Set(deps.store.tenantMirror.all().filter((t) => t.cluster === cluster && t.state !== 'deleted').map((t) => t.id));
      return all.filter((s) => (known ? known.has(s.tenant) : mirror.has(s.tenant))).sort((a, b) => a.tenant.localeCompare(b.tenant));
    },
  };

  const seriesOf = (samples: UsageSample[], latest: UsageSample | null, metrics: readonly UsageMetric[], fromMs: number, toMs: number): UsageSeries[] =>
    metrics.map((metric) => {
      const points = samples.filter((s) => Date.parse(s.at) >= fromMs && Date.parse(s.at) <= toMs).map((s) => ({ at: Date.parse(s.at), value: s.figures.find((f) => f.metric === metric)?.value ?? null }));
      const ref = (latest ?? samples[samples.length - 1])?.figures.find((f) => f.metric === metric);
      return {
        metric,
        unit: ref?.unit ?? (metric === 'storage_bytes' ? 'bytes' : metric.endsWith('_ms') ? 'ms' : 'count'),
        precision: ref?.precision ?? 'unavailable',
        points: downsample(points, MAX_SERIES_POINTS, DELTA_METRICS.has(metric), fromMs, toMs).map((p) => ({ at: iso(p.at), value: p.value })),
      };
    });

  const range = (from: string | undefined, to: string | undefined): [number, number] => {
    const toMs = to === undefined ? now() : Date.parse(to);
    const fromMs = from === undefined ? toMs - 7 * DAY_MS : Date.parse(from);
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new AppError('BAD_INPUT', 'from/to: ISO 8601 date-times');
    if (fromMs >= toMs) throw new AppError('BAD_INPUT', `from (${iso(fromMs)}) must be before to (${iso(toMs)})`);
    if (toMs - fromMs > MAX_RANGE_MS) throw new AppError('BAD_INPUT', `a usage range may span at most ${MAX_RANGE_MS / DAY_MS} days`);
    return [fromMs, toMs];
  };

  const intervalS = (cluster: string): number => (scheduler.enabled && deps.sessions.platformClusters().includes(cluster) ? cache.setting('interval_s', DEFAULT_USAGE_INTERVAL_S) : 0);

  // ───── noisy neighbours ─────

  const raise = async (cluster: string, a: UsageAlert, detail: string, recent: UsageAlert[], windowMs: number): Promise<boolean> => {
    // One alert per tenant and kind per window: the next one only once the window has passed.
    if (recent.some((r) => r.tenant === a.tenant && r.kind === a.kind && Date.parse(a.at) - Date.parse(r.at) < windowMs)) return false;
    cache.putAlert(cluster, a);
    try {
      await new PlatformUsage(platformClient(cluster)).putAlert(a, detail);
    } catch (e) {
      deps.logger.warn('usage: noisy-neighbour alert not written to csm_system', { cluster, tenant: a.tenant, error: e instanceof Error ? e.message : String(e) });
    }
    deps.bus.emit('usage.alert', { cluster, ...a });
    deps.logger.warn('noisy neighbour', { cluster, tenant: a.tenant, kind: a.kind, share: a.share, threshold: a.threshold });
    return true;
  };

  const noisy = async (cluster: string, threshold = DEFAULT_NOISY_THRESHOLD, windowHours = 24): Promise<NoisyResult> => {
    const client = platformClient(cluster);
    const t = now();
    const fromMs = t - windowHours * HOUR_MS;
    const tenants = (await deps.tenants.registry(cluster).all()).filter((r) => METERED.has(r.state)).map((r) => r.id).sort();
    const platform = new PlatformUsage(client);
    const inputs = await bounded(tenants, 8, async (tenant) => ({ tenant, samples: await platform.samples(tenant, fromMs, t, 2) }));
    const { rows, note } = noisyShares(inputs, fromMs, t, threshold);
    const since = t - 7 * DAY_MS;
    let recent: UsageAlert[];
    try {
      recent = await platform.alerts(tenants, since);
    } catch (e) {
      if (!unreachable(e)) throw e;
      recent = cache.alerts(cluster, since);
    }
    for (const r of rows.filter((x) => x.over)) {
      for (const kind of ['requests', 'storage'] as const) {
        const share = kind === 'requests' ? r.requestShare : r.storageGrowthShare;
        if (share <= threshold) continue;
        const a: UsageAlert = { tenant: r.tenant, at: iso(t), kind, share, threshold };
        const detail = kind === 'requests' ? `${r.requests} of the requests in ${windowHours} h` : `${r.storageGrowthBytes} bytes of storage growth in ${windowHours} h`;
        if (await raise(cluster, a, detail, recent, windowHours * HOUR_MS)) recent.unshift(a);
      }
    }
    return { threshold, windowHours, rows, note, alerts: recent.slice(0, 200) };
  };

  const scheduler = new ProbeScheduler({
    host: deps.host,
    tenants: () => {
      const platform = new Set(deps.sessions.platformClusters());
      if (platform.size === 0) return [];
      return deps.store.tenantMirror
        .all()
        .filter((t) => platform.has(t.cluster) && METERED.has(t.state))
        .map((t) => ({ cluster: t.cluster, tenant: t.id }));
    },
    intervalMs: () => cache.setting('interval_s', DEFAULT_USAGE_INTERVAL_S) * 1000,
    concurrency: () => cache.setting('concurrency', DEFAULT_USAGE_CONCURRENCY),
    probe: async (cluster, tenant) => {
      try {
        await collectOne(cluster, tenant, 'schedule');
      } catch (e) {
        deps.logger.warn('usage: scheduled sample failed', { cluster, tenant, error: e instanceof Error ? e.message : String(e) });
      }
    },
    // Once per interval: who is a noisy neighbour now.
    onCycle: () => {
      try {
        cache.prune(now() - CACHE_RETENTION_MS);
      } catch (e) {
        deps.logger.warn('usage: pruning the cache failed', { error: e instanceof Error ? e.message : String(e) });
      }
      for (const cluster of deps.sessions.platformClusters()) {
        void noisy(cluster).catch((e: unknown) => deps.logger.warn('usage: noisy-neighbour check failed', { cluster, error: e instanceof Error ? e.message : String(e) }));
      }
    },
    logger: deps.logger,
  });

  return {
    usage,
    scheduler,
    noisy,
    onSignIn: async (_cluster, platform) => {
      if (!platform || deps.host === 'cli') return;
      scheduler.start();
    },
    afterSuccess: (call) => {
      const input = call.input as { cluster?: string; tenant?: string };
      // A re-provisioned tenant has a fresh console keyspace: make sure its usage table is created again.
      if (input.cluster && input.tenant && call.channel.startsWith('tenant.')) tenantCopy.forget(input.cluster, input.tenant);
    },
    close: async () => {
      await scheduler.close();
    },
    handlers: {
      'usage.collect': async ({ cluster, tenant }) => {
        if (tenant !== undefined) return { samples: [await collectOne(cluster, tenant, 'manual')], failed: [] };
        return collectAll(cluster, 'manual');
      },
      'usage.show': async ({ cluster, tenant, from, to, metrics }, ctx): Promise<UsageView> => {
        const [fromMs, toMs] = range(from, to);
        const wanted = metrics && metrics.length ? metrics : USAGE_METRICS;
        if (isPlatform(cluster)) {
          try {
            await knownTenant(cluster, tenant);
          } catch (e) {
            if (!unreachable(e)) throw e;
          }
          const [latest, samples] = await Promise.all([usage.latest(cluster, tenant), usage.samples(cluster, tenant, fromMs, toMs)]);
          return { cluster, tenant, latest, series: seriesOf(samples, latest, wanted, fromMs, toMs), intervalS: intervalS(cluster) };
        }
        // A tenant admin or auditor: its own copy, read with its own session (Cassandra scopes it).
        if (!ctx.tenant) throw new AppError('FORBIDDEN', `usage of ${tenant} needs platform, admin or auditor scope for it`);
        try {
          const { latest, samples } = await tenantCopy.samples(await ctx.tenant.session(), tenant, fromMs, toMs);
          return { cluster, tenant, latest, series: seriesOf(samples, latest, wanted, fromMs, toMs), intervalS: 0 };
        } catch (e) {
          if (!unreachable(e)) throw e;
          const samples = cache.samples(cluster, tenant, fromMs, toMs);
          const latest = cache.latest(cluster, tenant)?.sample ?? null;
          return { cluster, tenant, latest, series: seriesOf(samples, latest, wanted, fromMs, toMs), intervalS: 0 };
        }
      },
      'usage.noisy': async ({ cluster, threshold, windowHours }) => noisy(cluster, threshold, windowHours),
    },
  };
}

export interface NoisyResult {
  threshold: number;
  windowHours: number;
  rows: { tenant: string; requestShare: number; storageGrowthShare: number; over: boolean; requests: number; storageGrowthBytes: number; samples: number }[];
  note: string | null;
  alerts: UsageAlert[];
}
