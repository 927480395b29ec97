import { keyspace } from '../../cassandra/identifiers';

const KS = keyspace('csm_system');

/**
 * csm_system migration 13 (issue 10 items 3–4): what every console managing the cluster must
 * agree on. Idempotent; frozen once shipped (append an ALTER, never edit).
 * - billing_rates: the rate card, one row (id 'current'), the card as JSON of integer minor units.
 * - billing_cost_centres: a tenant's cost centre (keyed by tenant id).
 * - privacy_budget: the cluster's ε budget for noisy analytics, in micro-ε (int: no float sums,
 *   so "exactly reaching the total" is exact), with a version column every change moves by a
 *   lightweight transaction — two consoles cannot both spend the last of it.
 * - privacy_ledger: one row per released noisy report (who, when, how much ε, what).
 */
export const BILLING_SYSTEM_STATEMENTS: string[] = [
  `CREATE TABLE IF NOT EXISTS ${KS}.billing_rates (id text PRIMARY KEY, card text, updated_at timestamp, updated_by text)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.billing_cost_centres (tenant_id text PRIMARY KEY, cost_centre text, updated_at timestamp, updated_by text)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.privacy_budget (id text PRIMARY KEY, total_micro int, spent_micro int, version int, updated_at timestamp, updated_by text)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.privacy_ledger (
     id text, at timestamp, nonce text, epsilon_micro int, actor text, group_by text, k int, figures int,
     PRIMARY KEY ((id), at, nonce)
   ) WITH CLUSTERING ORDER BY (at DESC, nonce ASC)`,
];

/**
 * Cache migration 8: nothing. Statements derive from csm_system (samples, rates, cost centres)
 * so every console bills the same figures, and the ε budget must be ONE cluster-wide ledger — a
 * local copy would let two consoles each spend the whole budget. The step stays empty.
 */
export const BILLING_CACHE_DDL = '';
