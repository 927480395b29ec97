import { create } from 'zustand';
import type { ClusterProfile, ClusterTestReport } from '../../../src-shared/contract/clusters';
import type { WireError } from '../../../src-shared/contract/core';
import type { LoadStatus } from '../../app/stores/appInfo';

export interface SandboxStatus {
  available: boolean;
  running: boolean;
  registered: boolean;
  contactPoint: string | null;
  reason: string | null;
}

interface ClustersState {
  clusters: ClusterProfile[];
  status: LoadStatus;
  error: WireError | null;
  /** Last connection report per cluster name. */
  reports: Record<string, ClusterTestReport>;
  /** Cluster whose details (report, scope) are shown under the table. */
  selected: string | null;
  sandbox: SandboxStatus | null;
  sandboxStarting: boolean;
  setLoading(): void;
  setClusters(list: ClusterProfile[]): void;
  setError(err: WireError): void;
  upsert(p: ClusterProfile): void;
  remove(name: string): void;
  setReport(name: string, r: ClusterTestReport): void;
  clearReport(name: string): void;
  select(name: string | null): void;
  setSandbox(s: SandboxStatus | null): void;
  setSandboxStarting(v: boolean): void;
  reset(): void;
}

const initial = {
  clusters: [] as ClusterProfile[],
  status: 'idle' as LoadStatus,
  error: null,
  reports: {} as Record<string, ClusterTestReport>,
  selected: null,
  sandbox: null,
  sandboxStarting: false,
};

const byName = (a: ClusterProfile, b: ClusterProfile): number => a.name.localeCompare(b.name);

export const useClusters = create<ClustersState>()((set) => ({
  ...initial,
  setLoading: () => set({ status: 'loading', error: null }),
  setClusters: (list) => set({ clusters: [...list].sort(byName), status: 'ready', error: null }),
  setError: (error) => set({ status: 'error', error }),
  upsert: (p) => set((s) => ({ clusters: [...s.clusters.filter((c) => c.name !== p.name), p].sort(byName) })),
  remove: (name) =>
    set((s) => {
      const { [name]: _gone, ...reports } = s.reports;
      return {
        clusters: s.clusters.filter((c) => c.name !== name),
        reports,
        selected: s.selected === name ? null : s.selected,
      };
    }),
  setReport: (name, r) => set((s) => ({ reports: { ...s.reports, [name]: r }, selected: name })),
  clearReport: (name) =>
    set((s) => {
      const { [name]: _gone, ...reports } = s.reports;
      return { reports };
    }),
  select: (selected) => set({ selected }),
  setSandbox: (sandbox) => set({ sandbox }),
  setSandboxStarting: (sandboxStarting) => set({ sandboxStarting }),
  reset: () => set({ ...initial, clusters: [], reports: {} }),
}));
