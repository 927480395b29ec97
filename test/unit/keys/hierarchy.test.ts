import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/app/errors';
import { envelopeKeyVersion } from '../../../src-main/keys/envelope';
import { masterFingerprint } from '../../../src-main/keys/master';
import { MemorySecretStore } from '../../../src-main/keys/memory-stores';
import type { SecretStore } from '../../../src-main/secrets/types';
import { codeOf, world } from './helpers';

const MASTER = 'installation/master-key';

/** A keychain that is locked: reads and writes fail the way the keytar store reports it. */
class LockedSecretStore implements SecretStore {
  sets = 0;
  constructor(private readonly readsAsEmpty: boolean) {}
  async get(): Promise<string | null> {
    if (this.readsAsEmpty) return null; // gnome-keyring: locked items read as absent
    throw new AppError('KEYCHAIN_LOCKED', 'Your keyring is locked, so the secret could not be read. Unlock your keyring and try again.');
  }
  async set(): Promise<void> {
    this.sets++;
    throw new AppError('KEYCHAIN_LOCKED', 'Your keyring is locked, so the secret could not be stored. Unlock your keyring and try again.');
  }
  async delete(): Promise<boolean> {
    throw new AppError('KEYCHAIN_LOCKED', 'Your keyring is locked, so the secret could not be removed.');
  }
  async has(): Promise<boolean> {
    return (await this.get()) !== null;
  }
  describe() {
    return { backend: 'keychain' as const, location: 'locked test keyring' };
  }
}

describe('key hierarchy: provisioning and status', () => {
  it('creates the master key on first use, then KEK v1 and cache, CA and signing keys v1', async () => {
    const w = world();
    const c = w.consoleOn();
    const st = await c.keys.ensureTenantKeys('acme');
    const stored = c.secrets.entries.get(MASTER)!;
    expect(Buffer.from(stored, 'base64')).toHaveLength(32);
    const fp = masterFingerprint(Buffer.from(stored, 'base64'));
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(st).toMatchObject({ tenantId: 'acme', source: 'master', masterFingerprint: fp, kek: { current: 1 }, pending: { kek: false, reencrypt: [] } });
    expect(st.dataKeys.cache.current).toBe(1);
    expect(st.dataKeys.ca.current).toBe(1);
    expect(st.dataKeys.signing.current).toBe(1);
    expect(st.lastRotatedAt).toBe(st.kek.versions[0]!.createdAt);
    const [kek] = await w.keks.list('acme');
    expect(kek).toMatchObject({ version: 1, state: 'active', masterFingerprint: fp });
    // Wrapped, not the key: the stored blob is an envelope, and no stored byte string equals the master key.
    expect(kek!.wrapped[0]).toBe(0xc5);
    expect(kek!.wrapped.includes(Buffer.from(stored, 'base64'))).toBe(false);
  });

  it('is idempotent and race-safe: two consoles provisioning at once make one KEK and one key of each kind', async () => {
    const w = world();
    const secrets = new MemorySecretStore();
    const a = w.consoleOn(secrets);
    const b = w.consoleOn(secrets);
    await Promise.all([a.keys.ensureTenantKeys('acme'), b.keys.ensureTenantKeys('acme')]);
    await a.keys.ensureTenantKeys('acme');
    expect(await w.keks.list('acme')).toHaveLength(1);
    expect((await w.dataKeys.list('acme')).map((r) => `${r.purpose}/${r.version}`).sort()).toEqual(['ca/1', 'cache/1', 'signing/1']);
    const sealed = await a.keys.encrypt('acme', 'cache', 'hello');
    expect((await b.keys.decrypt('acme', 'cache', sealed)).toString()).toBe('hello');
  });

  it('status of every tenant, and a clear NOT_FOUND for a tenant without keys', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('beta');
    await c.keys.ensureTenantKeys('acme');
    expect((await c.keys.statusAll()).map((s) => s.tenantId)).toEqual(['acme', 'beta']);
    const e = await codeOf(c.keys.encrypt('nobody', 'cache', 'x'));
    expect(e).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/tenant nobody has no keys/) });
    expect((await codeOf(c.keys.encrypt('Bad Id', 'cache', 'x'))).code).toBe('BAD_INPUT');
    expect((await codeOf(c.keys.encrypt('acme', 'signing' as 'cache', 'x'))).code).toBe('BAD_INPUT');
  });
});

