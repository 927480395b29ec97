/**
 * csm_system migration 4 (compliance boundaries and profiles, issue 6 items 3–4). Each statement
 * must be idempotent (IF NOT EXISTS). Referenced from cassandra/system-schema.ts; frozen once shipped.
 */
export const COMPLIANCE_SCHEMA: string[] = [];
