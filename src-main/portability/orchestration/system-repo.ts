import type { Backup, BackupPolicy } from '../../../src-shared/contract/portability';
import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import { qualified } from '../../cassandra/identifiers';
import type { MigrationPhase, MigrationPlan } from './migration';

const SYS = 'csm_system';
const POL = qualified(SYS, 'backup_policies');
const BK = qualified(SYS, 'backups');
const MV = qualified(SYS, 'tenant_moves');
// types.consistencies.localQuorum (the driver's enum stays in src-main/cassandra/).
const Q = { prepare: true, consistency: 0x06 } as const;
// …and serial consistency SERIAL (types.consistencies.serial) for the conditional writes (LWT) on
// tenant_moves: LOCAL_SERIAL serializes within one DC only, and two consoles in two DCs must not both
// own a move.
const LWT = { ...Q, serialConsistency: 0x08 } as const;

export interface StoredPolicy {
  policy: BackupPolicy | null;
  updatedBy: string | null;
  updatedAt: string | null;
  measuredRestoreMs: number | null;
  measuredAt: string | null;
  measuredKind: string | null;
}

export interface BackupRecord extends Backup {
  console: string | null;
  tables: number;
  withData: boolean;
  createdBy: string | null;
}

export interface MoveRecord {
  tenant: string;
  operationId: string;
  fromCluster: string;
  toCluster: string;
  targetTenant: string;
  side: 'source' | 'target';
  phase: string;
  state: string;
  error: string | null;
  startedBy: string | null;
  /** When the move began (written with the row); null when the row has none (unknown, never "the epoch"). */
  startedAt: string | null;
  /** Last write by the console working on it (phase change or heartbeat), on Cassandra's clock. */
  updatedAt: string;
  abortRequestedAt: string | null;
}

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(0).toISOString());
const isoOrNull = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : null);
const num = (v: unknown): number => (typeof v === 'number' ? v : v === null || v === undefined ? 0 : Number(String(v)));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

function backupOf(r: Record<string, unknown>, cluster: string): BackupRecord {
  const verifiedAt = isoOrNull(r['verified_at']);
  return {
    id: String(r['id']),
    cluster,
    tenant: String(r['tenant_id']),
    at: iso(r['taken_at']),
    path: String(r['path'] ?? ''),
    bytes: num(r['bytes']),
    rows: num(r['row_count']),
    sha256: String(r['sha256'] ?? ''),
    trigger: r['trigger_kind'] === 'schedule' ? 'schedule' : 'manual',
    verified: verifiedAt ? { at: verifiedAt, ok: r['verified_ok'] === true } : null,
    console: str(r['console']),
    tables: num(r['table_count']),
    withData: r['with_data'] !== false,
    createdBy: str(r['created_by']),
  };
}

function moveOf(r: Record<string, unknown>): MoveRecord {
  return {
    tenant: String(r['tenant_id']),
    operationId: String(r['operation_id']),
    fromCluster: String(r['from_cluster'] ?? ''),
    toCluster: String(r['to_cluster'] ?? ''),
    targetTenant: String(r['target_tenant'] ?? ''),
    side: r['side'] === 'target' ? 'target' : 'source',
    phase: String(r['phase'] ?? ''),
    state: String(r['state'] ?? ''),
    error: str(r['error']),
    startedBy: str(r['started_by']),
    startedAt: isoOrNull(r['started_at']),
    updatedAt: iso(r['updated_at']),
    abortRequestedAt: isoOrNull(r['abort_requested_at']),
  };
}

/** Newest first by started_at (a row without one by its last write). */
const newestFirst = (a: MoveRecord, b: MoveRecord): number => (b.startedAt ?? b.updatedAt).localeCompare(a.startedAt ?? a.updatedAt);

/** csm_system access for backups and migrations, over a platform operator's session. */
export class OrchestrationRepo {
  constructor(
    private readonly client: CqlClient,
    private readonly cluster: string,
  ) {}