describe('key hierarchy: encryption, binding and signing', () => {
  it('round-trips, and a ciphertext moved to another tenant, purpose or field fails', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    await c.keys.ensureTenantKeys('beta');
    const sealed = await c.keys.encrypt('acme', 'cache', 'db-password-Zq913', { context: 'config/db' });
    expect((await c.keys.decrypt('acme', 'cache', sealed, { context: 'config/db' })).toString()).toBe('db-password-Zq913');
    for (const attempt of [
      () => c.keys.decrypt('beta', 'cache', sealed, { context: 'config/db' }),
      () => c.keys.decrypt('acme', 'ca', sealed, { context: 'config/db' }),
      () => c.keys.decrypt('acme', 'cache', sealed, { context: 'config/other' }),
    ]) {
      const e = await codeOf(attempt());
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message).toMatch(/does not authenticate/);
      expect(e.message).not.toContain('Zq913');
    }
  });

  it('tenant data keys differ: tenant B cannot open tenant A values even with A’s binding faked', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    await c.keys.ensureTenantKeys('beta');
    const a = await c.keys.encrypt('acme', 'ca', 'ca-private-key');
    const b = await c.keys.encrypt('beta', 'ca', 'ca-private-key');
    expect(a.subarray(6).equals(b.subarray(6))).toBe(false);
    expect((await codeOf(c.keys.decrypt('beta', 'ca', a))).code).toBe('BAD_INPUT');
  });

  it('signs with Ed25519; verification needs only the public key and catches altered data', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    const data = Buffer.from('audit snapshot 42');
    const sig = await c.keys.sign('acme', data);
    expect(sig.keyVersion).toBe(1);
    expect(sig.signature).toHaveLength(64);
    expect(await c.keys.verify('acme', data, sig.signature, 1)).toBe(true);
    expect(await c.keys.verify('acme', Buffer.from('audit snapshot 43'), sig.signature, 1)).toBe(false);
    expect((await c.keys.signingPublicKey('acme')).pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    // An auditor's console without any key material still verifies.
    const auditor = w.consoleOn(new MemorySecretStore());
    expect(await auditor.keys.verify('acme', data, sig.signature, 1)).toBe(true);
  });
});

