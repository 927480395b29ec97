/** csm_system migration 15 (backup policies and catalogue, migration records shared by consoles) and cache DDL (cache migration 10). */
export const ORCHESTRATION_SYSTEM_STATEMENTS: string[] = [];
export const ORCHESTRATION_CACHE_DDL = '';
