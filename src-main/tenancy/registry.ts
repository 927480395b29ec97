import { AppError } from '../app/errors';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { SYSTEM_KEYSPACE } from '../cassandra/system-schema';
import { qualified } from '../cassandra/identifiers';
import type { Saga } from '../../src-shared/contract/tenants';
import { canTransition, type TenantState } from '../../src-shared/rules/lifecycle';

/** The registry row in csm_system.tenants (what the cluster knows; the mirror copies it). */
export interface TenantRow {
  id: string;
  name: string;
  tier: string;
  state: TenantState;
  cluster: string;
  isolation: 'keyspace' | 'cluster';
  template: string;
  dataCenters: string[];
  color: string | null;
  keyspaces: string[];
  roles: string[];
  jobId: string | null;
  createdAt: string;
  updatedAt: string;
  suspendedAt: string | null;
}

/** The saga record in csm_system.tenant_jobs: the wire Saga plus the parameters it resumes with. */
export interface SagaRecord extends Omit<Saga, 'needsAdminPassword'> {
  params: Record<string, unknown>;
  owner: string;
}

// types.consistencies.localQuorum / localSerial (the driver's enum stays in src-main/cassandra/).
const LOCAL_QUORUM = 0x06;
const LOCAL_SERIAL = 0x09;
const LWT = { prepare: true, consistency: LOCAL_QUORUM, serialConsistency: LOCAL_SERIAL } as const;
const Q = { prepare: true, consistency: LOCAL_QUORUM } as const;

const T = qualified(SYSTEM_KEYSPACE, 'tenants');
const J = qualified(SYSTEM_KEYSPACE, 'tenant_jobs');
const TPL = qualified(SYSTEM_KEYSPACE, 'templates');
const SUS = qualified(SYSTEM_KEYSPACE, 'tenant_suspensions');
const COLS = 'id, name, tier, state, cluster, isolation, template, data_centers, color, keyspaces, roles, job_id, created_at, updated_at, suspended_at';

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(0).toISOString());
const isoOrNull = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : null);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String).sort() : []);

function rowOf(r: Record<string, unknown>): TenantRow {
  return {
    id: String(r['id']),
    name: String(r['name'] ?? ''),
    tier: String(r['tier'] ?? 'standard'),
    state: String(r['state'] ?? 'draft') as TenantState,
    cluster: String(r['cluster'] ?? ''),
    isolation: r['isolation'] === 'cluster' ? 'cluster' : 'keyspace',
    template: String(r['template'] ?? 'default'),
    dataCenters: Array.isArray(r['data_centers']) ? (r['data_centers'] as unknown[]).map(String) : [],
    color: typeof r['color'] === 'string' ? (r['color'] as string) : null,
    keyspaces: strs(r['keyspaces']),
    roles: strs(r['roles']),
    jobId: typeof r['job_id'] === 'string' ? (r['job_id'] as string) : null,
    createdAt: iso(r['created_at']),
    updatedAt: iso(r['updated_at']),
    suspendedAt: isoOrNull(r['suspended_at']),
  };
}

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

const applied = (rs: { rows: Record<string, unknown>[] }): boolean => rs.rows[0]?.['[applied]'] === true;

/** csm_system access for tenancy, over a platform operator's session. Writes that race are LWTs. */
export class TenantRegistry {
  constructor(private readonly client: CqlClient) {}

