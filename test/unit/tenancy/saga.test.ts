import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/app/errors';
import type { SagaRecord, TenantRegistry } from '../../../src-main/tenancy/registry';
import { newSaga, rollbackSaga, runSaga, toWire, type SagaIo, type StepDef } from '../../../src-main/tenancy/saga';
import { appErrorOfAsync } from './helpers';

type StepState = SagaRecord['steps'][number]['state'];
/** What one putJob (or publish) saw: the saga state and every step's state at that moment. */
interface Snap {
  state: SagaRecord['state'];
  error: string | null;
  steps: Record<string, StepState>;
}
const snap = (r: SagaRecord): Snap => ({ state: r.state, error: r.error, steps: Object.fromEntries(r.steps.map((s) => [s.name, s.state])) });

/** An in-memory stand-in for the registry: records every putJob, and can be told to fail. */
function fakeIo(opts: { failPutJob?: (rec: SagaRecord, n: number) => boolean; signal?: AbortSignal } = {}) {
  const puts: Snap[] = [];
  const published: Snap[] = [];
  const progress: { step: string; fraction: number }[] = [];
  const log: string[] = [];
  const registry = {
    async putJob(rec: SagaRecord) {
      const n = puts.length;
      log.push(`put:${rec.state}:${rec.steps.map((s) => s.state).join(',')}`);
      if (opts.failPutJob?.(rec, n)) throw new AppError('UNAVAILABLE', 'node down');
      puts.push(snap(rec));
    },
  } as unknown as TenantRegistry;
  const io: SagaIo = {
    registry,
    publish: (rec) => void published.push(snap(rec)),
    progress: (step, fraction) => void progress.push({ step, fraction }),
    signal: opts.signal ?? new AbortController().signal,
  };
  return { io, puts, published, progress, log };
}

/** Steps that log when they run and undo; `fail` makes a step throw. */
function makeSteps(names: string[], log: string[], over: Record<string, Partial<StepDef<{ n: number }>>> = {}): StepDef<{ n: number }>[] {
  return names.map((name) => ({
    name,
    label: `Step ${name.toUpperCase()}`,
    async run(ctx, report) {
      log.push(`run:${name}`);
      ctx.n++;
      report(`${name} ok`);
    },
    async undo() {
      log.push(`undo:${name}`);
    },
    ...over[name],
  }));
}

const newRec = (steps: StepDef<{ n: number }>[]): SagaRecord =>
  newSaga({ jobId: '00000000-0000-4000-8000-000000000001', cluster: 'prod', tenantId: 'acme', kind: 'create', startedBy: 'csm_platform_admin', owner: 'console-1', params: { p: 1 } }, steps as StepDef<unknown>[]);

describe('newSaga / toWire', () => {
  it('starts running with every step pending, and the wire copy drops params and owner', () => {
    const rec = newRec(makeSteps(['a', 'b'], []));
    expect(rec.state).toBe('running');
    expect(rec.error).toBeNull();
    expect(rec.steps).toEqual([
      { name: 'a', label: 'Step A', state: 'pending', message: null },
      { name: 'b', label: 'Step B', state: 'pending', message: null },
    ]);
    const wire = toWire(rec, true);
    expect(wire).not.toHaveProperty('params');
    expect(wire).not.toHaveProperty('owner');
    expect(wire.needsAdminPassword).toBe(true);
  });
});

