import { create } from 'zustand';
import type { WireError } from '../../../src-shared/contract/core';
import type { Saga, SecurityAlert, TenantDetail, TenantSummary } from '../../../src-shared/contract/tenants';
import type { TenantState } from '../../../src-shared/rules/lifecycle';
import { DEFAULT_TENANT_SORT, type TenantSort } from '../../../src-shared/rules/tenant-filter';
import type { LoadStatus } from '../../app/stores/appInfo';

/** `cluster/id`: tenant ids are unique per cluster only, so every map is keyed by both. */
export const tenantKey = (cluster: string, id: string): string => `${cluster}/${id}`;

export interface TenantListFilter {
  text: string;
  states: TenantState[];
  clusters: string[];
  sort: TenantSort;
}

/**
 * Tenants as this console sees them. Deliberately no "current tenant": the route names the
 * tenant a screen works on. No password ever enters this store — the wizard keeps the
 * admin password in component state and drops it after submit.
 */
interface TenantsState {
  tenants: TenantSummary[];
  status: LoadStatus;
  error: WireError | null;
  filter: TenantListFilter;
  details: Record<string, TenantDetail>;
  detailErrors: Record<string, WireError>;
  /** Every saga seen (events or reads), by job id: the wizard and the detail view draw from here. */
  sagas: Record<string, Saga>;
  /** Refused calls, newest first: from `security.alert` events and `security.alerts`. */
  alerts: SecurityAlert[];
  /** Alerts raised live in this window that the operator has not dismissed yet (banner). */
  unseenAlerts: SecurityAlert[];
  setLoading(): void;
  setTenants(list: TenantSummary[]): void;
  setError(err: WireError): void;
  upsertTenant(t: TenantSummary): void;
  setFilter(f: Partial<TenantListFilter>): void;
  setDetail(d: TenantDetail): void;
  setDetailError(key: string, err: WireError): void;
  upsertSaga(s: Saga): void;
  setAlerts(list: SecurityAlert[]): void;
  pushAlert(a: SecurityAlert): void;
  dismissAlerts(): void;
  reset(): void;
}

const initialFilter = (): TenantListFilter => ({ text: '', states: [], clusters: [], sort: DEFAULT_TENANT_SORT });
const initial = () => ({
  tenants: [] as TenantSummary[],
  status: 'idle' as LoadStatus,
  error: null,
  filter: initialFilter(),
  details: {} as Record<string, TenantDetail>,
  detailErrors: {} as Record<string, WireError>,
  sagas: {} as Record<string, Saga>,
  alerts: [] as SecurityAlert[],
  unseenAlerts: [] as SecurityAlert[],
});

const MAX_ALERTS = 200;
const sameAlert = (a: SecurityAlert, b: SecurityAlert): boolean => a.at === b.at && a.channel === b.channel && a.message === b.message;

export const useTenants = create<TenantsState>()((set) => ({
  ...initial(),
  setLoading: () => set({ status: 'loading', error: null }),
  setTenants: (tenants) => set({ tenants, status: 'ready', error: null }),
  setError: (error) => set({ status: 'error', error }),
  upsertTenant: (t) =>
    set((s) => {
      const key = tenantKey(t.cluster, t.id);
      const i = s.tenants.findIndex((x) => tenantKey(x.cluster, x.id) === key);
      const tenants = i < 0 ? [...s.tenants, t] : s.tenants.map((x, j) => (j === i ? t : x));
      const d = s.details[key];
      return { tenants, details: d ? { ...s.details, [key]: { ...d, tenant: t } } : s.details };
    }),
  setFilter: (f) => set((s) => ({ filter: { ...s.filter, ...f } })),
  setDetail: (d) =>
    set((s) => {
      const key = tenantKey(d.tenant.cluster, d.tenant.id);
      const { [key]: _gone, ...detailErrors } = s.detailErrors;
      const sagas = { ...s.sagas };
      for (const j of d.jobs) sagas[j.jobId] = newer(sagas[j.jobId], j);
      return { details: { ...s.details, [key]: d }, detailErrors, sagas };
    }),
  setDetailError: (key, err) => set((s) => ({ detailErrors: { ...s.detailErrors, [key]: err } })),
  upsertSaga: (saga) => set((s) => ({ sagas: { ...s.sagas, [saga.jobId]: newer(s.sagas[saga.jobId], saga) } })),
  setAlerts: (list) =>
    set((s) => {
      const live = s.alerts.filter((a) => !list.some((b) => sameAlert(a, b)));
      return { alerts: [...live, ...list].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)).slice(0, MAX_ALERTS) };
    }),
  pushAlert: (a) =>
    set((s) => ({
      alerts: [a, ...s.alerts.filter((x) => !sameAlert(x, a))].slice(0, MAX_ALERTS),
      unseenAlerts: [a, ...s.unseenAlerts].slice(0, 20),
    })),
  dismissAlerts: () => set({ unseenAlerts: [] }),
  reset: () => set(initial()),
}));

/** Events and reads can cross: keep whichever copy of a saga was written last. */
function newer(old: Saga | undefined, next: Saga): Saga {
  return old && old.updatedAt > next.updatedAt ? old : next;
}
