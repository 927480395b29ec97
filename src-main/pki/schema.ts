import { keyspace } from '../cassandra/identifiers';

const KS = keyspace('csm_system');

/**
 * csm_system migration 8 (certificate operations, issue 8): the platform root CA of a cluster.
 * Referenced from cassandra/system-schema.ts; each statement idempotent; frozen once shipped
 * (a later change is an appended ALTER ... ADD IF NOT EXISTS, never an edit).
 *
 * - `platform_ca`: one row (k = 'root'). The private key is a PKCS#8 DER sealed under the
 *   installation master key (AES-256-GCM envelope bound to the serial and the master fingerprint):
 *   only a console holding that master key can sign with it, and never in clear here.
 * - `platform_ca_issued`: what the root signed (the tenant CAs), so its serials stay unique and a
 *   platform operator can see which tenant CA chains to it.
 */
export const PKI_SYSTEM_STATEMENTS: string[] = [
  `CREATE TABLE IF NOT EXISTS ${KS}.platform_ca (
     k text PRIMARY KEY,
     serial text, subject text, algorithm text, certificate text,
     key_wrapped blob, master_fingerprint text,
     not_before timestamp, not_after timestamp, fingerprint text,
     created_by text, created_at timestamp)`,
  `CREATE TABLE IF NOT EXISTS ${KS}.platform_ca_issued (
     serial text PRIMARY KEY,
     tenant text, subject text, not_after timestamp, issued_by text, issued_at timestamp)`,
];
