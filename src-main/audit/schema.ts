import { keyspace } from '../cassandra/identifiers';

const KS = keyspace('csm_system');

/**
 * The columns of a chained stream, the same in `csm_system` (platform stream) and in every
 * `tenant_<id>_csm` (that tenant's stream). One partition per bucket of AUDIT_BUCKET_EVENTS seqs;
 * the bucket's head (last seq, its hash, the last batch number) is a static column, so a flush
 * (the events plus the new head) is ONE conditional single-partition batch: `IF head_seq = ?`
 * makes concurrent consoles take turns, and a crash never leaves a head without its events.
 * A signed batch is recorded on its last event's row (batch_no … signed_at).
 * Frozen once shipped: a change is an appended ALTER ... ADD IF NOT EXISTS.
 */
export const AUDIT_CHAIN_COLUMNS = `bucket int, seq bigint,
     head_seq bigint static, head_hash text static, head_batch int static, head_at timestamp static,
     at text, source text, event_type text, category text, user_name text, keyspace_name text, scope text,
     operation text, outcome text, error_code text, origin text, detail text, hash text, prev_hash text,
     batch_no int, batch_first bigint, key_version int, signer text, signature blob, signed_at text,
     PRIMARY KEY ((bucket), seq)`;
export const AUDIT_CHAIN_OPTIONS = 'WITH CLUSTERING ORDER BY (seq ASC)';
/** Idempotency keys of appended events (ingestion): key → seq. */
export const AUDIT_KEYS_COLUMNS = 'key text PRIMARY KEY, seq bigint';

/**
 * csm_system migration 9 (issue 9): the platform stream and the platform audit-signing key.
 * - audit_chain / audit_keys: as in the tenant keyspaces (see above);
 * - audit_signing_keys: Ed25519 key pairs by version; the private key (PKCS#8 DER) sealed under
 *   the installation master key (AES-256-GCM envelope, bound to its version), the public key in
 *   clear (SPKI DER) so any verifier can check old batches; retired keys stay.
 */
export const AUDIT_SYSTEM_STATEMENTS: string[] = [
  `CREATE TABLE IF NOT EXISTS ${KS}.audit_chain (${AUDIT_CHAIN_COLUMNS}) ${AUDIT_CHAIN_OPTIONS}`,
  `CREATE TABLE IF NOT EXISTS ${KS}.audit_keys (${AUDIT_KEYS_COLUMNS})`,
  `CREATE TABLE IF NOT EXISTS ${KS}.audit_signing_keys (
     version int PRIMARY KEY, public_key blob, key_wrapped blob, master_fingerprint text, state text,
     created_by text, created_at timestamp, retired_at timestamp)`,
];
