import { describe, expect, it } from 'vitest';
import { MigrationRun, type MigrationPhase, type MigrationPorts } from '../../../src-main/portability/orchestration/migration';
import { localRecoveryDecision, MIGRATION_HEARTBEAT_MS, MIGRATION_LEASE_MS, MIGRATION_STALE_MS } from '../../../src-main/portability/orchestration/recovery';
import type { MoveRecord } from '../../../src-main/portability/orchestration/system-repo';
import { ago, moveRow, NOW, plan, sleep, takeover, world } from './orchestration-fakes';

/**
 * Second review of orphaned-migration recovery: the local abort path decides from the row (H1), an
 * unconfirmed-ownership stop stays recoverable (H2), the lease and the heartbeat (M3), long steps
 * (M4), the undo's newer-move check right before thawing (L).
 */


const move = (patch: Partial<MoveRecord> = {}): MoveRecord => moveRow(patch, 120_000);

describe('the local abort path decides from the row (H1)', () => {
  // Console B's recovery failed transiently: its own record says interrupted at cutover (the phase
  // when it claimed); the claim was released. Runner A came back, its heartbeat succeeded, it went on.
  const mine = { id: 'op1', state: 'interrupted' as const, error: 'recovery failed, the move is left recoverable (abort it again): read timeout', phase: 'cutover' };

  it('a runner that came back (fresh heartbeat) is only asked to abort, whatever B cached', () => {
    const d = localRecoveryDecision(mine, move({ phase: 'switch', updatedAt: ago(5_000) }), 'east', NOW, 60_000);
    expect(d.kind).toBe('request-abort');
  });

  it('a row at cleanup or done is never rolled back, even when B cached cutover and the row is stale', () => {
    for (const phase of ['cleanup', 'done']) {
      const d = localRecoveryDecision(mine, move({ phase, updatedAt: ago(120_000) }), 'east', NOW, 60_000);
      expect(d).toMatchObject({ kind: 'refuse', code: 'CONFLICT' });
    }
  });

  it("a stale row is recovered from the row's phase, not the cached one", () => {
    expect(localRecoveryDecision(mine, move({ phase: 'switch' }), 'east', NOW, 60_000)).toEqual({ kind: 'recover', phase: 'switch' });
  });

  it("without a row, this console's record decides (as before)", () => {
    expect(localRecoveryDecision(mine, null, 'east', NOW, 60_000)).toEqual({ kind: 'recover', phase: 'cutover' });
    expect(localRecoveryDecision({ ...mine, state: 'failed', error: 'CONFLICT: verification failed' }, null, 'east', NOW, 60_000).kind).toBe('refuse');
  });

  it('a row that ended is reported, and brings the local record in line', () => {
    const d = localRecoveryDecision(mine, move({ state: 'aborted' }), 'east', NOW, 60_000);
    expect(d).toMatchObject({ kind: 'refuse', ended: { state: 'aborted' } });
  });
});

