import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../app/errors';
import { TENANT_ID_PATTERN } from '../../src-shared/rules/names';
import { MIN_SHARE_PASSPHRASE } from '../../src-shared/contract/keys';
import { deriveKey, kdfParamsProblem, newKdfParams, type KdfParams } from '../secrets/vault-crypto';
import { KEY_BYTES, NONCE_BYTES, TAG_BYTES } from './envelope';
import { fromWire, heldKekWireSchema, toWire, type HeldKek } from './local-keks';
import { masterFingerprint } from './master';

/**
 * Passphrase-protected key share files (DESIGN §5): the installation master key, or one tenant's
 * KEK versions. JSON so an operator can see what a file is; everything secret is AES-256-GCM
 * under a key derived with scrypt (N=2^17, r=8, p=1 unless a future console raises it; the
 * parameters travel in the file and are bounds-checked on import).
 *
 * A 16-byte passphrase check value (HMAC under a second HKDF output) tells a wrong passphrase
 * (AUTH_FAILED) from a file altered after it was written (BAD_INPUT). It lets a guesser test a
 * passphrase no faster than the GCM tag would: each guess still costs one scrypt. Every header field is the
 * GCM associated data, so editing the kind, fingerprint or tenant breaks authentication.
 * Changing the salt or cost parameters changes the derived key and so reads as a wrong passphrase.
 */
export const SHARE_FORMAT = 'csm-key-share';
export const SHARE_VERSION = 1;
export { MIN_SHARE_PASSPHRASE };
/** A share file is a few KiB; anything far larger is not one. */
const MAX_SHARE_BYTES = 256 * 1024;

const b64 = (min: number, max: number) =>
  z
    .string()
    .max(Math.ceil((max * 4) / 3) + 4)
    .refine((s) => /^[A-Za-z0-9+/]*={0,2}$/.test(s), 'base64')
    .refine((s) => {
      const n = Buffer.from(s, 'base64').length;
      return n >= min && n <= max;
    }, `${min}–${max} bytes`);

const kdfSchema = z.object({
  name: z.literal('scrypt'),
  N: z.number().int(),
  r: z.number().int(),
  p: z.number().int(),
  keyLength: z.literal(32),
  salt: b64(16, 64),
});

const sealedFields = {
  format: z.literal(SHARE_FORMAT),
  version: z.literal(SHARE_VERSION),
  createdAt: z.iso.datetime(),
  kdf: kdfSchema,
  cipher: z.literal('aes-256-gcm'),
  verifier: b64(16, 16),
  nonce: b64(NONCE_BYTES, NONCE_BYTES),
  tag: b64(TAG_BYTES, TAG_BYTES),
  ciphertext: b64(1, 128 * 1024),
};

const masterShareSchema = z.object({ ...sealedFields, kind: z.literal('master'), masterFingerprint: z.string().regex(/^[0-9a-f]{16}$/) }).strict();
const tenantShareSchema = z.object({ ...sealedFields, kind: z.literal('tenant'), tenantId: z.string().regex(TENANT_ID_PATTERN) }).strict();
const shareSchema = z.discriminatedUnion('kind', [masterShareSchema, tenantShareSchema]);
type ShareFile = z.infer<typeof shareSchema>;

const tenantPayloadSchema = z.object({ tenantId: z.string(), keks: z.array(heldKekWireSchema).min(1).max(256) }).strict();

export type ShareKind = ShareFile['kind'];
type DistOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type ShareHeader = DistOmit<ShareFile, 'nonce' | 'tag' | 'ciphertext' | 'verifier'>;

function checkNewPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || passphrase.normalize('NFC').length < MIN_SHARE_PASSPHRASE) {
    throw new AppError('BAD_INPUT', `a key share passphrase needs at least ${MIN_SHARE_PASSPHRASE} characters`);
  }
}

/** What the GCM tag and the verifier cover: every header field, in a fixed order. */
function headerAd(f: ShareHeader): Buffer {
  const who = f.kind === 'master' ? f.masterFingerprint : f.tenantId;
  return Buffer.from(JSON.stringify([f.format, f.version, f.kind, who, f.createdAt, f.kdf.name, f.kdf.N, f.kdf.r, f.kdf.p, f.kdf.keyLength, f.kdf.salt, f.cipher]), 'utf8');
}

async function keys(passphrase: string, kdf: KdfParams): Promise<{ enc: Buffer; verify: Buffer }> {
  const root = await deriveKey(passphrase, kdf);
  try {
    const enc = Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), 'csm-key-share/v1/encrypt', 32));
    const verify = Buffer.from(hkdfSync('sha256', root, Buffer.alloc(0), 'csm-key-share/v1/verify', 32));
    return { enc, verify };
  } finally {
    root.fill(0);
  }
}

// Over a fixed label, not the header: an edited header must read as "altered" (BAD_INPUT, via
// the GCM tag), not as "wrong passphrase".
const verifierOf = (verifyKey: Buffer): Buffer => createHmac('sha256', verifyKey).update('csm-key-share/v1/passphrase-check').digest().subarray(0, 16);

async function seal(header: ShareHeader, payload: Buffer, passphrase: string): Promise<string> {
  checkNewPassphrase(passphrase);
  const k = await keys(passphrase, header.kdf);
  try {
    const ad = headerAd(header);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', k.enc, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(ad);
    const ciphertext = Buffer.concat([cipher.update(payload), cipher.final()]);
    const file = {
      ...header,
      verifier: verifierOf(k.verify).toString('base64'),
      nonce: nonce.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    };
    return JSON.stringify(file, null, 2) + '\n';
  } finally {
    k.enc.fill(0);
    k.verify.fill(0);
  }
}

