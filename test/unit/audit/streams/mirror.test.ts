import { describe, expect, it } from 'vitest';
import { batchMessage, chainEvents } from '../../../../src-main/audit/streams/chain';
import { AuditMirror } from '../../../../src-main/audit/streams/mirror';
import type { AuditBatch, NewAuditEvent } from '../../../../src-main/audit/types';
import { genEvents, indexDb, signedStream, testKey } from '../review/fixtures';

const STREAM = 'tenant:ab_12345678';
const SRC = 'live:c1';

const tombstone = (prunedTo: number, lastPrunedHash: string): Omit<NewAuditEvent, 'key'> => ({
  at: '2027-01-01T00:00:00.000Z',
  source: 'retention',
  type: 'TOMBSTONE',
  category: 'RETENTION',
  user: 'cassandra',
  keyspace: null,
  scope: null,
  operation: `pruned 1–${prunedTo}`,
  outcome: 'ok',
  errorCode: null,
  origin: 'cli',
  detail: { prunedFrom: 1, prunedTo, lastPrunedHash, cutoff: '2026-01-01T00:00:00.000Z', retentionDays: 1 },
});

const count = (m: AuditMirror, db: ReturnType<typeof indexDb>): number => (db.prepare('SELECT COUNT(*) AS n FROM audit_events WHERE source = ? AND stream = ?').get(SRC, STREAM) as { n: number }).n;

describe('the mirror applies only signed tombstones (review #7)', () => {
  it('a signed tombstone prunes the mirror up to its range', () => {
    const key = testKey();
    const s = signedStream(STREAM, genEvents(20), key, 10);
    const [stone] = chainEvents(STREAM, { seq: 20, hash: s.events[19]!.hash }, [tombstone(20, s.events[19]!.hash)]);
    const b = { stream: STREAM, batch: 3, firstSeq: 21, lastSeq: 21, headHash: stone!.hash, keyVersion: 1, signer: key.signer.fingerprint, signedAt: stone!.at };
    const db = indexDb();
    const m = new AuditMirror(db);
    m.put(SRC, STREAM, [...s.events, stone!], [...s.batches, { ...b, signature: key.sign(batchMessage(b)) }]);
    expect(m.applyTombstones(SRC, STREAM, [key.signer])).toBe(20);
    expect(count(m, db)).toBe(1);
    expect(m.lastSeen(SRC, STREAM)?.seq).toBe(21);
  });

  it('a forged (unsigned, badly signed or self-covering) tombstone erases nothing, and the highest row always stays', () => {
    const key = testKey();
    const attacker = testKey();
    const s = signedStream(STREAM, genEvents(20), key, 10);
    const db = indexDb();
    const m = new AuditMirror(db);
    // unsigned: prunedTo 1e12
    const [forged] = chainEvents(STREAM, { seq: 20, hash: s.events[19]!.hash }, [tombstone(1e12, 'x')]);
    m.put(SRC, STREAM, [...s.events, forged!], s.batches);
    expect(m.applyTombstones(SRC, STREAM, [key.signer])).toBe(0);
    expect(count(m, db)).toBe(21);
    // signed by a key that is not a signer of the stream
    const b: Omit<AuditBatch, 'signature'> = { stream: STREAM, batch: 3, firstSeq: 21, lastSeq: 21, headHash: forged!.hash, keyVersion: 1, signer: attacker.signer.fingerprint, signedAt: forged!.at };
    m.put(SRC, STREAM, [], [{ ...b, signature: attacker.sign(batchMessage(b)) }]);
    expect(m.applyTombstones(SRC, STREAM, [key.signer])).toBe(0);
    expect(count(m, db)).toBe(21);
    // even a genuinely signed tombstone whose range reaches itself prunes nothing (prunedTo must be < its seq)
    const db2 = indexDb();
    const m2 = new AuditMirror(db2);
    const [self] = chainEvents(STREAM, { seq: 20, hash: s.events[19]!.hash }, [tombstone(21, 'x')]);
    const b2 = { stream: STREAM, batch: 3, firstSeq: 21, lastSeq: 21, headHash: self!.hash, keyVersion: 1, signer: key.signer.fingerprint, signedAt: self!.at };
    m2.put(SRC, STREAM, [...s.events, self!], [...s.batches, { ...b2, signature: key.sign(batchMessage(b2)) }]);
    expect(m2.applyTombstones(SRC, STREAM, [key.signer])).toBe(0);
    // an edited signed tombstone (prunedTo raised after signing) no longer hashes: ignored
    const db3 = indexDb();
    const m3 = new AuditMirror(db3);
    const [real] = chainEvents(STREAM, { seq: 20, hash: s.events[19]!.hash }, [tombstone(5, s.events[4]!.hash)]);
    const b3 = { stream: STREAM, batch: 3, firstSeq: 21, lastSeq: 21, headHash: real!.hash, keyVersion: 1, signer: key.signer.fingerprint, signedAt: real!.at };
    m3.put(SRC, STREAM, [...s.events, { ...real!, detail: { ...(real!.detail as object), prunedTo: 20 } }], [...s.batches, { ...b3, signature: key.sign(batchMessage(b3)) }]);
    expect(m3.applyTombstones(SRC, STREAM, [key.signer])).toBe(0);
    expect(count(m3, db3)).toBe(21);
  });
});
