import { keyspace } from '../../cassandra/identifiers';

const KS = keyspace('csm_system');

/**
 * csm_system migration 15 (issue 11 items 3–4): what every console managing the cluster must
 * agree on. Keyed by tenant id (unique within a cluster). Idempotent; frozen once shipped
 * (append ALTER … IF NOT EXISTS, never edit).
 * - backup_policies: the schedule, retention and RPO/RTO targets a platform operator set, and the
 *   last measured restore (or verify) duration — the RTO figure.
 * - backups: the catalogue. The bundle files live in the data directory of the console that took
 *   them (`console` names it); the row says where, how big, its digest and its last verification.
 * - tenant_moves: migrations of a tenant between clusters, written on BOTH clusters, so either
 *   side's consoles know where the tenant went (or that a move was aborted) and at which phase.
 */
export const ORCHESTRATION_SYSTEM_STATEMENTS: string[] = [
  `CREATE TABLE IF NOT EXISTS ${KS}.backup_policies (
     tenant_id text PRIMARY KEY, every_hours int, keep int, rpo_minutes int, rto_minutes int,
     with_data boolean, updated_by text, updated_at timestamp,
     measured_restore_ms bigint, measured_at timestamp, measured_kind text)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.backups (
     tenant_id text, id text, taken_at timestamp, path text, console text, bytes bigint,
     row_count bigint, table_count int, sha256 text, trigger_kind text, with_data boolean, created_by text,
     verified_at timestamp, verified_ok boolean,
     PRIMARY KEY ((tenant_id), id))`,
  `CREATE TABLE IF NOT EXISTS ${KS}.tenant_moves (
     tenant_id text, operation_id text, from_cluster text, to_cluster text, target_tenant text,
     side text, phase text, state text, error text, started_by text, started_at timestamp,
     updated_at timestamp, abort_requested_at timestamp,
     PRIMARY KEY ((tenant_id), operation_id))`,
  // A console may have applied the table above before it had this column.
  `ALTER TABLE ${KS}.tenant_moves ADD IF NOT EXISTS abort_requested_at timestamp`,
];

/**
 * SQLite cache migration 10: this console's scheduler bookkeeping — the last time it tried a
 * scheduled backup of a tenant and how that went, so a failing backup is retried once per hour
 * instead of on every tick. Times are epoch milliseconds.
 */
export const ORCHESTRATION_CACHE_DDL = `
CREATE TABLE IF NOT EXISTS backup_schedule_attempts (
  cluster TEXT NOT NULL,
  tenant TEXT NOT NULL,
  attempted_at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  error TEXT,
  PRIMARY KEY (cluster, tenant)
) WITHOUT ROWID;
`;
