import type { BulkAction, BulkOutcome, BulkResult } from '../../src-shared/contract/msp';
import { bulkActionSchema } from '../../src-shared/contract/msp';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { qualified } from '../cassandra/identifiers';

/** A bulk operation's header as stored (bulk_results static columns, and the bulk_operations list row). */
export interface BulkHeader {
  id: string;
  action: BulkAction;
  selection: string;
  total: number;
  startedBy: string;
  owner: string;
  startedAt: string;
  recordedOn: string[];
}

export interface StoredOperation extends BulkHeader {
  state: string;
  finishedAt: string | null;
  updatedAt: string | null;
  results: BulkResult[];
}

export interface StoredSummary extends BulkHeader {
  state: string;
  finishedAt: string | null;
  updatedAt: string | null;
  counts: Record<string, number> | null;
}

/** Persistence of bulk operations, one instance per cluster; unit tests use an in-memory one. */
export interface BulkRecords {
  create(h: BulkHeader, results: BulkResult[]): Promise<void>;
  result(h: BulkHeader, r: BulkResult, counts: Record<BulkOutcome, number>): Promise<void>;
  finish(h: BulkHeader, state: 'finished' | 'cancelled', counts: Record<BulkOutcome, number>): Promise<void>;
  touch(h: BulkHeader): Promise<void>;
  get(id: string): Promise<StoredOperation | null>;
  list(limit: number, now: Date): Promise<StoredSummary[]>;
}

const OPS = qualified('csm_system', 'bulk_operations');
const RES = qualified('csm_system', 'bulk_results');
const LOCAL_QUORUM = 0x06;
const Q = { prepare: true, consistency: LOCAL_QUORUM } as const;

const month = (iso: string): string => iso.slice(0, 7);
const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function params(h: BulkHeader): string {
  return JSON.stringify({ action: h.action, recordedOn: h.recordedOn });
}

function parseParams(text: unknown): { action: BulkAction; recordedOn: string[] } | null {
  try {
    const v = JSON.parse(String(text)) as { action?: unknown; recordedOn?: unknown };
    const a = bulkActionSchema.safeParse(v.action);
    if (!a.success) return null;
    return { action: a.data, recordedOn: Array.isArray(v.recordedOn) ? v.recordedOn.map(String) : [] };
  } catch {
    return null;
  }
}

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

/** csm_system.bulk_operations / bulk_results over a platform operator's session (migration 7). */
export class CassandraBulkRecords implements BulkRecords {
  constructor(private readonly client: CqlClient) {}

