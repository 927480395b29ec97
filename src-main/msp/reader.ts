import { z } from 'zod';
import type { ChannelName, Result } from '../../src-shared/contract';
import { AppError } from '../app/errors';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import type { ClusterReads, ComplianceLite, Fetched, IsolationLite, KeyLite, RegistryTenant, SagaLite } from './derive';

/**
 * The dashboard's reads for one cluster, bounded whatever the tenant count: one registry read,
 * one read of system_schema.tables, and one channel call per source (sagas, keys, isolation,
 * compliance, approvals, support) through the router — so scope and output checks apply as for
 * the UI. A channel this console does not have, or that fails, makes its source "unavailable";
 * it never fails the dashboard. Sources answered by other features are parsed leniently here
 * (only the fields the dashboard shows), so a richer answer never breaks it.
 */

export interface ReaderPorts {
  registry(cluster: string): Promise<RegistryTenant[]>;
  operator(cluster: string): CqlClient | null;
  dispatch(channel: ChannelName, input: unknown): Promise<Result<unknown>>;
  hasChannel(name: string): boolean;
  now?(): Date;
  /** keys.status reads every tenant's key records: cached this long (default 5 min); refresh re-reads. */
  keysTtlMs?: number;
  /** Compliance profiles read one by one (no cluster-wide list): cached this long (default 10 min). */
  complianceTtlMs?: number;
  /** A source slower than this is reported "pending" (its answer is kept for the next call). */
  deadlineMs?: number;
}

const counts = z.object({ critical: z.number(), warning: z.number(), info: z.number() });
const sagasOut = z.array(z.object({ tenantId: z.string(), state: z.string() }));
const keysOut = z.array(
  z.object({
    tenantId: z.string(),
    rotation: z.object({ due: z.boolean(), overdueDays: z.number(), daysLeft: z.number() }),
    pending: z.object({ kek: z.boolean(), reencrypt: z.array(z.unknown()) }),
  }),
);
const isolationOut = z.object({ lastScan: z.object({ at: z.string() }).nullable(), byTenant: z.record(z.string(), counts) });
/** compliance.list (platform, per cluster), if the compliance feature offers one. */
const complianceOut = z.array(
  z.object({
    tenant: z.string(),
    frameworks: z.array(z.string()).default([]),
    pass: z.number().nullable().optional(),
    fail: z.number().nullable().optional(),
  }),
);
/** approval.list / support.list: any array of records naming their tenant and state. */
/** compliance.get: only the frameworks are read here. */
const profileOut = z.object({ frameworks: z.array(z.string()) });
const pendingOut = z.array(z.object({ tenant: z.string().nullable().optional(), state: z.string().optional(), status: z.string().optional() }));

/** Approvals waiting for a second person; support requests waiting or windows open. */
const APPROVAL_OPEN = new Set(['pending']);
const SUPPORT_OPEN = new Set(['pending', 'approved', 'activating', 'active']);

interface Fill {
  total: number;
  done: number;
  failed: number;
  firstError: string | null;
  map: Map<string, ComplianceLite>;
  at: string | null;
  startedAt: number;
  finishedAt: number | null;
  dirty: boolean;
  promise: Promise<void>;
}

export class ClusterReader {
  private readonly fills = new Map<string, Fill>();
  private readonly keys = new Map<string, { at: number; promise: Promise<Fetched<KeyLite[]>>; settled: Fetched<KeyLite[]> | null }>();

  constructor(private readonly p: ReaderPorts) {}

  private now(): Date {
    return this.p.now?.() ?? new Date();
  }

  private async fromChannel<T>(channel: string, input: unknown, schema: z.ZodType<T>): Promise<Fetched<T>> {
    if (!this.p.hasChannel(channel)) return { status: 'unavailable', message: `${channel} is not available in this console` };
    const r = await this.p.dispatch(channel as ChannelName, input);
    if (!r.ok) return { status: 'unavailable', message: `${channel}: ${r.error.code}: ${r.error.message}` };
    const parsed = schema.safeParse(r.value);
    if (!parsed.success) return { status: 'unavailable', message: `${channel} answered in a shape the dashboard does not read` };
    return { status: 'ok', value: parsed.data, at: this.now().toISOString() };
  }