function parseShare(text: string): ShareFile {
  if (typeof text !== 'string' || text.length === 0) throw new AppError('BAD_INPUT', 'the key share file is empty');
  if (text.length > MAX_SHARE_BYTES) throw new AppError('BAD_INPUT', 'this is not a key share file (far too large)');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('BAD_INPUT', 'the key share file is truncated or damaged (it is not complete JSON)');
  }
  const probe = json as { format?: unknown } | null;
  if (!probe || typeof probe !== 'object' || probe.format !== SHARE_FORMAT) throw new AppError('BAD_INPUT', 'this is not a console key share file');
  const parsed = shareSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues.slice(0, 3).map((i) => i.path.join('.') || 'file').join(', ');
    throw new AppError('BAD_INPUT', `the key share file is damaged or from an unknown version (check ${where})`);
  }
  const problem = kdfParamsProblem(parsed.data.kdf);
  if (problem) throw new AppError('BAD_INPUT', `the key share file has unacceptable key-derivation parameters (${problem})`);
  return parsed.data;
}

async function open(file: ShareFile, passphrase: string): Promise<Buffer> {
  if (typeof passphrase !== 'string' || passphrase.length === 0) throw new AppError('BAD_INPUT', 'a passphrase is needed to open the key share');
  const k = await keys(passphrase, file.kdf);
  try {
    const ad = headerAd(file);
    if (!timingSafeEqual(verifierOf(k.verify), Buffer.from(file.verifier, 'base64'))) {
      throw new AppError('AUTH_FAILED', 'wrong passphrase for this key share');
    }
    try {
      const d = createDecipheriv('aes-256-gcm', k.enc, Buffer.from(file.nonce, 'base64'), { authTagLength: TAG_BYTES });
      d.setAAD(ad);
      d.setAuthTag(Buffer.from(file.tag, 'base64'));
      return Buffer.concat([d.update(Buffer.from(file.ciphertext, 'base64')), d.final()]);
    } catch {
      throw new AppError('BAD_INPUT', 'the key share file was altered after it was written (it does not authenticate); get a fresh copy');
    }
  } finally {
    k.enc.fill(0);
    k.verify.fill(0);
  }
}

/** What a share file says about itself, without the passphrase (for the import dialog). */
export function describeShare(text: string): { kind: ShareKind; createdAt: string; masterFingerprint?: string; tenantId?: string } {
  const f = parseShare(text);
  return f.kind === 'master' ? { kind: 'master', createdAt: f.createdAt, masterFingerprint: f.masterFingerprint } : { kind: 'tenant', createdAt: f.createdAt, tenantId: f.tenantId };
}

export async function sealMasterShare(masterKey: Buffer, passphrase: string, kdf: KdfParams = newKdfParams()): Promise<string> {
  if (masterKey.length !== KEY_BYTES) throw new AppError('INTERNAL', 'a master key is 256 bits');
  return seal({ format: SHARE_FORMAT, version: SHARE_VERSION, kind: 'master', masterFingerprint: masterFingerprint(masterKey), createdAt: new Date().toISOString(), kdf, cipher: 'aes-256-gcm' }, masterKey, passphrase);
}

/** The master key in a share; the caller zeroes it after use. */
export async function openMasterShare(text: string, passphrase: string): Promise<Buffer> {
  const f = parseShare(text);
  if (f.kind !== 'master') throw new AppError('BAD_INPUT', `this is a tenant key share (tenant ${f.tenantId}), not a master key share`);
  const key = await open(f, passphrase);
  if (key.length !== KEY_BYTES || masterFingerprint(key) !== f.masterFingerprint) {
    key.fill(0);
    throw new AppError('BAD_INPUT', 'the key share does not hold the master key it names');
  }
  return key;
}

export async function sealTenantShare(tenantId: string, keks: HeldKek[], passphrase: string, kdf: KdfParams = newKdfParams()): Promise<string> {
  const payload = Buffer.from(JSON.stringify({ tenantId, keks: keks.map(toWire) }), 'utf8');
  try {
    return await seal({ format: SHARE_FORMAT, version: SHARE_VERSION, kind: 'tenant', tenantId, createdAt: new Date().toISOString(), kdf, cipher: 'aes-256-gcm' }, payload, passphrase);
  } finally {
    payload.fill(0);
  }
}

export async function openTenantShare(text: string, passphrase: string): Promise<{ tenantId: string; keks: HeldKek[] }> {
  const f = parseShare(text);
  if (f.kind !== 'tenant') throw new AppError('BAD_INPUT', 'this is a master key share, not a tenant key share');
  const plain = await open(f, passphrase);
  try {
    const payload = tenantPayloadSchema.safeParse(JSON.parse(plain.toString('utf8')));
    if (!payload.success || payload.data.tenantId !== f.tenantId) throw new AppError('BAD_INPUT', 'the tenant key share has an unreadable payload');
    return { tenantId: f.tenantId, keks: payload.data.keks.map(fromWire) };
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('BAD_INPUT', 'the tenant key share has an unreadable payload');
  } finally {
    plain.fill(0);
  }
}
