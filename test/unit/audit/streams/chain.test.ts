import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  batchMessage,
  canonicalEvent,
  canonicalJson,
  chainEvents,
  chainProof,
  eventHash,
  genesisHash,
  keyFingerprint,
  verifyChain,
} from '../../../../src-main/audit/streams/chain';
import type { AuditBatch, NewAuditEvent, SignerKey, StoredAuditEvent } from '../../../../src-main/audit/types';

const STREAM = 'tenant:ab_12345678';

function keyPair(): { signer: SignerKey; sign(b: Omit<AuditBatch, 'signature' | 'signer'>): AuditBatch } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const fingerprint = keyFingerprint(pem);
  return {
    signer: { fingerprint, version: 1, publicKeyPem: pem },
    sign: (b) => {
      const unsigned = { ...b, signer: fingerprint };
      return { ...unsigned, signature: sign(null, batchMessage(unsigned), privateKey) };
    },
  };
}

const event = (i: number): Omit<NewAuditEvent, 'key'> => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  source: 'console',
  type: 'tenant.setConfig',
  category: 'CONSOLE',
  user: 'cassandra',
  keyspace: null,
  scope: null,
  operation: `call ${i}`,
  outcome: 'ok',
  errorCode: null,
  origin: 'cli',
  detail: { i, nested: { b: 2, a: [1, 'x'] } },
});

/** 12 events in 3 signed batches of 4. */
function stream(n = 12, per = 4) {
  const k = keyPair();
  const events = chainEvents(STREAM, { seq: 0, hash: genesisHash(STREAM) }, Array.from({ length: n }, (_, i) => event(i + 1)));
  const batches: AuditBatch[] = [];
  for (let first = 1, b = 1; first <= n; first += per, b++) {
    const last = Math.min(n, first + per - 1);
    batches.push(k.sign({ stream: STREAM, batch: b, firstSeq: first, lastSeq: last, headHash: events[last - 1]!.hash, keyVersion: 1, signedAt: '2026-01-01T00:01:00.000Z' }));
  }
  return { k, events, batches, signers: [k.signer] };
}

const clone = (es: StoredAuditEvent[]): StoredAuditEvent[] => es.map((e) => ({ ...e }));
const kinds = (v: { problems: { kind: string; seq: number | null; batch: number | null }[] }) => v.problems.map((p) => [p.kind, p.seq]);

describe('canonical encoding', () => {
  it('sorts object keys at every depth and is independent of insertion order', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    const a = { ...event(1), detail: { x: 1, y: 2 } };
    const b = { ...event(1), detail: { y: 2, x: 1 } };
    expect(canonicalEvent({ ...a, stream: STREAM, seq: 1 })).toBe(canonicalEvent({ ...b, stream: STREAM, seq: 1 }));
  });

  it('is stable: a fixed event has a fixed encoding and hash', () => {
    const e = { ...event(1), stream: STREAM, seq: 1 };
    expect(canonicalEvent(e)).toBe(
      '["csm-audit/v1","tenant:ab_12345678",1,"2026-01-01T00:00:01.000Z","console","tenant.setConfig","CONSOLE","cassandra",null,null,"call 1","ok",null,"cli",{"i":1,"nested":{"a":[1,"x"],"b":2}}]',
    );
    expect(eventHash(genesisHash(STREAM), e)).toBe(eventHash(genesisHash(STREAM), JSON.parse(JSON.stringify(e))));
    expect(genesisHash(STREAM)).not.toBe(genesisHash('platform'));
  });

  it('is unambiguous: moving text between fields, null vs "null", stream and seq all change the bytes', () => {
    const base = { ...event(1), stream: STREAM, seq: 1 };
    const variants = [
      base,
      { ...base, user: 'cassandr', keyspace: 'a' },
      { ...base, user: null },
      { ...base, user: 'null' },
      { ...base, operation: 'call 1","ok' },
      { ...base, seq: 2 },
      { ...base, stream: 'platform' },
      { ...base, detail: { i: '1', nested: { b: 2, a: [1, 'x'] } } },
    ];
    expect(new Set(variants.map((v) => canonicalEvent(v))).size).toBe(variants.length);
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/finite/);
    expect(() => canonicalJson({ a: Buffer.from('x') })).toThrow(/bytes/);
  });
});