describe('key hierarchy: keychain faults and foreign master keys', () => {
  it('a locked keychain (reads fail): KEYCHAIN_LOCKED, nothing written anywhere', async () => {
    const w = world();
    const locked = new LockedSecretStore(false);
    const c = w.consoleOn(locked as unknown as MemorySecretStore);
    const e = await codeOf(c.keys.ensureTenantKeys('acme'));
    expect(e.code).toBe('KEYCHAIN_LOCKED');
    expect(e.message).toMatch(/unlock/i);
    expect(locked.sets).toBe(0);
    expect(w.keks.rows.size).toBe(0);
    expect(w.dataKeys.tenants.get('acme')?.size ?? 0).toBe(0);
  });

  it('a locked keychain that reads as empty: the new master key cannot be stored, no KEK is written', async () => {
    const w = world();
    const locked = new LockedSecretStore(true);
    const c = w.consoleOn(locked as unknown as MemorySecretStore);
    expect((await codeOf(c.keys.ensureTenantKeys('acme'))).code).toBe('KEYCHAIN_LOCKED');
    expect(locked.sets).toBe(1);
    expect(w.keks.rows.size).toBe(0);
  });

  it('a locked keychain on a cluster that already has keys: no new master key is even attempted', async () => {
    const w = world();
    const owner = w.consoleOn();
    await owner.keys.ensureTenantKeys('acme');
    const sealed = await owner.keys.encrypt('acme', 'cache', 'x');
    const locked = new LockedSecretStore(true);
    const c = w.consoleOn(locked as unknown as MemorySecretStore);
    const fp = owner.keys.master;
    const e = await codeOf(c.keys.decrypt('acme', 'cache', sealed));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain((await fp.current())!.fingerprint);
    expect(e.message).toMatch(/import-share/);
    expect((await codeOf(c.keys.ensureTenantKeys('beta'))).code).toBe('NOT_FOUND');
    expect(locked.sets).toBe(0);
  });

  it('a console whose master key is another installation’s: CONFLICT naming both fingerprints, no key bytes, nothing overwritten', async () => {
    const w = world();
    const owner = w.consoleOn();
    await owner.keys.ensureTenantKeys('acme');
    const sealed = await owner.keys.encrypt('acme', 'cache', 'x');
    const ownerKey = Buffer.from(owner.secrets.entries.get(MASTER)!, 'base64');
    const otherKey = randomBytes(32);
    const other = new MemorySecretStore();
    await other.set(MASTER, otherKey.toString('base64'));
    const c = w.consoleOn(other);
    const before = (await w.keks.list('acme'))[0]!.wrapped;
    const e = await codeOf(c.keys.decrypt('acme', 'cache', sealed));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toContain(masterFingerprint(ownerKey));
    expect(e.message).toContain(masterFingerprint(otherKey));
    expect(e.message).toMatch(/another installation/);
    for (const k of [ownerKey, otherKey]) {
      expect(e.message).not.toContain(k.toString('base64'));
      expect(e.message).not.toContain(k.toString('hex'));
    }
    expect((await codeOf(c.keys.rotate('acme'))).code).toBe('CONFLICT');
    expect(other.entries.get(MASTER)).toBe(otherKey.toString('base64'));
    expect((await w.keks.list('acme')).map((k) => k.version)).toEqual([1]);
    expect((await w.keks.list('acme'))[0]!.wrapped.equals(before)).toBe(true);
  });

  it('a damaged master-key entry is reported and left alone', async () => {
    const w = world();
    const s = new MemorySecretStore();
    await s.set(MASTER, 'not-a-key');
    const c = w.consoleOn(s);
    const e = await codeOf(c.keys.ensureTenantKeys('acme'));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).not.toContain('not-a-key');
    expect(s.entries.get(MASTER)).toBe('not-a-key');
  });
});

async function fill(c: ReturnType<ReturnType<typeof world>['consoleOn']>, tenant: string, n: number): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const k = `item/${String(i).padStart(5, '0')}`;
    const v = `value-${tenant}-${i}-${randomBytes(6).toString('hex')}`;
    values.set(k, v);
    await c.cache.put(tenant, k, v);
  }
  return values;
}