  policy(tenant: string): Promise<StoredPolicy> {
    return run(`reading the backup policy of ${tenant}`, async () => {
      const r = (await this.client.execute(`SELECT * FROM ${POL} WHERE tenant_id = ?`, [tenant], Q)).rows[0];
      if (!r) return { policy: null, updatedBy: null, updatedAt: null, measuredRestoreMs: null, measuredAt: null, measuredKind: null };
      const hasPolicy = r['every_hours'] !== null && r['every_hours'] !== undefined;
      return {
        policy: hasPolicy ? { everyHours: num(r['every_hours']), keep: num(r['keep']), rpoMinutes: num(r['rpo_minutes']), rtoMinutes: num(r['rto_minutes']), withData: r['with_data'] !== false } : null,
        updatedBy: str(r['updated_by']),
        updatedAt: isoOrNull(r['updated_at']),
        measuredRestoreMs: numOrNull(r['measured_restore_ms']),
        measuredAt: isoOrNull(r['measured_at']),
        measuredKind: str(r['measured_kind']),
      };
    });
  }

  /** Every stored policy of the cluster (the scheduler's one read per tick). */
  policies(): Promise<Map<string, BackupPolicy>> {
    return run('reading backup policies', async () => {
      const out = new Map<string, BackupPolicy>();
      for await (const r of await this.client.execute(`SELECT tenant_id, every_hours, keep, rpo_minutes, rto_minutes, with_data FROM ${POL}`, [], { ...Q, fetchSize: 5000 })) {
        if (r['every_hours'] === null || r['every_hours'] === undefined) continue;
        out.set(String(r['tenant_id']), { everyHours: num(r['every_hours']), keep: num(r['keep']), rpoMinutes: num(r['rpo_minutes']), rtoMinutes: num(r['rto_minutes']), withData: r['with_data'] !== false });
      }
      return out;
    });
  }

  putPolicy(tenant: string, p: BackupPolicy, by: string | null): Promise<void> {
    return run(`saving the backup policy of ${tenant}`, async () => {
      await this.client.execute(
        `UPDATE ${POL} SET every_hours = ?, keep = ?, rpo_minutes = ?, rto_minutes = ?, with_data = ?, updated_by = ?, updated_at = ? WHERE tenant_id = ?`,
        [p.everyHours, p.keep, p.rpoMinutes, p.rtoMinutes, p.withData, by, new Date(), tenant],
        Q,
      );
    });
  }

  recordMeasure(tenant: string, ms: number, kind: 'restore' | 'verify'): Promise<void> {
    return run(`recording the restore time of ${tenant}`, async () => {
      await this.client.execute(`UPDATE ${POL} SET measured_restore_ms = ?, measured_at = ?, measured_kind = ? WHERE tenant_id = ?`, [Math.round(ms), new Date(), kind, tenant], Q);
    });
  }

