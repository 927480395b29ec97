import { randomUUID } from 'node:crypto';
import type { Job, JobProgress } from '../../src-shared/contract';
import { AppError } from './errors';
import type { EventBus } from './events';

export interface JobStore {
  upsert(job: Job): void;
  list(limit: number): Job[];
}

export interface JobHandle {
  readonly id: string;
  readonly signal: AbortSignal;
  progress(step: string, fraction: number | null, message?: string): void;
}

/**
 * Long work runs as a job: persisted (so a crash leaves a visible `failed`/`running` record),
 * cancellable through an AbortSignal, and streamed as `job.progress` events.
 */
export class JobRunner {
  private readonly running = new Map<string, AbortController>();
  private readonly finished = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: { store: JobStore; bus: EventBus }) {}

  /** `id`: resuming work that already has an id (a saga) keeps it, so every face names one job. */
  async run<T>(kind: string, label: string, work: (job: JobHandle) => Promise<T>, id: string = randomUUID()): Promise<T> {
    if (this.running.has(id)) throw new AppError('CONFLICT', `job ${id} is already running`);
    const ctl = new AbortController();
    this.running.set(id, ctl);
    const job: Job = { id, kind, label, state: 'running', step: 'starting', fraction: 0, startedAt: new Date().toISOString(), finishedAt: null, message: null };
    const publish = (): void => {
      this.deps.store.upsert(job);
      const ev: JobProgress = { jobId: id, kind, label, step: job.step, fraction: job.fraction === null ? null : Math.min(1, Math.max(0, job.fraction)), state: job.state };
      if (job.message !== null) ev.message = job.message;
      this.deps.bus.emit('job.progress', ev);
    };
    publish();
    const handle: JobHandle = {
      id,
      signal: ctl.signal,
      progress: (step, fraction, message) => {
        job.step = step;
        job.fraction = fraction;
        job.message = message ?? null;
        publish();
      },
    };
    try {
      const value = await work(handle);
      // Work that stops early on cancel and returns what it did (an ingest keeps its offsets) is
      // a cancelled job with a result, not a success.
      if (ctl.signal.aborted) Object.assign(job, { state: 'cancelled', finishedAt: new Date().toISOString() });
      else Object.assign(job, { state: 'succeeded', step: 'done', fraction: 1, finishedAt: new Date().toISOString() });
      publish();
      return value;
    } catch (err) {
      const cancelled = ctl.signal.aborted;
      Object.assign(job, {
        state: cancelled ? 'cancelled' : 'failed',
        finishedAt: new Date().toISOString(),
        message: err instanceof AppError ? `${err.code}: ${err.message}` : 'failed (see the console log)',
      });
      publish();
      throw cancelled && !(err instanceof AppError) ? new AppError('CANCELLED', `${label}: cancelled`) : err;
    } finally {
      this.running.delete(id);
    }
  }

  /**
   * Start a job and return its id at once (the caller answers the UI with it); `done` settles
   * when the work does. Failures are reported through the job record and events, so an unawaited
   * `done` never becomes an unhandled rejection.
   */
  start<T>(kind: string, label: string, work: (job: JobHandle) => Promise<T>, id?: string): { jobId: string; done: Promise<T> } {
    let jobId = id ?? '';
    const done = this.run(
      kind,
      label,
      (job) => {
        jobId = job.id;
        return work(job);
      },
      id,
    );
    done.catch(() => undefined);
    this.finished.set(jobId, done);
    void done.finally(() => setTimeout(() => this.finished.delete(jobId), 60_000).unref()).catch(() => undefined);
    return { jobId, done };
  }

  /** Settles when a job started by this process ends (the CLI waits for its saga this way). */
  wait(jobId: string): Promise<unknown> | null {
    return this.finished.get(jobId) ?? null;
  }

  isRunning(jobId: string): boolean {
    return this.running.has(jobId);
  }

  cancel(jobId: string): boolean {
    const ctl = this.running.get(jobId);
    if (!ctl) return false;
    ctl.abort();
    return true;
  }

  list(limit = 100): Job[] {
    return this.deps.store.list(limit);
  }
}