describe('runSaga', () => {
  it('runs the steps in order, persisting each as running then done before the next starts', async () => {
    const { io, puts, progress, log } = fakeIo();
    const steps = makeSteps(['a', 'b', 'c'], log);
    const rec = newRec(steps);
    const ctx = { n: 0 };
    const out = await runSaga(rec, steps, ctx, io);
    expect(out).toBe(rec);
    expect(ctx.n).toBe(3);
    expect(log).toEqual([
      'put:running:pending,pending,pending',
      'put:running:running,pending,pending',
      'run:a',
      'put:running:done,pending,pending',
      'put:running:done,running,pending',
      'run:b',
      'put:running:done,done,pending',
      'put:running:done,done,running',
      'run:c',
      'put:running:done,done,done',
      'put:succeeded:done,done,done',
    ]);
    expect(puts.at(-1)).toEqual({ state: 'succeeded', error: null, steps: { a: 'done', b: 'done', c: 'done' } });
    expect(rec.steps.map((s) => s.message)).toEqual(['a ok', 'b ok', 'c ok']);
    expect(progress).toEqual([
      { step: 'Step A', fraction: 0 },
      { step: 'Step B', fraction: 1 / 3 },
      { step: 'Step C', fraction: 2 / 3 },
      { step: 'done', fraction: 1 },
    ]);
  });

  it('publishes a step’s report as it happens', async () => {
    const { io, published } = fakeIo();
    const steps = makeSteps(['a'], []);
    await runSaga(newRec(steps), steps, { n: 0 }, io);
    // start, a running, the report, a done, succeeded
    expect(published.map((p) => p.steps['a'])).toEqual(['pending', 'running', 'running', 'done', 'done']);
  });

  it('a failing step marks the saga failed with the step’s message, rethrows, and leaves later steps untouched', async () => {
    const { io, puts, log } = fakeIo();
    const boom = new AppError('CONFLICT', 'role already exists');
    const steps = makeSteps(['a', 'b', 'c'], log, {
      b: {
        async run() {
          log.push('run:b');
          throw boom;
        },
      },
    });
    const rec = newRec(steps);
    await expect(runSaga(rec, steps, { n: 0 }, io)).rejects.toBe(boom);
    expect(log).not.toContain('run:c');
    expect(rec.state).toBe('failed');
    expect(rec.error).toBe('Step B: CONFLICT: role already exists');
    expect(rec.steps).toEqual([
      { name: 'a', label: 'Step A', state: 'done', message: 'a ok' },
      { name: 'b', label: 'Step B', state: 'failed', message: 'CONFLICT: role already exists' },
      { name: 'c', label: 'Step C', state: 'pending', message: null },
    ]);
    expect(puts.at(-1)).toEqual({ state: 'failed', error: 'Step B: CONFLICT: role already exists', steps: { a: 'done', b: 'failed', c: 'pending' } });
  });

  it('re-runs a step that timed out (idempotent by contract), saying so; a third timeout fails the saga', async () => {
    const { io, log } = fakeIo();
    io.retryDelaysMs = [1, 1];
    const said: string[] = [];
    io.publish = (r) => void said.push(r.steps[0]!.message ?? '');
    let left = 2;
    const steps = makeSteps(['a', 'b'], log, {
      a: {
        async run(_ctx, report) {
          log.push('run:a');
          if (left-- > 0) throw new AppError('TIMEOUT', 'creating the keyspaces: the node did not answer in time');
          report('a ok');
        },
      },
    });
    const rec = newRec(steps);
    await runSaga(rec, steps, { n: 0 }, io);
    const runs = (l: string[]) => l.filter((x) => x.startsWith('run:'));
    expect(runs(log)).toEqual(['run:a', 'run:a', 'run:a', 'run:b']);
    expect(rec.state).toBe('succeeded');
    // Every retry was announced on the step before it ran again.
    expect(said).toEqual(expect.arrayContaining(['creating the keyspaces: the node did not answer in time — retrying (attempt 2 of 3)', 'creating the keyspaces: the node did not answer in time — retrying (attempt 3 of 3)']));
    expect(rec.steps[0]).toMatchObject({ state: 'done', message: 'a ok' });

    const again = fakeIo();
    again.io.retryDelaysMs = [1, 1];
    const always = makeSteps(['a'], again.log, {
      a: {
        async run() {
          again.log.push('run:a');
          throw new AppError('TIMEOUT', 'the node did not answer in time');
        },
      },
    });
    const failed = newRec(always);
    await expect(runSaga(failed, always, { n: 0 }, again.io)).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(runs(again.log)).toEqual(['run:a', 'run:a', 'run:a']);
    expect(failed.error).toBe('Step A: TIMEOUT: the node did not answer in time');

    // Any other failure is not retried.
    const other = fakeIo();
    const once = makeSteps(['a'], other.log, {
      a: {
        async run() {
          other.log.push('run:a');
          throw new AppError('UNAVAILABLE', 'node down');
        },
      },
    });
    await expect(runSaga(newRec(once), once, { n: 0 }, other.io)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(runs(other.log)).toEqual(['run:a']);
  });

  it('records a non-AppError failure as INTERNAL without its text, and rethrows the original', async () => {
    const { io } = fakeIo();
    const raw = new Error('driver said host 10.0.0.7 password=hunter2');
    const steps = makeSteps(['a'], [], {
      a: {
        async run() {
          throw raw;
        },
      },
    });
    const rec = newRec(steps);
    await expect(runSaga(rec, steps, { n: 0 }, io)).rejects.toBe(raw);
    expect(rec.error).toBe('Step A: INTERNAL: step "Step A" failed');
    expect(rec.steps[0]!.message).toBe('INTERNAL: step "Step A" failed');
  });

  it('a resumed run skips done steps and re-runs the failed one', async () => {
    const log: string[] = [];
    const { io, puts } = fakeIo();
    const steps = makeSteps(['a', 'b', 'c'], log);
    const rec = newRec(steps);
    rec.state = 'failed';
    rec.error = 'Step B: UNAVAILABLE: node down';
    rec.steps[0]!.state = 'done';
    rec.steps[1]!.state = 'failed';
    rec.steps[1]!.message = 'UNAVAILABLE: node down';
    const ctx = { n: 0 };
    await runSaga(rec, steps, ctx, io);
    expect(log).toEqual(['run:b', 'run:c']);
    expect(ctx.n).toBe(2);
    expect(puts[0]).toEqual({ state: 'running', error: null, steps: { a: 'done', b: 'failed', c: 'pending' } });
    expect(rec.state).toBe('succeeded');
    expect(rec.error).toBeNull();
  });

  it('an aborted signal stops before the next step with CANCELLED', async () => {
    const ac = new AbortController();
    const log: string[] = [];
    const { io } = fakeIo({ signal: ac.signal });
    const steps = makeSteps(['a', 'b'], log, {
      a: {
        async run() {
          log.push('run:a');
          ac.abort();
        },
      },
    });
    const rec = newRec(steps);
    const e = await appErrorOfAsync(runSaga(rec, steps, { n: 0 }, io));
    expect(e).toEqual({ code: 'CANCELLED', message: 'cancelled before "Step B"' });
    expect(log).toEqual(['run:a']);
    expect(rec.state).toBe('failed');
    expect(rec.steps.map((s) => s.state)).toEqual(['done', 'failed']);
    expect(rec.error).toBe('Step B: CANCELLED: cancelled before "Step B"');
  });

  it('an already aborted signal runs nothing', async () => {
    const ac = new AbortController();
    ac.abort();
    const log: string[] = [];
    const { io } = fakeIo({ signal: ac.signal });
    const steps = makeSteps(['a', 'b'], log);
    expect((await appErrorOfAsync(runSaga(newRec(steps), steps, { n: 0 }, io))).code).toBe('CANCELLED');
    expect(log).toEqual([]);
  });

  it('when putJob fails while recording the failure, the step’s own error is still the one thrown (and the failure is published)', async () => {
    const boom = new AppError('UNAVAILABLE', 'the node went away mid-step');
    const { io, published, log } = fakeIo({ failPutJob: (rec) => rec.state === 'failed' });
    const steps = makeSteps(['a', 'b'], [], {
      a: {
        async run() {
          throw boom;
        },
      },
    });
    const rec = newRec(steps);
    await expect(runSaga(rec, steps, { n: 0 }, io)).rejects.toBe(boom);
    expect(log.at(-1)).toBe('put:failed:failed,pending'); // the write was attempted and refused
    expect(published.at(-1)).toEqual({ state: 'failed', error: 'Step A: UNAVAILABLE: the node went away mid-step', steps: { a: 'failed', b: 'pending' } });
  });

  it('refuses a step the record does not know', async () => {
    const { io } = fakeIo();
    const rec = newRec(makeSteps(['a'], []));
    const e = await appErrorOfAsync(runSaga(rec, makeSteps(['a', 'x'], []), { n: 0 }, io));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toBe('saga 00000000-0000-4000-8000-000000000001 has no step x');
  });
});

describe('rollbackSaga', () => {
  it('undoes every step not yet undone, newest first, including pending ones, and ends rolled_back', async () => {
    const log: string[] = [];
    const { io, puts, progress } = fakeIo();
    const steps = makeSteps(['a', 'b', 'c', 'd'], log);
    const rec = newRec(steps);
    rec.state = 'failed';
    rec.error = 'Step C: UNAVAILABLE: node down';
    rec.steps[0]!.state = 'done';
    rec.steps[1]!.state = 'done';
    rec.steps[2]!.state = 'failed';
    // d is still pending: a node killed mid-step may have applied it anyway
    log.length = 0;
    await rollbackSaga(rec, steps, { n: 0 }, io);
    expect(log.filter((l) => l.startsWith('undo:'))).toEqual(['undo:d', 'undo:c', 'undo:b', 'undo:a']);
    expect(rec.state).toBe('rolled_back');
    expect(rec.error).toBeNull();
    expect(rec.steps.map((s) => s.state)).toEqual(['undone', 'undone', 'undone', 'undone']);
    expect(puts[0]).toEqual({ state: 'rolling_back', error: null, steps: { a: 'done', b: 'done', c: 'failed', d: 'pending' } });
    expect(puts[1]!.steps).toEqual({ a: 'done', b: 'done', c: 'failed', d: 'undone' });
    expect(puts.at(-1)!.state).toBe('rolled_back');
    expect(progress.map((p) => p.step)).toEqual(['undo: Step D', 'undo: Step C', 'undo: Step B', 'undo: Step A']);
  });

  it('skips steps already undone (a second rollback) and steps without an undo still end undone', async () => {
    const log: string[] = [];
    const { io } = fakeIo();
    const steps = makeSteps(['a', 'b', 'c'], log, { b: { undo: undefined } });
    const rec = newRec(steps);
    rec.steps[0]!.state = 'done';
    rec.steps[1]!.state = 'done';
    rec.steps[2]!.state = 'undone';
    await rollbackSaga(rec, steps, { n: 0 }, io);
    expect(log).toEqual(['undo:a']);
    expect(rec.steps.map((s) => s.state)).toEqual(['undone', 'undone', 'undone']);
    expect(rec.state).toBe('rolled_back');
  });

  it('an undo that throws leaves the saga failed with "rollback of …" and rethrows; older steps stay as they were', async () => {
    const log: string[] = [];
    const { io, puts } = fakeIo();
    const boom = new AppError('UNAVAILABLE', 'cannot drop keyspace');
    const steps = makeSteps(['a', 'b', 'c'], log, {
      b: {
        async undo() {
          log.push('undo:b');
          throw boom;
        },
      },
    });
    const rec = newRec(steps);
    for (const s of rec.steps) s.state = 'done';
    await expect(rollbackSaga(rec, steps, { n: 0 }, io)).rejects.toBe(boom);
    expect(log).toEqual(['undo:c', 'undo:b']);
    expect(rec.state).toBe('failed');
    expect(rec.error).toBe('rollback of Step B: UNAVAILABLE: cannot drop keyspace');
    expect(rec.steps.map((s) => s.state)).toEqual(['done', 'done', 'undone']);
    expect(puts.at(-1)).toEqual({ state: 'failed', error: 'rollback of Step B: UNAVAILABLE: cannot drop keyspace', steps: { a: 'done', b: 'done', c: 'undone' } });
  });

  it('a non-AppError from an undo is recorded as INTERNAL and the original is rethrown even when putJob fails too', async () => {
    const raw = new TypeError('x is undefined');
    const { io, published } = fakeIo({ failPutJob: (rec) => rec.state === 'failed' });
    const steps = makeSteps(['a'], [], {
      a: {
        async undo() {
          throw raw;
        },
      },
    });
    const rec = newRec(steps);
    await expect(rollbackSaga(rec, steps, { n: 0 }, io)).rejects.toBe(raw);
    expect(published.at(-1)!.error).toBe('rollback of Step A: INTERNAL: undoing "Step A" failed');
  });
});
