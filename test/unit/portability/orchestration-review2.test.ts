import { describe, expect, it } from 'vitest';
import { MigrationRun, type MigrationPhase, type MigrationPlan } from '../../../src-main/portability/orchestration/migration';
import { localRecoveryDecision } from '../../../src-main/portability/orchestration/recovery';
import type { MoveRecord } from '../../../src-main/portability/orchestration/system-repo';
import { FakeWorld } from './orchestration-fakes';

/**
 * Second review of orphaned-migration recovery: the local abort path decides from the row (H1), an
 * unconfirmed-ownership stop stays recoverable (H2), the lease and the heartbeat (M3), long steps
 * (M4), the undo's newer-move check right before thawing (L).
 */

const plan: MigrationPlan = { operationId: 'op1', source: { cluster: 'east', tenant: 'acme' }, target: { cluster: 'west', tenant: 'acme' }, by: 'ops' };

function world(): FakeWorld {
  const w = new FakeWorld();
  w.add('east', 'acme', { orders: { a: '1', b: '2' } });
  w.clusters.set('west', new Map());
  w.keychain.set('tenant/acme/service-password', 'pw-of-east');
  return w;
}

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const ago = (ms: number): string => new Date(NOW - ms).toISOString();
const move = (patch: Partial<MoveRecord> = {}): MoveRecord => ({
  tenant: 'acme',
  operationId: 'op1',
  fromCluster: 'east',
  toCluster: 'west',
  targetTenant: 'acme',
  side: 'source',
  phase: 'cutover',
  state: 'running',
  error: null,
  startedBy: 'ops',
  startedAt: ago(300_000),
  updatedAt: ago(120_000),
  abortRequestedAt: null,
  ...patch,
});

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
