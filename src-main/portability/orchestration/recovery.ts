import type { Operation } from '../../../src-shared/contract/portability';
import { tenantIdSchema } from '../../../src-shared/rules/names';
import { AppError } from '../../app/errors';
import type { MoveRecord } from './system-repo';

/**
 * A migration outlives the console that runs it only through its csm_system.tenant_moves rows, so
 * any platform console can tell a live move from an orphaned one by the row's heartbeat:
 *
 * - the runner refreshes `updated_at` every MIGRATION_HEARTBEAT_MS (15 s) while it runs, roll-back
 *   included (migration.ts);
 * - a `running` row not refreshed for MIGRATION_STALE_MS (4 heartbeats, 60 s: three missed beats
 *   and a slow write are still "alive") is orphaned — its console died, hung or lost the cluster —
 *   and may be recovered from any platform console;
 * - the recovering console claims the row (LWT: state and updated_at as it read them →
 *   `recovering`), so two consoles never roll back the same move, and a runner that comes back
 *   finds its row taken (its conditional writes fail) and stops;
 * - the runner holds a lease: without a successful conditional write for MIGRATION_LEASE_MS (45 s)
 *   (a process paused, heartbeats failing) it changes neither cluster any more, and before any
 *   roll-back or final record it confirms (LWT) that the row is still its own. What it changed after
 *   its last confirmed write, the claimer may not have seen: once the claimer ended the move, the
 *   runner undoes that itself (migration.ts, undoAfterTakeover);
 * - every write to a row after its creation is an LWT at SERIAL (ordered by Paxos, not by the
 *   clocks of the console machines, across DCs); a recovery that fails on anything but a refusal
 *   releases its claim (the row as it found it, stale again).
 *
 * Ages are measured on Cassandra's clock (updated_at is written as toTimestamp(now()) and compared
 * with the coordinator's now), so clock skew between console machines cannot make a live move
 * look stale.
 */
export const MIGRATION_HEARTBEAT_MS = 15_000;
export const MIGRATION_STALE_MS = 4 * MIGRATION_HEARTBEAT_MS;
/** The runner's lease: three beats (one or two failed beats do not stop it), ending 15 s before anyone may claim the move. */
export const MIGRATION_LEASE_MS = 3 * MIGRATION_HEARTBEAT_MS;
/** A heartbeat write not answered within this long counts as failed: a tick never outlasts the next. */
export const MIGRATION_HEARTBEAT_TIMEOUT_MS = 10_000;

/** Row states of a move that someone is (or was, until its console died) working on. */
const ACTIVE_STATES = new Set(['running', 'recovering']);

export type MoveLiveness = 'live' | 'stale' | 'ended';

/** Live (heartbeat fresh), stale (orphaned) or ended, for a row read at `nowMs` (Cassandra's clock). */
export function moveLiveness(m: Pick<MoveRecord, 'state' | 'updatedAt'>, nowMs: number, staleMs: number): MoveLiveness {
  if (!ACTIVE_STATES.has(m.state)) return 'ended';
  const at = Date.parse(m.updatedAt);
  // Never refreshed (no updated_at: read as the epoch) counts as orphaned; a row from the future (skew between nodes) as live.
  if (!Number.isFinite(at) || at <= 0) return 'stale';
  return nowMs - at >= staleMs ? 'stale' : 'live';
}

export type RecoveryDecision =
  | { kind: 'recover' }
  /** The runner is alive: ask it (abort_requested_at) and refuse with CONFLICT. */
  | { kind: 'request-abort'; message: string }
  | { kind: 'refuse'; code: 'CONFLICT' | 'BAD_INPUT'; message: string };

const secondsAgo = (m: Pick<MoveRecord, 'updatedAt'>, nowMs: number): number => Math.max(0, Math.round((nowMs - Date.parse(m.updatedAt)) / 1000));

/**
 * What `migration.abort` may do with a move recorded in csm_system that this console is not
 * running. The order matters: a move past the point of no return is never rolled back, whatever
 * its heartbeat says.
 */
