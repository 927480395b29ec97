import type { KeyObject } from 'node:crypto';
import { MAX_CSR_BYTES, MAX_SANS, type PkiAlgorithm } from '../../src-shared/contract/pki';
import { AppError } from '../app/errors';
import { derBytes, derParse, expectTag, OID, pemDecodeAll, readBitString, readOid, readSmallInt, TAG, type DerNode } from './der';
import { algorithmOf, publicKeyFromSpki, readExtensions, readName, readSans, verifySignature, type NameInfo } from './parse';

/**
 * PKCS#10 certificate signing requests from untrusted input (issue 8 items 2 and 6): exactly one
 * "CERTIFICATE REQUEST" PEM block (or "NEW CERTIFICATE REQUEST"), at most MAX_CSR_BYTES, strictly
 * DER, version 1, a key in PKI_ALGORITHMS, its self-signature verified with node:crypto, SANs
 * (DNS and IP only) read from the extensionRequest attribute. Anything else: AppError BAD_INPUT.
 */

export interface ParsedCsr {
  subject: NameInfo;
  /** DNS names and IP addresses requested in the subjectAltName extension (IPs as text). */
  sans: string[];
  publicKey: KeyObject;
  algorithm: PkiAlgorithm;
  /** The CSR's DER (what was signed and checked). */
  der: Buffer;
}

const WHAT = 'CSR';
const bad = (msg: string): AppError => new AppError('BAD_INPUT', `${WHAT}: ${msg}`);

export function parseCsr(pem: string): ParsedCsr {
  if (typeof pem !== 'string') throw bad('expected PEM text');
  const blocks = pemDecodeAll(pem, WHAT, MAX_CSR_BYTES);
  if (blocks.length !== 1) throw bad(`${blocks.length} PEM blocks; exactly one CERTIFICATE REQUEST expected`);
  const block = blocks[0]!;
  if (block.label !== 'CERTIFICATE REQUEST' && block.label !== 'NEW CERTIFICATE REQUEST') {
    const hint = block.label.includes('PRIVATE KEY') ? ' (a private key — never send one; send the CSR)' : block.label === 'CERTIFICATE' ? ' (a certificate, not a request)' : '';
    throw bad(`a "${block.label}" PEM block where a CERTIFICATE REQUEST was expected${hint}`);
  }
  return parseCsrDer(block.der);
}

export function parseCsrDer(der: Buffer): ParsedCsr {
  const root = expectTag(derParse(der, { what: WHAT, maxBytes: MAX_CSR_BYTES }), TAG.SEQUENCE, WHAT, 'CertificationRequest');
  if (root.children.length !== 3) throw bad('not a PKCS#10 request (expected certificationRequestInfo, signatureAlgorithm, signature)');
  const [info, sigAlg, sig] = root.children as [DerNode, DerNode, DerNode];
  expectTag(info, TAG.SEQUENCE, WHAT, 'certificationRequestInfo');
  const [version, subjectNode, spkiNode, attrs, ...rest] = info.children;
  if (readSmallInt(expectTag(version, TAG.INTEGER, WHAT, 'version'), WHAT, 'version') !== 0) throw bad('unsupported version (PKCS#10 v1 expected)');
  const subject = readName(subjectNode, WHAT, 'subject');
  expectTag(spkiNode, TAG.SEQUENCE, WHAT, 'subjectPKInfo');
  if (rest.length > 0) throw bad('unexpected fields after the attributes');
  if (attrs && attrs.tag !== 0xa0) throw bad('attributes: expected [0]');

  const publicKey = publicKeyFromSpki(Buffer.from(derBytes(spkiNode!)), WHAT);
  const algorithm = algorithmOf(publicKey);
  const signature = readBitString(sig, WHAT, 'signature').bytes;
  if (!verifySignature(sigAlg, Buffer.from(derBytes(info)), signature, publicKey, WHAT)) throw bad('the signature does not verify (the request was altered or not signed by its key)');

  let sans: string[] = [];
  let sawExtensionRequest = false;
  for (const attr of attrs?.children ?? []) {
    expectTag(attr, TAG.SEQUENCE, WHAT, 'attribute');
    if (attr.children.length !== 2) throw bad('malformed attribute');
    const type = readOid(attr.children[0]!, WHAT, 'attribute type');
    const values = expectTag(attr.children[1], TAG.SET, WHAT, 'attribute values');
    if (type !== OID.extensionRequest) continue; // challengePassword, unstructuredName…: ignored
    if (sawExtensionRequest || values.children.length !== 1) throw bad('more than one extensionRequest');
    sawExtensionRequest = true;
    const exts = readExtensions(values.children[0]!, WHAT);
    const san = exts.get(OID.subjectAltName);
    if (san) sans = readSans(san.value, WHAT, true);
  }
  if (sans.length > MAX_SANS) throw bad(`more than ${MAX_SANS} subject alternative names`);
  return { subject, sans, publicKey, algorithm, der: Buffer.from(der) };
}
