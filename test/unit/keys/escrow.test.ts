import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openEscrow, parseEscrowPublicKey, sealEscrow } from '../../../src-main/keys/escrow';
import type { HeldKek } from '../../../src-main/keys/local-keks';
import { codeOfSync } from './helpers';

const keks: HeldKek[] = [{ version: 3, key: randomBytes(32), state: 'active', createdAt: new Date('2025-05-01T00:00:00Z') }];
const pem = (k: { export(o: { format: 'pem'; type: 'spki' | 'pkcs8' }): string | Buffer }, type: 'spki' | 'pkcs8') => k.export({ format: 'pem', type }).toString();

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });

describe('key escrow', () => {
  for (const [name, pair, alg] of [
    ['RSA-2048 (OAEP-SHA256)', rsa, 'RSA-OAEP-256'],
    ['EC P-256 (ECDH + HKDF)', p256, 'ECDH-ES-P256+HKDF-SHA256'],
    ['EC P-384 (ECDH + HKDF)', p384, 'ECDH-ES-P384+HKDF-SHA256'],
  ] as const) {
    it(`round-trips to ${name}`, () => {
      const file = sealEscrow('acme', keks, pem(pair.publicKey, 'spki'));
      expect(JSON.parse(file)).toMatchObject({ format: 'csm-key-escrow', kind: 'tenant-kek', tenantId: 'acme', algorithm: alg });
      expect(file).not.toContain(keks[0]!.key.toString('base64'));
      const got = openEscrow(file, pem(pair.privateKey, 'pkcs8'));
      expect(got.tenantId).toBe('acme');
      expect(got.keks[0]!.key.equals(keks[0]!.key)).toBe(true);
      expect(got.keks[0]!.version).toBe(3);
    });
  }

  it('accepts a PKCS#1 "RSA PUBLIC KEY" PEM too', () => {
    const pkcs1 = rsa.publicKey.export({ format: 'pem', type: 'pkcs1' }).toString();
    expect(parseEscrowPublicKey(pkcs1).algorithm).toBe('RSA-OAEP-256');
  });

  it('another private key, or an altered file, does not open it', () => {
    const file = sealEscrow('acme', keks, pem(p256.publicKey, 'spki'));
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(codeOfSync(() => openEscrow(file, pem(other.privateKey, 'pkcs8'))).message).toMatch(/different escrow key/);
    const o = JSON.parse(file) as Record<string, string>;
    for (const field of ['ciphertext', 'tag', 'ephemeralPublicKey', 'hkdfSalt'] as const) {
      const v = o[field]!;
      const bad = JSON.stringify({ ...o, [field]: v.slice(0, 10) + (v[10] === 'A' ? 'B' : 'A') + v.slice(11) });
      expect(codeOfSync(() => openEscrow(bad, pem(p256.privateKey, 'pkcs8'))).code, field).toBe('BAD_INPUT');
    }
    expect(codeOfSync(() => openEscrow(JSON.stringify({ ...o, tenantId: 'beta' }), pem(p256.privateKey, 'pkcs8'))).code).toBe('BAD_INPUT');
    expect(codeOfSync(() => openEscrow(file.slice(0, file.length / 2), pem(p256.privateKey, 'pkcs8'))).message).toMatch(/not a complete key escrow file/);
  });

  it('malformed PEM and unsuitable keys: a clear BAD_INPUT each', () => {
    const good = pem(rsa.publicKey, 'spki');
    const lines = good.trim().split('\n');
    const cases: [string, RegExp][] = [
      ['', /PEM text/],
      ['hello', /not a PEM public key/],
      [good.replace('-----END PUBLIC KEY-----', ''), /not a PEM public key/],
      [[lines[0], lines[1]!.slice(0, 20) + '!!!!' + lines[1]!.slice(24), ...lines.slice(2)].join('\n'), /damaged/],
      [[lines[0], lines[1], lines[lines.length - 1]].join('\n'), /damaged/],
      [pem(rsa.privateKey, 'pkcs8'), /private key/],
      [pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey, 'spki'), /1024 bits; at least 2048/],
      [pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey, 'spki'), /secp256k1; use P-256 or P-384/],
      [pem(generateKeyPairSync('ed25519').publicKey, 'spki'), /RSA .* or EC/],
    ];
    for (const [text, why] of cases) {
      const e = codeOfSync(() => sealEscrow('acme', keks, text));
      expect(e.code).toBe('BAD_INPUT');
      expect(e.message).toMatch(why);
    }
  });
});
