import { AppError } from '../app/errors';
import type { Saga } from '../../src-shared/contract/tenants';
import type { SagaRecord, TenantRegistry } from './registry';

export interface StepDef<C> {
  name: string;
  label: string;
  /** Must be idempotent: after a crash it runs again from the start. */
  run(ctx: C, report: (message: string) => void): Promise<void>;
  /** Undo what run may have done, idempotently; absent when there is nothing to undo. */
  undo?(ctx: C): Promise<void>;
}

export interface SagaIo {
  registry: TenantRegistry;
  publish(rec: SagaRecord): void;
  progress(step: string, fraction: number, message?: string): void;
  signal: AbortSignal;
  /** Waits before re-running a step that timed out (tests shorten them); default STEP_TIMEOUT_RETRY_MS. */
  retryDelaysMs?: readonly number[];
}

/**
 * A step whose statement timed out (TIMEOUT: the node answered too late — a schema change on a
 * loaded node, a GC pause) is run again after these waits: steps are idempotent by contract, and
 * an administrator expects a slow moment not to fail a provisioning. Any other failure, and a
 * third timeout, fail the saga as before.
 */
export const STEP_TIMEOUT_RETRY_MS: readonly number[] = [2_000, 6_000];

const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

const now = (): string => new Date().toISOString();

export function newSaga(init: Omit<SagaRecord, 'steps' | 'state' | 'error' | 'startedAt' | 'updatedAt'>, steps: StepDef<unknown>[]): SagaRecord {
  return {
    ...init,
    state: 'running',
    steps: steps.map((s) => ({ name: s.name, label: s.label, state: 'pending', message: null })),
    error: null,
    startedAt: now(),
    updatedAt: now(),
  };
}

export function toWire(rec: SagaRecord, needsAdminPassword: boolean): Saga {
  const { params: _p, owner: _o, ...wire } = rec;
  return { ...wire, needsAdminPassword };
}

async function persist(io: SagaIo, rec: SagaRecord): Promise<void> {
  rec.updatedAt = now();
  io.publish(rec);
  await io.registry.putJob(rec);
}

/**
 * Run every step not yet done, persisting the record before and after each, so a crash, a dead
 * node or a cancel leaves a record that says exactly where it stopped. A step that fails marks
 * the saga failed (when the failure can still be written) and rethrows.
 */
export async function runSaga<C>(rec: SagaRecord, steps: StepDef<C>[], ctx: C, io: SagaIo): Promise<SagaRecord> {
  rec.state = 'running';
  rec.error = null;
  await persist(io, rec);
  for (let i = 0; i < steps.length; i++) {
    const def = steps[i]!;
    const st = rec.steps.find((s) => s.name === def.name);
    if (!st) throw new AppError('INTERNAL', `saga ${rec.jobId} has no step ${def.name}`);
    if (st.state === 'done') continue;
    try {
      if (io.signal.aborted) throw new AppError('CANCELLED', `cancelled before "${def.label}"`);
      st.state = 'running';
      st.message = null;
      await persist(io, rec);
      io.progress(def.label, i / steps.length);
      const delays = io.retryDelaysMs ?? STEP_TIMEOUT_RETRY_MS;
      for (let attempt = 0; ; attempt++) {
        try {
          await def.run(ctx, (m) => {
            st.message = m;
            io.publish(rec);
          });
          break;
        } catch (e) {
          const wait = delays[attempt];
          if (!(e instanceof AppError) || e.code !== 'TIMEOUT' || wait === undefined || io.signal.aborted) throw e;
          st.message = `${e.message} — retrying (attempt ${attempt + 2} of ${delays.length + 1})`;
          io.publish(rec);
          await pause(wait, io.signal);
          if (io.signal.aborted) throw new AppError('CANCELLED', `cancelled while retrying "${def.label}"`);
        }
      }
      st.state = 'done';
      await persist(io, rec);
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('INTERNAL', `step "${def.label}" failed`);
      st.state = 'failed';
      st.message = `${e.code}: ${e.message}`;
      rec.state = 'failed';
      rec.error = `${def.label}: ${e.code}: ${e.message}`;
      // Best effort: with the node dead this write fails too, and the record stays "running";
      // resume and rollback treat a running saga that no console is running as interrupted.
      await persist(io, rec).catch(() => io.publish(rec));
      throw err;
    }
  }
  rec.state = 'succeeded';
  await persist(io, rec);
  io.progress('done', 1);
  return rec;
}

/**
 * Undo, newest first, every step not yet undone — including those the record calls pending:
 * a node killed mid-step may have applied the step and lost the write that said so (a single
 * node acknowledges writes before its commit log syncs). Every undo is idempotent (IF EXISTS),
 * so undoing a step that never ran costs nothing; skipping one that did would leave an orphan.
 */
export async function rollbackSaga<C>(rec: SagaRecord, steps: StepDef<C>[], ctx: C, io: SagaIo): Promise<SagaRecord> {
  rec.state = 'rolling_back';
  rec.error = null;
  await persist(io, rec);
  const started = steps.filter((d) => rec.steps.some((s) => s.name === d.name && s.state !== 'undone'));
  for (let i = started.length - 1; i >= 0; i--) {
    const def = started[i]!;
    const st = rec.steps.find((s) => s.name === def.name)!;
    try {
      io.progress(`undo: ${def.label}`, (started.length - i) / (started.length + 1));
      if (def.undo) await def.undo(ctx);
      st.state = 'undone';
      st.message = null;
      await persist(io, rec);
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('INTERNAL', `undoing "${def.label}" failed`);
      rec.state = 'failed';
      rec.error = `rollback of ${def.label}: ${e.code}: ${e.message}`;
      await persist(io, rec).catch(() => io.publish(rec));
      throw err;
    }
  }
  rec.state = 'rolled_back';
  await persist(io, rec);
  return rec;
}
