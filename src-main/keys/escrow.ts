import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../app/errors';
import { TENANT_ID_PATTERN } from '../../src-shared/rules/names';
import { NONCE_BYTES, TAG_BYTES } from './envelope';
import { fromWire, heldKekWireSchema, toWire, type HeldKek } from './local-keks';

/**
 * Key escrow: a tenant's KEK versions sealed to an escrow agent's public key, so the agent (and
 * only the holder of the matching private key) can recover the tenant's data if every console
 * is lost. Hybrid: a random or agreed 256-bit content key, AES-256-GCM over the payload.
 *   RSA (≥ 2048 bits): content key wrapped with RSA-OAEP, SHA-256 for hash and MGF1.
 *   EC P-256 / P-384: ephemeral ECDH on the agent's curve, HKDF-SHA256 (random salt, info naming
 *   the format, algorithm, tenant and recipient) to the content key.
 * The header (algorithm, tenant, recipient fingerprint, ephemeral key) is the GCM associated data.
 */
export const ESCROW_FORMAT = 'csm-key-escrow';
export const ESCROW_VERSION = 1;
export const MIN_ESCROW_RSA_BITS = 2048;
const CURVES: Record<string, 'P-256' | 'P-384'> = { prime256v1: 'P-256', secp384r1: 'P-384' };

export type EscrowAlgorithm = 'RSA-OAEP-256' | 'ECDH-ES-P256+HKDF-SHA256' | 'ECDH-ES-P384+HKDF-SHA256';

const b64 = z.string().max(16_384).regex(/^[A-Za-z0-9+/]*={0,2}$/);
const escrowSchema = z
  .object({
    format: z.literal(ESCROW_FORMAT),
    version: z.literal(ESCROW_VERSION),
    kind: z.literal('tenant-kek'),
    tenantId: z.string().regex(TENANT_ID_PATTERN),
    createdAt: z.iso.datetime(),
    algorithm: z.enum(['RSA-OAEP-256', 'ECDH-ES-P256+HKDF-SHA256', 'ECDH-ES-P384+HKDF-SHA256']),
    /** SHA-256 of the recipient's SubjectPublicKeyInfo (DER), hex: which agent key opens this. */
    recipient: z.string().regex(/^[0-9a-f]{64}$/),
    wrappedKey: b64.optional(),
    ephemeralPublicKey: b64.optional(),
    hkdfSalt: b64.optional(),
    nonce: b64,
    tag: b64,
    ciphertext: b64,
  })
  .strict();
type EscrowFile = z.infer<typeof escrowSchema>;

const payloadSchema = z.object({ tenantId: z.string(), keks: z.array(heldKekWireSchema).min(1).max(256) }).strict();

/** Accept an SPKI or PKCS#1 public key PEM; refuse private keys, certificates and junk clearly. */
export function parseEscrowPublicKey(pem: string): { key: KeyObject; algorithm: EscrowAlgorithm; recipient: string } {
  if (typeof pem !== 'string' || pem.length === 0 || pem.length > 64 * 1024) throw new AppError('BAD_INPUT', 'the escrow public key must be PEM text');
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw new AppError('BAD_INPUT', "that is a private key: give the escrow agent's public key (-----BEGIN PUBLIC KEY-----)");
  }
  if (!/-----BEGIN (RSA )?PUBLIC KEY-----[\s\S]+-----END (RSA )?PUBLIC KEY-----/.test(pem)) {
    throw new AppError('BAD_INPUT', 'the escrow public key is not a PEM public key (expected -----BEGIN PUBLIC KEY-----)');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new AppError('BAD_INPUT', 'the escrow public key PEM is damaged (its base64 or ASN.1 does not parse)');
  }
  const recipient = createHash('sha256').update(key.export({ format: 'der', type: 'spki' })).digest('hex');
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_ESCROW_RSA_BITS) throw new AppError('BAD_INPUT', `the escrow RSA key has ${bits} bits; at least ${MIN_ESCROW_RSA_BITS} are required`);
    return { key, algorithm: 'RSA-OAEP-256', recipient };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
    if (!curve) throw new AppError('BAD_INPUT', `the escrow EC key is on curve ${key.asymmetricKeyDetails?.namedCurve ?? 'unknown'}; use P-256 or P-384`);
    return { key, algorithm: curve === 'P-256' ? 'ECDH-ES-P256+HKDF-SHA256' : 'ECDH-ES-P384+HKDF-SHA256', recipient };
  }
  throw new AppError('BAD_INPUT', `escrow keys must be RSA (at least ${MIN_ESCROW_RSA_BITS} bits) or EC P-256/P-384, not ${key.asymmetricKeyType ?? 'unknown'}`);
}

function ad(f: Omit<EscrowFile, 'nonce' | 'tag' | 'ciphertext'>): Buffer {
  return Buffer.from(JSON.stringify([f.format, f.version, f.kind, f.tenantId, f.createdAt, f.algorithm, f.recipient, f.wrappedKey ?? '', f.ephemeralPublicKey ?? '', f.hkdfSalt ?? '']), 'utf8');
}