describe('verifyChain', () => {
  it('an untouched stream is intact', () => {
    const s = stream();
    const v = verifyChain({ stream: STREAM, ...s, head: { seq: 12, hash: s.events[11]!.hash } });
    expect(v).toMatchObject({ intact: true, problems: [], events: 12, batches: 3, firstSeq: 1, lastSeq: 12, headHash: s.events[11]!.hash, signers: [s.k.signer.fingerprint] });
  });

  it('edited field: the event is named', () => {
    const s = stream();
    const events = clone(s.events);
    events[4]!.operation = 'something else';
    expect(kinds(verifyChain({ stream: STREAM, ...s, events }))).toEqual([['edited', 5]]);
  });

  it('edited with its hash recomputed: the event is named through the broken link', () => {
    const s = stream();
    const events = clone(s.events);
    events[4]!.user = 'mallory';
    events[4]!.hash = eventHash(events[4]!.prevHash, events[4]!);
    const v = verifyChain({ stream: STREAM, ...s, events });
    expect(v.problems[0]).toMatchObject({ kind: 'edited', seq: 5 });
  });

  it('deleted event: a gap at its seq', () => {
    const s = stream();
    const events = s.events.filter((e) => e.seq !== 6);
    expect(kinds(verifyChain({ stream: STREAM, ...s, events }))).toEqual([['deleted', 6]]);
  });

  it('deleted event with the later ones renumbered', () => {
    const s = stream();
    const events = s.events.filter((e) => e.seq !== 6).map((e) => (e.seq > 6 ? { ...e, seq: e.seq - 1 } : e));
    const v = verifyChain({ stream: STREAM, ...s, events });
    expect(v.problems[0]).toMatchObject({ kind: 'deleted', seq: 6 });
    expect(v.intact).toBe(false);
  });

  it('inserted event (later ones moved up): the inserted seq is named', () => {
    const s = stream();
    const forged = chainEvents(STREAM, { seq: 6, hash: s.events[5]!.hash }, [{ ...event(99), operation: 'forged' }])[0]!;
    const events = [...s.events.slice(0, 6), forged, ...s.events.slice(6).map((e) => ({ ...e, seq: e.seq + 1 }))];
    const v = verifyChain({ stream: STREAM, ...s, events });
    expect(v.problems[0]).toMatchObject({ kind: 'inserted', seq: 7 });
  });

  it('inserted: a seq held twice', () => {
    const s = stream();
    const events = [...s.events, { ...s.events[2]!, operation: 'twin' }];
    expect(verifyChain({ stream: STREAM, ...s, events }).problems[0]).toMatchObject({ kind: 'inserted', seq: 3 });
  });

  it('inserted after the head without a key: unsigned', () => {
    const s = stream();
    const extra = chainEvents(STREAM, { seq: 12, hash: s.events[11]!.hash }, [event(13)]);
    expect(kinds(verifyChain({ stream: STREAM, ...s, events: [...s.events, ...extra] }))).toEqual([['unsigned', 13]]);
  });

  it('reordered pair: named once at the lower seq', () => {
    const s = stream();
    const events = clone(s.events);
    const [a, b] = [events[6]!, events[7]!];
    events[6] = { ...b, seq: 7 };
    events[7] = { ...a, seq: 8 };
    expect(kinds(verifyChain({ stream: STREAM, ...s, events }))).toEqual([['reordered', 7]]);
  });

  it('bad signature: the batch is named', () => {
    const s = stream();
    const batches = s.batches.map((b) => (b.batch === 2 ? { ...b, signature: Buffer.from(b.signature.map((x, i) => (i === 0 ? x ^ 1 : x))) } : b));
    const v = verifyChain({ stream: STREAM, ...s, batches });
    expect(v.problems).toEqual([expect.objectContaining({ kind: 'bad-signature', batch: 2, seq: 5 })]);
  });

  it('a batch record changed (range widened) no longer verifies', () => {
    const s = stream();
    const batches = s.batches.map((b) => (b.batch === 3 ? { ...b, firstSeq: 8 } : b));
    expect(verifyChain({ stream: STREAM, ...s, batches }).problems[0]).toMatchObject({ kind: 'bad-signature', batch: 3 });
  });

  it('unknown signer: the batch is named; a re-signed batch by a stranger is not trusted', () => {
    const s = stream();
    const stranger = keyPair();
    const b1 = s.batches[0]!;
    const batches = [stranger.sign({ ...b1 }), ...s.batches.slice(1)];
    expect(kinds(verifyChain({ stream: STREAM, ...s, batches }))).toEqual([['unknown-key', 1]]);
  });

  it('a batch signed for another stream does not verify here', () => {
    const s = stream();
    expect(verifyChain({ stream: 'tenant:zz_00000000', ...s }).intact).toBe(false);
  });

  it('truncated head: the recorded head and the signed batches say where the tail went', () => {
    const s = stream();
    const events = s.events.slice(0, 10);
    const v = verifyChain({ stream: STREAM, ...s, events, head: { seq: 12, hash: s.events[11]!.hash } });
    expect(kinds(v)).toEqual([['head-mismatch', 11]]);
  });

  it('truncated head with its batch deleted and the head row rewritten: caught by a witness head (mirror)', () => {
    const s = stream();
    const events = s.events.slice(0, 8);
    const batches = s.batches.slice(0, 2);
    const clean = verifyChain({ stream: STREAM, ...s, events, batches, head: { seq: 8, hash: events[7]!.hash } });
    expect(clean.intact).toBe(true); // Cassandra alone cannot tell: the reason for witnesses
    const v = verifyChain({ stream: STREAM, ...s, events, batches, head: { seq: 8, hash: events[7]!.hash }, witnesses: [{ label: 'the local mirror', seq: 12, hash: s.events[11]!.hash }] });
    expect(kinds(v)).toEqual([['head-mismatch', 9]]);
  });

  it('a rewritten tail (all rehashed) fails the signed batch head', () => {
    const s = stream();
    const rewritten = chainEvents(STREAM, { seq: 8, hash: s.events[7]!.hash }, [event(9), event(10), { ...event(11), operation: 'forged' }, event(12)]);
    const v = verifyChain({ stream: STREAM, ...s, events: [...s.events.slice(0, 8), ...rewritten] });
    expect(kinds(v)).toEqual([['head-mismatch', 12]]);
  });

  it('a missing start without a tombstone is a deletion; a signed tombstone anchors the rest', () => {
    const s = stream(12, 4);
    expect(kinds(verifyChain({ stream: STREAM, ...s, events: s.events.slice(4), batches: s.batches.slice(1) }))).toEqual([['deleted', 1]]);
    // prune 1–4 behind a tombstone appended at 13 and signed in batch 4
    const stone = chainEvents(STREAM, { seq: 12, hash: s.events[11]!.hash }, [
      { ...event(13), source: 'retention', type: 'TOMBSTONE', category: 'RETENTION', detail: { prunedFrom: 1, prunedTo: 4, lastPrunedHash: s.events[3]!.hash, cutoff: '2026-01-01T00:00:05.000Z', retentionDays: 1 } },
    ]);
    const b4 = s.k.sign({ stream: STREAM, batch: 4, firstSeq: 13, lastSeq: 13, headHash: stone[0]!.hash, keyVersion: 1, signedAt: '2026-01-02T00:00:00.000Z' });
    const events = [...s.events.slice(4), ...stone];
    const batches = [...s.batches.slice(1), b4];
    expect(verifyChain({ stream: STREAM, ...s, events, batches, head: { seq: 13, hash: stone[0]!.hash } })).toMatchObject({ intact: true, firstSeq: 5, lastSeq: 13 });
    // still detects edits after pruning
    const edited = clone(events);
    edited[2]!.operation = 'x';
    expect(kinds(verifyChain({ stream: STREAM, ...s, events: edited, batches }))).toEqual([['edited', 7]]);
    // and a deletion right after the pruned range
    expect(verifyChain({ stream: STREAM, ...s, events: events.slice(1), batches }).problems[0]).toMatchObject({ kind: 'deleted', seq: 5 });
  });

  it('an explicit anchor verifies a slice (a snapshot of a time range)', () => {
    const s = stream();
    const v = verifyChain({ stream: STREAM, ...s, events: s.events.slice(4, 8), batches: [s.batches[1]!], anchor: { seq: 4, hash: s.events[3]!.hash } });
    expect(v.intact).toBe(true);
    const wrong = verifyChain({ stream: STREAM, ...s, events: s.events.slice(4, 8), batches: [s.batches[1]!], anchor: { seq: 4, hash: 'f'.repeat(64) } });
    expect(kinds(wrong)).toEqual([['edited', 5]]);
  });

  it('stops listing after maxProblems', () => {
    const s = stream(40, 10);
    const events = clone(s.events).map((e) => ({ ...e, operation: 'x' }));
    const v = verifyChain({ stream: STREAM, ...s, events, maxProblems: 5 });
    expect(v.problems).toHaveLength(6);
    expect(v.problems[5]!.message).toMatch(/35 more/);
  });
});

