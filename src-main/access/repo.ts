import type { ApprovalRequest, ApprovalState, HistoryEntry, SupportGrant, SupportState } from '../../src-shared/contract/access';
import { tenantAdminRole } from '../../src-shared/rules/names';
import { tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { column, newRole, qualified } from '../cassandra/identifiers';
import { waitForAgreement } from '../cassandra/system-schema';

// types.consistencies.localQuorum / localSerial (the driver's enum stays in src-main/cassandra/).
const LWT = { prepare: true, consistency: 0x06, serialConsistency: 0x09 } as const;
const Q = { prepare: true, consistency: 0x06 } as const;

const APPROVALS = qualified('csm_system', 'approval_requests');
const SUPPORT = qualified('csm_system', 'support_access');
/** Tenant-side tables, in the tenant's console keyspace (a tenant admin cannot read csm_system). */
export const TENANT_SUPPORT_TABLE = 'support_requests';
export const TENANT_APPROVALS_TABLE = 'approvals';

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);


async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}
const applied = (rs: { rows: Record<string, unknown>[] }): boolean => rs.rows[0]?.['[applied]'] === true;

function history(v: unknown): HistoryEntry[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((s) => {
    try {
      const o = JSON.parse(String(s)) as HistoryEntry;
      return [{ at: String(o.at), by: o.by ?? null, event: String(o.event), note: o.note ?? null }];
    } catch {
      return [];
    }
  });
}
export const entry = (by: string | null, event: string, note: string | null = null, at = new Date()): string => JSON.stringify({ at: at.toISOString(), by, event, note });

function approvalOf(r: Record<string, unknown>): ApprovalRequest {
  return {
    id: String(r['id']),
    tenant: String(r['tenant']),
    channel: String(r['channel']),
    input: String(r['input'] ?? '{}'),
    inputHash: String(r['input_hash'] ?? ''),
    requestedBy: String(r['requested_by'] ?? ''),
    requestedAt: iso(r['requested_at']) ?? new Date(0).toISOString(),
    reason: str(r['reason']),
    state: String(r['state']) as ApprovalState,
    expiresAt: iso(r['expires_at']) ?? new Date(0).toISOString(),
    decidedBy: str(r['decided_by']),
    decidedAt: iso(r['decided_at']),
    decisionNote: str(r['decision_note']),
    executedAt: iso(r['executed_at']),
    resultSummary: str(r['result_summary']),
    errorCode: str(r['error_code']),
    history: history(r['history']),
  };
}

function supportOf(r: Record<string, unknown>): SupportGrant {
  return {
    id: String(r['id']),
    tenant: String(r['tenant']),
    requestedBy: String(r['requested_by'] ?? ''),
    requestedAt: iso(r['requested_at']) ?? new Date(0).toISOString(),
    minutes: Number(r['minutes'] ?? 0),
    readOnly: r['read_only'] === true,
    reason: String(r['reason'] ?? ''),
    state: String(r['state']) as SupportState,
    decideBy: iso(r['decide_by']),
    decidedBy: str(r['decided_by']),
    decidedAt: iso(r['decided_at']),
    decisionNote: str(r['decision_note']),
    activatedBy: str(r['activated_by']),
    activatedAt: iso(r['activated_at']),
    role: str(r['role']),
    expiresAt: iso(r['expires_at']),
    revokeRequestedBy: str(r['revoke_requested_by']),
    revokedBy: str(r['revoked_by']),
    revokedAt: iso(r['revoked_at']),
    revokeReason: str(r['revoke_reason']),
    history: history(r['history']),
  };
}

/** Columns a transition may set; anything else is a programming error, refused before CQL. */
const APPROVAL_COLS = new Set(['decided_by', 'decided_at', 'decision_note', 'executed_at', 'result_summary', 'error_code']);
const SUPPORT_COLS = new Set(['decided_by', 'decided_at', 'decision_note', 'activated_by', 'activated_at', 'role', 'expires_at', 'revoke_requested_by', 'revoked_by', 'revoked_at', 'revoke_reason']);

type Value = string | number | boolean | Date | null;

async function transition(client: CqlClient, table: string, allowed: Set<string>, id: string, from: string, to: string | null, set: Record<string, Value>, hist: string): Promise<boolean> {
  const cols = Object.keys(set);
  for (const c of cols) if (!allowed.has(c)) throw new Error(`access repo: column ${c} may not be set by a transition`);
  const assigns = [...(to !== null ? ['state = ?'] : []), ...cols.map((c) => `${column(c)} = ?`), 'history = history + ?'];
  const params: unknown[] = [...(to !== null ? [to] : []), ...cols.map((c) => set[c]), [hist], id, from];
  return run(`updating request ${id}`, async () => applied(await client.execute(`UPDATE ${table} SET ${assigns.join(', ')} WHERE id = ? IF state = ?`, params, LWT)));
}