export function recoveryDecision(m: MoveRecord, cluster: string, nowMs: number, staleMs: number): RecoveryDecision {
  const id = m.operationId;
  if (m.side !== 'source') return { kind: 'refuse', code: 'BAD_INPUT', message: `${cluster} holds the target's record of migration ${id}: abort it on its source cluster ${m.fromCluster || '(unknown)'}` };
  // A source row read from `cluster` is that cluster's own record, whatever name the console that
  // ran it gave the cluster (from_cluster); only the target must be known here by its recorded name.
  if (m.phase === 'cleanup' || m.phase === 'done') return { kind: 'refuse', code: 'CONFLICT', message: `migration ${id} reached ${m.phase}: the source is being (or was) removed; it can no longer be aborted` };
  if (m.state === 'succeeded' || m.state === 'aborted') return { kind: 'refuse', code: 'CONFLICT', message: `migration ${id} already ${m.state}` };
  if (m.state === 'failed') {
    // Its own roll-back ran; undoing it again could drop a tenant a later move created.
    return /roll-back incomplete/.test(m.error ?? '') ? { kind: 'recover' } : { kind: 'refuse', code: 'CONFLICT', message: `migration ${id} already failed and was rolled back; nothing to abort` };
  }
  const live = moveLiveness(m, nowMs, staleMs);
  if (live === 'ended') return { kind: 'refuse', code: 'CONFLICT', message: `migration ${id} is recorded as ${m.state || '(no state)'}; nothing to abort` };
  if (live === 'live') {
    const who = m.state === 'recovering' ? 'being recovered by another console' : 'running on another console';
    return { kind: 'request-abort', message: `migration ${id} is ${who} (last heartbeat ${secondsAgo(m, nowMs)} s ago, at ${m.phase}): abort requested there — it rolls back itself within ${Math.round(staleMs / 4000)} s or, if that console is gone, can be recovered here once its heartbeat is ${Math.round(staleMs / 1000)} s old` };
  }
  return { kind: 'recover' };
}

/**
 * A move this console has no record of, as an operation of kind 'migrate' for the operations list.
 * A live row reads `running` (another console runs it, or is recovering it); an orphaned one reads
 * `paused` — nothing runs it any more and the source's writes stay frozen until someone aborts it —
 * with the reason in `error`; an ended one reads as recorded.
 */
export function operationFromMove(m: MoveRecord, nowMs: number, staleMs: number): Operation {
  const live = moveLiveness(m, nowMs, staleMs);
  const ended = ['succeeded', 'aborted', 'failed'].includes(m.state);
  const state: Operation['state'] = live === 'live' ? 'running' : live === 'stale' ? 'paused' : ended ? (m.state as Operation['state']) : 'failed';
  const error =
    live === 'stale'
      ? `orphaned: no heartbeat from the console ${m.state === 'recovering' ? 'recovering' : 'running'} it since ${m.updatedAt} (${secondsAgo(m, nowMs)} s); the source's writes stay paused until it is aborted (migration abort recovers it from this console)`
      : live === 'ended' && !ended
        ? `unknown recorded state ${JSON.stringify(m.state.slice(0, 40))}`
        : m.error;
  return {
    id: m.operationId,
    jobId: null,
    kind: 'migrate',
    state,
    cluster: m.fromCluster || '?',
    // The migration keeps the tenant id (target_tenant = tenant_id on both sides).
    tenant: m.tenant,
    targetCluster: m.toCluster || null,
    targetTenant: m.targetTenant || m.tenant,
    phase: m.phase || null,
    // Unknown (no started_at): its last write stands in, for display and ordering only.
    startedAt: m.startedAt ?? m.updatedAt,
    endedAt: ended ? m.updatedAt : null,
    path: null,
    bytes: null,
    tables: 0,
    rows: 0,
    sha256: null,
    error,
    report: null,
    recordedIn: 'cluster',
    heartbeatAt: m.updatedAt,
    startedBy: m.startedBy,
  };
}

/**
 * Several clusters may record the same move (its source and its target): one operation per id,
 * the source's row preferred (it is the one recovery and abort act on).
 */
export function movesAsOperations(moves: MoveRecord[], nowOf: (m: MoveRecord) => number, staleMs: number): Operation[] {
  const best = new Map<string, MoveRecord>();
  for (const m of moves) {
    const have = best.get(m.operationId);
    if (!have || (have.side !== 'source' && m.side === 'source')) best.set(m.operationId, m);
  }
  return [...best.values()].map((m) => operationFromMove(m, nowOf(m), staleMs)).sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
}

/** A recovery that must not happen (a newer move of the tenant is recorded): nothing was, or may be, rolled back. */
export class RecoveryRefused extends AppError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

/**
 * What a recovery that failed after its claim leaves on the move's record. Only a refusal ends the
 * move ('failed', nothing rolled back, and recoveryDecision never recovers it again). Anything else
 * (a read timeout, a node down) says nothing about the move: the claim is released — the row goes
 * back to what the claim found, stale again — so a later abort recovers it.
 */
export function afterFailedRecovery(e: unknown, text: string): { kind: 'refused' | 'release'; error: string; localState: 'failed' | 'interrupted' } {
  if (e instanceof RecoveryRefused) return { kind: 'refused', error: `recovery refused, nothing rolled back: ${text}`, localState: 'failed' };
  // This console's own record of it reads interrupted (nothing runs it, it is recoverable), not
  // failed — a failed migration is one whose roll-back ran, and is never aborted again.
  return { kind: 'release', error: `recovery failed, the move is left recoverable (abort it again): ${text}`, localState: 'interrupted' };
}

