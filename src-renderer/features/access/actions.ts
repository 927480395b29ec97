import type { CsmClient } from '../../../src-shared/client';
import type { ChannelInput } from '../../../src-shared/contract';
import type { SupportGrant } from '../../../src-shared/contract/access';
import { call } from '../../app/call';
import { useAccess } from './store';

/** Both lists of one cluster; a tenant admin's calls name their tenant (their scope is that tenant). */
export async function loadAccess(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  useAccess.getState().setLoading();
  const where = { cluster, ...(tenant ? { tenant } : {}) };
  const [g, a] = await Promise.all([call(client, 'support.list', where, { quiet: true }), call(client, 'approval.list', where, { quiet: true })]);
  if (!g.ok) return useAccess.getState().setError(g.error);
  if (!a.ok) return useAccess.getState().setError(a.error);
  useAccess.getState().setLists(g.value, a.value);
}

type SupportAction = 'support.request' | 'support.approve' | 'support.reject' | 'support.activate' | 'support.revoke';
const DONE: Record<SupportAction, (g: SupportGrant) => string> = {
  'support.request': (g) => `Support access to ${g.tenant} requested (${g.id}); an admin of ${g.tenant} decides`,
  'support.approve': (g) => `Support request ${g.id} approved; the requester activates it`,
  'support.reject': (g) => `Support request ${g.id} rejected`,
  'support.activate': (g) => `Support window ${g.id} open as ${g.role ?? '—'} until ${g.expiresAt ?? '—'}`,
  'support.revoke': (g) => (g.state === 'revoked' ? `Support window ${g.id} revoked: role dropped` : `Revocation of ${g.id} recorded; the next platform sweep drops the role`),
};

export async function supportAction<C extends SupportAction>(client: CsmClient, channel: C, input: ChannelInput<C>): Promise<boolean> {
  const r = await call(client, channel, input, { success: (v) => DONE[channel](v as SupportGrant) });
  if (r.ok) useAccess.getState().upsertGrant(r.value as SupportGrant);
  return r.ok;
}

export async function approve(client: CsmClient, cluster: string, id: string, note: string): Promise<boolean> {
  const r = await call(client, 'approval.approve', { cluster, id, ...(note ? { note } : {}) }, { success: (v) => (v.outcome.ok ? `Approved and carried out: ${v.outcome.summary}` : `Approved, but the call failed: ${v.outcome.errorCode}`) });
  if (r.ok) useAccess.getState().upsertApproval(r.value.request);
  return r.ok;
}

export async function reject(client: CsmClient, cluster: string, id: string, reason: string): Promise<boolean> {
  const r = await call(client, 'approval.reject', { cluster, id, reason }, { success: `Change request ${id} rejected` });
  if (r.ok) useAccess.getState().upsertApproval(r.value);
  return r.ok;
}

export async function cancel(client: CsmClient, cluster: string, id: string): Promise<boolean> {
  const r = await call(client, 'approval.cancel', { cluster, id }, { success: `Change request ${id} withdrawn` });
  if (r.ok) useAccess.getState().upsertApproval(r.value);
  return r.ok;
}

/** A window the sweep ended on the cluster on screen: re-read its lists. */
export function subscribeAccess(client: CsmClient, cluster: string, tenant: string): () => void {
  return client.on('support.revoked', (p) => {
    if (p.cluster === cluster) void loadAccess(client, cluster, tenant);
  });
}
