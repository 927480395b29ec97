import { tenantConsoleKeyspace } from '../../src-shared/rules/lifecycle';
import { tenantAdminRole } from '../../src-shared/rules/names';
import type { CqlClient } from '../cassandra/connections';
import { fromDriverError } from '../cassandra/driver-errors';
import { newRole, qualified } from '../cassandra/identifiers';
import { waitForAgreement } from '../cassandra/system-schema';

/**
 * The certificate feature's tables in the tenant's console keyspace `tenant_<id>_csm` (DESIGN §3:
 * no tenant's PKI in a shared table). Created at provisioning and on demand by a platform
 * session; the tenant's admin role gets MODIFY on exactly these (a tenant admin issues and
 * revokes from their own session), nothing else in the keyspace. The platform re-validates what
 * it reads back (see store.ts: a row a tenant wrote is parsed and checked against the CA).
 *
 * - pki_ca: one row (k = 'ca'): CA certificate, chain, the CA private key as PKCS#8 sealed under
 *   the tenant's 'ca' data key (an envelope, never clear), the CRL counter.
 * - pki_certs: the inventory, one row per serial (LWT insert: serials unique; LWT revoke).
 * - pki_crls: every CRL signed, newest first.
 */
export const CA_TABLE = 'pki_ca';
export const CERTS_TABLE = 'pki_certs';
export const CRLS_TABLE = 'pki_crls';
export const PKI_TABLES = [CA_TABLE, CERTS_TABLE, CRLS_TABLE] as const;

export const caTable = (t: string) => qualified(tenantConsoleKeyspace(t), CA_TABLE);
export const certsTable = (t: string) => qualified(tenantConsoleKeyspace(t), CERTS_TABLE);
export const crlsTable = (t: string) => qualified(tenantConsoleKeyspace(t), CRLS_TABLE);

function createStatements(t: string): Record<string, string> {
  return {
    [CA_TABLE]: `CREATE TABLE IF NOT EXISTS ${caTable(t)} (
       k text PRIMARY KEY,
       serial text, subject text, algorithm text, kind text,
       certificate text, chain text,
       key_wrapped blob, key_version int,
       not_before timestamp, not_after timestamp, fingerprint text,
       crl_number bigint, last_crl_at timestamp,
       created_by text, created_at timestamp)`,
    [CERTS_TABLE]: `CREATE TABLE IF NOT EXISTS ${certsTable(t)} (
       serial text PRIMARY KEY,
       ca_serial text, type text, common_name text, subject text, issuer text, sans list<text>,
       algorithm text, not_before timestamp, not_after timestamp,
       status text, revoked_at timestamp, revocation_reason text, revoked_by text,
       fingerprint text, source text, certificate text,
       key_wrapped blob, key_version int,
       issued_by text, issued_at timestamp, renewed_from text, renewed_by text)`,
    [CRLS_TABLE]: `CREATE TABLE IF NOT EXISTS ${crlsTable(t)} (
       k text, crl_number bigint,
       pem text, this_update timestamp, next_update timestamp, revoked_count int, signed_by text,
       PRIMARY KEY ((k), crl_number)) WITH CLUSTERING ORDER BY (crl_number DESC)`,
  };
}

async function run<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fromDriverError(e, what);
  }
}

/** Which of the tables are missing (system_schema is readable by every role). */
export async function missingTables(client: CqlClient, tenant: string): Promise<string[]> {
  const ks = tenantConsoleKeyspace(tenant);
  const have = await run(`reading the tables of ${ks}`, async () => new Set((await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [ks], { prepare: true })).rows.map((r) => String(r['table_name']))));
  return PKI_TABLES.filter((t) => !have.has(t));
}

/**
 * Platform session: create what is missing and (re)grant MODIFY on the three tables to the
 * tenant's admin role. Idempotent; the grant runs every time (a tenant deleted and provisioned
 * again under the same id has a fresh keyspace; GRANT is idempotent).
 */
export async function ensurePkiTables(platform: CqlClient, tenant: string): Promise<void> {
  const missing = await missingTables(platform, tenant);
  await run(`preparing the certificate tables of ${tenant}`, async () => {
    const stmts = createStatements(tenant);
    for (const t of missing) await platform.execute(stmts[t]!);
    if (missing.length) await waitForAgreement(platform, `certificate tables of ${tenant}`);
    for (const t of PKI_TABLES) await platform.execute(`GRANT MODIFY ON TABLE ${qualified(tenantConsoleKeyspace(tenant), t)} TO ${newRole(tenantAdminRole(tenant))}`);
  });
}
