import type { KeyObject, X509Certificate } from 'node:crypto';
import { REVOCATION_REASONS, type RevocationReason } from '../../src-shared/contract/pki';
import { AppError } from '../app/errors';
import { derBytes, derContent, derParse, enumerated, explicit, expectTag, implicitPrimitive, int, OID, oid, octets, pemDecodeAll, pemEncode, readBitString, readSmallInt, readTime, readUnsigned, seq, TAG, time, type DerNode } from './der';
import { algorithmOf, publicKeyFromSpki, readCertificate, readExtensions, readName, signatureAlgorithmDer, signTbs, subjectKeyIdOf, verifySignature } from './parse';

/**
 * Certificate revocation lists (issue 8 item 3): X.509 v2 CRLs signed by a tenant CA, with the
 * CRLNumber and AuthorityKeyIdentifier extensions and a reasonCode per entry (RFC 5280 §5).
 */

/** RFC 5280 §5.3.1 CRLReason codes of the contract's reasons. */
export const REASON_CODES: Record<RevocationReason, number> = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
};

export interface RevokedEntry {
  /** Magnitude bytes, or hex as the contract stores it. */
  serial: Buffer | string;
  revokedAt: Date;
  reason: RevocationReason;
}

export interface CrlSpec {
  /** The CA certificate (DER) whose key signs the CRL. */
  issuerCert: Buffer;
  issuerKey: KeyObject;
  crlNumber: number | bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: RevokedEntry[];
}

const serialBytes = (s: Buffer | string): Buffer => {
  if (Buffer.isBuffer(s)) return s;
  const h = s.replace(/:/g, '').toLowerCase();
  if (!/^[0-9a-f]{1,40}$/.test(h)) throw new AppError('BAD_INPUT', 'CRL entry: serial must be hex');
  return Buffer.from(h.length % 2 ? `0${h}` : h, 'hex');
};

export function buildCrl(spec: CrlSpec): { der: Buffer; pem: string } {
  const issuer = readCertificate(spec.issuerCert, 'issuer certificate');
  const alg = algorithmOf(spec.issuerKey);
  if (spec.issuerKey.type !== 'private') throw new AppError('BAD_INPUT', 'CRL: the issuer key is not a private key');
  if (!(spec.nextUpdate.getTime() > spec.thisUpdate.getTime())) throw new AppError('BAD_INPUT', 'CRL: nextUpdate must be after thisUpdate');
  if (BigInt(spec.crlNumber) < 0n) throw new AppError('BAD_INPUT', 'CRL: crlNumber must be non-negative');
  const entries = spec.revoked.map((r) => {
    if (!REVOCATION_REASONS.includes(r.reason)) throw new AppError('BAD_INPUT', `CRL entry: unknown reason ${String(r.reason)}`);
    const code = REASON_CODES[r.reason];
    // RFC 5280 §5.3.1: reasonCode SHOULD be absent rather than "unspecified".
    const extsDer = code === 0 ? [] : [seq(seq(oid(OID.crlReason), octets(enumerated(code))))];
    return seq(int(serialBytes(r.serial)), time(r.revokedAt), ...extsDer);
  });
  const crlExts = seq(seq(oid(OID.authorityKeyIdentifier), octets(seq(implicitPrimitive(0, subjectKeyIdOf(issuer))))), seq(oid(OID.crlNumber), octets(int(BigInt(spec.crlNumber)))));
  const tbs = seq(
    int(1),
    signatureAlgorithmDer(alg),
    issuer.subjectDer,
    time(spec.thisUpdate),
    time(spec.nextUpdate),
    ...(entries.length ? [seq(...entries)] : []),
    explicit(0, crlExts),
  );
  const [sigAlg, signature] = signTbs(spec.issuerKey, tbs);
  const der = seq(tbs, sigAlg, signature);
  return { der, pem: pemEncode('X509 CRL', der) };
}

export interface ParsedCrl {
  issuer: string;
  crlNumber: bigint | null;
  thisUpdate: Date;
  nextUpdate: Date | null;
  revoked: { serial: string; revokedAt: Date; reason: RevocationReason | null; reasonCode: number | null }[];
  /** true when `issuer` was given and its key verifies the signature (and names match). */
  verified: boolean;
  der: Buffer;
}

const WHAT = 'CRL';
const bad = (msg: string): AppError => new AppError('BAD_INPUT', `${WHAT}: ${msg}`);

