import { describe, expect, it } from 'vitest';
import { operationSchema } from '../../../src-shared/contract/portability';
import { MigrationRun, MoveTakenOver, type MigrationPhase } from '../../../src-main/portability/orchestration/migration';
import { MIGRATION_HEARTBEAT_MS, MIGRATION_STALE_MS, moveLiveness, movesAsOperations, operationFromMove, recoveryDecision } from '../../../src-main/portability/orchestration/recovery';
import type { MoveRecord } from '../../../src-main/portability/orchestration/system-repo';
import { ago, moveRow, NOW, plan, sleep, world } from './orchestration-fakes';

const move = (patch: Partial<MoveRecord> = {}): MoveRecord => moveRow(patch, 5_000);

describe('orphaned migration: stale or fresh (recovery.ts)', () => {
  it('documents its periods: a heartbeat every 15 s, orphaned after 4 missed (60 s)', () => {
    expect(MIGRATION_HEARTBEAT_MS).toBe(15_000);
    expect(MIGRATION_STALE_MS).toBe(60_000);
  });

  it('a running row is live until its heartbeat is staleMs old, then stale; ended rows are ended whatever their age', () => {
    expect(moveLiveness(move({ updatedAt: ago(59_999) }), NOW, 60_000)).toBe('live');
    expect(moveLiveness(move({ updatedAt: ago(60_000) }), NOW, 60_000)).toBe('stale');
    expect(moveLiveness(move({ updatedAt: ago(3_600_000) }), NOW, 60_000)).toBe('stale');
    // A recovery in progress is judged by its own heartbeat too (its console may die as well).
    expect(moveLiveness(move({ state: 'recovering', updatedAt: ago(1_000) }), NOW, 60_000)).toBe('live');
    expect(moveLiveness(move({ state: 'recovering', updatedAt: ago(61_000) }), NOW, 60_000)).toBe('stale');
    for (const state of ['aborted', 'failed', 'succeeded']) expect(moveLiveness(move({ state, updatedAt: ago(86_400_000) }), NOW, 60_000)).toBe('ended');
    // Never written (read as the epoch): orphaned. Written "in the future" (node clock ahead): live.
    expect(moveLiveness(move({ updatedAt: new Date(0).toISOString() }), NOW, 60_000)).toBe('stale');
    expect(moveLiveness(move({ updatedAt: new Date(NOW + 10_000).toISOString() }), NOW, 60_000)).toBe('live');
  });

  it('decides: recover a stale running move, ask a live one to abort, refuse the rest with the reason', () => {
    expect(recoveryDecision(move({ updatedAt: ago(61_000) }), 'east', NOW, 60_000)).toEqual({ kind: 'recover' });
    const live = recoveryDecision(move({ updatedAt: ago(4_000) }), 'east', NOW, 60_000);
    expect(live.kind).toBe('request-abort');
    expect(live.kind === 'request-abort' ? live.message : '').toMatch(/running on another console \(last heartbeat 4 s ago, at cutover\): abort requested/);
    const recovering = recoveryDecision(move({ state: 'recovering', updatedAt: ago(2_000) }), 'east', NOW, 60_000);
    expect(recovering.kind === 'request-abort' ? recovering.message : recovering.kind).toMatch(/being recovered by another console/);

    const refused = (m: MoveRecord, cluster = 'east'): string => {
      const d = recoveryDecision(m, cluster, NOW, 60_000);
      return d.kind === 'refuse' ? `${d.code} ${d.message}` : d.kind;
    };
    // Past the point of no return: never, however stale.
    expect(refused(move({ phase: 'cleanup', updatedAt: ago(600_000) }))).toMatch(/^CONFLICT .*reached cleanup/);
    expect(refused(move({ phase: 'done', state: 'succeeded' }))).toMatch(/^CONFLICT .*reached done/);
    expect(refused(move({ state: 'aborted' }))).toBe('CONFLICT migration op1 already aborted');
    expect(refused(move({ state: 'failed', error: 'CONFLICT: verification failed' }))).toMatch(/^CONFLICT .*already failed and was rolled back/);
    // A failed one whose roll-back was left incomplete is recovered (as this console's own are).
    expect(refused(move({ state: 'failed', error: 'x; roll-back incomplete: thawing writes: timeout' }))).toBe('recover');
    // Named from the wrong side.
    expect(refused(move({ side: 'target' }), 'west')).toMatch(/^BAD_INPUT .*target's record.*source cluster east/);
    // The source's own row, read from it under another name this console gives the cluster: still its record.
    expect(refused(move({ updatedAt: ago(61_000) }), 'north')).toBe('recover');
    expect(refused(move({ state: 'weird' }))).toMatch(/^CONFLICT .*recorded as weird/);
  });

  it('shows a move this console did not run as a migrate operation whose state tells the truth', () => {
    const live = operationFromMove(move(), NOW, 60_000);
    expect(live).toMatchObject({ id: 'op1', kind: 'migrate', state: 'running', cluster: 'east', tenant: 'acme', targetCluster: 'west', targetTenant: 'acme', phase: 'cutover', endedAt: null, recordedIn: 'cluster', startedBy: 'ops' });
    const orphan = operationFromMove(move({ updatedAt: ago(90_000) }), NOW, 60_000);
    // Not 'interrupted' (an ended state to the UI, which then offers no Abort): nothing runs it, and it waits for an abort.
    expect(orphan.state).toBe('paused');
    expect(orphan.error).toMatch(/orphaned: no heartbeat .* since .* \(90 s\); the source's writes stay paused until it is aborted/);
    expect(operationFromMove(move({ state: 'aborted', updatedAt: ago(1_000) }), NOW, 60_000)).toMatchObject({ state: 'aborted', endedAt: ago(1_000) });
    expect(operationFromMove(move({ state: 'failed', error: 'boom' }), NOW, 60_000)).toMatchObject({ state: 'failed', error: 'boom' });
    // Every one passes the channel's output schema (extra fields are the contract's optional ones).
    for (const o of [live, orphan]) expect(operationSchema.parse(o)).toEqual(o);
  });

  it("one operation per move: the source cluster's row wins over the target's", () => {
    const src = move({ updatedAt: ago(90_000) });
    const tgt = move({ side: 'target', updatedAt: ago(1_000), phase: 'switch' });
    const other = move({ operationId: 'op2', tenant: 'beta', targetTenant: 'beta', state: 'succeeded', phase: 'done', startedAt: ago(100) });
    const ops = movesAsOperations([tgt, src, other], () => NOW, 60_000);
    expect(ops.map((o) => `${o.id}:${o.state}:${o.phase}`)).toEqual(['op2:succeeded:done', 'op1:paused:cutover']);
  });
});


describe('migration heartbeat (MigrationRun with fakes)', () => {
  it('beats while the run works and stops when it ends; a failed beat is logged, not fatal', async () => {
    const w = world();
    const beats: string[] = [];
    const warnings: string[] = [];
    let fail = true;
    const ports = w.migrationPorts(plan, {
      heartbeatMs: 5,
      heartbeat: async (expect) => {
        beats.push(expect);
        if (fail) {
          fail = false;
          throw new Error('write timeout');
        }
        return { outcome: 'ok', abortRequested: false };
      },
      warn: (m, f) => warnings.push(`${m}: ${String(f['error'])}`),
      afterPhase: async (phase: MigrationPhase) => {
        if (phase === 'verify') await sleep(40);
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('succeeded');
    expect(beats.length).toBeGreaterThanOrEqual(3);
    expect(new Set(beats)).toEqual(new Set(['running']));
    expect(warnings).toEqual(['migration heartbeat failed: write timeout']);
    const after = beats.length;
    await sleep(30);
    expect(beats.length).toBe(after);
  });

  it('an abort asked for in csm_system is acted on within a heartbeat, mid-phase, and rolled back', async () => {
    const w = world();
    let asked = false;
    const ports = w.migrationPorts(plan, {
      heartbeatMs: 5,
      heartbeat: async () => ({ outcome: 'ok', abortRequested: asked }),
      afterPhase: async (phase: MigrationPhase, signal: AbortSignal) => {
        if (phase !== 'cutover') return;
        asked = true;
        // Stuck in a long phase: only the heartbeat can notice the request now.
        await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out).toMatchObject({ state: 'aborted', phase: 'cutover' });
    expect(w.tenant('east', 'acme')!.state).toBe('active');
    expect(w.tenant('west', 'acme')).toBeUndefined();
    expect(ports.moves).toContain('east:source:cutover:aborted');
  });

  it('a run whose move another console took over stops and touches neither cluster', async () => {
    const w = world();
    let taken = false;
    const ports = w.migrationPorts(plan, {
      heartbeatMs: 5,
      heartbeat: async () => ({ outcome: taken ? 'lost' : 'ok', abortRequested: false }),
      afterPhase: async (phase: MigrationPhase, signal: AbortSignal) => {
        if (phase !== 'cutover') return;
        taken = true;
        await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
      },
    });
    const logBefore = () => w.log.filter((l) => /^(drop|thaw|state east\/acme migrating→active)/.test(l));
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(out.error).toMatch(/taken over by another console/);
    // The claimer rolls back: here nothing was dropped, thawed or returned to active, and no final state recorded.
    expect(logBefore()).toEqual([]);
    expect(w.tenant('east', 'acme')!.state).toBe('migrating');
    expect(ports.moves.filter((m) => /aborted|failed/.test(m))).toEqual([]);
    // Its own bundle files are gone.
    expect(w.files.size).toBe(0);
  });

  it('a phase change the record refuses (no longer running: claimed) stops the run before the point of no return', async () => {
    const w = world();
    const base = w.migrationPorts(plan);
    const ports = w.migrationPorts(plan, {
      recordMove: async (cluster, side, p, phase, state, error, opts) => {
        await base.recordMove(cluster, side, p, phase, state, error, opts);
        return !(opts?.expect === 'running' && phase === 'cleanup');
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(out.error).toBe(new MoveTakenOver('op1').message);
    // The source was not decommissioned.
    expect(w.log.some((l) => l.startsWith('decommission'))).toBe(false);
    expect(w.tenant('east', 'acme')).toBeDefined();
  });

  it('a recovery beats as recovering while it rolls back', async () => {
    const w = world();
    const beats: string[] = [];
    const ports = w.migrationPorts(plan, {
      heartbeatMs: 2,
      heartbeat: async (expect) => {
        beats.push(expect);
        return { outcome: 'ok', abortRequested: false };
      },
      dropTenant: async () => {
        await sleep(20);
      },
    });
    const out = await new MigrationRun(plan, ports).recover('verify');
    expect(out.state).toBe('aborted');
    expect(beats.length).toBeGreaterThan(0);
    expect(new Set(beats)).toEqual(new Set(['recovering']));
  });
});
