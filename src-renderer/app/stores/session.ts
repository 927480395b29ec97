import { create } from 'zustand';
import type { OperatorScope } from '../../../src-shared/contract/clusters';

/**
 * Operator scope per cluster, exactly as main derived it. There is deliberately no
 * "current cluster" or "current tenant" here: every screen names the cluster it acts on.
 */
interface SessionState {
  scopes: Record<string, OperatorScope>;
  setScope(cluster: string, scope: OperatorScope): void;
  clear(cluster: string): void;
  reset(): void;
}

export const useSession = create<SessionState>()((set) => ({
  scopes: {},
  setScope: (cluster, scope) => set((s) => ({ scopes: { ...s.scopes, [cluster]: scope } })),
  clear: (cluster) =>
    set((s) => {
      const { [cluster]: _gone, ...rest } = s.scopes;
      return { scopes: rest };
    }),
  reset: () => set({ scopes: {} }),
}));

/** One line for a header chip or a table cell: what this role may do on that cluster. */
export function describeScope(s: OperatorScope): string {
  if (s.platform) return s.superuser ? 'platform (superuser)' : 'platform';
  const parts: string[] = [];
  if (s.tenantAdmin.length) parts.push(`tenant admin: ${s.tenantAdmin.join(', ')}`);
  if (s.auditor === 'all') parts.push('auditor: all tenants');
  else if (s.auditor.length) parts.push(`auditor: ${s.auditor.join(', ')}`);
  return parts.length ? parts.join(' · ') : 'no console scope';
}
