import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { PkiAlgorithm } from '../../src-shared/contract/pki';
import { AppError, isAppError } from '../app/errors';
import type { CqlClient } from '../cassandra/connections';
import { envelopeKeyVersion, openEnvelope, sealEnvelope } from '../keys/envelope';
import { MasterKeyProvider } from '../keys/master';
import type { SecretStore } from '../secrets/types';
import { certificateInfo, parseCertificates } from './parse';
import { PkiStore, PlatformRootStore, type CaRow, type PlatformRootRow } from './store';
import { buildCertificate, generateKeyPair, randomSerial, serialHex } from './x509';

/**
 * The tenant CA and the platform root: creation, and loading them back to sign. Shared by the
 * service (cert.caInit, cert.platformRootInit) and the provisioning hook. What is read back is
 * checked before it signs anything (a tenant admin may write these rows): the certificate parses
 * strictly, is a CA, matches the row's serial, its key is the unwrapped private key's, and a
 * subordinate verifies under the platform root.
 */

/** Seals / opens the CA's PKCS#8 under the tenant's 'ca' data key (KeyService.encrypt/decrypt). */
export interface CaKeyWrap {
  encrypt(der: Buffer, context: string): Promise<Buffer>;
  decrypt(wrapped: Buffer, context: string): Promise<Buffer>;
}

export const caKeyContext = (serial: string): string => `pki-ca/${serial}`;
export const certKeyContext = (serial: string): string => `pki-cert/${serial}`;

const PLATFORM = 'platform';
const ROOT_PURPOSE = 'platform-root-ca';
const ROOT_KEY_VERSION = 1;

const day = 86_400_000;
/** Certificates start a few minutes back: a client whose clock is a little behind still accepts them. */
export const BACKDATE_MS = 5 * 60_000;

export function pkcs8(key: KeyObject): Buffer {
  return key.export({ type: 'pkcs8', format: 'der' });
}

export function privateKeyFrom(der: Buffer, what: string): KeyObject {
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    throw new AppError('CONFLICT', `${what}: the stored private key does not open as PKCS#8`);
  } finally {
    der.fill(0);
  }
}

const spki = (k: KeyObject): Buffer => k.export({ type: 'spki', format: 'der' });

/** The certificate is the key's (same public key). */
export function keyMatches(cert: X509Certificate, key: KeyObject): boolean {
  return spki(key.type === 'public' ? key : createPublicKey(key)).equals(spki(cert.publicKey));
}

// ---------------------------------------------------------------- platform root

export interface PlatformSigner {
  row: PlatformRootRow;
  cert: X509Certificate;
  key: KeyObject;
}

function masterProvider(secrets: SecretStore): MasterKeyProvider {
  return new MasterKeyProvider(secrets, async () => null);
}

export async function createPlatformRoot(a: { client: CqlClient; secrets: SecretStore; cluster: string; algorithm: PkiAlgorithm; validityDays: number; operator: string }): Promise<PlatformRootRow> {
  const store = new PlatformRootStore(a.client);
  if (await store.get()) throw new AppError('CONFLICT', `cluster ${a.cluster} already has a platform root CA`);
  const provider = masterProvider(a.secrets);
  try {
    const master = await provider.require('creating the platform root CA');
    const pair = await generateKeyPair(a.algorithm);
    const serial = randomSerial();
    const now = Date.now();
    const built = buildCertificate({
      kind: 'root-ca',
      serial,
      subject: { commonName: `CSM platform root ${a.cluster}`.slice(0, 64), organization: 'Cassandra Security Manager' },
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + a.validityDays * day),
      publicKey: pair.publicKey,
      issuerKey: pair.privateKey,
      pathLen: 1,
    });
    const info = certificateInfo(built.der);
    const der = pkcs8(pair.privateKey);
    let wrapped: Buffer;
    try {
      wrapped = sealEnvelope(master.key, { tenantId: PLATFORM, purpose: ROOT_PURPOSE, keyVersion: ROOT_KEY_VERSION, context: `${info.serial}/${master.fingerprint}` }, der);
    } finally {
      der.fill(0);
    }
    const row: PlatformRootRow = {
      serial: info.serial,
      subject: info.subject.text,
      algorithm: a.algorithm,
      certificatePem: built.pem,
      keyWrapped: wrapped,
      masterFingerprint: master.fingerprint,
      notBefore: new Date(info.notBefore),
      notAfter: new Date(info.notAfter),
      fingerprint: info.fingerprintSha256,
      createdBy: a.operator,
      createdAt: new Date(now),
    };
    if (!(await store.insert(row))) throw new AppError('CONFLICT', `cluster ${a.cluster} already has a platform root CA (created meanwhile by another console)`);
    return row;
  } finally {
    provider.forget();
  }
}