/** Reads a CRL (PEM "X509 CRL" or DER), and checks its signature against `issuer` when given. */
export function parseCrl(input: string | Buffer, issuer?: X509Certificate): ParsedCrl {
  let der: Buffer;
  if (Buffer.isBuffer(input) && input[0] === TAG.SEQUENCE) der = input;
  else {
    const blocks = pemDecodeAll(Buffer.isBuffer(input) ? input.toString('latin1') : input, WHAT, 4 * 1024 * 1024);
    if (blocks.length !== 1 || blocks[0]!.label !== 'X509 CRL') throw bad('expected exactly one "X509 CRL" PEM block');
    der = blocks[0]!.der;
  }
  const root = expectTag(derParse(der, { what: WHAT, maxBytes: 4 * 1024 * 1024 }), TAG.SEQUENCE, WHAT, 'CertificateList');
  if (root.children.length !== 3) throw bad('not a CRL');
  const [tbs, sigAlg, sig] = root.children as [DerNode, DerNode, DerNode];
  const f = expectTag(tbs, TAG.SEQUENCE, WHAT, 'tbsCertList').children;
  let i = 0;
  if (f[0]?.tag === TAG.INTEGER) {
    if (readSmallInt(f[0], WHAT, 'version') !== 1) throw bad('unsupported version');
    i = 1;
  }
  if (!derBytes(expectTag(f[i], TAG.SEQUENCE, WHAT, 'signature')).equals(derBytes(expectTag(sigAlg, TAG.SEQUENCE, WHAT, 'signatureAlgorithm')))) throw bad('the two signature algorithm fields differ');
  const issuerNode = expectTag(f[i + 1], TAG.SEQUENCE, WHAT, 'issuer');
  const thisUpdate = readTime(f[i + 2], WHAT, 'thisUpdate');
  let j = i + 3;
  let nextUpdate: Date | null = null;
  if (f[j] && (f[j]!.tag === TAG.UTC_TIME || f[j]!.tag === TAG.GENERALIZED_TIME)) nextUpdate = readTime(f[j++], WHAT, 'nextUpdate');
  const revoked: ParsedCrl['revoked'] = [];
  if (f[j]?.tag === TAG.SEQUENCE) {
    for (const e of f[j]!.children) {
      expectTag(e, TAG.SEQUENCE, WHAT, 'revoked entry');
      const serial = readUnsigned(expectTag(e.children[0], TAG.INTEGER, WHAT, 'revoked serial'), WHAT, 'revoked serial').toString('hex');
      const revokedAt = readTime(e.children[1], WHAT, 'revocationDate');
      let reasonCode: number | null = null;
      if (e.children[2]) {
        const exts = readExtensions(e.children[2], WHAT);
        const r = exts.get(OID.crlReason);
        if (r) {
          const n = expectTag(derParse(r.value, { what: WHAT }), TAG.ENUMERATED, WHAT, 'reasonCode');
          const c = derContent(n);
          if (c.length !== 1) throw bad('reasonCode: malformed');
          reasonCode = c[0]!;
        }
      }
      const reason = reasonCode === null ? 'unspecified' : ((Object.entries(REASON_CODES).find(([, v]) => v === reasonCode)?.[0] ?? null) as RevocationReason | null);
      revoked.push({ serial, revokedAt, reason, reasonCode });
    }
    j++;
  }
  let crlNumber: bigint | null = null;
  if (f[j]?.tag === 0xa0) {
    const exts = readExtensions(expectTag(f[j]!.children[0], TAG.SEQUENCE, WHAT, 'crlExtensions'), WHAT);
    const n = exts.get(OID.crlNumber);
    if (n) crlNumber = BigInt(`0x${readUnsigned(derParse(n.value, { what: WHAT }), WHAT, 'crlNumber').toString('hex') || '0'}`);
    j++;
  }
  if (f[j]) throw bad('unexpected field in tbsCertList');
  let verified = false;
  if (issuer) {
    const ic = readCertificate(issuer.raw, 'issuer certificate');
    const signature = readBitString(sig, WHAT, 'signature').bytes;
    verified = ic.subjectDer.equals(derBytes(issuerNode)) && verifySignature(sigAlg, Buffer.from(derBytes(tbs)), signature, publicKeyFromSpki(ic.spki, 'issuer certificate'), WHAT);
  }
  return { issuer: readName(issuerNode, WHAT, 'issuer').text, crlNumber, thisUpdate, nextUpdate, revoked, verified, der: Buffer.from(der) };
}
