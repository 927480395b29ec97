import { randomUUID } from 'node:crypto';
import {
  DEFAULT_SCAN_MINUTES,
  type IsolationAlert,
  type IsolationReport,
  type MonitorStatus,
  type ScanSchedule,
  type ScanTrigger,
} from '../../src-shared/contract/isolation';
import type { SecurityAlert } from '../../src-shared/contract/tenants';
import { AppError, toWireError } from '../app/errors';
import type { Logger } from '../app/log';
import type { AuditEntry, HostKind } from '../ipc/router';
import { diffBaseline, summarize } from './diff';
import type { MonitorRow, MonitorStore, StoredAlert } from './monitor-store';

export interface MonitorDeps {
  host: HostKind;
  /** A full, unfiltered scan (throws NOT_SIGNED_IN, UNAVAILABLE … like the channel). */
  scan(cluster: string): Promise<IsolationReport>;
  /** The shared state of a signed-in cluster; throws NOT_SIGNED_IN when there is no session. */
  storeFor(cluster: string): MonitorStore;
  platformClusters(): string[];
  operatorOf(cluster: string): string | null;
  emitAlert(a: IsolationAlert): void;
  emitSecurity(a: SecurityAlert): void;
  audit(e: AuditEntry): void;
  logger: Logger;
  /** Settles when a job this process started ends (a saga: its grants arrive then), or null. */
  jobDone?(jobId: string): Promise<unknown> | null;
  /** Tests: this many ms between scheduled scans instead of the schedule's minutes (off stays off). */
  intervalMs?: number;
  /** Quiet time after the last grant change before the re-scan (a burst → one scan). */
  debounceMs?: number;
  /** A burst that never goes quiet is still scanned this often. */
  maxDebounceMs?: number;
  now?(): Date;
}

interface ClusterState {
  inFlight: Promise<void> | null;
  /** A grant change arrived while a scan ran (that scan may have read before it): scan once more after. */
  again: ScanTrigger | null;
  debounce: NodeJS.Timeout | null;
  firstChangeAt: number | null;
  lastAttemptAt: number | null;
  lastError: MonitorStatus['lastError'];
  /** The shared schedule as last read: undefined = never set (default), null = off. */
  every: number | null | undefined;
}

/** Individual security.alert events per scan; more are summarized in one (the alerts list has them all). */
const SECURITY_EVENTS_PER_SCAN = 10;
const PARALLEL_WRITES = 16;

/**
 * Continuous isolation checks (issue 6, item 2): one per console. Re-scans every cluster this
 * console has platform scope on — on the shared schedule (one unref'd timer for all clusters,
 * never in the one-shot CLI), after grant-changing calls (debounced, coalesced per cluster), at
 * sign-in and when an operator scans by hand — and diffs each scan against the baseline in
 * csm_system. A finding of warning or worse that the baseline does not hold raises one alert
 * for the whole cluster, whichever console sees it first; a finding that is gone resolves it.
 */
