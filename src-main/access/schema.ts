import { keyspace } from '../cassandra/identifiers';

const KS = keyspace('csm_system');

/**
 * csm_system migration 5 (support access and change approvals, issue 6 item 5). Each statement
 * must be idempotent (IF NOT EXISTS). Referenced from cassandra/system-schema.ts; frozen once shipped.
 *
 * One partition per request: state changes are LWTs on the row (`IF state = …`), so two approvers
 * (or two consoles sweeping) cannot both win. `history` keeps every step beside the audit log,
 * as JSON lines appended with `history = history + [...]`. The tenant-side copies a tenant admin
 * can read (and, for support decisions, write) live in `tenant_<id>_csm` (see tenant-tables.ts):
 * a tenant-scoped role cannot read csm_system.
 */
export const ACCESS_SCHEMA: string[] = [
  `CREATE TABLE IF NOT EXISTS ${KS}.approval_requests (
     id text PRIMARY KEY, cluster text, tenant text, channel text, input text, input_hash text,
     requested_by text, requested_at timestamp, reason text, state text, expires_at timestamp,
     decided_by text, decided_at timestamp, decision_note text,
     executed_at timestamp, result_summary text, error_code text, history list<text>)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.support_access (
     id text PRIMARY KEY, cluster text, tenant text, requested_by text, requested_at timestamp,
     minutes int, read_only boolean, reason text, state text, decide_by timestamp,
     decided_by text, decided_at timestamp, decision_note text,
     activated_by text, activated_at timestamp, role text, expires_at timestamp,
     revoke_requested_by text, revoked_by text, revoked_at timestamp, revoke_reason text, history list<text>)`,
];