  backups(tenant: string): Promise<BackupRecord[]> {
    return run(`reading the backups of ${tenant}`, async () => {
      const rs = await this.client.execute(`SELECT * FROM ${BK} WHERE tenant_id = ?`, [tenant], { ...Q, fetchSize: 2000 });
      const out: BackupRecord[] = [];
      for await (const r of rs) out.push(backupOf(r, this.cluster));
      return out.sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || b.id.localeCompare(a.id));
    });
  }

  /** Every backup of the cluster, grouped by tenant (the scheduler's one read per tick). */
  allBackups(): Promise<Map<string, BackupRecord[]>> {
    return run('reading the backup catalogue', async () => {
      const out = new Map<string, BackupRecord[]>();
      for await (const r of await this.client.execute(`SELECT * FROM ${BK}`, [], { ...Q, fetchSize: 5000 })) {
        const b = backupOf(r, this.cluster);
        out.set(b.tenant, [...(out.get(b.tenant) ?? []), b]);
      }
      return out;
    });
  }

  putBackup(b: BackupRecord): Promise<void> {
    return run(`recording backup ${b.id}`, async () => {
      await this.client.execute(
        `INSERT INTO ${BK} (tenant_id, id, taken_at, path, console, bytes, row_count, table_count, sha256, trigger_kind, with_data, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [b.tenant, b.id, new Date(b.at), b.path, b.console, b.bytes, b.rows, b.tables, b.sha256, b.trigger, b.withData, b.createdBy],
        Q,
      );
    });
  }

  markVerified(tenant: string, id: string, ok: boolean): Promise<void> {
    return run(`recording the verification of backup ${id}`, async () => {
      await this.client.execute(`UPDATE ${BK} SET verified_at = ?, verified_ok = ? WHERE tenant_id = ? AND id = ?`, [new Date(), ok, tenant, id], Q);
    });
  }

  deleteBackup(tenant: string, id: string): Promise<void> {
    return run(`removing backup ${id} from the catalogue`, async () => {
      await this.client.execute(`DELETE FROM ${BK} WHERE tenant_id = ? AND id = ?`, [tenant, id], Q);
    });
  }

  /**
   * Record a move's phase and state. Every write to a row after it exists is conditional (an LWT),
   * so the row's writes are ordered by Paxos ballots and never by the clocks of the console machines
   * (the driver stamps plain writes with the client's clock: a console whose clock lags would lose its
   * final write to its own earlier LWT claim).
   *
   * - `expect` given: only while the row's state is that (`running` for the runner, `recovering` for
   *   a recovery): false when it says something else — another console took the move over, or it
   *   ended. A missing row is false too.
   * - no `expect`: the row is created (INSERT … IF NOT EXISTS, started_at and updated_at in the same
   *   statement, on Cassandra's clock) or, when it exists, updated IF EXISTS.
   *
   * updated_at is Cassandra's clock (toTimestamp(now())): heartbeat ages are compared on one clock.
   */
  putMove(plan: MigrationPlan, side: 'source' | 'target', phase: MigrationPhase, state: string, error: string | null, opts: { expect?: 'running' | 'recovering' } = {}): Promise<boolean> {
    const tenant = side === 'source' ? plan.source.tenant : plan.target.tenant;
    return run(`recording the move of ${tenant}`, async () => {
      const set = 'from_cluster = ?, to_cluster = ?, target_tenant = ?, side = ?, phase = ?, state = ?, error = ?, started_by = ?, updated_at = toTimestamp(now())';
      const values = [plan.source.cluster, plan.target.cluster, plan.target.tenant, side, phase, state, error, plan.by];
      if (opts.expect) {
        const rs = await this.client.execute(`UPDATE ${MV} SET ${set} WHERE tenant_id = ? AND operation_id = ? IF state = ?`, [...values, tenant, plan.operationId, opts.expect], LWT);
        return rs.rows[0]?.['[applied]'] === true;
      }
      const ins = await this.client.execute(
        `INSERT INTO ${MV} (tenant_id, operation_id, from_cluster, to_cluster, target_tenant, side, phase, state, error, started_by, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, toTimestamp(now()), toTimestamp(now())) IF NOT EXISTS`,
        [tenant, plan.operationId, ...values],
        LWT,
      );
      if (ins.rows[0]?.['[applied]'] === true) return true;
      const rs = await this.client.execute(`UPDATE ${MV} SET ${set} WHERE tenant_id = ? AND operation_id = ? IF EXISTS`, [...values, tenant, plan.operationId], LWT);
      return rs.rows[0]?.['[applied]'] === true;
    });
  }

  /** The state and phase of one move's row (a SERIAL read: what the last LWT left), null when there is none. */
  moveState(tenant: string, operationId: string): Promise<{ state: string; phase: string; error: string | null } | null> {
    return run(`reading the move of ${tenant}`, async () => {
      const r = (await this.client.execute(`SELECT state, phase, error FROM ${MV} WHERE tenant_id = ? AND operation_id = ?`, [tenant, operationId], { prepare: true, consistency: 0x08 })).rows[0];
      return r ? { state: String(r['state'] ?? ''), phase: String(r['phase'] ?? ''), error: str(r['error']) } : null;
    });
  }

  /**
   * Undo a claim whose recovery failed on an error that is no refusal (a timeout, a node down): the
   * row goes back to what the claim found — its state, error and updated_at — while it still says
   * `recovering`, so it reads stale (orphaned) again and any console can recover it.
   */
  releaseClaim(m: Pick<MoveRecord, 'tenant' | 'operationId' | 'state' | 'error' | 'updatedAt'>): Promise<boolean> {
    return run(`releasing the claim on the move of ${m.tenant}`, async () => {
      const rs = await this.client.execute(
        `UPDATE ${MV} SET state = ?, error = ?, updated_at = ? WHERE tenant_id = ? AND operation_id = ? IF state = 'recovering'`,
        [m.state, m.error, Date.parse(m.updatedAt) > 0 ? new Date(m.updatedAt) : null, m.tenant, m.operationId],
        LWT,
      );
      return rs.rows[0]?.['[applied]'] === true;
    });
  }

  /**
   * The heartbeat of whoever works on a move: updated_at refreshed while the row is in `expect`
   * (running for the runner, recovering for a recovery). 'missing': no row yet; 'lost': the row
   * says something else — another console took the move over, or it ended.
   */
  heartbeat(tenant: string, operationId: string, expect: 'running' | 'recovering'): Promise<{ outcome: 'ok' | 'missing' | 'lost'; state: string | null; abortRequested: boolean }> {
    return run(`refreshing the heartbeat of the move of ${tenant}`, async () => {
      const rs = await this.client.execute(`UPDATE ${MV} SET updated_at = toTimestamp(now()) WHERE tenant_id = ? AND operation_id = ? IF state = ?`, [tenant, operationId, expect], LWT);
      const r: Record<string, unknown> = rs.rows[0] ?? {};
      const state = str(r['state']);
      if (r['[applied]'] === true) return { outcome: 'ok' as const, state: expect, abortRequested: await this.abortRequested(tenant, operationId) };
      return { outcome: state === null ? ('missing' as const) : ('lost' as const), state, abortRequested: false };
    });
  }

  /**
   * Take over an orphaned move: its row goes to `recovering` only if nobody wrote it since it was
   * read (state and updated_at as seen) — two consoles cannot both recover it, and a runner that
   * comes back finds its row no longer `running`.
   */
  claimMove(m: Pick<MoveRecord, 'tenant' | 'operationId' | 'state' | 'updatedAt'>, note: string): Promise<{ applied: boolean; state: string | null }> {
    return run(`claiming the move of ${m.tenant} for recovery`, async () => {
      const rs = await this.client.execute(
        `UPDATE ${MV} SET state = 'recovering', error = ?, updated_at = toTimestamp(now()) WHERE tenant_id = ? AND operation_id = ? IF state = ? AND updated_at = ?`,
        [note, m.tenant, m.operationId, m.state, Date.parse(m.updatedAt) > 0 ? new Date(m.updatedAt) : null],
        LWT,
      );
      const r: Record<string, unknown> = rs.rows[0] ?? {};
      return { applied: r['[applied]'] === true, state: str(r['state']) };
    });
  }

  /** Cassandra's clock (the coordinator's), against which heartbeat ages are measured. */
  serverNow(): Promise<number> {
    return run('reading the cluster clock', async () => {
      const v = (await this.client.execute('SELECT toTimestamp(now()) AS now FROM system.local')).rows[0]?.['now'];
      return v instanceof Date ? v.getTime() : Date.now();
    });
  }

  /** Every move recorded on this cluster (either side), newest first: one small table, read whole. */
  allMoves(): Promise<MoveRecord[]> {
    return run('reading the recorded tenant moves', async () => {
      const out: MoveRecord[] = [];
      for await (const r of await this.client.execute(`SELECT * FROM ${MV}`, [], { ...Q, fetchSize: 5000 })) out.push(moveOf(r));
      return out.sort(newestFirst);
    });
  }

  /** One move by operation id (the table is keyed by tenant: the caller knows only the id). */
  async findMove(operationId: string): Promise<MoveRecord | null> {
    const all = (await this.allMoves()).filter((m) => m.operationId === operationId);
    return all.find((m) => m.side === 'source') ?? all[0] ?? null;
  }

  /** Ask the console running a migration to abort it (it looks at every phase boundary). A column of its own: the runner's phase updates never overwrite it. */
  requestAbort(tenant: string, operationId: string): Promise<void> {
    return run(`asking to abort the move of ${tenant}`, async () => {
      // Conditional like every write to an existing row (ordered by Paxos, not by this machine's clock).
      await this.client.execute(`UPDATE ${MV} SET abort_requested_at = toTimestamp(now()) WHERE tenant_id = ? AND operation_id = ? IF EXISTS`, [tenant, operationId], LWT);
    });
  }

  async abortRequested(tenant: string, operationId: string): Promise<boolean> {
    const r = (await this.client.execute(`SELECT abort_requested_at FROM ${MV} WHERE tenant_id = ? AND operation_id = ?`, [tenant, operationId], Q)).rows[0];
    return r?.['abort_requested_at'] instanceof Date;
  }

  moves(tenant: string): Promise<MoveRecord[]> {
    return run(`reading the moves of ${tenant}`, async () =>
      (await this.client.execute(`SELECT * FROM ${MV} WHERE tenant_id = ?`, [tenant], Q)).rows
        .map(moveOf)
        .sort(newestFirst),
    );
  }
}