export class IsolationMonitor {
  private readonly clusters = new Map<string, ClusterState>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly deps: MonitorDeps) {}

  private get debounceMs(): number {
    return this.deps.debounceMs ?? 1500;
  }
  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
  private state(cluster: string): ClusterState {
    let s = this.clusters.get(cluster);
    if (!s) this.clusters.set(cluster, (s = { inFlight: null, again: null, debounce: null, firstChangeAt: null, lastAttemptAt: null, lastError: null, every: undefined }));
    return s;
  }

  /** ms between scheduled scans of a cluster, or null when off. */
  private interval(st: ClusterState): number | null {
    if (st.every === null) return null;
    return this.deps.intervalMs ?? (st.every ?? DEFAULT_SCAN_MINUTES) * 60_000;
  }

  private schedules(): boolean {
    return this.deps.host !== 'cli' && !this.closed;
  }

  private nextAt(cluster: string): number | null {
    if (!this.schedules() || !this.deps.platformClusters().includes(cluster)) return null;
    const st = this.state(cluster);
    const every = this.interval(st);
    if (every === null) return null;
    return (st.lastAttemptAt ?? Date.now()) + every;
  }

  /** (Re)arm the one timer for the earliest due cluster. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.schedules()) return;
    let next: number | null = null;
    for (const c of this.deps.platformClusters()) {
      const st = this.state(c);
      if (st.lastAttemptAt === null) st.lastAttemptAt = Date.now(); // first seen now: due one interval later
      const at = this.nextAt(c);
      if (at !== null && (next === null || at < next)) next = at;
    }
    if (next === null) return;
    this.timer = setTimeout(() => this.tick(), Math.min(2 ** 31 - 1, Math.max(0, next - Date.now())));
    this.timer.unref();
  }

  private tick(): void {
    this.timer = null;
    const now = Date.now();
    for (const c of this.deps.platformClusters()) {
      const at = this.nextAt(c);
      if (at !== null && at <= now && !this.state(c).inFlight) void this.request(c, 'schedule');
    }
    this.arm();
  }

  /**
   * Scan now, or — when a scan of the cluster is running — once more right after it if the
   * reason is a change that scan may have missed. Settles when the scan it asked for is done;
   * never rejects (failures land in the status).
   */
  request(cluster: string, trigger: ScanTrigger): Promise<void> {
    const st = this.state(cluster);
    if (st.inFlight) {
      if (trigger === 'grant-change' || trigger === 'manual') st.again = trigger;
      return st.inFlight.then(() => this.state(cluster).inFlight ?? undefined);
    }
    st.lastAttemptAt = Date.now();
    const run = this.scanOnce(cluster, trigger).finally(() => {
      st.inFlight = null;
      const again = st.again;
      st.again = null;
      // Even while closing: a grant change that came during the scan still gets its re-scan.
      if (again) void this.request(cluster, again);
      else this.arm();
    });
    st.inFlight = run;
    return run;
  }

  /** A grant-changing call succeeded: one re-scan once the burst is quiet. */
  grantChanged(cluster: string): void {
    if (this.closed) return;
    const st = this.state(cluster);
    const now = Date.now();
    st.firstChangeAt ??= now;
    if (st.debounce) clearTimeout(st.debounce);
    const wait = Math.max(0, Math.min(this.debounceMs, st.firstChangeAt + (this.deps.maxDebounceMs ?? 30_000) - now));
    st.debounce = setTimeout(() => this.flush(cluster), wait);
    st.debounce.unref();
  }

  private flush(cluster: string): Promise<void> {
    const st = this.state(cluster);
    if (st.debounce) clearTimeout(st.debounce);
    st.debounce = null;
    st.firstChangeAt = null;
    return this.request(cluster, 'grant-change');
  }

  /** Router hook: after every successful call whose channel may change grants. */
  afterGrantChange(cluster: string | null, output: unknown): void {
    if (this.closed) return;
    const o = (output ?? {}) as { jobId?: unknown; cluster?: unknown; tenant?: { cluster?: unknown } };
    const named = cluster ?? (typeof o.cluster === 'string' ? o.cluster : typeof o.tenant?.cluster === 'string' ? o.tenant.cluster : null);
    const platform = this.deps.platformClusters();
    const targets = named !== null ? (platform.includes(named) ? [named] : []) : platform;
    // A saga (tenant create, clone, delete, resume) answers when it STARTS: its grants arrive when it ends.
    const done = typeof o.jobId === 'string' ? (this.deps.jobDone?.(o.jobId) ?? null) : null;
    for (const c of targets) {
      if (!done) {
        this.grantChanged(c);
        continue;
      }
      const after = (): void => this.grantChanged(c);
      done.then(after, after);
    }
  }

  onSignIn(cluster: string, platform: boolean): void {
    // The CLI signs in on every command: a scan per command would double each one's cost.
    if (!platform || this.deps.host === 'cli' || this.closed) return;
    void this.request(cluster, 'sign-in');
  }

  /** An operator's own scan (isolation.scan / export): it moves the baseline like any other. */
  async observe(cluster: string, report: IsolationReport, trigger: ScanTrigger): Promise<void> {
    const st = this.state(cluster);
    st.lastAttemptAt = Date.now();
    try {
      const store = this.deps.storeFor(cluster);
      st.every = (await store.read()).everyMinutes;
      await this.apply(cluster, store, report, trigger);
      st.lastError = null;
    } catch (e) {
      this.failed(cluster, trigger, e);
    } finally {
      this.arm();
    }
  }

  private async scanOnce(cluster: string, trigger: ScanTrigger): Promise<void> {
    const st = this.state(cluster);
    try {
      const store = this.deps.storeFor(cluster);
      st.every = (await store.read()).everyMinutes;
      const report = await this.deps.scan(cluster);
      await this.apply(cluster, store, report, trigger);
      st.lastError = null;
    } catch (e) {
      this.failed(cluster, trigger, e);
    }
  }

  private failed(cluster: string, trigger: ScanTrigger, e: unknown): void {
    const wire = toWireError(e, () => randomUUID().slice(0, 8));
    this.state(cluster).lastError = { at: this.now().toISOString(), code: wire.code, message: wire.message, trigger };
    this.deps.logger.warn('isolation monitor scan failed', { cluster, trigger, code: wire.code, message: wire.message, ...(wire.code === 'INTERNAL' && e instanceof Error ? { error: e } : {}) });
  }

  private wire(cluster: string, a: StoredAlert): IsolationAlert {
    const { raisedOn: _on, ...rest } = a;
    return { ...rest, cluster };
  }

  /** Diff against the shared baseline, raise and resolve alerts, record the scan. */
  private async apply(cluster: string, store: MonitorStore, report: IsolationReport, trigger: ScanTrigger): Promise<void> {
    const at = this.now();
    const baseline = await store.baseline();
    const d = diffBaseline(baseline, report.findings);
    const raised: StoredAlert[] = [];
    const resolved: StoredAlert[] = [];
    await inBatches(d.fresh, async (f) => {
      const a: StoredAlert = { id: randomUUID(), findingId: f.id, kind: f.kind, severity: f.severity, title: f.title, tenants: [...f.tenants], trigger, raisedOn: cluster, raisedAt: at.toISOString(), raisedBy: report.scannedBy, acknowledgedBy: null, acknowledgedAt: null, resolvedAt: null };
      // Alert first, claim second: a crash in between leaves a duplicate alert, never a lost one.
      await store.insertAlert(a);
      if (await store.claim({ findingId: f.id, kind: f.kind, severity: f.severity, title: f.title, tenants: [...f.tenants], firstSeen: a.raisedAt, alertId: a.id })) raised.push(a);
      else {
        await store.close(a.id); // another console saw it first and raised it
      }
    });
    await inBatches(d.resolved, async (b) => {
      if (!(await store.release(b.findingId)) || !b.alertId) return;
      await store.resolve(b.alertId, at);
      const a = await store.alert(b.alertId);
      if (!a) return;
      if (a.acknowledgedAt) await store.close(a.id);
      resolved.push({ ...a, resolvedAt: a.resolvedAt ?? at.toISOString() });
    });
    await store.writeScan(at, report.scannedBy, trigger, summarize(report.findings));
    this.publish(cluster, raised, resolved, trigger);
  }

  private publish(cluster: string, raised: StoredAlert[], resolved: StoredAlert[], trigger: ScanTrigger): void {
    for (const a of raised) {
      this.deps.audit({
        at: a.raisedAt,
        host: this.deps.host,
        channel: 'isolation.monitor',
        operator: null,
        tenant: a.tenants[0] ?? null,
        input: { event: 'alert', cluster, alertId: a.id, findingId: a.findingId, kind: a.kind, severity: a.severity, tenants: a.tenants, title: a.title, trigger },
        outcome: 'ok',
        errorCode: null,
      });
      this.deps.emitAlert(this.wire(cluster, a));
    }
    raised.slice(0, SECURITY_EVENTS_PER_SCAN).forEach((a) =>
      this.deps.emitSecurity({ at: a.raisedAt, channel: 'isolation.monitor', operator: a.raisedBy, cluster, tenant: a.tenants[0] ?? null, message: `isolation alert [${a.severity}] ${a.title} (finding ${a.findingId})` }),
    );
    if (raised.length > SECURITY_EVENTS_PER_SCAN) {
      this.deps.emitSecurity({ at: raised[0]!.raisedAt, channel: 'isolation.monitor', operator: raised[0]!.raisedBy, cluster, tenant: null, message: `isolation alerts: ${raised.length - SECURITY_EVENTS_PER_SCAN} more new violations on ${cluster} (csm isolation status)` });
    }
    for (const a of resolved) {
      this.deps.audit({ at: a.resolvedAt!, host: this.deps.host, channel: 'isolation.monitor', operator: null, tenant: a.tenants[0] ?? null, input: { event: 'resolved', cluster, alertId: a.id, findingId: a.findingId, trigger }, outcome: 'ok', errorCode: null });
      this.deps.emitAlert(this.wire(cluster, a));
    }
    if (raised.length || resolved.length) this.deps.logger.info('isolation monitor', { cluster, trigger, raised: raised.length, resolved: resolved.length });
  }

  private schedule(row: { everyMinutes: number | null | undefined; scheduleBy: string | null; scheduleAt: string | null }): ScanSchedule {
    return { everyMinutes: row.everyMinutes === undefined ? DEFAULT_SCAN_MINUTES : row.everyMinutes, isDefault: row.everyMinutes === undefined, updatedBy: row.scheduleBy, updatedAt: row.scheduleAt };
  }

  async status(cluster: string): Promise<MonitorStatus> {
    const st = this.state(cluster);
    let row: MonitorRow;
    let open: StoredAlert[];
    try {
      const store = this.deps.storeFor(cluster);
      [row, open] = await Promise.all([store.read(), store.openAlerts()]);
      // Acknowledged and resolved by two consoles at once: both kept it indexed; drop it now.
      await Promise.all(open.filter((a) => a.acknowledgedAt && a.resolvedAt).map((a) => store.close(a.id)));
    } catch (e) {
      // The node is down or the session gone: say what this console knows, and that the rest is unknown.
      const wire = toWireError(e, () => randomUUID().slice(0, 8));
      const next = this.nextAt(cluster);
      return {
        cluster,
        schedule: this.schedule({ everyMinutes: st.every, scheduleBy: null, scheduleAt: null }),
        lastScan: null,
        lastError: st.lastError ?? { at: this.now().toISOString(), code: wire.code, message: wire.message, trigger: 'manual' },
        nextScanAt: next === null ? null : new Date(next).toISOString(),
        scanning: st.inFlight !== null,
        stale: true,
        openAlerts: [],
        unacknowledged: 0,
        byTenant: {},
      };
    }
    if (st.every !== row.everyMinutes) {
      st.every = row.everyMinutes; // another console changed the shared schedule
      this.arm();
    }
    const alerts = open
      .filter((a) => !(a.acknowledgedAt && a.resolvedAt))
      .sort((a, b) => (a.raisedAt < b.raisedAt ? 1 : a.raisedAt > b.raisedAt ? -1 : a.id.localeCompare(b.id)))
      .map((a) => this.wire(cluster, a));
    const next = this.nextAt(cluster);
    const s = row.summary;
    return {
      cluster,
      schedule: this.schedule(row),
      lastScan: row.scanAt && row.scanTrigger && s ? { at: row.scanAt, by: row.scanBy, trigger: row.scanTrigger, counts: s.counts, global: s.global } : null,
      lastError: st.lastError,
      nextScanAt: next === null ? null : new Date(next).toISOString(),
      scanning: st.inFlight !== null,
      stale: false,
      openAlerts: alerts,
      unacknowledged: alerts.filter((a) => a.acknowledgedAt === null).length,
      byTenant: s?.byTenant ?? {},
    };
  }

  async acknowledge(cluster: string, alertId: string, by: string | null): Promise<IsolationAlert> {
    const store = this.deps.storeFor(cluster);
    const a = await store.alert(alertId);
    if (!a) throw new AppError('NOT_FOUND', `no isolation alert ${alertId} on ${cluster}`);
    if (a.acknowledgedAt) return this.wire(cluster, a); // idempotent: the first acknowledgement stands
    const at = this.now();
    const mine = await store.acknowledge(alertId, by, at);
    const now = mine ? { ...a, acknowledgedBy: by, acknowledgedAt: at.toISOString() } : ((await store.alert(alertId)) ?? a);
    if (now.resolvedAt) await store.close(alertId);
    if (mine) this.deps.emitAlert(this.wire(cluster, now));
    return this.wire(cluster, now);
  }

  async setSchedule(cluster: string, every: number | 'off', by: string | null): Promise<ScanSchedule> {
    const store = this.deps.storeFor(cluster);
    const at = this.now();
    await store.writeSchedule(every === 'off' ? 0 : every, by, at);
    const st = this.state(cluster);
    st.every = every === 'off' ? null : every;
    this.arm();
    return { everyMinutes: st.every, isDefault: false, updatedBy: by, updatedAt: at.toISOString() };
  }

  /** Stop the timer; run the re-scans grant changes asked for (the CLI's command gets its re-scan) and wait for them. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const flushes: Promise<void>[] = [];
    for (const [c, st] of this.clusters) if (st.debounce) flushes.push(this.flush(c));
    this.closed = true; // jobs still running when the console closes are not waited for
    await Promise.all(flushes);
    for (;;) {
      const running = [...this.clusters.values()].map((s) => s.inFlight).filter((p): p is Promise<void> => p !== null);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }
}

async function inBatches<T>(items: readonly T[], fn: (x: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL_WRITES) await Promise.all(items.slice(i, i + PARALLEL_WRITES).map(fn));
}
