import type { ClusterTotals, Dashboard, DashboardRow, HealthLevel, SourceStatus } from '../../src-shared/contract/msp';
import type { TenantState } from '../../src-shared/rules/lifecycle';

/**
 * The dashboard as a pure function of a bounded set of cluster-level reads (one registry read,
 * one schema read and one call per source per cluster) and the local mirror: nothing here
 * touches Cassandra, so `npm run bench` can time it on 10,000 synthetic tenants.
 */

export type Fetched<T> = { status: 'ok'; value: T; at: string } | { status: 'unavailable' | 'pending'; message: string };

export interface RegistryTenant {
  id: string;
  name: string;
  tier: string;
  template: string;
  state: TenantState;
  createdAt: string;
  updatedAt: string;
  suspendedAt: string | null;
  keyspaces: string[];
  roles: string[];
}

export interface SagaLite {
  tenantId: string;
  state: string;
}
export interface KeyLite {
  tenantId: string;
  due: boolean;
  overdueDays: number;
  daysLeft: number;
  unfinished: boolean;
}
export type Counts = { critical: number; warning: number; info: number };
export interface IsolationLite {
  scannedAt: string | null;
  byTenant: Map<string, Counts>;
}
const ZERO: Counts = { critical: 0, warning: 0, info: 0 };
export interface ComplianceLite {
  frameworks: string[];
  pass: number | null;
  fail: number | null;
}

export interface ClusterReads {
  cluster: string;
  at: string;
  registry: Fetched<RegistryTenant[]>;
  /** Tables per keyspace (one read of system_schema.tables). */
  tables: Fetched<Map<string, number>>;
  sagas: Fetched<SagaLite[]>;
  keys: Fetched<KeyLite[]>;
  /**
   * The latest isolation scan: null scannedAt means never scanned. A tenant absent from byTenant
   * had no findings — unless it was created after the scan, then it was not scanned yet.
   */
  isolation: Fetched<IsolationLite>;
  compliance: Fetched<Map<string, ComplianceLite>>;
  approvals: Fetched<Map<string, number>>;
  support: Fetched<Map<string, number>>;
}

/** A cached mirror row of a cluster this console is not signed in to with platform scope. */
export interface OfflineTenant {
  cluster: string;
  id: string;
  name: string;
  tier: string;
  template: string;
  state: string;
  createdAt: string;
  updatedAt: string;
  syncedAt: string;
}

const SOURCES = ['registry', 'schema', 'sagas', 'keys', 'isolation', 'compliance', 'approvals', 'support'] as const;

const ok = <T>(f: Fetched<T>): T | null => (f.status === 'ok' ? f.value : null);

function sourceOf(source: SourceStatus['source'], f: Fetched<unknown>): SourceStatus {
  return f.status === 'ok' ? { source, status: 'ok', message: null, at: f.at } : { source, status: f.status, message: f.message, at: null };
}

export interface HealthInput {
  online: boolean;
  state: string;
  syncedAt?: string;
  sagas: { running: number; failed: number } | null;
  keys: { rotationDue: boolean; overdueDays: number; unfinished: boolean } | null;
  isolation: Counts | null;
  compliance: { fail: number | null } | null;
}

/**
 * Health rules: critical — the tenant failed, a saga of it failed, or a critical isolation
 * finding involves it; warning — suspended, mid-lifecycle, a saga still running, key rotation
 * due or unfinished, warning-level findings, failed compliance checks; unknown — offline (only
 * the cached copy is known) or its sagas could not be read; healthy otherwise.
 */
