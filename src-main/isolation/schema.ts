import { keyspace } from '../cassandra/identifiers';

const KS = keyspace('csm_system');

/**
 * csm_system migration 6 (continuous isolation checks, issue 6 item 2). Each statement must be
 * idempotent (IF NOT EXISTS). Referenced from cassandra/system-schema.ts; frozen once shipped.
 *
 * csm_system lives in the cluster it describes, so nothing is keyed by a console's profile name
 * (two consoles may call one cluster differently): the monitor row and the baseline are one
 * partition each (`id`/`scope` = 'cluster').
 * - isolation_monitor: the shared schedule and the latest scan's summary (counts, per tenant).
 * - isolation_baseline: the warning-or-worse findings the last scans saw. A console raises an
 *   alert only when its `INSERT … IF NOT EXISTS` of a finding applies, so two consoles scanning
 *   at once raise it once; a restart or a second console reads the same rows and stays quiet.
 * - isolation_alerts: every alert ever raised; isolation_open_alerts indexes the ones not both
 *   acknowledged and resolved, so a status read never walks the history.
 */
export const MONITOR_SCHEMA: string[] = [
  `CREATE TABLE IF NOT EXISTS ${KS}.isolation_monitor (
     id text PRIMARY KEY, every_minutes int, schedule_by text, schedule_at timestamp,
     scan_at timestamp, scan_by text, scan_trigger text, summary text)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.isolation_baseline (
     scope text, finding_id text, kind text, severity text, title text, tenants set<text>,
     first_seen timestamp, alert_id text,
     PRIMARY KEY ((scope), finding_id))`,
  `CREATE TABLE IF NOT EXISTS ${KS}.isolation_alerts (
     id text PRIMARY KEY, finding_id text, kind text, severity text, title text, tenants set<text>,
     scan_trigger text, raised_on text, raised_at timestamp, raised_by text,
     acknowledged_by text, acknowledged_at timestamp, resolved_at timestamp)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.isolation_open_alerts (scope text, id text, raised_at timestamp, PRIMARY KEY ((scope), id))`,
];
