import { performance } from 'node:perf_hooks';
import type { availabilityChannels, AvailabilityView, MaintenanceWindow, ProbeSample, ScheduleStatus } from '../../src-shared/contract/availability';
import type { ConfigView } from '../../src-shared/contract/config';
import { BUILTIN_POLICIES } from '../../src-shared/rules/tenant-config';
import { AppError } from '../app/errors';
import type { ConsoleModule } from '../app/module';
import type { ModuleDeps } from '../app/module-deps';
import type { CqlClient } from '../cassandra/connections';
import { tenantServiceRole } from '../tenancy/cql';
import { TenantRegistry } from '../tenancy/registry';
import { capacityReport, clusterCapacity, clusterHealth } from './health';
import { MAX_WINDOW_MS, overlaps, RAW_RETENTION_MS } from './maths';
import { failure, resolveTarget, runProbe, type ProbeTarget } from './probe';
import { ProbeScheduler } from './scheduler';
import { SharedAvailability } from './shared';
import { AvailabilityStore } from './store';

export type AvailabilityChannels = keyof typeof availabilityChannels;

/** How long a tenant's read consistency and probe target are trusted before being read again. */
const CACHE_MS = 10 * 60_000;

export interface AvailabilityOptions {
  now?(): number;
}

/**
 * Availability probes, SLA and error budget per tenant, cluster health and capacity (issue 12).
 * Probes run in the tenant's own context (its service role on a platform console); samples stay
 * in this console's cache; targets and windows are shared through csm_system.
 */