export function health(h: HealthInput): { level: HealthLevel; reasons: string[] } {
  if (!h.online) return { level: 'unknown', reasons: [`no platform session on this cluster: cached copy${h.syncedAt ? ` from ${h.syncedAt}` : ''}`] };
  const critical: string[] = [];
  const warning: string[] = [];
  if (h.state === 'failed') critical.push('failed: resume or roll back its saga');
  if (h.sagas && h.sagas.failed > 0) critical.push(`${h.sagas.failed} failed saga${h.sagas.failed > 1 ? 's' : ''}`);
  if (h.isolation && h.isolation.critical > 0) critical.push(`${h.isolation.critical} critical isolation finding${h.isolation.critical > 1 ? 's' : ''}`);
  if (h.state === 'suspended') warning.push('suspended');
  if (h.state === 'draft' || h.state === 'provisioning') warning.push('being provisioned');
  if (h.state === 'decommissioning') warning.push('being deleted');
  if (h.sagas && h.sagas.running > 0) warning.push(`${h.sagas.running} saga${h.sagas.running > 1 ? 's' : ''} not finished`);
  if (h.keys?.rotationDue) warning.push(h.keys.overdueDays > 0 ? `key rotation overdue by ${h.keys.overdueDays} d` : 'key rotation due');
  if (h.keys?.unfinished) warning.push('key rotation unfinished');
  if (h.isolation && h.isolation.warning > 0) warning.push(`${h.isolation.warning} isolation warning${h.isolation.warning > 1 ? 's' : ''}`);
  if (h.compliance?.fail) warning.push(`${h.compliance.fail} compliance check${h.compliance.fail > 1 ? 's' : ''} failing`);
  if (critical.length) return { level: 'critical', reasons: [...critical, ...warning] };
  if (warning.length) return { level: 'warning', reasons: warning };
  if (!h.sagas) return { level: 'unknown', reasons: ['saga records could not be read'] };
  return { level: 'healthy', reasons: [] };
}

function tally<T>(items: readonly T[] | null, key: (t: T) => string, count: (t: T, acc: { running: number; failed: number }) => void): Map<string, { running: number; failed: number }> | null {
  if (!items) return null;
  const m = new Map<string, { running: number; failed: number }>();
  for (const it of items) {
    const k = key(it);
    let acc = m.get(k);
    if (!acc) m.set(k, (acc = { running: 0, failed: 0 }));
    count(it, acc);
  }
  return m;
}

const NO_SAGAS = { running: 0, failed: 0 } as const;

function onlineRows(r: ClusterReads): DashboardRow[] {
  const tenants = ok(r.registry) ?? [];
  const tables = ok(r.tables);
  const sagas = tally(ok(r.sagas), (s) => s.tenantId, (s, acc) => {
    if (s.state === 'running' || s.state === 'rolling_back') acc.running++;
    else if (s.state === 'failed') acc.failed++;
  });
  const keyList = ok(r.keys);
  const keys = keyList ? new Map(keyList.map((k) => [k.tenantId, k])) : null;
  const iso = ok(r.isolation);
  const comp = ok(r.compliance);
  const appr = ok(r.approvals);
  const sup = ok(r.support);
  const out: DashboardRow[] = [];
  for (const t of tenants) {
    if (t.state === 'deleted') continue;
    const s = sagas ? (sagas.get(t.id) ?? NO_SAGAS) : null;
    const k = keys?.get(t.id);
    const keyInfo = k ? { rotationDue: k.due, overdueDays: k.overdueDays, daysLeft: k.daysLeft, unfinished: k.unfinished } : null;
    const isolation = iso && iso.scannedAt !== null && t.createdAt <= iso.scannedAt ? (iso.byTenant.get(t.id) ?? ZERO) : null;
    const c = comp?.get(t.id);
    // Absent from the answer: its profile could not be read (or was not yet): unknown, not "none".
    const compliance = c ?? null;
    const userPrefix = `tenant_${t.id}_u_`;
    let tableCount: number | null = null;
    if (tables) {
      tableCount = 0;
      for (const ks of t.keyspaces) tableCount += tables.get(ks) ?? 0;
    }
    let users = 0;
    for (const role of t.roles) if (role.startsWith(userPrefix)) users++;
    out.push({
      cluster: r.cluster,
      id: t.id,
      name: t.name,
      tier: t.tier,
      template: t.template,
      state: t.state,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
      suspendedAt: t.suspendedAt,
      online: true,
      syncedAt: r.at,
      health: health({ online: true, state: t.state, sagas: s, keys: keyInfo, isolation, compliance }),
      sagas: s ? { running: s.running, failed: s.failed } : null,
      keys: keyInfo,
      isolation: isolation ? { critical: isolation.critical, warning: isolation.warning, info: isolation.info } : null,
      compliance,
      usage: { keyspaces: t.keyspaces.length, tables: tableCount, roles: t.roles.length, users },
      pending: { approvals: appr ? (appr.get(t.id) ?? 0) : null, support: sup ? (sup.get(t.id) ?? 0) : null },
    });
  }
  return out;
}

