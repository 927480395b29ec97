import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { newRole, qualified } from '../cassandra/identifiers';
import { waitForAgreement } from '../cassandra/system-schema';
import { tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';
import { tenantAdminRole } from '../../src-shared/rules/names';

/**
 * The feature's tables in the tenant's console keyspace `tenant_<id>_csm` (not csm_system: a
 * tenant-admin console must read and write them, and no tenant-private row goes in a shared table).
 * The platform creates them and grants MODIFY on exactly these three to `tenant_<id>_admin`
 * (as support access does for its requests) — never on keys, config or the audit stream.
 * - user_meta: template, locked, last password change (the tenancy `users` table stays platform-written);
 * - password_history: scrypt hashes with a per-entry salt, newest first; never a password;
 * - user_requests: what a tenant admin filed; the platform re-validates every field before acting.
 */
export const USER_META_TABLE = 'user_meta';
export const PASSWORD_HISTORY_TABLE = 'password_history';
export const USER_REQUESTS_TABLE = 'user_requests';

export const Q = { prepare: true, consistency: 0x06 } as const;
export const LWT = { prepare: true, consistency: 0x06, serialConsistency: 0x09 } as const;

export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

export const meta = (t: string) => qualified(tenantConsoleKeyspace(t), USER_META_TABLE);
export const history = (t: string) => qualified(tenantConsoleKeyspace(t), PASSWORD_HISTORY_TABLE);
export const requests = (t: string) => qualified(tenantConsoleKeyspace(t), USER_REQUESTS_TABLE);

/** Platform session. Idempotent; run before every platform write (a re-provisioned tenant has an empty console keyspace). */
export async function ensureTables(client: CqlClient, tenant: string): Promise<void> {
  const ks = tenantConsoleKeyspace(tenant);
  await guard(`preparing the user tables of ${tenant}`, async () => {
    const have = new Set((await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true })).rows.map((r) => String(r['table_name'])));
    const want: [string, string][] = [
      [USER_META_TABLE, `CREATE TABLE IF NOT EXISTS ${meta(tenant)} (name text PRIMARY KEY, template text, locked boolean, dropped boolean, created_by text, created_at timestamp, password_changed_at timestamp)`],
      [PASSWORD_HISTORY_TABLE, `CREATE TABLE IF NOT EXISTS ${history(tenant)} (name text, at timestamp, hash text, PRIMARY KEY (name, at)) WITH CLUSTERING ORDER BY (at DESC)`],
      [USER_REQUESTS_TABLE, `CREATE TABLE IF NOT EXISTS ${requests(tenant)} (id text PRIMARY KEY, kind text, user_name text, template text, grant_spec text, password_hash text, history_hash text, requested_by text, requested_at timestamp, state text, processed_by text, processed_at timestamp, error text)`],
    ];
    const missing = want.filter(([t]) => !have.has(t));
    for (const [, stmt] of missing) await client.execute(stmt);
    if (missing.length) await waitForAgreement(client, `user tables of ${tenant}`);
    for (const [t] of want) await client.execute(`GRANT MODIFY ON TABLE ${qualified(ks, t)} TO ${newRole(tenantAdminRole(tenant))}`);
  });
}

/** Do the tables exist (a tenant-admin console cannot create them; reads of a never-prepared tenant are empty)? */
export async function tablesExist(client: CqlClient, tenant: string): Promise<boolean> {
  return guard(`reading the user tables of ${tenant}`, async () => (await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [tenantConsoleKeyspace(tenant), USER_META_TABLE], { prepare: true })).rowLength > 0);
}