function hkdfInfo(algorithm: EscrowAlgorithm, tenantId: string, recipient: string): Buffer {
  return Buffer.from(`${ESCROW_FORMAT}/v${ESCROW_VERSION}|${algorithm}|${tenantId}|${recipient}`, 'utf8');
}

export function sealEscrow(tenantId: string, keks: HeldKek[], publicKeyPem: string): string {
  const { key, algorithm, recipient } = parseEscrowPublicKey(publicKeyPem);
  const header: Omit<EscrowFile, 'nonce' | 'tag' | 'ciphertext'> = { format: ESCROW_FORMAT, version: ESCROW_VERSION, kind: 'tenant-kek', tenantId, createdAt: new Date().toISOString(), algorithm, recipient };
  let contentKey: Buffer;
  if (algorithm === 'RSA-OAEP-256') {
    contentKey = randomBytes(32);
    header.wrappedKey = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, contentKey).toString('base64');
  } else {
    const eph = generateKeyPairSync('ec', { namedCurve: algorithm.includes('P256') ? 'prime256v1' : 'secp384r1' });
    const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: key });
    const salt = randomBytes(32);
    contentKey = Buffer.from(hkdfSync('sha256', shared, salt, hkdfInfo(algorithm, tenantId, recipient), 32));
    shared.fill(0);
    header.ephemeralPublicKey = eph.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    header.hkdfSalt = salt.toString('base64');
  }
  const payload = Buffer.from(JSON.stringify({ tenantId, keks: keks.map(toWire) }), 'utf8');
  try {
    const nonce = randomBytes(NONCE_BYTES);
    const c = createCipheriv('aes-256-gcm', contentKey, nonce, { authTagLength: TAG_BYTES });
    c.setAAD(ad(header));
    const ciphertext = Buffer.concat([c.update(payload), c.final()]);
    const file: EscrowFile = { ...header, nonce: nonce.toString('base64'), tag: c.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') };
    return JSON.stringify(file, null, 2) + '\n';
  } finally {
    payload.fill(0);
    contentKey.fill(0);
  }
}

/** The escrow agent's side: recover the tenant's KEK versions with the private key (PEM). */
export function openEscrow(text: string, privateKeyPem: string, passphrase?: string): { tenantId: string; keks: HeldKek[] } {
  let file: EscrowFile;
  try {
    file = escrowSchema.parse(JSON.parse(text));
  } catch {
    throw new AppError('BAD_INPUT', 'this is not a complete key escrow file (truncated, damaged or another format)');
  }
  let priv: KeyObject;
  try {
    priv = createPrivateKey(passphrase === undefined ? { key: privateKeyPem, format: 'pem' } : { key: privateKeyPem, format: 'pem', passphrase });
  } catch {
    throw new AppError('BAD_INPUT', 'the escrow private key PEM does not parse (or its passphrase is wrong)');
  }
  const recipient = createHash('sha256').update(createPublicKey(priv).export({ format: 'der', type: 'spki' })).digest('hex');
  if (recipient !== file.recipient) throw new AppError('BAD_INPUT', 'this escrow file was sealed to a different escrow key');
  let contentKey: Buffer;
  try {
    if (file.algorithm === 'RSA-OAEP-256') {
      if (!file.wrappedKey) throw new Error('no wrapped key');
      contentKey = privateDecrypt({ key: priv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(file.wrappedKey, 'base64'));
    } else {
      if (!file.ephemeralPublicKey || !file.hkdfSalt) throw new Error('no ephemeral key');
      const eph = createPublicKey({ key: Buffer.from(file.ephemeralPublicKey, 'base64'), format: 'der', type: 'spki' });
      const shared = diffieHellman({ privateKey: priv, publicKey: eph });
      contentKey = Buffer.from(hkdfSync('sha256', shared, Buffer.from(file.hkdfSalt, 'base64'), hkdfInfo(file.algorithm, file.tenantId, file.recipient), 32));
      shared.fill(0);
    }
  } catch {
    throw new AppError('BAD_INPUT', 'the escrow file does not open with this key: it was altered or sealed to another key');
  }
  let plain: Buffer;
  try {
    const d = createDecipheriv('aes-256-gcm', contentKey, Buffer.from(file.nonce, 'base64'), { authTagLength: TAG_BYTES });
    d.setAAD(ad(file));
    d.setAuthTag(Buffer.from(file.tag, 'base64'));
    plain = Buffer.concat([d.update(Buffer.from(file.ciphertext, 'base64')), d.final()]);
  } catch {
    throw new AppError('BAD_INPUT', 'the escrow file was altered after it was sealed (it does not authenticate)');
  } finally {
    contentKey.fill(0);
  }
  try {
    const payload = payloadSchema.parse(JSON.parse(plain.toString('utf8')));
    if (payload.tenantId !== file.tenantId) throw new Error('tenant mismatch');
    return { tenantId: file.tenantId, keks: payload.keks.map(fromWire) };
  } catch {
    throw new AppError('BAD_INPUT', 'the escrow file has an unreadable payload');
  } finally {
    plain.fill(0);
  }
}
