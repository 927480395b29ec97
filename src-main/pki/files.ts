import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { AppError } from '../app/errors';

export type FileKind = 'certificate' | 'key' | 'chain' | 'ca' | 'p12' | 'crl' | 'bundle';

export interface PlannedFile {
  path: string;
  kind: FileKind;
  bytes: Buffer;
  /** 0600 for anything holding a key (key, p12, bundle); 0644 otherwise. */
  mode: number;
}

export interface WrittenFile {
  path: string;
  kind: FileKind;
  sha256: string;
  bytes: number;
}

const SECRET_KINDS: FileKind[] = ['key', 'p12', 'bundle'];

export const planned = (path: string, kind: FileKind, bytes: Buffer | string): PlannedFile => ({
  path,
  kind,
  bytes: typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes,
  mode: SECRET_KINDS.includes(kind) ? 0o600 : 0o644,
});

/** A file name from a certificate's common name: its charset is already narrow; spaces become _. */
export function fileStem(commonName: string): string {
  const s = commonName.trim().replace(/ +/g, '_');
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(s) || s.includes('..')) throw new AppError('BAD_INPUT', `common name ${JSON.stringify(commonName)} does not make a file name`);
  return s;
}

export function inDir(dir: string, name: string): string {
  if (!isAbsolute(dir)) throw new AppError('BAD_INPUT', `${dir}: an absolute path is required`);
  return join(dir, name);
}

/** Every target is checked before anything is written (or issued): absolute, its directory there (or creatable), not a symlink or a non-file, not existing unless `overwrite`. */
export function checkTargets(paths: string[], opts: { overwrite: boolean; createDir: boolean }): void {
  const seen = new Set<string>();
  for (const path of paths) {
    if (!isAbsolute(path)) throw new AppError('BAD_INPUT', `${path}: an absolute path is required`);
    if (seen.has(path)) throw new AppError('BAD_INPUT', `${path}: named twice`);
    seen.add(path);
    const dir = dirname(path);
    let dirStat = null;
    try {
      dirStat = statSync(dir);
    } catch {
      if (!opts.createDir) throw new AppError('NOT_FOUND', `${dir}: no such directory`);
    }
    if (dirStat && !dirStat.isDirectory()) throw new AppError('BAD_INPUT', `${dir}: not a directory`);
    let st = null;
    try {
      st = lstatSync(path);
    } catch {
      st = null;
    }
    if (st) {
      if (st.isSymbolicLink()) throw new AppError('BAD_INPUT', `${path}: is a symbolic link; refusing to write through it`);
      if (!st.isFile()) throw new AppError('BAD_INPUT', `${path}: exists and is not a regular file`);
      if (!opts.overwrite) throw new AppError('CONFLICT', `${path} exists; nothing was written (pass overwrite / --overwrite to replace it)`);
    }
  }
}

/** An fs failure as an AppError naming the path (no stack, no errno soup). */
function fsError(e: unknown, path: string, doing: string): AppError {
  const code = (e as { code?: string }).code;
  if (code === 'EEXIST') return new AppError('CONFLICT', `${path} exists; nothing was written there (pass overwrite / --overwrite to replace it)`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new AppError('FORBIDDEN', `${doing} ${path}: permission denied`);
  if (code === 'ENOENT' || code === 'ENOTDIR') return new AppError('NOT_FOUND', `${doing} ${path}: no such directory`);
  if (code === 'EISDIR') return new AppError('BAD_INPUT', `${doing} ${path}: is a directory`);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new AppError('UNAVAILABLE', `${doing} ${path}: no space left`);
  return new AppError('INTERNAL', `${doing} ${path} failed (${code ?? (e instanceof Error ? e.message : String(e))})`);
}

function writeNew(path: string, bytes: Buffer, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes every file or none: all targets are checked first, so a refusal loses nothing and
 * leaves nothing half written. Key-bearing files get 0600 from the first byte. Without
 * `overwrite` a file is created exclusively ('wx': never through a symlink planted meanwhile);
 * with it, a temporary file is created exclusively in the same directory and renamed over the
 * target (rename replaces a symlink rather than following it, and there is no moment with a
 * 0644 key). Temporaries are removed on any failure. `createDir`: the parent may be created
 * (the `--out DIR` of issue/export), 0700.
 */
export function writeAll(files: PlannedFile[], opts: { overwrite: boolean; createDir: boolean }): WrittenFile[] {
  checkTargets(files.map((f) => f.path), opts);
  const out: WrittenFile[] = [];
  for (const f of files) {
    try {
      mkdirSync(dirname(f.path), { recursive: true, mode: 0o700 });
    } catch (e) {
      throw fsError(e, dirname(f.path), 'creating the directory');
    }
    if (!opts.overwrite) {
      try {
        writeNew(f.path, f.bytes, f.mode);
      } catch (e) {
        throw fsError(e, f.path, 'writing');
      }
    } else {
      const tmp = join(dirname(f.path), `.${basename(f.path)}.${randomBytes(8).toString('hex')}.tmp`);
      try {
        writeNew(tmp, f.bytes, f.mode);
        renameSync(tmp, f.path);
      } catch (e) {
        try {
          unlinkSync(tmp);
        } catch {
          // not created, or already renamed
        }
        throw fsError(e, f.path, 'writing');
      }
    }
    out.push({ path: f.path, kind: f.kind, sha256: createHash('sha256').update(f.bytes).digest('hex'), bytes: f.bytes.length });
  }
  return out;
}
