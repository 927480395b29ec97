import { describe, expect, it } from 'vitest';
import { contract, type ChannelName } from '../../../src-shared/contract';
import { AppError } from '../../../src-main/app/errors';
import { EventBus } from '../../../src-main/app/events';
import { JobRunner } from '../../../src-main/app/jobs';
import type { CallContext } from '../../../src-main/ipc/router';
import type { ConnectionManager } from '../../../src-main/cassandra/connections';
import { keyHandlers, rotationProgress, type KeyHandlers } from '../../../src-main/keys/handlers';
import type { KeyService } from '../../../src-main/keys/hierarchy';
import { MemorySecretStore, MemoryCacheStore } from '../../../src-main/keys/memory-stores';
import type { KeyPolicyStore } from '../../../src-main/keys/policy-store';
import { DEFAULT_KEY_POLICY, type TenantKeyPolicy } from '../../../src-main/keys/policy';
import { ClusterKeys } from '../../../src-main/keys/registry';
import type { RotationPhase } from '../../../src-main/keys/rotation';
import type { Job, JobProgress } from '../../../src-shared/contract/app';
import type { SecretStore } from '../../../src-main/secrets/types';
import { codeOf, world } from './helpers';

const PASS = 'correct horse battery staple';
const NOW = new Date('2025-06-01T00:00:00.000Z');

/** ClusterKeys whose clusters are the in-memory "cluster" of helpers.world(); the master-key half is the real code. */
class TestKeys extends ClusterKeys {
  readonly policyRows = new Map<string, TenantKeyPolicy>();
  constructor(
    secrets: SecretStore,
    private readonly svc: KeyService | null,
  ) {
    super({ secrets, connections: { operator: () => null } as unknown as ConnectionManager, cache: new MemoryCacheStore() });
  }
  override for(cluster: string): KeyService {
    if (!this.svc) throw new AppError('NOT_SIGNED_IN', `sign in to cluster ${cluster} first`);
    return this.svc;
  }
  override policies(): KeyPolicyStore {
    return {
      get: async (t: string) => ({ policy: this.policyRows.get(t) ?? DEFAULT_KEY_POLICY, stored: this.policyRows.has(t) }),
      set: async (t: string, p: TenantKeyPolicy) => (this.policyRows.set(t, p), { policy: p, stored: true }),
    } as unknown as KeyPolicyStore;
  }
}

function setup(secrets = new MemorySecretStore()) {
  const w = world();
  const c = w.consoleOn(secrets);
  const keys = new TestKeys(secrets, c.keys);
  const jobsSeen: Job[] = [];
  const events: JobProgress[] = [];
  const bus = new EventBus();
  bus.subscribe((name, p) => name === 'job.progress' && events.push(p as JobProgress));
  const jobs = new JobRunner({ store: { upsert: (j) => jobsSeen.push({ ...j }), list: () => jobsSeen }, bus });
  const handlers = keyHandlers({ keys, jobs, now: () => NOW });
  return { w, c, keys, handlers, events, secrets, jobs };
}

const ctx = { caller: { host: 'cli' }, signal: new AbortController().signal, emit: () => undefined, tenant: null } as CallContext;

/** Parse the input as the router does, call the handler, and hold the output to its contract. */
async function call<C extends ChannelName & keyof KeyHandlers>(h: KeyHandlers, channel: C, input: unknown) {
  const def = contract[channel];
  const parsed = def.input.parse(input);
  const out = await (h[channel] as (i: unknown, c: CallContext) => Promise<unknown>)(parsed, ctx);
  return def.output.parse(out) as Awaited<ReturnType<KeyHandlers[C]>>;
}

