import { generateKeyPairSync } from 'node:crypto';
import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verification } from '../../../src-shared/contract/audit';
import type { ModuleDeps } from '../../../src-main/app/module-deps';
import { localClient, type LocalClient } from '../../../src-main/ipc/local-client';
import { chainEvents, eventHash } from '../../../src-main/audit/streams/chain';
import { AuditStreamService } from '../../../src-main/audit/streams/service';
import { MasterKeyProvider } from '../../../src-main/keys/master';
import type { NewAuditEvent, StoredAuditEvent } from '../../../src-main/audit/types';
import { driverClient, node, realServices, unique } from '../../support/cassandra';
import { platformConsole, provision, scrub, userClient, type Svc } from '../tenancy/support';

const PW = 'correct-horse-battery';

/**
 * The shared dev node keeps the platform audit-signing key in csm_system, sealed under the master
 * key of whichever test run created it, and every run has its own master key: a key this run
 * cannot open is retired (public half kept, its batches keep verifying) and the next platform
 * flush creates the next version under this run's key. (A real second installation would import
 * the master key share instead; until it does, its platform-stream events stay in its local audit.)
 */
async function retireForeignPlatformKey(s: Svc): Promise<void> {
  const mine = (await new MasterKeyProvider(s.secrets, async () => null).current())?.fingerprint ?? null;
  const c = await driverClient();
  try {
    for (const r of (await c.execute('SELECT version, master_fingerprint, state FROM csm_system.audit_signing_keys')).rows) {
      if (r['state'] === 'active' && r['master_fingerprint'] !== mine) {
        await c.execute("UPDATE csm_system.audit_signing_keys SET state = 'retired', key_wrapped = null, retired_at = toTimestamp(now()) WHERE version = ?", [r['version']], { prepare: true });
      }
    }
  } finally {
    await c.shutdown();
  }
}

/**
 * The console's own trail on the real node: a platform console provisions tenants and changes
 * them; the events land in tenant_<id>_csm as a valid signed chain; a tenant admin's refused
 * reach into another tenant lands (through its inbox, sealed by the platform) in the stream of
 * the tenant it reached for; Cassandra keeps a tenant admin out of another tenant's stream; every
 * kind of direct tampering with the superuser driver is reported by audit.verify at its seq;
 * retention prunes behind a signed tombstone and the rest still verifies.
 */