/** The root, opened with this console's master key; null when the cluster has none (or this session may not read csm_system). */
export async function platformSigner(client: CqlClient, secrets: SecretStore, opts: { tolerateUnreadable: boolean }): Promise<PlatformSigner | null> {
  let row: PlatformRootRow | null;
  try {
    row = await new PlatformRootStore(client).get();
  } catch (e) {
    // A tenant admin's session may not read csm_system at all (nor a migration-less cluster have the table).
    if (opts.tolerateUnreadable && isAppError(e) && (e.code === 'UNAUTHORIZED_STATEMENT' || /unconfigured table|does not exist/i.test(e.message))) return null;
    throw e;
  }
  if (!row) return null;
  const cert = parseCertificates(row.certificatePem, { what: 'platform root certificate', maxCount: 1 })[0]!;
  if (certificateInfo(cert).serial !== row.serial || !cert.ca) throw new AppError('CONFLICT', 'the platform root row does not match its certificate; it is not used');
  const provider = masterProvider(secrets);
  try {
    const master = await provider.require('signing with the platform root CA');
    if (master.fingerprint !== row.masterFingerprint) {
      throw new AppError('CONFLICT', `the platform root's key is wrapped under master key ${row.masterFingerprint}, this console holds ${master.fingerprint}: import that installation's master key share`);
    }
    const key = privateKeyFrom(openEnvelope(master.key, { tenantId: PLATFORM, purpose: ROOT_PURPOSE, context: `${row.serial}/${master.fingerprint}` }, row.keyWrapped), 'platform root');
    if (!keyMatches(cert, key)) throw new AppError('CONFLICT', 'the platform root key does not belong to its certificate; it is not used');
    return { row, cert, key };
  } finally {
    provider.forget();
  }
}

// ---------------------------------------------------------------- tenant CA

export interface CaSigner {
  row: CaRow;
  cert: X509Certificate;
  key: KeyObject;
  /** Issuers above the CA (the platform root when subordinate), leaf-first. */
  above: X509Certificate[];
}

export async function createTenantCa(a: {
  tenant: string;
  store: PkiStore;
  wrap: CaKeyWrap;
  algorithm: PkiAlgorithm;
  validityDays: number;
  operator: string;
  root: PlatformSigner | null;
  rootStore: PlatformRootStore | null;
}): Promise<CaRow> {
  if (await a.store.ca()) throw new AppError('CONFLICT', `tenant ${a.tenant} already has a CA`);
  const pair = await generateKeyPair(a.algorithm);
  const serial = randomSerial();
  const now = Date.now();
  let notAfter = new Date(now + a.validityDays * day);
  if (a.root && notAfter > new Date(a.root.cert.validTo)) notAfter = new Date(a.root.cert.validTo);
  const built = buildCertificate({
    kind: a.root ? 'sub-ca' : 'root-ca',
    serial,
    subject: { commonName: `${a.tenant} CA`, organization: a.tenant, organizationalUnit: 'Cassandra Security Manager' },
    notBefore: new Date(now - BACKDATE_MS),
    notAfter,
    publicKey: pair.publicKey,
    issuerKey: a.root ? a.root.key : pair.privateKey,
    ...(a.root ? { issuerCert: a.root.cert.raw } : { pathLen: 0 }),
  });
  const info = certificateInfo(built.der);
  const wrapped = await a.wrap.encrypt(pkcs8(pair.privateKey), caKeyContext(info.serial));
  if (a.root && a.rootStore && !(await a.rootStore.recordIssued(info.serial, a.tenant, info.subject.text, notAfter, a.operator))) {
    throw new AppError('CONFLICT', `serial ${info.serial} was already used by the platform root; try again`);
  }
  const row: CaRow = {
    serial: info.serial,
    subject: info.subject.text,
    algorithm: a.algorithm,
    kind: a.root ? 'subordinate' : 'root',
    certificatePem: built.pem,
    chainPem: a.root ? `${built.pem}${a.root.row.certificatePem}` : built.pem,
    keyWrapped: wrapped,
    keyVersion: envelopeKeyVersion(wrapped),
    notBefore: new Date(info.notBefore),
    notAfter: new Date(info.notAfter),
    fingerprint: info.fingerprintSha256,
    crlNumber: 0,
    lastCrlAt: null,
    createdBy: a.operator,
    createdAt: new Date(now),
  };
  if (!(await a.store.insertCa(row))) throw new AppError('CONFLICT', `tenant ${a.tenant} already has a CA (created meanwhile by another console)`);
  return row;
}

/** The CA certificate and what is above it, checked (no key). */
export function caCertificates(row: CaRow, tenant: string): { cert: X509Certificate; above: X509Certificate[] } {
  const chain = parseCertificates(row.chainPem, { what: `CA chain of ${tenant}`, maxCount: 4 });
  const cert = chain[0]!;
  const info = certificateInfo(cert);
  if (info.serial !== row.serial || info.type !== 'ca') throw new AppError('CONFLICT', `the CA row of tenant ${tenant} does not match its certificate (serial or CA flag); it is not used`);
  if (!parseCertificates(row.certificatePem, { what: `CA certificate of ${tenant}`, maxCount: 1 })[0]!.raw.equals(cert.raw)) throw new AppError('CONFLICT', `the CA row of tenant ${tenant}: chain and certificate differ; it is not used`);
  const above = chain.slice(1);
  let child = cert;
  for (const issuer of above) {
    if (!child.verify(issuer.publicKey) || !issuer.ca) throw new AppError('CONFLICT', `the CA chain of tenant ${tenant} does not verify; it is not used`);
    child = issuer;
  }
  if (above.length === 0 && !cert.verify(cert.publicKey)) throw new AppError('CONFLICT', `the CA certificate of tenant ${tenant} is not self-signed and has no issuer in its chain; it is not used`);
  return { cert, above };
}

/** The CA ready to sign: certificate checked, key unwrapped and matched. */
export async function caSigner(row: CaRow, tenant: string, wrap: CaKeyWrap): Promise<CaSigner> {
  const { cert, above } = caCertificates(row, tenant);
  const key = privateKeyFrom(await wrap.decrypt(row.keyWrapped, caKeyContext(row.serial)), `CA of ${tenant}`);
  if (!keyMatches(cert, key)) throw new AppError('CONFLICT', `the CA key of tenant ${tenant} does not belong to its certificate; it is not used`);
  return { row, cert, key, above };
}

export { serialHex };