describe('key channel handlers (unit: in-memory cluster, real key code)', () => {
  it('status adds "rotation due" from the tenant policy, one tenant or every tenant', async () => {
    const { c, keys, handlers } = setup();
    await c.keys.ensureTenantKeys('acme');
    await c.keys.ensureTenantKeys('globex');
    const [acme] = await call(handlers, 'keys.status', { cluster: 'c1', tenant: 'acme' });
    expect(acme!.kek.current).toBe(1);
    expect(acme!.rotation).toMatchObject({ due: false, intervalDays: 90 });
    keys.policyRows.set('acme', { ...DEFAULT_KEY_POLICY, rotationIntervalDays: 1 });
    const later = keyHandlers({ keys, jobs: new JobRunner({ store: { upsert: () => undefined, list: () => [] }, bus: new EventBus() }), now: () => new Date(Date.now() + 3 * 86_400_000) });
    const all = await call(later, 'keys.status', { cluster: 'c1' });
    expect(all.map((s) => [s.tenantId, s.rotation.due, s.rotation.intervalDays])).toEqual([
      ['acme', true, 1],
      ['globex', false, 90],
    ]);
  });

  it('rotate answers with the job id at once; progress only moves forward and ends at 1; the report is read after', async () => {
    const { c, handlers, events, jobs } = setup();
    await c.keys.ensureTenantKeys('acme');
    for (let i = 0; i < 40; i++) await c.cache.put('acme', `cfg/${i}`, `value ${i}`);
    const r = await call(handlers, 'keys.rotate', { cluster: 'c1', tenant: 'acme' });
    expect(r).toEqual({ jobId: expect.any(String), cluster: 'c1', tenant: 'acme', label: 'Rotate keys of tenant acme on c1' });
    // The answer came before the work: the job is still running and has no report yet.
    expect(jobs.isRunning(r.jobId)).toBe(true);
    expect(await call(handlers, 'keys.rotationReport', { cluster: 'c1', tenant: 'acme', jobId: r.jobId })).toMatchObject({ state: 'running', report: null, error: null, finishedAt: null });
    // A second rotation of the same tenant while this one runs is refused, naming the job.
    expect(await codeOf(call(handlers, 'keys.rotate', { cluster: 'c1', tenant: 'acme' }))).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(r.jobId) });

    await jobs.wait(r.jobId);
    const mine = events.filter((e) => e.jobId === r.jobId);
    expect(mine[0]!.kind).toBe('keys.rotate');
    expect(mine.at(-1)).toMatchObject({ state: 'succeeded', fraction: 1 });
    const fractions = mine.filter((e) => e.state === 'running').map((e) => e.fraction!);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(mine.some((e) => e.step === 're-encrypting cached values')).toBe(true);
    const out = await call(handlers, 'keys.rotationReport', { cluster: 'c1', tenant: 'acme', jobId: r.jobId });
    expect(out).toMatchObject({ jobId: r.jobId, state: 'succeeded', error: null, report: { tenantId: 'acme', kekVersion: 2, reencrypted: 40, resumed: false, retiredKekVersions: [1] } });
    expect(out.finishedAt).not.toBeNull();
    expect(await c.cache.getText('acme', 'cfg/7')).toBe('value 7');
    // Free again: the next rotation starts.
    const again = await call(handlers, 'keys.rotate', { cluster: 'c1', tenant: 'acme' });
    await jobs.wait(again.jobId);
    expect((await call(handlers, 'keys.rotationReport', { cluster: 'c1', tenant: 'acme', jobId: again.jobId })).report!.kekVersion).toBe(3);
  });

  it('a failed rotation is reported with its code; an unknown or mismatched job is NOT_FOUND', async () => {
    const { handlers, jobs } = setup();
    const r = await call(handlers, 'keys.rotate', { cluster: 'c1', tenant: 'nokeys' });
    await jobs.wait(r.jobId)?.catch(() => undefined);
    expect(await call(handlers, 'keys.rotationReport', { cluster: 'c1', tenant: 'nokeys', jobId: r.jobId })).toMatchObject({
      state: 'failed',
      report: null,
      error: { code: 'NOT_FOUND', message: expect.stringContaining('nokeys') },
    });
    expect((await codeOf(call(handlers, 'keys.rotationReport', { cluster: 'c1', tenant: 'acme', jobId: r.jobId }))).code).toBe('NOT_FOUND');
    expect((await codeOf(call(handlers, 'keys.rotationReport', { cluster: 'c1', tenant: 'nokeys', jobId: 'no-such-job' }))).message).toMatch(/console that ran the rotation/);
  });

  it('not signed in is the answer of keys.rotate itself, no job started', async () => {
    const events: JobProgress[] = [];
    const bus = new EventBus();
    bus.subscribe((name, p) => name === 'job.progress' && events.push(p as JobProgress));
    const h = keyHandlers({ keys: new TestKeys(new MemorySecretStore(), null), jobs: new JobRunner({ store: { upsert: () => undefined, list: () => [] }, bus }) });
    expect((await codeOf(call(h, 'keys.rotate', { cluster: 'c1', tenant: 'acme' }))).code).toBe('NOT_SIGNED_IN');
    expect(events).toEqual([]);
  });

  it('maps every rotation phase inside [0, 1], in order', () => {
    const phases: RotationPhase[] = ['kek', 'rewrap', 'retire-kek', 'data-key', 'reencrypt', 'retire-data-key'];
    let last = 0;
    for (const phase of phases) {
      for (const done of [0, 1, 2]) {
        const f = rotationProgress({ tenantId: 't', phase, done, total: 2 }).fraction;
        expect(f).toBeGreaterThanOrEqual(last);
        expect(f).toBeLessThanOrEqual(1);
        last = f;
      }
    }
    expect(rotationProgress({ tenantId: 't', phase: 'reencrypt', done: 0, total: 0 }).fraction).toBeCloseTo(0.95);
  });

  it('master share: export, import on a second console, same fingerprint; no key bytes in any output', async () => {
    const a = setup();
    await a.c.keys.ensureTenantKeys('acme');
    const masterB64 = [...a.secrets.entries.values()][0]!;
    const status = await call(a.handlers, 'keys.masterStatus', {});
    expect(status.present).toBe(true);
    const exported = await call(a.handlers, 'keys.exportShare', { passphrase: PASS });
    expect(exported.fingerprint).toBe(status.fingerprint);
    expect(exported.fileName).toMatch(/^csm-master-share-[0-9a-f]{16}-2025-06-01\.json$/);
    expect(JSON.stringify(exported)).not.toContain(masterB64);
    expect(JSON.stringify(exported)).not.toContain(Buffer.from(masterB64, 'base64').toString('hex'));

    const b = setup();
    expect(await call(b.handlers, 'keys.masterStatus', {})).toEqual({ present: false, fingerprint: null });
    const imported = await call(b.handlers, 'keys.importShare', { secretShare: exported.text, passphrase: PASS });
    expect(imported).toEqual({ fingerprint: status.fingerprint, replaced: null, unchanged: false });
    expect([...b.secrets.entries.values()]).toEqual([masterB64]);
    expect(await call(b.handlers, 'keys.importShare', { secretShare: exported.text, passphrase: PASS })).toMatchObject({ unchanged: true });
  });

  it('master share faults: wrong passphrase, truncated, tampered, another key here: clear codes, keychain untouched', async () => {
    const a = setup();
    await a.c.keys.ensureTenantKeys('acme');
    const { text } = await call(a.handlers, 'keys.exportShare', { passphrase: PASS });
    const b = setup();
    await b.c.keys.ensureTenantKeys('other'); // b has its own, different master key
    const before = new Map(b.secrets.entries);
    const fail = (input: unknown) => codeOf(call(b.handlers, 'keys.importShare', input));

    expect((await fail({ secretShare: text, passphrase: 'not the passphrase' })).code).toBe('AUTH_FAILED');
    expect((await fail({ secretShare: text.slice(0, text.length / 2), passphrase: PASS })).message).toMatch(/truncated/);
    const tampered = JSON.parse(text) as { ciphertext: string };
    tampered.ciphertext = Buffer.from(Buffer.from(tampered.ciphertext, 'base64').map((x, i) => (i === 3 ? x ^ 1 : x))).toString('base64');
    expect(await fail({ secretShare: JSON.stringify(tampered), passphrase: PASS })).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/altered/) });
    const other = await fail({ secretShare: text, passphrase: PASS });
    expect(other.code).toBe('CONFLICT');
    expect(b.secrets.entries).toEqual(before);
    for (const v of before.values()) expect(other.message).not.toContain(v);
  });

  it('the contract refuses a short passphrase before any handler runs', () => {
    expect(contract['keys.exportShare'].input.safeParse({ passphrase: 'short' }).success).toBe(false);
    expect(contract['keys.exportTenantShare'].input.safeParse({ cluster: 'c1', tenant: 'acme', passphrase: 'x'.repeat(11) }).success).toBe(false);
    expect(contract['keys.importShare'].input.safeParse({ secretShare: '', passphrase: PASS }).success).toBe(false);
  });

  it('a locked keychain is KEYCHAIN_LOCKED, not an empty one', async () => {
    const locked: SecretStore = {
      get: async () => {
        throw new AppError('KEYCHAIN_LOCKED', 'the keyring is locked');
      },
      set: async () => {
        throw new AppError('KEYCHAIN_LOCKED', 'the keyring is locked');
      },
      delete: async () => false,
      has: async () => false,
      describe: () => ({ backend: 'keychain', location: 'test' }),
    } as unknown as SecretStore;
    const keys = new TestKeys(locked, null);
    const h = keyHandlers({ keys, jobs: new JobRunner({ store: { upsert: () => undefined, list: () => [] }, bus: new EventBus() }) });
    expect((await codeOf(call(h, 'keys.masterStatus', {}))).code).toBe('KEYCHAIN_LOCKED');
    expect((await codeOf(call(h, 'keys.exportShare', { passphrase: PASS }))).code).toBe('KEYCHAIN_LOCKED');
  });

  it('tenant share and escrow: text and file name, no KEK in the output; import names the tenant', async () => {
    const a = setup();
    await a.c.keys.ensureTenantKeys('acme');
    const share = await call(a.handlers, 'keys.exportTenantShare', { cluster: 'c1', tenant: 'acme', passphrase: PASS });
    expect(share).toMatchObject({ tenant: 'acme', fileName: 'csm-tenant-share-acme-2025-06-01.json' });
    const b = setup();
    expect(await call(b.handlers, 'keys.importTenantShare', { secretShare: share.text, passphrase: PASS })).toEqual({ tenant: 'acme', versions: [1] });
    expect((await codeOf(call(b.handlers, 'keys.importTenantShare', { secretShare: share.text, passphrase: 'wrong wrong wrong' }))).code).toBe('AUTH_FAILED');

    const { generateKeyPairSync } = await import('node:crypto');
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const escrow = await call(a.handlers, 'keys.exportEscrow', { cluster: 'c1', tenant: 'acme', publicKeyPem: pem });
    expect(JSON.parse(escrow.text)).toMatchObject({ format: 'csm-key-escrow', tenantId: 'acme' });
    expect((await codeOf(call(a.handlers, 'keys.exportEscrow', { cluster: 'c1', tenant: 'acme', publicKeyPem: 'not a pem' }))).code).toBe('BAD_INPUT');
  });

  it('policy: default until set; a bad policy is refused', async () => {
    const { handlers } = setup();
    expect(await call(handlers, 'keys.policy', { cluster: 'c1', tenant: 'acme' })).toEqual({ policy: DEFAULT_KEY_POLICY, stored: false });
    const p = { algorithms: ['ec'], minRsaBits: 4096, curves: ['P-384'], rotationIntervalDays: 30 };
    expect(await call(handlers, 'keys.setPolicy', { cluster: 'c1', tenant: 'acme', policy: p })).toEqual({ policy: p, stored: true });
    expect(contract['keys.setPolicy'].input.safeParse({ cluster: 'c1', tenant: 'acme', policy: { ...p, minRsaBits: 1024 } }).success).toBe(false);
  });
});
