import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_CACHE_DDL } from '../../../../src-main/audit/index-schema';
import { insertBatches, insertEvents } from '../../../../src-main/audit/index';
import { ReviewService } from '../../../../src-main/audit/review/service';
import { SnapshotStore } from '../../../../src-main/audit/review/snapshots';
import { SnapshotVault } from '../../../../src-main/audit/review/vault';
import { verifyChain } from '../../../../src-main/audit/streams/chain';
import type { AuditBatch, AuditStreamsPort, StoredAuditEvent } from '../../../../src-main/audit/types';
import type { ConnectionManager } from '../../../../src-main/cassandra/connections';
import type { SessionService } from '../../../../src-main/identity/sessions';
import { MemorySecretStore } from '../../../../src-main/keys/memory-stores';
import { secretKey } from '../../../../src-main/secrets/secret-key';
import type { Db } from '../../../../src-main/store/db';
import { genEvents, indexDb, signedStream, testKey } from './fixtures';

const CLUSTER = 'c1';
const STREAM = 'tenant:ab';

/** "Cassandra" is an array here; sync copies what the mirror lacks, as streams/ does. */
class FakeStreams implements Partial<AuditStreamsPort> {
  syncs = 0;
  constructor(
    private readonly db: Db,
    public events: StoredAuditEvent[],
    public batches: AuditBatch[],
    private readonly key = testKey(),
  ) {}
  async sync(cluster: string, stream: string) {
    this.syncs += 1;
    const src = `live:${cluster}`;
    const max = (this.db.prepare('SELECT coalesce(max(seq), 0) AS m FROM audit_events WHERE source = ? AND stream = ?').get(src, stream) as { m: number }).m;
    const maxB = (this.db.prepare('SELECT coalesce(max(batch), 0) AS m FROM audit_batches WHERE source = ? AND stream = ?').get(src, stream) as { m: number }).m;
    const ev = this.events.filter((e) => e.stream === stream && e.seq > max);
    insertEvents(this.db, src, ev);
    insertBatches(this.db, src, this.batches.filter((b) => b.stream === stream && b.batch > maxB));
    return { fetched: ev.length, lastSeq: ev.length ? ev[ev.length - 1]!.seq : max || null };
  }
  async signers() {
    return [this.key.signer];
  }
  async verify(_c: string, stream: string) {
    return verifyChain({ stream, events: this.events, batches: this.batches, signers: [this.key.signer] });
  }
  signerKey() {
    return this.key;
  }
}

function vault(secrets: MemorySecretStore): SnapshotVault {
  return new SnapshotVault({ secrets, connections: { operator: () => undefined } as unknown as ConnectionManager, sessions: { signedIn: () => [] } as unknown as SessionService });
}

