import { create } from 'zustand';
import type { WireError } from '../../../src-shared/contract/core';
import type { FixResult, IsolationAlert, IsolationReport, MonitorStatus } from '../../../src-shared/contract/isolation';
import type { LoadStatus } from '../../app/stores/appInfo';

/** `cluster/alertId`: each console names clusters its own way, so alerts are keyed by both. */
export const alertKey = (a: Pick<IsolationAlert, 'cluster' | 'id'>): string => `${a.cluster}/${a.id}`;

/**
 * The Isolation screen's state: the last report per cluster, the last fix applied, and the
 * monitor (issue 6 item 2): its status per cluster and the open alerts of every cluster (the nav
 * badge counts the unacknowledged ones). Reports hold role and keyspace names and CQL
 * statements — never a secret.
 */
interface IsolationState {
  cluster: string | null;
  tenant: string;
  reports: Record<string, IsolationReport>;
  status: LoadStatus;
  error: WireError | null;
  /** Finding whose evidence is expanded. */
  open: string | null;
  lastFix: FixResult | null;
  monitors: Record<string, MonitorStatus>;
  monitorErrors: Record<string, WireError>;
  /** Open alerts (not both acknowledged and resolved) of every cluster, by alertKey. */
  alerts: Record<string, IsolationAlert>;
  setCluster(cluster: string | null): void;
  setTenant(tenant: string): void;
  setLoading(): void;
  setReport(r: IsolationReport): void;
  setError(e: WireError): void;
  toggle(id: string): void;
  /** Expand one finding's evidence (an alert's "Show finding"). */
  reveal(id: string): void;
  setFixed(r: FixResult): void;
  setMonitor(s: MonitorStatus): void;
  setMonitorError(cluster: string, e: WireError): void;
  /** From `isolation.alert` events and acknowledgements. */
  upsertAlert(a: IsolationAlert): void;
  /** Signed out of a cluster: its alerts leave the badge. */
  dropCluster(cluster: string): void;
  reset(): void;
}

const initial = () => ({
  cluster: null,
  tenant: '',
  reports: {} as Record<string, IsolationReport>,
  status: 'idle' as LoadStatus,
  error: null,
  open: null,
  lastFix: null,
  monitors: {} as Record<string, MonitorStatus>,
  monitorErrors: {} as Record<string, WireError>,
  alerts: {} as Record<string, IsolationAlert>,
});

const closed = (a: IsolationAlert): boolean => a.acknowledgedAt !== null && a.resolvedAt !== null;

export const useIsolation = create<IsolationState>()((set) => ({
  ...initial(),
  setCluster: (cluster) => set({ cluster, lastFix: null, error: null }),
  setTenant: (tenant) => set({ tenant }),
  setLoading: () => set({ status: 'loading', error: null }),
  setReport: (r) => set((s) => ({ reports: { ...s.reports, [r.cluster]: r }, status: 'ready', error: null })),
  setError: (error) => set({ status: 'error', error }),
  toggle: (id) => set((s) => ({ open: s.open === id ? null : id })),
  reveal: (id) => set({ open: id }),
  setFixed: (r) => set((s) => ({ lastFix: r, reports: { ...s.reports, [r.after.cluster]: r.after }, open: null })),
  setMonitor: (m) =>
    set((s) => {
      // The status is the whole truth for its cluster: alerts it no longer lists are closed.
      const alerts = Object.fromEntries(Object.entries(s.alerts).filter(([, a]) => a.cluster !== m.cluster));
      if (!m.stale) for (const a of m.openAlerts) alerts[alertKey(a)] = a;
      else for (const [k, a] of Object.entries(s.alerts)) if (a.cluster === m.cluster) alerts[k] = a; // unknown: keep what we had
      const { [m.cluster]: _gone, ...monitorErrors } = s.monitorErrors;
      return { monitors: { ...s.monitors, [m.cluster]: m }, monitorErrors, alerts };
    }),
  setMonitorError: (cluster, e) => set((s) => ({ monitorErrors: { ...s.monitorErrors, [cluster]: e } })),
  upsertAlert: (a) =>
    set((s) => {
      const { [alertKey(a)]: _old, ...rest } = s.alerts;
      return { alerts: closed(a) ? rest : { ...rest, [alertKey(a)]: a } };
    }),
  dropCluster: (cluster) =>
    set((s) => {
      const { [cluster]: _m, ...monitors } = s.monitors;
      return { monitors, alerts: Object.fromEntries(Object.entries(s.alerts).filter(([, a]) => a.cluster !== cluster)) };
    }),
  reset: () => set(initial()),
}));

/** The nav badge: alerts nobody has acknowledged yet, across clusters. */
export const unacknowledgedCount = (alerts: Record<string, IsolationAlert>): number => Object.values(alerts).filter((a) => a.acknowledgedAt === null).length;

/** One cluster's open alerts, newest first. */
export const alertsOf = (alerts: Record<string, IsolationAlert>, cluster: string): IsolationAlert[] =>
  Object.values(alerts)
    .filter((a) => a.cluster === cluster)
    .sort((a, b) => (a.raisedAt < b.raisedAt ? 1 : a.raisedAt > b.raisedAt ? -1 : a.id.localeCompare(b.id)));
