import { AUDIT_INDEX_DDL } from '../index-schema';
import { openDatabase, type Db } from '../../store/db';
import type { JsonValue } from '../../store/json';
import type { AuditBatch, SignerKey, StoredAuditEvent, StreamHead, StreamId } from '../types';
import { canonicalJson, isTombstone, tombstoneDetail, verifyChain } from './chain';

/** An empty live index in memory: the same DDL as an imported snapshot's (index-schema.ts). */
export function openMemoryIndex(): Db {
  const db = openDatabase(':memory:');
  db.exec(AUDIT_INDEX_DDL);
  return db;
}

/**
 * The local mirror of live streams, `source` = `live:<cluster>`: an index IN MEMORY for this
 * session (audit_events with its FTS index, audit_batches; index-schema.ts), rebuilt from
 * Cassandra on first use — events never rest in clear in the cache file (DESIGN §5). What stays
 * on disk is the highest (seq, hash) seen of each stream (`audit_witness_heads` in the cache): the
 * witness that outlives the session, so a stream truncated or rewritten in Cassandra between two
 * sessions is still caught. Append-only except for retention: what a signed, verified tombstone
 * pruned in Cassandra is pruned here too.
 */
export class AuditMirror {
  /** `index`: the in-memory live index; `cache`: the cache file (witness heads only), or null for a mirror that keeps no witness. */
  constructor(
    private readonly db: Db,
    private readonly cache: Db | null = null,
  ) {}

  /** The highest event held in memory this session. */
  lastSeen(source: string, stream: StreamId): StreamHead | null {
    const r = this.db.prepare('SELECT seq, hash FROM audit_events WHERE source = ? AND stream = ? ORDER BY seq DESC LIMIT 1').get(source, stream) as { seq: number; hash: string } | undefined;
    return r ? { seq: r.seq, hash: r.hash } : null;
  }

  /** The highest (seq, hash) this console ever saw of the stream, across sessions (null when never seen or no cache). */
  witness(source: string, stream: StreamId): StreamHead | null {
    if (!this.cache) return this.lastSeen(source, stream);
    const r = this.cache.prepare('SELECT seq, hash FROM audit_witness_heads WHERE source = ? AND stream = ?').get(source, stream) as { seq: number; hash: string } | undefined;
    const mem = this.lastSeen(source, stream);
    if (!r) return mem;
    return mem && mem.seq > r.seq ? mem : { seq: r.seq, hash: r.hash };
  }

  private remember(source: string, stream: StreamId): void {
    if (!this.cache) return;
    const h = this.lastSeen(source, stream);
    if (!h) return;
    // Only forward: a witness never moves back (retention prunes below the head, never the head).
    this.cache
      .prepare(
        `INSERT INTO audit_witness_heads (source, stream, seq, hash, seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (source, stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, seen_at = excluded.seen_at WHERE excluded.seq > audit_witness_heads.seq`,
      )
      .run(source, stream, h.seq, h.hash, new Date().toISOString());
  }

