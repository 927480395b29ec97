import { strFromU8, strToU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSnapshot, parseSnapshot, SNAPSHOT_LIMITS, verifySnapshot, zipEntries, type SNAPSHOT_ENTRIES } from '../../../../src-main/audit/review/snapshot-file';
import { SnapshotStore, type Sealer } from '../../../../src-main/audit/review/snapshots';
import { AUDIT_CACHE_DDL } from '../../../../src-main/audit/index-schema';
import { batchMessage } from '../../../../src-main/audit/streams/chain';
import { genEvents, indexDb, signedStream, testKey, type TestKey } from './fixtures';

type Entries = Record<(typeof SNAPSHOT_ENTRIES)[number], Uint8Array>;
const STREAM = 'tenant:ab';

async function snapshotOf(key: TestKey, opts: { from?: number; n?: number } = {}): Promise<Buffer> {
  const s = signedStream(STREAM, genEvents(60), key, 10);
  const from = opts.from ?? 11;
  const evs = s.events.filter((e) => e.seq >= from && e.seq < from + (opts.n ?? 30));
  const batches = s.batches.filter((b) => b.firstSeq >= from && b.lastSeq < from + (opts.n ?? 30));
  const built = await buildSnapshot({
    id: 'ab'.repeat(16),
    stream: STREAM,
    cluster: 'c1',
    range: { since: evs[0]!.at, until: evs[evs.length - 1]!.at },
    streamHead: { seq: 60, hash: s.events[59]!.hash },
    createdAt: '2026-02-01T00:00:00.000Z',
    createdBy: 'cassandra',
    events: evs,
    batches,
    signers: [key.signer],
    sign: async (d) => ({ keyVersion: 1, signature: key.sign(d), publicKeyPem: key.signer.publicKeyPem }),
  });
  return built.bytes;
}

const entries = (b: Uint8Array): Entries => unzipSync(b) as Entries;
const lines = (e: Entries): Record<string, unknown>[] => strFromU8(e['events.jsonl']).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
const withLines = (e: Entries, ls: Record<string, unknown>[]): Buffer => zipEntries({ ...e, 'events.jsonl': strToU8(ls.map((l) => JSON.stringify(l) + '\n').join('')) });
const verify = (b: Uint8Array) => verifySnapshot(parseSnapshot(b));
const kinds = (b: Uint8Array) => verify(b).problems.map((p) => `${p.kind}@${p.seq ?? '-'}`);

