import type { CsmClient } from '../../../src-shared/client';
import type { Finding, IsolationAlert } from '../../../src-shared/contract/isolation';
import type { OperatorScope } from '../../../src-shared/contract/clusters';
import { call } from '../../app/call';
import { useSession } from '../../app/stores/session';
import { useIsolation } from './store';

export async function runScan(client: CsmClient, cluster: string, tenant: string): Promise<void> {
  const s = useIsolation.getState();
  s.setLoading();
  const r = await call(client, 'isolation.scan', { cluster, ...(tenant ? { tenant } : {}) }, { quiet: true });
  if (r.ok) useIsolation.getState().setReport(r.value);
  else useIsolation.getState().setError(r.error);
  // A manual scan moves the monitor's baseline too: its alerts and last scan changed.
  void loadMonitor(client, cluster);
}

/** Main re-scans before and after running the statements: what the screen shows next is the re-scan. */
export async function applyFix(client: CsmClient, cluster: string, finding: Finding): Promise<boolean> {
  const r = await call(client, 'isolation.fix', { cluster, findingId: finding.id }, { success: (v) => (v.resolved ? `Fixed: ${v.finding.title}` : `Statements ran, but the finding is still there: ${v.finding.title}`) });
  if (r.ok) useIsolation.getState().setFixed(r.value);
  return r.ok;
}

export async function loadMonitor(client: CsmClient, cluster: string): Promise<void> {
  const r = await call(client, 'isolation.status', { cluster }, { quiet: true });
  if (r.ok) useIsolation.getState().setMonitor(r.value);
  else useIsolation.getState().setMonitorError(cluster, r.error);
}

export async function acknowledgeAlert(client: CsmClient, alert: IsolationAlert): Promise<boolean> {
  const r = await call(client, 'isolation.acknowledge', { cluster: alert.cluster, alertId: alert.id }, { success: `Alert acknowledged: ${alert.title}` });
  if (r.ok) useIsolation.getState().upsertAlert(r.value);
  return r.ok;
}

export async function saveSchedule(client: CsmClient, cluster: string, everyMinutes: number | 'off'): Promise<boolean> {
  const r = await call(client, 'isolation.setSchedule', { cluster, everyMinutes }, { success: (s) => (s.everyMinutes === null ? `Scheduled isolation scans of ${cluster} are off` : `${cluster} is scanned every ${s.everyMinutes} min`) });
  if (r.ok) await loadMonitor(client, cluster);
  return r.ok;
}

/** An alert's "Show finding": expand it in the findings table, scanning first when the report lacks it. */
export async function showFinding(client: CsmClient, alert: IsolationAlert): Promise<void> {
  const s = useIsolation.getState();
  s.setCluster(alert.cluster);
  const has = (): boolean => useIsolation.getState().reports[alert.cluster]?.findings.some((f) => f.id === alert.findingId) ?? false;
  if (!has() || useIsolation.getState().reports[alert.cluster]?.tenant) {
    useIsolation.getState().setTenant('');
    await runScan(client, alert.cluster, '');
  }
  useIsolation.getState().reveal(alert.findingId);
}

/**
 * Live alerts for the whole window (the nav badge); returns the unsubscribe. The monitor status
 * of every cluster with platform scope is loaded now and whenever one appears (sign-in, a
 * restored session), and dropped at sign-out.
 */
export function subscribeIsolation(client: CsmClient): () => void {
  const pending = new Map<string, ReturnType<typeof setTimeout>>();
  // A burst of alerts (the first scan of a dirty cluster) refreshes the status once.
  const refreshSoon = (cluster: string): void => {
    if (pending.has(cluster)) return;
    pending.set(
      cluster,
      setTimeout(() => {
        pending.delete(cluster);
        void loadMonitor(client, cluster);
      }, 250),
    );
  };
  const offAlert = client.on('isolation.alert', (a) => {
    useIsolation.getState().upsertAlert(a);
    refreshSoon(a.cluster);
  });
  const watched = new Set<string>();
  const sync = (scopes: Record<string, OperatorScope>): void => {
    for (const s of Object.values(scopes)) {
      if (s.platform && !watched.has(s.cluster)) {
        watched.add(s.cluster);
        void loadMonitor(client, s.cluster);
      }
    }
    for (const c of [...watched]) {
      if (!scopes[c]?.platform) {
        watched.delete(c);
        useIsolation.getState().dropCluster(c);
      }
    }
  };
  sync(useSession.getState().scopes);
  const offSession = useSession.subscribe((s) => sync(s.scopes));
  return () => {
    offAlert();
    offSession();
    for (const t of pending.values()) clearTimeout(t);
  };
}