  put(source: string, stream: StreamId, events: readonly StoredAuditEvent[], batches: readonly AuditBatch[]): void {
    const ins = this.db.prepare(
      `INSERT OR IGNORE INTO audit_events (source, stream, seq, at, at_ms, origin_kind, type, category, user, keyspace, scope, operation, outcome, error_code, origin, detail, hash, prev_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insB = this.db.prepare(
      `INSERT OR REPLACE INTO audit_batches (source, stream, batch, first_seq, last_seq, head_hash, key_version, signer, signature, signed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const e of events) {
        const ms = Date.parse(e.at);
        ins.run(source, stream, e.seq, e.at, Number.isNaN(ms) ? 0 : ms, e.source, e.type, e.category, e.user, e.keyspace, e.scope, e.operation, e.outcome, e.errorCode, e.origin, canonicalJson(e.detail ?? null), e.hash, e.prevHash);
      }
      for (const b of batches) insB.run(source, stream, b.batch, b.firstSeq, b.lastSeq, b.headHash, b.keyVersion, b.signer, b.signature, b.signedAt);
    })();
    this.remember(source, stream);
  }

  /**
   * Drop mirrored events (and batches) that a trusted tombstone pruned. Returns rows removed.
   * Mirror rows come from Cassandra, where a privileged writer can forge a TOMBSTONE row: a
   * tombstone counts only when it hashes correctly, links up to the head of a batch that covers
   * it and whose signature verifies with `signers`, and prunes only seqs before its own. The
   * mirror's highest row always stays (it is the witness against a truncated stream).
   */
  applyTombstones(source: string, stream: StreamId, signers: readonly SignerKey[]): number {
    const rows = this.db
      .prepare(`SELECT seq FROM audit_events WHERE source = ? AND stream = ? AND origin_kind = 'retention' AND type = 'TOMBSTONE' ORDER BY seq`)
      .all(source, stream) as { seq: number }[];
    let upTo = 0;
    for (const r of rows) {
      const stone = this.event(source, stream, r.seq);
      const d = stone && isTombstone(stone) ? tombstoneDetail(stone) : null;
      if (!stone || !d || !Number.isSafeInteger(d.prunedTo) || d.prunedTo >= stone.seq || d.prunedTo <= upTo) continue;
      if (this.signedTombstone(source, stream, stone, signers)) upTo = d.prunedTo;
    }
    const last = this.lastSeen(source, stream);
    if (last) upTo = Math.min(upTo, last.seq - 1);
    if (upTo <= 0) return 0;
    return this.db.transaction(() => {
      const n = this.db.prepare('DELETE FROM audit_events WHERE source = ? AND stream = ? AND seq <= ?').run(source, stream, upTo).changes;
      this.db.prepare('DELETE FROM audit_batches WHERE source = ? AND stream = ? AND last_seq <= ?').run(source, stream, upTo);
      return n;
    })();
  }

  private event(source: string, stream: StreamId, seq: number): StoredAuditEvent | null {
    const r = this.db.prepare(`SELECT ${EVENT_SELECT} FROM audit_events WHERE source = ? AND stream = ? AND seq = ?`).get(source, stream, seq) as MirrorRow | undefined;
    return r ? eventOfMirrorRow(stream, r) : null;
  }

  private signedTombstone(source: string, stream: StreamId, stone: StoredAuditEvent, signers: readonly SignerKey[]): boolean {
    const b = this.db
      .prepare('SELECT batch, first_seq, last_seq, head_hash, key_version, signer, signature, signed_at FROM audit_batches WHERE source = ? AND stream = ? AND first_seq <= ? AND last_seq >= ? ORDER BY batch LIMIT 1')
      .get(source, stream, stone.seq, stone.seq) as { batch: number; first_seq: number; last_seq: number; head_hash: string; key_version: number; signer: string; signature: Buffer; signed_at: string } | undefined;
    if (!b) return false;
    const events = (this.db.prepare(`SELECT ${EVENT_SELECT} FROM audit_events WHERE source = ? AND stream = ? AND seq >= ? AND seq <= ? ORDER BY seq`).all(source, stream, stone.seq, b.last_seq) as MirrorRow[]).map((r) => eventOfMirrorRow(stream, r));
    const batch: AuditBatch = { stream, batch: b.batch, firstSeq: b.first_seq, lastSeq: b.last_seq, headHash: b.head_hash, keyVersion: b.key_version, signer: b.signer, signature: Buffer.from(b.signature ?? []), signedAt: b.signed_at };
    const v = verifyChain({ stream, events, batches: [batch], signers, anchor: { seq: stone.seq - 1, hash: stone.prevHash } });
    return v.intact && events.length === b.last_seq - stone.seq + 1;
  }
}

const EVENT_SELECT = 'seq, at, origin_kind, type, category, user, keyspace, scope, operation, outcome, error_code, origin, detail, hash, prev_hash';
interface MirrorRow {
  seq: number;
  at: string;
  origin_kind: string;
  type: string;
  category: string;
  user: string | null;
  keyspace: string | null;
  scope: string | null;
  operation: string;
  outcome: string;
  error_code: string | null;
  origin: string | null;
  detail: string | null;
  hash: string;
  prev_hash: string;
}

function eventOfMirrorRow(stream: StreamId, r: MirrorRow): StoredAuditEvent {
  let detail: JsonValue = null;
  try {
    detail = r.detail === null ? null : (JSON.parse(r.detail) as JsonValue);
  } catch {
    detail = r.detail;
  }
  return {
    stream,
    seq: r.seq,
    at: r.at,
    source: r.origin_kind as StoredAuditEvent['source'],
    type: r.type,
    category: r.category as StoredAuditEvent['category'],
    user: r.user,
    keyspace: r.keyspace,
    scope: r.scope,
    operation: r.operation,
    outcome: r.outcome as StoredAuditEvent['outcome'],
    errorCode: r.error_code,
    origin: r.origin,
    detail,
    hash: r.hash,
    prevHash: r.prev_hash,
  };
}
