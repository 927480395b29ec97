import type { CsmClient } from '../../../src-shared/client';
import type { BoundaryEntry, Drift } from '../../../src-shared/contract/compliance';
import type { Framework, Overrides } from '../../../src-shared/rules/compliance';
import { call } from '../../app/call';
import { complianceKey, useCompliance } from './store';

export async function loadProfile(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const r = await call(client, 'compliance.get', { cluster, tenant }, { quiet: true });
  const s = useCompliance.getState();
  if (r.ok) s.setProfile(complianceKey(cluster, tenant), r.value);
  else s.setProfileError(complianceKey(cluster, tenant), r.error);
}

export async function runComplianceScan(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const key = complianceKey(cluster, tenant);
  useCompliance.getState().setScanning(key, true);
  const r = await call(client, 'compliance.scan', { cluster, tenant }, { quiet: true });
  if (r.ok) useCompliance.getState().setScan(key, r.value);
  else useCompliance.getState().setScanError(key, r.error);
}

/** Saves boundary, frameworks and overrides at the version shown, then re-scans against them. */
export async function saveProfile(
  client: CsmClient,
  cluster: string,
  tenant: string,
  body: { boundary: BoundaryEntry[] | null; frameworks: Framework[]; overrides: Overrides; expectedVersion: number },
): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
  const r = await call(client, 'compliance.set', { cluster, tenant, ...body }, { success: (p) => `Compliance profile of ${tenant} saved (version ${p.version})` });
  if (!r.ok) return { ok: false, code: r.error.code, message: r.error.message };
  useCompliance.getState().setProfile(complianceKey(cluster, tenant), r.value);
  await runComplianceScan(client, cluster, tenant);
  return { ok: true };
}

/** Main re-scans before and after the statements: the tab shows the re-scan. */
export async function fixDrift(client: CsmClient, cluster: string, tenant: string, drift: Drift): Promise<boolean> {
  const r = await call(client, 'compliance.fix', { cluster, tenant, driftId: drift.id }, { success: (v) => (v.resolved ? `Fixed: ${v.drift.title}` : `Statements ran, but the drift is still there: ${v.drift.title}`) });
  if (r.ok) useCompliance.getState().setScan(complianceKey(cluster, tenant), r.value.after);
  return r.ok;
}
