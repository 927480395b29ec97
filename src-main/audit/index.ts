import type { AuditFilter } from '../../src-shared/contract/audit';
import { AppError } from '../app/errors';
import type { Db } from '../store';
import type { JsonValue } from '../store/json';
import type { AuditBatch, StoredAuditEvent, StreamId } from './types';

/**
 * The review query engine (issue 9 item 4) over the index tables of index-schema.ts. One set of
 * statements serves the live mirror in the cache (source `live:<cluster>`) and the in-memory
 * database an imported snapshot is decrypted into (source `snapshot:<id>`).
 *
 * - Filters are exact matches on indexed columns plus an inclusive time range; text goes through
 *   FTS5 as quoted phrases only (`ftsMatch`), never as query syntax.
 * - Newest first by seq, keyset paging (`beforeSeq`), so page N costs what page 1 costs.
 * - The total is counted up to TOTAL_CAP + 1 rows and reported as capped beyond that.
 */

export const TOTAL_CAP = 100_000;

interface EventRow {
  id: number;
  source: string;
  stream: string;
  seq: number;
  at: string;
  at_ms: number;
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
  detail: string;
  hash: string;
  prev_hash: string;
}

interface BatchRow {
  stream: string;
  batch: number;
  first_seq: number;
  last_seq: number;
  head_hash: string;
  key_version: number;
  signer: string;
  signature: Buffer;
  signed_at: string;
}

export function rowToEvent(r: EventRow): StoredAuditEvent {
  return {
    stream: r.stream,
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
    detail: JSON.parse(r.detail) as JsonValue,
    hash: r.hash,
    prevHash: r.prev_hash,
  };
}

function rowToBatch(r: BatchRow): AuditBatch {
  return {
    stream: r.stream,
    batch: r.batch,
    firstSeq: r.first_seq,
    lastSeq: r.last_seq,
    headHash: r.head_hash,
    keyVersion: r.key_version,
    signer: r.signer,
    signature: Buffer.from(r.signature),
    signedAt: r.signed_at,
  };
}

/** Milliseconds of an ISO time; events whose time does not parse sort at 0 rather than failing the insert. */
export function atMs(at: string): number {
  const t = Date.parse(at);
  return Number.isFinite(t) ? t : 0;
}

