import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCrl } from '../../../src-main/pki/crl';
import { buildBundle, readBundle } from '../../../src-main/pki/bundle';
import { keyToPkcs8Pem } from '../../../src-main/pki/x509';
import { expectBadInput, makeChain, type Chain } from './support';

const DAY = 86_400_000;

interface Outcome {
  connected: boolean;
  serverSawClient: string | null;
  error: string | null;
}

/** One mutual-TLS handshake on loopback: the server asks for and checks a client certificate. */
async function handshake(server: { key: string; cert: string; ca: string; crl?: string[] }, client: { key?: string; cert?: string; ca: string; servername?: string | null }): Promise<Outcome> {
  let serverSawClient: string | null = null;
  const srv = tls.createServer({ key: server.key, cert: server.cert, ca: server.ca, requestCert: true, rejectUnauthorized: true, ...(server.crl ? { crl: server.crl } : {}), minVersion: 'TLSv1.2' }, (sock) => {
    const cn = sock.getPeerCertificate().subject?.CN;
    serverSawClient = Array.isArray(cn) ? cn.join(',') : (cn ?? null);
    sock.end('hello');
  });
  srv.on('tlsClientError', () => undefined);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as AddressInfo).port;
  try {
    return await new Promise<Outcome>((resolve) => {
      const sock = tls.connect({ host: '127.0.0.1', port, ...(client.servername === null ? {} : { servername: client.servername ?? 'localhost' }), ca: client.ca, key: client.key, cert: client.cert, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
      let data = '';
      sock.on('data', (d: Buffer) => (data += d.toString()));
      sock.on('end', () => resolve({ connected: data === 'hello', serverSawClient, error: data === 'hello' ? null : 'closed without data' }));
      sock.on('error', (e) => resolve({ connected: false, serverSawClient, error: e.message }));
    });
  } finally {
    srv.close();
  }
}

describe.each(['rsa-2048', 'ec-p256'] as const)('Node TLS accepts console-issued %s certificates', (alg) => {
  let c: Chain;
  let foreign: Chain;
  let server: { key: string; cert: string; ca: string };
  beforeAll(async () => {
    [c, foreign] = await Promise.all([makeChain(alg), makeChain(alg, 'zzz_0000other')]);
    server = { key: keyToPkcs8Pem(c.node.keys.privateKey), cert: c.node.pem + c.sub.pem, ca: c.root.pem };
  }, 120_000);

  it('node certificate serves TLS and the client certificate authenticates (mutual TLS)', async () => {
    const r = await handshake(server, { key: keyToPkcs8Pem(c.client.keys.privateKey), cert: c.client.pem + c.sub.pem, ca: c.root.pem });
    expect(r).toEqual({ connected: true, serverSawClient: 'app1', error: null });
    // Cassandra internode: the node certificate is also a client certificate.
    const n = await handshake(server, { key: keyToPkcs8Pem(c.node.keys.privateKey), cert: c.node.pem + c.sub.pem, ca: c.root.pem });
    expect(n.connected).toBe(true);
    // Without a server name the host 127.0.0.1 is checked against the IP SAN.
    const ip = await handshake(server, { key: keyToPkcs8Pem(c.client.keys.privateKey), cert: c.client.pem + c.sub.pem, ca: c.root.pem, servername: null });
    expect(ip.connected).toBe(true);
    // A name the node certificate does not carry is refused by the client.
    const wrong = await handshake(server, { key: keyToPkcs8Pem(c.client.keys.privateKey), cert: c.client.pem + c.sub.pem, ca: c.root.pem, servername: 'other.example' });
    expect(wrong.connected).toBe(false);
    expect(wrong.error).toMatch(/altnames/);
  });

  it('refuses a client without a certificate, and one from another CA', async () => {
    const none = await handshake(server, { ca: c.root.pem });
    expect(none.connected).toBe(false);
    expect(none.serverSawClient).toBeNull();
    const other = await handshake(server, { key: keyToPkcs8Pem(foreign.client.keys.privateKey), cert: foreign.client.pem + foreign.sub.pem, ca: c.root.pem });
    expect(other.connected).toBe(false);
    expect(other.serverSawClient).toBeNull();
  });

  it('refuses a client certificate revoked in the CRL', async () => {
    const now = new Date(Date.now() - 1000);
    const crl = (who: Chain['sub'] | Chain['root'], revoked: Buffer[]): string =>
      buildCrl({ issuerCert: who.der, issuerKey: who.keys.privateKey, crlNumber: 1, thisUpdate: now, nextUpdate: new Date(now.getTime() + DAY), revoked: revoked.map((serial) => ({ serial, revokedAt: now, reason: 'keyCompromise' as const })) }).pem;
    const withCrl = { ...server, crl: [crl(c.sub, [c.client.serial]), crl(c.root, [])] };
    const revoked = await handshake(withCrl, { key: keyToPkcs8Pem(c.client.keys.privateKey), cert: c.client.pem + c.sub.pem, ca: c.root.pem });
    expect(revoked.connected).toBe(false);
    expect(revoked.serverSawClient).toBeNull();
    const fine = await handshake(withCrl, { key: keyToPkcs8Pem(c.node.keys.privateKey), cert: c.node.pem + c.sub.pem, ca: c.root.pem });
    expect(fine.connected).toBe(true);
  });

  it('a client-only certificate cannot serve TLS (extKeyUsage clientAuth)', async () => {
    const r = await handshake({ key: keyToPkcs8Pem(c.client.keys.privateKey), cert: c.client.pem + c.sub.pem, ca: c.root.pem }, { key: keyToPkcs8Pem(c.node.keys.privateKey), cert: c.node.pem + c.sub.pem, ca: c.root.pem, servername: 'app1' });
    expect(r.connected).toBe(false);
    expect(r.error).toMatch(/unsuitable certificate purpose/i);
  });

  it('a secure connect bundle carries what the driver needs and connects', async () => {
    const zip = buildBundle({ caPem: c.sub.pem + c.root.pem, certPem: c.client.pem, keyPem: keyToPkcs8Pem(c.client.keys.privateKey), config: { contactPoints: ['127.0.0.1'], localDataCenter: 'dc1', keyspaces: ['tenant_acme_0000test_app'], tenant: 'acme_0000test', username: 'tenant_acme_0000test_u_app' } });
    const b = readBundle(zip);
    expect(b.entries.sort()).toEqual(['README.txt', 'ca.pem', 'client.crt.pem', 'client.key.pem', 'config.json']);
    expect(b.config).toEqual({ version: 1, tenant: 'acme_0000test', contactPoints: ['127.0.0.1'], port: 9042, localDataCenter: 'dc1', keyspaces: ['tenant_acme_0000test_app'], username: 'tenant_acme_0000test_u_app', tls: { ca: 'ca.pem', cert: 'client.crt.pem', key: 'client.key.pem', rejectUnauthorized: true } });
    expect(b.readme).toContain('sslOptions');
    expect(b.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    // Exactly the bundle's files complete a mutual-TLS handshake (trust: the chain's root).
    const r = await handshake(server, { key: b.keyPem, cert: b.certPem + c.sub.pem, ca: b.caPem });
    expect(r.connected).toBe(true);
    // Refusals: a key that is not the certificate's, a CA chain without the issuer, an encrypted key, junk zips.
    expectBadInput(() => buildBundle({ caPem: c.sub.pem, certPem: c.client.pem, keyPem: keyToPkcs8Pem(c.sub.keys.privateKey), config: b.config }), /does not belong/);
    expectBadInput(() => buildBundle({ caPem: foreign.sub.pem, certPem: c.client.pem, keyPem: keyToPkcs8Pem(c.client.keys.privateKey), config: b.config }), /issuer/);
    expectBadInput(() => buildBundle({ caPem: c.sub.pem, certPem: c.client.pem, keyPem: c.client.keys.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string, config: b.config }), /PKCS#8/);
    expectBadInput(() => buildBundle({ caPem: c.sub.pem, certPem: c.client.pem, keyPem: keyToPkcs8Pem(c.client.keys.privateKey), config: { ...b.config, contactPoints: [] } }), /contact point/);
    expectBadInput(() => readBundle(Buffer.from('PK\u0003\u0004 not really a zip')), /zip/);
    expectBadInput(() => readBundle(zip.subarray(0, zip.length - 30)), /bundle/);
  });
});
