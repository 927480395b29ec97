import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KeytarSecretStore } from '../../../src-main/secrets/keytar-store';
import {
  deadBusEnv,
  lastJsonLine,
  noBusEnv,
  REPO_ROOT,
  requireKeyring,
  runTsx,
  runTsxInPrivateKeyring,
  uniqueService,
} from '../../support/keyring';

const child = join(REPO_ROOT, 'test', 'integration', 'secrets', 'fixtures', 'keytar-child.ts');
const SECRET = `Zk-${process.pid}-never-in-output`;

describe('KeytarSecretStore on the real Secret Service (gnome-keyring over D-Bus)', () => {
  const service = uniqueService('csm-keytar-it');
  const store = new KeytarSecretStore({ service });
  const used = ['cluster/prod/password', 'tenant/acme/role-admin', 'installation/master-key'];

  afterAll(async () => {
    // Leave nothing behind in the keyring, even after a failed assertion.
    for (const k of used) await store.delete(k).catch(() => false);
  });

  it('set / get / has / delete round trip', async () => {
    requireKeyring(); // fail, never skip: a skipped keychain test proves nothing
    const key = 'cluster/prod/password';
    expect(await store.get(key)).toBeNull();
    expect(await store.has(key)).toBe(false);
    await store.set(key, SECRET);
    expect(await store.get(key)).toBe(SECRET);
    expect(await store.has(key)).toBe(true);
    await store.set(key, `${SECRET}-2`); // overwrite, not a second item
    expect(await store.get(key)).toBe(`${SECRET}-2`);
    expect(await store.delete(key)).toBe(true);
    expect(await store.delete(key)).toBe(false);
    expect(await store.get(key)).toBeNull();
  });

  it('keeps keys and service names apart', async () => {
    requireKeyring();
    await store.set('tenant/acme/role-admin', 'tenant-value-ä-✓');
    await store.set('installation/master-key', 'bWFzdGVyLWtleQ==');
    expect(await store.get('tenant/acme/role-admin')).toBe('tenant-value-ä-✓');
    expect(await store.get('installation/master-key')).toBe('bWFzdGVyLWtleQ==');
    const other = new KeytarSecretStore({ service: uniqueService('csm-keytar-other') });
    expect(await other.get('tenant/acme/role-admin')).toBeNull();
  });

  it('refuses keys outside the namespaces before reaching the keychain', async () => {
    requireKeyring();
    await expect(store.set('../../etc', SECRET)).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});

describe('KeytarSecretStore when the keychain cannot be used (child processes)', () => {
  // getBeforeLock legitimately prints `${SECRET}-before`; nothing else may show the secret.
  function expectNoSecret(r: { stdout: string; stderr: string }): void {
    expect(r.stdout.split(`${SECRET}-before`).join('')).not.toContain(SECRET);
    expect(r.stderr).not.toContain(SECRET);
  }

  it('a dead D-Bus socket: KEYCHAIN_UNAVAILABLE with the way out, for every operation', () => {
    const r = runTsx(child, [uniqueService(), SECRET], deadBusEnv());
    const out = lastJsonLine(r);
    for (const op of ['set', 'get', 'has', 'delete']) {
      expect(out[op], op).toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE', message: expect.stringContaining('CSM_SECRET_BACKEND=vault') });
      expect(out[op], op).toMatchObject({ message: expect.stringMatching(/Could not connect.*GNOME Keyring or KWallet/) });
    }
    expectNoSecret(r);
  });

  it('no session bus and no display: KEYCHAIN_UNAVAILABLE, not a crash', () => {
    const r = runTsx(child, [uniqueService(), SECRET], noBusEnv());
    expect(lastJsonLine(r)['set']).toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE', message: expect.stringMatching(/autolaunch D-Bus/) });
    expectNoSecret(r);
  });

  it('a locked keyring: writes are KEYCHAIN_LOCKED; reads see nothing (libsecret hides locked items)', () => {
    const r = runTsxInPrivateKeyring(child, [uniqueService(), SECRET, '--lock']);
    const out = lastJsonLine(r);
    expect(out['setBeforeLock']).toEqual({ ok: null });
    expect(out['getBeforeLock']).toEqual({ ok: `${SECRET}-before` });
    expect(out['set']).toMatchObject({ code: 'KEYCHAIN_LOCKED', message: expect.stringMatching(/unlock your keyring/i) });
    // Known limitation, pinned so a change is noticed: the stored value is there but not returned.
    expect(out['get']).toEqual({ ok: null });
    expect(out['has']).toEqual({ ok: false });
    expect(out['delete']).toEqual({ ok: false });
    expectNoSecret(r);
  });

  it('a Secret Service with no keyring yet (nobody ever unlocked one): KEYCHAIN_LOCKED saying how to create it', () => {
    const r = runTsxInPrivateKeyring(child, [uniqueService(), SECRET], { bare: true });
    expect(lastJsonLine(r)['set']).toMatchObject({ code: 'KEYCHAIN_LOCKED', message: expect.stringMatching(/no default keyring.*gnome-keyring-daemon --unlock/) });
    expectNoSecret(r);
  });
});