describe('audit snapshot file', () => {
  const key = testKey();
  let good: Buffer;
  beforeAll(async () => {
    good = await snapshotOf(key);
  });

  it('verifies intact from its own content, anchored mid-stream', () => {
    const v = verify(good);
    expect(v.problems).toEqual([]);
    expect(v.intact).toBe(true);
    expect([v.events, v.batches, v.firstSeq, v.lastSeq]).toEqual([30, 3, 11, 40]);
    expect(v.signers).toEqual([key.signer.fingerprint]);
    const m = parseSnapshot(good).manifest;
    expect(m.anchor?.seq).toBe(10);
    expect(m.head?.seq).toBe(40);
  });

  it('names an edited event and where', () => {
    const e = entries(good);
    const ls = lines(e);
    ls[4]!['operation'] = 'nothing to see here';
    const k = kinds(withLines(e, ls));
    expect(k).toContain('edited@15');
    expect(k).toContain('manifest@-'); // events.jsonl no longer matches the signed digest
    expect(verify(withLines(e, ls)).intact).toBe(false);
  });

  it('names a deleted event', () => {
    const e = entries(good);
    const ls = lines(e);
    ls.splice(7, 1);
    expect(kinds(withLines(e, ls))).toContain('deleted@18');
  });

  it('names an inserted event', () => {
    const e = entries(good);
    const ls = lines(e);
    const forged = { ...ls[9]!, operation: 'forged', seq: 20 };
    ls.splice(10, 0, forged);
    const v = verify(withLines(e, ls));
    expect(v.problems.some((p) => p.kind === 'inserted' && p.seq === 20)).toBe(true);
  });

  it('names two swapped events', () => {
    const e = entries(good);
    const ls = lines(e);
    const a = ls[12]!;
    const b = ls[13]!;
    ls[12] = { ...b, seq: a['seq'] };
    ls[13] = { ...a, seq: b['seq'] };
    expect(kinds(withLines(e, ls))).toContain('reordered@23');
  });

  it('names a bad batch signature', () => {
    const e = entries(good);
    const bl = strFromU8(e['batches.jsonl']).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const sig = Buffer.from(bl[1]!['signature'] as string, 'base64');
    sig[5] = sig[5]! ^ 1;
    bl[1]!['signature'] = sig.toString('base64');
    const v = verify(zipEntries({ ...e, 'batches.jsonl': strToU8(bl.map((l) => JSON.stringify(l) + '\n').join('')) }));
    expect(v.problems.find((p) => p.kind === 'bad-signature')).toMatchObject({ batch: 3, seq: 21 });
  });

  it('names a changed manifest', () => {
    const e = entries(good);
    const m = JSON.parse(strFromU8(e['manifest.json'])) as Record<string, unknown>;
    m['createdBy'] = 'someone-else';
    const v = verify(zipEntries({ ...e, 'manifest.json': strToU8(JSON.stringify(m)) }));
    expect(v.intact).toBe(false);
    // An unsigned manifest vouches for no key: the batches are then signed by keys nothing vouches for.
    expect(v.problems[0]!.kind).toBe('manifest');
    expect(new Set(v.problems.slice(1).map((p) => p.kind))).toEqual(new Set(['unknown-key']));
    expect(v.problems[0]!.message).toMatch(/manifest signature does not verify/);
  });

  it('names a truncated tail (last batch removed with its events)', () => {
    const e = entries(good);
    const ls = lines(e).slice(0, 20);
    const bl = strFromU8(e['batches.jsonl']).trim().split('\n').slice(0, 2);
    const v = verify(zipEntries({ ...e, 'events.jsonl': strToU8(ls.map((l) => JSON.stringify(l) + '\n').join('')), 'batches.jsonl': strToU8(bl.map((l) => l + '\n').join('')) }));
    expect(v.problems.some((p) => p.kind === 'head-mismatch' && p.seq === 31)).toBe(true);
  });

  it('trusts only the keys in the file: a re-signed forgery verifies but under another fingerprint', async () => {
    const other = testKey();
    const forged = await snapshotOf(other);
    const v = verify(forged);
    expect(v.intact).toBe(true);
    expect(v.signers).toEqual([other.signer.fingerprint]);
    expect(v.signers).not.toContain(key.signer.fingerprint);
  });
});

describe('snapshot signers must be vouched for by the signed manifest (review #4)', () => {
  const key = testKey();
  let good: Buffer;
  beforeAll(async () => {
    good = await snapshotOf(key);
  });

  it('a signers.json entry mapping the genuine fingerprint to an attacker key (batches re-signed) does not verify and does not show the genuine signer', () => {
    const attacker = testKey();
    const e = entries(good);
    const bl = strFromU8(e['batches.jsonl']).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // Re-sign every batch with the attacker key, keeping the genuine fingerprint as the claimed signer.
    const resigned = bl.map((b) => {
      const unsigned = { stream: STREAM, batch: b['batch'] as number, firstSeq: b['firstSeq'] as number, lastSeq: b['lastSeq'] as number, headHash: b['headHash'] as string, keyVersion: b['keyVersion'] as number, signer: key.signer.fingerprint, signedAt: b['signedAt'] as string };
      return { ...b, signature: attacker.sign(batchMessage(unsigned)).toString('base64') };
    });
    const signers = [{ fingerprint: key.signer.fingerprint, version: 1, publicKeyPem: attacker.signer.publicKeyPem }];
    const v = verify(zipEntries({ ...e, 'batches.jsonl': strToU8(resigned.map((l) => JSON.stringify(l) + '\n').join('')), 'signers.json': strToU8(JSON.stringify(signers)) }));
    expect(v.intact).toBe(false);
    expect(v.problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['manifest', 'bad-signature']));
    expect(v.signers).not.toContain(attacker.signer.fingerprint);
  });

  it('a batch signed by a key that is neither the manifest signer nor in the signed signers.json is unknown-key', () => {
    const attacker = testKey();
    const e = entries(good);
    const bl = strFromU8(e['batches.jsonl']).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const b = bl[0]!;
    const unsigned = { stream: STREAM, batch: b['batch'] as number, firstSeq: b['firstSeq'] as number, lastSeq: b['lastSeq'] as number, headHash: b['headHash'] as string, keyVersion: b['keyVersion'] as number, signer: attacker.signer.fingerprint, signedAt: b['signedAt'] as string };
    bl[0] = { ...b, signer: attacker.signer.fingerprint, signature: attacker.sign(batchMessage(unsigned)).toString('base64') };
    const signers = [key.signer, attacker.signer];
    // signers.json changed: its digest no longer matches the signed manifest, so only the manifest signer is trusted.
    const v = verify(zipEntries({ ...e, 'batches.jsonl': strToU8(bl.map((l) => JSON.stringify(l) + '\n').join('')), 'signers.json': strToU8(JSON.stringify(signers)) }));
    expect(v.problems.find((p) => p.kind === 'unknown-key')).toMatchObject({ batch: b['batch'] as number });
    expect(v.signers).toEqual([key.signer.fingerprint]);
  });
});