/** Insert events (no conflict handling: the caller owns the source). */
export function insertEvents(db: Db, source: string, events: readonly StoredAuditEvent[]): void {
  const ins = db.prepare(
    `INSERT INTO audit_events (source, stream, seq, at, at_ms, origin_kind, type, category, user, keyspace, scope, operation, outcome, error_code, origin, detail, hash, prev_hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const e of events) {
    ins.run(source, e.stream, e.seq, e.at, atMs(e.at), e.source, e.type, e.category, e.user, e.keyspace, e.scope, e.operation, e.outcome, e.errorCode, e.origin, JSON.stringify(e.detail ?? null), e.hash, e.prevHash);
  }
}

export function insertBatches(db: Db, source: string, batches: readonly AuditBatch[]): void {
  const ins = db.prepare(
    `INSERT INTO audit_batches (source, stream, batch, first_seq, last_seq, head_hash, key_version, signer, signature, signed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const b of batches) ins.run(source, b.stream, b.batch, b.firstSeq, b.lastSeq, b.headHash, b.keyVersion, b.signer, b.signature, b.signedAt);
}

// unicode61 keeps letters, digits and (by its defaults) nothing else inside a token.
const TOKEN = /[\p{L}\p{N}]/u;

/**
 * User text → an FTS5 MATCH expression that can only mean "all these words". Every
 * whitespace-separated word becomes a double-quoted FTS5 string (quotes inside doubled), so
 * operators (AND, OR, NOT, NEAR(…)), column filters (`user:`), parentheses and `^` are plain
 * text. A word ending in `*` with at least two letters/digits before it becomes a prefix phrase
 * (`"wor" *`); any other `*` is text. Words without a letter or digit are dropped, and text with
 * no word at all is refused: an empty MATCH would not narrow anything.
 */
export function ftsMatch(text: string): string {
  const parts: string[] = [];
  for (const raw of text.split(/\s+/u)) {
    if (!raw) continue;
    let word = raw;
    let prefix = false;
    if (word.endsWith('*')) {
      word = word.replace(/\*+$/u, '');
      prefix = [...word].filter((c) => TOKEN.test(c)).length >= 2;
    }
    if (![...word].some((c) => TOKEN.test(c))) continue;
    parts.push(`"${word.replace(/"/g, '""')}"${prefix ? ' *' : ''}`);
    if (parts.length > 16) throw new AppError('BAD_INPUT', 'text: at most 16 words');
  }
  if (parts.length === 0) throw new AppError('BAD_INPUT', 'text: type at least one word (letters or digits)');
  return parts.join(' ');
}

interface Where {
  sql: string;
  params: (string | number)[];
  index: string | null;
}

function where(source: string, stream: StreamId, f: Partial<AuditFilter>, withCursor: boolean): Where {
  const conds = ['e.source = ?', 'e.stream = ?'];
  const params: (string | number)[] = [source, stream];
  const time = (s: string, name: string): number => {
    const t = Date.parse(s);
    if (!Number.isFinite(t)) throw new AppError('BAD_INPUT', `${name}: not a time`);
    return t;
  };
  if (f.since !== undefined) {
    conds.push('e.at_ms >= ?');
    params.push(time(f.since, 'since'));
  }
  if (f.until !== undefined) {
    conds.push('e.at_ms <= ?');
    params.push(time(f.until, 'until'));
  }
  if (f.since !== undefined && f.until !== undefined && Date.parse(f.since) > Date.parse(f.until)) {
    throw new AppError('BAD_INPUT', 'since is after until');
  }
  const eq: [keyof AuditFilter, string][] = [
    ['type', 'e.type'],
    ['category', 'e.category'],
    ['source', 'e.origin_kind'],
    ['user', 'e.user'],
    ['keyspace', 'e.keyspace'],
    ['outcome', 'e.outcome'],
  ];
  for (const [k, col] of eq) {
    const v = f[k];
    if (v !== undefined) {
      conds.push(`${col} = ?`);
      params.push(v as string);
    }
  }
  if (f.text !== undefined && f.text.trim() !== '') {
    conds.push('e.id IN (SELECT rowid FROM audit_events_fts WHERE audit_events_fts MATCH ?)');
    params.push(ftsMatch(f.text));
  }
  if (withCursor && f.beforeSeq !== undefined) {
    conds.push('e.seq < ?');
    params.push(f.beforeSeq);
  }
  // The planner, without ANALYZE statistics, likes the (source, stream, seq) key for ORDER BY seq
  // and then walks the whole stream; a type or time filter is far more selective.
  const index = f.type !== undefined ? 'audit_events_type' : f.since !== undefined || f.until !== undefined ? 'audit_events_time' : null;
  return { sql: conds.join(' AND '), params, index };
}

export interface EventPage {
  stream: string;
  events: StoredAuditEvent[];
  total: number;
  totalCapped: boolean;
  nextBeforeSeq: number | null;
}

/**
 * One page of matching events, newest (highest seq) first. One pass lists the seqs of up to
 * TOTAL_CAP + 1 matches (index-only for most filters; the FTS match is evaluated once), which
 * gives both the total and the page; the page's rows are then fetched by key. A cursor deeper
 * than the listed matches (beyond the cap) falls back to a direct keyset query.
 */
export function queryEvents(db: Db, source: string, stream: StreamId, filter: Partial<AuditFilter>): EventPage {
  const limit = filter.limit ?? 200;
  const c = where(source, stream, filter, false);
  const from = (w: Where): string => `audit_events e${w.index ? ` INDEXED BY ${w.index}` : ''}`;
  const seqs = db.prepare(`SELECT e.seq FROM ${from(c)} WHERE ${c.sql} ORDER BY e.seq DESC LIMIT ?`).pluck().all(...c.params, TOTAL_CAP + 1) as number[];
  const capped = seqs.length > TOTAL_CAP;
  const before = filter.beforeSeq;
  let start = 0;
  if (before !== undefined) {
    // seqs is descending: the first index whose seq is below the cursor.
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (seqs[mid]! < before) hi = mid;
      else lo = mid + 1;
    }
    start = lo;
  }
  let rows: EventRow[];
  const wanted = seqs.slice(start, start + limit + 1);
  if (wanted.length < limit + 1 && capped) {
    const w = where(source, stream, filter, true);
    rows = db.prepare(`SELECT e.* FROM ${from(w)} WHERE ${w.sql} ORDER BY e.seq DESC LIMIT ?`).all(...w.params, limit + 1) as EventRow[];
  } else {
    rows = wanted.length
      ? (db.prepare('SELECT * FROM audit_events WHERE source = ? AND stream = ? AND seq IN (SELECT value FROM json_each(?)) ORDER BY seq DESC').all(source, stream, JSON.stringify(wanted)) as EventRow[])
      : [];
  }
  const more = rows.length > limit;
  const events = rows.slice(0, limit).map(rowToEvent);
  return {
    stream,
    events,
    total: Math.min(seqs.length, TOTAL_CAP),
    totalCapped: capped,
    nextBeforeSeq: more && events.length ? events[events.length - 1]!.seq : null,
  };
}

