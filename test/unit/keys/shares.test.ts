import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HeldKek } from '../../../src-main/keys/local-keks';
import { masterFingerprint } from '../../../src-main/keys/master';
import { describeShare, openMasterShare, openTenantShare, sealMasterShare, sealTenantShare } from '../../../src-main/keys/shares';
import { newKdfParams } from '../../../src-main/secrets/vault-crypto';
import { codeOf, codeOfSync } from './helpers';

const PASS = 'a long enough passphrase';
/** Cheaper scrypt for the many-file tests; the default-strength path is tested on its own. */
const quick = () => ({ ...newKdfParams(), N: 2 ** 14 });
const master = randomBytes(32);

function edit(text: string, fn: (o: Record<string, unknown>) => void): string {
  const o = JSON.parse(text) as Record<string, unknown>;
  fn(o);
  return JSON.stringify(o);
}
/** Change one base64 character of a field without making it invalid base64. */
function flipB64(s: string, at = 5): string {
  const c = s[at]!;
  return s.slice(0, at) + (c === 'A' ? 'B' : 'A') + s.slice(at + 1);
}

describe('master key share', () => {
  it('round-trips with strong scrypt parameters recorded in the file, and shows no key bytes', async () => {
    const text = await sealMasterShare(master, PASS);
    const file = JSON.parse(text) as Record<string, unknown> & { kdf: Record<string, unknown> };
    expect(file).toMatchObject({ format: 'csm-key-share', version: 1, kind: 'master', masterFingerprint: masterFingerprint(master), cipher: 'aes-256-gcm' });
    expect(file.kdf).toMatchObject({ name: 'scrypt', N: 2 ** 17, r: 8, p: 1, keyLength: 32 });
    expect(Buffer.from(file.kdf['salt'] as string, 'base64').length).toBeGreaterThanOrEqual(16);
    expect(text).not.toContain(master.toString('base64'));
    expect(text).not.toContain(master.toString('hex'));
    expect(describeShare(text)).toMatchObject({ kind: 'master', masterFingerprint: masterFingerprint(master) });
    expect((await openMasterShare(text, PASS)).equals(master)).toBe(true);
  });

  it('two exports of the same key differ (fresh salt and nonce)', async () => {
    const a = JSON.parse(await sealMasterShare(master, PASS, quick())) as Record<string, unknown>;
    const b = JSON.parse(await sealMasterShare(master, PASS, quick())) as Record<string, unknown>;
    expect(a['ciphertext']).not.toBe(b['ciphertext']);
    expect(a['nonce']).not.toBe(b['nonce']);
  });

  it('a wrong passphrase is AUTH_FAILED, and says nothing about the key', async () => {
    const text = await sealMasterShare(master, PASS, quick());
    const e = await codeOf(openMasterShare(text, 'not the passphrase'));
    expect(e.code).toBe('AUTH_FAILED');
    expect(e.message).toMatch(/wrong passphrase/);
    expect(e.message).not.toContain(master.toString('base64'));
  });

  it('an altered file is BAD_INPUT: ciphertext, tag, nonce, fingerprint, date', async () => {
    const text = await sealMasterShare(master, PASS, quick());
    const otherFp = masterFingerprint(randomBytes(32));
    for (const tampered of [
      edit(text, (o) => (o['ciphertext'] = flipB64(o['ciphertext'] as string))),
      edit(text, (o) => (o['tag'] = flipB64(o['tag'] as string))),
      edit(text, (o) => (o['nonce'] = flipB64(o['nonce'] as string))),
      edit(text, (o) => (o['masterFingerprint'] = otherFp)),
      edit(text, (o) => (o['createdAt'] = '2001-01-01T00:00:00.000Z')),
    ]) {
      const e = await codeOf(openMasterShare(tampered, PASS));
      expect(e.code, tampered.slice(0, 80)).toBe('BAD_INPUT');
    }
    // Salt or cost changes alter the derived key, indistinguishable from a wrong passphrase.
    const salted = edit(text, (o) => ((o['kdf'] as Record<string, unknown>)['salt'] = randomBytes(16).toString('base64')));
    expect((await codeOf(openMasterShare(salted, PASS))).code).toBe('AUTH_FAILED');
  });

  it('a truncated file is BAD_INPUT at every cut point', async () => {
    const text = (await sealMasterShare(master, PASS, quick())).trimEnd();
    for (let n = 0; n < text.length; n += Math.max(1, Math.floor(text.length / 40))) {
      const e = await codeOf(openMasterShare(text.slice(0, n), PASS));
      expect(e.code, `cut at ${n}`).toBe('BAD_INPUT');
    }
    expect((await codeOf(openMasterShare(text.slice(0, -1), PASS))).code).toBe('BAD_INPUT');
    // Cut inside the ciphertext but kept valid JSON.
    const short = edit(text, (o) => (o['ciphertext'] = (o['ciphertext'] as string).slice(0, 20)));
    expect((await codeOf(openMasterShare(short, PASS))).code).toBe('BAD_INPUT');
  });

  it('refuses weak or absurd scrypt parameters from a doctored file before deriving anything', async () => {
    const text = await sealMasterShare(master, PASS, quick());
    for (const N of [2 ** 10, 2 ** 30, 100_000]) {
      const e = await codeOf(openMasterShare(edit(text, (o) => ((o['kdf'] as Record<string, unknown>)['N'] = N)), PASS));
      expect(e).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/key-derivation parameters/) });
    }
  });

  it('refuses a short passphrase on export, non-share files and the wrong kind', async () => {
    expect((await codeOf(sealMasterShare(master, 'short'))).code).toBe('BAD_INPUT');
    expect((await codeOf(openMasterShare('{"hello": 1}', PASS))).message).toMatch(/not a console key share/);
    expect((await codeOf(openMasterShare('', PASS))).code).toBe('BAD_INPUT');
    expect(codeOfSync(() => describeShare('x'.repeat(300_000))).code).toBe('BAD_INPUT');
    const tenant = await sealTenantShare('acme', [{ version: 1, key: randomBytes(32), state: 'active', createdAt: new Date() }], PASS, quick());
    expect((await codeOf(openMasterShare(tenant, PASS))).message).toMatch(/tenant key share/);
  });
});