describe('key hierarchy: rotation', () => {
  it('new KEK, everything rewrapped, old KEK retired; cache re-encrypted under a new data key', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    const values = await fill(c, 'acme', 120);
    const caSealed = await c.keys.encrypt('acme', 'ca', 'ca-key');
    const sig = await c.keys.sign('acme', Buffer.from('before'));
    const progress: string[] = [];
    const r = await c.keys.rotate('acme', { batchSize: 25, onProgress: (p) => progress.push(`${p.phase}:${p.done}/${p.total}`) });
    expect(r).toMatchObject({ resumed: false, kekVersion: 2, retiredKekVersions: [1], rewrapped: 3, dataKeyVersion: 2, retiredDataKeyVersions: [1], reencrypted: 120, unreadable: [] });
    expect(progress).toContain('reencrypt:120/120');
    expect(progress.filter((p) => p.startsWith('reencrypt:')).length).toBeGreaterThanOrEqual(5);
    const keks = await w.keks.list('acme');
    expect(keks.map((k) => `${k.version}:${k.state}`).sort()).toEqual(['1:retired', '2:active']);
    expect(keks.find((k) => k.version === 1)!.retiredAt).toBeInstanceOf(Date);
    const dks = await w.dataKeys.list('acme');
    expect(dks.every((d) => d.kekVersion === 2)).toBe(true);
    expect(dks.map((d) => `${d.purpose}/${d.version}:${d.state}`).sort()).toEqual(['ca/1:active', 'cache/1:retired', 'cache/2:active', 'signing/1:active']);
    for (const [k, v] of values) {
      expect((await w.cacheStore.get('acme', k))!.keyVersion).toBe(2);
      expect(await c.cache.getText('acme', k)).toBe(v);
    }
    expect((await c.keys.decrypt('acme', 'ca', caSealed)).toString()).toBe('ca-key');
    expect(await c.keys.verify('acme', Buffer.from('before'), sig.signature, 1)).toBe(true);
    expect(envelopeKeyVersion(await c.keys.encrypt('acme', 'cache', 'new'))).toBe(2);
    const st = await c.keys.status('acme');
    expect(st.kek.current).toBe(2);
    expect(st.lastRotatedAt).toBe(keks.find((k) => k.version === 2)!.createdAt.toISOString());
    expect(st.pending).toEqual({ kek: false, reencrypt: [] });
  });

  it('cancelled mid-way: CANCELLED with a journal; rotating again resumes instead of starting over, and loses nothing', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    const values = await fill(c, 'acme', 200);
    const ctl = new AbortController();
    const e = await codeOf(
      c.keys.rotate('acme', {
        batchSize: 20,
        signal: ctl.signal,
        onProgress: (p) => {
          if (p.phase === 'reencrypt' && p.done >= 60) ctl.abort();
        },
      }),
    );
    expect(e.code).toBe('CANCELLED');
    const j = await w.cacheStore.readJournal('acme', 'cache');
    expect(j).toMatchObject({ toVersion: 2, done: 60, total: 200 });
    const st = await c.keys.status('acme');
    expect(st.pending.reencrypt).toEqual([{ purpose: 'cache', toVersion: 2, done: 60, total: 200 }]);
    // Both data key versions stay usable meanwhile.
    for (const [k, v] of values) expect(await c.cache.getText('acme', k)).toBe(v);
    const again = w.consoleOn(c.secrets);
    const r = await again.keys.rotate('acme', { batchSize: 20 });
    expect(r).toMatchObject({ resumed: true, kekVersion: 2, dataKeyVersion: 2, reencrypted: 140, retiredDataKeyVersions: [1] });
    expect((await w.keks.list('acme')).map((k) => k.version).sort()).toEqual([1, 2]);
    expect(await w.cacheStore.readJournal('acme', 'cache')).toBeNull();
    for (const [k, v] of values) expect(await again.cache.getText('acme', k)).toBe(v);
    expect(await w.cacheStore.countStale('acme', 'cache', 2)).toBe(0);
    // A later rotation is a fresh one again.
    expect(await again.keys.rotate('acme')).toMatchObject({ resumed: false, kekVersion: 3, dataKeyVersion: 3 });
  });

  it('resume() with nothing pending does nothing', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    const r = await c.keys.resume('acme');
    expect(r).toMatchObject({ hadPending: false, kekVersion: 1, rewrapped: 0, dataKeyVersion: 1, reencrypted: 0 });
    expect(await w.keks.list('acme')).toHaveLength(1);
  });

  it('a KEK rotation interrupted after the new KEK was stored is finished by resume()', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    const sealed = await c.keys.encrypt('acme', 'cache', 'x');
    const ctl = new AbortController();
    const e = await codeOf(c.keys.rotateKek('acme', { signal: ctl.signal, onProgress: (p) => p.phase === 'rewrap' && p.done === 1 && ctl.abort() }));
    expect(e.code).toBe('CANCELLED');
    expect((await w.keks.list('acme')).filter((k) => k.state === 'active')).toHaveLength(2);
    expect((await c.keys.status('acme')).pending.kek).toBe(true);
    const r = await c.keys.resume('acme');
    expect(r).toMatchObject({ hadPending: true, kekVersion: 2, retiredKekVersions: [1] });
    expect((await w.dataKeys.list('acme')).every((d) => d.kekVersion === 2)).toBe(true);
    expect((await c.keys.decrypt('acme', 'cache', sealed)).toString()).toBe('x');
  });

  it('a damaged cache value is reported by name and left as it is; the rest rotates', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    const values = await fill(c, 'acme', 10);
    const row = (await w.cacheStore.get('acme', 'item/00003'))!;
    row.ciphertext[row.ciphertext.length - 1]! ^= 1;
    await w.cacheStore.put(row);
    const r = await c.keys.rotate('acme', { batchSize: 4 });
    expect(r.unreadable).toEqual(['item/00003']);
    expect(r.reencrypted).toBe(10);
    for (const [k, v] of values) if (k !== 'item/00003') expect(await c.cache.getText('acme', k)).toBe(v);
    expect(await w.cacheStore.readJournal('acme', 'cache')).toBeNull();
  });

  it('signing key rotation: new signatures use v2, v1 signatures still verify', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    const old = await c.keys.sign('acme', Buffer.from('a'));
    expect(await c.keys.rotateSigningKey('acme')).toEqual({ version: 2, retired: [1] });
    const neu = await c.keys.sign('acme', Buffer.from('a'));
    expect(neu.keyVersion).toBe(2);
    expect(await c.keys.verify('acme', Buffer.from('a'), old.signature, 1)).toBe(true);
    expect(await c.keys.verify('acme', Buffer.from('a'), neu.signature, 2)).toBe(true);
    expect(await c.keys.verify('acme', Buffer.from('a'), old.signature, 2)).toBe(false);
  });
});