describe('chainProof', () => {
  it('shows the canonical text, the link and the batch signature', () => {
    const s = stream();
    const p = chainProof({ stream: STREAM, event: s.events[4]!, previous: { seq: 4, hash: s.events[3]!.hash }, batch: s.batches[1]!, signers: s.signers });
    expect(p).toMatchObject({ hashMatches: true, linkMatches: true, batch: { batch: 2, signatureValid: true } });
    expect(p.canonical).toContain('"call 5"');
    const bad = chainProof({ stream: STREAM, event: { ...s.events[4]!, operation: 'x' }, previous: { seq: 4, hash: s.events[2]!.hash }, batch: s.batches[1]!, signers: [] });
    expect(bad).toMatchObject({ hashMatches: false, linkMatches: false, batch: { signatureValid: false } });
  });
});

describe('verifyChain keys signers by their computed fingerprint (review #4)', () => {
  it('a signer entry mapping the genuine fingerprint to an attacker key vouches for nothing', () => {
    const genuine = keyPair();
    const attacker = keyPair();
    const events = chainEvents(STREAM, { seq: 0, hash: genesisHash(STREAM) }, [event(1), event(2)]);
    // The attacker signs, but writes the genuine fingerprint in the batch and in the signer entry.
    const forgedBatch = (() => {
      const b = attacker.sign({ stream: STREAM, batch: 1, firstSeq: 1, lastSeq: 2, headHash: events[1]!.hash, keyVersion: 1, signedAt: '2026-01-01T00:01:00.000Z' });
      return { ...b, signer: genuine.signer.fingerprint };
    })();
    const lying: SignerKey = { fingerprint: genuine.signer.fingerprint, version: 1, publicKeyPem: attacker.signer.publicKeyPem };
    const v = verifyChain({ stream: STREAM, events, batches: [forgedBatch], signers: [lying] });
    expect(v.intact).toBe(false);
    expect(v.signers).toEqual([]);
    expect(v.problems.map((p) => p.kind)).toContain('unknown-key');
    expect(v.problems.find((p) => p.message.includes('claims fingerprint'))!.message).toContain(genuine.signer.fingerprint);
    expect(v.problems.find((p) => p.message.includes('claims fingerprint'))!.message).toContain(attacker.signer.fingerprint);
    // chainProof does not vouch either
    expect(chainProof({ stream: STREAM, event: events[1]!, previous: { seq: 1, hash: events[0]!.hash }, batch: forgedBatch, signers: [lying] }).batch!.signatureValid).toBe(false);
    // the genuine key alone: the forged batch's signature fails
    expect(verifyChain({ stream: STREAM, events, batches: [forgedBatch], signers: [genuine.signer] }).problems.map((p) => p.kind)).toContain('bad-signature');
  });

  it('reports full fingerprints', () => {
    const s = stream(4, 4);
    const other = keyPair();
    const v = verifyChain({ stream: STREAM, events: s.events, batches: s.batches, signers: [other.signer] });
    expect(v.problems[0]!.message).toContain(s.k.signer.fingerprint);
  });
});
