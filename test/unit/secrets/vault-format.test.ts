import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretStore } from '../../../src-main/secrets/factory';
import { KeytarSecretStore } from '../../../src-main/secrets/keytar-store';
import { VaultSecretStore } from '../../../src-main/secrets/vault-store';

// Complements vault.test.ts: the file format, the KDF parameters, and the edges around opening.
const vaultPath = (): string => join(mkdtempSync(join(tmpdir(), 'csm-vaultfmt-')), 'secrets.vault');
const PASS = 'correct horse battery';

interface Doc {
  kdf: { name: string; N: number; r: number; p: number; keyLength: number; salt: string };
  entries: Record<string, { nonce: string; ciphertext: string; tag: string }>;
}
const readDoc = (path: string): Doc => JSON.parse(readFileSync(path, 'utf8')) as Doc;

// Each open runs real scrypt (~0.5 s here); leave room for slow CI machines.
describe('vault file format', { timeout: 30_000 }, () => {
  it('records scrypt N=2^17, r=8, p=1 with a 16-byte salt, and seals each write with a fresh 12-byte nonce', async () => {
    const path = vaultPath();
    const v = await VaultSecretStore.open({ path, passphrase: PASS });
    await v.set('cluster/a/password', 'same-value');
    const first = readDoc(path).entries['cluster/a/password'];
    await v.set('cluster/a/password', 'same-value');
    const second = readDoc(path).entries['cluster/a/password'];
    const doc = readDoc(path);
    expect(doc.kdf).toMatchObject({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1, keyLength: 32 });
    expect(Buffer.from(doc.kdf.salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(first?.nonce ?? '', 'base64')).toHaveLength(12);
    expect(Buffer.from(first?.tag ?? '', 'base64')).toHaveLength(16);
    expect(second?.nonce).not.toBe(first?.nonce);
    expect(second?.ciphertext).not.toBe(first?.ciphertext);
  });

  it('refuses doctored KDF parameters without trying them, and leaves the file alone', async () => {
    const path = vaultPath();
    await VaultSecretStore.open({ path, passphrase: PASS });
    const doc = readDoc(path);
    doc.kdf.N = 2 ** 30; // would ask scrypt for 1 TiB
    writeFileSync(path, JSON.stringify(doc));
    const before = readFileSync(path);
    await expect(VaultSecretStore.open({ path, passphrase: PASS })).rejects.toThrow(/integrity check: scrypt N out of range/);
    doc.kdf.N = 2 ** 10; // a downgrade to a trivially guessable cost
    writeFileSync(path, JSON.stringify(doc));
    await expect(VaultSecretStore.open({ path, passphrase: PASS })).rejects.toThrow(/scrypt N out of range/);
    writeFileSync(path, before);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('a new vault needs a passphrase of 8+ characters and creates nothing otherwise', async () => {
    const path = vaultPath();
    await expect(VaultSecretStore.open({ path, passphrase: 'short' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect(existsSync(path)).toBe(false);
    expect(() => new VaultSecretStore({ path, passphrase: '' })).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });

  it('the same passphrase typed in another Unicode form opens the vault (NFC)', async () => {
    const path = vaultPath();
    const composed = 'caf\u00e9 au lait!';
    const decomposed = 'cafe\u0301 au lait!';
    const v = await VaultSecretStore.open({ path, passphrase: composed });
    await v.set('installation/master-key', 'mk');
    const again = await VaultSecretStore.open({ path, passphrase: decomposed });
    expect(await again.get('installation/master-key')).toBe('mk');
  });

  it('the wrong-passphrase error never contains the passphrase', async () => {
    const path = vaultPath();
    await VaultSecretStore.open({ path, passphrase: PASS });
    const wrong = 'Wr0ng-Passphrase-Q7';
    const err: unknown = await VaultSecretStore.open({ path, passphrase: wrong }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'AUTH_FAILED', message: 'wrong vault passphrase' });
    expect(String((err as Error).stack)).not.toContain(wrong);
  });

  it('concurrent writes from one store all land (operations are serialised)', async () => {
    const path = vaultPath();
    const v = await VaultSecretStore.open({ path, passphrase: PASS });
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    await Promise.all(names.map((n) => v.set(`cluster/${n}/password`, `pw-${n}`)));
    expect(Object.keys(readDoc(path).entries).sort()).toEqual(names.map((n) => `cluster/${n}/password`));
    expect(await Promise.all(names.map((n) => v.get(`cluster/${n}/password`)))).toEqual(names.map((n) => `pw-${n}`));
  });

  it.runIf(process.platform !== 'win32')('narrows a world-readable vault to 0600 on open', async () => {
    const path = vaultPath();
    await VaultSecretStore.open({ path, passphrase: PASS });
    chmodSync(path, 0o644);
    await VaultSecretStore.open({ path, passphrase: PASS });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('close() forgets the key', async () => {
    const v = await VaultSecretStore.open({ path: vaultPath(), passphrase: PASS });
    await v.close();
    await expect(v.get('cluster/a/password')).rejects.toThrow(/closed/);
  });
});

describe('createSecretStore', () => {
  it('gives the keychain store with the configured service, without touching the keychain', () => {
    const s = createSecretStore({ backend: 'keychain', keytarService: 'csm-unit-factory' });
    expect(s).toBeInstanceOf(KeytarSecretStore);
    expect(s.describe()).toMatchObject({ backend: 'keychain', location: expect.stringContaining('csm-unit-factory') });
  });

  it('gives the vault lazily: nothing on disk until first use', async () => {
    const path = vaultPath();
    const s = createSecretStore({ backend: 'vault', vaultPath: path, vaultPassphrase: PASS });
    expect(s.describe()).toEqual({ backend: 'vault', location: path });
    expect(existsSync(path)).toBe(false);
    await s.set('cluster/x/password', 'v');
    expect(existsSync(path)).toBe(true);
  });

  it('refuses a vault without path or passphrase, naming the variable to set', () => {
    expect(() => createSecretStore({ backend: 'vault', vaultPath: vaultPath() })).toThrow(/CSM_VAULT_PASSPHRASE/);
    expect(() => createSecretStore({ backend: 'vault', vaultPassphrase: PASS })).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });
});
