import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAC_ITERATIONS, toPkcs12 } from '../../../src-main/pki/pkcs12';
import { expectBadInput, makeChain, ok, openssl, scratch, tool, type Chain } from './support';

const tmp = scratch();
afterAll(() => tmp.cleanup());
const PASSWORD = 'correct horse battery';

describe.each(['rsa-2048', 'ec-p256', 'ec-p384'] as const)('PKCS#12 with a %s key', (alg) => {
  let chain: Chain;
  let file: string;
  beforeAll(async () => {
    chain = await makeChain(alg);
    file = tmp.write(`${alg}.p12`, toPkcs12({ privateKey: chain.client.keys.privateKey, certificate: chain.client.der, chain: [chain.sub.der, chain.root.der], password: PASSWORD, friendlyName: 'app1-client' }));
  }, 120_000);

  it('opens with openssl pkcs12: key, certificate and chain, PBES2/AES-256 and an HMAC-SHA256 MAC', () => {
    const out = openssl('pkcs12', '-in', file, '-passin', `pass:${PASSWORD}`, '-nodes', '-info');
    expect(out).toContain(`MAC: sha256, Iteration ${MAC_ITERATIONS}`);
    expect(out).toMatch(/Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration \d+, PRF hmacWithSHA256/);
    expect(out).toContain('friendlyName: app1-client');
    expect(out.match(/-----BEGIN CERTIFICATE-----/g)!.length).toBe(3);
    expect(out).toContain('-----BEGIN PRIVATE KEY-----');
    const iter = Number(/Shrouded Keybag: .*Iteration (\d+)/.exec(out)![1]);
    expect(iter).toBeGreaterThanOrEqual(2048);
    // The key inside is the client's key.
    const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(out)![0];
    expect(openssl('pkey', '-pubout', '-in', tmp.write(`${alg}-out.key`, keyPem))).toBe(chain.client.keys.publicKey.export({ type: 'spki', format: 'pem' }));
    // The leaf certificate comes out as it went in.
    const leaf = openssl('pkcs12', '-in', file, '-passin', `pass:${PASSWORD}`, '-clcerts', '-nokeys');
    expect(openssl('x509', '-outform', 'DER', '-in', tmp.write(`${alg}-leaf.pem`, leaf)).length).toBeGreaterThan(0);
    const fp = openssl('x509', '-noout', '-fingerprint', '-sha256', '-in', tmp.path(`${alg}-leaf.pem`));
    expect(fp.replace(/.*=/, '').trim().replace(/:/g, '').toLowerCase()).toBe(createHash('sha256').update(chain.client.der).digest('hex'));
  });

  it('a wrong password is refused by openssl (MAC check)', () => {
    const r = tool('openssl', ['pkcs12', '-in', file, '-passin', 'pass:wrong password', '-nodes']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/mac verify (failure|error)/i);
  });

  it("opens with Java's keytool: one PrivateKeyEntry with the whole chain", () => {
    const out = ok('keytool', ['-list', '-v', '-keystore', file, '-storetype', 'PKCS12', '-storepass', PASSWORD]);
    expect(out).toContain('Your keystore contains 1 entry');
    expect(out).toContain('Alias name: app1-client');
    expect(out).toContain('Entry type: PrivateKeyEntry');
    expect(out).toContain('Certificate chain length: 3');
    expect(out).toContain('Owner: CN=app1, O=acme_0000test');
    expect(out).toContain('Owner: CN=CSM platform root, O=csm');
    // keytool can also use the key: export the entry into a fresh PKCS12 store with the key password.
    ok('keytool', ['-importkeystore', '-srckeystore', file, '-srcstoretype', 'PKCS12', '-srcstorepass', PASSWORD, '-destkeystore', tmp.path(`${alg}-copy.p12`), '-deststoretype', 'PKCS12', '-deststorepass', 'another-pass', '-noprompt']);
    expect(openssl('pkcs12', '-in', tmp.path(`${alg}-copy.p12`), '-passin', 'pass:another-pass', '-nodes')).toContain('-----BEGIN PRIVATE KEY-----');
    const bad = tool('keytool', ['-list', '-keystore', file, '-storetype', 'PKCS12', '-storepass', 'wrong password']);
    expect(bad.status).not.toBe(0);
  }, 120_000);
});

describe('PKCS#12 passwords beyond ASCII', () => {
  it('a UTF-8 password (MAC over BMPString, PBES2 over UTF-8) opens in openssl', async () => {
    const chain = await makeChain('ec-p256');
    const password = 'pässwörd-ünïcode-密码';
    const file = tmp.write('utf8.p12', toPkcs12({ privateKey: chain.client.keys.privateKey, certificate: chain.client.der, chain: [chain.sub.der], password }));
    const out = openssl('pkcs12', '-in', file, '-passin', `pass:${password}`, '-nodes');
    expect(out).toContain('-----BEGIN PRIVATE KEY-----');
    expect(tool('openssl', ['pkcs12', '-in', file, '-passin', 'pass:passwort-unicode', '-nodes']).status).not.toBe(0);
  });
});

describe('toPkcs12 refuses', () => {
  it('a public key, an empty password, a malformed certificate', async () => {
    const chain = await makeChain('ec-p256');
    const spec = { privateKey: chain.client.keys.privateKey, certificate: chain.client.der, chain: [chain.sub.der], password: PASSWORD };
    expectBadInput(() => toPkcs12({ ...spec, privateKey: chain.client.keys.publicKey }), /not a private key/);
    expectBadInput(() => toPkcs12({ ...spec, password: '' }), /password/);
    expectBadInput(() => toPkcs12({ ...spec, certificate: chain.client.der.subarray(0, 100) }), /certificate/);
    expectBadInput(() => toPkcs12({ ...spec, chain: [Buffer.from('hello')] }), /chain certificate/);
  });
});
