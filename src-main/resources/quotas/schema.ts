import { keyspace } from '../../cassandra/identifiers';

const KS = keyspace('csm_system');

/**
 * csm_system migration 12 (quotas, raises, enforcement state, write freezes). The platform's record:
 * only platform roles read or write csm_system; each tenant's admins and auditors read a copy kept
 * in the tenant's own console keyspace (see store.ts, QuotaMirror).
 *
 * - quotas: one row per tenant and resource; limits, the temporary raise, and the enforcement state
 *   the sweep keeps (state, over_since).
 * - quota_events: what happened, newest first per tenant (soft/hard exceeded, grace started,
 *   enforced, restored, raised, raise expired, refused).
 * - write_freezes: the tenant's reasons for a write freeze and the exact (role, resource) MODIFY
 *   grants revoked by the first reason, restored when the last one is lifted.
 */
export const QUOTA_SYSTEM_STATEMENTS: string[] = [
  `CREATE TABLE IF NOT EXISTS ${KS}.quotas (
     tenant_id text, resource text, soft double, hard double, grace_hours double,
     raised_hard double, raised_until timestamp, raise_reason text, raised_by text,
     state text, over_since timestamp, updated_by text, updated_at timestamp,
     PRIMARY KEY ((tenant_id), resource))`,
  `CREATE TABLE IF NOT EXISTS ${KS}.quota_events (
     tenant_id text, at timestamp, id text, resource text, kind text, detail text, actor text,
     PRIMARY KEY ((tenant_id), at, id)
   ) WITH CLUSTERING ORDER BY (at DESC, id ASC)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.write_freezes (
     tenant_id text PRIMARY KEY, reasons set<text>, revoked text, since timestamp,
     updated_by text, updated_at timestamp)`,
];

/**
 * Cache migration 7: the sliding-hour console-operation counter, per cluster and tenant. Local to
 * this console (each console counts the calls it routes); rows older than an hour are pruned.
 */
export const QUOTA_CACHE_DDL = `
CREATE TABLE IF NOT EXISTS quota_ops (
  cluster TEXT NOT NULL,
  tenant TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  channel TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS quota_ops_by_tenant ON quota_ops (cluster, tenant, at_ms);
`;
