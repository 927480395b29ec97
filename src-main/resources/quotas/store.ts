import { randomBytes } from 'node:crypto';
import { QUOTA_RESOURCES, type QuotaEvent, type QuotaResource } from '../../../src-shared/contract/resources';
import { tenantConsoleKeyspace } from '../../../src-shared/rules/lifecycle';
import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import { keyspace, qualified } from '../../cassandra/identifiers';
import { waitForAgreement } from '../../cassandra/system-schema';
import { emptyRecord, limitsOf, type Limits, type QuotaRecord, type QuotaState } from './rules';

/**
 * Where quotas live. The platform's record is csm_system.quotas / quota_events (platform roles
 * only). A tenant's admins and auditors cannot read csm_system, so every write is copied into the
 * tenant's console keyspace (tables quota_rows, quota_log), which they may SELECT but not modify
 * (provisioning grants them SELECT there; only the console's service role writes it). Decisions on
 * a platform console read csm_system; a tenant-scoped console reads the copy.
 */
const SYS = keyspace('csm_system');
const MIRROR_ROWS = 'quota_rows';
const MIRROR_LOG = 'quota_log';
// localQuorum (the driver's enum stays in src-main/cassandra/).
const Q = { prepare: true, consistency: 0x06 } as const;

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const isResource = (v: unknown): v is QuotaResource => typeof v === 'string' && (QUOTA_RESOURCES as readonly string[]).includes(v);
const STATES: readonly QuotaState[] = ['ok', 'soft', 'grace', 'enforced'];

function recordOf(r: Record<string, unknown>): QuotaRecord | null {
  if (!isResource(r['resource'])) return null;
  const state = STATES.includes(r['state'] as QuotaState) ? (r['state'] as QuotaState) : 'ok';
  return {
    resource: r['resource'],
    soft: num(r['soft']),
    hard: num(r['hard']),
    graceHours: num(r['grace_hours']),
    raisedHard: num(r['raised_hard']),
    raisedUntil: iso(r['raised_until']),
    raiseReason: typeof r['raise_reason'] === 'string' ? r['raise_reason'] : null,
    raisedBy: typeof r['raised_by'] === 'string' ? r['raised_by'] : null,
    state,
    overSince: iso(r['over_since']),
    updatedBy: typeof r['updated_by'] === 'string' ? r['updated_by'] : null,
    updatedAt: iso(r['updated_at']),
  };
}

/** A mirrored row is a JSON body; anything that does not parse is ignored (the platform rewrites it). */
function recordFromBody(body: unknown): QuotaRecord | null {
  try {
    const o = JSON.parse(String(body)) as Record<string, unknown>;
    if (!isResource(o['resource'])) return null;
    return { ...emptyRecord(o['resource']), ...(o as Partial<QuotaRecord>), resource: o['resource'] };
  } catch {
    return null;
  }
}

const dateOrNull = (s: string | null): Date | null => (s === null ? null : new Date(s));

export class QuotaStore {
  // ─────────────── platform record (csm_system) ───────────────

  async records(client: CqlClient, tenant: string): Promise<QuotaRecord[]> {
    return run(`reading the quotas of ${tenant}`, async () => (await client.execute(`SELECT * FROM ${SYS}.quotas WHERE tenant_id = ?`, [tenant], Q)).rows.map(recordOf).filter((r): r is QuotaRecord => r !== null));
  }

  async record(client: CqlClient, tenant: string, resource: QuotaResource): Promise<QuotaRecord | null> {
    return run(`reading the ${resource} quota of ${tenant}`, async () => {
      const r = (await client.execute(`SELECT * FROM ${SYS}.quotas WHERE tenant_id = ? AND resource = ?`, [tenant, resource], Q)).rows[0];
      return r ? recordOf(r) : null;
    });
  }

  /** Tenants that have a row for `resource` (the sweep's work list). */
  async tenantsWith(client: CqlClient, resource: QuotaResource): Promise<string[]> {
    return run('listing quota rows', async () => {
      const out = new Set<string>();
      for await (const r of await client.execute(`SELECT tenant_id, resource FROM ${SYS}.quotas`, [], { ...Q, fetchSize: 1000 })) if (r['resource'] === resource) out.add(String(r['tenant_id']));
      return [...out].sort();
    });
  }

