import { generateKeyPairSync } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_CSR_BYTES } from '../../../src-shared/contract/pki';
import { parseCsr } from '../../../src-main/pki/csr';
import { pemDecodeAll, pemEncode } from '../../../src-main/pki/der';
import { buildCertificate, generateKeyPair, keyToPkcs8Pem, randomSerial } from '../../../src-main/pki/x509';
import { expectBadInput, openssl, scratch } from './support';

const tmp = scratch();
afterAll(() => tmp.cleanup());

/** A CSR made by openssl itself (the requester's side), checked by `openssl req -verify`. */
function opensslCsr(name: string, newkey: string[], subj: string, addext?: string): string {
  const args = ['req', '-new', ...newkey, '-nodes', '-keyout', tmp.path(`${name}.key`), '-out', tmp.path(`${name}.csr`), '-subj', subj];
  if (addext) args.push('-addext', addext);
  openssl(...args);
  expect(openssl('req', '-verify', '-noout', '-in', tmp.path(`${name}.csr`))).toMatch(/verify OK|Certificate request self-signature verify OK/);
  return tmp.read(`${name}.csr`).toString();
}

describe('parseCsr on requests openssl makes', () => {
  it('RSA-2048 with DNS and IP SANs', () => {
    const pem = opensslCsr('rsa', ['-newkey', 'rsa:2048'], '/O=acme_0000test/OU=apps/CN=app1', 'subjectAltName=DNS:app1.example,DNS:*.svc.example,IP:10.0.0.7,IP:2001:db8::1');
    const csr = parseCsr(pem);
    expect(csr.algorithm).toBe('rsa-2048');
    expect(csr.subject.commonName).toBe('app1');
    expect(csr.subject.organization).toBe('acme_0000test');
    expect(csr.subject.organizationalUnit).toBe('apps');
    expect(csr.subject.text).toBe('O=acme_0000test, OU=apps, CN=app1');
    expect(csr.sans).toEqual(['app1.example', '*.svc.example', '10.0.0.7', '2001:db8::1']);
    expect(csr.der.equals(pemDecodeAll(pem, 'x', 1e6)[0]!.der)).toBe(true);
    // The key in the CSR is the key openssl generated.
    expect(csr.publicKey.export({ type: 'spki', format: 'pem' })).toBe(openssl('pkey', '-pubout', '-in', tmp.path('rsa.key')));
  });

  it('EC P-256 and P-384 (ECDSA signatures), with and without SANs', () => {
    const p256 = parseCsr(opensslCsr('p256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=node-a', 'subjectAltName=DNS:node-a'));
    expect(p256.algorithm).toBe('ec-p256');
    expect(p256.sans).toEqual(['node-a']);
    const p384 = parseCsr(opensslCsr('p384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-sha384'], '/CN=node-b'));
    expect(p384.algorithm).toBe('ec-p384');
    expect(p384.sans).toEqual([]);
    expect(p384.subject.organization).toBeNull();
  });

  it('a certificate signed from a parsed CSR verifies with openssl and carries the requested key and SANs', async () => {
    const csr = parseCsr(opensslCsr('sign', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=app2', 'subjectAltName=DNS:app2.example'));
    const ca = await generateKeyPair('rsa-2048');
    const now = new Date(Date.now() - 1000);
    const caCert = buildCertificate({ kind: 'root-ca', serial: randomSerial(), subject: { commonName: 'CA' }, notBefore: now, notAfter: new Date(now.getTime() + 86_400_000), publicKey: ca.publicKey, issuerKey: ca.privateKey, pathLen: 0 });
    const leaf = buildCertificate({ kind: 'client', serial: randomSerial(), subject: { commonName: csr.subject.commonName!, organization: 'acme_0000test' }, sans: csr.sans, notBefore: now, notAfter: new Date(now.getTime() + 3_600_000), publicKey: csr.publicKey, issuerKey: ca.privateKey, issuerCert: caCert.der });
    expect(openssl('verify', '-purpose', 'sslclient', '-CAfile', tmp.write('ca.pem', caCert.pem), tmp.write('leaf.pem', leaf.pem))).toContain('OK');
    // The requester's private key matches the issued certificate.
    expect(openssl('x509', '-noout', '-pubkey', '-in', tmp.path('leaf.pem'))).toBe(openssl('pkey', '-pubout', '-in', tmp.path('sign.key')));
    expect(openssl('x509', '-noout', '-ext', 'subjectAltName', '-in', tmp.path('leaf.pem'))).toContain('DNS:app2.example');
  });
});

describe('parseCsr refuses', () => {
  let goodPem: string | null = null;
  const good = (): string => (goodPem ??= opensslCsr('good', ['-newkey', 'rsa:2048'], '/O=acme_0000test/OU=apps/CN=app1'));

  it('a CSR whose signature or signed content was altered', () => {
    const der = pemDecodeAll(good(), 'x', 1e6)[0]!;
    const sigFlip = Buffer.from(der.der);
    sigFlip[sigFlip.length - 5]! ^= 0x01;
    expectBadInput(() => parseCsr(pemEncode('CERTIFICATE REQUEST', sigFlip)), /signature does not verify/);
    // Change one letter of the common name inside the signed info: app1 → bpp1.
    const at = der.der.indexOf(Buffer.from('app1'));
    const nameFlip = Buffer.from(der.der);
    nameFlip[at] = 'b'.charCodeAt(0);
    expectBadInput(() => parseCsr(pemEncode('CERTIFICATE REQUEST', nameFlip)), /signature does not verify/);
  });

  it('wrong types: a certificate, a private key, a public key, two CSRs', async () => {
    const k = await generateKeyPair('ec-p256');
    const cert = buildCertificate({ kind: 'root-ca', serial: randomSerial(), subject: { commonName: 'x' }, notBefore: new Date(), notAfter: new Date(Date.now() + 1000), publicKey: k.publicKey, issuerKey: k.privateKey });
    expectBadInput(() => parseCsr(cert.pem), /a "CERTIFICATE" PEM block .* \(a certificate, not a request\)/);
    expectBadInput(() => parseCsr(keyToPkcs8Pem(k.privateKey)), /private key — never send one/);
    expectBadInput(() => parseCsr(k.publicKey.export({ type: 'spki', format: 'pem' }) as string), /PUBLIC KEY/);
    expectBadInput(() => parseCsr(good() + good()), /2 PEM blocks/);
    // A certificate's DER under a CSR label: structurally not a request.
    expectBadInput(() => parseCsr(pemEncode('CERTIFICATE REQUEST', cert.der)), /CSR: /);
  });

  it('unsupported key algorithms: RSA-1024, Ed25519, secp256k1', () => {
    expectBadInput(() => parseCsr(opensslCsr('rsa1024', ['-newkey', 'rsa:1024'], '/CN=weak')), /RSA-1024 is not supported/);
    expectBadInput(() => parseCsr(opensslCsr('ed', ['-newkey', 'ed25519'], '/CN=ed')), /ed25519 keys are not supported/);
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    tmp.write('k1.key', k1.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    openssl('req', '-new', '-key', tmp.path('k1.key'), '-out', tmp.path('k1.csr'), '-subj', '/CN=k1');
    expectBadInput(() => parseCsr(tmp.read('k1.csr').toString()), /secp256k1/);
  });

  it('signature algorithms outside RSA PKCS#1 v1.5 / ECDSA with SHA-2: RSA-PSS, SHA-1', () => {
    const key = tmp.path('sig.key');
    openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key);
    openssl('req', '-new', '-key', key, '-out', tmp.path('pss.csr'), '-subj', '/CN=pss', '-sigopt', 'rsa_padding_mode:pss');
    expectBadInput(() => parseCsr(tmp.read('pss.csr').toString()), /signature algorithm 1\.2\.840\.113549\.1\.1\.10 is not supported/);
    openssl('req', '-new', '-key', key, '-out', tmp.path('sha1.csr'), '-subj', '/CN=sha1', '-sha1');
    expectBadInput(() => parseCsr(tmp.read('sha1.csr').toString()), /signature algorithm 1\.2\.840\.113549\.1\.1\.5 is not supported/);
    openssl('req', '-new', '-key', key, '-out', tmp.path('sha512.csr'), '-subj', '/CN=sha512', '-sha512');
    expect(parseCsr(tmp.read('sha512.csr').toString()).subject.commonName).toBe('sha512');
  });

  it('SAN kinds other than DNS and IP, two common names', () => {
    expectBadInput(() => parseCsr(opensslCsr('email', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=e', 'subjectAltName=email:a@b.example')), /only DNS names and IP addresses/);
    expectBadInput(() => parseCsr(opensslCsr('uri', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=u', 'subjectAltName=URI:https://x.example')), /only DNS names and IP addresses/);
    expectBadInput(() => parseCsr(opensslCsr('twocn', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], '/CN=one/CN=two')), /more than one common name/);
  });

  it('trailing garbage, truncation, oversize, headers, non-text', () => {
    expectBadInput(() => parseCsr(`${good()}trailing`), /unexpected text after/);
    expectBadInput(() => parseCsr(good().slice(0, -30)), /no END line|truncated|malformed/);
    expectBadInput(() => parseCsr(good().replace(/\n-----END/, 'AAAA\n-----END')), /CSR: /);
    const der = pemDecodeAll(good(), 'x', 1e6)[0]!.der;
    expectBadInput(() => parseCsr(pemEncode('CERTIFICATE REQUEST', Buffer.concat([der, Buffer.from([5, 0])]))), /trailing byte/);
    expectBadInput(() => parseCsr(`${good()}${' '.repeat(MAX_CSR_BYTES)}`), new RegExp(`larger than ${MAX_CSR_BYTES}`));
    expectBadInput(() => parseCsr(''), /empty/);
    expectBadInput(() => parseCsr(42 as unknown as string), /expected PEM text/);
    expectBadInput(() => parseCsr(good().replace('-----BEGIN CERTIFICATE REQUEST-----\n', '-----BEGIN CERTIFICATE REQUEST-----\nProc-Type: 4,ENCRYPTED\n')), /headers/);
  });
});
