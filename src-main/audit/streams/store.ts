import type { CqlClient } from '../../cassandra/connections';
import { fromDriverError } from '../../cassandra/driver-errors';
import type { AuditEventView } from '../../../src-shared/contract/audit';
import type { JsonValue } from '../../store/json';
import type { AuditBatch, StoredAuditEvent, StreamId } from '../types';
import { canonicalJson, genesisHash } from './chain';
import { streamTables, type StreamTables } from './tables';

/** Events per partition of a stream (see schema.ts). */
export const AUDIT_BUCKET_EVENTS = 100_000;
export const bucketOf = (seq: number): number => Math.floor((seq - 1) / AUDIT_BUCKET_EVENTS);

const Q = { prepare: true, consistency: 0x06 } as const; // LOCAL_QUORUM
const LWT = { prepare: true, consistency: 0x06, serialConsistency: 0x09 } as const; // LOCAL_SERIAL
const PAGE = 2000;

export interface Head {
  bucket: number;
  seq: number;
  hash: string;
  batch: number;
}

const EVENT_COLS = 'seq, at, source, event_type, category, user_name, keyspace_name, scope, operation, outcome, error_code, origin, detail, hash, prev_hash, batch_no, batch_first, key_version, signer, signature, signed_at';

type Row = Record<string, unknown>;
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(String(v)));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function parseDetail(text: string | null): JsonValue {
  if (text === null) return null;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    // Kept as text: verification then reports the event as edited (its hash covered JSON).
    return text;
  }
}

export function eventOfRow(stream: StreamId, r: Row): StoredAuditEvent {
  return {
    stream,
    seq: num(r['seq']),
    at: str(r['at']) ?? '',
    source: (str(r['source']) ?? 'console') as AuditEventView['source'],
    type: str(r['event_type']) ?? '',
    category: (str(r['category']) ?? 'OTHER') as AuditEventView['category'],
    user: str(r['user_name']),
    keyspace: str(r['keyspace_name']),
    scope: str(r['scope']),
    operation: str(r['operation']) ?? '',
    outcome: (str(r['outcome']) ?? 'ok') as AuditEventView['outcome'],
    errorCode: str(r['error_code']),
    origin: str(r['origin']),
    detail: parseDetail(str(r['detail'])),
    hash: str(r['hash']) ?? '',
    prevHash: str(r['prev_hash']) ?? '',
  };
}

export function batchOfRow(stream: StreamId, r: Row): AuditBatch | null {
  if (r['batch_no'] === null || r['batch_no'] === undefined) return null;
  const sig = r['signature'];
  return {
    stream,
    batch: num(r['batch_no']),
    firstSeq: num(r['batch_first']),
    lastSeq: num(r['seq']),
    headHash: str(r['hash']) ?? '',
    keyVersion: num(r['key_version']),
    signer: str(r['signer']) ?? '',
    signature: Buffer.isBuffer(sig) ? sig : Buffer.alloc(0),
    signedAt: str(r['signed_at']) ?? '',
  };
}

/** One stream's tables in Cassandra, over one session (Cassandra decides what that session may do). */
export class ChainStore {
  readonly t: StreamTables;
  constructor(
    private readonly client: CqlClient,
    readonly stream: StreamId,
  ) {
    this.t = streamTables(stream);
  }