/** csm_system access over a platform operator's session. Every state change is an LWT on `state`. */
export class AccessRepo {
  constructor(private readonly client: CqlClient) {}

  async insertApproval(a: { id: string; cluster: string; tenant: string; channel: string; input: string; inputHash: string; requestedBy: string; requestedAt: Date; reason: string | null; expiresAt: Date }): Promise<void> {
    await run('filing the approval request', async () => {
      const rs = await this.client.execute(
        `INSERT INTO ${APPROVALS} (id, cluster, tenant, channel, input, input_hash, requested_by, requested_at, reason, state, expires_at, history)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) IF NOT EXISTS`,
        [a.id, a.cluster, a.tenant, a.channel, a.input, a.inputHash, a.requestedBy, a.requestedAt, a.reason, a.expiresAt, [entry(a.requestedBy, 'filed', a.reason, a.requestedAt)]],
        LWT,
      );
      if (!applied(rs)) throw new Error('approval id collision');
    });
  }

  async approval(id: string): Promise<ApprovalRequest | null> {
    return run(`reading approval request ${id}`, async () => {
      const r = (await this.client.execute(`SELECT * FROM ${APPROVALS} WHERE id = ?`, [id], Q)).rows[0];
      return r ? approvalOf(r) : null;
    });
  }

  async approvals(): Promise<ApprovalRequest[]> {
    return run('reading approval requests', async () => {
      const out: ApprovalRequest[] = [];
      for await (const r of await this.client.execute(`SELECT * FROM ${APPROVALS}`, [], { ...Q, fetchSize: 1000 })) out.push(approvalOf(r));
      return out;
    });
  }

  moveApproval(id: string, from: ApprovalState, to: ApprovalState, set: Record<string, Value>, hist: string): Promise<boolean> {
    return transition(this.client, APPROVALS, APPROVAL_COLS, id, from, to, set, hist);
  }

  async insertSupport(g: { id: string; cluster: string; tenant: string; requestedBy: string; requestedAt: Date; minutes: number; readOnly: boolean; reason: string; decideBy: Date }): Promise<void> {
    await run('filing the support request', async () => {
      const rs = await this.client.execute(
        `INSERT INTO ${SUPPORT} (id, cluster, tenant, requested_by, requested_at, minutes, read_only, reason, state, decide_by, history)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) IF NOT EXISTS`,
        [g.id, g.cluster, g.tenant, g.requestedBy, g.requestedAt, g.minutes, g.readOnly, g.reason, g.decideBy, [entry(g.requestedBy, 'requested', g.reason, g.requestedAt)]],
        LWT,
      );
      if (!applied(rs)) throw new Error('support id collision');
    });
  }

  async support(id: string): Promise<SupportGrant | null> {
    return run(`reading support request ${id}`, async () => {
      const r = (await this.client.execute(`SELECT * FROM ${SUPPORT} WHERE id = ?`, [id], Q)).rows[0];
      return r ? supportOf(r) : null;
    });
  }

  async supports(): Promise<SupportGrant[]> {
    return run('reading support requests', async () => {
      const out: SupportGrant[] = [];
      for await (const r of await this.client.execute(`SELECT * FROM ${SUPPORT}`, [], { ...Q, fetchSize: 1000 })) out.push(supportOf(r));
      return out;
    });
  }

  moveSupport(id: string, from: SupportState, to: SupportState | null, set: Record<string, Value>, hist: string): Promise<boolean> {
    return transition(this.client, SUPPORT, SUPPORT_COLS, id, from, to, set, hist);
  }

  /** Delete rows (tests' cleanup of their own requests only). */
  async forget(kind: 'approval' | 'support', id: string): Promise<void> {
    await run(`deleting request ${id}`, () => this.client.execute(`DELETE FROM ${kind === 'approval' ? APPROVALS : SUPPORT} WHERE id = ?`, [id], Q));
  }
}

/** The decision a tenant admin wrote on the tenant side (their console cannot write csm_system). */
export interface TenantDecision {
  decision: 'approved' | 'rejected' | null;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
  revokeRequestedBy: string | null;
  revokeReason: string | null;
}

/**
 * Tables in `tenant_<id>_csm`. The platform writes `body` (its own view, for the tenant's lists);
 * the tenant's admins may write the decision columns of support_requests only: MODIFY is granted
 * on that one table, so they can never touch keys, config or the tenant's audit stream.
 */
