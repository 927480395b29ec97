import { createHash, createHmac, randomBytes, type KeyObject } from 'node:crypto';
import { AppError } from '../app/errors';
import { bmp, explicit, int, nul, OID, oid, octets, seq, set } from './der';
import { readCertificate } from './parse';

/**
 * PKCS#12 (RFC 7292) files for exports (issue 8 item 4), for RSA and EC keys alike:
 * - the private key as a pkcs8ShroudedKeyBag: node:crypto's PBES2 EncryptedPrivateKeyInfo
 *   (PBKDF2-HMAC-SHA256, AES-256-CBC);
 * - the certificate and its chain as certBags in a plain (unencrypted) SafeContents — certificates
 *   are public;
 * - the leaf's certBag and the key bag share a localKeyId and friendlyName (Java's alias);
 * - integrity: HMAC-SHA256 under the PKCS#12 KDF (Appendix B, ID 3) with MAC_ITERATIONS.
 * Opens with `openssl pkcs12` (OpenSSL 3) and Java 17's keytool.
 */

export const MAC_ITERATIONS = 10_000;

export interface Pkcs12Spec {
  privateKey: KeyObject;
  /** The leaf certificate (DER) the key belongs to. */
  certificate: Buffer;
  /** Issuer certificates (DER), leaf-first order up to the root. */
  chain: Buffer[];
  password: string;
  /** The alias Java shows; default: the certificate's common name. */
  friendlyName?: string;
}

/** UTF-16BE of the password with a two-byte terminator (RFC 7292 B.1). */
function bmpPassword(password: string): Buffer {
  const le = Buffer.from(`${password}\u0000`, 'utf16le');
  return le.swap16();
}

function fill(src: Buffer, v: number): Buffer {
  if (src.length === 0) return Buffer.alloc(0);
  const len = v * Math.ceil(src.length / v);
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i++) out[i] = src[i % src.length]!;
  return out;
}

/** RFC 7292 Appendix B.2 key derivation with SHA-256 (u = 32, v = 64). Exported for tests. */
export function pkcs12Kdf(password: string, salt: Buffer, id: 1 | 2 | 3, iterations: number, n: number): Buffer {
  const u = 32;
  const v = 64;
  const D = Buffer.alloc(v, id);
  const I = Buffer.concat([fill(salt, v), fill(bmpPassword(password), v)]);
  const blocks: Buffer[] = [];
  for (let done = 0; done < n; done += u) {
    let A = createHash('sha256').update(D).update(I).digest();
    for (let k = 1; k < iterations; k++) A = createHash('sha256').update(A).digest();
    blocks.push(A);
    if (done + u >= n) break;
    const B = fill(A, v);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = I[j + k]! + B[k]! + carry;
        I[j + k] = sum & 0xff;
        carry = sum >> 8;
      }
    }
  }
  return Buffer.concat(blocks).subarray(0, n);
}

const contentInfoData = (content: Buffer): Buffer => seq(oid(OID.pkcs7Data), explicit(0, octets(content)));

export function toPkcs12(spec: Pkcs12Spec): Buffer {
  if (spec.privateKey.type !== 'private') throw new AppError('BAD_INPUT', 'PKCS#12: not a private key');
  if (typeof spec.password !== 'string' || spec.password.length === 0) throw new AppError('BAD_INPUT', 'PKCS#12: a password is required');
  const leaf = readCertificate(spec.certificate, 'certificate');
  for (const c of spec.chain) readCertificate(c, 'chain certificate');
  const friendlyName = spec.friendlyName ?? leaf.subject.commonName ?? 'certificate';
  const localKeyId = createHash('sha1').update(spec.certificate).digest();
  const attrs = set(seq(oid(OID.friendlyName), set(bmp(friendlyName))), seq(oid(OID.localKeyId), set(octets(localKeyId))));

  let encryptedKey: Buffer;
  try {
    encryptedKey = spec.privateKey.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: spec.password });
  } catch (e) {
    throw new AppError('INTERNAL', 'PKCS#12: the private key could not be encrypted', { cause: e });
  }
  const keyBag = seq(oid(OID.pkcs8ShroudedKeyBag), explicit(0, encryptedKey), attrs);
  const certBag = (der: Buffer, withAttrs: boolean): Buffer => seq(oid(OID.certBag), explicit(0, seq(oid(OID.x509Certificate), explicit(0, octets(der)))), ...(withAttrs ? [attrs] : []));
  const certSafe = seq(certBag(spec.certificate, true), ...spec.chain.map((c) => certBag(c, false)));
  const keySafe = seq(keyBag);
  const authSafe = seq(contentInfoData(certSafe), contentInfoData(keySafe));

  const macSalt = randomBytes(16);
  const macKey = pkcs12Kdf(spec.password, macSalt, 3, MAC_ITERATIONS, 32);
  const mac = createHmac('sha256', macKey).update(authSafe).digest();
  const macData = seq(seq(seq(oid(OID.sha256), nul()), octets(mac)), octets(macSalt), int(MAC_ITERATIONS));
  return seq(int(3), contentInfoData(authSafe), macData);
}