/**
 * `migration.abort` of a migration in this console's own record that does not run here: why it is
 * refused from that record alone (null: go on — ask its process, or recover it from csm_system).
 */
export function localAbortRefusal(op: Pick<Operation, 'id' | 'state' | 'error' | 'phase'>): string | null {
  if (op.state === 'succeeded' || op.state === 'aborted') return `migration ${op.id} already ${op.state}`;
  // A failed migration already rolled back (its own roll-back ran): nothing of it is left to
  // undo, and undoing it now could drop a tenant a later move created. Only an interrupted one
  // (its process gone, or a recovery that failed and released the move) or one whose roll-back
  // was recorded incomplete is recovered.
  if (op.state === 'failed' && !/roll-back incomplete/.test(op.error ?? '')) return `migration ${op.id} already failed and was rolled back; nothing to abort`;
  if (op.phase === 'cleanup' || op.phase === 'done') return `migration ${op.id} reached ${op.phase}: the source is being (or was) removed; it can no longer be aborted`;
  return null;
}

export type LocalRecoveryDecision =
  /** Roll back from `phase` (the row's phase when there is a row: never this console's cached one). */
  | { kind: 'recover'; phase: string | null }
  /** Someone works on it (fresh heartbeat): ask for an abort and refuse with CONFLICT. */
  | { kind: 'request-abort'; message: string }
  /** `ended`: the row says the move ended; this console's record is brought in line with it. */
  | { kind: 'refuse'; code: 'CONFLICT' | 'BAD_INPUT'; message: string; ended?: { state: 'aborted' | 'failed' | 'succeeded'; at: string; error: string | null } };

/**
 * `migration.abort` of a migration in this console's own record that does not run here. The
 * source's tenant_moves row (`seen`), when there is one, is the source of truth: its phase (never
 * the phase this console cached when it last touched the move — another console, or the runner that
 * came back, may have taken it further) and its freshness (a runner whose heartbeat is fresh is
 * alive: it is only asked to abort). This console's record decides alone only when there is no row
 * (a run that never wrote one); a local 'failed' does not block a row that says the move did not end.
 */
export function localRecoveryDecision(op: Pick<Operation, 'id' | 'state' | 'error' | 'phase'>, seen: MoveRecord | null, cluster: string, nowMs: number, staleMs: number): LocalRecoveryDecision {
  if (!seen) {
    const refusal = localAbortRefusal(op);
    return refusal ? { kind: 'refuse', code: 'CONFLICT', message: refusal } : { kind: 'recover', phase: op.phase };
  }
  // Ended here for good: a succeeded (decommissioned) or aborted (rolled back) move is not undone again.
  if (op.state === 'succeeded' || op.state === 'aborted') return { kind: 'refuse', code: 'CONFLICT', message: `migration ${op.id} already ${op.state}` };
  if (seen.state === 'succeeded' || seen.state === 'aborted' || (seen.state === 'failed' && !/roll-back incomplete/.test(seen.error ?? ''))) {
    return { kind: 'refuse', code: 'CONFLICT', message: `migration ${op.id} is recorded on ${cluster} as ${seen.state} at ${seen.phase}: nothing to abort`, ended: { state: seen.state, at: seen.updatedAt, error: seen.error } };
  }
  const d = recoveryDecision(seen, cluster, nowMs, staleMs);
  if (d.kind === 'recover') return { kind: 'recover', phase: seen.phase };
  return d;
}

/** Rows of tenant_moves fit to show (tenant ids valid): one malformed row is skipped, not fatal to the whole list. */
export function validMoves(moves: MoveRecord[], skipped: (m: MoveRecord, why: string) => void): MoveRecord[] {
  return moves.filter((m) => {
    const bad = [['tenant', m.tenant], ['target tenant', m.targetTenant || m.tenant]].find(([, v]) => !tenantIdSchema.safeParse(v).success);
    if (bad) skipped(m, `${bad[0]} id is not a valid tenant id`);
    return !bad;
  });
}

/**
 * Read every cluster at once, each within `timeoutMs`: a cluster that fails or is slower is
 * reported (`failed`) and skipped, the others are returned.
 */
export async function gatherMoves<T extends object>(clusters: string[], read: (cluster: string) => Promise<T>, timeoutMs: number, failed: (cluster: string, e: unknown) => void): Promise<(T & { cluster: string })[]> {
  const out = await Promise.all(
    clusters.map(async (cluster): Promise<(T & { cluster: string }) | null> => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const v: T = await Promise.race([
          read(cluster),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new AppError('UNAVAILABLE', `no answer from ${cluster} within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return { ...v, cluster };
      } catch (e) {
        failed(cluster, e);
        return null;
      } finally {
        if (timer) clearTimeout(timer);
      }
    }),
  );
  const got: (T & { cluster: string })[] = [];
  for (const x of out) if (x) got.push(x as T & { cluster: string });
  return got;
}