export class TenantAccessTables {
  /**
   * Platform session: create both tables and the one grant. Checked every time (requests are rare):
   * a tenant deleted and provisioned again under the same id has a new, empty console keyspace.
   */
  async ensure(client: CqlClient, _cluster: string, tenant: string): Promise<void> {
    const ks = tenantConsoleKeyspace(tenant);
    await run(`preparing support tables of ${tenant}`, async () => {
      const have = new Set((await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true })).rows.map((r) => String(r['table_name'])));
      let created = false;
      if (!have.has(TENANT_SUPPORT_TABLE)) {
        await client.execute(
          `CREATE TABLE IF NOT EXISTS ${qualified(ks, TENANT_SUPPORT_TABLE)} (id text PRIMARY KEY, body text, decision text, decided_by text, decided_at timestamp, decision_note text, revoke_requested_by text, revoke_requested_at timestamp, revoke_reason text)`,
        );
        created = true;
      }
      if (!have.has(TENANT_APPROVALS_TABLE)) {
        await client.execute(`CREATE TABLE IF NOT EXISTS ${qualified(ks, TENANT_APPROVALS_TABLE)} (id text PRIMARY KEY, body text)`);
        created = true;
      }
      if (created) await waitForAgreement(client, `support tables of ${tenant}`);
      await client.execute(`GRANT MODIFY ON TABLE ${qualified(ks, TENANT_SUPPORT_TABLE)} TO ${newRole(tenantAdminRole(tenant))}`);
    });
  }

  async publishSupport(client: CqlClient, g: SupportGrant): Promise<void> {
    await run(`publishing support request ${g.id}`, () => client.execute(`INSERT INTO ${qualified(tenantConsoleKeyspace(g.tenant), TENANT_SUPPORT_TABLE)} (id, body) VALUES (?, ?)`, [g.id, JSON.stringify(g)], Q));
  }

  async publishApproval(client: CqlClient, a: ApprovalRequest): Promise<void> {
    await run(`publishing approval request ${a.id}`, () => client.execute(`INSERT INTO ${qualified(tenantConsoleKeyspace(a.tenant), TENANT_APPROVALS_TABLE)} (id, body) VALUES (?, ?)`, [a.id, JSON.stringify(a)], Q));
  }

  /** Rows of the tenant side; [] when the tables were never created (no request ever filed). */
  private async rows(client: CqlClient, tenant: string, table: string): Promise<Record<string, unknown>[]> {
    const ks = tenantConsoleKeyspace(tenant);
    return run(`reading ${table} of ${tenant}`, async () => {
      const exists = (await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [ks, table], { prepare: true })).rowLength > 0;
      if (!exists) return [];
      const out: Record<string, unknown>[] = [];
      for await (const r of await client.execute(`SELECT * FROM ${qualified(ks, table)}`, [], { ...Q, fetchSize: 1000 })) out.push(r);
      return out;
    });
  }

  async supportRows(client: CqlClient, tenant: string): Promise<{ body: unknown; decision: TenantDecision; id: string }[]> {
    return (await this.rows(client, tenant, TENANT_SUPPORT_TABLE)).map((r) => ({ id: String(r['id']), body: parseBody(r['body']), decision: decisionOf(r) }));
  }

  async approvalBodies(client: CqlClient, tenant: string): Promise<unknown[]> {
    return (await this.rows(client, tenant, TENANT_APPROVALS_TABLE)).map((r) => parseBody(r['body']));
  }

  async decision(client: CqlClient, tenant: string, id: string): Promise<TenantDecision | null> {
    const r = await run(`reading the decision on ${id}`, async () => (await client.execute(`SELECT * FROM ${qualified(tenantConsoleKeyspace(tenant), TENANT_SUPPORT_TABLE)} WHERE id = ?`, [id], Q)).rows[0]);
    return r ? decisionOf(r) : null;
  }

  /** Tenant admin's session: first decision wins (LWT on `decision = null`). */
  async decide(client: CqlClient, tenant: string, id: string, decision: 'approved' | 'rejected', by: string, note: string | null): Promise<boolean> {
    return run(`recording the decision on ${id}`, async () =>
      applied(await client.execute(`UPDATE ${qualified(tenantConsoleKeyspace(tenant), TENANT_SUPPORT_TABLE)} SET decision = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE id = ? IF decision = null`, [decision, by, new Date(), note, id], LWT)),
    );
  }

  async requestRevoke(client: CqlClient, tenant: string, id: string, by: string, reason: string | null): Promise<boolean> {
    return run(`asking to revoke ${id}`, async () =>
      applied(await client.execute(`UPDATE ${qualified(tenantConsoleKeyspace(tenant), TENANT_SUPPORT_TABLE)} SET revoke_requested_by = ?, revoke_requested_at = ?, revoke_reason = ? WHERE id = ? IF revoke_requested_by = null`, [by, new Date(), reason, id], LWT)),
    );
  }
}

function parseBody(v: unknown): unknown {
  try {
    return JSON.parse(String(v ?? 'null'));
  } catch {
    return null;
  }
}

function decisionOf(r: Record<string, unknown>): TenantDecision {
  const d = str(r['decision']);
  return {
    decision: d === 'approved' || d === 'rejected' ? d : null,
    decidedBy: str(r['decided_by']),
    decidedAt: iso(r['decided_at']),
    note: str(r['decision_note']),
    revokeRequestedBy: str(r['revoke_requested_by']),
    revokeReason: str(r['revoke_reason']),
  };
}


