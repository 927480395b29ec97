import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { keyspace } from '../cassandra/identifiers';
import type { FindingKind, ScanTrigger, Severity, SeverityCounts } from '../../src-shared/contract/isolation';
import type { BaselineEntry } from './diff';

/** An alert as stored: `cluster` is added by whoever reads it (each console names the cluster its own way). */
export interface StoredAlert {
  id: string;
  findingId: string;
  kind: FindingKind;
  severity: Severity;
  title: string;
  tenants: string[];
  trigger: ScanTrigger;
  raisedOn: string;
  raisedAt: string;
  raisedBy: string | null;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
}

export interface ScanSummary {
  counts: SeverityCounts;
  global: SeverityCounts;
  byTenant: Record<string, SeverityCounts>;
}

export interface MonitorRow {
  everyMinutes: number | null | undefined; // undefined: never set (default); null: off
  scheduleBy: string | null;
  scheduleAt: string | null;
  scanAt: string | null;
  scanBy: string | null;
  scanTrigger: ScanTrigger | null;
  summary: ScanSummary | null;
}

/**
 * The monitor's shared state in csm_system (migration 6). A port, so the monitor's logic is
 * unit-tested on an in-memory fake; the one implementation below talks to the real cluster.
 */
export interface MonitorStore {
  read(): Promise<MonitorRow>;
  /** 0 = off. */
  writeSchedule(everyMinutes: number, by: string | null, at: Date): Promise<void>;
  writeScan(at: Date, by: string | null, trigger: ScanTrigger, summary: ScanSummary): Promise<void>;
  baseline(): Promise<BaselineEntry[]>;
  /** Record a finding as seen; true only for the one caller whose insert created the row. */
  claim(entry: BaselineEntry): Promise<boolean>;
  /** Forget a finding that is gone; true when this caller removed it. */
  release(findingId: string): Promise<boolean>;
  insertAlert(a: StoredAlert): Promise<void>;
  alert(id: string): Promise<StoredAlert | null>;
  openAlerts(): Promise<StoredAlert[]>;
  /** Sets who/when once; false when it was already acknowledged. */
  acknowledge(id: string, by: string | null, at: Date): Promise<boolean>;
  resolve(id: string, at: Date): Promise<void>;
  /** Drop an alert from the open index (acknowledged and resolved). */
  close(id: string): Promise<void>;
}

