import { keyspace } from '../../cassandra/identifiers';

const KS = keyspace('csm_system');

/**
 * csm_system migration 11 (issue 10 item 1): the platform's copy of every usage sample, so every
 * console bills and enforces on the same figures. Idempotent; frozen once shipped (append an
 * idempotent ALTER rather than editing).
 * - usage_samples: one partition per tenant and UTC day, newest first; `figures` is the JSON list
 *   of UsageFigure, `raw` the JSON of the cumulative counters the deltas were taken from.
 * - usage_latest: each tenant's newest sample with its raw counters (the next delta's base,
 *   `latest` and `latestAll` without a scan of days).
 * - usage_alerts: noisy-neighbour alerts, per tenant, newest first.
 */
export const METERING_SYSTEM_STATEMENTS: string[] = [
  `CREATE TABLE IF NOT EXISTS ${KS}.usage_samples (
     tenant_id text, day date, at timestamp, trigger text, figures text, raw text,
     PRIMARY KEY ((tenant_id, day), at)) WITH CLUSTERING ORDER BY (at DESC)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.usage_latest (
     tenant_id text PRIMARY KEY, at timestamp, trigger text, figures text, raw text)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.usage_alerts (
     tenant_id text, at timestamp, kind text, share double, threshold double, detail text,
     PRIMARY KEY ((tenant_id), at, kind)) WITH CLUSTERING ORDER BY (at DESC, kind ASC)`,
];

/** The tenant's own copy, in its console keyspace (created on demand by a platform console). */
export const TENANT_USAGE_TABLE = 'usage_samples';
export const tenantUsageDdl = (qualifiedTable: string): string =>
  `CREATE TABLE IF NOT EXISTS ${qualifiedTable} (day date, at timestamp, trigger text, figures text, PRIMARY KEY ((day), at)) WITH CLUSTERING ORDER BY (at DESC)`;

/**
 * SQLite cache migration 6. Times are epoch milliseconds.
 * - usage_samples: this console's copy of the samples it took or read (fallback when the cluster
 *   is unreachable); raw holds the counters for the next delta.
 * - usage_alerts: noisy-neighbour alerts this console raised or read.
 * - usage_settings: this console's sampling interval (seconds) and concurrency.
 * - audit_local_by_tenant: console_ops counts a tenant's router audit entries of the last hour.
 */
export const METERING_CACHE_DDL = `
  CREATE TABLE IF NOT EXISTS usage_samples (
    cluster  TEXT NOT NULL,
    tenant   TEXT NOT NULL,
    at       INTEGER NOT NULL,
    trigger  TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    figures  TEXT NOT NULL CHECK (json_valid(figures)),
    raw      TEXT CHECK (raw IS NULL OR json_valid(raw)),
    PRIMARY KEY (cluster, tenant, at)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS usage_alerts (
    cluster   TEXT NOT NULL,
    tenant    TEXT NOT NULL,
    at        INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('requests', 'storage')),
    share     REAL NOT NULL,
    threshold REAL NOT NULL,
    PRIMARY KEY (cluster, tenant, at, kind)
  ) STRICT;
  CREATE TABLE IF NOT EXISTS usage_settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS audit_local_by_tenant ON audit_local (tenant, at);
`;
