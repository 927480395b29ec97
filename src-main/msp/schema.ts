/**
 * csm_system migration 7 (MSP dashboard and bulk operations, issue 6 item 5). Each statement must
 * be idempotent (IF NOT EXISTS). Referenced from cassandra/system-schema.ts; frozen once shipped.
 */
export const MSP_SCHEMA: string[] = [];
