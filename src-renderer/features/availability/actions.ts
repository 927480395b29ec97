import type { CsmClient } from '../../../src-shared/client';
import { call } from '../../app/call';
import { useAvailability } from './store';

export async function loadView(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const r = await call(client, 'availability.show', { cluster, tenant }, { quiet: true });
  if (r.ok) useAvailability.getState().setView(r.value);
  else useAvailability.getState().setViewError(cluster, tenant, r.error);
}

export async function probeNow(client: CsmClient, cluster: string, tenant: string): Promise<boolean> {
  const r = await call(client, 'availability.probe', { cluster, tenant }, { success: (s) => (s.ok ? `Probe ok in ${s.latencyMs.toFixed(1)} ms` : `Probe failed: ${s.errorClass}`) });
  await loadView(client, cluster, tenant);
  return r.ok;
}

export async function saveTarget(client: CsmClient, cluster: string, tenant: string, percent: number): Promise<boolean> {
  const r = await call(client, 'availability.setTarget', { cluster, tenant, percent }, { success: (t) => `SLA target of ${tenant} is ${t.percent} %` });
  if (r.ok) await loadView(client, cluster, tenant);
  return r.ok;
}

export async function addWindow(client: CsmClient, cluster: string, tenant: string, startsAt: string, endsAt: string, reason: string): Promise<boolean> {
  const r = await call(client, 'availability.addWindow', { cluster, tenant, startsAt, endsAt, reason }, { success: 'Maintenance window added' });
  if (r.ok) await loadView(client, cluster, tenant);
  return r.ok;
}

export async function removeWindow(client: CsmClient, cluster: string, tenant: string, id: string): Promise<boolean> {
  const r = await call(client, 'availability.removeWindow', { cluster, tenant, id }, { success: 'Maintenance window removed' });
  if (r.ok) await loadView(client, cluster, tenant);
  return r.ok;
}

export async function loadHealth(client: CsmClient, cluster: string): Promise<void> {
  const r = await call(client, 'health.show', { cluster }, { quiet: true });
  if (r.ok) useAvailability.getState().setHealth(r.value);
  else useAvailability.getState().setHealthError(cluster, r.error);
  const o = await call(client, 'availability.overview', { cluster }, { quiet: true });
  if (o.ok) useAvailability.getState().setOverview(cluster, o.value);
}

export async function loadCapacity(client: CsmClient): Promise<void> {
  const r = await call(client, 'capacity.show', {}, { quiet: true });
  if (r.ok) useAvailability.getState().setCapacity(r.value, null);
  else useAvailability.getState().setCapacity(null, r.error);
}
