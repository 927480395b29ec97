/**
 * csm_system migration 14 and cache DDL (cache migration 9: operation records) for the portability core.
 * No csm_system table: operation records belong to the console that ran them (like the job journal);
 * bundles are files, and what a bundle proves is inside it.
 */
export const PORTABILITY_CORE_SYSTEM_STATEMENTS: string[] = [];

/** Export/import/migration/backup operations this console ran (portability.result/list read them). */
export const PORTABILITY_CORE_CACHE_DDL = `
CREATE TABLE IF NOT EXISTS portability_operations (
  id TEXT PRIMARY KEY,
  job_id TEXT,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  cluster TEXT NOT NULL,
  tenant TEXT NOT NULL,
  target_cluster TEXT,
  target_tenant TEXT,
  phase TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  path TEXT,
  bytes INTEGER,
  tables INTEGER NOT NULL DEFAULT 0,
  rows INTEGER NOT NULL DEFAULT 0,
  sha256 TEXT,
  error TEXT,
  report TEXT,
  pid INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS portability_operations_started ON portability_operations (started_at DESC);
CREATE INDEX IF NOT EXISTS portability_operations_tenant ON portability_operations (cluster, tenant, started_at DESC);
`;