/** Every matching event, newest first, in pages (CSV export); stops after `max`. */
export function* iterateEvents(db: Db, source: string, stream: StreamId, filter: Partial<AuditFilter>, max: number): Generator<StoredAuditEvent> {
  let beforeSeq = filter.beforeSeq;
  let n = 0;
  for (;;) {
    const page = queryEvents(db, source, stream, { ...filter, limit: 5000, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
    for (const e of page.events) {
      if (n >= max) return;
      n += 1;
      yield e;
    }
    if (page.nextBeforeSeq === null) return;
    beforeSeq = page.nextBeforeSeq;
  }
}

export function getEvent(db: Db, source: string, stream: StreamId, seq: number): StoredAuditEvent | null {
  const r = db.prepare('SELECT * FROM audit_events WHERE source = ? AND stream = ? AND seq = ?').get(source, stream, seq) as EventRow | undefined;
  return r ? rowToEvent(r) : null;
}

/** The event just before `seq` that the index holds (the chain link of `seq`). */
export function previousEvent(db: Db, source: string, stream: StreamId, seq: number): StoredAuditEvent | null {
  const r = db.prepare('SELECT * FROM audit_events WHERE source = ? AND stream = ? AND seq < ? ORDER BY seq DESC LIMIT 1').get(source, stream, seq) as EventRow | undefined;
  return r ? rowToEvent(r) : null;
}

export function batchCovering(db: Db, source: string, stream: StreamId, seq: number): AuditBatch | null {
  const r = db.prepare('SELECT * FROM audit_batches WHERE source = ? AND stream = ? AND first_seq <= ? AND last_seq >= ? ORDER BY batch DESC LIMIT 1').get(source, stream, seq, seq) as BatchRow | undefined;
  return r ? rowToBatch(r) : null;
}

/** Events and batches of a stream in seq order (a snapshot's whole content, a seq range of the mirror). */
export function readStream(db: Db, source: string, stream: StreamId, range: { fromSeq?: number; toSeq?: number } = {}): { events: StoredAuditEvent[]; batches: AuditBatch[] } {
  const from = range.fromSeq ?? 1;
  const to = range.toSeq ?? Number.MAX_SAFE_INTEGER;
  const events = (db.prepare('SELECT * FROM audit_events WHERE source = ? AND stream = ? AND seq BETWEEN ? AND ? ORDER BY seq').all(source, stream, from, to) as EventRow[]).map(rowToEvent);
  const batches = (db.prepare('SELECT * FROM audit_batches WHERE source = ? AND stream = ? AND last_seq >= ? AND first_seq <= ? ORDER BY batch').all(source, stream, from, to) as BatchRow[]).map(rowToBatch);
  return { events, batches };
}

/** The seq range of events in a time range (inclusive), or null when none falls in it. */
export function seqRangeOf(db: Db, source: string, stream: StreamId, range: { since?: string; until?: string }): { first: number; last: number } | null {
  const w = where(source, stream, { ...(range.since ? { since: range.since } : {}), ...(range.until ? { until: range.until } : {}) }, false);
  const r = db.prepare(`SELECT min(e.seq) AS first, max(e.seq) AS last FROM audit_events e WHERE ${w.sql}`).get(...w.params) as { first: number | null; last: number | null };
  return r.first === null || r.last === null ? null : { first: r.first, last: r.last };
}

/** The batches that cover a seq range, so an export can widen it to whole signed batches. */
export function batchesOverlapping(db: Db, source: string, stream: StreamId, first: number, last: number): AuditBatch[] {
  return (db.prepare('SELECT * FROM audit_batches WHERE source = ? AND stream = ? AND last_seq >= ? AND first_seq <= ? ORDER BY batch').all(source, stream, first, last) as BatchRow[]).map(rowToBatch);
}

export interface StreamCounts {
  total: number;
  byType: Record<string, number>;
  byCategory: Record<string, number>;
  byOutcome: Record<string, number>;
  byUser: Record<string, number>;
  firstAt: string | null;
  lastAt: string | null;
}

/** Counts for the compliance report over a time range. */
export function streamCounts(db: Db, source: string, stream: StreamId, range: { since?: string; until?: string } = {}): StreamCounts {
  const w = where(source, stream, { ...(range.since ? { since: range.since } : {}), ...(range.until ? { until: range.until } : {}) }, false);
  const group = (col: string): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of db.prepare(`SELECT coalesce(${col}, '(none)') AS k, count(*) AS n FROM audit_events e WHERE ${w.sql} GROUP BY 1 ORDER BY 2 DESC, 1`).all(...w.params) as { k: string; n: number }[]) out[r.k] = r.n;
    return out;
  };
  const t = db.prepare(`SELECT count(*) AS n, min(e.at_ms) AS lo, max(e.at_ms) AS hi FROM audit_events e WHERE ${w.sql}`).get(...w.params) as { n: number; lo: number | null; hi: number | null };
  return {
    total: t.n,
    byType: group('e.type'),
    byCategory: group('e.category'),
    byOutcome: group('e.outcome'),
    byUser: group('e.user'),
    firstAt: t.lo === null ? null : new Date(t.lo).toISOString(),
    lastAt: t.hi === null ? null : new Date(t.hi).toISOString(),
  };
}

