import { create } from 'zustand';
import type { WireError } from '../../../src-shared/contract/core';
import type { FixResult, IsolationReport } from '../../../src-shared/contract/isolation';
import type { LoadStatus } from '../../app/stores/appInfo';

/**
 * The Isolation screen's state: the last report per cluster and the last fix applied. Reports
 * hold role and keyspace names and CQL statements — never a secret.
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
  setCluster(cluster: string | null): void;
  setTenant(tenant: string): void;
  setLoading(): void;
  setReport(r: IsolationReport): void;
  setError(e: WireError): void;
  toggle(id: string): void;
  setFixed(r: FixResult): void;
  reset(): void;
}

const initial = () => ({ cluster: null, tenant: '', reports: {} as Record<string, IsolationReport>, status: 'idle' as LoadStatus, error: null, open: null, lastFix: null });

export const useIsolation = create<IsolationState>()((set) => ({
  ...initial(),
  setCluster: (cluster) => set({ cluster, lastFix: null, error: null }),
  setTenant: (tenant) => set({ tenant }),
  setLoading: () => set({ status: 'loading', error: null }),
  setReport: (r) => set((s) => ({ reports: { ...s.reports, [r.cluster]: r }, status: 'ready', error: null })),
  setError: (error) => set({ status: 'error', error }),
  toggle: (id) => set((s) => ({ open: s.open === id ? null : id })),
  setFixed: (r) => set((s) => ({ lastFix: r, reports: { ...s.reports, [r.after.cluster]: r.after }, open: null })),
  reset: () => set(initial()),
}));
