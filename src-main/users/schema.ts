/**
 * csm_system migration for issue 7 (users). Each statement must be idempotent (IF NOT EXISTS).
 * Referenced from cassandra/system-schema.ts; frozen once shipped. Tables inside a tenant's own
 * console keyspace are not csm_system migrations.
 */
export const USERS_SCHEMA: string[] = [];
