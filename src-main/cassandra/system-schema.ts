import { AppError } from '../app/errors';
import type { CqlClient } from './connections';
import { fromDriverError } from './driver-errors';
import { dcLiteral, keyspace } from './identifiers';
import { COMPLIANCE_SCHEMA } from '../compliance/schema';
import { ACCESS_SCHEMA } from '../access/schema';
import { MONITOR_SCHEMA } from '../isolation/schema';
import { MSP_SCHEMA } from '../msp/schema';
import { PKI_SYSTEM_STATEMENTS } from '../pki/schema';
import { AUDIT_SYSTEM_STATEMENTS } from '../audit/schema';
import { METERING_SYSTEM_STATEMENTS } from '../resources/metering/schema';
import { QUOTA_SYSTEM_STATEMENTS } from '../resources/quotas/schema';
import { BILLING_SYSTEM_STATEMENTS } from '../resources/billing/schema';
import { ORCHESTRATION_SYSTEM_STATEMENTS } from '../portability/orchestration/schema';
import { AVAILABILITY_SYSTEM_STATEMENTS } from '../availability/schema';

export const SYSTEM_KEYSPACE = 'csm_system';

export interface SchemaMigration {
  version: number;
  name: string;
  /** CQL statements; each must be idempotent (IF NOT EXISTS), since two consoles may race. */
  statements: string[];
}

const KS = keyspace(SYSTEM_KEYSPACE);

/** Numbered, append-only. A shipped migration is never edited: add the next one. */
export const SYSTEM_MIGRATIONS: SchemaMigration[] = [
  {
    version: 1,
    name: 'tenant registry',
    statements: [
      `CREATE TABLE IF NOT EXISTS ${KS}.tenants (
         id text PRIMARY KEY, name text, tier text, state text, cluster text,
         isolation text, template text, created_at timestamp, updated_at timestamp)`,
    ],
  },
  {
    version: 2,
    name: 'wrapped tenant KEKs',
    // Same text as keys/cassandra-stores.ts systemKeyTables(): copied, since a shipped migration is frozen.
    statements: [
      `CREATE TABLE IF NOT EXISTS ${KS}.tenant_keks (
         tenant_id text, version int, wrapped blob, master_fingerprint text, state text,
         created_at timestamp, retired_at timestamp,
         PRIMARY KEY ((tenant_id), version)
       ) WITH CLUSTERING ORDER BY (version DESC)`,
    ],
  },
  {
    version: 3,
    name: 'tenant lifecycle: placement, sagas, templates, suspensions',
    statements: [
      // keyspaces/roles: what the tenant owns, recorded before it is created, so deletion never
      // guesses by name prefix (tenant_acme_x_data could be acme's or acme_x's).
      `ALTER TABLE ${KS}.tenants ADD IF NOT EXISTS (data_centers list<text>, color text, keyspaces set<text>,
         roles set<text>, job_id text, suspended_at timestamp)`,
      `CREATE TABLE IF NOT EXISTS ${KS}.tenant_jobs (
         job_id text PRIMARY KEY, tenant_id text, kind text, state text, steps text, params text,
         error text, started_by text, owner text, started_at timestamp, updated_at timestamp)`,
      `CREATE TABLE IF NOT EXISTS ${KS}.templates (name text PRIMARY KEY, body text, updated_by text, updated_at timestamp)`,
      `CREATE TABLE IF NOT EXISTS ${KS}.tenant_suspensions (
         tenant_id text PRIMARY KEY, snapshot text, reason text, suspended_by text, suspended_at timestamp)`,
    ],
  },
  // Issue 6 items 2–5: each feature keeps its statements beside its code (one owner per file).
  { version: 4, name: 'compliance boundaries and profiles', statements: COMPLIANCE_SCHEMA },
  { version: 5, name: 'support access and change approvals', statements: ACCESS_SCHEMA },
  { version: 6, name: 'continuous isolation checks', statements: MONITOR_SCHEMA },
  { version: 7, name: 'MSP bulk operations', statements: MSP_SCHEMA },
  { version: 8, name: 'platform root CA', statements: PKI_SYSTEM_STATEMENTS },
  { version: 9, name: 'platform audit stream and signing key', statements: AUDIT_SYSTEM_STATEMENTS },
  { version: 10, name: 'availability targets and maintenance windows', statements: AVAILABILITY_SYSTEM_STATEMENTS },
  { version: 11, name: 'usage samples', statements: METERING_SYSTEM_STATEMENTS },
  { version: 12, name: 'quotas, raises, enforcement and write freezes', statements: QUOTA_SYSTEM_STATEMENTS },
  { version: 13, name: 'rate card, cost centres and privacy budget', statements: BILLING_SYSTEM_STATEMENTS },
  // The portability core keeps its operation records in the console's cache (no csm_system table).
  { version: 14, name: 'backup policies, catalogue and migrations', statements: ORCHESTRATION_SYSTEM_STATEMENTS },
  // Issue 7 (tenant users, versioned config) needs no csm_system table: it lives in each tenant's
  // own console keyspace (DESIGN §3), created at provisioning or on demand by a platform console.
];