  async create(h: BulkHeader, results: BulkResult[]): Promise<void> {
    await run('recording the bulk operation', async () => {
      const started = new Date(h.startedAt);
      const now = new Date();
      await this.client.execute(
        `INSERT INTO ${RES} (op_id, action, params, selection, total, state, started_by, owner, job_id, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [h.id, h.action.action, params(h), h.selection, h.total, 'running', h.startedBy, h.owner, h.id, started, now],
        Q,
      );
      for (const r of results) await this.writeResult(h.id, r);
      await this.client.execute(
        `INSERT INTO ${OPS} (month, started_at, id, action, params, selection, total, state, counts, started_by, owner, job_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [month(h.startedAt), started, h.id, h.action.action, params(h), h.selection, h.total, 'running', null, h.startedBy, h.owner, h.id, now],
        Q,
      );
    });
  }

  private async writeResult(id: string, r: BulkResult): Promise<void> {
    await this.client.execute(
      `INSERT INTO ${RES} (op_id, cluster, tenant, name, outcome, code, message, approval_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [id, r.cluster, r.tenant, r.name, r.outcome, r.code, r.message, r.approvalId, r.at ? new Date(r.at) : null],
      Q,
    );
  }

  async result(h: BulkHeader, r: BulkResult, counts: Record<BulkOutcome, number>): Promise<void> {
    await run('recording a bulk result', async () => {
      await this.writeResult(h.id, r);
      const now = new Date();
      await this.client.execute(`UPDATE ${RES} SET updated_at = ? WHERE op_id = ?`, [now, h.id], Q);
      await this.client.execute(`UPDATE ${OPS} SET counts = ?, updated_at = ? WHERE month = ? AND started_at = ? AND id = ?`, [JSON.stringify(counts), now, month(h.startedAt), new Date(h.startedAt), h.id], Q);
    });
  }

  async touch(h: BulkHeader): Promise<void> {
    const now = new Date();
    await run('marking the bulk operation alive', async () => {
      await this.client.execute(`UPDATE ${RES} SET updated_at = ? WHERE op_id = ?`, [now, h.id], Q);
      await this.client.execute(`UPDATE ${OPS} SET updated_at = ? WHERE month = ? AND started_at = ? AND id = ?`, [now, month(h.startedAt), new Date(h.startedAt), h.id], Q);
    });
  }

  async finish(h: BulkHeader, state: 'finished' | 'cancelled', counts: Record<BulkOutcome, number>): Promise<void> {
    const now = new Date();
    await run('recording the end of the bulk operation', async () => {
      await this.client.execute(`UPDATE ${RES} SET state = ?, finished_at = ?, updated_at = ? WHERE op_id = ?`, [state, now, now, h.id], Q);
      await this.client.execute(`UPDATE ${OPS} SET state = ?, counts = ?, finished_at = ?, updated_at = ? WHERE month = ? AND started_at = ? AND id = ?`, [state, JSON.stringify(counts), now, now, month(h.startedAt), new Date(h.startedAt), h.id], Q);
    });
  }

  async get(id: string): Promise<StoredOperation | null> {
    return run('reading the bulk operation', async () => {
      const rs = await this.client.execute(
        `SELECT op_id, cluster, tenant, action, params, selection, total, state, started_by, owner, started_at, finished_at, updated_at, name, outcome, code, message, approval_id, at FROM ${RES} WHERE op_id = ?`,
        [id],
        { ...Q, fetchSize: 2000 },
      );
      const rows: Record<string, unknown>[] = [];
      for await (const r of rs) rows.push(r);
      const first = rows[0];
      if (!first) return null;
      const p = parseParams(first['params']);
      if (!p) return null;
      const results: BulkResult[] = rows
        .filter((r) => typeof r['tenant'] === 'string')
        .map((r) => ({
          cluster: String(r['cluster']),
          tenant: String(r['tenant']),
          name: str(r['name']),
          outcome: String(r['outcome'] ?? 'pending') as BulkOutcome,
          code: str(r['code']) as BulkResult['code'],
          message: str(r['message']),
          approvalId: str(r['approval_id']),
          at: iso(r['at']),
        }));
      return {
        id,
        action: p.action,
        recordedOn: p.recordedOn,
        selection: String(first['selection'] ?? ''),
        total: Number(first['total'] ?? results.length),
        startedBy: String(first['started_by'] ?? 'unknown'),
        owner: String(first['owner'] ?? ''),
        startedAt: iso(first['started_at']) ?? new Date(0).toISOString(),
        state: String(first['state'] ?? 'running'),
        finishedAt: iso(first['finished_at']),
        updatedAt: iso(first['updated_at']),
        results,
      };
    });
  }

  /** Newest first, from this month back as far as needed (at most a year) to fill `limit`. */
  async list(limit: number, now: Date): Promise<StoredSummary[]> {
    return run('listing bulk operations', async () => {
      const out: StoredSummary[] = [];
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      for (let i = 0; i < 12 && out.length < limit; i++) {
        const m = d.toISOString().slice(0, 7);
        const rs = await this.client.execute(`SELECT id, params, selection, total, state, counts, started_by, owner, started_at, finished_at, updated_at FROM ${OPS} WHERE month = ? LIMIT ?`, [m, limit - out.length], Q);
        for (const r of rs.rows) {
          const p = parseParams(r['params']);
          if (!p) continue;
          let counts: Record<string, number> | null = null;
          try {
            counts = r['counts'] ? (JSON.parse(String(r['counts'])) as Record<string, number>) : null;
          } catch {
            counts = null;
          }
          out.push({
            id: String(r['id']),
            action: p.action,
            recordedOn: p.recordedOn,
            selection: String(r['selection'] ?? ''),
            total: Number(r['total'] ?? 0),
            startedBy: String(r['started_by'] ?? 'unknown'),
            owner: String(r['owner'] ?? ''),
            startedAt: iso(r['started_at']) ?? new Date(0).toISOString(),
            state: String(r['state'] ?? 'running'),
            finishedAt: iso(r['finished_at']),
            updatedAt: iso(r['updated_at']),
            counts,
          });
        }
        d.setUTCMonth(d.getUTCMonth() - 1);
      }
      return out;
    });
  }
}
