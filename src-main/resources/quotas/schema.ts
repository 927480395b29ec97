/** csm_system migration 12 (quotas, raises, enforcement state, write freezes) and cache DDL. Owned by the quotas part. */
export const QUOTA_SYSTEM_STATEMENTS: string[] = [];
export const QUOTA_CACHE_DDL = '';
