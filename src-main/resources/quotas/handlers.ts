import { QUOTA_RESOURCES, type QuotaEvent, type QuotaResource, type QuotaRow, type resourceChannels } from '../../../src-shared/contract/resources';
import { isTenantKeyspace, tenantConsoleKeyspace } from '../../../src-shared/rules/lifecycle';
import { AppError } from '../../app/errors';
import type { ConsoleModule } from '../../app/module';
import type { ModuleDeps } from '../../app/module-deps';
import type { CqlClient } from '../../cassandra/connections';
import type { CheckedCall } from '../../ipc/router';
import { writeFreeze, type FailedGrant, type WriteFreezeEnforcer } from '../../tenancy/write-freeze';
import type { QuotaChecker, UsageReader } from '../types';
import { OpsCounter } from './ops';
import { applyRaise, applySet, CONFIG_FALLBACK, decide, emptyRecord, evaluate, limitsOf, transitions, type QuotaRecord } from './rules';
import { QuotaStore } from './store';

type Channels = 'quota.show' | 'quota.set' | 'quota.raise' | 'quota.enforce';
export type QuotaChannels = Extract<keyof typeof resourceChannels, Channels>;

/** Scheduled storage sweep in desktop/web consoles (never the CLI); CSM_QUOTA_SWEEP_SECONDS overrides. */
const SWEEP_SECONDS = Math.max(10, Number(process.env['CSM_QUOTA_SWEEP_SECONDS'] ?? '') || 300);
const GB = 1e9;

/** Channels whose use a gate check maps to a resource (1 more each). */
const ADDS: Partial<Record<string, QuotaResource>> = { 'user.create': 'users', 'cert.issue': 'certificates', 'cert.signCsr': 'certificates' };
/** The remedy must stay reachable: quota calls never count against, nor are refused by, a tenant's quotas. */
const EXEMPT = new Set(['quota.set', 'quota.raise', 'quota.enforce']);

/** Grants a freeze or thaw could not change (the others were): named in the event so an operator can act. */
function failedText(failed: FailedGrant[]): string {
  if (failed.length === 0) return '';
  const shown = failed.slice(0, 5).map((f) => `${f.permission} of ${f.role} on ${f.resource} (${f.error.slice(0, 120)})`);
  return `; NOT done for ${failed.length} grant(s): ${shown.join(', ')}${failed.length > 5 ? ` and ${failed.length - 5} more` : ''}`;
}

/** What a hard limit of each resource does (see QuotaRow.enforcement). */
export const ENFORCEMENT: Record<QuotaResource, NonNullable<QuotaRow['enforcement']>> = {
  users: 'refuse',
  certificates: 'refuse',
  'ops-per-hour': 'refuse',
  'storage-gb': 'revoke-writes',
  keyspaces: 'monitor',
  tables: 'monitor',
};

const DEFAULT_INTERVAL_MS = 15 * 60 * 1000;

/** A sample the sweep must not decide on: missing, or older than twice the metering interval. */
export function isStale(at: string | null, nowMs: number, intervalMs: number): boolean {
  if (at === null) return true;
  const t = Date.parse(at);
  return !Number.isFinite(t) || nowMs - t > 2 * intervalMs;
}

/** The state a row shows for a count resource: a monitor-only one over its hard limit is 'grace' (over, nothing done), never 'enforced'. */
export function shownState(resource: QuotaResource, state: QuotaRow['state']): QuotaRow['state'] {
  return ENFORCEMENT[resource] === 'monitor' && state === 'enforced' ? 'grace' : state;
}

export interface QuotaPartOptions {
  now?: () => Date;
  freeze?: WriteFreezeEnforcer;
}