describe('tenant key share', () => {
  const keks: HeldKek[] = [
    { version: 1, key: randomBytes(32), state: 'retired', createdAt: new Date('2025-01-01T00:00:00Z') },
    { version: 2, key: randomBytes(32), state: 'active', createdAt: new Date('2025-04-01T00:00:00Z') },
  ];

  it('round-trips the tenant’s KEK versions and names the tenant in clear', async () => {
    const text = await sealTenantShare('acme', keks, PASS, quick());
    expect(describeShare(text)).toMatchObject({ kind: 'tenant', tenantId: 'acme' });
    for (const k of keks) expect(text).not.toContain(k.key.toString('base64'));
    const got = await openTenantShare(text, PASS);
    expect(got.tenantId).toBe('acme');
    expect(got.keks.map((k) => [k.version, k.state, k.createdAt.toISOString(), k.key.toString('hex')])).toEqual(
      keks.map((k) => [k.version, k.state, k.createdAt.toISOString(), k.key.toString('hex')]),
    );
  });

  it('relabelling the share for another tenant breaks it; so does the wrong passphrase', async () => {
    const text = await sealTenantShare('acme', keks, PASS, quick());
    expect((await codeOf(openTenantShare(edit(text, (o) => (o['tenantId'] = 'beta')), PASS))).code).toBe('BAD_INPUT');
    expect((await codeOf(openTenantShare(edit(text, (o) => (o['kind'] = 'master')), PASS))).code).toBe('BAD_INPUT');
    expect((await codeOf(openTenantShare(text, 'wrong passphrase!'))).code).toBe('AUTH_FAILED');
  });
});
