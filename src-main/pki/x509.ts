import { generateKeyPair as nodeGenerateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import type { PkiAlgorithm } from '../../src-shared/contract/pki';
import { AppError } from '../app/errors';
import { bitString, bool, explicit, implicitPrimitive, int, OID, oid, octets, pemEncode, seq, set, time, utf8 } from './der';
import { algorithmOf, ipToBytes, keyIdentifier, readCertificate, signatureAlgorithmDer, signTbs, spkiOf, subjectKeyIdOf } from './parse';

/**
 * The per-tenant PKI's cryptographic library (issue 8): pure functions, no storage, no channels.
 * DER is written and read by our own strict codec (der.ts); every key generation and signature
 * is node:crypto (RSA PKCS#1 v1.5 with SHA-256; ECDSA P-256/SHA-256, P-384/SHA-384).
 *
 * API (import from the file named):
 *   x509.ts
 *     generateKeyPair(alg: PkiAlgorithm): Promise<KeyPair>             KeyPair = { privateKey; publicKey: KeyObject }
 *     algorithmOf(key: KeyObject): PkiAlgorithm                         public or private; BAD_INPUT outside PKI_ALGORITHMS
 *     randomSerial(): Buffer                                             16 bytes, positive, first byte 0x40–0x7f
 *     serialHex(serial: Buffer | string): string                         lower-case hex, no colons, no leading 00
 *     serialFromHex(hex: string): Buffer                                 accepts openssl's `serial=4F3A…` / `4f:3a`
 *     buildCertificate(spec: CertificateSpec): { der: Buffer; pem: string }
 *         spec = { kind: 'root-ca'|'sub-ca'|'client'|'node', serial, subject: { commonName, organization?,
 *                  organizationalUnit? }, notBefore, notAfter, publicKey, sans?, issuerKey, issuerCert?, pathLen? }
 *     keyToPkcs8Pem(key: KeyObject): string                              unencrypted PKCS#8 PEM ("PRIVATE KEY")
 *     pemEncode(label: string, der: Buffer): string                      (from der.ts)
 *   parse.ts
 *     parseCertificates(input: string | Buffer, opts?: { maxBytes?; maxCount?; what? }): X509Certificate[]
 *     certificateInfo(cert: X509Certificate | Buffer): CertificateSummary  serial, subject/issuer (NameInfo), sans,
 *         notBefore/notAfter ISO, fingerprintSha256, algorithm | null, type 'ca'|'node'|'client'|'other', key ids
 *     readCertificate(der: Buffer): CertificateFields                    low-level fields (subject/issuer DER, spki…)
 *     keyIdentifier(key) / spkiOf(key) / ipToBytes / ipFromBytes
 *   csr.ts
 *     parseCsr(pem: string): ParsedCsr = { subject: NameInfo; sans: string[]; publicKey; algorithm; der }
 *   crl.ts
 *     buildCrl(spec: CrlSpec): { der: Buffer; pem: string }             v2, CRLNumber + AKI, reasonCode per entry
 *         spec = { issuerCert: Buffer; issuerKey; crlNumber; thisUpdate; nextUpdate; revoked: { serial; revokedAt; reason }[] }
 *     parseCrl(input: string | Buffer, issuer?: X509Certificate): ParsedCrl   (verification and tests)
 *     REASON_CODES: Record<RevocationReason, number>                     RFC 5280 CRLReason codes
 *   pkcs12.ts
 *     toPkcs12(spec: { privateKey; certificate: Buffer; chain: Buffer[]; password; friendlyName? }): Buffer
 *   bundle.ts
 *     buildBundle(spec: { caPem; certPem; keyPem; config: { contactPoints; localDataCenter; keyspaces; tenant;
 *                 username?; port? } }): Buffer                          zip: ca.pem, client.crt.pem, client.key.pem,
 *                                                                        config.json, README.txt
 *     readBundle(zip: Buffer): Bundle
 *   bench.ts
 *     pkiIssuanceBenchmarks(opts?: { runs?; rsa4096Runs?; openssl? }): Promise<Figures>
 * Every error on untrusted input is AppError('BAD_INPUT') saying what is wrong.
 */

export { algorithmOf } from './parse';
export { pemEncode } from './der';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A fresh key pair of a console algorithm (RSA e=65537; EC on the named curve). */
export function generateKeyPair(alg: PkiAlgorithm): Promise<KeyPair> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => (err ? reject(err) : resolve({ publicKey, privateKey }));
    switch (alg) {
      case 'rsa-2048':
      case 'rsa-3072':
      case 'rsa-4096':
        nodeGenerateKeyPair('rsa', { modulusLength: Number(alg.slice(4)), publicExponent: 0x10001 }, done);
        return;
      case 'ec-p256':
      case 'ec-p384':
        nodeGenerateKeyPair('ec', { namedCurve: alg === 'ec-p256' ? 'prime256v1' : 'secp384r1' }, done);
        return;
      default:
        reject(new AppError('BAD_INPUT', `key algorithm: ${String(alg)} is not supported`));
    }
  });
}