const KS = keyspace('csm_system');
const SCOPE = 'cluster';
// LOCAL_QUORUM / LOCAL_SERIAL, as the registry writes.
const Q = { prepare: true, consistency: 0x06 } as const;
const LWT = { prepare: true, consistency: 0x06, serialConsistency: 0x09 } as const;
const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v === null || v === undefined ? null : String(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const strs = (v: unknown): string[] => (Array.isArray(v) || v instanceof Set ? [...(v as Iterable<unknown>)].map(String).sort() : []);
const applied = (rs: { rows: Record<string, unknown>[] }): boolean => rs.rows[0]?.['[applied]'] === true;

function toAlert(r: Record<string, unknown>): StoredAlert {
  return {
    id: String(r['id']),
    findingId: String(r['finding_id']),
    kind: String(r['kind']) as FindingKind,
    severity: String(r['severity']) as Severity,
    title: String(r['title'] ?? ''),
    tenants: strs(r['tenants']),
    trigger: String(r['scan_trigger']) as ScanTrigger,
    raisedOn: String(r['raised_on'] ?? ''),
    raisedAt: iso(r['raised_at']) ?? new Date(0).toISOString(),
    raisedBy: str(r['raised_by']),
    acknowledgedBy: str(r['acknowledged_by']),
    acknowledgedAt: iso(r['acknowledged_at']),
    resolvedAt: iso(r['resolved_at']),
  };
}

export class CassandraMonitorStore implements MonitorStore {
  constructor(private readonly client: CqlClient) {}

  private async run(what: string, cql: string, params: unknown[], opts: object = Q): Promise<{ rows: Record<string, unknown>[] }> {
    try {
      return (await this.client.execute(cql, params, opts)) as unknown as { rows: Record<string, unknown>[] };
    } catch (e) {
      throw fromDriverError(e, `isolation monitor: ${what}`);
    }
  }

  async read(): Promise<MonitorRow> {
    const rs = await this.run('reading the schedule', `SELECT every_minutes, schedule_by, schedule_at, scan_at, scan_by, scan_trigger, summary FROM ${KS}.isolation_monitor WHERE id = ?`, [SCOPE]);
    const r = rs.rows[0];
    if (!r) return { everyMinutes: undefined, scheduleBy: null, scheduleAt: null, scanAt: null, scanBy: null, scanTrigger: null, summary: null };
    const every = r['every_minutes'];
    let summary: ScanSummary | null = null;
    try {
      summary = typeof r['summary'] === 'string' ? (JSON.parse(r['summary']) as ScanSummary) : null;
    } catch {
      summary = null; // a torn or foreign value: the next scan writes a good one
    }
    return {
      everyMinutes: every === null || every === undefined ? undefined : Number(every) === 0 ? null : Number(every),
      scheduleBy: str(r['schedule_by']),
      scheduleAt: iso(r['schedule_at']),
      scanAt: iso(r['scan_at']),
      scanBy: str(r['scan_by']),
      scanTrigger: (str(r['scan_trigger']) as ScanTrigger | null) ?? null,
      summary,
    };
  }

  async writeSchedule(everyMinutes: number, by: string | null, at: Date): Promise<void> {
    await this.run('writing the schedule', `UPDATE ${KS}.isolation_monitor SET every_minutes = ?, schedule_by = ?, schedule_at = ? WHERE id = ?`, [everyMinutes, by, at, SCOPE]);
  }

  async writeScan(at: Date, by: string | null, trigger: ScanTrigger, summary: ScanSummary): Promise<void> {
    await this.run('recording the scan', `UPDATE ${KS}.isolation_monitor SET scan_at = ?, scan_by = ?, scan_trigger = ?, summary = ? WHERE id = ?`, [at, by, trigger, JSON.stringify(summary), SCOPE]);
  }

  async baseline(): Promise<BaselineEntry[]> {
    const out: BaselineEntry[] = [];
    try {
      for await (const r of await this.client.execute(`SELECT finding_id, kind, severity, title, tenants, first_seen, alert_id FROM ${KS}.isolation_baseline WHERE scope = ?`, [SCOPE], { ...Q, fetchSize: 5000 })) {
        out.push({ findingId: String(r['finding_id']), kind: String(r['kind']) as FindingKind, severity: String(r['severity']) as Severity, title: String(r['title'] ?? ''), tenants: strs(r['tenants']), firstSeen: iso(r['first_seen']) ?? '', alertId: str(r['alert_id']) });
      }
    } catch (e) {
      throw fromDriverError(e, 'isolation monitor: reading the baseline');
    }
    return out;
  }

  async claim(e: BaselineEntry): Promise<boolean> {
    const rs = await this.run(
      'recording a finding',
      `INSERT INTO ${KS}.isolation_baseline (scope, finding_id, kind, severity, title, tenants, first_seen, alert_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
      [SCOPE, e.findingId, e.kind, e.severity, e.title, e.tenants, new Date(e.firstSeen), e.alertId],
      LWT,
    );
    return applied(rs);
  }

  async release(findingId: string): Promise<boolean> {
    // An LWT like the insert: a plain delete could lose to the insert's Paxos timestamp.
    const rs = await this.run('forgetting a finding', `DELETE FROM ${KS}.isolation_baseline WHERE scope = ? AND finding_id = ? IF EXISTS`, [SCOPE, findingId], LWT);
    return applied(rs);
  }

  async insertAlert(a: StoredAlert): Promise<void> {
    await this.run(
      'raising an alert',
      `INSERT INTO ${KS}.isolation_alerts (id, finding_id, kind, severity, title, tenants, scan_trigger, raised_on, raised_at, raised_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [a.id, a.findingId, a.kind, a.severity, a.title, a.tenants, a.trigger, a.raisedOn, new Date(a.raisedAt), a.raisedBy],
    );
    await this.run('indexing an alert', `INSERT INTO ${KS}.isolation_open_alerts (scope, id, raised_at) VALUES (?, ?, ?)`, [SCOPE, a.id, new Date(a.raisedAt)]);
  }

  async alert(id: string): Promise<StoredAlert | null> {
    const rs = await this.run('reading an alert', `SELECT * FROM ${KS}.isolation_alerts WHERE id = ?`, [id]);
    return rs.rows[0] ? toAlert(rs.rows[0]) : null;
  }

  async openAlerts(): Promise<StoredAlert[]> {
    const ids = (await this.run('listing open alerts', `SELECT id FROM ${KS}.isolation_open_alerts WHERE scope = ?`, [SCOPE])).rows.map((r) => String(r['id']));
    const out: StoredAlert[] = [];
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const rs = await this.run('reading open alerts', `SELECT * FROM ${KS}.isolation_alerts WHERE id IN ?`, [chunk]);
      out.push(...rs.rows.map(toAlert));
    }
    return out;
  }

  async acknowledge(id: string, by: string | null, at: Date): Promise<boolean> {
    const rs = await this.run('acknowledging an alert', `UPDATE ${KS}.isolation_alerts SET acknowledged_by = ?, acknowledged_at = ? WHERE id = ? IF acknowledged_at = null`, [by, at, id], LWT);
    return applied(rs);
  }

  async resolve(id: string, at: Date): Promise<void> {
    await this.run('resolving an alert', `UPDATE ${KS}.isolation_alerts SET resolved_at = ? WHERE id = ?`, [at, id]);
  }

  async close(id: string): Promise<void> {
    await this.run('closing an alert', `DELETE FROM ${KS}.isolation_open_alerts WHERE scope = ? AND id = ?`, [SCOPE, id]);
  }
}
