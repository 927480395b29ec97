import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

/** Stored in the vault file so a future console can raise the cost without breaking old vaults. */
export interface KdfParams {
  name: 'scrypt';
  N: number;
  r: number;
  p: number;
  keyLength: 32;
  /** base64, 16 random bytes */
  salt: string;
}

/** Sealed value; every field base64. */
export interface Sealed {
  nonce: string;
  ciphertext: string;
  tag: string;
}

/** 2^17 with r=8: ~128 MiB and a few hundred ms per unlock, paid once per console start. */
export const DEFAULT_SCRYPT = { N: 2 ** 17, r: 8, p: 1 } as const;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

export function newKdfParams(): KdfParams {
  return { name: 'scrypt', ...DEFAULT_SCRYPT, keyLength: 32, salt: randomBytes(16).toString('base64') };
}

/**
 * Bounds for parameters read from a file: low enough that a doctored file cannot make us
 * allocate gigabytes, high enough that it cannot downgrade to a trivially guessable cost.
 */
export function kdfParamsProblem(k: KdfParams): string | null {
  const isPow2 = Number.isInteger(Math.log2(k.N));
  if (!isPow2 || k.N < 2 ** 14 || k.N > 2 ** 20) return 'scrypt N out of range';
  if (!Number.isInteger(k.r) || k.r < 1 || k.r > 32) return 'scrypt r out of range';
  if (!Number.isInteger(k.p) || k.p < 1 || k.p > 16) return 'scrypt p out of range';
  const salt = Buffer.from(k.salt, 'base64');
  if (salt.length < 16 || salt.length > 64) return 'scrypt salt has the wrong length';
  return null;
}

/** Node's default maxmem (32 MiB) is below what N=2^17, r=8 needs (128·N·r bytes): allow twice that. */
export const scryptMaxmem = (k: Pick<KdfParams, 'N' | 'r' | 'p'>): number => 2 * 128 * k.N * k.r * k.p;

export function deriveKey(passphrase: string, k: KdfParams): Promise<Buffer> {
  // NFC: the same passphrase typed through different input methods must give the same key.
  const pass = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  return new Promise((resolve, reject) => {
    scrypt(pass, Buffer.from(k.salt, 'base64'), k.keyLength, { N: k.N, r: k.r, p: k.p, maxmem: scryptMaxmem(k) }, (err, key) => {
      pass.fill(0);
      if (err) reject(err);
      else resolve(key);
    });
  });
}

/** AES-256-GCM, fresh random nonce each time; `ad` binds the value to its name so entries cannot be swapped. */
export function seal(key: Buffer, plaintext: string, ad: string): Sealed {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(ad, 'utf8'));
  const pt = Buffer.from(plaintext, 'utf8');
  const ciphertext = Buffer.concat([cipher.update(pt), cipher.final()]);
  pt.fill(0);
  return { nonce: nonce.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
}

/** The plaintext, or null if it does not authenticate (wrong key, wrong name, or altered bytes). */
export function unseal(key: Buffer, s: Sealed, ad: string): string | null {
  const nonce = Buffer.from(s.nonce, 'base64');
  const tag = Buffer.from(s.tag, 'base64');
  if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(ad, 'utf8'));
    decipher.setAuthTag(tag);
    const pt = Buffer.concat([decipher.update(Buffer.from(s.ciphertext, 'base64')), decipher.final()]);
    const text = pt.toString('utf8');
    pt.fill(0);
    return text;
  } catch {
    return null;
  }
}
