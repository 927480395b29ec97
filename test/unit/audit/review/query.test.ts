import { beforeAll, describe, expect, it } from 'vitest';
import { ftsMatch, insertBatches, insertEvents, iterateEvents, queryEvents, streamCounts, TOTAL_CAP } from '../../../../src-main/audit/index';
import type { Db } from '../../../../src-main/store/db';
import { genEvents, indexDb, signedStream, testKey } from './fixtures';

const SRC = 'live:c1';
const A = 'tenant:ab';
const B = 'tenant:cd';

describe('audit query engine', () => {
  let db: Db;
  const key = testKey();
  const ops: Record<number, string> = {
    3: 'SELECT * FROM orders WHERE id = "quoted"',
    4: 'DROP TABLE near(stuff) AND more',
    5: '=HYPERLINK("http://x") payroll*export',
  };
  beforeAll(() => {
    db = indexDb();
    const a = signedStream(A, genEvents(200, { operation: (i) => ops[i] ?? `op ${i} orders` }), key);
    const b = signedStream(B, genEvents(50, { operation: (i) => `secret ${i} payroll` }), key);
    insertEvents(db, SRC, a.events);
    insertBatches(db, SRC, a.batches);
    insertEvents(db, SRC, b.events);
    // The same stream name under another source (a snapshot) never leaks into the live one.
    insertEvents(db, 'snapshot:x', signedStream(A, genEvents(5, { operation: () => 'payroll snapshot' }), key).events);
  });

  it('returns one stream of one source, newest first, with a total', () => {
    const p = queryEvents(db, SRC, A, { limit: 10 });
    expect(p.events.map((e) => e.seq)).toEqual([200, 199, 198, 197, 196, 195, 194, 193, 192, 191]);
    expect(p.total).toBe(200);
    expect(p.totalCapped).toBe(false);
    expect(p.nextBeforeSeq).toBe(191);
    expect(queryEvents(db, SRC, B, { limit: 500 }).total).toBe(50);
    expect(queryEvents(db, 'snapshot:x', A, { limit: 500 }).total).toBe(5);
  });

  it('pages by seq without gaps or repeats', () => {
    const seen: number[] = [];
    let before: number | undefined;
    for (let i = 0; i < 50; i++) {
      const p = queryEvents(db, SRC, A, { limit: 30, type: 'SELECT', ...(before ? { beforeSeq: before } : {}) });
      seen.push(...p.events.map((e) => e.seq));
      expect(p.total).toBe(40);
      if (p.nextBeforeSeq === null) break;
      before = p.nextBeforeSeq;
    }
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
    expect([...seen].sort((x, y) => y - x)).toEqual(seen);
    expect([...iterateEvents(db, SRC, A, { type: 'SELECT' }, 1000)].map((e) => e.seq)).toEqual(seen);
  });

  it('applies every filter exactly', () => {
    const all = queryEvents(db, SRC, A, { limit: 5000 }).events;
    const check = (f: Parameters<typeof queryEvents>[3], pred: (e: (typeof all)[number]) => boolean): void => {
      const got = queryEvents(db, SRC, A, { ...f, limit: 5000 });
      const want = all.filter(pred);
      expect(want.length).toBeGreaterThan(0);
      expect(want.length).toBeLessThan(all.length);
      expect(got.events.map((e) => e.seq)).toEqual(want.map((e) => e.seq));
      expect(got.total).toBe(want.length);
    };
    check({ type: 'tenant.create' }, (e) => e.type === 'tenant.create');
    check({ category: 'AUTH' }, (e) => e.category === 'AUTH');
    check({ source: 'console' }, (e) => e.source === 'console');
    check({ user: 'bob' }, (e) => e.user === 'bob');
    check({ keyspace: 'tenant_ab_csm' }, (e) => e.keyspace === 'tenant_ab_csm');
    check({ outcome: 'refused' }, (e) => e.outcome === 'refused');
    const since = '2026-01-01T01:00:00Z';
    const until = '2026-01-01T02:00:00.000+00:00';
    check({ since }, (e) => Date.parse(e.at) >= Date.parse(since));
    check({ until }, (e) => Date.parse(e.at) <= Date.parse(until));
    check({ since, until, type: 'UPDATE', user: 'alice' }, (e) => Date.parse(e.at) >= Date.parse(since) && Date.parse(e.at) <= Date.parse(until) && e.type === 'UPDATE' && e.user === 'alice');
    check({ text: 'orders', outcome: 'ok' }, (e) => e.outcome === 'ok' && /orders/.test(`${e.operation} ${e.keyspace ?? ''}`));
    expect(() => queryEvents(db, SRC, A, { since: until, until: since })).toThrow(/since is after until/);
  });

  it('searches words over operation, type, user and keyspace', () => {
    expect(queryEvents(db, SRC, A, { text: 'payroll' }).total).toBe(1);
    expect(queryEvents(db, SRC, B, { text: 'payroll' }).total).toBe(50);
    expect(queryEvents(db, SRC, A, { text: 'bob' }).total).toBe(50);
    expect(queryEvents(db, SRC, A, { text: 'tenant_ab_orders' }).total).toBe(67); // keyspace, as a phrase of its tokens
    expect(queryEvents(db, SRC, A, { text: 'quoted orders' }).events.map((e) => e.seq)).toEqual([4]);
    expect(queryEvents(db, SRC, A, { text: 'payr*' }).events.map((e) => e.seq)).toEqual([6]);
  });

  it('turns operators and syntax into plain words (no error, no widening)', () => {
    expect(ftsMatch('a OR b')).toBe('"a" "OR" "b"');
    expect(ftsMatch('say "hi')).toBe('"say" """hi"');
    expect(ftsMatch('NEAR(stuff more')).toBe('"NEAR(stuff" "more"');
    expect(ftsMatch('user:bob')).toBe('"user:bob"');
    expect(ftsMatch('abc*')).toBe('"abc" *');
    // Each attempt must be accepted by FTS5 and match no more than its literal words would.
    const attempts: [string, number][] = [
      ['"', -1],
      ['*', -1],
      ['NEAR(', 1], // the literal word "near" in event 4
      ['near(stuff', 1],
      ['orders OR secret', 0], // the literal word "or" is in no operation of stream A
      ['orders NOT op', 0], // "not" is no word of A either: no negation happened
      ['"quoted', 1],
      ['quoted" OR "op', 0],
      ['payroll*export', 1],
      ['op -orders', 197], // both words, not "op without orders" (that would be 0)
      ['^op', 197],
      ['user:bob', 0],
      ['a*', 0], // one letter: no prefix query over every word starting with a
      ['{operation}: op', 0], // a column filter would give 197; here "operation" is a word no event has
      ['(op) AND (orders)', 0],
      ['op)', 197],
    ];
    for (const [text, n] of attempts) {
      if (n < 0) {
        expect(() => queryEvents(db, SRC, A, { text }), text).toThrow(/at least one word/);
        continue;
      }
      expect(queryEvents(db, SRC, A, { text }).total, text).toBe(n);
    }
  });

  it('caps the total at 100,000', () => {
    const big = indexDb();
    // Rows straight from SQL: the cap is about counting, not about chains.
    big.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${TOTAL_CAP + 5})
      INSERT INTO audit_events (source, stream, seq, at, at_ms, origin_kind, type, category, operation, outcome, detail, hash, prev_hash)
      SELECT '${SRC}', 'tenant:big', i, '2026-01-01T00:00:00Z', i, 'console', CASE WHEN i % 5 = 0 THEN 'SELECT' ELSE 'x' END, 'CONSOLE', 'op', 'ok', '{}', 'h', 'p' FROM n`);
    const p = queryEvents(big, SRC, 'tenant:big', { limit: 3 });
    expect(p.total).toBe(TOTAL_CAP);
    expect(p.totalCapped).toBe(true);
    expect(p.events[0]!.seq).toBe(TOTAL_CAP + 5);
    expect(queryEvents(big, SRC, 'tenant:big', { limit: 3, type: 'SELECT' }).totalCapped).toBe(false);
    // A cursor beyond the newest 100,001 matches still pages (keyset query on its own).
    const deep = queryEvents(big, SRC, 'tenant:big', { limit: 3, beforeSeq: 10 });
    expect(deep.events.map((e) => e.seq)).toEqual([9, 8, 7]);
    expect(deep.nextBeforeSeq).toBe(7);
    expect(queryEvents(big, SRC, 'tenant:big', { limit: 3, beforeSeq: 3 }).nextBeforeSeq).toBeNull();
    const near = queryEvents(big, SRC, 'tenant:big', { limit: 2, beforeSeq: TOTAL_CAP });
    expect(near.events.map((e) => e.seq)).toEqual([TOTAL_CAP - 1, TOTAL_CAP - 2]);
  }, 60_000);

  it('counts by type, category, outcome and user', () => {
    const c = streamCounts(db, SRC, A, {});
    expect(c.total).toBe(200);
    expect(c.byType['SELECT']).toBe(40);
    expect(Object.values(c.byOutcome).reduce((x, y) => x + y, 0)).toBe(200);
    expect(c.byUser['(none)']).toBe(50);
    expect(c.firstAt).toBe('2026-01-01T00:00:00.000Z');
  });
});
