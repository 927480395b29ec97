import { describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src-main/store/job-repo';
import { openStore } from '../../../src-main/store/store';
import { useTempDir } from './helpers';

const tmp = useTempDir();

const job = (id: string, startedAt: string, over: Partial<JobRecord> = {}): JobRecord => ({
  id,
  kind: 'sandbox.start',
  label: `job ${id}`,
  state: 'running',
  step: 'starting',
  fraction: null,
  startedAt,
  finishedAt: null,
  message: null,
  ...over,
});

describe('JobRepo', () => {
  it('round-trips a job with its payload', () => {
    const store = openStore({ dir: tmp() });
    try {
      const j = job('a', '2024-01-01T00:00:00.000Z', { fraction: 0.25, payload: { cluster: 'prod', steps: [1, 2], ok: true } });
      store.jobs.upsert(j);
      expect(store.jobs.get('a')).toEqual(j);
      expect(store.jobs.get('missing')).toBeNull();
    } finally {
      store.close();
    }
  });

  it('upsert updates in place, and keeps the payload when the update carries none', () => {
    const store = openStore({ dir: tmp() });
    try {
      store.jobs.upsert(job('a', 't1', { payload: { resumeFrom: 3 } }));
      store.jobs.upsert(job('a', 't1', { state: 'succeeded', step: 'done', fraction: 1, finishedAt: 't2', message: 'ok' }));
      expect(store.jobs.get('a')).toEqual(
        job('a', 't1', { state: 'succeeded', step: 'done', fraction: 1, finishedAt: 't2', message: 'ok', payload: { resumeFrom: 3 } }),
      );
      store.jobs.upsert(job('a', 't1', { payload: null }));
      expect(store.jobs.get('a')?.payload).toBeNull();
      expect(store.jobs.list()).toHaveLength(1);
    } finally {
      store.close();
    }
  });

  it('lists newest first, ties broken by insertion order, and honours the limit', () => {
    const store = openStore({ dir: tmp() });
    try {
      store.jobs.upsert(job('old', '2024-01-01T00:00:00.000Z'));
      store.jobs.upsert(job('new', '2024-03-01T00:00:00.000Z'));
      store.jobs.upsert(job('mid', '2024-02-01T00:00:00.000Z'));
      store.jobs.upsert(job('new2', '2024-03-01T00:00:00.000Z'));
      expect(store.jobs.list().map((j) => j.id)).toEqual(['new2', 'new', 'mid', 'old']);
      expect(store.jobs.list(2).map((j) => j.id)).toEqual(['new2', 'new']);
    } finally {
      store.close();
    }
  });

  it('refuses an unknown state (the table checks it)', () => {
    const store = openStore({ dir: tmp() });
    try {
      expect(() => store.jobs.upsert({ ...job('x', 't'), state: 'exploded' as JobRecord['state'] })).toThrow(/CHECK/);
    } finally {
      store.close();
    }
  });
});
