import type { IsolationAlert, IsolationReport, ScanTrigger } from '../../../src-shared/contract/isolation';
import type { SecurityAlert } from '../../../src-shared/contract/tenants';
import { AppError } from '../../../src-main/app/errors';
import { silentLogger } from '../../../src-main/app/log';
import { analyze, countSeverities, type AuthSnapshot } from '../../../src-main/isolation/analyze';
import type { BaselineEntry } from '../../../src-main/isolation/diff';
import { IsolationMonitor, type MonitorDeps } from '../../../src-main/isolation/monitor';
import type { MonitorRow, MonitorStore, ScanSummary, StoredAlert } from '../../../src-main/isolation/monitor-store';
import type { AuditEntry } from '../../../src-main/ipc/router';

/**
 * An in-memory csm_system for the monitor's port: one instance stands for one cluster, shared by
 * as many monitors ("consoles") as a test builds. `claim` and `release` are atomic here as the
 * LWTs are in Cassandra.
 */
export class MemoryMonitorStore implements MonitorStore {
  row: MonitorRow = { everyMinutes: undefined, scheduleBy: null, scheduleAt: null, scanAt: null, scanBy: null, scanTrigger: null, summary: null };
  readonly base = new Map<string, BaselineEntry>();
  readonly alerts = new Map<string, StoredAlert>();
  readonly open = new Set<string>();
  async read(): Promise<MonitorRow> {
    return { ...this.row };
  }
  async writeSchedule(every: number, by: string | null, at: Date): Promise<void> {
    this.row = { ...this.row, everyMinutes: every === 0 ? null : every, scheduleBy: by, scheduleAt: at.toISOString() };
  }
  async writeScan(at: Date, by: string | null, trigger: ScanTrigger, summary: ScanSummary): Promise<void> {
    this.row = { ...this.row, scanAt: at.toISOString(), scanBy: by, scanTrigger: trigger, summary };
  }
  async baseline(): Promise<BaselineEntry[]> {
    return [...this.base.values()];
  }
  async claim(e: BaselineEntry): Promise<boolean> {
    if (this.base.has(e.findingId)) return false;
    this.base.set(e.findingId, e);
    return true;
  }
  async release(id: string): Promise<boolean> {
    return this.base.delete(id);
  }
  async insertAlert(a: StoredAlert): Promise<void> {
    this.alerts.set(a.id, { ...a });
    this.open.add(a.id);
  }
  async alert(id: string): Promise<StoredAlert | null> {
    const a = this.alerts.get(id);
    return a ? { ...a } : null;
  }
  async openAlerts(): Promise<StoredAlert[]> {
    return [...this.open].map((id) => ({ ...this.alerts.get(id)! }));
  }
  async acknowledge(id: string, by: string | null, at: Date): Promise<boolean> {
    const a = this.alerts.get(id)!;
    if (a.acknowledgedAt) return false;
    Object.assign(a, { acknowledgedBy: by, acknowledgedAt: at.toISOString() });
    return true;
  }
  async resolve(id: string, at: Date): Promise<void> {
    this.alerts.get(id)!.resolvedAt = at.toISOString();
  }
  async close(id: string): Promise<void> {
    this.open.delete(id);
  }
}

export function reportOf(s: AuthSnapshot, cluster = 'prod'): IsolationReport {
  const { findings, stats } = analyze(s);
  return { cluster, scannedAt: new Date().toISOString(), scannedBy: 'cassandra', tenant: null, counts: countSeverities(findings), stats: { ...stats, readMs: 0, analysisMs: 0 }, auth: s.auth, findings };
}

/** A console's monitor over a fake cluster whose snapshot the test edits between scans. */
export function fakeConsole(store: MemoryMonitorStore, cluster: { snapshot: AuthSnapshot; signedIn?: boolean; scanGate?: Promise<void> }, opts: Partial<MonitorDeps> = {}) {
  const alerts: IsolationAlert[] = [];
  const security: SecurityAlert[] = [];
  const audit: AuditEntry[] = [];
  const scans: string[] = [];
  const monitor = new IsolationMonitor({
    host: 'web',
    scan: async (c) => {
      scans.push(c);
      if (cluster.scanGate) await cluster.scanGate;
      return reportOf(cluster.snapshot, c);
    },
    storeFor: (c) => {
      if (cluster.signedIn === false || c !== 'prod') throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${c} first`);
      return store;
    },
    platformClusters: () => (cluster.signedIn === false ? [] : ['prod']),
    operatorOf: () => 'cassandra',
    emitAlert: (a) => alerts.push(a),
    emitSecurity: (a) => security.push(a),
    audit: (e) => audit.push(e),
    logger: silentLogger,
    ...opts,
  });
  return { monitor, alerts, security, audit, scans };
}
