import { describe, expect, it } from 'vitest';
import type cassandra from 'cassandra-driver';
import { LeaseLost, MigrationRun, type MigrationPhase, type MigrationPorts } from '../../../src-main/portability/orchestration/migration';
import { afterFailedRecovery, gatherMoves, localAbortRefusal, movesAsOperations, RecoveryRefused, recoveryDecision, validMoves } from '../../../src-main/portability/orchestration/recovery';
import { OrchestrationRepo, type MoveRecord } from '../../../src-main/portability/orchestration/system-repo';
import { ago, FakeWorld, moveRow, NOW, plan, sleep, takeover, world } from './orchestration-fakes';

/**
 * A runner that comes back after another console took its move over (H1), ownership checked
 * before any roll-back or final record (M3), a recovery that failed on a transient error (H2), the
 * tenant_moves writes (M1, M2, L3) and the operations list over several clusters (L2).
 */



const sourceIsAsItWas = (w: FakeWorld): void => {
  const t = w.tenant('east', 'acme')!;
  expect(t.state).toBe('active');
  expect(w.frozen.get('east/acme')).toBeUndefined();
  expect([...t.grants].some((g) => g.endsWith('|MODIFY'))).toBe(true);
};

describe('a runner that comes back after its move was taken over (H1)', () => {
  it('paused 70 s after entering the cut-over: its lease is gone, it neither transitions nor freezes the source', async () => {
    const w = world();
    const t = takeover(w, { leaseMs: 30_000 });
    const ports = w.migrationPorts(plan, {
      ...t.ports,
      recordMove: async (cluster, side, p, phase, state, error, opts) => {
        const r = await t.ports.recordMove!(cluster, side, p, phase, state, error, opts);
        if (side === 'source' && phase === 'cutover' && state === 'running') {
          // The process stalls right after its phase write; console B finds it stale and rolls back.
          t.clock.now += 70_000;
          await t.consoleB();
        }
        return r;
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(out.error).toMatch(/taken over by another console/);
    expect(w.log.filter((l) => l.startsWith('freeze') || l.includes('active→migrating'))).toEqual([]);
    sourceIsAsItWas(w);
    expect(t.row.state).toBe('aborted');
  });

  it('paused inside the freeze (after its checks): once B has ended the move, the freeze and the migrating state it left are undone', async () => {
    const w = world();
    const t = takeover(w, { leaseMs: 30_000 });
    const base = w.migrationPorts(plan);
    const ports = w.migrationPorts(plan, {
      ...t.ports,
      freeze: async (cluster, tenant) => {
        t.clock.now += 70_000;
        await t.consoleB();
        return base.freeze(cluster, tenant);
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(out.error).toMatch(/undone here/);
    sourceIsAsItWas(w);
    expect(t.row.state).toBe('aborted');
  });

  it('paused after transitioning the source: it goes back to active, not left migrating', async () => {
    const w = world();
    const t = takeover(w, { leaseMs: 30_000 });
    const base = w.migrationPorts(plan);
    const ports = w.migrationPorts(plan, {
      ...t.ports,
      transition: async (cluster, tenant, from, to) => {
        if (to === 'migrating') {
          t.clock.now += 70_000;
          await t.consoleB();
        }
        return base.transition(cluster, tenant, from, to);
      },
    });
    await new MigrationRun(plan, ports).run();
    expect(w.log.some((l) => l.startsWith('freeze'))).toBe(false);
    sourceIsAsItWas(w);
  });

  it('paused inside the import: the target it recreated after B dropped it is dropped again', async () => {
    const w = world();
    const t = takeover(w, { leaseMs: 30_000 });
    const core = w.core();
    const ports = w.migrationPorts(plan, {
      ...t.ports,
      core: {
        ...core,
        importBundle: async (req) => {
          t.clock.now += 70_000;
          await t.consoleB();
          return core.importBundle(req);
        },
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(w.tenant('west', 'acme')).toBeUndefined();
    sourceIsAsItWas(w);
  });

  it('the target is kept when a newer move owns it', async () => {
    const w = world();
    const t = takeover(w, { leaseMs: 30_000 });
    const core = w.core();
    const ports = w.migrationPorts(plan, {
      ...t.ports,
      targetOwned: async () => 'a newer move of acme (op2) is recorded on west',
      core: {
        ...core,
        importBundle: async (req) => {
          t.clock.now += 70_000;
          await t.consoleB();
          return core.importBundle(req);
        },
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(w.tenant('west', 'acme')).toBeDefined();
    expect(out.error).toMatch(/not undone: .*newer move/);
  });

  it('heartbeats failing for longer than the lease: the run stops before its next change and, unable to confirm it owns the move, touches nothing', async () => {
    const w = world();
    const clock = { now: 0 };
    const ports = w.migrationPorts(plan, {
      now: () => clock.now,
      leaseMs: 30_000,
      heartbeatMs: 1_000_000,
      heartbeat: async () => {
        throw new Error('write timeout');
      },
      recordMove: async (_c, side, _p, phase) => {
        if (side === 'source' && phase !== 'copy') throw new Error('write timeout');
        return true;
      },
      afterPhase: async (phase: MigrationPhase) => {
        if (phase === 'copy') clock.now += 31_000;
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(out.error).toMatch(/no heartbeat reached the source's record for 31 s/);
    expect(out.error).toMatch(/could not confirm it still owns/);
    // Left as it is for a recovery: nothing dropped, thawed or recorded.
    expect(w.log.filter((l) => /^(drop|thaw|freeze|state)/.test(l))).toEqual([]);
  });

  it('LeaseLost is what a stalled runner stops with', () => {
    expect(new LeaseLost('op1', 45_000).message).toMatch(/45 s/);
  });
});

describe('ownership is checked before a roll-back or a final record (M3)', () => {
  it('a runner that fails on its own after its move was claimed does not roll back over the claimer', async () => {
    const w = world();
    const t = takeover(w, { leaseMs: 30_000 });
    const ports = w.migrationPorts(plan, {
      ...t.ports,
      core: {
        ...w.core(),
        verifyAgainstBundle: async () => {
          // Claimed meanwhile (no heartbeat tick told the runner); then the verification fails.
          t.row.state = 'recovering';
          return w.report(false);
        },
      },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.error).toMatch(/taken over by another console/);
    expect(w.log.some((l) => l.startsWith('drop'))).toBe(false);
    expect(t.row.state).toBe('recovering');
  });

  it('a runner that still owns its move rolls back and records the end only while the row is still running', async () => {
    const w = world();
    const t = takeover(w, { leaseMs: 30_000 });
    const seen: string[] = [];
    const ports = w.migrationPorts(plan, {
      ...t.ports,
      recordMove: async (cluster, side, p, phase, state, error, opts) => {
        if (side === 'source') seen.push(`${phase}:${state}:${opts?.expect ?? '-'}`);
        return t.ports.recordMove!(cluster, side, p, phase, state, error, opts);
      },
      core: { ...w.core(), verifyAgainstBundle: async () => w.report(false) },
    });
    const out = await new MigrationRun(plan, ports).run();
    expect(out.state).toBe('failed');
    expect(w.tenant('west', 'acme')).toBeUndefined();
    expect(seen).toEqual(['copy:running:-', 'verify:running:running', 'verify:failed:running']);
    expect(t.row.state).toBe('failed');
  });

  it("a recovery whose heartbeat is lost stops claiming the move: its final record is conditional on 'recovering' and is not forced", async () => {
    const w = world();
    w.tenant('east', 'acme')!.state = 'migrating';
    const row = { state: 'recovering' };
    const writes: string[] = [];
    const ports = w.migrationPorts(plan, {
      heartbeatMs: 2,
      heartbeat: async (expect) => ({ outcome: row.state === expect ? 'ok' : 'lost', abortRequested: false }),
      dropTenant: async () => {
        row.state = 'aborted'; // someone else ended it meanwhile
        await sleep(20);
      },
      recordMove: async (_c, side, _p, phase, state, _e, opts) => {
        if (side !== 'source') return true;
        writes.push(`${phase}:${state}:${opts?.expect ?? '-'}`);
        return row.state === opts?.expect;
      },
    });
    const out = await new MigrationRun(plan, ports).recover('cutover');
    expect(writes).toEqual(['cutover:aborted:recovering']);
    expect(out.state).toBe('failed');
    expect(out.error).toMatch(/taken over by another console meanwhile and is left as it is/);
  });
});

const move = (patch: Partial<MoveRecord> = {}): MoveRecord => moveRow(patch, 120_000);

describe('a recovery that failed after its claim (H2)', () => {
  it('a transient error releases the claim: the row is as the claim found it, stale, and a second abort recovers it', () => {
    const seen = move();
    const after = afterFailedRecovery(new Error('read timeout'), 'read timeout');
    expect(after.kind).toBe('release');
    expect(after.error).not.toMatch(/nothing rolled back/);
    // releaseClaim writes back state, error and updated_at as seen: the decision on that row.
    expect(recoveryDecision({ ...seen }, 'east', NOW, 60_000)).toEqual({ kind: 'recover' });
    // …and this console's own record of it lets the second abort through to a recovery.
    expect(after.localState).toBe('interrupted');
    expect(localAbortRefusal({ id: 'op1', state: after.localState, error: after.error, phase: 'cutover' })).toBeNull();
  });

  it("a failed migration whose roll-back ran is not aborted again; one recorded 'roll-back incomplete' is", () => {
    expect(localAbortRefusal({ id: 'op1', state: 'failed', error: 'CONFLICT: verification failed', phase: 'verify' })).toMatch(/already failed and was rolled back/);
    expect(localAbortRefusal({ id: 'op1', state: 'failed', error: 'x; roll-back incomplete: thawing: timeout', phase: 'cutover' })).toBeNull();
    expect(localAbortRefusal({ id: 'op1', state: 'interrupted', error: null, phase: 'cleanup' })).toMatch(/reached cleanup/);
  });

  it('a refusal (a newer move) ends the move as failed, never recovered again', () => {
    const after = afterFailedRecovery(new RecoveryRefused('a newer move of acme (op2) is recorded on west'), 'CONFLICT: …');
    expect(after.kind).toBe('refused');
    expect(localAbortRefusal({ id: 'op1', state: after.localState, error: after.error, phase: 'cutover' })).toMatch(/already failed/);
    expect(recoveryDecision(move({ state: 'failed', error: after.error }), 'east', NOW, 60_000).kind).toBe('refuse');
  });
});

/** A driver client that records every statement and answers LWTs as applied. */
function recordingClient(rows: Record<string, unknown>[] = [], applied = true) {
  const calls: { cql: string; params: unknown[]; opts: Record<string, unknown> }[] = [];
  const client = {
    execute: async (cql: string, params: unknown[] = [], opts: Record<string, unknown> = {}) => {
      calls.push({ cql, params, opts });
      const out = / IF /.test(cql) ? [{ '[applied]': applied, state: 'running' }] : rows;
      return Object.assign(out, { rows: out, [Symbol.asyncIterator]: async function* () { yield* out; } });
    },
  };
  return { calls, client: client as unknown as cassandra.Client };
}

describe('tenant_moves writes (M1, M2, L3)', () => {
  it('the row is created with started_at in the same statement, and every later write is an LWT at SERIAL', async () => {
    const { calls, client } = recordingClient([], false);
    const repo = new OrchestrationRepo(client, 'east');
    await repo.putMove(plan, 'source', 'copy', 'running', null);
    await repo.putMove(plan, 'source', 'verify', 'running', null, { expect: 'running' });
    await repo.putMove(plan, 'source', 'verify', 'aborted', null, { expect: 'recovering' });
    await repo.heartbeat('acme', 'op1', 'running');
    await repo.claimMove(move(), 'note');
    await repo.requestAbort('acme', 'op1');
    await repo.releaseClaim(move());
    const writes = calls.filter((c) => /^(INSERT|UPDATE|DELETE)/.test(c.cql) && c.cql.includes('tenant_moves'));
    expect(writes.length).toBeGreaterThanOrEqual(7);
    for (const w of writes) {
      expect(w.cql).toMatch(/ IF /);
      expect(w.opts['serialConsistency']).toBe(0x08);
    }
    expect(writes[0]!.cql).toMatch(/^INSERT .*started_at.*IF NOT EXISTS$/);
    // Not applied (it exists): updated IF EXISTS, started_at untouched.
    expect(writes[1]!.cql).toMatch(/^UPDATE .* IF EXISTS$/);
    expect(writes[1]!.cql).not.toMatch(/started_at/);
    expect(writes.slice(2, 4).map((w) => w.params.at(-1))).toEqual(['running', 'recovering']);
    // No write stamped by this machine's clock.
    const own = writes.filter((w) => !/updated_at = \?/.test(w.cql)); // all but the claim (its condition) and the release (the old value back)
    expect(own.length).toBe(writes.length - 2);
    for (const w of own) expect(w.params.some((p) => p instanceof Date)).toBe(false);
    const release = writes.at(-1)!;
    expect(release.cql).toMatch(/SET state = \?, error = \?, updated_at = \? .* IF state = 'recovering'$/);
    expect(release.params.slice(0, 3)).toEqual(['running', null, new Date(ago(120_000))]);
  });

  it('a row without started_at reads as unknown, not as the epoch', async () => {
    const { client } = recordingClient([{ tenant_id: 'acme', operation_id: 'op1', side: 'source', phase: 'copy', state: 'running', started_at: null, updated_at: new Date(ago(1000)) }]);
    const [m] = await new OrchestrationRepo(client, 'east').moves('acme');
    expect(m!.startedAt).toBeNull();
    const [op] = movesAsOperations([m!], () => NOW, 60_000);
    expect(op!.startedAt).toBe(ago(1000));
  });
});

describe('the operations list over several clusters (L2)', () => {
  it('reads clusters at once; one down or slow is skipped, not fatal', async () => {
    const failed: string[] = [];
    const started: string[] = [];
    const t0 = Date.now();
    const got = await gatherMoves(
      ['a', 'b', 'c'],
      async (c) => {
        started.push(c);
        if (c === 'b') throw new Error('NoHostAvailable');
        if (c === 'c') await sleep(5_000);
        await sleep(30);
        return { moves: [c] };
      },
      100,
      (c, e) => failed.push(`${c}: ${e instanceof Error ? e.message : String(e)}`),
    );
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(started).toEqual(['a', 'b', 'c']);
    expect(got).toEqual([{ moves: ['a'], cluster: 'a' }]);
    expect(failed).toEqual(['b: NoHostAvailable', 'c: no answer from c within 100 ms']);
  });

  it('a row whose tenant id is malformed is skipped with a warning; the others are listed', () => {
    const skipped: string[] = [];
    const rows = [move(), move({ operationId: 'op2', tenant: 'Bad Tenant!' }), move({ operationId: 'op3', targetTenant: 'x'.repeat(80) })];
    expect(validMoves(rows, (m, why) => skipped.push(`${m.operationId}: ${why}`)).map((m) => m.operationId)).toEqual(['op1']);
    expect(skipped).toEqual(['op2: tenant id is not a valid tenant id', 'op3: target tenant id is not a valid tenant id']);
  });
});
