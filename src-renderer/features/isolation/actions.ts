import type { CsmClient } from '../../../src-shared/client';
import type { Finding } from '../../../src-shared/contract/isolation';
import { call } from '../../app/call';
import { useIsolation } from './store';

export async function runScan(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const s = useIsolation.getState();
  s.setLoading();
  const r = await call(client, 'isolation.scan', { cluster, ...(tenant ? { tenant } : {}) }, { quiet: true });
  if (r.ok) useIsolation.getState().setReport(r.value);
  else useIsolation.getState().setError(r.error);
}

/** Main re-scans before and after running the statements: what the screen shows next is the re-scan. */
export async function applyFix(client: CsmClient, cluster: string, finding: Finding): Promise<boolean> {
  const r = await call(client, 'isolation.fix', { cluster, findingId: finding.id }, { success: (v) => (v.resolved ? `Fixed: ${v.finding.title}` : `Statements ran, but the finding is still there: ${v.finding.title}`) });
  if (r.ok) useIsolation.getState().setFixed(r.value);
  return r.ok;
}
