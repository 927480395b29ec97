import { createCipheriv, createDecipheriv, randomFillSync, type KeyObject } from 'node:crypto';
import { AppError } from '../app/errors';
import { TENANT_ID_PATTERN } from '../../src-shared/rules/names';

/**
 * One sealed value (DESIGN §5): AES-256-GCM, a fresh random nonce per value, and associated data
 * naming the tenant, the purpose, the key version and an optional context (the cache entry, the
 * wrapped key's slot), so a ciphertext copied to another tenant, purpose or row does not open.
 *
 * Binary layout, version 1 (big-endian):
 *   [0]      0xC5        magic
 *   [1]      0x01        format version
 *   [2..5]   uint32      key version (which key of the tenant/purpose sealed it)
 *   [6..17]  12 bytes    nonce
 *   [18..33] 16 bytes    GCM tag
 *   [34..]   ciphertext  (same length as the plaintext)
 * The first six bytes are part of the associated data too, so the header cannot be edited.
 *
 * Errors are AppError('BAD_INPUT') through EnvelopeError: `malformed` for bytes that are not an
 * envelope (truncated, wrong magic, unknown version) and `unauthenticated` for an envelope that
 * does not open (altered, moved, or sealed under another key). Neither message carries key or
 * plaintext bytes. BAD_INPUT because the stored value, not the caller's credentials, is at fault.
 */
export const ENVELOPE_MAGIC = 0xc5;
export const ENVELOPE_FORMAT = 0x01;
export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const PREFIX_BYTES = 6;
export const HEADER_BYTES = PREFIX_BYTES + NONCE_BYTES + TAG_BYTES;
const MAX_KEY_VERSION = 0xffff_ffff;
const MAX_CONTEXT_BYTES = 1024;
/** Same grammar as secret purposes: lower case, digits, dashes. */
export const ENVELOPE_PURPOSE_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
const AD_DOMAIN = Buffer.from('csm-envelope\u0000v1', 'utf8');

export type EnvelopeKey = Buffer | KeyObject;

export interface EnvelopeBinding {
  tenantId: string;
  purpose: string;
  keyVersion: number;
  /** What the value is (a cache entry key, `cache/v3` for a wrapped data key …); empty when the purpose says it all. */
  context?: string;
}

export interface ParsedEnvelope {
  format: number;
  keyVersion: number;
  nonce: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

export type EnvelopeFailure = 'malformed' | 'unauthenticated';

export class EnvelopeError extends AppError {
  readonly reason: EnvelopeFailure;
  constructor(reason: EnvelopeFailure, message: string) {
    super('BAD_INPUT', message);
    this.name = 'EnvelopeError';
    this.reason = reason;
  }
}

export function isEnvelopeError(e: unknown): e is EnvelopeError {
  return e instanceof EnvelopeError;
}

function checkBinding(b: EnvelopeBinding): { context: Buffer } {
  if (typeof b.tenantId !== 'string' || !TENANT_ID_PATTERN.test(b.tenantId)) throw new AppError('BAD_INPUT', 'envelope: invalid tenant id');
  if (typeof b.purpose !== 'string' || !ENVELOPE_PURPOSE_PATTERN.test(b.purpose)) throw new AppError('BAD_INPUT', 'envelope: invalid purpose');
  if (!Number.isInteger(b.keyVersion) || b.keyVersion < 1 || b.keyVersion > MAX_KEY_VERSION) {
    throw new AppError('BAD_INPUT', 'envelope: key version must be an integer from 1 to 2^32-1');
  }
  const context = Buffer.from(b.context ?? '', 'utf8');
  if (context.length > MAX_CONTEXT_BYTES) throw new AppError('BAD_INPUT', `envelope: context longer than ${MAX_CONTEXT_BYTES} bytes`);
  return { context };
}

function prefix(keyVersion: number): Buffer {
  const p = Buffer.alloc(PREFIX_BYTES);
  p[0] = ENVELOPE_MAGIC;
  p[1] = ENVELOPE_FORMAT;
  p.writeUInt32BE(keyVersion, 2);
  return p;
}

/**
 * Length-prefixed, so no two bindings encode alike ("ab"+"c" ≠ "a"+"bc"):
 * domain ‖ u8 len ‖ tenant ‖ u8 len ‖ purpose ‖ u32 version ‖ u16 len ‖ context ‖ header prefix.
 */
export function associatedData(b: EnvelopeBinding): Buffer {
  const { context } = checkBinding(b);
  const tenant = Buffer.from(b.tenantId, 'utf8');
  const purpose = Buffer.from(b.purpose, 'utf8');
  const out = Buffer.alloc(AD_DOMAIN.length + 1 + tenant.length + 1 + purpose.length + 4 + 2 + context.length + PREFIX_BYTES);
  let o = AD_DOMAIN.copy(out, 0);
  o = out.writeUInt8(tenant.length, o);
  o += tenant.copy(out, o);
  o = out.writeUInt8(purpose.length, o);
  o += purpose.copy(out, o);
  o = out.writeUInt32BE(b.keyVersion, o);
  o = out.writeUInt16BE(context.length, o);
  o += context.copy(out, o);
  prefix(b.keyVersion).copy(out, o);
  return out;
}

function checkKey(key: EnvelopeKey): void {
  const len = Buffer.isBuffer(key) ? key.length : key.symmetricKeySize;
  if (len !== KEY_BYTES) throw new AppError('INTERNAL', 'envelope: the key is not 256 bits');
}

// Nonces come from the CSPRNG in 4 KiB refills rather than one call per value: a call costs
// several microseconds, and every byte handed out is used once and never again.
const noncePool = Buffer.alloc(NONCE_BYTES * 341);
let noncePos = noncePool.length;
function freshNonce(): Buffer {
  if (noncePos + NONCE_BYTES > noncePool.length) {
    randomFillSync(noncePool);
    noncePos = 0;
  }
  const nonce = Buffer.from(noncePool.subarray(noncePos, noncePos + NONCE_BYTES));
  noncePool.fill(0, noncePos, noncePos + NONCE_BYTES);
  noncePos += NONCE_BYTES;
  return nonce;
}

export function sealEnvelope(key: EnvelopeKey, binding: EnvelopeBinding, plaintext: Uint8Array): Buffer {
  checkKey(key);
  const ad = associatedData(binding);
  const nonce = freshNonce();
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(ad);
  const body = cipher.update(plaintext);
  const last = cipher.final();
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length + last.length);
  prefix(binding.keyVersion).copy(out, 0);
  nonce.copy(out, PREFIX_BYTES);
  cipher.getAuthTag().copy(out, PREFIX_BYTES + NONCE_BYTES);
  body.copy(out, HEADER_BYTES);
  last.copy(out, HEADER_BYTES + body.length);
  return out;
}