  private async run<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw fromDriverError(e, `${what} (${this.stream})`);
    }
  }

  /** The stream head: the static head of the highest bucket that has one; genesis for an empty stream. */
  async head(hint = 0): Promise<Head> {
    return this.run('reading the audit stream head', async () => {
      let b = Math.max(0, hint);
      let found: Head | null = null;
      // The hint may be ahead of a stream another console started: walk down first, then up.
      while (b > 0 && !(await this.bucketHead(b))) b -= 1;
      for (;;) {
        const h = await this.bucketHead(b);
        if (!h) break;
        found = h;
        b += 1;
      }
      return found ?? { bucket: 0, seq: 0, hash: genesisHash(this.stream), batch: 0 };
    });
  }

  private async bucketHead(bucket: number): Promise<Head | null> {
    const rs = await this.client.execute(`SELECT head_seq, head_hash, head_batch FROM ${this.t.chain} WHERE bucket = ? LIMIT 1`, [bucket], Q);
    const r = rs.first() as Row | null;
    if (!r || r['head_seq'] === null || r['head_seq'] === undefined) return null;
    return { bucket, seq: num(r['head_seq']), hash: String(r['head_hash']), batch: num(r['head_batch']) };
  }

  /**
   * Append chained events and their signed batch after `head`, all in `head`'s bucket or the next
   * (the caller splits at bucket ends): one conditional batch on one partition, applied only if
   * the head is still where this console read it and none of the event rows exists yet (each
   * INSERT carries IF NOT EXISTS; Cassandra evaluates all conditions of a single-partition batch
   * together). False: another console moved the head, or a seq is already held; re-read and retry.
   */
  async commit(head: Head, events: readonly StoredAuditEvent[], batch: AuditBatch): Promise<boolean> {
    const first = events[0]!;
    const last = events[events.length - 1]!;
    const bucket = bucketOf(first.seq);
    if (bucketOf(last.seq) !== bucket) throw new Error('a commit must stay within one bucket');
    const fresh = bucket !== head.bucket || head.seq === 0;
    const queries: { query: string; params: unknown[] }[] = [
      {
        query: `UPDATE ${this.t.chain} SET head_seq = ?, head_hash = ?, head_batch = ?, head_at = ? WHERE bucket = ? IF head_seq = ${fresh ? 'null' : '?'}`,
        params: fresh ? [last.seq, last.hash, batch.batch, new Date(), bucket] : [last.seq, last.hash, batch.batch, new Date(), bucket, head.seq],
      },
    ];
    for (const e of events) {
      const isHead = e.seq === last.seq;
      queries.push({
        // IF NOT EXISTS: an event row is never overwritten, even when the head record was wiped
        // (head_seq = null would otherwise let the next append upsert seq 1..n over the old events).
        query: `INSERT INTO ${this.t.chain} (bucket, ${EVENT_COLS}) VALUES (?, ${EVENT_COLS.split(',').map(() => '?').join(', ')}) IF NOT EXISTS`,
        params: [
          bucket, e.seq, e.at, e.source, e.type, e.category, e.user, e.keyspace, e.scope, e.operation, e.outcome, e.errorCode, e.origin,
          canonicalJson(e.detail ?? null), e.hash, e.prevHash,
          isHead ? batch.batch : null, isHead ? batch.firstSeq : null, isHead ? batch.keyVersion : null, isHead ? batch.signer : null,
          isHead ? batch.signature : null, isHead ? batch.signedAt : null,
        ],
      });
    }
    return this.run('appending to the audit stream', async () => (await this.client.batch(queries, LWT)).wasApplied());
  }

  /**
   * Events with afterSeq < seq <= untilSeq (and the batches recorded on them), in seq order, at
   * most `limit`. Reads past the recorded head too (until an empty bucket): a verifier must see
   * rows written around the head, or a wiped head record.
   */
  async range(afterSeq: number, untilSeq: number, limit: number, headHint?: Head): Promise<{ events: StoredAuditEvent[]; batches: AuditBatch[] }> {
    return this.run('reading the audit stream', async () => {
      const head = headHint ?? (await this.head());
      const events: StoredAuditEvent[] = [];
      const batches: AuditBatch[] = [];
      const lastBucket = untilSeq >= Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : bucketOf(untilSeq);
      for (let b = bucketOf(Math.max(1, afterSeq + 1)); b <= lastBucket && events.length < limit; b++) {
        let pageState: string | undefined;
        let got = 0;
        do {
          const rs = await this.client.execute(
            `SELECT ${EVENT_COLS} FROM ${this.t.chain} WHERE bucket = ? AND seq > ? AND seq <= ?`,
            [b, afterSeq, Math.min(untilSeq, Number.MAX_SAFE_INTEGER)],
            { ...Q, fetchSize: Math.min(PAGE, limit - events.length), ...(pageState ? { pageState } : {}) },
          );
          for (const r of rs.rows as Row[]) {
            if (r['seq'] === null || r['seq'] === undefined) continue; // the static row of an emptied bucket
            if (events.length >= limit) break;
            got += 1;
            events.push(eventOfRow(this.stream, r));
            const batch = batchOfRow(this.stream, r);
            if (batch) batches.push(batch);
          }
          pageState = rs.pageState ?? undefined;
        } while (pageState && events.length < limit);
        if (b >= head.bucket && got === 0) break;
      }
      return { events, batches };
    });
  }

  async one(seq: number): Promise<{ event: StoredAuditEvent; batch: AuditBatch | null } | null> {
    return this.run('reading an audit event', async () => {
      const rs = await this.client.execute(`SELECT ${EVENT_COLS} FROM ${this.t.chain} WHERE bucket = ? AND seq = ?`, [bucketOf(seq), seq], Q);
      const r = rs.first() as Row | null;
      if (!r || r['seq'] === null || r['seq'] === undefined) return null;
      return { event: eventOfRow(this.stream, r), batch: batchOfRow(this.stream, r) };
    });
  }

  /** The batch recorded at or after `seq` (the one covering it), looking at most `span` events ahead. */
  async batchCovering(seq: number, head: Head, span = 1000): Promise<AuditBatch | null> {
    const { batches } = await this.range(seq - 1, seq - 1 + span, span, head);
    return batches.find((b) => b.firstSeq <= seq && b.lastSeq >= seq) ?? null;
  }

  /** The lowest seq still held (null: empty). */
  async firstSeq(head: Head): Promise<number | null> {
    return this.run('reading the audit stream', async () => {
      for (let b = 0; b <= head.bucket; b++) {
        const rs = await this.client.execute(`SELECT seq FROM ${this.t.chain} WHERE bucket = ? AND seq >= ? LIMIT 1`, [b, 1], Q);
        const r = rs.first() as Row | null;
        if (r && r['seq'] !== null && r['seq'] !== undefined) return num(r['seq']);
      }
      return null;
    });
  }

  /** Delete events from..to (inclusive); bucket heads stay. */
  async deleteRange(from: number, to: number): Promise<void> {
    await this.run('pruning the audit stream', async () => {
      for (let b = bucketOf(from); b <= bucketOf(to); b++) {
        await this.client.execute(`DELETE FROM ${this.t.chain} WHERE bucket = ? AND seq >= ? AND seq <= ?`, [b, from, to], Q);
      }
    });
  }

  async existingKeys(keys: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    if (keys.length === 0) return out;
    await this.run('reading idempotency keys', async () => {
      for (let i = 0; i < keys.length; i += 100) {
        const slice = keys.slice(i, i + 100);
        const rs = await this.client.execute(`SELECT key FROM ${this.t.keys} WHERE key IN ?`, [slice], Q);
        for (const r of rs.rows as Row[]) out.add(String(r['key']));
      }
    });
    return out;
  }

  async putKeys(pairs: readonly [string, number][]): Promise<void> {
    await this.run('recording idempotency keys', async () => {
      for (let i = 0; i < pairs.length; i += 50) {
        await Promise.all(pairs.slice(i, i + 50).map(([k, s]) => this.client.execute(`INSERT INTO ${this.t.keys} (key, seq) VALUES (?, ?)`, [k, s], Q)));
      }
    });
  }

  // Inbox (tenant streams): rows a console that cannot sign left for the platform to seal.

  async writeInbox(target: StreamId, eventJson: string, writtenBy: string): Promise<void> {
    if (!this.t.inbox) throw new Error('the platform stream has no inbox');
    await this.run('writing to the audit inbox', () => this.client.execute(`INSERT INTO ${this.t.inbox} (id, target, event, written_by, written_at) VALUES (now(), ?, ?, ?, ?)`, [target, eventJson, writtenBy, new Date()], Q));
  }

  /**
   * Inbox rows, oldest first. `storedAt` is the row's Cassandra WRITETIME (the node's clock, not the
   * writer's claim); `writtenAt`/`writtenBy` are what the tenant console put in the row.
   */
  async readInbox(limit = 5000): Promise<{ id: unknown; target: string; event: string; writtenBy: string; writtenAt: Date | null; storedAt: Date | null }[]> {
    if (!this.t.inbox) return [];
    return this.run('reading the audit inbox', async () => {
      const rs = await this.client.execute(`SELECT id, target, event, written_by, written_at, WRITETIME(event) AS stored FROM ${this.t.inbox}`, [], { ...Q, fetchSize: limit });
      const micros = (v: unknown): Date | null => {
        if (v === null || v === undefined) return null;
        const n = Number(String(v));
        return Number.isFinite(n) && n > 0 ? new Date(Math.floor(n / 1000)) : null;
      };
      return (rs.rows as Row[])
        .map((r) => ({
          id: r['id'],
          target: String(r['target'] ?? ''),
          event: String(r['event'] ?? ''),
          writtenBy: String(r['written_by'] ?? ''),
          writtenAt: r['written_at'] instanceof Date ? r['written_at'] : null,
          storedAt: micros(r['stored']),
        }))
        .sort((a, b) => (a.storedAt?.getTime() ?? 0) - (b.storedAt?.getTime() ?? 0));
    });
  }

  async deleteInbox(ids: readonly unknown[]): Promise<void> {
    if (!this.t.inbox) return;
    await this.run('clearing the audit inbox', async () => {
      for (const id of ids) await this.client.execute(`DELETE FROM ${this.t.inbox!} WHERE id = ?`, [id], Q);
    });
  }
}
