import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVOCATION_REASONS } from '../../../src-shared/contract/pki';
import { buildCrl, parseCrl, REASON_CODES } from '../../../src-main/pki/crl';
import { pemEncode } from '../../../src-main/pki/der';
import { serialHex } from '../../../src-main/pki/x509';
import { expectBadInput, makeChain, openssl, scratch, tool, type Chain } from './support';

const tmp = scratch();
afterAll(() => tmp.cleanup());
const DAY = 86_400_000;

describe.each(['rsa-2048', 'ec-p384'] as const)('CRL signed by a %s tenant CA', (alg) => {
  let chain: Chain;
  beforeAll(async () => {
    chain = await makeChain(alg);
    tmp.write(`${alg}-root.pem`, chain.root.pem);
    tmp.write(`${alg}-sub.pem`, chain.sub.pem);
    tmp.write(`${alg}-chain.pem`, chain.sub.pem + chain.root.pem);
    tmp.write(`${alg}-client.pem`, chain.client.pem);
    tmp.write(`${alg}-node.pem`, chain.node.pem);
  }, 120_000);

  it('openssl verifies it and reads the number, the AKI and every reason', () => {
    const now = new Date(Date.now() - 1000);
    const revoked = REVOCATION_REASONS.map((reason, i) => ({ serial: i === 0 ? chain.client.serial : serialHex(Buffer.from([0x10 + i, 0xaa])), revokedAt: new Date(now.getTime() - i * DAY), reason }));
    const crl = buildCrl({ issuerCert: chain.sub.der, issuerKey: chain.sub.keys.privateKey, crlNumber: 42, thisUpdate: now, nextUpdate: new Date(now.getTime() + 7 * DAY), revoked });
    expect(crl.pem).toMatch(/^-----BEGIN X509 CRL-----\n/);
    const text = openssl('crl', '-verify', '-noout', '-text', '-CAfile', tmp.path(`${alg}-chain.pem`), '-in', tmp.write(`${alg}.crl`, crl.pem));
    expect(text).toContain('verify OK');
    expect(text).toContain('Version 2 (0x1)');
    expect(text).toMatch(/CRL Number: \s*\n\s+42\n/);
    expect(text).toContain(`Issuer: O = acme_0000test, CN = acme_0000test CA`);
    const ski = /Subject Key Identifier: \s*\n\s+([0-9A-F:]+)/.exec(openssl('x509', '-noout', '-text', '-in', tmp.path(`${alg}-sub.pem`)))![1]!;
    expect(text).toMatch(new RegExp(`Authority Key Identifier: \\s*\\n\\s+(?:keyid:)?${ski}`));
    expect(text).toContain(`Serial Number: ${serialHex(chain.client.serial).toUpperCase()}`);
    for (const name of ['Key Compromise', 'CA Compromise', 'Affiliation Changed', 'Superseded', 'Cessation Of Operation', 'Privilege Withdrawn']) expect(text).toContain(name);
    // reasonCode is left out for "unspecified" (RFC 5280 §5.3.1): 6 reason codes for 7 entries.
    expect(text.match(/CRL Reason Code/g)!.length).toBe(REVOCATION_REASONS.length - 1);

    const parsed = parseCrl(crl.pem, new X509Certificate(chain.sub.der));
    expect(parsed.verified).toBe(true);
    expect(parsed.crlNumber).toBe(42n);
    expect(parsed.revoked.map((r) => r.reason)).toEqual([...REVOCATION_REASONS]);
    expect(parsed.revoked.map((r) => r.reasonCode)).toEqual(REVOCATION_REASONS.map((r) => (r === 'unspecified' ? null : REASON_CODES[r])));
    expect(parsed.revoked[0]!.serial).toBe(serialHex(chain.client.serial));
    expect(parsed.nextUpdate!.getTime() - parsed.thisUpdate.getTime()).toBe(7 * DAY);
    // Another CA's key does not verify it.
    expect(parseCrl(crl.der, new X509Certificate(chain.root.der)).verified).toBe(false);
  });

  it('openssl verify -crl_check refuses the revoked certificate and accepts the others', () => {
    const now = new Date(Date.now() - 1000);
    const subCrl = buildCrl({ issuerCert: chain.sub.der, issuerKey: chain.sub.keys.privateKey, crlNumber: 1, thisUpdate: now, nextUpdate: new Date(now.getTime() + DAY), revoked: [{ serial: chain.client.serial, revokedAt: now, reason: 'keyCompromise' }] });
    const rootCrl = buildCrl({ issuerCert: chain.root.der, issuerKey: chain.root.keys.privateKey, crlNumber: 1, thisUpdate: now, nextUpdate: new Date(now.getTime() + DAY), revoked: [] });
    tmp.write(`${alg}-crls.pem`, subCrl.pem + rootCrl.pem);
    const args = (leaf: string): string[] => ['verify', '-crl_check_all', '-CRLfile', tmp.path(`${alg}-crls.pem`), '-CAfile', tmp.path(`${alg}-root.pem`), '-untrusted', tmp.path(`${alg}-sub.pem`), tmp.path(`${alg}-${leaf}.pem`)];
    const revoked = tool('openssl', args('client'));
    expect(revoked.status).not.toBe(0);
    expect(revoked.stdout + revoked.stderr).toContain('certificate revoked');
    expect(openssl(...args('node'))).toContain(': OK');
    // An empty CRL (no revokedCertificates field at all) is valid too.
    expect(parseCrl(rootCrl.pem, new X509Certificate(chain.root.der)).revoked).toEqual([]);
  });

  it('refuses nonsense specs and malformed CRL input', () => {
    const now = new Date();
    const spec = { issuerCert: chain.sub.der, issuerKey: chain.sub.keys.privateKey, crlNumber: 1, thisUpdate: now, nextUpdate: new Date(now.getTime() + DAY), revoked: [] };
    expectBadInput(() => buildCrl({ ...spec, nextUpdate: now }), /nextUpdate/);
    expectBadInput(() => buildCrl({ ...spec, issuerKey: chain.sub.keys.publicKey }), /not a private key/);
    expectBadInput(() => buildCrl({ ...spec, revoked: [{ serial: 'zz', revokedAt: now, reason: 'superseded' }] }), /serial/);
    expectBadInput(() => buildCrl({ ...spec, revoked: [{ serial: 'ab', revokedAt: now, reason: 'certificateHold' as never }] }), /unknown reason/);
    const good = buildCrl(spec);
    expectBadInput(() => parseCrl(good.pem.replace(/X509 CRL/g, 'CERTIFICATE')), /X509 CRL/);
    expectBadInput(() => parseCrl(pemEncode('X509 CRL', good.der.subarray(0, good.der.length - 3))), /CRL: /);
    expectBadInput(() => parseCrl(chain.sub.der), /CRL: /);
  });
});
