/** csm_system migration 11 (usage samples, platform copy) and cache DDL for metering. Owned by the metering part. */
export const METERING_SYSTEM_STATEMENTS: string[] = [];
export const METERING_CACHE_DDL = '';
