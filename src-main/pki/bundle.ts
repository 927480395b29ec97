import { createPrivateKey, createPublicKey } from 'node:crypto';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { AppError } from '../app/errors';
import { pemDecodeAll } from './der';
import { parseCertificates, readCertificate } from './parse';

/**
 * Secure connect bundle (issue 8 item 4): a zip with everything a tenant application's driver
 * needs to connect with mutual TLS — the CA chain, the client certificate, its key (unencrypted
 * PKCS#8: the zip is the secret, main writes it with mode 0600), and a config naming contact
 * points, the local data center and the tenant's keyspaces.
 */

export const BUNDLE_ENTRIES = ['ca.pem', 'client.crt.pem', 'client.key.pem', 'config.json', 'README.txt'] as const;
export const MAX_BUNDLE_BYTES = 1024 * 1024;

export interface BundleConfig {
  contactPoints: string[];
  localDataCenter: string;
  keyspaces: string[];
  tenant: string;
  /** The Cassandra role the application signs in as, when the bundle names one (no password, ever). */
  username?: string;
  /** CQL native port (default 9042). */
  port?: number;
}

export interface BundleSpec {
  /** The CA chain (PEM): the tenant CA and its issuers. */
  caPem: string;
  certPem: string;
  /** Unencrypted PKCS#8 "PRIVATE KEY" PEM of the client certificate's key. */
  keyPem: string;
  config: BundleConfig;
}

/** config.json as written: the BundleConfig plus the file names of the TLS material. */
export interface BundleConfigFile extends BundleConfig {
  version: 1;
  port: number;
  tls: { ca: string; cert: string; key: string; rejectUnauthorized: true };
}

export interface Bundle {
  caPem: string;
  certPem: string;
  keyPem: string;
  config: BundleConfigFile;
  readme: string;
  entries: string[];
}

const README = (c: BundleConfigFile): string => `Secure connect bundle for tenant ${c.tenant}

Files
  ca.pem          certificate authority chain to trust (the tenant CA up to its root)
                  When the chain ends in a platform root, everyone trusting that root also
                  trusts every other tenant's CA: pin your tenant CA (the first certificate in
                  ca.pem) as the trust anchor, or check the issuer, rather than trusting the root.
  client.crt.pem  this application's client certificate
  client.key.pem  its private key (PKCS#8, unencrypted) — keep this bundle secret
  config.json     contact points, local data center, keyspaces, port, file names

Node.js (cassandra-driver):
  const cfg = JSON.parse(fs.readFileSync('config.json', 'utf8'));
  new cassandra.Client({
    contactPoints: cfg.contactPoints, localDataCenter: cfg.localDataCenter, protocolOptions: { port: cfg.port },
    sslOptions: { ca: [fs.readFileSync('ca.pem')], cert: fs.readFileSync('client.crt.pem'),
                  key: fs.readFileSync('client.key.pem'), rejectUnauthorized: true },
    credentials: { username: cfg.username, password: <from your secret store> } });

Java driver 4.x: build an SSLContext from ca.pem (trust) and client.crt.pem + client.key.pem
(key manager), or convert with: openssl pkcs12 -export -in client.crt.pem -inkey client.key.pem
-certfile ca.pem -out client.p12 — then withSslContext(...), withLocalDatacenter(cfg.localDataCenter).
Python driver: ssl_context.load_verify_locations('ca.pem'); ssl_context.load_cert_chain('client.crt.pem', 'client.key.pem').
`;

export function buildBundle(spec: BundleSpec): Buffer {
  const { caPem, certPem, keyPem, config } = spec;
  const cas = parseCertificates(caPem, { what: 'CA chain' });
  const [cert] = parseCertificates(certPem, { what: 'client certificate', maxCount: 1 });
  const blocks = pemDecodeAll(keyPem, 'client key', 64 * 1024);
  if (blocks.length !== 1 || blocks[0]!.label !== 'PRIVATE KEY') throw new AppError('BAD_INPUT', 'client key: one unencrypted PKCS#8 "PRIVATE KEY" PEM block expected');
  let keySpki: Buffer;
  try {
    keySpki = createPublicKey(createPrivateKey({ key: blocks[0]!.der, format: 'der', type: 'pkcs8' })).export({ type: 'spki', format: 'der' });
  } catch {
    throw new AppError('BAD_INPUT', 'client key: not a readable PKCS#8 private key');
  }
  if (!readCertificate(cert!.raw).spki.equals(keySpki)) throw new AppError('BAD_INPUT', 'client key: does not belong to the client certificate');
  if (!cas.some((ca) => cert!.checkIssued(ca) && cert!.verify(ca.publicKey))) throw new AppError('BAD_INPUT', 'CA chain: does not contain the client certificate’s issuer');
  if (config.contactPoints.length === 0) throw new AppError('BAD_INPUT', 'bundle: at least one contact point');
  const file: BundleConfigFile = {
    version: 1,
    tenant: config.tenant,
    contactPoints: [...config.contactPoints],
    port: config.port ?? 9042,
    localDataCenter: config.localDataCenter,
    keyspaces: [...config.keyspaces],
    ...(config.username !== undefined ? { username: config.username } : {}),
    tls: { ca: 'ca.pem', cert: 'client.crt.pem', key: 'client.key.pem', rejectUnauthorized: true },
  };
  const zip = zipSync(
    {
      'ca.pem': strToU8(caPem),
      'client.crt.pem': strToU8(certPem),
      'client.key.pem': strToU8(keyPem),
      'config.json': strToU8(`${JSON.stringify(file, null, 2)}\n`),
      'README.txt': strToU8(README(file)),
    },
    { level: 6, mtime: new Date('2000-01-01T00:00:00Z') },
  );
  return Buffer.from(zip);
}

/** Reads a bundle back (verification, tests): only the known entries, bounded sizes. */
export function readBundle(zip: Buffer): Bundle {
  if (zip.length > MAX_BUNDLE_BYTES) throw new AppError('BAD_INPUT', `bundle: larger than ${MAX_BUNDLE_BYTES} bytes`);
  const names: string[] = [];
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip, {
      filter: (f) => {
        names.push(f.name);
        if (f.originalSize > MAX_BUNDLE_BYTES) throw new AppError('BAD_INPUT', `bundle: entry ${f.name} too large`);
        return (BUNDLE_ENTRIES as readonly string[]).includes(f.name);
      },
    });
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('BAD_INPUT', 'bundle: not a readable zip file');
  }
  const text = (name: string): string => {
    const f = files[name];
    if (!f) throw new AppError('BAD_INPUT', `bundle: ${name} missing`);
    return strFromU8(f);
  };
  let config: BundleConfigFile;
  try {
    config = JSON.parse(text('config.json')) as BundleConfigFile;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('BAD_INPUT', 'bundle: config.json is not JSON');
  }
  return { caPem: text('ca.pem'), certPem: text('client.crt.pem'), keyPem: text('client.key.pem'), config, readme: text('README.txt'), entries: names };
}
