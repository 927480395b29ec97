/**
 * csm_system migration 5 (support access and change approvals, issue 6 item 5). Each statement
 * must be idempotent (IF NOT EXISTS). Referenced from cassandra/system-schema.ts; frozen once shipped.
 */
export const ACCESS_SCHEMA: string[] = [];
