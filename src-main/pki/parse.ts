import { createHash, createPublicKey, sign as cryptoSign, verify as cryptoVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import type { PkiAlgorithm } from '../../src-shared/contract/pki';
import { AppError } from '../app/errors';
import {
  bitString,
  derBytes,
  derContent,
  derParse,
  expectTag,
  nul,
  OID,
  oid,
  pemDecodeAll,
  readBitString,
  readOid,
  readString,
  readTime,
  readUnsigned,
  seq,
  TAG,
  type DerNode,
} from './der';

/**
 * Reading side of the PKI library: key algorithms, signature algorithms, names, SANs, and the
 * structural parse of certificates given as untrusted PEM/DER (issue 8 item 6). Every failure on
 * untrusted input is AppError('BAD_INPUT') with a message saying what is wrong.
 */

const bad = (what: string, msg: string): AppError => new AppError('BAD_INPUT', `${what}: ${msg}`);

// ---------------------------------------------------------------- keys and signature algorithms

/** The console algorithm of a key (public or private); BAD_INPUT for anything outside PKI_ALGORITHMS. */
export function algorithmOf(key: KeyObject): PkiAlgorithm {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa') {
    const bits = details.modulusLength;
    if (bits === 2048 || bits === 3072 || bits === 4096) return `rsa-${bits}`;
    throw new AppError('BAD_INPUT', `key: RSA-${bits ?? '?'} is not supported (RSA 2048, 3072 or 4096)`);
  }
  if (type === 'ec') {
    if (details.namedCurve === 'prime256v1') return 'ec-p256';
    if (details.namedCurve === 'secp384r1') return 'ec-p384';
    throw new AppError('BAD_INPUT', `key: EC curve ${details.namedCurve ?? '?'} is not supported (P-256 or P-384)`);
  }
  throw new AppError('BAD_INPUT', `key: ${type ?? 'unknown'} keys are not supported (RSA 2048–4096, ECDSA P-256/P-384)`);
}

/** The hash a key of this algorithm signs with: SHA-384 for P-384, SHA-256 otherwise. */
export const hashFor = (alg: PkiAlgorithm): 'sha256' | 'sha384' => (alg === 'ec-p384' ? 'sha384' : 'sha256');

/** AlgorithmIdentifier of the signatures a key of this algorithm makes. */
export function signatureAlgorithmDer(alg: PkiAlgorithm): Buffer {
  if (alg.startsWith('rsa-')) return seq(oid(OID.sha256WithRSA), nul());
  return seq(oid(alg === 'ec-p384' ? OID.ecdsaSha384 : OID.ecdsaSha256));
}

/** Signs `tbs` with the private key's algorithm; returns [AlgorithmIdentifier, BIT STRING]. */
export function signTbs(privateKey: KeyObject, tbs: Buffer): [Buffer, Buffer] {
  const alg = algorithmOf(privateKey);
  const signature = cryptoSign(hashFor(alg), tbs, privateKey);
  return [signatureAlgorithmDer(alg), bitString(signature)];
}

const SIG_ALGS: Record<string, { hash: string; key: 'rsa' | 'ec' }> = {
  [OID.sha256WithRSA]: { hash: 'sha256', key: 'rsa' },
  [OID.sha384WithRSA]: { hash: 'sha384', key: 'rsa' },
  [OID.sha512WithRSA]: { hash: 'sha512', key: 'rsa' },
  [OID.ecdsaSha256]: { hash: 'sha256', key: 'ec' },
  [OID.ecdsaSha384]: { hash: 'sha384', key: 'ec' },
  [OID.ecdsaSha512]: { hash: 'sha512', key: 'ec' },
};

/** Checks a signature made by `publicKey` under the AlgorithmIdentifier `sigAlg`; false on any mismatch. */
export function verifySignature(sigAlg: DerNode, data: Buffer, signature: Buffer, publicKey: KeyObject, what: string): boolean {
  expectTag(sigAlg, TAG.SEQUENCE, what, 'signature algorithm');
  const algOid = readOid(expectTag(sigAlg.children[0], TAG.OID, what, 'signature algorithm OID'), what, 'signature algorithm');
  const known = SIG_ALGS[algOid];
  if (!known) throw bad(what, `signature algorithm ${algOid} is not supported (RSA PKCS#1 v1.5 or ECDSA with SHA-256/384/512)`);
  const params = sigAlg.children.slice(1);
  if (known.key === 'rsa' ? params.length > 1 || (params[0] && !derBytes(params[0]).equals(nul())) : params.length > 0) throw bad(what, 'signature algorithm parameters are malformed');
  if (publicKey.asymmetricKeyType !== known.key) throw bad(what, `signature algorithm ${algOid} does not match the ${publicKey.asymmetricKeyType ?? '?'} key`);
  try {
    return cryptoVerify(known.hash, data, publicKey, signature);
  } catch {
    return false;
  }
}

