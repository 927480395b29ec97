import { keyspace } from '../cassandra/identifiers';

/**
 * csm_system migration 4 (compliance boundaries and profiles, issue 6 items 3–4). Each statement
 * must be idempotent (IF NOT EXISTS). Referenced from cassandra/system-schema.ts; frozen once shipped.
 *
 * One row per tenant: the boundary as dc → region label, the framework tags, the overrides as
 * JSON (parsed again on every read: a row is not more trusted than a caller), and a version that
 * compare-and-set writes check so two consoles never overwrite each other silently.
 */
export const COMPLIANCE_SCHEMA: string[] = [
  `CREATE TABLE IF NOT EXISTS ${keyspace('csm_system')}.compliance_profiles (
     tenant_id text PRIMARY KEY, boundary map<text, text>, frameworks set<text>, overrides text,
     version int, updated_by text, updated_at timestamp)`,
];
