import type { CsmClient } from '../../../src-shared/client';
import type { BulkAction, BulkTarget } from '../../../src-shared/contract/msp';
import { call } from '../../app/call';
import { useMsp } from './store';

export async function loadDashboard(client: CsmClient, refresh = false): Promise<void> {
  useMsp.getState().setLoading();
  const r = await call(client, 'msp.dashboard', { refresh }, { quiet: true });
  if (r.ok) useMsp.getState().setDashboard(r.value);
  else useMsp.getState().setError(r.error);
}

export async function loadRecent(client: CsmClient): Promise<void> {
  const r = await call(client, 'bulk.list', { limit: 20 }, { quiet: true });
  if (r.ok) useMsp.getState().setRecent(r.value);
  else useMsp.getState().setRecentError(r.error);
}

export async function openOperation(client: CsmClient, id: string): Promise<void> {
  const r = await call(client, 'bulk.show', { id });
  if (r.ok) useMsp.getState().setOpened(r.value);
}

/** The dry run: main plans every selected tenant and changes nothing. */
export async function preview(client: CsmClient, targets: BulkTarget[], action: BulkAction): Promise<void> {
  const s = useMsp.getState();
  s.setBusy(true);
  try {
    const r = await call(client, 'bulk.apply', { targets, action, dryRun: true });
    if (r.ok) useMsp.getState().setStep({ kind: 'preview', preview: r.value });
  } finally {
    useMsp.getState().setBusy(false);
  }
}

/** The real run: a job in main; results stream as bulk.result events, the record is read when it ends. */
export async function apply(client: CsmClient, targets: BulkTarget[], action: BulkAction): Promise<void> {
  const s = useMsp.getState();
  s.setBusy(true);
  try {
    const r = await call(client, 'bulk.apply', { targets, action, dryRun: false }, { success: (v) => `Bulk operation started on ${v.plan.length} tenant${v.plan.length === 1 ? '' : 's'}` });
    if (r.ok) {
      useMsp.getState().setStep({ kind: 'running', started: r.value, results: {}, done: 0, op: null });
      // Events travel on their own socket and may beat this answer: a short run can have ended
      // (its results and its end already sent) before the dialog knew its id. Read the record once.
      if (r.value.id) await catchUp(client, r.value.id);
    }
  } finally {
    useMsp.getState().setBusy(false);
  }
}

async function catchUp(client: CsmClient, id: string): Promise<void> {
  const r = await call(client, 'bulk.show', { id }, { quiet: true });
  if (!r.ok) return;
  const s = useMsp.getState();
  if (r.value.state !== 'running') {
    s.finished(r.value);
    await Promise.all([loadDashboard(client), loadRecent(client)]);
    return;
  }
  let done = 0;
  for (const res of r.value.results) {
    if (res.outcome === 'pending') continue;
    done++;
    s.liveResult({ id, done, result: res });
  }
}

/**
 * Live results: each tenant's outcome as it lands; when the job ends (any end: done, failed,
 * cancelled) the stored record is read back and the dashboard refreshed.
 */
export function subscribeBulk(client: CsmClient): () => void {
  const offResult = client.on('bulk.result', (p) => useMsp.getState().liveResult(p));
  const offJob = client.on('job.progress', (p) => {
    if (p.kind !== 'bulk.apply' || p.state === 'running') return;
    const step = useMsp.getState().step;
    if (step.kind !== 'running' || step.started.jobId !== p.jobId || !step.started.id) return;
    const id = step.started.id;
    void (async () => {
      const r = await call(client, 'bulk.show', { id }, { quiet: true });
      if (r.ok) useMsp.getState().finished(r.value);
      await Promise.all([loadDashboard(client), loadRecent(client)]);
    })();
  });
  return () => {
    offResult();
    offJob();
  };
}

export async function cancelRun(client: CsmClient, jobId: string): Promise<void> {
  await call(client, 'jobs.cancel', { jobId }, { success: (v) => (v.cancelled ? 'Cancelling after the tenant in progress' : 'The operation had already ended') });
}
