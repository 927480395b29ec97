/** csm_system migration 13 (rate card, cost centres, privacy budget ledger) and cache DDL. Owned by the billing part; analytics adds its budget tables here too (one owner edits). */
export const BILLING_SYSTEM_STATEMENTS: string[] = [];
export const BILLING_CACHE_DDL = '';