/** Structure only: no key needed. Rejects anything that is not a complete version-1 envelope. */
export function parseEnvelope(blob: Uint8Array): ParsedEnvelope {
  if (!(blob instanceof Uint8Array)) throw new EnvelopeError('malformed', 'encrypted value: expected bytes');
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (b.length < HEADER_BYTES) {
    throw new EnvelopeError('malformed', `encrypted value is truncated (${b.length} bytes, an envelope has at least ${HEADER_BYTES})`);
  }
  if (b[0] !== ENVELOPE_MAGIC) throw new EnvelopeError('malformed', 'encrypted value is not a console envelope (wrong magic byte)');
  if (b[1] !== ENVELOPE_FORMAT) throw new EnvelopeError('malformed', `encrypted value has format ${b[1]}, this console reads format ${ENVELOPE_FORMAT}`);
  const keyVersion = b.readUInt32BE(2);
  if (keyVersion < 1) throw new EnvelopeError('malformed', 'encrypted value names key version 0');
  return {
    format: ENVELOPE_FORMAT,
    keyVersion,
    nonce: b.subarray(PREFIX_BYTES, PREFIX_BYTES + NONCE_BYTES),
    tag: b.subarray(PREFIX_BYTES + NONCE_BYTES, HEADER_BYTES),
    ciphertext: b.subarray(HEADER_BYTES),
  };
}

/** The key version in the header, so the caller can fetch the right key before opening. */
export function envelopeKeyVersion(blob: Uint8Array): number {
  return parseEnvelope(blob).keyVersion;
}

/**
 * Open with the key the header names; `binding` gives tenant, purpose and context (the version
 * comes from the header and is authenticated with the rest).
 */
export function openEnvelope(key: EnvelopeKey, binding: Omit<EnvelopeBinding, 'keyVersion'>, blob: Uint8Array): Buffer {
  return openParsed(key, binding, parseEnvelope(blob));
}

/** openEnvelope for a value already parsed (to pick its key), so the bytes are parsed once. */
export function openParsed(key: EnvelopeKey, binding: Omit<EnvelopeBinding, 'keyVersion'>, env: ParsedEnvelope): Buffer {
  checkKey(key);
  const ad = associatedData({ ...binding, keyVersion: env.keyVersion });
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, env.nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(ad);
    decipher.setAuthTag(env.tag);
    const body = decipher.update(env.ciphertext);
    const last = decipher.final();
    return last.length === 0 ? body : Buffer.concat([body, last]);
  } catch {
    throw new EnvelopeError(
      'unauthenticated',
      `encrypted ${binding.purpose} value of tenant ${binding.tenantId} does not authenticate: it was altered, moved from another tenant or field, or sealed under another key`,
    );
  }
}