/**
 * Quotas with soft/hard limits, grace, temporary raises and storage enforcement (issue 10 item 2).
 *
 * - The router's gate (before approvals) checks every tenant-naming mutating call: user creation
 *   against `users`, certificate issuance against `certificates`, and every such call against
 *   `ops-per-hour` (counted in this console's cache, a sliding hour). Over a hard limit →
 *   QUOTA_EXCEEDED with the figure; over a soft one → the call proceeds, a 'soft-exceeded' event
 *   is recorded and 'quota.changed' goes out on the bus. Platform operators are held to it too:
 *   the way past a hard limit is quota.raise (or quota.set).
 * - Limits: a quota row (csm_system.quotas) wins; without one, the tenant config's quotas.max* is
 *   the hard limit (the behaviour before quotas existed).
 * - Storage: the sweep (quota.enforce, on a schedule in desktop/web consoles, through the router so
 *   it is audited) reads the latest usage sample; over the hard limit in force → grace → after the
 *   grace, WriteFreeze 'storage-quota' revokes MODIFY for real; back under (usage fell, or a raise
 *   is in force) → thaw, exactly the grants taken. Raises expire by themselves: the sweep records
 *   'raise-expired', clears the raise and evaluates again.
 */
export function quotaPart(deps: ModuleDeps, usage: UsageReader, opts: QuotaPartOptions = {}): ConsoleModule<QuotaChannels> & { checker: QuotaChecker; gate(call: CheckedCall): Promise<void>; freeze: WriteFreezeEnforcer } {
  const now = opts.now ?? (() => new Date());
  const store = new QuotaStore();
  const freeze = opts.freeze ?? writeFreeze();
  const ops = new OpsCounter(deps.store.db, () => now().getTime());
  /** Tenant copies this process made sure of, per cluster and tenant; forgotten when a write to one fails. */
  const mirrored = new Set<string>();
  const mirrorKey = (cluster: string, tenant: string): string => `${cluster}\u0000${tenant}`;

  const client = (cluster: string): CqlClient => {
    const c = deps.connections.operator(cluster);
    if (!c) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return c;
  };
  const isPlatform = (cluster: string): boolean => deps.sessions.scopeOf(cluster)?.platform === true;
  const platformClient = (cluster: string): CqlClient => {
    const c = client(cluster);
    if (!isPlatform(cluster)) throw new AppError('FORBIDDEN', `quotas of cluster ${cluster} are changed by a platform console`);
    return c;
  };
  const operatorOf = (cluster: string): string | null => deps.sessions.scopeOf(cluster)?.role ?? null;

  async function call<T>(channel: Parameters<ModuleDeps['dispatch']>[0], input: unknown): Promise<T> {
    const r = await deps.dispatch(channel, input);
    if (!r.ok) throw new AppError(r.error.code, r.error.message);
    return r.value as T;
  }

  /** The tenant config's quotas.max* for count resources (null: unlimited there, or not one of them). */
  async function configMax(cluster: string, tenant: string, resource: QuotaResource): Promise<number | null> {
    const field = CONFIG_FALLBACK[resource];
    if (!field) return null;
    const view = await call<{ effective: { quotas: Record<string, number | null> } }>('config.show', { cluster, tenant });
    return view.effective.quotas[field] ?? null;
  }

  async function registryKeyspaces(cluster: string, tenant: string): Promise<string[]> {
    const c = client(cluster);
    if (isPlatform(cluster)) {
      const row = await deps.tenants.registry(cluster).get(tenant);
      if (!row) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on cluster ${cluster}`);
      return row.keyspaces.filter((k) => k !== tenantConsoleKeyspace(tenant));
    }
    const rows = (await c.execute('SELECT keyspace_name FROM system_schema.keyspaces')).rows.map((r) => String(r['keyspace_name']));
    return rows.filter((k) => isTenantKeyspace(tenant, k) && k !== tenantConsoleKeyspace(tenant));
  }

  /**
   * Stored storage figure (GB). `fresh` (the sweep, which may revoke or restore writes): a sample
   * older than twice the metering interval, or none, is replaced by one taken now — a decision is
   * never made on a stale figure (no figure at all when sampling fails).
   */
  async function storageUsed(cluster: string, tenant: string, fresh = false): Promise<number | null> {
    let sample;
    try {
      sample = isPlatform(cluster) ? await usage.latest(cluster, tenant) : (await call<{ latest: Awaited<ReturnType<UsageReader['latest']>> }>('usage.show', { cluster, tenant })).latest;
      if (fresh && isPlatform(cluster) && isStale(sample?.at ?? null, now().getTime(), usage.intervalMs?.() ?? DEFAULT_INTERVAL_MS)) {
        try {
          sample = await usage.collect(cluster, tenant, 'schedule');
        } catch (e) {
          // Another console stored a sample meanwhile: that one is fresh.
          if (!(e instanceof AppError && e.code === 'CONFLICT')) throw e;
          sample = await usage.latest(cluster, tenant);
        }
      }
    } catch (e) {
      deps.logger.warn('quota: no usage figure', { cluster, tenant, error: e instanceof Error ? e.message : String(e) });
      return null;
    }
    const bytes = sample?.figures.find((f) => f.metric === 'storage_bytes')?.value ?? null;
    return bytes === null ? null : bytes / GB;
  }

  /** What the tenant uses now of a resource, counted the way its service counts it. */
  async function used(cluster: string, tenant: string, resource: QuotaResource): Promise<number | null> {
    switch (resource) {
      case 'users':
        return (await call<unknown[]>('user.list', { cluster, tenant })).length;
      case 'certificates':
        return (await call<{ status: string; renewedBy: string | null }[]>('cert.list', { cluster, tenant, status: 'active' })).filter((c) => c.renewedBy === null).length;
      case 'keyspaces':
        return (await registryKeyspaces(cluster, tenant)).length;
      case 'tables': {
        const ks = new Set(await registryKeyspaces(cluster, tenant));
        const rows = (await client(cluster).execute('SELECT keyspace_name FROM system_schema.tables')).rows;
        return rows.filter((r) => ks.has(String(r['keyspace_name']))).length;
      }
      case 'storage-gb':
        return storageUsed(cluster, tenant);
      case 'ops-per-hour':
        return ops.count(cluster, tenant);
    }
  }

  async function mirrorTo(cluster: string, c: CqlClient, tenant: string, fn: () => Promise<void>): Promise<void> {
    const k = mirrorKey(cluster, tenant);
    try {
      if (!mirrored.has(k)) {
        await store.ensureMirror(c, tenant);
        mirrored.add(k);
      }
      await fn();
    } catch (e) {
      mirrored.delete(k);
      // The platform record is written; the tenant's copy catches up on the next write.
      deps.logger.warn('quota copy not written', { tenant, error: e instanceof Error ? e.message : String(e) });
    }
  }

  /** A quota event: recorded (platform record and the tenant's copy; a tenant console can only alert) and alerted on the bus. */
  async function recordEvent(cluster: string, tenant: string, e: Omit<QuotaEvent, 'at'>, state: QuotaRecord['state'], by: string | null): Promise<void> {
    const ev: QuotaEvent = { ...e, at: now().toISOString() };
    if (isPlatform(cluster)) {
      const c = client(cluster);
      await store.addEvent(c, tenant, ev, by);
      await mirrorTo(cluster, c, tenant, () => store.mirrorEvent(c, tenant, ev));
    } else {
      deps.logger.warn('quota event on a tenant console (the platform records it when it sweeps)', { cluster, tenant, kind: ev.kind, detail: ev.detail });
    }
    deps.bus.emit('quota.changed', { cluster, tenant, resource: e.resource, state });
  }

  async function saveRecord(cluster: string, c: CqlClient, tenant: string, r: QuotaRecord): Promise<void> {
    await store.save(c, tenant, r);
    await mirrorTo(cluster, c, tenant, () => store.mirrorRecord(c, tenant, r));
  }

  const checker: QuotaChecker = {
    async check(cluster, tenant, resource, adding) {
      const c = client(cluster);
      const limits = await (async () => {
        const platform = isPlatform(cluster);
        const rec = platform ? await store.record(c, tenant, resource) : ((await store.mirroredRecords(c, tenant)).find((r) => r.resource === resource) ?? null);
        return limitsOf(rec, await configMax(cluster, tenant, resource), now());
      })();
      if (limits.hard === null && limits.soft === null) return null;
      const u = await used(cluster, tenant, resource);
      if (u === null) return null; // no figure (e.g. storage not sampled yet): nothing to hold against the call
      let warning: string | null;
      try {
        warning = decide(tenant, resource, u, adding, limits);
      } catch (e) {
        if (e instanceof AppError) await recordEvent(cluster, tenant, { resource, kind: 'refused', detail: e.message }, 'enforced', operatorOf(cluster)).catch(() => undefined);
        throw e;
      }
      if (warning) await recordEvent(cluster, tenant, { resource, kind: 'soft-exceeded', detail: warning }, 'soft', operatorOf(cluster));
      return warning;
    },
  };

  async function gate(cc: CheckedCall): Promise<void> {
    if (cc.tenant === null || cc.cluster === null || EXEMPT.has(cc.channel)) return;
    const { cluster, tenant } = cc;
    const input = cc.input as { serial?: string };
    let resource = ADDS[cc.channel] ?? null;
    if (cc.channel === 'cert.renew' && input.serial) {
      // Renewing a live certificate swaps one active for another; renewing an expired one adds one.
      const shown = await deps.dispatch('cert.show', { cluster, tenant, serial: input.serial });
      if (shown.ok && (shown.value as { certificate: { status: string } }).certificate.status === 'expired') resource = 'certificates';
    }
    if (resource) await checker.check(cluster, tenant, resource, 1);
    // Carrying out an approved request is the same operation the filing already counted.
    if (cc.approval === null) {
      // ops-per-hour limits what a tenant's own console does: the platform's calls (suspending a
      // tenant, revoking a certificate, locking a user, rotating keys, fixing isolation...) are
      // counted but never refused by it.
      if (!isPlatform(cluster)) await checker.check(cluster, tenant, 'ops-per-hour', 1);
      ops.record(cluster, tenant, cc.channel);
    }
  }

  // ─────────────────────────── views ───────────────────────────

  async function rowOf(cluster: string, tenant: string, rec: QuotaRecord | null, resource: QuotaResource, withUsage: boolean): Promise<QuotaRow> {
    const cfg = await configMax(cluster, tenant, resource).catch(() => null);
    const l = limitsOf(rec, cfg, now());
    let u: number | null = null;
    if (withUsage) u = await used(cluster, tenant, resource).catch(() => null);
    const graceHours = rec?.graceHours ?? null;
    let state = rec?.state ?? 'ok';
    let overSince = rec?.overSince ?? null;
    let graceEndsAt: string | null = null;
    if (resource === 'storage-gb') {
      // The sweep's state is the one in force (it alone freezes and thaws).
      graceEndsAt = evaluate({ state, overSince }, null, l, graceHours, now()).graceEndsAt;
    } else {
      const ev = evaluate({ state: 'ok', overSince: null }, u, l, 0, now());
      // Monitor-only resources are never 'enforced': nothing stops a tenant's CQL from creating more.
      state = shownState(resource, ev.state);
      overSince = null;
    }
    return {
      resource,
      soft: l.soft,
      hard: l.baseHard,
      graceHours,
      raisedHard: l.raiseActive ? (rec?.raisedHard ?? null) : null,
      raisedUntil: l.raiseActive ? (rec?.raisedUntil ?? null) : null,
      effectiveHard: l.hard,
      used: u,
      usedPrecision: u === null ? 'unavailable' : resource === 'storage-gb' ? 'estimate' : 'exact',
      state,
      overSince,
      graceEndsAt,
      enforcement: ENFORCEMENT[resource],
    };
  }

  async function sweepTenant(cluster: string, c: CqlClient, tenant: string, by: string | null): Promise<{ enforced: boolean; restored: boolean }> {
    const t = now();
    let storage: QuotaRecord | null = null;
    for (let rec of await store.records(c, tenant)) {
      const l = limitsOf(rec, null, t);
      if (l.raiseExpired) {
        await recordEvent(cluster, tenant, { resource: rec.resource, kind: 'raise-expired', detail: `the raise of ${rec.resource} to ${rec.raisedHard} ended at ${rec.raisedUntil}; the hard limit is ${rec.hard ?? 'the tenant config'} again` }, rec.state, by);
        rec = { ...rec, raisedHard: null, raisedUntil: null, raiseReason: null, raisedBy: null, updatedAt: t.toISOString(), updatedBy: by };
        await saveRecord(cluster, c, tenant, rec);
      }
      if (rec.resource === 'storage-gb') storage = rec;
    }
    const frozen = await freeze.state(c, tenant);
    const heldByUs = frozen.reasons.includes('storage-quota');
    if (!storage) {
      // The storage quota was removed while it held the tenant frozen: lift our reason.
      if (heldByUs) {
        await freeze.thaw(c, tenant, 'storage-quota', by);
        return { enforced: false, restored: true };
      }
      return { enforced: false, restored: false };
    }
    const l = limitsOf(storage, null, t);
    const u = await storageUsed(cluster, tenant, true);
    const ev = evaluate({ state: storage.state, overSince: storage.overSince }, u, l, storage.graceHours, t);
    const figure = u === null ? 'usage unknown' : `${u.toFixed(6)} GB stored; hard limit ${l.hard ?? 'none'}${l.raiseActive ? ' (temporary raise)' : ''}`;
    let enforced = false;
    let restored = false;
    if (ev.state === 'enforced') {
      if (!heldByUs) {
        const st = await freeze.freeze(c, tenant, 'storage-quota', by);
        enforced = true;
        await recordEvent(cluster, tenant, { resource: 'storage-gb', kind: 'enforced', detail: `${figure}; grace over since ${ev.graceEndsAt}: MODIFY and CREATE revoked (${st.revoked.length} grants recorded${st.reasons.length > 1 ? `; frozen also for ${st.reasons.filter((r) => r !== 'storage-quota').join(', ')}` : ''})${failedText(st.failed ?? [])}` }, 'enforced', by);
      } else {
        const again = await freeze.reapply(c, tenant, by);
        if (again.revoked.length) {
          enforced = true;
          await recordEvent(cluster, tenant, { resource: 'storage-gb', kind: 'enforced', detail: `granted again (or created) during the freeze, revoked again: ${again.revoked.map((g) => `${g.permission} of ${g.role} on ${g.resource}`).join(', ')}${failedText(again.failed)}` }, 'enforced', by);
        }
      }
    } else if (heldByUs && u !== null) {
      const st = await freeze.thaw(c, tenant, 'storage-quota', by);
      restored = true;
      await recordEvent(cluster, tenant, { resource: 'storage-gb', kind: 'restored', detail: `${figure}: ${st.reasons.length ? `storage no longer holds the freeze; still frozen for ${st.reasons.join(', ')}` : 'the revoked grants were restored exactly'}${failedText(st.failed ?? [])}` }, ev.state, by);
    }
    for (const kind of transitions(storage.state, ev.state)) {
      if (kind === 'enforced' || kind === 'restored') continue; // recorded above with what was done
      await recordEvent(cluster, tenant, { resource: 'storage-gb', kind, detail: kind === 'grace-started' ? `${figure}; grace ends ${ev.graceEndsAt}` : figure }, ev.state, by);
    }
    if (ev.state !== storage.state || ev.overSince !== storage.overSince) await saveRecord(cluster, c, tenant, { ...storage, state: ev.state, overSince: ev.overSince });
    return { enforced, restored };
  }

  async function sweep(cluster: string, tenant: string | undefined): Promise<{ checked: number; enforced: string[]; restored: string[] }> {
    const c = platformClient(cluster);
    const by = operatorOf(cluster);
    let tenants: string[];
    if (tenant) {
      if (!(await deps.tenants.registry(cluster).get(tenant))) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on cluster ${cluster}`);
      tenants = [tenant];
    } else {
      const all = new Set<string>();
      for (const r of QUOTA_RESOURCES) for (const t of await store.tenantsWith(c, r)) all.add(t);
      tenants = [...all].sort();
    }
    const out = { checked: 0, enforced: [] as string[], restored: [] as string[] };
    for (const t of tenants) {
      try {
        const r = await sweepTenant(cluster, c, t, by);
        out.checked++;
        if (r.enforced) out.enforced.push(t);
        if (r.restored) out.restored.push(t);
      } catch (e) {
        if (tenant) throw e;
        deps.logger.error('quota sweep failed for a tenant', { cluster, tenant: t, error: e instanceof Error ? e : String(e) });
      }
    }
    return out;
  }

  let timer: NodeJS.Timeout | null = null;
  const scheduled = new Set<string>();
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      for (const cluster of [...scheduled]) {
        if (!isPlatform(cluster)) continue;
        // Through the router: the scheduled sweep is audited like one an operator runs.
        const r = await deps.dispatch('quota.enforce', { cluster });
        if (!r.ok) deps.logger.warn('scheduled quota sweep failed', { cluster, code: r.error.code, message: r.error.message });
      }
    } finally {
      running = false;
    }
  };

  return {
    checker,
    gate,
    freeze,
    onSignIn: async (cluster, platform) => {
      if (deps.host === 'cli' || !platform) return;
      scheduled.add(cluster);
      if (!timer) {
        timer = setInterval(() => void tick().catch((e: unknown) => deps.logger.error('quota sweep tick failed', { error: e instanceof Error ? e : String(e) })), SWEEP_SECONDS * 1000);
        timer.unref();
      }
    },
    close: () => {
      if (timer) clearInterval(timer);
      timer = null;
    },
    handlers: {
      'quota.show': async ({ cluster, tenant }) => {
        const c = client(cluster);
        const platform = isPlatform(cluster);
        const recs = await store.recordsFor(c, tenant, platform);
        const rows: QuotaRow[] = [];
        for (const r of QUOTA_RESOURCES) rows.push(await rowOf(cluster, tenant, recs.find((x) => x.resource === r) ?? null, r, true));
        const events = platform ? await store.events(c, tenant, 50) : await store.mirroredEvents(c, tenant, 50);
        const writesRevoked = platform ? (await freeze.state(c, tenant)).reasons.includes('storage-quota') : rows.find((r) => r.resource === 'storage-gb')?.state === 'enforced';
        return { cluster, tenant, rows, writesRevoked, events };
      },
      'quota.set': async ({ cluster, tenant, resource, soft, hard, graceHours }) => {
        const c = platformClient(cluster);
        if (!(await deps.tenants.registry(cluster).get(tenant))) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on cluster ${cluster}`);
        const cur = (await store.record(c, tenant, resource)) ?? emptyRecord(resource);
        const next = applySet(cur, { soft, hard, graceHours }, operatorOf(cluster), now());
        await saveRecord(cluster, c, tenant, next);
        return rowOf(cluster, tenant, next, resource, true);
      },
      'quota.raise': async ({ cluster, tenant, resource, hard, until, reason }) => {
        const c = platformClient(cluster);
        if (!(await deps.tenants.registry(cluster).get(tenant))) throw new AppError('NOT_FOUND', `tenant ${tenant} is not registered on cluster ${cluster}`);
        const cur = (await store.record(c, tenant, resource)) ?? emptyRecord(resource);
        const by = operatorOf(cluster);
        const next = applyRaise(cur, await configMax(cluster, tenant, resource), { hard, until, reason: reason ?? null }, by, now());
        await saveRecord(cluster, c, tenant, next);
        await recordEvent(cluster, tenant, { resource, kind: 'raised', detail: `hard limit raised to ${hard} until ${next.raisedUntil}${reason ? `: ${reason}` : ''}` }, next.state, by);
        return rowOf(cluster, tenant, next, resource, true);
      },
      'quota.enforce': async ({ cluster, tenant }) => sweep(cluster, tenant),
    },
  };
}
