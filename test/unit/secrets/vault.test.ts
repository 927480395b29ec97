import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VaultSecretStore } from '../../../src-main/secrets/vault-store';
import { secretKey } from '../../../src-main/secrets/secret-key';

const vaultPath = (): string => join(mkdtempSync(join(tmpdir(), 'csm-vault-')), 'secrets.vault');

describe('encrypted file vault (real files, real scrypt/AES-GCM)', () => {
  it('round-trips secrets and keeps them out of the file bytes, mode 0600', async () => {
    const path = vaultPath();
    const v = await VaultSecretStore.open({ path, passphrase: 'correct horse battery' });
    await v.set('cluster/prod/password', 'Zq-vault-secret-1');
    await v.set('installation/master-key', 'bWFzdGVyLWtleS1ieXRlcw==');
    expect(await v.get('cluster/prod/password')).toBe('Zq-vault-secret-1');
    expect(await v.has('cluster/prod/password')).toBe(true);
    expect(await v.get('cluster/other/password')).toBeNull();
    const bytes = readFileSync(path);
    expect(bytes.includes(Buffer.from('Zq-vault-secret-1'))).toBe(false);
    expect(bytes.includes(Buffer.from('bWFzdGVyLWtleS1ieXRlcw=='))).toBe(false);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    // A second console on the same vault sees the value.
    const again = await VaultSecretStore.open({ path, passphrase: 'correct horse battery' });
    expect(await again.get('cluster/prod/password')).toBe('Zq-vault-secret-1');
    expect(await again.delete('cluster/prod/password')).toBe(true);
    expect(await v.get('cluster/prod/password')).toBeNull();
  });

  it('a wrong passphrase is AUTH_FAILED and the file is untouched', async () => {
    const path = vaultPath();
    const v = await VaultSecretStore.open({ path, passphrase: 'correct horse battery' });
    await v.set('cluster/prod/password', 'x1');
    const before = readFileSync(path);
    await expect(VaultSecretStore.open({ path, passphrase: 'wrong passphrase!' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('a ciphertext moved to another entry name fails (name is associated data)', async () => {
    const path = vaultPath();
    const v = await VaultSecretStore.open({ path, passphrase: 'correct horse battery' });
    await v.set('cluster/a/password', 'secret-a');
    await v.set('cluster/b/password', 'secret-b');
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    doc.entries['cluster/b/password'] = doc.entries['cluster/a/password'];
    writeFileSync(path, JSON.stringify(doc));
    // The whole file is authenticated on open: the moved entry is named, nothing is decrypted.
    await expect(VaultSecretStore.open({ path, passphrase: 'correct horse battery' })).rejects.toThrow(/integrity check: entry "cluster\/b\/password" does not authenticate/);
    // An already open store re-reads and re-checks the file on every operation.
    await expect(v.get('cluster/a/password')).rejects.toThrow(/integrity check/);
  });

  it('a tampered or garbage file is refused with a clear error and never overwritten', async () => {
    const path = vaultPath();
    const v = await VaultSecretStore.open({ path, passphrase: 'correct horse battery' });
    await v.set('cluster/a/password', 'secret-a');
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    const ct = Buffer.from(doc.entries['cluster/a/password'].ciphertext, 'base64');
    ct[0] = ct[0]! ^ 1;
    doc.entries['cluster/a/password'].ciphertext = ct.toString('base64');
    writeFileSync(path, JSON.stringify(doc));
    const tampered = readFileSync(path);
    await expect(VaultSecretStore.open({ path, passphrase: 'correct horse battery' })).rejects.toThrow(/integrity check/);
    await expect(v.set('cluster/c/password', 'new')).rejects.toThrow(/left untouched/);
    expect(readFileSync(path).equals(tampered)).toBe(true);

    writeFileSync(path, 'not a vault');
    await expect(VaultSecretStore.open({ path, passphrase: 'correct horse battery' })).rejects.toMatchObject({ code: expect.stringMatching(/BAD_INPUT|CONFLICT|INTERNAL/) });
    expect(readFileSync(path, 'utf8')).toBe('not a vault');
  });

  it('refuses keys outside the namespaces, without echoing them', async () => {
    const v = new VaultSecretStore({ path: vaultPath(), passphrase: 'correct horse battery' });
    for (const k of ['../../etc/passwd', 'cluster/Prod/password', 'tenant/x/y', 'other', '']) {
      await expect(v.get(k)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    }
    expect(secretKey.clusterPassword('prod')).toBe('cluster/prod/password');
    expect(() => secretKey.tenant('acme', 'Bad Purpose')).toThrow();
  });
});