describe('key hierarchy: crypto-shredding', () => {
  it('destroys every KEK version and data key; nothing of the tenant decrypts; other tenants untouched', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    await c.keys.ensureTenantKeys('beta');
    await fill(c, 'acme', 30);
    await c.keys.rotate('acme');
    await fill(c, 'acme', 5); // more values under the new keys
    const betaValues = await fill(c, 'beta', 5);
    const overwritten: Buffer[] = [];
    const realOverwrite = w.keks.overwrite.bind(w.keks);
    w.keks.overwrite = async (t, v, wrapped) => {
      overwritten.push(wrapped);
      const before = (await w.keks.list(t)).find((k) => k.version === v)!.wrapped;
      expect(wrapped.equals(before)).toBe(false);
      return realOverwrite(t, v, wrapped);
    };
    const r = await c.keys.shred('acme');
    expect(r).toMatchObject({ tenantId: 'acme', kekVersionsDestroyed: 2, dataKeysDestroyed: 4, keychainEntryRemoved: false, tenantKeyspaceMissing: false });
    expect(overwritten).toHaveLength(2);
    expect(await w.keks.list('acme')).toEqual([]);
    expect(await w.dataKeys.list('acme')).toEqual([]);
    const e = await codeOf(c.cache.getText('acme', 'item/00001'));
    expect(e.code).toBe('NOT_FOUND');
    const v = await c.keys.verifyShred('acme');
    expect(v).toMatchObject({ tenantId: 'acme', attempted: 30, failed: 30, unexpectedlyDecrypted: 0, kekVersionsRemaining: 0, keychainEntryRemaining: false, shredded: true });
    expect(v.failures).toEqual({ NOT_FOUND: 30 });
    for (const [k, val] of betaValues) expect(await c.cache.getText('beta', k)).toBe(val);
    // Provisioning cannot resurrect old ciphertexts: new keys, same failures.
    await c.keys.ensureTenantKeys('acme');
    const again = await c.keys.verifyShred('acme');
    expect(again.unexpectedlyDecrypted).toBe(0);
    expect(again.failed).toBe(30);
    expect(again.shredded).toBe(false); // keys exist again, so the report does not claim a shredded tenant
  });

  it('verification counts a value that still opens (a shred that did not happen)', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    await fill(c, 'acme', 3);
    const v = await c.keys.verifyShred('acme');
    expect(v).toMatchObject({ attempted: 3, failed: 0, unexpectedlyDecrypted: 3, kekVersionsRemaining: 1, shredded: false });
  });

  it('works when the tenant console keyspace is already gone, and is idempotent', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    await fill(c, 'acme', 3);
    w.dataKeys.missing.add('acme');
    expect(await c.keys.shred('acme')).toMatchObject({ kekVersionsDestroyed: 1, dataKeysDestroyed: 0, tenantKeyspaceMissing: true });
    expect(await c.keys.shred('acme')).toMatchObject({ kekVersionsDestroyed: 0, tenantKeyspaceMissing: true });
    expect((await c.keys.verifyShred('acme')).shredded).toBe(true);
  });

  it('removes the tenant KEK a tenant key share put in this console’s keychain', async () => {
    const w = world();
    const platform = w.consoleOn();
    await platform.keys.ensureTenantKeys('acme');
    await fill(platform, 'acme', 4);
    const share = await platform.keys.exportTenantShare('acme', 'correct horse battery');
    const tenantAdmin = w.consoleOn();
    await tenantAdmin.keys.importTenantShare(share, 'correct horse battery');
    expect(tenantAdmin.secrets.entries.has('tenant/acme/kek')).toBe(true);
    await platform.keys.shred('acme');
    // The tenant admin's console still holds a KEK, but the data keys it wrapped are gone.
    const before = await tenantAdmin.keys.verifyShred('acme');
    expect(before).toMatchObject({ unexpectedlyDecrypted: 0, keychainEntryRemaining: true, shredded: false });
    expect(await tenantAdmin.keys.shred('acme')).toMatchObject({ keychainEntryRemoved: true });
    expect(tenantAdmin.secrets.entries.has('tenant/acme/kek')).toBe(false);
    expect((await tenantAdmin.keys.verifyShred('acme')).shredded).toBe(true);
  });

  it('refuses to provision a tenant whose shred stopped half-way', async () => {
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    await w.keks.setState('acme', 1, 'active', 'destroyed', new Date());
    expect((await codeOf(c.keys.ensureTenantKeys('acme'))).code).toBe('CONFLICT');
  });
});

