import { randomUUID } from 'node:crypto';
import { AppError } from '../../app/errors';
import type { EventBus } from '../../app/events';
import type { Db } from '../../store/db';
import { operationSchema, verificationReportSchema, type Operation } from '../../../src-shared/contract/portability';
import type { PortabilityCore } from '../types';
import { PORTABILITY_CORE_CACHE_DDL } from './schema';

/**
 * Operation records (export, import, migrate, backup, restore, verify-backup) in the cache
 * (migration 9, table portability_operations). Each record carries the pid of the process that
 * runs it: a record still `running` whose process is gone (a killed CLI, a crashed console) reads
 * as `interrupted`, so an export killed mid-way is visible and resumable (`--resume`).
 */
type Row = Record<string, unknown>;

const COLS = ['id', 'job_id', 'kind', 'state', 'cluster', 'tenant', 'target_cluster', 'target_tenant', 'phase', 'started_at', 'ended_at', 'path', 'bytes', 'tables', 'rows', 'sha256', 'error', 'report'] as const;
const FIELD: Record<string, (typeof COLS)[number]> = {
  jobId: 'job_id',
  kind: 'kind',
  state: 'state',
  cluster: 'cluster',
  tenant: 'tenant',
  targetCluster: 'target_cluster',
  targetTenant: 'target_tenant',
  phase: 'phase',
  startedAt: 'started_at',
  endedAt: 'ended_at',
  path: 'path',
  bytes: 'bytes',
  tables: 'tables',
  rows: 'rows',
  sha256: 'sha256',
  error: 'error',
  report: 'report',
};

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface ProgressEvent {
  phase: string | null;
  done: number;
  total: number | null;
  message: string;
}

export class OperationStore implements Pick<PortabilityCore['operations'], 'start' | 'update' | 'get' | 'list'> {
  constructor(
    private readonly db: Db,
    private readonly bus?: EventBus,
    private readonly now: () => Date = () => new Date(),
  ) {
    // Idempotent: a cache whose migration 9 ran while the DDL was still empty gets the table too.
    db.exec(PORTABILITY_CORE_CACHE_DDL);
  }

  private toOperation(r: Row): Operation {
    let report: Operation['report'] = null;
    if (typeof r['report'] === 'string') {
      const parsed = verificationReportSchema.safeParse(JSON.parse(r['report']));
      report = parsed.success ? parsed.data : null;
    }
    let state = String(r['state']) as Operation['state'];
    if ((state === 'running' || state === 'paused') && typeof r['pid'] === 'number' && !alive(r['pid'])) state = 'interrupted';
    const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
    const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
    return operationSchema.parse({
      id: String(r['id']),
      jobId: str(r['job_id']),
      kind: String(r['kind']),
      state,
      cluster: String(r['cluster']),
      tenant: String(r['tenant']),
      targetCluster: str(r['target_cluster']),
      targetTenant: str(r['target_tenant']),
      phase: str(r['phase']),
      startedAt: String(r['started_at']),
      endedAt: str(r['ended_at']),
      path: str(r['path']),
      bytes: num(r['bytes']),
      tables: Number(r['tables'] ?? 0),
      rows: Number(r['rows'] ?? 0),
      sha256: str(r['sha256']),
      error: str(r['error']),
      report,
    });
  }

  start(op: Pick<Operation, 'kind' | 'cluster' | 'tenant'> & Partial<Operation>): Operation {
    const rec: Operation = {
      id: op.id ?? randomUUID(),
      jobId: op.jobId ?? null,
      kind: op.kind,
      state: op.state ?? 'running',
      cluster: op.cluster,
      tenant: op.tenant,
      targetCluster: op.targetCluster ?? null,
      targetTenant: op.targetTenant ?? null,
      phase: op.phase ?? null,
      startedAt: op.startedAt ?? this.now().toISOString(),
      endedAt: op.endedAt ?? null,
      path: op.path ?? null,
      bytes: op.bytes ?? null,
      tables: op.tables ?? 0,
      rows: op.rows ?? 0,
      sha256: op.sha256 ?? null,
      error: op.error ?? null,
      report: op.report ?? null,
    };
    operationSchema.parse(rec);
    this.db
      .prepare(`INSERT INTO portability_operations (${COLS.join(', ')}, pid) VALUES (${COLS.map(() => '?').join(', ')}, ?)`)
      .run(
        rec.id,
        rec.jobId,
        rec.kind,
        rec.state,
        rec.cluster,
        rec.tenant,
        rec.targetCluster,
        rec.targetTenant,
        rec.phase,
        rec.startedAt,
        rec.endedAt,
        rec.path,
        rec.bytes,
        rec.tables,
        rec.rows,
        rec.sha256,
        rec.error,
        rec.report ? JSON.stringify(rec.report) : null,
        process.pid,
      );
    return rec;
  }

  update(id: string, patch: Partial<Operation>): Operation {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [k, v] of Object.entries(patch)) {
      if (k === 'id' || v === undefined) continue;
      const col = FIELD[k];
      if (!col) throw new AppError('INTERNAL', `operation field ${k} is unknown`);
      sets.push(`${col} = ?`);
      values.push(k === 'report' ? (v === null ? null : JSON.stringify(v)) : v);
    }
    // Whoever updates a record runs it now (a resumed export in another process).
    sets.push('pid = ?');
    values.push(process.pid);
    const r = this.db.prepare(`UPDATE portability_operations SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
    if (r.changes === 0) throw new AppError('NOT_FOUND', `no operation ${id} on this console`);
    return this.get(id) as Operation;
  }

  get(id: string): Operation | null {
    const r = this.db.prepare('SELECT * FROM portability_operations WHERE id = ?').get(id) as Row | undefined;
    return r ? this.toOperation(r) : null;
  }

  list(filter: { cluster?: string; tenant?: string; kind?: Operation['kind'] }): Operation[] {
    const where: string[] = [];
    const values: unknown[] = [];
    if (filter.cluster) {
      where.push('cluster = ?');
      values.push(filter.cluster);
    }
    if (filter.tenant) {
      where.push('tenant = ?');
      values.push(filter.tenant);
    }
    if (filter.kind) {
      where.push('kind = ?');
      values.push(filter.kind);
    }
    const rows = this.db.prepare(`SELECT * FROM portability_operations ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, rowid DESC LIMIT 500`).all(...values) as Row[];
    return rows.map((r) => this.toOperation(r));
  }

  /** A portability.progress event for the operation (and nothing is written: progress is not a record change). */
  progress(op: Operation, p: ProgressEvent): void {
    this.bus?.emit('portability.progress', { operationId: op.id, kind: op.kind, tenant: op.tenant, phase: p.phase, done: p.done, total: p.total, message: p.message, at: this.now().toISOString() });
  }
}