export const LATEST_SYSTEM_SCHEMA = SYSTEM_MIGRATIONS[SYSTEM_MIGRATIONS.length - 1]!.version;

export interface SchemaStatus {
  version: number;
  latestKnown: number;
  applied: number[];
}

/** Present in the driver since 4.0 but missing from its typings. */
function schemaAgrees(client: CqlClient): Promise<boolean> {
  return (client.metadata as unknown as { checkSchemaAgreement(): Promise<boolean> }).checkSchemaAgreement();
}

export async function waitForAgreement(client: CqlClient, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (await schemaAgrees(client)) return;
    if (Date.now() > deadline) throw new AppError('TIMEOUT', `${what}: nodes did not agree on the schema within 30 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Replication for the console keyspace: NetworkTopologyStrategy, up to 3 replicas per DC. */
export async function replicationFor(client: CqlClient): Promise<string> {
  const perDc = new Map<string, number>();
  for (const host of client.hosts.values()) perDc.set(host.datacenter, (perDc.get(host.datacenter) ?? 0) + 1);
  const parts = [...perDc].sort(([a], [b]) => a.localeCompare(b)).map(([dc, n]) => `${dcLiteral(dc)}: ${Math.min(3, n)}`);
  return `{'class': 'NetworkTopologyStrategy', ${parts.join(', ')}}`;
}

export interface VersionedSchema {
  keyspace: string;
  migrations: SchemaMigration[];
}

/** The console's own platform schema. Other versioned keyspaces (tests, later features) pass their own. */
export const SYSTEM_SCHEMA: VersionedSchema = { keyspace: SYSTEM_KEYSPACE, migrations: SYSTEM_MIGRATIONS };

/** Every migration version recorded as applied (empty when the keyspace does not exist yet). */
export async function readAppliedVersions(client: CqlClient, schema: VersionedSchema = SYSTEM_SCHEMA): Promise<Set<number>> {
  const KS = keyspace(schema.keyspace);
  try {
    const ks = await client.execute('SELECT keyspace_name FROM system_schema.tables WHERE keyspace_name = ? AND table_name = ?', [schema.keyspace, 'schema_migrations'], { prepare: true });
    if (ks.rowLength === 0) return new Set();
    const rs = await client.execute(`SELECT version FROM ${KS}.schema_migrations`);
    return new Set(rs.rows.map((r) => Number(r['version'])));
  } catch (err) {
    throw fromDriverError(err, `reading the ${schema.keyspace} schema version`);
  }
}

export async function readSchemaVersion(client: CqlClient, schema: VersionedSchema = SYSTEM_SCHEMA): Promise<number> {
  return Math.max(0, ...(await readAppliedVersions(client, schema)));
}

/**
 * Bring csm_system up to this console's version. A console older than the schema refuses
 * (SCHEMA_TOO_NEW) rather than write rows a newer console would misread.
 */
export async function ensureSystemSchema(client: CqlClient, appliedBy: string, schema: VersionedSchema = SYSTEM_SCHEMA): Promise<SchemaStatus> {
  const KS = keyspace(schema.keyspace);
  const latest = schema.migrations[schema.migrations.length - 1]?.version ?? 0;
  const recorded = await readAppliedVersions(client, schema);
  const current = Math.max(0, ...recorded);
  if (current > latest) {
    throw new AppError(
      'SCHEMA_TOO_NEW',
      `${schema.keyspace} is at schema version ${current}, this console knows up to ${latest}: upgrade the console before using it on this cluster`,
    );
  }
  const applied: number[] = [];
  try {
    if (current === 0) {
      await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${KS} WITH replication = ${await replicationFor(client)}`);
      await client.execute(
        `CREATE TABLE IF NOT EXISTS ${KS}.schema_migrations (version int PRIMARY KEY, name text, applied_at timestamp, applied_by text)`,
      );
      await waitForAgreement(client, `creating ${schema.keyspace}`);
    }
    // Every migration not yet recorded, in order — not only those above the highest: a version
    // whose statements are still empty (a feature mid-build) is skipped unrecorded and applied
    // once it has statements, even if a later one went first. Shipped migrations are never empty.
    for (const m of schema.migrations) {
      if (recorded.has(m.version) || m.statements.length === 0) continue;
      for (const stmt of m.statements) await client.execute(stmt);
      await waitForAgreement(client, `${schema.keyspace} migration ${m.version}`);
      // LWT: when two consoles race, both ran the idempotent DDL; one row records it.
      await client.execute(
        `INSERT INTO ${KS}.schema_migrations (version, name, applied_at, applied_by) VALUES (?, ?, toTimestamp(now()), ?) IF NOT EXISTS`,
        [m.version, m.name, appliedBy],
        { prepare: true },
      );
      applied.push(m.version);
    }
  } catch (err) {
    throw fromDriverError(err, `upgrading the ${schema.keyspace} schema`);
  }
  return { version: Math.max(current, ...applied), latestKnown: latest, applied };
}
