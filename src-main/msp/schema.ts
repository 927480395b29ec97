import { keyspace } from '../cassandra/identifiers';

const KS = keyspace('csm_system');

/**
 * csm_system migration 7 (MSP dashboard and bulk operations, issue 6 item 5). Each statement must
 * be idempotent (IF NOT EXISTS). Referenced from cassandra/system-schema.ts; frozen once shipped.
 *
 * A bulk operation is written to the csm_system of every cluster it touches, header and all
 * per-tenant results, so any console managing any of those clusters can read the whole record.
 * - `bulk_results`: one partition per operation (the header in static columns, one row per
 *   tenant): `bulk.show` is a single-partition read; the 1,000-tenant cap keeps it small.
 * - `bulk_operations`: the list, newest first, one partition per month (a handful of operations
 *   a day at most, so a month's partition stays tiny).
 */
export const MSP_SCHEMA: string[] = [
  `CREATE TABLE IF NOT EXISTS ${KS}.bulk_operations (
     month text, started_at timestamp, id text,
     action text, params text, selection text, total int, state text, counts text,
     started_by text, owner text, job_id text, finished_at timestamp, updated_at timestamp,
     PRIMARY KEY ((month), started_at, id)
   ) WITH CLUSTERING ORDER BY (started_at DESC, id ASC)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.bulk_results (
     op_id text, cluster text, tenant text,
     action text static, params text static, selection text static, total int static, state text static,
     started_by text static, owner text static, job_id text static, started_at timestamp static,
     finished_at timestamp static, updated_at timestamp static,
     name text, outcome text, code text, message text, approval_id text, at timestamp,
     PRIMARY KEY ((op_id), cluster, tenant)
   )`,
];