/** A public key from SubjectPublicKeyInfo DER; BAD_INPUT when Node cannot read it. */
export function publicKeyFromSpki(spki: Buffer, what: string): KeyObject {
  try {
    return createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    throw bad(what, 'the public key cannot be read');
  }
}

/** SubjectPublicKeyInfo DER of a key; a private key gives its public half. */
export function spkiOf(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.type !== 'public') throw new AppError('BAD_INPUT', 'key: not an asymmetric key');
  return pub.export({ type: 'spki', format: 'der' });
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING bytes. */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  const spki = derParse(spkiOf(publicKey));
  const bits = readBitString(spki.children[1]!, 'public key', 'subjectPublicKey');
  return createHash('sha1').update(bits.bytes).digest();
}

// ---------------------------------------------------------------- names

export interface NameInfo {
  commonName: string | null;
  organization: string | null;
  organizationalUnit: string | null;
  country: string | null;
  state: string | null;
  locality: string | null;
  emailAddress: string | null;
  /** Every attribute in order, `O=acme, CN=app` (openssl's order, RFC 4514 escaping of , + = \ " < > ;). */
  text: string;
}

const SHORT: Record<string, [string, keyof Omit<NameInfo, 'text'> | null]> = {
  [OID.commonName]: ['CN', 'commonName'],
  [OID.organization]: ['O', 'organization'],
  [OID.organizationalUnit]: ['OU', 'organizationalUnit'],
  [OID.country]: ['C', 'country'],
  [OID.state]: ['ST', 'state'],
  [OID.locality]: ['L', 'locality'],
  [OID.emailAddress]: ['emailAddress', 'emailAddress'],
};

