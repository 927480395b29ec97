import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chainEvents, genesisHash, verifyChain } from '../../../../src-main/audit/streams/chain';
import { boundedDetail, DETAIL_MAX_CHARS, FIELD_MAX_CHARS, OPERATION_MAX_CHARS, sanitizeEvent, wellFormed } from '../../../../src-main/audit/streams/sanitize';
import { chunkLength, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, parseInboxEvent } from '../../../../src-main/audit/streams/service';
import type { NewAuditEvent } from '../../../../src-main/audit/types';

const ev = (over: Partial<NewAuditEvent> = {}): NewAuditEvent => ({
  at: '2026-01-01T00:00:00.000Z',
  source: 'cassandra',
  type: 'SELECT',
  category: 'QUERY',
  user: 'tenant_ab_12345678_u_bob',
  keyspace: 'tenant_ab_12345678_app',
  scope: null,
  operation: 'SELECT * FROM t',
  outcome: 'ok',
  errorCode: null,
  origin: '/127.0.0.1',
  detail: null,
  ...over,
});

/** What the driver does to a string on the way into Cassandra and back (UTF-8 round trip). */
const roundTrip = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

describe('sanitizeEvent: lone surrogates (review #8)', () => {
  it('makes every string field and every string inside detail well-formed, so what is hashed is what Cassandra gives back', () => {
    const bad = 'a\ud800b';
    expect(roundTrip(bad)).not.toBe(bad); // the driver would store U+FFFD: the hash of the raw string could never match
    const s = sanitizeEvent(ev({ user: bad, keyspace: bad, scope: bad, operation: bad, origin: bad, errorCode: bad, type: bad, detail: { [bad]: [bad, { deep: bad }] } }));
    for (const v of [s.user, s.keyspace, s.scope, s.operation, s.origin, s.errorCode, s.type]) expect(v).toBe('a\ufffdb');
    expect(s.detail).toEqual({ 'a\ufffdb': ['a\ufffdb', { deep: 'a\ufffdb' }] });
    // Chained, stored (round trip), read back: intact.
    const [stored] = chainEvents('platform', { seq: 0, hash: genesisHash('platform') }, [s]);
    const back = { ...stored!, user: roundTrip(stored!.user!), operation: roundTrip(stored!.operation), detail: JSON.parse(roundTrip(JSON.stringify(stored!.detail))) };
    const v = verifyChain({ stream: 'platform', events: [back], batches: [], signers: [] });
    expect(v.problems.filter((p) => p.kind !== 'unsigned')).toEqual([]);
  });

  it('keeps valid pairs (emoji) and leaves clean strings alone', () => {
    expect(wellFormed('ok \u{1F600}')).toBe('ok \u{1F600}');
    expect(wellFormed('\udc00x')).toBe('\ufffdx');
  });
});

describe('sanitizeEvent: field caps (review #5)', () => {
  it('cuts the operation at 64 KiB and keeps its full length and sha256 in detail', () => {
    const op = 'x'.repeat(1_000_000);
    const s = sanitizeEvent(ev({ operation: op, detail: { node: 'n1' } }));
    expect(s.operation).toHaveLength(OPERATION_MAX_CHARS);
    expect(s.detail).toEqual({ node: 'n1', operationTruncated: { chars: 1_000_000, sha256: createHash('sha256').update(op).digest('hex'), keptChars: OPERATION_MAX_CHARS } });
  });

  it('caps the other text fields and large details', () => {
    const long = 'y'.repeat(100_000);
    const s = sanitizeEvent(ev({ user: long, keyspace: long, scope: long, origin: long, errorCode: long, type: long, at: long, detail: { big: long } }));
    expect(s.user).toHaveLength(FIELD_MAX_CHARS.user);
    expect(s.keyspace).toHaveLength(FIELD_MAX_CHARS.keyspace);
    expect(s.scope).toHaveLength(FIELD_MAX_CHARS.scope);
    expect(s.origin).toHaveLength(FIELD_MAX_CHARS.origin);
    expect(s.errorCode).toHaveLength(FIELD_MAX_CHARS.errorCode);
    expect(s.type).toHaveLength(FIELD_MAX_CHARS.type);
    expect(s.at).toHaveLength(FIELD_MAX_CHARS.at);
    expect(s.detail).toMatchObject({ truncated: true, chars: expect.any(Number) as number });
    expect(JSON.stringify(s.detail).length).toBeLessThan(DETAIL_MAX_CHARS);
    expect(JSON.stringify(boundedDetail({ a: 1 }))).toBe('{"a":1}');
  });

  it('never splits a surrogate pair at a cap', () => {
    const op = 'a'.repeat(OPERATION_MAX_CHARS - 1) + '\u{1F600}';
    const s = sanitizeEvent(ev({ operation: op }));
    expect(s.operation).toBe('a'.repeat(OPERATION_MAX_CHARS - 1));
    expect(wellFormed(s.operation)).toBe(s.operation);
  });
});

