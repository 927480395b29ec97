import type { Db } from '../../store';
import type { JsonValue } from '../../store/json';
import type { AuditBatch, SignerKey, StoredAuditEvent, StreamHead, StreamId } from '../types';
import { canonicalJson, isTombstone, tombstoneDetail, verifyChain } from './chain';

/**
 * The local mirror of live streams: the cache tables of index-schema.ts (audit_events with its
 * FTS index, audit_batches), `source` = `live:<cluster>`. Append-only except for retention: what a
 * signed, verified tombstone pruned in Cassandra is pruned here too.
 */
export class AuditMirror {
  constructor(private readonly db: Db) {}

  lastSeen(source: string, stream: StreamId): StreamHead | null {
    const r = this.db.prepare('SELECT seq, hash FROM audit_events WHERE source = ? AND stream = ? ORDER BY seq DESC LIMIT 1').get(source, stream) as { seq: number; hash: string } | undefined;
    return r ? { seq: r.seq, hash: r.hash } : null;
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