const escapeRdn = (v: string): string => v.replace(/[,+=\\"<>;]/g, (c) => `\\${c}`).replace(/^[ #]|[ ]$/g, (c) => `\\${c}`);

/** Reads an X.501 Name (RDNSequence). Unknown attribute types show as their OID; duplicates of CN are refused. */
export function readName(n: DerNode | undefined, what: string, field: string): NameInfo {
  const name = expectTag(n, TAG.SEQUENCE, what, field);
  const info: NameInfo = { commonName: null, organization: null, organizationalUnit: null, country: null, state: null, locality: null, emailAddress: null, text: '' };
  const parts: string[] = [];
  for (const rdn of name.children) {
    expectTag(rdn, TAG.SET, what, `${field} RDN`);
    if (rdn.children.length === 0) throw bad(what, `${field}: empty RDN`);
    for (const atv of rdn.children) {
      expectTag(atv, TAG.SEQUENCE, what, `${field} attribute`);
      if (atv.children.length !== 2) throw bad(what, `${field}: malformed attribute`);
      const type = readOid(atv.children[0]!, what, `${field} attribute type`);
      const value = readString(atv.children[1]!, what, `${field} attribute value`);
      if (/[\u0000-\u001f\u007f]/.test(value)) throw bad(what, `${field}: control characters in an attribute value`);
      const short = SHORT[type];
      if (short?.[1]) {
        if (short[1] === 'commonName' && info.commonName !== null) throw bad(what, `${field}: more than one common name`);
        if (info[short[1]] === null) info[short[1]] = value;
      }
      parts.push(`${short?.[0] ?? type}=${escapeRdn(value)}`);
    }
  }
  info.text = parts.join(', ');
  return info;
}

// ---------------------------------------------------------------- SANs and IP addresses

/** IPv4 or IPv6 text → 4 or 16 bytes; null when it is not an IP address (zone ids like `%eth0` included). */
export function ipToBytes(s: string): Buffer | null {
  if (s.includes('%')) return null;
  const kind = isIP(s);
  if (kind === 4) return Buffer.from(s.split('.').map(Number));
  if (kind !== 6) return null;
  let text = s;
  let tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tail = v4[1]!.split('.').map(Number);
    text = `${text.slice(0, v4.index)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const hs = head ? head.split(':') : [];
  const rs = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest === undefined ? [] : new Array<string>(8 - hs.length - rs.length).fill('0');
  const groups = [...hs, ...fill, ...rs];
  if (groups.length !== 8) return null;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  if (tail.length) Buffer.from(tail).copy(out, 12);
  return out;
}

/** 4 or 16 bytes → dotted IPv4 or RFC 5952 IPv6 text. */
export function ipFromBytes(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/**
 * GeneralNames (the SubjectAltName extension value) → DNS names and IP addresses as text. With
 * `strict`, any other kind (email, URI, directory name…) is refused, as the contract says.
 */
export function readSans(extValue: Buffer, what: string, strict: boolean): string[] {
  const names = expectTag(derParse(extValue, { what }), TAG.SEQUENCE, what, 'subjectAltName');
  const out: string[] = [];
  for (const gn of names.children) {
    if (gn.tag === 0x82) {
      const c = derContent(gn);
      for (const b of c) if (b < 0x21 || b > 0x7e) throw bad(what, 'subjectAltName: a DNS name with non-printable characters');
      out.push(c.toString('latin1'));
    } else if (gn.tag === 0x87) {
      const c = derContent(gn);
      if (c.length !== 4 && c.length !== 16) throw bad(what, 'subjectAltName: an IP address that is neither 4 nor 16 bytes');
      out.push(ipFromBytes(Buffer.from(c)));
    } else if (strict) {
      throw bad(what, 'subjectAltName: only DNS names and IP addresses are accepted');
    }
  }
  return out;
}

// ---------------------------------------------------------------- extensions

export interface Extension {
  critical: boolean;
  value: Buffer;
}

/** Extensions SEQUENCE → map by OID; duplicates refused (RFC 5280 §4.2). */
export function readExtensions(n: DerNode, what: string): Map<string, Extension> {
  expectTag(n, TAG.SEQUENCE, what, 'extensions');
  const map = new Map<string, Extension>();
  for (const ext of n.children) {
    expectTag(ext, TAG.SEQUENCE, what, 'extension');
    const [idNode, second, third] = ext.children;
    const id = readOid(expectTag(idNode, TAG.OID, what, 'extension id'), what, 'extension id');
    let critical = false;
    let valueNode = second;
    if (second?.tag === TAG.BOOLEAN) {
      const c = derContent(second);
      if (c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) throw bad(what, 'extension: malformed critical flag');
      critical = c[0] === 0xff;
      valueNode = third;
    } else if (third) throw bad(what, 'extension: malformed');
    const value = derContent(expectTag(valueNode, TAG.OCTET_STRING, what, `extension ${id} value`));
    if (map.has(id)) throw bad(what, `extension ${id} appears twice`);
    map.set(id, { critical, value: Buffer.from(value) });
  }
  return map;
}

// ---------------------------------------------------------------- certificates

export const MAX_CERT_BYTES = 64 * 1024;
export const MAX_CERT_INPUT_BYTES = 512 * 1024;
export const MAX_CERTS = 16;

/** The fields of a certificate the console works with, read from its DER. */
export interface CertificateFields {
  der: Buffer;
  tbs: Buffer;
  version: number;
  serial: Buffer;
  /** The signature AlgorithmIdentifier node and the signature bytes. */
  signatureAlgorithm: DerNode;
  signature: Buffer;
  issuerDer: Buffer;
  subjectDer: Buffer;
  issuer: NameInfo;
  subject: NameInfo;
  notBefore: Date;
  notAfter: Date;
  spki: Buffer;
  extensions: Map<string, Extension>;
}

/** Structural, strict parse of an X.509 v1/v3 certificate. */
export function readCertificate(der: Buffer, what = 'certificate'): CertificateFields {
  const root = expectTag(derParse(der, { what, maxBytes: MAX_CERT_BYTES }), TAG.SEQUENCE, what, 'Certificate');
  if (root.children.length !== 3) throw bad(what, 'not an X.509 certificate (expected tbsCertificate, signatureAlgorithm, signature)');
  const [tbs, sigAlg, sig] = root.children as [DerNode, DerNode, DerNode];
  expectTag(tbs, TAG.SEQUENCE, what, 'tbsCertificate');
  const f = tbs.children;
  let i = 0;
  let version = 1;
  if (f[0]?.tag === 0xa0) {
    const v = readUnsigned(expectTag(f[0].children[0], TAG.INTEGER, what, 'version'), what, 'version');
    if (f[0].children.length !== 1 || v.length !== 1 || v[0]! > 2) throw bad(what, 'unsupported version');
    version = v[0]! + 1;
    i = 1;
  }
  const serialNode = expectTag(f[i], TAG.INTEGER, what, 'serialNumber');
  const serialContent = derContent(serialNode);
  if (serialContent.length > 21) throw bad(what, 'serial number longer than 20 bytes');
  const serial = readUnsigned(serialNode, what, 'serialNumber');
  const innerSig = expectTag(f[i + 1], TAG.SEQUENCE, what, 'signature');
  if (!derBytes(innerSig).equals(derBytes(expectTag(sigAlg, TAG.SEQUENCE, what, 'signatureAlgorithm')))) throw bad(what, 'the two signature algorithm fields differ');
  const issuerNode = expectTag(f[i + 2], TAG.SEQUENCE, what, 'issuer');
  const validity = expectTag(f[i + 3], TAG.SEQUENCE, what, 'validity');
  if (validity.children.length !== 2) throw bad(what, 'validity: malformed');
  const subjectNode = expectTag(f[i + 4], TAG.SEQUENCE, what, 'subject');
  const spkiNode = expectTag(f[i + 5], TAG.SEQUENCE, what, 'subjectPublicKeyInfo');
  let extensions = new Map<string, Extension>();
  for (const extra of f.slice(i + 6)) {
    if (extra.tag === 0xa1 || extra.tag === 0xa2 || extra.tag === 0x81 || extra.tag === 0x82) continue; // unique ids (v2)
    if (extra.tag === 0xa3) {
      if (version !== 3 || extra.children.length !== 1) throw bad(what, 'extensions in a certificate that is not v3');
      extensions = readExtensions(extra.children[0]!, what);
      continue;
    }
    throw bad(what, 'unexpected field in tbsCertificate');
  }
  return {
    der,
    tbs: Buffer.from(derBytes(tbs)),
    version,
    serial,
    signatureAlgorithm: sigAlg,
    signature: readBitString(sig, what, 'signature').bytes,
    issuerDer: Buffer.from(derBytes(issuerNode)),
    subjectDer: Buffer.from(derBytes(subjectNode)),
    issuer: readName(issuerNode, what, 'issuer'),
    subject: readName(subjectNode, what, 'subject'),
    notBefore: readTime(validity.children[0], what, 'notBefore'),
    notAfter: readTime(validity.children[1], what, 'notAfter'),
    spki: Buffer.from(derBytes(spkiNode)),
    extensions,
  };
}

export interface ParseCertificatesOptions {
  /** Refuse inputs larger than this (default 512 KiB). */
  maxBytes?: number;
  /** Refuse more certificates than this (default 16). */
  maxCount?: number;
  /** What the input is, for messages (default "certificate"). */
  what?: string;
}

/**
 * Certificates from untrusted input: PEM text with one or more CERTIFICATE blocks, or a single
 * DER certificate (Buffer). Each is parsed strictly by `readCertificate` and then by Node's
 * X509Certificate. Order is kept (a chain file stays leaf-first).
 */
export function parseCertificates(input: string | Buffer, opts: ParseCertificatesOptions = {}): X509Certificate[] {
  const what = opts.what ?? 'certificate';
  const maxBytes = opts.maxBytes ?? MAX_CERT_INPUT_BYTES;
  const maxCount = opts.maxCount ?? MAX_CERTS;
  let ders: Buffer[];
  if (Buffer.isBuffer(input) && input.length > 0 && input[0] === TAG.SEQUENCE) {
    if (input.length > maxBytes) throw bad(what, `larger than ${maxBytes} bytes`);
    ders = [input];
  } else {
    const text = Buffer.isBuffer(input) ? input.toString('latin1') : input;
    if (typeof text !== 'string') throw bad(what, 'expected PEM text or DER bytes');
    const blocks = pemDecodeAll(text, what, maxBytes);
    for (const b of blocks) {
      if (b.label !== 'CERTIFICATE') throw bad(what, `a "${b.label}" PEM block where a CERTIFICATE was expected`);
    }
    ders = blocks.map((b) => b.der);
  }
  if (ders.length > maxCount) throw bad(what, `more than ${maxCount} certificates`);
  return ders.map((der) => {
    readCertificate(der, what);
    try {
      return new X509Certificate(der);
    } catch {
      throw bad(what, 'not a certificate Node can read');
    }
  });
}

export interface CertificateSummary {
  /** Lower-case hex without colons, as the contract stores serials. */
  serial: string;
  subject: NameInfo;
  issuer: NameInfo;
  sans: string[];
  notBefore: string;
  notAfter: string;
  /** SHA-256 of the DER, lower-case hex without colons. */
  fingerprintSha256: string;
  /** null when the key is outside PKI_ALGORITHMS (a foreign certificate). */
  algorithm: PkiAlgorithm | null;
  /** ca: basicConstraints CA:TRUE; node: serverAuth in extKeyUsage; client: clientAuth only; other. */
  type: 'ca' | 'node' | 'client' | 'other';
  selfIssued: boolean;
  subjectKeyId: string | null;
  authorityKeyId: string | null;
}

/** Summary of a certificate for inventories and the contract's CertificateInfo/CaInfo fields. */
export function certificateInfo(cert: X509Certificate | Buffer): CertificateSummary {
  const der = Buffer.isBuffer(cert) ? cert : cert.raw;
  const f = readCertificate(der);
  const san = f.extensions.get(OID.subjectAltName);
  let algorithm: PkiAlgorithm | null = null;
  try {
    algorithm = algorithmOf(publicKeyFromSpki(f.spki, 'certificate'));
  } catch {
    algorithm = null;
  }
  const ski = f.extensions.get(OID.subjectKeyIdentifier);
  const aki = f.extensions.get(OID.authorityKeyIdentifier);
  return {
    serial: f.serial.toString('hex'),
    subject: f.subject,
    issuer: f.issuer,
    sans: san ? readSans(san.value, 'certificate', false) : [],
    notBefore: f.notBefore.toISOString(),
    notAfter: f.notAfter.toISOString(),
    fingerprintSha256: createHash('sha256').update(der).digest('hex'),
    algorithm,
    type: certTypeOf(f),
    selfIssued: f.issuerDer.equals(f.subjectDer),
    subjectKeyId: ski ? readKeyIdExt(ski.value) : null,
    authorityKeyId: aki ? readAkiExt(aki.value) : null,
  };
}

function certTypeOf(f: CertificateFields): CertificateSummary['type'] {
  const bc = f.extensions.get(OID.basicConstraints);
  if (bc) {
    const n = derParse(bc.value, { what: 'certificate' });
    if (n.children[0]?.tag === TAG.BOOLEAN && derContent(n.children[0])[0] === 0xff) return 'ca';
  }
  const eku = f.extensions.get(OID.extKeyUsage);
  if (!eku) return 'other';
  const usages = derParse(eku.value, { what: 'certificate' }).children.map((c) => readOid(c, 'certificate'));
  if (usages.includes(OID.serverAuth)) return 'node';
  if (usages.includes(OID.clientAuth)) return 'client';
  return 'other';
}

function readKeyIdExt(value: Buffer): string | null {
  const n = derParse(value, { what: 'certificate' });
  return n.tag === TAG.OCTET_STRING ? derContent(n).toString('hex') : null;
}

function readAkiExt(value: Buffer): string | null {
  const n = derParse(value, { what: 'certificate' });
  const id = n.children.find((c) => c.tag === 0x80);
  return id ? derContent(id).toString('hex') : null;
}

/** The key identifier a certificate's issuer-side extensions should name: its SKI, or computed from its key. */
export function subjectKeyIdOf(f: CertificateFields): Buffer {
  const ski = f.extensions.get(OID.subjectKeyIdentifier);
  if (ski) {
    const n = derParse(ski.value, { what: 'certificate' });
    if (n.tag === TAG.OCTET_STRING) return Buffer.from(derContent(n));
  }
  return keyIdentifier(publicKeyFromSpki(f.spki, 'certificate'));
}
