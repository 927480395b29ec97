import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PKI_ALGORITHMS, serialSchema } from '../../../src-shared/contract/pki';
import { derParse, time, derContent } from '../../../src-main/pki/der';
import { certificateInfo, ipFromBytes, ipToBytes, parseCertificates, readCertificate } from '../../../src-main/pki/parse';
import { algorithmOf, buildCertificate, generateKeyPair, keyToPkcs8Pem, randomSerial, serialFromHex, serialHex } from '../../../src-main/pki/x509';
import { expectBadInput, makeChain, openssl, scratch, tool, type Chain } from './support';

const tmp = scratch();
afterAll(() => tmp.cleanup());

describe.each(PKI_ALGORITHMS)('certificate chain %s', (alg) => {
  let chain: Chain;
  beforeAll(async () => {
    chain = await makeChain(alg);
    tmp.write(`${alg}-root.pem`, chain.root.pem);
    tmp.write(`${alg}-sub.pem`, chain.sub.pem);
    tmp.write(`${alg}-client.pem`, chain.client.pem);
    tmp.write(`${alg}-node.pem`, chain.node.pem);
  }, 240_000);

  it('openssl verifies root → sub-CA → client and node, for their purposes', () => {
    for (const [leaf, purpose] of [['client', 'sslclient'], ['node', 'sslserver'], ['node', 'sslclient']] as const) {
      const out = openssl('verify', '-x509_strict', '-purpose', purpose, '-CAfile', tmp.path(`${alg}-root.pem`), '-untrusted', tmp.path(`${alg}-sub.pem`), tmp.path(`${alg}-${leaf}.pem`));
      expect(out).toContain(': OK');
    }
    // Without the sub-CA the leaf does not chain; a client cert is not a server cert.
    expect(tool('openssl', ['verify', '-CAfile', tmp.path(`${alg}-root.pem`), tmp.path(`${alg}-client.pem`)]).status).not.toBe(0);
    expect(tool('openssl', ['verify', '-purpose', 'sslserver', '-CAfile', tmp.path(`${alg}-root.pem`), '-untrusted', tmp.path(`${alg}-sub.pem`), tmp.path(`${alg}-client.pem`)]).status).not.toBe(0);
  });

  it('has the extensions its kind needs, as openssl reads them', () => {
    const text = (name: string): string => openssl('x509', '-noout', '-text', '-in', tmp.path(`${alg}-${name}.pem`));
    const sigName = alg === 'ec-p384' ? 'ecdsa-with-SHA384' : alg.startsWith('ec') ? 'ecdsa-with-SHA256' : 'sha256WithRSAEncryption';
    const root = text('root');
    expect(root).toContain('Version: 3 (0x2)');
    expect(root).toContain(`Signature Algorithm: ${sigName}`);
    expect(root).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
    expect(root).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(root).toContain('Subject Key Identifier');
    const sub = text('sub');
    expect(sub).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(sub).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(sub).toContain('Issuer: O = csm, CN = CSM platform root');
    expect(sub).toContain('Subject: O = acme_0000test, CN = acme_0000test CA');
    const usage = alg.startsWith('rsa') ? 'Digital Signature, Key Encipherment' : 'Digital Signature';
    const client = text('client');
    expect(client).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(client).toMatch(new RegExp(`Key Usage: critical\\s+${usage}\\n`));
    expect(client).toMatch(/Extended Key Usage: \s*\n\s+TLS Web Client Authentication\n/);
    const node = text('node');
    expect(node).toMatch(/Extended Key Usage: \s*\n\s+TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(node).toContain('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    // AKI of each certificate is its issuer's SKI.
    const ski = (t: string): string => /Subject Key Identifier: \s*\n\s+([0-9A-F:]+)/.exec(t)![1]!;
    const aki = (t: string): string => /Authority Key Identifier: \s*\n\s+(?:keyid:)?([0-9A-F:]+)/.exec(t)![1]!;
    expect(aki(root)).toBe(ski(root));
    expect(aki(sub)).toBe(ski(root));
    expect(aki(client)).toBe(ski(sub));
    expect(aki(node)).toBe(ski(sub));
  });

  it('certificateInfo matches what openssl and Node print', () => {
    const [x] = parseCertificates(chain.node.pem);
    const info = certificateInfo(x!);
    expect(info.serial).toBe(serialHex(chain.node.serial));
    expect(openssl('x509', '-noout', '-serial', '-in', tmp.path(`${alg}-node.pem`)).trim()).toBe(`serial=${info.serial.toUpperCase()}`);
    expect(serialSchema.parse(openssl('x509', '-noout', '-serial', '-in', tmp.path(`${alg}-node.pem`)).trim().slice(7))).toBe(info.serial);
    expect(info.fingerprintSha256).toBe(x!.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(info.algorithm).toBe(alg);
    expect(info.type).toBe('node');
    expect(info.subject.commonName).toBe('localhost');
    expect(info.subject.organization).toBe('acme_0000test');
    expect(info.issuer.text).toBe('O=acme_0000test, CN=acme_0000test CA');
    expect(info.sans).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(new Date(info.notAfter).getTime()).toBe(new Date(x!.validTo).getTime());
    expect(certificateInfo(parseCertificates(chain.sub.pem)[0]!).type).toBe('ca');
    expect(certificateInfo(chain.client.der).type).toBe('client');
    expect(certificateInfo(chain.root.der).selfIssued).toBe(true);
    // Node agrees on the chain too.
    const [root, sub, client] = [chain.root.der, chain.sub.der, chain.client.der].map((d) => new X509Certificate(d)) as [X509Certificate, X509Certificate, X509Certificate];
    expect(sub.verify(root.publicKey)).toBe(true);
    expect(client.verify(sub.publicKey)).toBe(true);
    expect(client.checkIssued(sub)).toBe(true);
    expect(client.verify(root.publicKey)).toBe(false);
  });
});

describe('keys and serials', () => {
  it('generates every algorithm and reads it back', async () => {
    for (const alg of ['rsa-2048', 'ec-p256', 'ec-p384'] as const) {
      const k = await generateKeyPair(alg);
      expect(algorithmOf(k.publicKey)).toBe(alg);
      expect(algorithmOf(k.privateKey)).toBe(alg);
      const pem = keyToPkcs8Pem(k.privateKey);
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(openssl('pkey', '-noout', '-text', '-in', tmp.write(`k-${alg}.pem`, pem))).toContain(alg === 'rsa-2048' ? 'Private-Key: (2048 bit' : alg === 'ec-p256' ? 'P-256' : 'P-384');
      expect(createPrivateKey(pem).asymmetricKeyType).toBe(alg.startsWith('rsa') ? 'rsa' : 'ec');
    }
    expectBadInput(() => keyToPkcs8Pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey), /not a private key/);
  });

  it('refuses keys outside the policy algorithms', () => {
    expectBadInput(() => algorithmOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), /RSA-1024/);
    expectBadInput(() => algorithmOf(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey), /secp256k1/);
    expectBadInput(() => algorithmOf(generateKeyPairSync('ed25519').publicKey), /ed25519/);
    expectBadInput(() => algorithmOf(generateKeyPairSync('ec', { namedCurve: 'secp521r1' }).privateKey), /secp521r1/);
  });

  it('serials are positive, 16 bytes, never shortened, unique over many draws; hex round-trips with openssl', () => {
    const seen = new Set<string>();
    let malformed = 0;
    for (let i = 0; i < 100_000; i++) {
      const s = randomSerial();
      if (s.length !== 16 || s[0]! & 0x80 || s[0] === 0 || serialHex(s).length !== 32) malformed++;
      seen.add(s.toString('hex'));
    }
    expect(malformed).toBe(0);
    expect(seen.size).toBe(100_000);
    expect(serialHex(Buffer.from('00ab', 'hex'))).toBe('ab');
    expect(serialHex('4F:3A:00')).toBe('4f3a00');
    expect(serialFromHex('serial=0ABC').toString('hex')).toBe('0abc');
    expect(serialFromHex('abc').toString('hex')).toBe('0abc');
    expectBadInput(() => serialFromHex('xyz'));
    expectBadInput(() => serialFromHex('00'.repeat(21)));
  });
});

describe('encoding details', () => {
  it('UTCTime before 2050, GeneralizedTime from 2050 (RFC 5280), read back by openssl', async () => {
    expect(derParse(time(new Date('2049-12-31T23:59:59.999Z'))).tag).toBe(0x17);
    expect(derContent(derParse(time(new Date('2049-12-31T23:59:59Z')))).toString()).toBe('491231235959Z');
    expect(derContent(derParse(time(new Date('2050-01-01T00:00:00Z')))).toString()).toBe('20500101000000Z');
    const k = await generateKeyPair('ec-p256');
    const c = buildCertificate({ kind: 'root-ca', serial: randomSerial(), subject: { commonName: 'far' }, notBefore: new Date('2049-06-01T00:00:00Z'), notAfter: new Date('2051-06-01T12:30:00Z'), publicKey: k.publicKey, issuerKey: k.privateKey });
    const text = openssl('x509', '-noout', '-dates', '-in', tmp.write('far.pem', c.pem));
    expect(text).toContain('notBefore=Jun  1 00:00:00 2049 GMT');
    expect(text).toContain('notAfter=Jun  1 12:30:00 2051 GMT');
    expect(readCertificate(c.der).notAfter.toISOString()).toBe('2051-06-01T12:30:00.000Z');
  });

  it('IPv4/IPv6 SANs encode to 4/16 bytes and print canonically', () => {
    expect(ipToBytes('10.1.2.3')!.toString('hex')).toBe('0a010203');
    expect(ipToBytes('::1')!.toString('hex')).toBe(`${'00'.repeat(15)}01`);
    expect(ipToBytes('2001:db8::8:800:200c:417a')!.toString('hex')).toBe('20010db8000000000008080020 0c417a'.replace(' ', ''));
    expect(ipToBytes('::ffff:192.0.2.1')!.toString('hex')).toBe(`${'00'.repeat(10)}ffffc0000201`);
    expect(ipToBytes('node1.example')).toBeNull();
    expect(ipToBytes('1.2.3.256')).toBeNull();
    expect(ipToBytes('fe80::1%eth0')).toBeNull();
    expect(ipFromBytes(ipToBytes('2001:0db8:0000:0000:0000:ff00:0042:8329')!)).toBe('2001:db8::ff00:42:8329');
    expect(ipFromBytes(ipToBytes('2001:db8:0:1:1:1:1:1')!)).toBe('2001:db8:0:1:1:1:1:1');
    expect(ipFromBytes(ipToBytes('::')!)).toBe('::');
  });

  it('refuses certificate specs that make no sense', async () => {
    const k = await generateKeyPair('ec-p256');
    const base = { serial: randomSerial(), subject: { commonName: 'x' }, notBefore: new Date(), notAfter: new Date(Date.now() + 1000), publicKey: k.publicKey, issuerKey: k.privateKey };
    const root = buildCertificate({ ...base, kind: 'root-ca' });
    expectBadInput(() => buildCertificate({ ...base, kind: 'client' }), /issuer certificate/);
    expectBadInput(() => buildCertificate({ ...base, kind: 'root-ca', issuerCert: root.der }), /self-signed/);
    expectBadInput(() => buildCertificate({ ...base, kind: 'root-ca', notAfter: base.notBefore }), /notAfter/);
    expectBadInput(() => buildCertificate({ ...base, kind: 'root-ca', serial: Buffer.alloc(4) }), /serial/);
    expectBadInput(() => buildCertificate({ ...base, kind: 'client', issuerCert: root.der, sans: ['bad name!'] }), /SAN/);
    expectBadInput(() => buildCertificate({ ...base, kind: 'root-ca', subject: { commonName: 'a\nb' } }), /control/);
    expectBadInput(() => buildCertificate({ ...base, kind: 'client', issuerCert: Buffer.from('3003020101', 'hex') }), /issuer certificate/);
    // A private key as the subject key stands for its public half (same SPKI, same SKI).
    const fromPrivate = buildCertificate({ ...base, kind: 'root-ca', publicKey: k.privateKey });
    expect(readCertificate(fromPrivate.der).spki.equals(readCertificate(root.der).spki)).toBe(true);
    expect(certificateInfo(fromPrivate.der).subjectKeyId).toBe(certificateInfo(root.der).subjectKeyId);
  });
});

describe('path length', () => {
  it('a tenant sub-CA (pathLen 0) cannot mint another CA: openssl refuses what it would sign', async () => {
    const chain = await makeChain('ec-p256');
    const rogue = await generateKeyPair('ec-p256');
    const now = new Date(Date.now() - 1000);
    const rogueCa = buildCertificate({ kind: 'sub-ca', serial: randomSerial(), subject: { commonName: 'rogue CA' }, notBefore: now, notAfter: new Date(now.getTime() + 86_400_000), publicKey: rogue.publicKey, issuerKey: chain.sub.keys.privateKey, issuerCert: chain.sub.der });
    const leaf = buildCertificate({ kind: 'client', serial: randomSerial(), subject: { commonName: 'x' }, notBefore: now, notAfter: new Date(now.getTime() + 3_600_000), publicKey: chain.client.keys.publicKey, issuerKey: rogue.privateKey, issuerCert: rogueCa.der });
    const r = tool('openssl', ['verify', '-CAfile', tmp.write('pl-root.pem', chain.root.pem), '-untrusted', tmp.write('pl-mid.pem', chain.sub.pem + rogueCa.pem), tmp.write('pl-leaf.pem', leaf.pem)]);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('path length constraint exceeded');
  });
});

describe('parseCertificates', () => {
  let chain: Chain;
  beforeAll(async () => {
    chain = await makeChain('ec-p256');
  });

  it('reads one or many PEM blocks and DER, in order', () => {
    expect(parseCertificates(chain.node.pem).map((c) => c.subject)).toEqual(['O=acme_0000test\nCN=localhost']);
    const many = parseCertificates(`${chain.node.pem}\n${chain.sub.pem}\r\n${chain.root.pem.replace(/\n/g, '\r\n')}`);
    expect(many.map((c) => certificateInfo(c).subject.commonName)).toEqual(['localhost', 'acme_0000test CA', 'CSM platform root']);
    expect(parseCertificates(chain.sub.der)[0]!.raw.equals(chain.sub.der)).toBe(true);
    expect(parseCertificates(Buffer.from(chain.sub.pem))[0]!.raw.equals(chain.sub.der)).toBe(true);
  });

  it('reads certificates openssl made (foreign, v3, RSA)', () => {
    const key = tmp.path('f.key');
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', tmp.path('f.pem'), '-subj', '/C=DE/O=Foreign Org/CN=foreign.example', '-days', '2', '-addext', 'subjectAltName=DNS:foreign.example,IP:192.168.1.7,email:a@b.example');
    const [c] = parseCertificates(tmp.read('f.pem').toString());
    const info = certificateInfo(c!);
    expect(info.subject.text).toBe('C=DE, O=Foreign Org, CN=foreign.example');
    expect(info.sans).toEqual(['foreign.example', '192.168.1.7']);
    expect(info.algorithm).toBe('rsa-2048');
    expect(info.type).toBe('ca');
    openssl('req', '-x509', '-newkey', 'ed25519', '-nodes', '-keyout', key, '-out', tmp.path('g.pem'), '-subj', '/CN=ed', '-days', '2');
    expect(certificateInfo(parseCertificates(tmp.read('g.pem').toString())[0]!).algorithm).toBeNull();
  });

  it('refuses wrong labels, too many blocks, oversize, text around blocks', () => {
    expectBadInput(() => parseCertificates(chain.node.pem.replace(/CERTIFICATE/g, 'CERTIFICATE REQUEST')), /CERTIFICATE REQUEST.*where a CERTIFICATE/);
    expectBadInput(() => parseCertificates(keyToPkcs8Pem(chain.node.keys.privateKey)), /PRIVATE KEY/);
    expectBadInput(() => parseCertificates(chain.node.pem.repeat(17)), /more than 16/);
    expectBadInput(() => parseCertificates(chain.node.pem.repeat(3), { maxCount: 2 }), /more than 2/);
    expectBadInput(() => parseCertificates(`${chain.node.pem}\n${' '.repeat(600 * 1024)}`), /larger than/);
    expectBadInput(() => parseCertificates(`${chain.node.pem}garbage\n`), /unexpected text after/);
    expectBadInput(() => parseCertificates(`hello\n${chain.node.pem}`), /not PEM/);
    expectBadInput(() => parseCertificates(''), /empty/);
    expectBadInput(() => parseCertificates(Buffer.concat([chain.node.der, Buffer.from([0])])), /trailing/);
    expectBadInput(() => parseCertificates(chain.node.pem.replace('-----END CERTIFICATE-----', '-----END X509 CRL-----')), /different END/);
    expectBadInput(() => parseCertificates(chain.node.pem.replace('-----BEGIN CERTIFICATE-----\n', '-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n')), /headers/);
  });
});
