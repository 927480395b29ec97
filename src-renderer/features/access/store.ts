import { create } from 'zustand';
import type { ApprovalRequest, SupportGrant } from '../../../src-shared/contract/access';
import type { WireError } from '../../../src-shared/contract/core';
import type { LoadStatus } from '../../app/stores/appInfo';

/**
 * The Support & approvals screen: the lists of one cluster (and, for a tenant admin, one of their
 * tenants). Rows carry role names and reasons — never a password: the renderer cannot fetch one.
 */
interface AccessState {
  cluster: string | null;
  tenant: string;
  grants: SupportGrant[];
  approvals: ApprovalRequest[];
  status: LoadStatus;
  error: WireError | null;
  setCluster(cluster: string | null): void;
  setTenant(tenant: string): void;
  setLoading(): void;
  setLists(grants: SupportGrant[], approvals: ApprovalRequest[]): void;
  setError(e: WireError): void;
  upsertGrant(g: SupportGrant): void;
  upsertApproval(a: ApprovalRequest): void;
  reset(): void;
}

const initial = () => ({ cluster: null, tenant: '', grants: [] as SupportGrant[], approvals: [] as ApprovalRequest[], status: 'idle' as LoadStatus, error: null });
const upsert = <T extends { id: string }>(list: T[], x: T): T[] => (list.some((y) => y.id === x.id) ? list.map((y) => (y.id === x.id ? x : y)) : [x, ...list]);

export const useAccess = create<AccessState>()((set) => ({
  ...initial(),
  setCluster: (cluster) => set({ cluster, grants: [], approvals: [], status: 'idle', error: null }),
  setTenant: (tenant) => set({ tenant }),
  setLoading: () => set({ status: 'loading', error: null }),
  setLists: (grants, approvals) => set({ grants, approvals, status: 'ready', error: null }),
  setError: (error) => set({ status: 'error', error }),
  upsertGrant: (g) => set((s) => ({ grants: upsert(s.grants, g) })),
  upsertApproval: (a) => set((s) => ({ approvals: upsert(s.approvals, a) })),
  reset: () => set(initial()),
}));