const STATES = new Set(['draft', 'provisioning', 'active', 'suspended', 'decommissioning', 'deleted', 'failed']);

function offlineRow(m: OfflineTenant): DashboardRow {
  const state = (STATES.has(m.state) ? m.state : 'failed') as TenantState;
  return {
    cluster: m.cluster,
    id: m.id,
    name: m.name,
    tier: m.tier,
    template: m.template,
    state,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    suspendedAt: null,
    online: false,
    syncedAt: m.syncedAt,
    health: health({ online: false, state, syncedAt: m.syncedAt, sagas: null, keys: null, isolation: null, compliance: null }),
    sagas: null,
    keys: null,
    isolation: null,
    compliance: null,
    usage: null,
    pending: { approvals: null, support: null },
  };
}

function totals(cluster: string, online: boolean, rows: DashboardRow[], sources: SourceStatus[], approvalsKnown: boolean): ClusterTotals {
  const byState: Record<string, number> = {};
  const byHealth = { healthy: 0, warning: 0, critical: 0, unknown: 0 };
  const findings = { critical: 0, warning: 0, info: 0 };
  let rotationDue = 0;
  let approvals = 0;
  for (const r of rows) {
    byState[r.state] = (byState[r.state] ?? 0) + 1;
    byHealth[r.health.level]++;
    if (r.isolation) {
      findings.critical += r.isolation.critical;
      findings.warning += r.isolation.warning;
      findings.info += r.isolation.info;
    }
    if (r.keys?.rotationDue) rotationDue++;
    approvals += r.pending.approvals ?? 0;
  }
  return { cluster, online, tenants: rows.length, byState, byHealth, findings, rotationDue, pendingApprovals: online && approvalsKnown ? approvals : null, sources };
}

/** Rows sorted by cluster then id; totals per cluster, online clusters first. */
export function buildDashboard(reads: readonly ClusterReads[], offline: readonly OfflineTenant[], now: Date, tookMs = 0): Dashboard {
  const clusters: ClusterTotals[] = [];
  const rows: DashboardRow[] = [];
  const online = new Set(reads.map((r) => r.cluster));
  for (const r of reads) {
    const mine = onlineRows(r);
    const sources = SOURCES.map((s) => sourceOf(s, s === 'schema' ? r.tables : r[s]));
    clusters.push(totals(r.cluster, true, mine, sources, r.approvals.status === 'ok'));
    rows.push(...mine);
  }
  const byCluster = new Map<string, DashboardRow[]>();
  for (const m of offline) {
    if (online.has(m.cluster) || m.state === 'deleted') continue;
    let list = byCluster.get(m.cluster);
    if (!list) byCluster.set(m.cluster, (list = []));
    list.push(offlineRow(m));
  }
  for (const [cluster, list] of [...byCluster].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const sources = SOURCES.map((source): SourceStatus => ({ source, status: 'offline', message: `not signed in to ${cluster} with platform scope: cached registry rows only`, at: null }));
    clusters.push(totals(cluster, false, list, sources, false));
    rows.push(...list);
  }
  rows.sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { generatedAt: now.toISOString(), tookMs: Math.round(tookMs * 1000) / 1000, clusters, rows, metering: 'not-available' };
}