/** Refused or failed events, and security alerts (ingest's SECURITY_ALERT events and cross-tenant attempts), newest first. */
export function notableEvents(db: Db, source: string, stream: StreamId, range: { since?: string; until?: string }, max: number): { refusals: StoredAuditEvent[]; alerts: StoredAuditEvent[] } {
  const w = where(source, stream, { ...(range.since ? { since: range.since } : {}), ...(range.until ? { until: range.until } : {}) }, false);
  const refusals = (db.prepare(`SELECT e.* FROM audit_events e WHERE ${w.sql} AND e.outcome IN ('refused', 'error') ORDER BY e.seq DESC LIMIT ?`).all(...w.params, max) as EventRow[]).map(rowToEvent);
  const alerts = (
    db
      .prepare(
        `SELECT e.* FROM audit_events e WHERE ${w.sql} AND (e.type = 'SECURITY_ALERT' OR json_extract(e.detail, '$.crossTenant') = 1) ORDER BY e.seq DESC LIMIT ?`,
      )
      .all(...w.params, max) as EventRow[]
  ).map(rowToEvent);
  return { refusals, alerts };
}

export function deleteSource(db: Db, source: string): void {
  db.prepare('DELETE FROM audit_events WHERE source = ?').run(source);
  db.prepare('DELETE FROM audit_batches WHERE source = ?').run(source);
}