/** A positive 16-byte serial (RFC 5280: ≤ 20 octets, unpredictable); first byte 0x40–0x7f so it is never shortened. */
export function randomSerial(): Buffer {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x40;
  return b;
}

/** Lower-case hex without colons or leading zero bytes, as the contract stores serials. */
export function serialHex(serial: Buffer | string): string {
  const b = typeof serial === 'string' ? serialFromHex(serial) : serial;
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i).toString('hex');
}

/** Serial text as openssl prints it (`serial=4F3A…`, or `4f:3a:…`) → magnitude bytes. */
export function serialFromHex(hex: string): Buffer {
  const s = hex.trim().replace(/^serial=/i, '').replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{1,40}$/.test(s)) throw new AppError('BAD_INPUT', 'serial: hex digits as openssl prints them, at most 20 bytes');
  return Buffer.from(s.length % 2 ? `0${s}` : s, 'hex');
}

/** Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----") of a private key. */
export function keyToPkcs8Pem(key: KeyObject): string {
  if (key.type !== 'private') throw new AppError('BAD_INPUT', 'key: not a private key');
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export type CertificateKind = 'root-ca' | 'sub-ca' | 'client' | 'node';

export interface SubjectSpec {
  commonName: string;
  /** The tenant id, so a certificate names the tenant it belongs to. */
  organization?: string;
  organizationalUnit?: string;
}

export interface CertificateSpec {
  kind: CertificateKind;
  serial: Buffer;
  subject: SubjectSpec;
  notBefore: Date;
  notAfter: Date;
  /** The key the certificate certifies (a private KeyObject stands for its public half). */
  publicKey: KeyObject;
  /** DNS names and IPv4/IPv6 addresses (leaf certificates; ignored for none). */
  sans?: string[];
  /** The signer's private key (the subject's own key when self-signed). */
  issuerKey: KeyObject;
  /** The issuer's certificate (DER); absent when self-signed (a root). */
  issuerCert?: Buffer;
  /**
   * CA path length: default 1 for a self-signed root (a platform root may have tenant
   * subordinates under it), 0 for a subordinate (it issues only leaves). A tenant root that will
   * never have subordinates can pass 0.
   */
  pathLen?: number;
}

function nameDer(s: SubjectSpec): Buffer {
  const rdn = (type: string, value: string): Buffer => {
    if (!value || value.length > 64 || /[\u0000-\u001f\u007f]/.test(value)) throw new AppError('BAD_INPUT', `subject: ${type === OID.commonName ? 'common name' : 'attribute'} empty, too long or with control characters`);
    return set(seq(oid(type), utf8(value)));
  };
  const parts: Buffer[] = [];
  if (s.organization !== undefined) parts.push(rdn(OID.organization, s.organization));
  if (s.organizationalUnit !== undefined) parts.push(rdn(OID.organizationalUnit, s.organizationalUnit));
  parts.push(rdn(OID.commonName, s.commonName));
  return seq(...parts);
}

/** A named-bit BIT STRING for keyUsage: bit n of the list is bit (7 - n % 8) of byte n / 8, trailing zeros dropped. */
function keyUsageBits(bits: number[]): Buffer {
  const bytes = Buffer.alloc(2);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  let len = bytes[1] ? 2 : 1;
  const last = bytes[len - 1]!;
  let unused = 0;
  while (unused < 7 && !(last & (1 << unused))) unused++;
  return bitString(bytes.subarray(0, len), unused);
}

const KU = { digitalSignature: 0, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 };

const ext = (id: string, critical: boolean, value: Buffer): Buffer => (critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value)));