describe('review service: export on one console, import and review on another', () => {
  const dir = mkdtempSync(join(tmpdir(), 'csm-review-'));
  const key = testKey();
  const tenantKey = testKey(); // the tenant's audit key that signs manifests
  let liveDb: Db;
  let streams: FakeStreams;
  let live: ReviewService;
  let laptopDb: Db;
  let laptopSecrets: MemorySecretStore;
  let laptop: ReviewService;
  let now = Date.parse('2026-03-01T00:00:00Z');

  beforeAll(() => {
    liveDb = indexDb();
    liveDb.exec(AUDIT_CACHE_DDL);
    const s = signedStream(STREAM, genEvents(95), key, 10);
    streams = new FakeStreams(liveDb, s.events, s.batches, key);
    live = new ReviewService({
      db: liveDb,
      cache: liveDb,
      streams: streams as unknown as AuditStreamsPort,
      liveSource: (c) => `live:${c}`,
      snapshots: new SnapshotStore(liveDb, vault(new MemorySecretStore())),
      signer: (_c, tenant) => async (d) => {
        expect(tenant).toBe('ab');
        return { keyVersion: 3, signature: tenantKey.sign(d), publicKeyPem: tenantKey.signer.publicKeyPem };
      },
      operatorOf: () => 'tenant_ab_auditor',
      now: () => new Date(now),
    });
    laptopDb = indexDb();
    laptopDb.exec(AUDIT_CACHE_DDL);
    laptopSecrets = new MemorySecretStore();
    laptop = new ReviewService({
      db: laptopDb,
      cache: laptopDb,
      streams: {} as AuditStreamsPort,
      liveSource: (c) => `live:${c}`,
      snapshots: new SnapshotStore(laptopDb, vault(laptopSecrets)),
      signer: () => {
        throw new Error('an offline console signs nothing');
      },
      operatorOf: () => null,
    });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('live query syncs the mirror, then serves pages from it while fresh', async () => {
    const p = await live.query(CLUSTER, 'ab', { limit: 5 });
    expect(p.events.map((e) => e.seq)).toEqual([95, 94, 93, 92, 91]);
    expect(p.total).toBe(95);
    expect(streams.syncs).toBe(1);
    await live.query(CLUSTER, 'ab', { limit: 5, beforeSeq: 91 });
    expect(streams.syncs).toBe(1);
    now += 6_000;
    await live.query(CLUSTER, 'ab', { limit: 5 });
    expect(streams.syncs).toBe(2);
  });

  it('exports a time range widened to whole signed batches', async () => {
    // Events 25..47 by time (one minute apart from 00:00, seq = i + 1) → batches 3..5 → seq 21..50.
    const out = join(dir, 'snap.zip');
    const r = await live.export(CLUSTER, 'ab', { since: '2026-01-01T00:24:00Z', until: '2026-01-01T00:46:00Z' }, { out, overwrite: false });
    expect(r).toMatchObject({ path: out, events: 30, stream: STREAM, signerFingerprint: tenantKey.signer.fingerprint });
    await expect(live.export(CLUSTER, 'ab', {}, { out, overwrite: false })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(live.export(CLUSTER, undefined, {}, { out: join(dir, 'p.zip'), overwrite: false })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(live.export(CLUSTER, 'ab', { since: '2030-01-01T00:00:00Z' }, { out: join(dir, 'none.zip'), overwrite: false })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const v = await laptop.verifySnapshot({ file: out });
    expect(v).toMatchObject({ intact: true, firstSeq: 21, lastSeq: 50, events: 30, batches: 3 });
    expect(v.signers).toEqual([tenantKey.signer.fingerprint, key.signer.fingerprint]);
  });

  it('imports sealed under the laptop master key and reviews offline', async () => {
    const out = join(dir, 'snap.zip');
    const info = await laptop.importFile(out);
    expect(info).toMatchObject({ stream: STREAM, tenant: 'ab', cluster: CLUSTER, events: 30, createdBy: 'tenant_ab_auditor', signerFingerprint: tenantKey.signer.fingerprint });
    expect(await laptopSecrets.has(secretKey.installationMasterKey())).toBe(true);
    const row = laptopDb.prepare('SELECT sealed, info FROM audit_snapshots WHERE id = ?').get(info.id) as { sealed: Buffer; info: string };
    expect(row.sealed.includes(Buffer.from('csm-audit-snapshot/1'))).toBe(false); // the manifest is stored uncompressed in the zip
    expect(row.sealed.includes(Buffer.from('events.jsonl'))).toBe(false);
    expect(laptop.list().map((s) => s.id)).toEqual([info.id]);

    const page = await laptop.snapshotQuery(info.id, { limit: 10, type: 'SELECT' });
    expect(page.total).toBe(6);
    expect(page.events.every((e) => e.type === 'SELECT')).toBe(true);
    const first = await laptop.snapshotEvent(info.id, 21);
    expect(first).toMatchObject({ hashMatches: true, linkMatches: true, previous: { seq: 20 }, batch: { batch: 3, signatureValid: true } });
    const mid = await laptop.snapshotEvent(info.id, 33);
    expect(mid).toMatchObject({ hashMatches: true, linkMatches: true, previous: { seq: 32 }, batch: { batch: 4, firstSeq: 31, lastSeq: 40, signatureValid: true } });
    await expect(laptop.snapshotEvent(info.id, 51)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const rep = await laptop.snapshotReport(info.id, { out: join(dir, 'r.html'), overwrite: false });
    expect(rep.html).toContain('Verification: intact');
    expect(rep.html).toContain(tenantKey.signer.fingerprint);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toBe(rep.html);

    const csv = await laptop.snapshotCsv(info.id, { limit: 1, outcome: 'refused' }, { out: join(dir, 'e.csv'), overwrite: false });
    const want = [21, 28, 35, 42, 49].length; // i = seq-1 divisible by 7 → refused
    expect(csv.rows).toBe(want);
    expect(readFileSync(join(dir, 'e.csv'), 'utf8').trim().split('\r\n')).toHaveLength(want + 1);

    // The same import again is the same snapshot; the master key replaced → a clear error, not garbage.
    expect((await laptop.importFile(out)).id).toBe(info.id);
    const fresh = new SnapshotStore(laptopDb, vault(laptopSecrets));
    await laptopSecrets.set(secretKey.installationMasterKey(), Buffer.alloc(32, 7).toString('base64'));
    await expect(fresh.openSnapshot(info.id)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/sealed under installation master key/) });
    expect(laptop.removeSnapshot(info.id)).toEqual({ removed: true });
    expect(laptop.removeSnapshot(info.id)).toEqual({ removed: false });
  });

  it('a tampered file is named by verifySnapshot and refused by import', async () => {
    const out = join(dir, 'snap.zip');
    const bytes = readFileSync(out);
    // Flip one byte inside the stored (uncompressed) manifest: its signature must fail.
    const at = bytes.indexOf(Buffer.from('"createdBy": "tenant_ab_auditor"'));
    expect(at).toBeGreaterThan(0);
    const bad = Buffer.from(bytes);
    bad[at + 15] = 'X'.charCodeAt(0);
    const badPath = join(dir, 'bad.zip');
    writeFileSync(badPath, bad);
    const v = await laptop.verifySnapshot({ file: badPath });
    // A changed stored entry also breaks the zip's CRC: either way the file is refused, never imported.
    expect(v.intact).toBe(false);
    expect(v.problems[0]!.kind).toBe('manifest');
  });

  it('live CSV and report over the mirror', async () => {
    const csv = await live.csv(CLUSTER, 'ab', { limit: 10, user: 'bob' }, { out: join(dir, 'live.csv'), overwrite: false });
    expect(csv.rows).toBe(24);
    const rep = await live.report(CLUSTER, 'ab', {}, { overwrite: false });
    expect(rep.file).toBeNull();
    expect(rep.html).toContain('Verification: intact');
    expect(rep.html).toContain('<td>SELECT</td><td class="n">19</td>');
  });

  it('the sealing key opens a blob only under its own snapshot id and master key', async () => {
    const secrets = new MemorySecretStore();
    const v = vault(secrets);
    const { sealed, masterFingerprint } = await v.seal('a'.repeat(32), Buffer.from('evidence'));
    expect(sealed.includes(Buffer.from('evidence'))).toBe(false);
    expect((await v.open('a'.repeat(32), sealed, masterFingerprint)).toString()).toBe('evidence');
    await expect(v.open('b'.repeat(32), sealed, masterFingerprint)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/does not authenticate/) });
    await secrets.delete(secretKey.installationMasterKey());
    await expect(v.open('a'.repeat(32), sealed, masterFingerprint)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('saved filters: save, replace, list, delete', () => {
    live.saveFilter('refusals', { limit: 50, outcome: 'refused', beforeSeq: 9 });
    live.saveFilter('bob', { limit: 200, user: 'bob' });
    live.saveFilter('refusals', { limit: 50, outcome: 'refused', type: 'SELECT' });
    expect(live.filters().map((f) => [f.name, f.filter])).toEqual([
      ['bob', { limit: 200, user: 'bob' }],
      ['refusals', { limit: 50, outcome: 'refused', type: 'SELECT' }],
    ]);
    expect(live.deleteFilter('bob')).toEqual({ removed: true });
    expect(live.deleteFilter('bob')).toEqual({ removed: false });
    expect(live.filters()).toHaveLength(1);
  });
});
