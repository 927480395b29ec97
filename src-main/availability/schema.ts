import { keyspace } from '../cassandra/identifiers';

const KS = keyspace('csm_system');

/**
 * csm_system migration 10 (issue 12): what every console managing the cluster must agree on —
 * the SLA target per tenant and its maintenance windows. Keyed by tenant id (unique within a
 * cluster), never by a console's profile name. Idempotent; frozen once shipped.
 *
 * Probe samples are NOT here: a sample is what one console saw over its own network path, the
 * cluster being measured is the worst place to store its own outage (a dead cluster cannot take
 * the sample that says it is dead), and 10,000 tenants × one sample a minute would be a write
 * load on the very cluster the console is meant to watch. Samples, hourly rollups and incidents
 * live in this console's SQLite cache (migration 5 below).
 */
export const AVAILABILITY_SYSTEM_STATEMENTS: string[] = [
  `CREATE TABLE IF NOT EXISTS ${KS}.availability_targets (
     tenant_id text PRIMARY KEY, percent double, updated_by text, updated_at timestamp)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.availability_windows (
     tenant_id text, id uuid, starts_at timestamp, ends_at timestamp, reason text,
     created_by text, created_at timestamp,
     PRIMARY KEY ((tenant_id), id))`,
];

/**
 * SQLite cache migration 5 (issue 12). Times are epoch milliseconds (INTEGER) so the aggregate
 * queries compare numbers, not strings.
 * - availability_samples: raw probe results, kept RAW_RETENTION_MS (the chart, incidents, the
 *   weight of the next sample, re-rolling hours when a maintenance window arrives late).
 * - availability_hourly: one row per tenant and hour (ok/down/excluded milliseconds), kept 3 days:
 *   the 24 h figure and the chart. availability_daily: the same per UTC day, kept 31 days: the
 *   7 d and 30 d figures. Every percentage (one tenant, or the overview of 10,000) is a SUM over
 *   at most 25 hourly + 30 daily rows per tenant. No (cluster, hour) index: the primary key's
 *   skip-scan per tenant beats it for the per-tenant GROUP BY (measured: 2.5× at 3,000 tenants).
 * - availability_last: each tenant's latest sample (the overview's "last probe" without a scan).
 * - availability_incidents: runs of failed samples (open while ended_at IS NULL).
 * - availability_targets / availability_windows: mirror of csm_system (targets, windows), so the
 *   scheduler and the aggregate SQL never read Cassandra per tenant.
 * - availability_alerts: tenants currently below target over 24 h.
 * - availability_settings: this console's probe interval and concurrency.
 */
export const AVAILABILITY_CACHE_DDL = `
  CREATE TABLE availability_samples (
    cluster     TEXT NOT NULL,
    tenant      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
    weight_ms   INTEGER NOT NULL CHECK (weight_ms >= 0),
    excluded    INTEGER NOT NULL CHECK (excluded IN (0, 1)),
    latency_ms  REAL NOT NULL,
    error_class TEXT,
    message     TEXT,
    coordinator TEXT,
    consistency TEXT NOT NULL,
    role        TEXT,
    keyspace    TEXT,
    trigger     TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual'))
  ) STRICT;
  CREATE INDEX availability_samples_by_tenant ON availability_samples (cluster, tenant, at);
  CREATE INDEX availability_samples_by_at ON availability_samples (at);

  CREATE TABLE availability_hourly (
    cluster     TEXT NOT NULL,
    tenant      TEXT NOT NULL,
    hour        INTEGER NOT NULL,
    ok_ms       INTEGER NOT NULL DEFAULT 0,
    down_ms     INTEGER NOT NULL DEFAULT 0,
    excluded_ms INTEGER NOT NULL DEFAULT 0,
    samples     INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cluster, tenant, hour)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE availability_daily (
    cluster     TEXT NOT NULL,
    tenant      TEXT NOT NULL,
    day         INTEGER NOT NULL,
    ok_ms       INTEGER NOT NULL DEFAULT 0,
    down_ms     INTEGER NOT NULL DEFAULT 0,
    excluded_ms INTEGER NOT NULL DEFAULT 0,
    samples     INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cluster, tenant, day)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE availability_last (
    cluster TEXT NOT NULL,
    tenant  TEXT NOT NULL,
    at      INTEGER NOT NULL,
    ok      INTEGER NOT NULL CHECK (ok IN (0, 1)),
    PRIMARY KEY (cluster, tenant)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE availability_incidents (
    id             INTEGER PRIMARY KEY,
    cluster        TEXT NOT NULL,
    tenant         TEXT NOT NULL,
    started_at     INTEGER NOT NULL,
    last_failed_at INTEGER NOT NULL,
    ended_at       INTEGER,
    samples        INTEGER NOT NULL,
    error_class    TEXT,
    message        TEXT
  ) STRICT;
  CREATE INDEX availability_incidents_by_tenant ON availability_incidents (cluster, tenant, started_at);
  CREATE INDEX availability_incidents_open ON availability_incidents (cluster, tenant) WHERE ended_at IS NULL;

  CREATE TABLE availability_targets (
    cluster    TEXT NOT NULL,
    tenant     TEXT NOT NULL,
    percent    REAL NOT NULL CHECK (percent > 0 AND percent < 100),
    updated_by TEXT,
    updated_at INTEGER,
    PRIMARY KEY (cluster, tenant)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE availability_windows (
    cluster    TEXT NOT NULL,
    tenant     TEXT NOT NULL,
    id         TEXT NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL CHECK (ends_at > starts_at),
    reason     TEXT NOT NULL,
    created_by TEXT,
    PRIMARY KEY (cluster, tenant, id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX availability_windows_by_time ON availability_windows (cluster, tenant, starts_at);

  CREATE TABLE availability_alerts (
    cluster   TEXT NOT NULL,
    tenant    TEXT NOT NULL,
    raised_at INTEGER NOT NULL,
    percent   REAL,
    target    REAL NOT NULL,
    PRIMARY KEY (cluster, tenant)
  ) STRICT, WITHOUT ROWID;

  CREATE TABLE availability_settings (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
`;
