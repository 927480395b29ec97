import { describe, expect, it } from 'vitest';
import { EventBus } from '../../../src-main/app/events';
import { JobRunner } from '../../../src-main/app/jobs';
import type { Job } from '../../../src-shared/contract/app';

/** An in-memory job store (the JobRunner's port; the SQLite one is tested in test/unit/store). */
function runner(): { jobs: JobRunner; rows: Map<string, Job> } {
  const rows = new Map<string, Job>();
  const store = { upsert: (j: Job) => void rows.set(j.id, { ...j }), list: () => [...rows.values()], get: (id: string) => rows.get(id) ?? null };
  return { jobs: new JobRunner({ store: store as never, bus: new EventBus() }), rows };
}

describe('JobRunner end states', () => {
  it('work that returns normally succeeds', async () => {
    const { jobs, rows } = runner();
    expect(await jobs.run('k', 'label', async () => 42, 'j1')).toBe(42);
    expect(rows.get('j1')).toMatchObject({ state: 'succeeded', step: 'done', fraction: 1 });
  });
  it('work that stops on cancel and returns its partial result is cancelled, not succeeded', async () => {
    const { jobs, rows } = runner();
    const value = await jobs.run(
      'k',
      'label',
      async (job) => {
        job.progress('reading', 0.4, 'half-way');
        jobs.cancel(job.id);
        return job.signal.aborted ? 'partial' : 'all';
      },
      'j2',
    );
    expect(value).toBe('partial');
    expect(rows.get('j2')).toMatchObject({ state: 'cancelled', step: 'reading', fraction: 0.4 });
  });
  it('work that throws after cancel is cancelled with CANCELLED', async () => {
    const { jobs, rows } = runner();
    const err = await jobs
      .run('k', 'label', async (job) => {
        jobs.cancel(job.id);
        throw new Error('stopped');
      }, 'j3')
      .catch((e: { code?: string }) => e.code);
    expect(err).toBe('CANCELLED');
    expect(rows.get('j3')?.state).toBe('cancelled');
  });
});
