import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import { keyspace, newRole, qualified } from '../../cassandra/identifiers';
import { waitForAgreement } from '../../cassandra/system-schema';
import { tenantConsoleKeyspace } from '../../../src-shared/rules/lifecycle';
import { tenantAdminRole, tenantAuditorRole } from '../../../src-shared/rules/names';
import { AUDIT_CHAIN_COLUMNS, AUDIT_CHAIN_OPTIONS, AUDIT_KEYS_COLUMNS } from '../schema';
import { tenantOfStream, type StreamId } from '../types';

/**
 * Where a stream lives: the platform stream in csm_system (migration 9), a tenant's in its console
 * keyspace `tenant_<id>_csm`, which the tenant's admin and auditor roles may read (SELECT on the
 * keyspace, granted at provisioning) but not write: only the platform (and the tenant's service
 * role) write there, so Cassandra itself keeps one tenant's trail from another and from its own
 * admins. The one exception is `audit_inbox`: MODIFY on that table alone is granted to the
 * tenant's admin role, so its console (which holds no KEK and cannot sign) can hand events to the
 * next platform console, which seals them into that tenant's chain only (never another stream),
 * with the row's WRITETIME as the time and everything the row claims labelled as claimed.
 */
export const CHAIN_TABLE = 'audit_chain';
export const KEYS_TABLE = 'audit_keys';
export const INBOX_TABLE = 'audit_inbox';

export interface StreamTables {
  stream: StreamId;
  tenant: string | null;
  chain: string;
  keys: string;
  /** Tenant streams only. */
  inbox: string | null;
}

export function streamTables(stream: StreamId): StreamTables {
  const tenant = tenantOfStream(stream);
  if (tenant === null) {
    return { stream, tenant, chain: `${keyspace('csm_system')}.${CHAIN_TABLE}`, keys: `${keyspace('csm_system')}.${KEYS_TABLE}`, inbox: null };
  }
  const ks = tenantConsoleKeyspace(tenant);
  return { stream, tenant, chain: qualified(ks, CHAIN_TABLE), keys: qualified(ks, KEYS_TABLE), inbox: qualified(ks, INBOX_TABLE) };
}

/** Platform session. Idempotent; creates what a tenant's console keyspace lacks and (re)grants the inbox. */
export async function ensureAuditTables(client: CqlClient, tenant: string): Promise<void> {
  const ks = tenantConsoleKeyspace(tenant);
  const t = streamTables(`tenant:${tenant}`);
  try {
    const have = new Set((await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true })).rows.map((r) => String(r['table_name'])));
    const want: [string, string][] = [
      [CHAIN_TABLE, `CREATE TABLE IF NOT EXISTS ${t.chain} (${AUDIT_CHAIN_COLUMNS}) ${AUDIT_CHAIN_OPTIONS}`],
      [KEYS_TABLE, `CREATE TABLE IF NOT EXISTS ${t.keys} (${AUDIT_KEYS_COLUMNS})`],
      [INBOX_TABLE, `CREATE TABLE IF NOT EXISTS ${t.inbox!} (id timeuuid PRIMARY KEY, target text, event text, written_by text, written_at timestamp)`],
    ];
    const missing = want.filter(([name]) => !have.has(name));
    for (const [, stmt] of missing) await client.execute(stmt);
    if (missing.length) await waitForAgreement(client, `audit tables of ${tenant}`);
    // Every time (idempotent): tables made before the tenant's roles existed get their grant on the
    // next call. Only the admin's console writes the inbox; an auditor's (read-only by design) had
    // MODIFY in earlier versions, which let it put events in its tenant's trail: revoked here.
    await client.execute(`GRANT MODIFY ON TABLE ${t.inbox!} TO ${newRole(tenantAdminRole(tenant))}`);
    try {
      await client.execute(`REVOKE MODIFY ON TABLE ${t.inbox!} FROM ${newRole(tenantAuditorRole(tenant))}`);
    } catch (e) {
      // A tenant whose auditor role does not exist (yet) has nothing to revoke.
      if (!/doesn't exist|does not exist/i.test(e instanceof Error ? e.message : String(e))) throw e;
    }
  } catch (e) {
    throw fromDriverError(e, `preparing the audit tables of ${tenant}`);
  }
}

/** Do a tenant's audit tables exist (any session that may read system_schema)? */
export async function auditTablesExist(client: CqlClient, tenant: string): Promise<boolean> {
  try {
    const rs = await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [tenantConsoleKeyspace(tenant), CHAIN_TABLE], { prepare: true });
    return rs.rowLength > 0;
  } catch (e) {
    throw fromDriverError(e, `reading the audit tables of ${tenant}`);
  }
}