describe('a run that could not confirm it owns the move stays recoverable (H2)', () => {
  it('its outcome reads roll-back incomplete; a later abort recovers it and puts the source back', async () => {
    const w = world();
    const clock = { now: 0 };
    const ports = w.migrationPorts(plan, {
      now: () => clock.now,
      leaseMs: 45_000,
      heartbeatMs: 1_000_000,
      heartbeat: async () => {
        throw new Error('write timeout');
      },
      recordMove: async (_c, side, _p, phase) => {
        if (side === 'source' && phase !== 'copy' && phase !== 'verify' && phase !== 'cutover') throw new Error('write timeout');
        return true;
      },
      afterPhase: async (phase: MigrationPhase) => {
        if (phase === 'cutover') clock.now += 50_000;
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(w.frozen.get('east/acme')?.reasons).toContain('migration');
    // The runner's job records it as failed with this error: that record must not answer "already failed and was rolled back".
    const local = { id: 'op1', state: 'failed' as const, error: out.error, phase: out.phase };
    expect(localRecoveryDecision(local, null, 'east', NOW, 60_000)).toEqual({ kind: 'recover', phase: out.phase });
    // A plain local 'failed' does not block either, when the row says the move did not end (stale running).
    expect(localRecoveryDecision({ ...local, error: 'CONFLICT: something' }, move({ phase: out.phase }), 'east', NOW, 60_000)).toEqual({ kind: 'recover', phase: out.phase });
    // …and the recovery then puts the source back.
    const rec = await new MigrationRun(plan, w.migrationPorts(plan)).recover(out.phase);
    expect(rec.state).toBe('aborted');
    expect(w.tenant('east', 'acme')!.state).toBe('active');
    expect(w.frozen.get('east/acme')).toBeUndefined();
    expect(w.tenant('west', 'acme')).toBeUndefined();
  });
});


/** The source's row as the LWTs see it, a clock the test moves, and console B that claims and rolls back (as in the takeover tests). */

describe('the lease does not stop a healthy run; a heartbeat cannot hang (M3)', () => {
  it('the default lease is 45 s (three beats), ending 15 s before anyone may claim the move', () => {
    expect(MIGRATION_LEASE_MS).toBe(45_000);
    expect(MIGRATION_STALE_MS - MIGRATION_LEASE_MS).toBeGreaterThanOrEqual(MIGRATION_HEARTBEAT_MS);
  });

  it('40 s without a conditional write (one or two failed beats) is within the default lease: the run succeeds', async () => {
    const w = world();
    const clock = { now: 0 };
    const ports = w.migrationPorts(plan, {
      now: () => clock.now,
      heartbeatMs: 1_000_000,
      heartbeat: async () => ({ outcome: 'ok', abortRequested: false }),
      afterPhase: async (phase: MigrationPhase) => {
        if (phase === 'copy') clock.now += 40_000;
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('succeeded');
  });

  it('a heartbeat write that never answers times out: the next beats still run', async () => {
    const w = world();
    let calls = 0;
    const warned: string[] = [];
    const ports = w.migrationPorts(plan, {
      heartbeatMs: 5,
      heartbeatTimeoutMs: 20,
      heartbeat: async () => {
        calls++;
        if (calls === 1) return new Promise<never>(() => undefined);
        return { outcome: 'ok', abortRequested: false };
      },
      warn: (_m, f) => warned.push(String(f['error'])),
      afterPhase: async (phase: MigrationPhase) => {
        if (phase === 'copy') await sleep(150);
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('succeeded');
    expect(warned.some((e) => /within 20 ms/.test(e))).toBe(true);
    expect(calls).toBeGreaterThan(1);
  });

  it('two failed beats, then one that succeeds just past the lease, keep a healthy run going (the lease is judged after a beat, not before it)', async () => {
    const w = world();
    const clock = { now: 0 };
    const core = w.core();
    let n = 0;
    const ports = w.migrationPorts(plan, {
      now: () => clock.now,
      heartbeatMs: 5,
      heartbeat: async () => {
        n++;
        if (n === 1) {
          clock.now = 15_000;
          throw new Error('write timeout');
        }
        if (n === 2) {
          clock.now = 30_000;
          // The time until the next beat passes: it fires 46 s after the last confirmed write.
          setTimeout(() => (clock.now = 46_000), 1);
          throw new Error('write timeout');
        }
        return { outcome: 'ok', abortRequested: false };
      },
      core: {
        ...core,
        importBundle: async (req) => {
          while (n < 4) await sleep(5);
          return core.importBundle(req);
        },
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(n).toBeGreaterThanOrEqual(4);
    expect(out).toMatchObject({ state: 'succeeded', error: null });
  });

  it('a failed write of the cleanup phase is a failure at switch: the move is rolled back, recorded at switch, and stays recoverable', async () => {
    const w = world();
    const base = w.migrationPorts(plan, {});
    const ports = {
      ...base,
      recordMove: async (...a: Parameters<MigrationPorts['recordMove']>) => {
        if (a[1] === 'source' && a[3] === 'cleanup' && a[4] === 'running') throw new Error('CAS write timeout');
        return base.recordMove(...a);
      },
    };
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(out.phase).toBe('switch');
    expect(out.error).toMatch(/CAS write timeout/);
    expect(base.moves.filter((m) => m.startsWith('east:source:') && m.includes(':cleanup:'))).toEqual([]);
    expect(base.moves).toContain('east:source:switch:failed');
    // The source was never decommissioned: active, with its rows; the copy on the target is gone.
    expect(w.tenant('east', 'acme')!.state).toBe('active');
    expect(w.tenant('west', 'acme')).toBeUndefined();
  });

  it('a lease lost on entering cleanup is a failure at switch (recoverable), not at cleanup', async () => {
    const w = world();
    const clock = { now: 0 };
    const ports = w.migrationPorts(plan, {
      now: () => clock.now,
      heartbeatMs: 1_000_000,
      heartbeat: async () => ({ outcome: 'ok', abortRequested: false }),
      afterPhase: async (phase: MigrationPhase) => {
        if (phase === 'switch') clock.now += 50_000;
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(out.error).toMatch(/no heartbeat reached/);
    expect(out.phase).toBe('switch');
    expect(ports.moves).toContain('east:source:switch:failed');
    expect(ports.moves.some((m) => m.includes(':cleanup:'))).toBe(false);
    expect(w.tenant('east', 'acme')!.state).toBe('active');
  });
});

describe('long steps (M4)', () => {
  it('a heartbeat that succeeds mid-import confirms only what came before it: the target the import finished after a takeover is dropped again', async () => {
    const w = world();
    const t = takeover(w);
    const core = w.core();
    const ports = w.migrationPorts(plan, {
      ...t.ports,
      heartbeatMs: 5,
      core: {
        ...core,
        importBundle: async (req) => {
          // Beats succeed while the import runs (they clear what was marked at its start)…
          await sleep(40);
          // …then the process stalls, B claims and rolls back, and the import finishes after it.
          t.clock.now += 70_000;
          await t.consoleB();
          return core.importBundle(req);
        },
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(w.tenant('west', 'acme')).toBeUndefined();
  });

  it('the lease running out during an import aborts it through its signal', async () => {
    const w = world();
    const clock = { now: 0 };
    const core = w.core();
    let sawAbort = false;
    const ports = w.migrationPorts(plan, {
      now: () => clock.now,
      heartbeatMs: 5,
      heartbeat: async () => {
        throw new Error('write timeout');
      },
      core: {
        ...core,
        importBundle: async (req) => {
          clock.now += 50_000;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 500);
            req.signal?.addEventListener('abort', () => {
              sawAbort = true;
              clearTimeout(timer);
              resolve();
            });
          });
          if (req.signal?.aborted) throw new Error('aborted');
          return core.importBundle(req);
        },
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(sawAbort).toBe(true);
    expect(out.state).toBe('failed');
    expect(out.error).toMatch(/no heartbeat reached/);
  });
});

describe("the undo's newer-move check right before thawing (L)", () => {
  it('a newer move recorded while the target was being dropped keeps the source frozen as it is', async () => {
    const w = world();
    const t = takeover(w);
    const base = w.migrationPorts(plan);
    let checks = 0;
    const ports = w.migrationPorts(plan, {
      ...t.ports,
      guardRecovery: async () => {
        checks++;
        if (checks > 1) throw new Error('a newer move of acme (op2) is recorded on east');
      },
      freeze: async (cluster, tenant) => {
        t.clock.now += 70_000;
        await t.consoleB();
        return base.freeze(cluster, tenant);
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.error).toMatch(/not undone: thawed .*newer move/);
    expect(w.frozen.get('east/acme')?.reasons).toContain('migration');
  });
});
