import type { Db } from '../../store';
import type { AuditBatch, StoredAuditEvent, StreamHead, StreamId } from '../types';
import { canonicalJson, isTombstone, tombstoneDetail } from './chain';

/**
 * The local mirror of live streams: the cache tables of index-schema.ts (audit_events with its
 * FTS index, audit_batches), `source` = `live:<cluster>`. Append-only except for retention: what a
 * signed tombstone pruned in Cassandra is pruned here too.
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

  /** Drop mirrored events (and batches) that a tombstone in the mirror pruned. Returns rows removed. */
  applyTombstones(source: string, stream: StreamId): number {
    const rows = this.db
      .prepare(`SELECT detail FROM audit_events WHERE source = ? AND stream = ? AND origin_kind = 'retention' AND type = 'TOMBSTONE'`)
      .all(source, stream) as { detail: string }[];
    let upTo = 0;
    for (const r of rows) {
      const d = tombstoneDetail({ detail: JSON.parse(r.detail) });
      if (d && isTombstone({ source: 'retention', type: 'TOMBSTONE' })) upTo = Math.max(upTo, d.prunedTo);
    }
    if (upTo === 0) return 0;
    return this.db.transaction(() => {
      const n = this.db.prepare('DELETE FROM audit_events WHERE source = ? AND stream = ? AND seq <= ?').run(source, stream, upTo).changes;
      this.db.prepare('DELETE FROM audit_batches WHERE source = ? AND stream = ? AND last_seq <= ?').run(source, stream, upTo);
      return n;
    })();
  }
}
