import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { KdfParams, Sealed } from './vault-crypto';

export const VAULT_FORMAT = 'csm-secret-vault';

export interface VaultDoc {
  format: typeof VAULT_FORMAT;
  version: 1;
  kdf: KdfParams;
  /** A known value sealed under the key: tells a wrong passphrase apart before any entry is touched. */
  verifier: Sealed;
  entries: Record<string, Sealed>;
}

const b64 = z.string().max(200_000).regex(/^[A-Za-z0-9+/]*={0,2}$/);
const sealedSchema = z.object({ nonce: b64, ciphertext: b64, tag: b64 }).strict();
const vaultDocSchema = z
  .object({
    format: z.literal(VAULT_FORMAT),
    version: z.literal(1),
    kdf: z
      .object({ name: z.literal('scrypt'), N: z.number(), r: z.number(), p: z.number(), keyLength: z.literal(32), salt: b64 })
      .strict(),
    verifier: sealedSchema,
    entries: z.record(z.string(), sealedSchema),
  })
  .strict();

/** The parsed document, 'absent', or a reason it is not a vault (never echoing file content). */
export async function readVaultDoc(path: string): Promise<VaultDoc | 'absent' | { invalid: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { invalid: 'it is not JSON' };
  }
  const parsed = vaultDocSchema.safeParse(raw);
  if (!parsed.success) return { invalid: `unexpected structure at ${parsed.error.issues[0]?.path.join('.') || 'top level'}` };
  return parsed.data;
}

async function writeTemp(path: string, doc: VaultDoc): Promise<string> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  // 0600 at creation, so the bytes are never readable by others, not even between write and chmod.
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(JSON.stringify(doc, null, 2) + '\n', 'utf8');
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  return tmp;
}

/** Make the rename itself durable; directories cannot be opened for fsync on Windows, which is fine there. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* best effort */
  }
}

/** Replace the vault atomically: readers see the old file or the new one, never half of either. */
export async function writeVaultDoc(path: string, doc: VaultDoc): Promise<void> {
  const tmp = await writeTemp(path, doc);
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dirname(path));
}

/** Create only if nothing is there (link fails on an existing name): two consoles starting together cannot clobber each other. */
export async function createVaultDoc(path: string, doc: VaultDoc): Promise<'created' | 'exists'> {
  const tmp = await writeTemp(path, doc);
  try {
    await link(tmp, path);
    await syncDir(dirname(path));
    return 'created';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}
