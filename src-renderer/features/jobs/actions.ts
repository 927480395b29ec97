import type { CsmClient } from '../../../src-shared/client';
import { call } from '../../app/call';
import { useJobs } from './store';

export async function loadJobs(client: CsmClient): Promise<void> {
  useJobs.getState().setLoading();
  const r = await call(client, 'jobs.list', {});
  if (r.ok) useJobs.getState().setJobs(r.value);
  else useJobs.getState().setError(r.error);
}

export async function cancelJob(client: CsmClient, jobId: string): Promise<void> {
  await call(client, 'jobs.cancel', { jobId }, {
    success: (v) => (v.cancelled ? 'Cancellation requested: the job stops at its next safe point' : 'The job had already finished'),
  });
}

/** Live progress for the whole window; returns the unsubscribe. */
export function subscribeJobs(client: CsmClient): () => void {
  return client.on('job.progress', (p) => useJobs.getState().applyProgress(p));
}
