import type { AuditEventView, Verification } from '../../src-shared/contract/audit';
import type { ModuleDeps } from '../app/module-deps';
import type { Db } from '../store';
import type { JsonValue } from '../store/json';

/**
 * The shared vocabulary of the audit room (issue 9). streams/ writes and verifies the chained,
 * signed streams; ingest/ turns Cassandra's FileAuditLogger lines into events for them; review/
 * builds snapshots, queries, reports. Each part codes against these types only.
 */

/** `platform` or `tenant:<id>`. */
export type StreamId = string;

export const streamOf = (tenant: string | null | undefined): StreamId => (tenant ? `tenant:${tenant}` : 'platform');
export const tenantOfStream = (stream: StreamId): string | null => (stream.startsWith('tenant:') ? stream.slice('tenant:'.length) : null);

/** An event before it is placed in a stream. */
export interface NewAuditEvent {
  at: string;
  source: AuditEventView['source'];
  type: string;
  category: AuditEventView['category'];
  user: string | null;
  keyspace: string | null;
  scope: string | null;
  operation: string;
  outcome: AuditEventView['outcome'];
  errorCode: string | null;
  origin: string | null;
  detail: JsonValue;
  /**
   * Idempotency key, unique within the stream (ingestion: derived from the node and the line's
   * content and position). An event whose key the stream already holds is counted as a duplicate
   * and not appended again.
   */
  key?: string;
}

/** An event as the stream holds it: placed (seq) and chained (hash over prevHash + canonical bytes). */
export interface StoredAuditEvent extends Omit<NewAuditEvent, 'key'> {
  stream: StreamId;
  seq: number;
  hash: string;
  prevHash: string;
}

/** A signed run of consecutive events: the signature covers stream, batch, seq range and the head hash. */
export interface AuditBatch {
  stream: StreamId;
  batch: number;
  firstSeq: number;
  lastSeq: number;
  headHash: string;
  keyVersion: number;
  /** sha256 fingerprint (hex) of the signing key's SPKI DER. */
  signer: string;
  signature: Buffer;
  signedAt: string;
}

/** A signing public key a verifier trusts, by fingerprint. */
export interface SignerKey {
  fingerprint: string;
  version: number;
  publicKeyPem: string;
}

export interface AppendResult {
  appended: number;
  duplicates: number;
  firstSeq: number | null;
  lastSeq: number | null;
}

/** What streams/ offers the other parts (implemented by streams/, built once per console in module.ts). */
export interface AuditStreamsPort {
  /** Append in order; chained and signed in batches. Idempotent per `key`. */
  append(cluster: string, stream: StreamId, events: readonly NewAuditEvent[]): Promise<AppendResult>;
  /** Events and the batches covering them, in seq order, from Cassandra. */
  read(cluster: string, stream: StreamId, opts: { afterSeq?: number; untilSeq?: number; limit: number }): Promise<{ events: StoredAuditEvent[]; batches: AuditBatch[] }>;
  /** Every key that signed the stream (retired keys keep verifying). */
  signers(cluster: string, stream: StreamId): Promise<SignerKey[]>;
  verify(cluster: string, stream: StreamId): Promise<Verification>;
  /** Bring the local mirror (cache tables from index-schema.ts, source `live:<cluster>`) up to date. */
  sync(cluster: string, stream: StreamId): Promise<{ fetched: number; lastSeq: number | null }>;
}

/** The local mirror: the cache database and the `source` value a cluster's live streams use there. */
export interface AuditIndex {
  /** The live index: in memory, this session only (streams/mirror.ts). */
  db: Db;
  /** The cache file: sealed snapshots, saved filters, ingest offsets, witness heads — never events in clear. */
  cache: Db;
  /** `live:<cluster>` */
  liveSource(cluster: string): string;
}

/** What module.ts hands each part's handler factory (streamHandlers, ingestHandlers, reviewHandlers). */
export interface AuditParts {
  deps: ModuleDeps;
  streams: AuditStreamsPort;
  index: AuditIndex;
}

/** A stream head as some witness recorded it (Cassandra's head row, the mirror's last batch, a snapshot manifest). */
export interface StreamHead {
  seq: number;
  hash: string;
}