  async save(client: CqlClient, tenant: string, r: QuotaRecord): Promise<void> {
    await run(`saving the ${r.resource} quota of ${tenant}`, () =>
      client.execute(
        `INSERT INTO ${SYS}.quotas (tenant_id, resource, soft, hard, grace_hours, raised_hard, raised_until, raise_reason, raised_by, state, over_since, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [tenant, r.resource, r.soft, r.hard, r.graceHours, r.raisedHard, dateOrNull(r.raisedUntil), r.raiseReason, r.raisedBy, r.state, dateOrNull(r.overSince), r.updatedBy, dateOrNull(r.updatedAt)],
        Q,
      ),
    );
  }

  async addEvent(client: CqlClient, tenant: string, e: QuotaEvent, by: string | null): Promise<void> {
    await run(`recording a quota event of ${tenant}`, () =>
      client.execute(`INSERT INTO ${SYS}.quota_events (tenant_id, at, id, resource, kind, detail, actor) VALUES (?, ?, ?, ?, ?, ?, ?)`, [tenant, new Date(e.at), randomBytes(6).toString('hex'), e.resource, e.kind, e.detail, by], Q),
    );
  }

  async events(client: CqlClient, tenant: string, limit = 100): Promise<QuotaEvent[]> {
    return run(`reading the quota events of ${tenant}`, async () =>
      (await client.execute(`SELECT at, resource, kind, detail FROM ${SYS}.quota_events WHERE tenant_id = ? LIMIT ?`, [tenant, limit], Q)).rows
        .filter((r) => isResource(r['resource']))
        .map((r) => ({ at: iso(r['at']) ?? '', resource: r['resource'] as QuotaResource, kind: String(r['kind']) as QuotaEvent['kind'], detail: String(r['detail'] ?? '') })),
    );
  }

  // ─────────────── the tenant's read-only copy (tenant_<id>_csm) ───────────────

  /** Platform session: create the copy's tables (checked each time: a re-provisioned tenant has an empty console keyspace). */
  async ensureMirror(client: CqlClient, tenant: string): Promise<void> {
    const ks = tenantConsoleKeyspace(tenant);
    await run(`preparing the quota copy of ${tenant}`, async () => {
      const have = new Set((await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], Q)).rows.map((r) => String(r['table_name'])));
      let created = false;
      if (!have.has(MIRROR_ROWS)) {
        await client.execute(`CREATE TABLE IF NOT EXISTS ${qualified(ks, MIRROR_ROWS)} (resource text PRIMARY KEY, body text, updated_at timestamp)`);
        created = true;
      }
      if (!have.has(MIRROR_LOG)) {
        await client.execute(`CREATE TABLE IF NOT EXISTS ${qualified(ks, MIRROR_LOG)} (p text, at timestamp, id text, body text, PRIMARY KEY ((p), at, id)) WITH CLUSTERING ORDER BY (at DESC, id ASC)`);
        created = true;
      }
      if (created) await waitForAgreement(client, `quota copy of ${tenant}`);
    });
  }

  async mirrorRecord(client: CqlClient, tenant: string, r: QuotaRecord): Promise<void> {
    await run(`copying the ${r.resource} quota of ${tenant}`, () => client.execute(`INSERT INTO ${qualified(tenantConsoleKeyspace(tenant), MIRROR_ROWS)} (resource, body, updated_at) VALUES (?, ?, ?)`, [r.resource, JSON.stringify(r), new Date()], Q));
  }

  async mirrorEvent(client: CqlClient, tenant: string, e: QuotaEvent): Promise<void> {
    await run(`copying a quota event of ${tenant}`, () => client.execute(`INSERT INTO ${qualified(tenantConsoleKeyspace(tenant), MIRROR_LOG)} (p, at, id, body) VALUES ('e', ?, ?, ?)`, [new Date(e.at), randomBytes(6).toString('hex'), JSON.stringify(e)], Q));
  }

  private async mirrorExists(client: CqlClient, tenant: string, table: string): Promise<boolean> {
    return run('reading system_schema.tables', async () => (await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [tenantConsoleKeyspace(tenant), table], Q)).rowLength > 0);
  }

  /** The tenant's copy, as its admins and auditors read it; [] when the platform never wrote one. */
  async mirroredRecords(client: CqlClient, tenant: string): Promise<QuotaRecord[]> {
    if (!(await this.mirrorExists(client, tenant, MIRROR_ROWS))) return [];
    return run(`reading the quota copy of ${tenant}`, async () => (await client.execute(`SELECT body FROM ${qualified(tenantConsoleKeyspace(tenant), MIRROR_ROWS)}`, [], Q)).rows.map((r) => recordFromBody(r['body'])).filter((r): r is QuotaRecord => r !== null));
  }

  async mirroredEvents(client: CqlClient, tenant: string, limit = 100): Promise<QuotaEvent[]> {
    if (!(await this.mirrorExists(client, tenant, MIRROR_LOG))) return [];
    return run(`reading the quota log copy of ${tenant}`, async () =>
      (await client.execute(`SELECT body FROM ${qualified(tenantConsoleKeyspace(tenant), MIRROR_LOG)} WHERE p = 'e' LIMIT ?`, [limit], Q)).rows.flatMap((r) => {
        try {
          return [JSON.parse(String(r['body'])) as QuotaEvent];
        } catch {
          return [];
        }
      }),
    );
  }

  /** csm_system on a platform console, else the tenant's copy. */
  async recordsFor(client: CqlClient, tenant: string, platform: boolean): Promise<QuotaRecord[]> {
    return platform ? this.records(client, tenant) : this.mirroredRecords(client, tenant);
  }
}

/**
 * The one decider of "which limit is in force" for a resource, used by the router's quota gate and
 * by the users and certificate services' own checks (so a quota row, a raise or the tenant config
 * fallback is seen the same way everywhere). `client` is the operator's session; `platform` says
 * whether it may read csm_system (else the tenant's copy is read).
 */
export async function limitsFor(client: CqlClient, tenant: string, resource: QuotaResource, opts: { platform: boolean; configMax: number | null; now?: Date }): Promise<Limits> {
  const store = new QuotaStore();
  const rec = opts.platform ? await store.record(client, tenant, resource) : ((await store.mirroredRecords(client, tenant)).find((r) => r.resource === resource) ?? null);
  return limitsOf(rec, opts.configMax, opts.now ?? new Date());
}
