import { create } from 'zustand';
import type { Job, JobProgress } from '../../../src-shared/contract/app';
import type { WireError } from '../../../src-shared/contract/core';
import type { LoadStatus } from '../../app/stores/appInfo';

interface JobsState {
  jobs: Job[];
  status: LoadStatus;
  error: WireError | null;
  setLoading(): void;
  setJobs(jobs: Job[]): void;
  setError(err: WireError): void;
  /** Live update from `job.progress`; a job first seen through an event is listed too. */
  applyProgress(p: JobProgress, now?: Date): void;
  reset(): void;
}

const initial = { jobs: [] as Job[], status: 'idle' as LoadStatus, error: null };

export const useJobs = create<JobsState>()((set) => ({
  ...initial,
  setLoading: () => set({ status: 'loading', error: null }),
  setJobs(jobs) {
    // A progress event can arrive while jobs.list is in flight: keep whichever says more.
    set((s) => {
      const live = new Map(s.jobs.map((j) => [j.id, j]));
      const merged = jobs.map((j) => {
        const l = live.get(j.id);
        return l && l.state !== 'running' && j.state === 'running' ? l : j;
      });
      const known = new Set(jobs.map((j) => j.id));
      return { jobs: [...s.jobs.filter((j) => !known.has(j.id)), ...merged], status: 'ready', error: null };
    });
  },
  setError: (error) => set({ status: 'error', error }),
  applyProgress(p, now = new Date()) {
    set((s) => {
      const done = p.state !== 'running';
      const existing = s.jobs.find((j) => j.id === p.jobId);
      if (!existing) {
        const job: Job = {
          id: p.jobId,
          kind: p.kind,
          label: p.label,
          state: p.state,
          step: p.step,
          fraction: p.fraction,
          startedAt: now.toISOString(),
          finishedAt: done ? now.toISOString() : null,
          message: p.message ?? null,
        };
        return { jobs: [job, ...s.jobs] };
      }
      return {
        jobs: s.jobs.map((j) =>
          j.id !== p.jobId
            ? j
            : {
                ...j,
                label: p.label,
                state: p.state,
                step: p.step,
                fraction: p.fraction,
                message: p.message ?? j.message,
                finishedAt: done ? (j.finishedAt ?? now.toISOString()) : null,
              },
        ),
      };
    });
  },
  reset: () => set({ ...initial, jobs: [] }),
}));

export const runningCount = (jobs: Job[]): number => jobs.filter((j) => j.state === 'running').length;
