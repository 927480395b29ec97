import { create } from 'zustand';
import type { AvailabilityView, CapacityReport, ClusterHealth, OverviewRow } from '../../../src-shared/contract/availability';
import type { WireError } from '../../../src-shared/contract/core';

/** One slice for availability (issue 12): the tenant tab's view, and the Health & capacity screen. */
interface AvailabilityState {
  views: Record<string, AvailabilityView>;
  viewErrors: Record<string, WireError>;
  health: Record<string, ClusterHealth>;
  healthErrors: Record<string, WireError>;
  overview: Record<string, { rows: OverviewRow[]; total: number; below: number }>;
  capacity: CapacityReport | null;
  capacityError: WireError | null;
  setView(v: AvailabilityView): void;
  setViewError(cluster: string, tenant: string, e: WireError): void;
  setHealth(h: ClusterHealth): void;
  setHealthError(cluster: string, e: WireError): void;
  setOverview(cluster: string, o: { rows: OverviewRow[]; total: number; below: number }): void;
  setCapacity(c: CapacityReport | null, e: WireError | null): void;
  reset(): void;
}

export const viewKey = (cluster: string, tenant: string): string => `${cluster}/${tenant}`;

const empty = { views: {}, viewErrors: {}, health: {}, healthErrors: {}, overview: {}, capacity: null, capacityError: null };

export const useAvailability = create<AvailabilityState>()((set) => ({
  ...empty,
  setView: (v) =>
    set((s) => {
      const { [viewKey(v.cluster, v.tenant)]: _gone, ...errors } = s.viewErrors;
      return { views: { ...s.views, [viewKey(v.cluster, v.tenant)]: v }, viewErrors: errors };
    }),
  setViewError: (cluster, tenant, e) => set((s) => ({ viewErrors: { ...s.viewErrors, [viewKey(cluster, tenant)]: e } })),
  setHealth: (h) =>
    set((s) => {
      const { [h.cluster]: _gone, ...errors } = s.healthErrors;
      return { health: { ...s.health, [h.cluster]: h }, healthErrors: errors };
    }),
  setHealthError: (cluster, e) => set((s) => ({ healthErrors: { ...s.healthErrors, [cluster]: e } })),
  setOverview: (cluster, o) => set((s) => ({ overview: { ...s.overview, [cluster]: o } })),
  setCapacity: (capacity, capacityError) => set({ capacity, capacityError }),
  reset: () => set(empty),
}));