export function availabilityModule(deps: ModuleDeps, opts: AvailabilityOptions = {}): ConsoleModule<AvailabilityChannels> & { store: AvailabilityStore; scheduler: ProbeScheduler } {
  const now = (): number => opts.now?.() ?? Date.now();
  const store = new AvailabilityStore(deps.store.db);
  const consistencies = new Map<string, { value: string; at: number }>();
  const targets = new Map<string, { value: ProbeTarget; at: number }>();
  const k = (cluster: string, tenant: string): string => `${cluster}\u0000${tenant}`;
  const intervalMs = (): number => store.setting('interval_s') * 1000;

  const operator = (cluster: string): CqlClient => {
    const c = deps.connections.operator(cluster);
    if (!c || !deps.sessions.scopeOf(cluster)) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  };
  const platformClient = (cluster: string): CqlClient | null => (deps.sessions.scopeOf(cluster)?.platform ? (deps.connections.operator(cluster) ?? null) : null);
  const role = (cluster: string): string | null => deps.sessions.scopeOf(cluster)?.role ?? null;

  const known = (cluster: string, tenant: string) => {
    const m = deps.store.tenantMirror.get(cluster, tenant);
    if (!m || m.state === 'deleted') throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on ${cluster}`);
    return m;
  };

  /** The tenant's effective read consistency, through config.show (its policies, its template). */
  const consistencyOf = async (cluster: string, tenant: string): Promise<string> => {
    const hit = consistencies.get(k(cluster, tenant));
    if (hit && now() - hit.at < CACHE_MS) return hit.value;
    const r = await deps.dispatch('config.show', { cluster, tenant });
    if (r.ok) {
      const value = (r.value as ConfigView).effective.consistency.read;
      consistencies.set(k(cluster, tenant), { value, at: now() });
      return value;
    }
    // The cluster is down (the probe will say so) or the config is unreadable: the last known
    // level, else the platform default — the probe itself is what records the failure. Asked
    // again in a minute, not on every probe.
    const value = hit?.value ?? BUILTIN_POLICIES.consistency.read;
    consistencies.set(k(cluster, tenant), { value, at: now() - CACHE_MS + 60_000 });
    return value;
  };

  const probeTarget = async (cluster: string, tenant: string, session: CqlClient): Promise<ProbeTarget> => {
    const hit = targets.get(k(cluster, tenant));
    if (hit && now() - hit.at < CACHE_MS) return hit.value;
    const platform = platformClient(cluster);
    const keyspaces = platform ? ((await new TenantRegistry(platform).get(tenant))?.keyspaces ?? null) : null;
    const value = await resolveTarget(session, tenant, keyspaces);
    targets.set(k(cluster, tenant), { value, at: now() });
    return value;
  };

  /** Compare 24 h with the target; a change (below ⇄ at target) is an event and a log line. */
  const evaluate = (cluster: string, tenant: string): void => {
    const change = store.evaluate(cluster, tenant, now());
    if (!change) return;
    const payload = { cluster, tenant, state: change.state, percent: change.percent, target: change.target, at: new Date(change.at).toISOString() };
    deps.bus.emit('availability.alert', payload);
    if (change.state === 'raised') deps.logger.warn('tenant below its availability target', payload);
    else deps.logger.info('tenant back at its availability target', payload);
  };

  const probe = async (cluster: string, tenant: string, trigger: 'schedule' | 'manual'): Promise<ProbeSample> => {
    const m = known(cluster, tenant);
    if (m.state === 'suspended') throw new AppError('CONFLICT', `tenant ${tenant} is suspended: its roles are locked out by design, so it is not probed`);
    const consistency = await consistencyOf(cluster, tenant);
    const started = performance.now();
    const at = now();
    let outcome;
    let as: string | null = role(cluster);
    try {
      const session = await deps.tenants.context(cluster, tenant, role(cluster)).session();
      if (session !== deps.connections.operator(cluster)) as = tenantServiceRole(tenant);
      const target = await probeTarget(cluster, tenant, session);
      outcome = await runProbe(session, target, consistency);
      // The table went away (dropped by the tenant): find another next time.
      if (!outcome.ok && outcome.errorClass === 'BAD_INPUT') targets.delete(k(cluster, tenant));
    } catch (e) {
      outcome = failure(e, started, null);
    }
    const before = store.lastOk(cluster, tenant);
    const sample = store.record({ cluster, tenant, at, consistency, role: as, trigger, ...outcome }, intervalMs());
    // Not one event per scheduled probe (10,000 tenants would flood the renderer): manual probes,
    // failures and changes of state only; an open tab re-reads on these.
    if (trigger === 'manual' || !sample.ok || before !== sample.ok) deps.bus.emit('availability.sample', { cluster, tenant, ok: sample.ok, at: sample.at });
    evaluate(cluster, tenant);
    return sample;
  };

  /** Mirror one tenant's target and windows from csm_system (platform consoles; best effort). */
  const syncTenant = async (cluster: string, tenant: string): Promise<void> => {
    const client = platformClient(cluster);
    if (!client) return;
    const shared = new SharedAvailability(client);
    try {
      const [t, windows] = await Promise.all([shared.target(tenant), shared.windows(tenant)]);
      if (t) store.putTarget(cluster, tenant, t.percent, t.updatedBy, t.updatedAt ?? now());
      store.replaceWindows(cluster, tenant, windows);
    } catch (e) {
      deps.logger.warn('availability: csm_system unreadable, showing the cached target and windows', { cluster, tenant, error: e instanceof Error ? e.message : String(e) });
    }
  };

  /** At sign-in: every target and window of the cluster, two paged reads. */
  const syncCluster = async (cluster: string): Promise<void> => {
    const client = platformClient(cluster);
    if (!client) return;
    const shared = new SharedAvailability(client);
    for (const t of await shared.allTargets()) store.putTarget(cluster, t.tenant, t.percent, t.updatedBy, t.updatedAt ?? now());
    const byTenant = new Map<string, MaintenanceWindow[]>();
    for (const w of await shared.allWindows()) {
      const { tenant, ...rest } = w;
      byTenant.set(tenant, [...(byTenant.get(tenant) ?? []), rest]);
    }
    for (const [tenant, ws] of byTenant) store.replaceWindows(cluster, tenant, ws);
  };

  const scheduler = new ProbeScheduler({
    host: deps.host,
    tenants: () => {
      const platform = new Set(deps.sessions.platformClusters());
      if (platform.size === 0) return [];
      return deps.store.tenantMirror
        .all()
        .filter((t) => platform.has(t.cluster) && t.state === 'active')
        .map((t) => ({ cluster: t.cluster, tenant: t.id }));
    },
    intervalMs,
    concurrency: () => store.setting('concurrency'),
    probe: async (cluster, tenant) => {
      await probe(cluster, tenant, 'schedule');
    },
    onCycle: () => store.prune(now(), RAW_RETENTION_MS),
    logger: deps.logger,
  });

  const status = (): ScheduleStatus => ({
    host: deps.host,
    running: scheduler.enabled && deps.sessions.platformClusters().length > 0,
    intervalSeconds: store.setting('interval_s'),
    concurrency: store.setting('concurrency'),
    clusters: deps.sessions.platformClusters(),
    tenantsPlanned: scheduler.planned,
    lastTickAt: scheduler.lastTickAt === null ? null : new Date(scheduler.lastTickAt).toISOString(),
    probesRun: scheduler.probesRun,
  });

  const view = (cluster: string, tenant: string): AvailabilityView => {
    const t = now();
    const target = store.target(cluster, tenant);
    const recent = store.recent(cluster, tenant, 50);
    const alert = store.alert(cluster, tenant);
    return {
      cluster,
      tenant,
      target,
      periods: store.periods(cluster, tenant, t, target.percent),
      latest: recent[0] ?? null,
      chart: store.chart(cluster, tenant, t),
      recent,
      incidents: store.incidents(cluster, tenant, 20),
      windows: store.windows(cluster, tenant),
      alert: alert ? { cluster, tenant, state: 'raised', percent: alert.percent, target: alert.target, at: new Date(alert.raisedAt).toISOString() } : null,
      scheduled: scheduler.enabled && deps.sessions.platformClusters().includes(cluster),
      intervalSeconds: store.setting('interval_s'),
    };
  };

  let background: Promise<void> | null = null;

  return {
    store,
    scheduler,
    onSignIn: async (cluster, platform) => {
      if (!platform) return;
      if (deps.host === 'cli') return;
      const run = syncCluster(cluster).catch((e: unknown) => deps.logger.warn('availability: reading targets and windows failed', { cluster, error: e instanceof Error ? e.message : String(e) }));
      background = (background ?? Promise.resolve()).then(() => run);
      scheduler.start();
    },
    afterSuccess: (call) => {
      const input = call.input as { cluster?: string; tenant?: string };
      if (!input.cluster || !input.tenant) return;
      // A changed policy or template may change the read consistency; a lifecycle change the keyspaces.
      if (call.channel.startsWith('config.') || call.channel.startsWith('tenant.')) {
        consistencies.delete(k(input.cluster, input.tenant));
        targets.delete(k(input.cluster, input.tenant));
      }
    },
    close: async () => {
      await scheduler.close();
      await background;
    },
    handlers: {
      'availability.probe': async ({ cluster, tenant }) => probe(cluster, tenant, 'manual'),
      'availability.show': async ({ cluster, tenant }) => {
        known(cluster, tenant);
        await syncTenant(cluster, tenant);
        return view(cluster, tenant);
      },
      'availability.overview': async ({ cluster, belowOnly, limit }) => {
        operator(cluster);
        const rows = store.overview(cluster, now());
        const below = rows.filter((r) => r.below);
        return { cluster, rows: (belowOnly ? below : rows).slice(0, limit), total: rows.length, below: below.length };
      },
      'availability.setTarget': async ({ cluster, tenant, percent }) => {
        known(cluster, tenant);
        const by = role(cluster);
        const at = new Date(now());
        await new SharedAvailability(operator(cluster)).putTarget(tenant, percent, by, at);
        store.putTarget(cluster, tenant, percent, by, at.getTime());
        evaluate(cluster, tenant);
        return store.target(cluster, tenant);
      },
      'availability.addWindow': async ({ cluster, tenant, startsAt, endsAt, reason }) => {
        known(cluster, tenant);
        const a = Date.parse(startsAt);
        const b = Date.parse(endsAt);
        if (!(b > a)) throw new AppError('BAD_INPUT', 'a maintenance window must end after it starts');
        if (b - a > MAX_WINDOW_MS) throw new AppError('BAD_INPUT', 'a maintenance window may last at most 7 days');
        // Older samples are only rollups: a window cannot re-count them, so it may not reach back there.
        if (a < now() - RAW_RETENTION_MS) throw new AppError('BAD_INPUT', `a maintenance window may start at most ${RAW_RETENTION_MS / 3_600_000} hours in the past`);
        const shared = new SharedAvailability(operator(cluster));
        const existing = await shared.windows(tenant);
        const clash = existing.find((w) => overlaps({ startsAt: a, endsAt: b }, { startsAt: Date.parse(w.startsAt), endsAt: Date.parse(w.endsAt) }));
        if (clash) throw new AppError('CONFLICT', `overlaps maintenance window ${clash.id} (${clash.startsAt} – ${clash.endsAt}: ${clash.reason})`);
        const w = await shared.addWindow(tenant, new Date(a), new Date(b), reason, role(cluster));
        store.replaceWindows(cluster, tenant, [...existing, w]);
        evaluate(cluster, tenant);
        return w;
      },
      'availability.removeWindow': async ({ cluster, tenant, id }) => {
        known(cluster, tenant);
        const shared = new SharedAvailability(operator(cluster));
        const existing = await shared.windows(tenant);
        if (!existing.some((w) => w.id === id)) throw new AppError('NOT_FOUND', `tenant ${tenant} has no maintenance window ${id}`);
        await shared.removeWindow(tenant, id);
        store.replaceWindows(cluster, tenant, existing.filter((w) => w.id !== id));
        evaluate(cluster, tenant);
        return { removed: true };
      },
      'availability.schedule': async ({ intervalSeconds, concurrency }) => {
        if (intervalSeconds !== undefined) store.putSetting('interval_s', intervalSeconds);
        if (concurrency !== undefined) store.putSetting('concurrency', concurrency);
        if (intervalSeconds !== undefined) scheduler.start();
        return status();
      },
      'health.show': async ({ cluster }) => clusterHealth(cluster, operator(cluster), store.failing(cluster), new Date(now())),
      'capacity.show': async ({ cluster }) => {
        const names = cluster ? [cluster] : deps.sessions.platformClusters().sort();
        if (cluster && !platformClient(cluster)) throw new AppError('FORBIDDEN', `capacity needs platform scope on ${cluster}`);
        const clusters = [];
        for (const c of names) {
          const client = operator(c);
          clusters.push(await clusterCapacity(c, client, () => new TenantRegistry(client).all()));
        }
        let placement = null;
        let placementError: string | null = null;
        try {
          placement = await deps.tenants.placement('keyspace');
        } catch (e) {
          placementError = e instanceof AppError ? `${e.code}: ${e.message}` : String(e);
        }
        return capacityReport(clusters, placement, placementError, new Date(now()));
      },
    },
  };
}
