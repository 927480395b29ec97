/** csm_system migration 14 and cache DDL (cache migration 9: operation records) for the portability core. */
export const PORTABILITY_CORE_SYSTEM_STATEMENTS: string[] = [];
export const PORTABILITY_CORE_CACHE_DDL = '';