function sanDer(sans: string[]): Buffer {
  const names = sans.map((s) => {
    const ip = ipToBytes(s);
    if (ip) return implicitPrimitive(7, ip);
    if (!/^(?:\*\.)?[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(s) || s.length > 253) {
      throw new AppError('BAD_INPUT', 'SAN: a DNS name or an IP address');
    }
    return implicitPrimitive(2, Buffer.from(s.toLowerCase(), 'ascii'));
  });
  return seq(...names);
}

/**
 * An X.509 v3 certificate signed by `issuerKey`. Extensions by kind:
 * - root-ca / sub-ca: basicConstraints critical CA:TRUE with pathLen, keyUsage critical keyCertSign+cRLSign;
 * - client: basicConstraints critical CA:FALSE, keyUsage critical digitalSignature (+keyEncipherment for RSA), extKeyUsage clientAuth;
 * - node: as client with extKeyUsage serverAuth+clientAuth (Cassandra uses one certificate for client and internode TLS);
 * all: subjectKeyIdentifier, authorityKeyIdentifier (the issuer's SKI; its own for a root), subjectAltName when sans are given.
 */
export function buildCertificate(spec: CertificateSpec): { der: Buffer; pem: string } {
  const subjectAlg = algorithmOf(spec.publicKey);
  if (spec.issuerKey.type !== 'private') throw new AppError('BAD_INPUT', 'issuer key: not a private key');
  if (spec.serial.length === 0 || spec.serial.length > 20 || spec.serial.every((b) => b === 0)) throw new AppError('BAD_INPUT', 'serial: 1–20 bytes, not zero');
  if (!(spec.notAfter.getTime() > spec.notBefore.getTime())) throw new AppError('BAD_INPUT', 'validity: notAfter must be after notBefore');
  const selfSigned = spec.issuerCert === undefined;
  if (selfSigned && spec.kind !== 'root-ca') throw new AppError('BAD_INPUT', `a ${spec.kind} certificate needs an issuer certificate`);
  if (!selfSigned && spec.kind === 'root-ca') throw new AppError('BAD_INPUT', 'a root CA is self-signed: no issuer certificate');

  const subject = nameDer(spec.subject);
  const ski = keyIdentifier(spec.publicKey);
  let issuerName = subject;
  let aki = ski;
  if (spec.issuerCert) {
    const issuer = readCertificate(spec.issuerCert, 'issuer certificate');
    issuerName = issuer.subjectDer;
    aki = subjectKeyIdOf(issuer);
  }

  const exts: Buffer[] = [];
  const isCa = spec.kind === 'root-ca' || spec.kind === 'sub-ca';
  if (isCa) {
    const pathLen = spec.pathLen ?? (spec.kind === 'root-ca' ? 1 : 0);
    exts.push(ext(OID.basicConstraints, true, seq(bool(true), int(pathLen))));
    exts.push(ext(OID.keyUsage, true, keyUsageBits([KU.keyCertSign, KU.cRLSign])));
  } else {
    exts.push(ext(OID.basicConstraints, true, seq()));
    const usage = subjectAlg.startsWith('rsa-') ? [KU.digitalSignature, KU.keyEncipherment] : [KU.digitalSignature];
    exts.push(ext(OID.keyUsage, true, keyUsageBits(usage)));
    const eku = spec.kind === 'node' ? [oid(OID.serverAuth), oid(OID.clientAuth)] : [oid(OID.clientAuth)];
    exts.push(ext(OID.extKeyUsage, false, seq(...eku)));
  }
  exts.push(ext(OID.subjectKeyIdentifier, false, octets(ski)));
  exts.push(ext(OID.authorityKeyIdentifier, false, seq(implicitPrimitive(0, aki))));
  if (spec.sans && spec.sans.length > 0) exts.push(ext(OID.subjectAltName, false, sanDer(spec.sans)));

  const sigAlg = signatureAlgorithmDer(algorithmOf(spec.issuerKey));
  const tbs = seq(
    explicit(0, int(2)),
    int(spec.serial),
    sigAlg,
    issuerName,
    seq(time(spec.notBefore), time(spec.notAfter)),
    subject,
    spkiOf(spec.publicKey),
    explicit(3, seq(...exts)),
  );
  const [alg, signature] = signTbs(spec.issuerKey, tbs);
  const der = seq(tbs, alg, signature);
  return { der, pem: pemEncode('CERTIFICATE', der) };
}
