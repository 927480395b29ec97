import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AppError } from '../../app/errors';
import { sha256hex } from './snapshot-file';

/**
 * Write an output file (snapshot, CSV, report) readable by the user only. Without `overwrite`
 * an existing file is a CONFLICT and is left as it is; with it, the new content goes to a
 * temporary file that replaces the old one in one rename, so a failed write loses nothing.
 */
export async function writeOut(path: string, data: Uint8Array | string, overwrite: boolean): Promise<{ path: string; sha256: string; bytes: number }> {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const target = overwrite ? join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`) : path;
  let fh;
  try {
    fh = await open(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new AppError('CONFLICT', `${path} exists; it was left as it is (overwrite to replace it)`);
    throw new AppError('BAD_INPUT', `cannot create ${path} (${code ?? 'error'})`);
  }
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(target).catch(() => undefined);
    throw new AppError('UNAVAILABLE', `writing ${path} failed (${(e as NodeJS.ErrnoException).code ?? 'error'}); nothing was left behind`);
  }
  await fh.close();
  if (overwrite) await rename(target, path);
  return { path, sha256: sha256hex(bytes), bytes: bytes.length };
}