describe('snapshot import refuses malformed files and stores nothing', () => {
  const key = testKey();
  const sealed: string[] = [];
  const sealer: Sealer = {
    seal: async (id, bytes) => {
      sealed.push(id);
      return { sealed: Buffer.from(bytes).reverse(), masterFingerprint: 'fp' };
    },
    open: async (_id, s) => Buffer.from(s).reverse(),
  };
  const db = indexDb();
  db.exec(AUDIT_CACHE_DDL);
  const store = new SnapshotStore(db, sealer, { limits: { ...SNAPSHOT_LIMITS, fileBytes: 200_000 } });
  let good: Buffer;
  beforeAll(async () => {
    good = await snapshotOf(key);
  });

  const refused = async (bytes: Uint8Array, msg: RegExp): Promise<void> => {
    await expect(store.importBytes(bytes)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(msg) });
    expect(store.list()).toEqual([]);
    expect(sealed).toEqual([]);
  };

  it('not a zip, truncated, oversized, wrong entries, bad lines, tampered', async () => {
    await refused(Buffer.from('hello, I am not a snapshot at all'), /not a ZIP/);
    await refused(good.subarray(0, Math.floor(good.length / 2)), /damaged or truncated/);
    await refused(Buffer.concat([good, Buffer.alloc(200_001)]), /more than the 200000/);
    const e = entries(good);
    await refused(zipEntries({ ...e }).subarray(0, 30), /damaged or truncated|not a ZIP/);
    const { ['signers.json']: _s, ...noSigners } = e;
    const { zipSync } = await import('fflate');
    await refused(Buffer.from(zipSync(noSigners)), /missing signers.json/);
    await refused(Buffer.from(zipSync({ ...e, 'evil.sh': strToU8('rm -rf /') })), /unexpected entries "evil.sh"/);
    await refused(zipEntries({ ...e, 'events.jsonl': strToU8('{"seq": 1}\nnot json\n') }), /events.jsonl line 1/);
    await refused(zipEntries({ ...e, 'manifest.json': strToU8('{}') }), /manifest.json: format/);
    for (const [field, value, msg] of [
      ['seq', '14', /events.jsonl line 4: seq/],
      ['outcome', 'maybe', /events.jsonl line 4: outcome/],
      ['user', 42, /events.jsonl line 4: user/],
      ['evil', 'x', /events.jsonl line 4: .*evil/],
    ] as const) {
      const bad = lines(e);
      bad[3]![field] = value;
      await refused(withLines(e, bad), msg);
    }
    const ls = lines(e);
    ls[3]!['user'] = 'mallory';
    await refused(withLines(e, ls), /does not verify, nothing was imported — .*edited at seq 14/);
  });

  it('imports a good file once, sealed, and queries it from memory', async () => {
    const info = await store.importBytes(good);
    expect(info).toMatchObject({ id: 'ab'.repeat(16), stream: STREAM, tenant: 'ab', events: 30, firstSeq: 11, lastSeq: 40, signerFingerprint: key.signer.fingerprint });
    expect(info.verification.intact).toBe(true);
    expect(await store.importBytes(good)).toEqual(info);
    expect(sealed).toEqual([info.id]);
    const open = await store.openSnapshot(info.id);
    expect((open.db.prepare('SELECT count(*) AS n FROM audit_events').get() as { n: number }).n).toBe(30);
    expect((await store.verify(info.id)).intact).toBe(true);
    expect(store.remove(info.id)).toBe(true);
    expect(store.list()).toEqual([]);
    await expect(store.openSnapshot(info.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