  /** Reserve the id: the first console to insert it owns it (IF NOT EXISTS). */
  reserve(row: TenantRow): Promise<boolean> {
    return run(`reserving tenant ${row.id}`, async () =>
      applied(
        await this.client.execute(
          `INSERT INTO ${T} (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
          [row.id, row.name, row.tier, row.state, row.cluster, row.isolation, row.template, row.dataCenters, row.color, row.keyspaces, row.roles, row.jobId, new Date(row.createdAt), new Date(row.updatedAt), null],
          LWT,
        ),
      ),
    );
  }

  get(id: string): Promise<TenantRow | null> {
    return run(`reading tenant ${id}`, async () => {
      const rs = await this.client.execute(`SELECT ${COLS} FROM ${T} WHERE id = ?`, [id], Q);
      return rs.rows[0] ? rowOf(rs.rows[0]) : null;
    });
  }

  all(): Promise<TenantRow[]> {
    return run('reading the tenant registry', async () => {
      const out: TenantRow[] = [];
      for await (const r of await this.client.execute(`SELECT ${COLS} FROM ${T}`, [], { ...Q, fetchSize: 5000 })) out.push(rowOf(r));
      return out;
    });
  }

  /** Move the state only from what the caller saw: a concurrent change makes this CONFLICT. */
  async transition(id: string, from: readonly TenantState[], to: TenantState, extra: { suspendedAt?: Date | null } = {}): Promise<void> {
    // The state machine is the one in lifecycle.ts: a caller asking for an edge it lacks is a bug.
    const illegal = from.find((f) => f !== to && !canTransition(f, to));
    if (illegal !== undefined) throw new AppError('INTERNAL', `tenant state ${illegal} → ${to} is not in the lifecycle`);
    const now = new Date();
    for (const f of from) {
      const sets = ['state = ?', 'updated_at = ?'];
      const params: unknown[] = [to, now];
      if (extra.suspendedAt !== undefined) {
        sets.push('suspended_at = ?');
        params.push(extra.suspendedAt);
      }
      const rs = await run(`changing tenant ${id} to ${to}`, () => this.client.execute(`UPDATE ${T} SET ${sets.join(', ')} WHERE id = ? IF state = ?`, [...params, id, f], LWT));
      if (applied(rs)) return;
      if (rs.rows[0]?.['state'] === undefined || rs.rows[0]?.['state'] === null) throw new AppError('NOT_FOUND', `tenant ${id} is not registered`);
      if (rs.rows[0]?.['state'] === to) return; // already there: a step run twice
    }
    const cur = await this.get(id);
    throw new AppError('CONFLICT', `tenant ${id} is ${cur?.state ?? 'gone'}; it cannot become ${to} from there`);
  }

  update(id: string, fields: { keyspaces?: string[]; roles?: string[]; name?: string; color?: string | null; dataCenters?: string[] }): Promise<void> {
    const sets: string[] = ['updated_at = ?'];
    const params: unknown[] = [new Date()];
    if (fields.keyspaces) (sets.push('keyspaces = keyspaces + ?'), params.push(fields.keyspaces));
    if (fields.roles) (sets.push('roles = roles + ?'), params.push(fields.roles));
    if (fields.name !== undefined) (sets.push('name = ?'), params.push(fields.name));
    if (fields.color !== undefined) (sets.push('color = ?'), params.push(fields.color));
    if (fields.dataCenters) (sets.push('data_centers = ?'), params.push(fields.dataCenters));
    return run(`updating tenant ${id}`, async () => {
      await this.client.execute(`UPDATE ${T} SET ${sets.join(', ')} WHERE id = ? IF EXISTS`, [...params, id], LWT);
    });
  }

  /** Only the saga that reserved the id may remove its row (a rolled-back creation). */
  async release(id: string, jobId: string): Promise<void> {
    await run(`releasing tenant ${id}`, () => this.client.execute(`DELETE FROM ${T} WHERE id = ? IF job_id = ?`, [id, jobId], LWT));
  }

  // Sagas -------------------------------------------------------------------------------------

  /**
   * Only the saga's owner writes its record: an UPDATE … IF owner = me, or the first INSERT. A
   * console whose saga was taken over (it looked dead) learns so here and stops (CONFLICT).
   */
  putJob(rec: SagaRecord): Promise<void> {
    return run(`recording job ${rec.jobId}`, async () => {
      const body = [rec.tenantId, rec.kind, rec.state, JSON.stringify(rec.steps), JSON.stringify(rec.params), rec.error, rec.startedBy, new Date(rec.startedAt), new Date(rec.updatedAt)];
      const up = await this.client.execute(
        `UPDATE ${J} SET tenant_id = ?, kind = ?, state = ?, steps = ?, params = ?, error = ?, started_by = ?, started_at = ?, updated_at = ? WHERE job_id = ? IF owner = ?`,
        [...body, rec.jobId, rec.owner],
        LWT,
      );
      if (applied(up)) return;
      if (up.rows[0]?.['owner'] !== undefined && up.rows[0]?.['owner'] !== null) {
        throw new AppError('CONFLICT', `job ${rec.jobId} was taken over by another console; this one stops`);
      }
      const ins = await this.client.execute(
        `INSERT INTO ${J} (tenant_id, kind, state, steps, params, error, started_by, started_at, updated_at, job_id, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
        [...body, rec.jobId, rec.owner],
        LWT,
      );
      if (!applied(ins)) throw new AppError('CONFLICT', `job ${rec.jobId} was taken over by another console; this one stops`);
    });
  }

  /** Heartbeat of a running saga, so other consoles do not take a slow step for a dead console. */
  touchJob(jobId: string, owner: string): Promise<boolean> {
    return run(`refreshing job ${jobId}`, async () => applied(await this.client.execute(`UPDATE ${J} SET updated_at = ? WHERE job_id = ? IF owner = ?`, [new Date(), jobId, owner], LWT)));
  }

  /** Take a saga over from `expectedOwner` (a dead console, or this one after a failure). */
  claimJob(jobId: string, owner: string, expectedOwner: string): Promise<boolean> {
    return run(`claiming job ${jobId}`, async () => applied(await this.client.execute(`UPDATE ${J} SET owner = ? WHERE job_id = ? IF owner = ?`, [owner, jobId, expectedOwner], LWT)));
  }

  getJob(jobId: string, cluster: string): Promise<SagaRecord | null> {
    return run(`reading job ${jobId}`, async () => {
      const rs = await this.client.execute(`SELECT * FROM ${J} WHERE job_id = ?`, [jobId], Q);
      return rs.rows[0] ? jobOf(rs.rows[0], cluster) : null;
    });
  }

  jobs(cluster: string, tenantId?: string): Promise<SagaRecord[]> {
    return run('reading tenant jobs', async () => {
      const out: SagaRecord[] = [];
      for await (const r of await this.client.execute(`SELECT * FROM ${J}`, [], { ...Q, fetchSize: 2000 })) {
        if (tenantId === undefined || r['tenant_id'] === tenantId) out.push(jobOf(r, cluster));
      }
      return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    });
  }

  // Templates ---------------------------------------------------------------------------------

  templates(): Promise<{ name: string; body: string }[]> {
    return run('reading templates', async () => (await this.client.execute(`SELECT name, body FROM ${TPL}`, [], Q)).rows.map((r) => ({ name: String(r['name']), body: String(r['body']) })));
  }

  template(name: string): Promise<string | null> {
    return run(`reading template ${name}`, async () => {
      const r = (await this.client.execute(`SELECT body FROM ${TPL} WHERE name = ?`, [name], Q)).rows[0];
      return r ? String(r['body']) : null;
    });
  }

  putTemplate(name: string, body: string, by: string): Promise<void> {
    return run(`saving template ${name}`, async () => {
      await this.client.execute(`INSERT INTO ${TPL} (name, body, updated_by, updated_at) VALUES (?, ?, ?, ?)`, [name, body, by, new Date()], Q);
    });
  }

  deleteTemplate(name: string): Promise<boolean> {
    return run(`deleting template ${name}`, async () => applied(await this.client.execute(`DELETE FROM ${TPL} WHERE name = ? IF EXISTS`, [name], LWT)));
  }

  // Suspensions -------------------------------------------------------------------------------

  /** First writer wins: a retried suspension keeps the snapshot taken before anything was revoked. */
  putSuspension(tenantId: string, snapshot: string, reason: string | null, by: string): Promise<boolean> {
    return run(`recording the suspension of ${tenantId}`, async () =>
      applied(await this.client.execute(`INSERT INTO ${SUS} (tenant_id, snapshot, reason, suspended_by, suspended_at) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS`, [tenantId, snapshot, reason, by, new Date()], LWT)),
    );
  }

  suspension(tenantId: string): Promise<{ snapshot: string; reason: string | null; at: string } | null> {
    return run(`reading the suspension of ${tenantId}`, async () => {
      const r = (await this.client.execute(`SELECT snapshot, reason, suspended_at FROM ${SUS} WHERE tenant_id = ?`, [tenantId], Q)).rows[0];
      return r ? { snapshot: String(r['snapshot']), reason: typeof r['reason'] === 'string' ? (r['reason'] as string) : null, at: iso(r['suspended_at']) } : null;
    });
  }

  /** Written with an LWT, so removed with one: a plain tombstone could be older than the Paxos write. */
  deleteSuspension(tenantId: string): Promise<void> {
    return run(`clearing the suspension of ${tenantId}`, async () => {
      await this.client.execute(`DELETE FROM ${SUS} WHERE tenant_id = ? IF EXISTS`, [tenantId], LWT);
    });
  }

  /** Replace a suspension snapshot (a retried suspension merges what it finds now into it). */
  replaceSuspension(tenantId: string, snapshot: string): Promise<void> {
    return run(`recording the suspension of ${tenantId}`, async () => {
      await this.client.execute(`UPDATE ${SUS} SET snapshot = ?, suspended_at = ? WHERE tenant_id = ? IF EXISTS`, [snapshot, new Date(), tenantId], LWT);
    });
  }
}

function jobOf(r: Record<string, unknown>, cluster: string): SagaRecord {
  const parse = <V>(s: unknown, fallback: V): V => {
    try {
      return typeof s === 'string' ? (JSON.parse(s) as V) : fallback;
    } catch {
      return fallback;
    }
  };
  return {
    jobId: String(r['job_id']),
    cluster,
    tenantId: String(r['tenant_id']),
    kind: String(r['kind']) as SagaRecord['kind'],
    state: String(r['state']) as SagaRecord['state'],
    steps: parse(r['steps'], []),
    params: parse(r['params'], {}),
    error: typeof r['error'] === 'string' ? (r['error'] as string) : null,
    startedBy: String(r['started_by'] ?? ''),
    owner: String(r['owner'] ?? ''),
    startedAt: iso(r['started_at']),
    updatedAt: iso(r['updated_at']),
  };
}
