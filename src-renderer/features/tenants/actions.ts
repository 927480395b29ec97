import type { CsmClient } from '../../../src-shared/client';
import type { ChannelInput, ChannelOutput, Result } from '../../../src-shared/contract';
import { call } from '../../app/call';
import { tenantKey, useTenants } from './store';

export async function loadTenants(client: CsmClient, refresh = false): Promise<void> {
  useTenants.getState().setLoading();
  const r = await call(client, 'tenant.list', { refresh }, refresh ? { success: (l) => `Tenant registries re-read: ${l.length} tenants` } : {});
  if (r.ok) useTenants.getState().setTenants(r.value);
  else useTenants.getState().setError(r.error);
}

export async function loadTenant(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const r = await call(client, 'tenant.show', { cluster, tenant }, { quiet: true });
  if (r.ok) useTenants.getState().setDetail(r.value);
  else useTenants.getState().setDetailError(tenantKey(cluster, tenant), r.error);
}

export async function loadAlerts(client: CsmClient): Promise<void> {
  const r = await call(client, 'security.alerts', { limit: 50 });
  if (r.ok) useTenants.getState().setAlerts(r.value);
}

/**
 * Live sagas and security alerts for the whole window; returns the unsubscribe. A saga that
 * finishes re-reads the list (the tenant's state changed) and the detail if it is loaded.
 */
export function subscribeTenants(client: CsmClient): () => void {
  const offSaga = client.on('tenant.saga', (saga) => {
    useTenants.getState().upsertSaga(saga);
    if (saga.state !== 'running' && saga.state !== 'rolling_back') {
      void loadTenants(client);
      if (useTenants.getState().details[tenantKey(saga.cluster, saga.tenantId)]) void loadTenant(client, saga.cluster, saga.tenantId);
    }
  });
  const offAlert = client.on('security.alert', (a) => useTenants.getState().pushAlert(a));
  return () => {
    offSaga();
    offAlert();
  };
}

type Started = Result<ChannelOutput<'tenant.create'>>;

function started(r: Started): void {
  if (r.ok) useTenants.getState().upsertTenant(r.value.tenant);
}

export async function createTenant(client: CsmClient, input: ChannelInput<'tenant.create'>): Promise<Started> {
  const r = await call(client, 'tenant.create', input);
  started(r);
  return r;
}

/** The saga of a job the event stream has not delivered yet (it may have finished before we subscribed). */
export async function fetchSaga(client: CsmClient, cluster: string, tenant: string, jobId: string): Promise<void> {
  const r = await call(client, 'tenant.jobs', { cluster, tenant }, { quiet: true });
  if (!r.ok) return;
  const s = r.value.find((j) => j.jobId === jobId);
  if (s) useTenants.getState().upsertSaga(s);
}

export async function resumeJob(client: CsmClient, input: ChannelInput<'tenant.resumeJob'>): Promise<boolean> {
  const r = await call(client, 'tenant.resumeJob', input, { success: (s) => `Job for tenant "${s.tenantId}": ${s.state.replace('_', ' ')}` });
  if (r.ok) useTenants.getState().upsertSaga(r.value);
  return r.ok;
}

export async function rollbackJob(client: CsmClient, input: ChannelInput<'tenant.rollbackJob'>): Promise<boolean> {
  const r = await call(client, 'tenant.rollbackJob', input, { success: (s) => `Job for tenant "${s.tenantId}": ${s.state.replace('_', ' ')}` });
  if (r.ok) useTenants.getState().upsertSaga(r.value);
  return r.ok;
}

export async function suspendTenant(client: CsmClient, cluster: string, tenant: string, reason?: string): Promise<boolean> {
  const r = await call(client, 'tenant.suspend', { cluster, tenant, ...(reason ? { reason } : {}) }, {
    success: `Tenant "${tenant}" suspended: its roles cannot log in`,
  });
  if (r.ok) {
    useTenants.getState().upsertTenant(r.value);
    void loadTenant(client, cluster, tenant);
  }
  return r.ok;
}

export async function resumeTenant(client: CsmClient, cluster: string, tenant: string): Promise<boolean> {
  const r = await call(client, 'tenant.resume', { cluster, tenant }, { success: `Tenant "${tenant}" resumed` });
  if (r.ok) {
    useTenants.getState().upsertTenant(r.value);
    void loadTenant(client, cluster, tenant);
  }
  return r.ok;
}

export async function deleteTenant(client: CsmClient, cluster: string, tenant: string, confirm: string): Promise<Started> {
  const r = await call(client, 'tenant.delete', { cluster, tenant, purge: true, confirm }, { success: `Deleting tenant "${tenant}" with purge` });
  started(r);
  return r;
}

export async function cloneTenant(client: CsmClient, input: ChannelInput<'tenant.clone'>): Promise<Started> {
  const r = await call(client, 'tenant.clone', input, { success: (v) => `Cloning into tenant "${v.tenant.id}"` });
  started(r);
  return r;
}