describe('audit streams on the real node', () => {
  let platform: Svc;
  let papi: LocalClient;
  let cluster: string;
  let su: cassandra.Client;
  let port: AuditStreamService;
  const a = unique('aa');
  const b = unique('ab');
  const opened: Svc[] = [];

  const ok = <T,>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  };
  const verify = async (tenant?: string): Promise<Verification> => ok(await papi.call('audit.verify', { cluster, ...(tenant ? { tenant } : {}) }));
  /** Poll until the stream holds at least n events (record() flushes every 250 ms). */
  const until = async (tenant: string | undefined, pred: (v: Verification) => boolean, what: string): Promise<Verification> => {
    let v: Verification | null = null;
    for (let i = 0; i < 80; i++) {
      v = await verify(tenant);
      if (pred(v)) return v;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${what}: ${JSON.stringify(v)}`);
  };
  /** A mutating call on the tenant (an integration that does not exist: NOT_FOUND, recorded as an error). */
  const touch = async (tenant: string, name: string): Promise<void> => {
    const r = await papi.call('integration.remove', { cluster, tenant, name });
    expect(r.ok ? 'ok' : r.error.code).toBe('NOT_FOUND');
  };
  const rows = async (tenant: string): Promise<Record<string, unknown>[]> =>
    (await su.execute(`SELECT seq, event_type, user_name, outcome, error_code, origin, detail, batch_no FROM tenant_${tenant}_csm.audit_chain WHERE bucket = 0`)).rows.filter((r) => r['seq'] !== null);

  beforeAll(async () => {
    ({ svc: platform, api: papi, cluster } = await platformConsole());
    for (const id of [a, b]) {
      const saga = await provision(platform, papi, cluster, id);
      expect(saga.state, JSON.stringify(saga.steps)).toBe('succeeded');
    }
    su = await driverClient();
    await retireForeignPlatformKey(platform);
    // A second writer in this process over the same sessions (what audit-ingest uses: the port).
    const dispatch: ModuleDeps['dispatch'] = (channel, input) => platform.router.dispatch(channel, input, { host: 'cli' });
    port = new AuditStreamService({ ...platform, host: 'cli', dispatch, approvalPolicy: null as unknown as ModuleDeps['approvalPolicy'] });
  }, 240_000);

  afterAll(async () => {
    await port?.close();
    for (const s of opened) await s.close();
    await platform?.close();
    await su?.shutdown();
    await scrub([a, b]);
  });

  it("a platform console's mutations land in the tenant's stream as a valid signed chain", async () => {
    // Concurrent calls: queued together, one flush, one signed batch.
    // (removing integrations that do not exist: refused NOT_FOUND by the handler, recorded as errors)
    const results = await Promise.all(['one', 'two', 'three', 'four', 'five', 'six'].map((n) => papi.call('integration.remove', { cluster, tenant: a, name: `gone-${n}` })));
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(Array(6).fill('NOT_FOUND'));
    const v = await until(a, (x) => x.events >= 6, 'the six calls in the stream');
    expect(v).toMatchObject({ stream: `tenant:${a}`, intact: true, problems: [] });
    expect(v.signers).toHaveLength(1);
    const got = await rows(a);
    const removes = got.filter((r) => r['event_type'] === 'integration.remove');
    expect(removes).toHaveLength(6);
    expect(removes.every((r) => r['user_name'] === 'cassandra' && r['outcome'] === 'error' && r['error_code'] === 'NOT_FOUND' && r['origin'] === 'cli')).toBe(true);
    expect(removes.map((r) => JSON.parse(String(r['detail'])).input.name).sort()).toEqual(['gone-five', 'gone-four', 'gone-one', 'gone-six', 'gone-three', 'gone-two']);
    // The signing key that signed it is the tenant's (keys.status shows the same public key).
    const signers = await port.signers(cluster, `tenant:${a}`);
    expect(signers.map((s) => s.fingerprint)).toEqual(v.signers);
  });

  it('the platform stream is chained and signed with the platform key', async () => {
        // session.signOut/signIn are platform-stream events (no tenant)
    const p0 = (await verify()).lastSeq ?? 0;
    ok(await papi.call('session.signIn', { cluster }));
    const v = await until(undefined, (x) => (x.lastSeq ?? 0) > p0, 'the sign-in in the platform stream');
    expect(v.problems).toEqual([]);
    expect(v.stream).toBe('platform');
    const keys = (await su.execute("SELECT version, key_wrapped, public_key, master_fingerprint, state FROM csm_system.audit_signing_keys")).rows.filter((r) => r['state'] === 'active');
    expect(keys).toHaveLength(1);
    // sealed under this installation's master key, not a bare PKCS#8 key
    expect((keys[0]!['key_wrapped'] as Buffer)[0]).toBe(0xc5);
    expect(keys[0]!['master_fingerprint']).toBe((await new MasterKeyProvider(platform.secrets, async () => null).current())?.fingerprint);
    // the platform's signers include the retired versions (older batches keep verifying)
    expect((await port.signers(cluster, 'platform')).length).toBeGreaterThanOrEqual(1);
  });

  it("a tenant admin's inbox is sealed into its own stream only: a refused reach (or a forged row) aimed at another tenant never lands there", async () => {
    // b's tables exist (its own stream) before b's admin writes its inbox.
    await touch(b, 'prep');
    await until(b, (x) => x.events >= 1 && x.intact, "b's stream");
    const svc = await realServices('cli');
    opened.push(svc);
    const api = localClient(svc.router, { host: 'cli' });
    const name = unique('ta').replace(/_/g, '-');
    ok(await api.call('cluster.add', { name, contactPoints: [node().contactPoint], localDc: node().localDc, username: `tenant_${b}_u_boss`, password: PW }));
    const scope = ok(await api.call('session.signIn', { cluster: name }));
    expect([scope.platform, scope.tenantAdmin]).toEqual([false, [b]]);
    const refused = await api.call('integration.remove', { cluster: name, tenant: a, name: 'not-yours' });
    expect(refused.ok ? 'ok' : refused.error.code).toBe('FORBIDDEN');
    // A tenant admin console writes no chain (it cannot sign): the refusal waits in b's inbox.
    await svc.close();
    opened.splice(opened.indexOf(svc), 1);
    // b's admin also forges a row straight into its inbox, claiming a's stream, another user and an old time.
    const bAdmin = await userClient(`tenant_${b}_u_boss`, PW);
    try {
      const forged = { at: '2001-01-01T00:00:00.000Z', source: 'cassandra', type: 'tenant.delete', category: 'CONSOLE', user: 'cassandra', keyspace: null, scope: null, operation: 'forged \ud800 into a', outcome: 'ok', errorCode: null, origin: 'platform', detail: { x: 'y'.repeat(100) } };
      await bAdmin.execute(`INSERT INTO tenant_${b}_csm.audit_inbox (id, target, event, written_by, written_at) VALUES (now(), ?, ?, ?, ?)`, [`tenant:${a}`, JSON.stringify(forged), 'cassandra', new Date('2001-01-01T00:00:00Z')], { prepare: true });
    } finally {
      await bAdmin.shutdown();
    }
    const inbox = (await su.execute(`SELECT target, event, written_by FROM tenant_${b}_csm.audit_inbox`)).rows;
    expect(inbox.map((r) => [r['target'], r['written_by']])).toContainEqual([`tenant:${a}`, `tenant_${b}_u_boss`]);
    expect(inbox.map((r) => [r['target'], JSON.parse(String(r['event'])).type])).toContainEqual([`tenant:${b}`, 'session.signIn']);
    const aBefore = await verify(a);
    const bBefore = (await verify(b)).events;
    const pBefore = (await verify()).lastSeq ?? 0;
    ok(await papi.call('session.signIn', { cluster }));
    const bStream = await until(b, (x) => x.events >= bBefore + 3, "b's inbox sealed into b");
    expect(bStream).toMatchObject({ intact: true, problems: [] });
    expect((await su.execute(`SELECT id FROM tenant_${b}_csm.audit_inbox`)).rowLength).toBe(0);
    // Nothing reached a's stream.
    const aAfter = await verify(a);
    expect(aAfter.lastSeq).toBe(aBefore.lastSeq);
    expect((await rows(a)).some((r) => String(r['origin']).includes(`inbox of ${b}`))).toBe(false);
    // In b's stream: the refusal and the forged row, the node's WRITETIME as the time, the claims labelled.
    const bRows = (await rows(b)).filter((r) => String(r['origin']).includes(`inbox of ${b}`));
    const refusal = bRows.find((r) => r['event_type'] === 'integration.remove' && r['error_code'] === 'FORBIDDEN');
    expect(refusal).toMatchObject({ user_name: `tenant_${b}_u_boss`, outcome: 'refused' });
    expect(JSON.parse(String(refusal!['detail'])).inbox).toMatchObject({ tenant: b, crossTenant: true, claimed: { target: `tenant:${a}` } });
    const forgedRow = bRows.find((r) => r['event_type'] === 'tenant.delete');
    expect(forgedRow).toBeDefined();
    const fd = JSON.parse(String(forgedRow!['detail']));
    expect(fd.inbox.claimed).toMatchObject({ target: `tenant:${a}`, writtenBy: 'cassandra', at: '2001-01-01T00:00:00.000Z' });
    expect(Date.parse(fd.inbox.storedAt)).toBeGreaterThan(Date.parse('2020-01-01'));
    expect(String(forgedRow!['origin'])).toContain('claimed by its tenant console');
    // … and flagged in the platform stream.
    const p = await until(undefined, (x) => (x.lastSeq ?? 0) >= pBefore + 2, 'the cross-tenant flags in the platform stream');
    expect(p.problems).toEqual([]);
    const flags = (await su.execute('SELECT seq, event_type, operation FROM csm_system.audit_chain WHERE bucket = 0 AND seq > ?', [pBefore], { prepare: true })).rows.filter((r) => r['event_type'] === 'audit.inbox.crossTenant');
    expect(flags.filter((r) => String(r['operation']).includes(`inbox of ${b}`) && String(r['operation']).includes(`tenant:${a}`))).toHaveLength(2);
    // Only b's admin may write b's inbox; the auditor's MODIFY is gone.
    const perms = (await su.execute(`LIST MODIFY ON TABLE tenant_${b}_csm.audit_inbox`)).rows.map((r) => String(r['role']));
    expect(perms).toContain(`tenant_${b}_admin`);
    expect(perms).not.toContain(`tenant_${b}_auditor`);
  });

  it("Cassandra keeps a tenant admin out of another tenant's stream, and out of writing its own chain", async () => {
    const bAdmin = await userClient(`tenant_${b}_u_boss`, PW);
    try {
      const code = async (q: string, params: unknown[] = []): Promise<string> =>
        bAdmin.execute(q, params, { prepare: true }).then(
          () => 'ok',
          (e: unknown) => (/unauthorized|permission|access/i.test(String((e as Error).message)) ? 'unauthorized' : String((e as Error).message)),
        );
      expect(await code(`SELECT * FROM tenant_${a}_csm.audit_chain`)).toBe('unauthorized');
      expect(await code(`INSERT INTO tenant_${a}_csm.audit_inbox (id, target, event) VALUES (now(), 'x', 'y')`)).toBe('unauthorized');
      expect(await code(`UPDATE tenant_${b}_csm.audit_chain SET operation = 'x' WHERE bucket = 0 AND seq = 1`)).toBe('unauthorized');
      expect(await code(`SELECT seq FROM tenant_${b}_csm.audit_chain WHERE bucket = 0 LIMIT 1`)).toBe('ok');
    } finally {
      await bAdmin.shutdown();
    }
    // and the router refuses b's admin a's stream before Cassandra is asked
    const svc = await realServices('cli');
    opened.push(svc);
    const api = localClient(svc.router, { host: 'cli' });
    const name = unique('tb').replace(/_/g, '-');
    ok(await api.call('cluster.add', { name, contactPoints: [node().contactPoint], localDc: node().localDc, username: `tenant_${b}_u_boss`, password: PW }));
    ok(await api.call('session.signIn', { cluster: name }));
    const r = await api.call('audit.verify', { cluster: name, tenant: a });
    expect(r.ok ? 'ok' : r.error.code).toBe('FORBIDDEN');
    // b's admin verifies its own stream with the public key only (no KEK on that console)
    const own = await api.call('audit.verify', { cluster: name, tenant: b });
    expect(own.ok && own.value.intact).toBe(true);
  });

  describe('tampering with the superuser driver is reported at its position', () => {
    const T = () => `tenant_${a}_csm.audit_chain`;
    let saved: string[] = [];
    let head = 0;
    const defaultWindow = AuditStreamService.verifyWindow;
    afterAll(() => {
      AuditStreamService.verifyWindow = defaultWindow;
    });

    beforeAll(async () => {
      // A run of events in one signed batch through the port (as ingestion appends).
      const events: NewAuditEvent[] = Array.from({ length: 10 }, (_, i) => ({
        at: new Date().toISOString(), source: 'cassandra', type: 'SELECT', category: 'QUERY', user: `tenant_${a}_u_boss`, keyspace: `tenant_${a}_data`,
        scope: 'events', operation: `SELECT * FROM events WHERE k = ${i}`, outcome: 'ok', errorCode: null, origin: '127.0.0.1:9042', detail: { line: i }, key: `tamper-${i}`,
      }));
      const r = await port.append(cluster, `tenant:${a}`, events);
      expect(r).toMatchObject({ appended: 10, duplicates: 0 });
      head = r.lastSeq!;
      expect((await verify(a)).intact).toBe(true);
      saved = (await su.execute(`SELECT JSON * FROM ${T()} WHERE bucket = 0`)).rows.map((x) => String(x['[json]']));
    });

    /** Put the partition back exactly as it was. */
    const restore = async (): Promise<void> => {
      await su.execute(`DELETE FROM ${T()} WHERE bucket = 0`);
      for (const j of saved) await su.execute(`INSERT INTO ${T()} JSON ?`, [j], { prepare: true });
      expect((await verify(a)).intact).toBe(true);
    };
    const row = async (seq: number): Promise<Record<string, unknown>> => JSON.parse(saved.find((j) => JSON.parse(j).seq === seq)!) as Record<string, unknown>;
    const put = async (r: Record<string, unknown>): Promise<void> => {
      const { head_seq: _1, head_hash: _2, head_batch: _3, head_at: _4, ...rest } = r;
      await su.execute(`INSERT INTO ${T()} JSON ? DEFAULT UNSET`, [JSON.stringify(rest)], { prepare: true });
    };
    const problems = async () => (await verify(a)).problems.map((p) => [p.kind, p.seq]);
    /** Tamper, check, and always put the partition back. */
    const tampered = async (fn: () => Promise<void>): Promise<void> => {
      try {
        await fn();
      } finally {
        await restore();
      }
    };

    it('verified in windows of 12 events (cut at batch ends, each anchored on the one before) it reads exactly as in one window: intact, and with an edited event', () =>
      tampered(async () => {
        const summary = (v: Verification) => ({ intact: v.intact, events: v.events, batches: v.batches, firstSeq: v.firstSeq, lastSeq: v.lastSeq, headHash: v.headHash, problems: v.problems.map((p) => [p.kind, p.seq]) });
        const both = async () => {
          AuditStreamService.verifyWindow = 12;
          try {
            const windowed = await verify(a);
            AuditStreamService.verifyWindow = defaultWindow;
            return { windowed, whole: await verify(a) };
          } finally {
            AuditStreamService.verifyWindow = defaultWindow;
          }
        };
        const clean = await both();
        expect(clean.whole.events).toBeGreaterThan(12); // more than one window of 12
        expect(clean.windowed.intact).toBe(true);
        expect(summary(clean.windowed)).toEqual(summary(clean.whole));
        const s = head - 5;
        await su.execute(`UPDATE ${T()} SET operation = 'SELECT * FROM secrets' WHERE bucket = 0 AND seq = ?`, [s], { prepare: true });
        const edited = await both();
        expect(summary(edited.windowed).problems).toContainEqual(['edited', s]);
        expect(summary(edited.windowed)).toEqual(summary(edited.whole));
      }));

    it('edited field', () =>
      tampered(async () => {
        const s = head - 5;
        await su.execute(`UPDATE ${T()} SET operation = 'SELECT * FROM secrets' WHERE bucket = 0 AND seq = ?`, [s], { prepare: true });
        expect(await problems()).toEqual([['edited', s]]);
      }));

    it('deleted event', () =>
      tampered(async () => {
        const s = head - 4;
        await su.execute(`DELETE FROM ${T()} WHERE bucket = 0 AND seq = ?`, [s], { prepare: true });
        expect(await problems()).toEqual([['deleted', s]]);
      }));

    it('inserted event (the later ones moved up by one)', () =>
      tampered(async () => {
        const s = head - 3;
        for (let q = head; q >= s; q--) await put({ ...(await row(q)), seq: q + 1 });
        const prev = await row(s - 1);
        const forged = chainEvents(`tenant:${a}`, { seq: s - 1, hash: String(prev['hash']) }, [
          { at: new Date().toISOString(), source: 'console', type: 'tenant.resume', category: 'CONSOLE', user: 'mallory', keyspace: null, scope: null, operation: 'forged', outcome: 'ok', errorCode: null, origin: 'cli', detail: null },
        ])[0]!;
        await put({ ...(await row(s)), seq: s, at: forged.at, operation: forged.operation, user_name: 'mallory', event_type: 'tenant.resume', source: 'console', category: 'CONSOLE', keyspace_name: null, scope: null, outcome: 'ok', error_code: null, origin: 'cli', detail: 'null', hash: forged.hash, prev_hash: forged.prevHash, batch_no: null, batch_first: null, key_version: null, signer: null, signature: null, signed_at: null });
        const p = await problems();
        // the moved batch head also breaks its batch signature and the recorded head; the chain names the insertion
        expect(p.filter(([k]) => k === 'inserted' || k === 'edited' || k === 'deleted' || k === 'reordered')).toEqual([['inserted', s]]);
      }));

    it('reordered pair', () =>
      tampered(async () => {
        const s = head - 6;
        const [x, y] = [await row(s), await row(s + 1)];
        await put({ ...y, seq: s });
        await put({ ...x, seq: s + 1 });
        expect(await problems()).toEqual([['reordered', s]]);
      }));

    it('bad signature', () =>
      tampered(async () => {
        const h = await row(head);
        await su.execute(`UPDATE ${T()} SET signature = ? WHERE bucket = 0 AND seq = ?`, [Buffer.alloc(64, 7), head], { prepare: true });
        const v = await verify(a);
        expect(v.problems.map((p) => [p.kind, p.batch])).toEqual([['bad-signature', Number(h['batch_no'])]]);
      }));

    it('unknown signer', () =>
      tampered(async () => {
        await su.execute(`UPDATE ${T()} SET signer = ? WHERE bucket = 0 AND seq = ?`, ['ab'.repeat(32), head], { prepare: true });
        expect(await problems()).toEqual([['unknown-key', head - 9]]);
      }));

    it('truncated head (the newest events deleted)', () =>
      tampered(async () => {
        await su.execute(`DELETE FROM ${T()} WHERE bucket = 0 AND seq >= ? AND seq <= ?`, [head - 1, head], { prepare: true });
        const p = await problems();
        expect(p).toContainEqual(['head-mismatch', head - 1]);
      }));

    it('the head record wiped: events past it are still read and reported', () =>
      tampered(async () => {
        await su.execute(`UPDATE ${T()} SET head_seq = null, head_hash = null, head_batch = null WHERE bucket = 0`);
        const v = await verify(a);
        expect(v.events).toBe(head);
        expect(v.problems.map((p) => p.kind)).toContain('head-mismatch');
      }));

    it("a replaced signing public key (an attacker's key in data_keys) is not trusted: its private half does not match (review #3)", async () => {
      const dk = `tenant_${a}_csm.data_keys`;
      const rows = (await su.execute(`SELECT purpose, version, public_key, state FROM ${dk}`)).rows.filter((r) => r['purpose'] === 'signing' && r['state'] === 'active');
      expect(rows).toHaveLength(1);
      const original = rows[0]!['public_key'] as Buffer;
      const attacker = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
      try {
        await su.execute(`UPDATE ${dk} SET public_key = ? WHERE purpose = 'signing' AND version = ?`, [attacker, rows[0]!['version']], { prepare: true });
        platform.keys.for(cluster).forget(a); // as a console that has not cached the genuine record would read it
        const v = await verify(a);
        expect(v.intact).toBe(false);
        expect(v.problems[0]).toMatchObject({ kind: 'unknown-key', message: expect.stringMatching(/is not trusted/) });
      } finally {
        await su.execute(`UPDATE ${dk} SET public_key = ? WHERE purpose = 'signing' AND version = ?`, [original, rows[0]!['version']], { prepare: true });
        platform.keys.for(cluster).forget(a);
      }
      expect((await verify(a)).intact).toBe(true);
    });

    it('audit.event gives the chain proof; a tampered event fails it', () =>
      tampered(async () => {
        const s = head - 2;
        const proof = ok(await papi.call('audit.event', { cluster, tenant: a, seq: s }));
        expect(proof).toMatchObject({ hashMatches: true, linkMatches: true, previous: { seq: s - 1 }, batch: { lastSeq: head, signatureValid: true } });
        expect(proof.recomputedHash).toBe(eventHash(proof.event.prevHash, proof.event as StoredAuditEvent));
        await su.execute(`UPDATE ${T()} SET user_name = 'mallory' WHERE bucket = 0 AND seq = ?`, [s], { prepare: true });
        const bad = ok(await papi.call('audit.event', { cluster, tenant: a, seq: s }));
        expect(bad.hashMatches).toBe(false);
        const missing = await papi.call('audit.event', { cluster, tenant: a, seq: 999_999 });
        expect(missing.ok ? 'ok' : missing.error.code).toBe('NOT_FOUND');
      }));
  });

  it('idempotent append: the same keys again are duplicates, nothing appended', async () => {
    const ev = (i: number): NewAuditEvent => ({ at: new Date().toISOString(), source: 'cassandra', type: 'LOGIN_ERROR', category: 'AUTH', user: 'x', keyspace: null, scope: null, operation: `login ${i}`, outcome: 'error', errorCode: null, origin: 'n1', detail: null, key: `dup-${i}` });
    const first = await port.append(cluster, `tenant:${b}`, [ev(1), ev(2), ev(2)]);
    expect(first).toMatchObject({ appended: 2, duplicates: 1 });
    // A crash between the chunk's commit and its idempotency rows: the rows are gone, the events
    // are in the chain. The retry finds them by the key they carry (detail.idem) and repairs the rows.
    await su.execute(`DELETE FROM tenant_${b}_csm.audit_keys WHERE key IN ?`, [['dup-1', 'dup-2']], { prepare: true });
    const again = await port.append(cluster, `tenant:${b}`, [ev(1), ev(2), ev(3)]);
    expect(again).toMatchObject({ appended: 1, duplicates: 2, firstSeq: first.lastSeq! + 1 });
    const restored = (await su.execute(`SELECT key, seq FROM tenant_${b}_csm.audit_keys WHERE key IN ?`, [['dup-1', 'dup-2']], { prepare: true })).rows.map((r) => [String(r['key']), Number(r['seq'])]);
    expect(restored.sort()).toEqual([['dup-1', first.firstSeq], ['dup-2', first.lastSeq]]);
    const bad = await port.append(cluster, 'tenant:NOPE', [ev(1)]).then(() => 'ok', (e: Error) => e.message);
    expect(bad).not.toBe('ok');
  });

  it('sync builds the live index in memory; the cache file keeps only the witness head, which a later session checks', async () => {
    const s = ok(await papi.call('audit.sync', { cluster, tenant: b }));
    expect(s.fetched).toBeGreaterThan(0);
    // Events never rest in clear in the cache file: no event table there, only the witness head.
    const tables = (platform.store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
    expect(tables).not.toContain('audit_events');
    expect(tables).not.toContain('audit_events_fts');
    const witness = platform.store.db.prepare('SELECT seq, hash FROM audit_witness_heads WHERE source = ? AND stream = ?').get(`live:${cluster}`, `tenant:${b}`) as { seq: number; hash: string };
    expect(witness.seq).toBe(s.lastSeq);
    // The index (FTS included) answers from memory.
    const found = ok(await papi.call('audit.query', { cluster, tenant: b, filter: { text: 'login' } }));
    expect(found.events.length).toBeGreaterThan(0);
    expect(ok(await papi.call('audit.sync', { cluster, tenant: b })).fetched).toBe(0);

    // A new session (an empty index in memory, the same cache file) rebuilds from Cassandra and
    // checks the witness: a stream rewritten in Cassandra at the witnessed seq is refused.
    const dispatch: ModuleDeps['dispatch'] = (channel, input) => platform.router.dispatch(channel, input, { host: 'cli' });
    const later = new AuditStreamService({ ...platform, host: 'cli', dispatch, approvalPolicy: null as unknown as ModuleDeps['approvalPolicy'] });
    try {
      const T = `tenant_${b}_csm.audit_chain`;
      const bucket = 0; // a small stream: one bucket (AUDIT_BUCKET_EVENTS per bucket)
      await su.execute(`UPDATE ${T} SET hash = ? WHERE bucket = ? AND seq = ?`, ['f'.repeat(64), bucket, witness.seq], { prepare: true });
      const refused = await later.sync(cluster, `tenant:${b}`).then(() => null, (e: { code?: string; message: string }) => e);
      expect(refused).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`at seq ${witness.seq}`) });
      await su.execute(`UPDATE ${T} SET hash = ? WHERE bucket = ? AND seq = ?`, [witness.hash, bucket, witness.seq], { prepare: true });
      const rebuilt = await later.sync(cluster, `tenant:${b}`);
      expect(rebuilt.lastSeq).toBeGreaterThanOrEqual(s.lastSeq!);
      // Rebuilt from the start: at least everything the first session fetched, at most what is there now.
      expect(rebuilt.fetched).toBeGreaterThanOrEqual(s.fetched);
      expect(rebuilt.fetched).toBeLessThanOrEqual((await verify(b)).events);
    } finally {
      await later.close();
    }
  });

  it('retention: audit.prune with the real policy prunes nothing; past the cutoff it prunes whole batches behind a signed tombstone that verifies', async () => {
    const n0 = (await verify(b)).events;
    const r = ok(await papi.call('audit.prune', { cluster, tenant: b }));
    expect(r).toMatchObject({ stream: `tenant:${b}`, pruned: 0, tombstoneSeq: null, retentionDays: 365 });
    // the prune call itself is in b's trail
    const before = await until(b, (x) => x.events === n0 + 1, 'the audit.prune call recorded');
    expect((await rows(b)).map((x) => x['event_type'])).toContain('audit.prune');
    // A year and more from now, every event so far is past retention.
    const later = new Date(Date.now() + 400 * 86_400_000);
    // A range that does not verify is never pruned (the evidence would vanish): CONFLICT naming the problem.
    const T = `tenant_${b}_csm.audit_chain`;
    const orig = (await su.execute(`SELECT operation FROM ${T} WHERE bucket = 0 AND seq = 2`)).first()!['operation'];
    await su.execute(`UPDATE ${T} SET operation = 'hidden' WHERE bucket = 0 AND seq = 2`);
    const refused = await port.prune(cluster, b, later).then(() => null, (e: { code?: string; message: string }) => e);
    expect(refused).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/do not verify.*edited at seq 2/) });
    expect((await verify(b)).problems.map((x) => [x.kind, x.seq])).toEqual([['edited', 2]]);
    await su.execute(`UPDATE ${T} SET operation = ? WHERE bucket = 0 AND seq = 2`, [orig], { prepare: true });
    const p = await port.prune(cluster, b, later);
    expect(p.pruned).toBe(before.events);
    expect(p.tombstoneSeq).toBe(before.lastSeq! + 1);
    const after = await verify(b);
    expect(after).toMatchObject({ intact: true, events: 1, firstSeq: p.tombstoneSeq, lastSeq: p.tombstoneSeq });
    // the tombstone is signed, names the range and the last pruned hash
    const stone = (await su.execute(`SELECT source, event_type, category, detail FROM tenant_${b}_csm.audit_chain WHERE bucket = 0 AND seq = ?`, [p.tombstoneSeq], { prepare: true })).first()!;
    expect(stone).toMatchObject({ source: 'retention', event_type: 'TOMBSTONE', category: 'RETENTION' });
    expect(JSON.parse(String(stone['detail']))).toMatchObject({ prunedFrom: 1, prunedTo: before.lastSeq, lastPrunedHash: before.headHash, prunedIntact: true });
    // the tombstone's proof links to the last pruned hash
    const proof = ok(await papi.call('audit.event', { cluster, tenant: b, seq: p.tombstoneSeq! }));
    expect(proof).toMatchObject({ hashMatches: true, linkMatches: true, previous: { seq: before.lastSeq, hash: before.headHash }, batch: { signatureValid: true } });
    // later events chain on; edits are still caught
    await touch(b, 'after-prune');
    const v = await until(b, (x) => x.events >= 2, 'an event after the tombstone');
    expect(v.intact).toBe(true);
    await su.execute(`UPDATE tenant_${b}_csm.audit_chain SET operation = 'x' WHERE bucket = 0 AND seq = ?`, [p.tombstoneSeq! + 1], { prepare: true });
    expect((await verify(b)).problems.map((x) => [x.kind, x.seq])).toEqual([['edited', p.tombstoneSeq! + 1]]);
    // the mirror follows the tombstone
    const s = await port.sync(cluster, `tenant:${b}`).then(() => 'ok', (e: Error) => e.message);
    expect(s).toBe('ok');
    const left = port.index.prepare('SELECT MIN(seq) AS first FROM audit_events WHERE source = ? AND stream = ?').get(`live:${cluster}`, `tenant:${b}`) as { first: number };
    expect(left.first).toBe(p.tombstoneSeq);
  });
});