  private async within<T>(work: Promise<Fetched<T>>): Promise<Fetched<T>> {
    const ms = this.p.deadlineMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<Fetched<T>>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'pending', message: `still reading after ${ms / 1000} s; refresh in a moment` }), ms);
      timer.unref();
    });
    try {
      return await Promise.race([work.catch((e: unknown) => ({ status: 'unavailable' as const, message: e instanceof Error ? e.message : String(e) })), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async registry(cluster: string): Promise<Fetched<RegistryTenant[]>> {
    try {
      return { status: 'ok', value: await this.p.registry(cluster), at: this.now().toISOString() };
    } catch (e) {
      return { status: 'unavailable', message: e instanceof Error ? e.message : String(e) };
    }
  }

  private async tables(cluster: string): Promise<Fetched<Map<string, number>>> {
    const client = this.p.operator(cluster);
    if (!client) return { status: 'unavailable', message: `not signed in to ${cluster}` };
    try {
      const m = new Map<string, number>();
      for await (const r of await client.execute('SELECT keyspace_name FROM system_schema.tables', [], { fetchSize: 5000 })) {
        const ks = String(r['keyspace_name']);
        m.set(ks, (m.get(ks) ?? 0) + 1);
      }
      return { status: 'ok', value: m, at: this.now().toISOString() };
    } catch (e) {
      const err = fromDriverError(e, `reading the schema of ${cluster}`);
      return { status: 'unavailable', message: err instanceof AppError ? err.message : 'schema unreadable' };
    }
  }

  /** Forget a cached source (after compliance.set or a key rotation, from anywhere in this console). */
  invalidate(cluster: string, what: 'keys' | 'compliance'): void {
    if (what === 'keys') this.keys.delete(cluster);
    else {
      const f = this.fills.get(cluster);
      // A fill still running keeps going (it may have read the old profile): it is marked and
      // replaced once it has ended.
      if (f && f.finishedAt !== null) this.fills.delete(cluster);
      else if (f) f.dirty = true;
    }
  }

  private keysOf(cluster: string, refresh: boolean, newest: number): Promise<Fetched<KeyLite[]>> {
    const ttl = this.p.keysTtlMs ?? 5 * 60_000;
    const hit = this.keys.get(cluster);
    // A tenant registered after the cache was filled is not in it: read again.
    const fresh = hit && this.now().getTime() - hit.at < ttl && newest <= hit.at;
    if (hit && fresh && !refresh) return hit.settled ? Promise.resolve(hit.settled) : hit.promise;
    const entry = {
      at: this.now().getTime(),
      settled: null as Fetched<KeyLite[]> | null,
      promise: this.fromChannel('keys.status', { cluster }, keysOut).then((f): Fetched<KeyLite[]> => {
        const mapped: Fetched<KeyLite[]> = f.status === 'ok' ? { ...f, value: f.value.map((k) => ({ tenantId: k.tenantId, due: k.rotation.due, overdueDays: k.rotation.overdueDays, daysLeft: k.rotation.daysLeft, unfinished: k.pending.kek || k.pending.reencrypt.length > 0 })) } : f;
        entry.settled = mapped;
        // A failure is not worth keeping for five minutes: the next call asks again.
        if (mapped.status !== 'ok' && this.keys.get(cluster) === entry) this.keys.delete(cluster);
        return mapped;
      }),
    };
    this.keys.set(cluster, entry);
    return entry.promise;
  }

  private pendingByTenant(f: Fetched<z.infer<typeof pendingOut>>, open: ReadonlySet<string>): Fetched<Map<string, number>> {
    if (f.status !== 'ok') return f;
    const m = new Map<string, number>();
    for (const r of f.value) {
      const state = (r.state ?? r.status ?? '').toLowerCase();
      if (!r.tenant || !open.has(state)) continue;
      m.set(r.tenant, (m.get(r.tenant) ?? 0) + 1);
    }
    return { ...f, value: m };
  }

  /**
   * Compliance frameworks per tenant. With a cluster-wide `compliance.list`, one call. Without it,
   * `compliance.get` per tenant — so it is never done for the list itself: a background fill
   * (four at a time) caches the profiles for `complianceTtlMs`, and until it is complete the
   * source is "pending" with its progress (frameworks only; pass/fail would need a drift scan
   * per tenant).
   */
  private complianceOf(cluster: string, tenants: readonly RegistryTenant[] | null, refresh: boolean, newest: number): Promise<Fetched<Map<string, ComplianceLite>>> {
    if (this.p.hasChannel('compliance.list')) {
      return this.fromChannel('compliance.list', { cluster }, complianceOut).then((f): Fetched<Map<string, ComplianceLite>> => (f.status === 'ok' ? { ...f, value: new Map(f.value.map((c) => [c.tenant, { frameworks: c.frameworks, pass: c.pass ?? null, fail: c.fail ?? null }])) } : f));
    }
    if (!this.p.hasChannel('compliance.get')) return Promise.resolve({ status: 'unavailable', message: 'compliance.get is not available in this console' });
    if (!tenants) return Promise.resolve({ status: 'unavailable', message: 'the registry could not be read' });
    const ttl = this.p.complianceTtlMs ?? 10 * 60_000;
    let fill = this.fills.get(cluster);
    const stale = !fill || (fill.finishedAt !== null && (fill.dirty || this.now().getTime() - fill.finishedAt > ttl || newest > fill.startedAt));
    if (!fill || ((stale || refresh) && fill.finishedAt !== null)) {
      const ids = tenants.filter((t) => t.state !== 'deleted').map((t) => t.id);
      const entry: Fill = { total: ids.length, done: 0, failed: 0, firstError: null, map: new Map(), startedAt: this.now().getTime(), finishedAt: null, dirty: false, at: null, promise: Promise.resolve() };
      entry.promise = this.fill(cluster, ids, entry);
      this.fills.set(cluster, entry);
      fill = entry;
    }
    const f = fill;
    const answer = (): Fetched<Map<string, ComplianceLite>> => {
      if (f.finishedAt === null) return { status: 'pending', message: `reading compliance profiles in the background: ${f.done} of ${f.total}` };
      if (f.total > 0 && f.failed === f.total) return { status: 'unavailable', message: `compliance.get failed for every tenant (${f.firstError ?? 'unknown'})` };
      return { status: 'ok', value: f.map, at: f.at! };
    };
    return f.finishedAt !== null ? Promise.resolve(answer()) : f.promise.then(answer);
  }

  private async fill(cluster: string, ids: string[], entry: Fill): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ids.length) {
        const tenant = ids[next++]!;
        const r = await this.p.dispatch('compliance.get', { cluster, tenant }).catch((e: unknown): Result<unknown> => ({ ok: false, error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } }));
        const parsed = r.ok ? profileOut.safeParse(r.value) : null;
        if (parsed?.success) entry.map.set(tenant, { frameworks: parsed.data.frameworks, pass: null, fail: null });
        else {
          entry.failed++;
          entry.firstError ??= r.ok ? 'compliance.get answered in a shape the dashboard does not read' : `${r.error.code}: ${r.error.message}`;
        }
        entry.done++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, ids.length) }, worker));
    entry.at = this.now().toISOString();
    entry.finishedAt = this.now().getTime();
  }

  async read(cluster: string, opts: { refresh: boolean }): Promise<ClusterReads> {
    const at = this.now().toISOString();
    const registry = await this.registry(cluster);
    let newest = 0;
    if (registry.status === 'ok') for (const t of registry.value) newest = Math.max(newest, Date.parse(t.createdAt) || 0);
    const [tables, sagas, keys, isolation, compliance, approvals, support] = await Promise.all([
      this.within(this.tables(cluster)),
      this.within(this.fromChannel<SagaLite[]>('tenant.jobs', { cluster }, sagasOut)),
      this.within(this.keysOf(cluster, opts.refresh, newest)),
      this.within(this.fromChannel('isolation.status', { cluster }, isolationOut)).then(
        (f): Fetched<IsolationLite> => (f.status === 'ok' ? { ...f, value: { scannedAt: f.value.lastScan?.at ?? null, byTenant: new Map(Object.entries(f.value.byTenant)) } } : f),
      ),
      this.within(this.complianceOf(cluster, registry.status === 'ok' ? registry.value : null, opts.refresh, newest)),
      this.within(this.fromChannel('approval.list', { cluster, state: 'pending' }, pendingOut)).then((f) => this.pendingByTenant(f, APPROVAL_OPEN)),
      this.within(this.fromChannel('support.list', { cluster }, pendingOut)).then((f) => this.pendingByTenant(f, SUPPORT_OPEN)),
    ]);
    return { cluster, at, registry, tables, sagas, keys, isolation, compliance, approvals, support };
  }
}