describe('key hierarchy: shares between consoles', () => {
  it('a master key share gives a second console the same tenants; a different key is refused unless forced', async () => {
    const w = world();
    const first = w.consoleOn();
    await first.keys.ensureTenantKeys('acme');
    const sealed = await first.keys.encrypt('acme', 'cache', 'shared');
    const share = await first.keys.exportMasterShare('two laptops, one key');
    const second = w.consoleOn();
    const r = await second.keys.importMasterShare(share, 'two laptops, one key');
    expect(r).toMatchObject({ replaced: null, unchanged: false });
    expect((await second.keys.decrypt('acme', 'cache', sealed)).toString()).toBe('shared');
    expect(await second.keys.importMasterShare(share, 'two laptops, one key')).toMatchObject({ unchanged: true });

    const stranger = w.consoleOn();
    await stranger.secrets.set(MASTER, randomBytes(32).toString('base64'));
    const before = stranger.secrets.entries.get(MASTER);
    const e = await codeOf(stranger.keys.importMasterShare(share, 'two laptops, one key'));
    expect(e.code).toBe('CONFLICT');
    expect(stranger.secrets.entries.get(MASTER)).toBe(before);
    expect((await stranger.keys.importMasterShare(share, 'two laptops, one key', { force: true })).replaced).toMatch(/^[0-9a-f]{16}$/);
    expect((await stranger.keys.decrypt('acme', 'cache', sealed)).toString()).toBe('shared');
  });

  it('a tenant key share opens that tenant’s keys and no other tenant’s, without any master key', async () => {
    const w = world();
    const platform = w.consoleOn();
    await platform.keys.ensureTenantKeys('acme');
    await platform.keys.ensureTenantKeys('beta');
    const a = await platform.keys.encrypt('acme', 'ca', 'acme-ca-key');
    const b = await platform.keys.encrypt('beta', 'ca', 'beta-ca-key');
    const sig = await platform.keys.sign('acme', Buffer.from('x'));
    const share = await platform.keys.exportTenantShare('acme', 'tenant admin passphrase');
    const admin = w.consoleOn();
    expect(await admin.keys.importTenantShare(share, 'tenant admin passphrase')).toEqual({ tenantId: 'acme', versions: [1] });
    expect((await admin.keys.decrypt('acme', 'ca', a)).toString()).toBe('acme-ca-key');
    expect(await admin.keys.verify('acme', Buffer.from('x'), sig.signature, 1)).toBe(true);
    expect((await admin.keys.sign('acme', Buffer.from('y'))).keyVersion).toBe(1);
    expect((await codeOf(admin.keys.decrypt('beta', 'ca', b))).code).toBe('NOT_FOUND');
    expect(admin.secrets.entries.has(MASTER)).toBe(false);
    const st = await admin.keys.status('acme');
    expect(st).toMatchObject({ source: 'tenant-share', kek: { current: 1 } });
    // The platform rotates: the share is now outdated, and the message says what to do.
    await platform.keys.rotate('acme');
    admin.keys.forget(); // as after a restart: keys already unwrapped in memory are not what is tested here
    const e = await codeOf(admin.keys.decrypt('acme', 'ca', a));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toMatch(/import a fresh tenant key share/);
    expect(await admin.keys.status('acme')).toMatchObject({ kek: { current: 1 }, pending: { kek: false }, share: { versions: [1], outdated: true, clusterKekVersion: 2 } });
    expect((await platform.keys.status('acme')).share).toBeNull();
  });

  it('a session Cassandra keeps out of the wrapped KEKs, without a share: NOT_FOUND naming the tenant key share, not the refusal', async () => {
    const w = world();
    const platform = w.consoleOn();
    await platform.keys.ensureTenantKeys('acme');
    const sealed = await platform.keys.encrypt('acme', 'cache', 'v');
    const refusing = Object.assign(Object.create(w.keks) as typeof w.keks, {
      list: async () => {
        throw new AppError('UNAUTHORIZED_STATEMENT', "reading tenant acme's KEKs: Cassandra refused: User tenant_acme_u_boss has no SELECT permission on <table csm_system.tenant_keks>");
      },
    });
    // Same keychain as the platform (a console of the installation), so the master key is there: the grants are what is missing.
    const admin = w.consoleOn(platform.secrets, { keks: refusing });
    for (const attempt of [() => admin.keys.status('acme'), () => admin.keys.decrypt('acme', 'cache', sealed)]) {
      const e = await codeOf(attempt());
      expect(e.code).toBe('NOT_FOUND');
      expect(e.message).toMatch(/no key for tenant acme.*tenant key share/);
    }
  });

  it('escrow export: the agent’s private key recovers the tenant KEK', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { openEscrow } = await import('../../../src-main/keys/escrow');
    const w = world();
    const c = w.consoleOn();
    await c.keys.ensureTenantKeys('acme');
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const file = await c.keys.exportEscrow('acme', pair.publicKey.export({ format: 'pem', type: 'spki' }).toString());
    const got = openEscrow(file, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    expect(got.tenantId).toBe('acme');
    expect(got.keks.map((k) => k.version)).toEqual([1]);
    // The recovered KEK is the real one: held as a tenant share, it opens the tenant's values.
    const sealed = await c.keys.encrypt('acme', 'cache', 'escrowed');
    const { writeHeldKeks } = await import('../../../src-main/keys/local-keks');
    const recovered = w.consoleOn();
    await writeHeldKeks(recovered.secrets, 'acme', got.keks);
    expect((await recovered.keys.decrypt('acme', 'cache', sealed)).toString()).toBe('escrowed');
  });
});
