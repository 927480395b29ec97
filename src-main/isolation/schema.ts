/**
 * csm_system migration 6 (continuous isolation checks, issue 6 item 2). Each statement must be
 * idempotent (IF NOT EXISTS). Referenced from cassandra/system-schema.ts; frozen once shipped.
 */
export const MONITOR_SCHEMA: string[] = [];