describe('chunkLength: commits cut by bytes as well as by count (review #5)', () => {
  it('cuts at MAX_BATCH_EVENTS small events', () => {
    expect(chunkLength(Array(500).fill(300), 0, MAX_BATCH_EVENTS, MAX_BATCH_BYTES)).toBe(MAX_BATCH_EVENTS);
    expect(chunkLength(Array(500).fill(300), 450, MAX_BATCH_EVENTS, MAX_BATCH_BYTES)).toBe(50);
  });

  it('cuts by bytes: a few capped 1 MB statements go a few at a time, never over the byte budget (one oversize event alone)', () => {
    const big = sanitizeEvent(ev({ operation: 'z'.repeat(1_000_000) }));
    const size = Buffer.byteLength(JSON.stringify(big)) + 256;
    const sizes = Array(40).fill(size);
    let i = 0;
    const chunks: number[] = [];
    while (i < sizes.length) {
      const n = chunkLength(sizes, i, MAX_BATCH_EVENTS, MAX_BATCH_BYTES);
      chunks.push(n);
      i += n;
    }
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(40);
    for (const n of chunks) expect(n * size).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(chunks[0]).toBe(Math.floor(MAX_BATCH_BYTES / size));
    expect(chunkLength([MAX_BATCH_BYTES * 3, 10], 0, MAX_BATCH_EVENTS, MAX_BATCH_BYTES)).toBe(1);
    expect(chunkLength([10, 10], 0, 1, MAX_BATCH_BYTES)).toBe(1);
  });
});

describe('parseInboxEvent: a tenant console row is a claim (review #2)', () => {
  const row = (over: Record<string, unknown> = {}): string =>
    JSON.stringify({ at: '2026-01-01T00:00:00.000Z', source: 'cassandra', type: 'user.lock', category: 'RETENTION', user: 'u', keyspace: null, scope: null, operation: 'op', outcome: 'ok', errorCode: null, origin: 'o', detail: { k: 'v' }, ...over });

  it('speaks for a console only: source console, never the retention category', () => {
    expect(parseInboxEvent(row())).toMatchObject({ source: 'console', category: 'CONSOLE', type: 'user.lock' });
  });

  it('rejects rows that are not console events, and cleans and caps the rest', () => {
    expect(parseInboxEvent('not json')).toBeNull();
    expect(parseInboxEvent('[1]')).toBeNull();
    expect(parseInboxEvent(row({ type: 'TOMBSTONE\n' }))).toBeNull();
    expect(parseInboxEvent(row({ type: 'x'.repeat(300) }))).toBeNull();
    expect(parseInboxEvent(row({ outcome: 'fine' }))).toBeNull();
    expect(parseInboxEvent(row({ detail: 'd'.repeat(300_000) }))).toBeNull();
    const p = parseInboxEvent(row({ user: 'a\ud800'.repeat(1000), operation: 'o'.repeat(100_000) }))!;
    expect(p.user).toHaveLength(FIELD_MAX_CHARS.user);
    expect(p.user).not.toContain('\ud800');
    expect(p.operation.length).toBeLessThanOrEqual(4000);
  });
});
