import { createHash } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
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

/**
 * Writes every file or none: all targets are checked first, so a refusal loses nothing and
 * leaves nothing half written. Key-bearing files get 0600 (also when an existing file is
 * overwritten). `createDir`: the parent may be created (the `--out DIR` of issue/export), 0700.
 */
export function writeAll(files: PlannedFile[], opts: { overwrite: boolean; createDir: boolean }): WrittenFile[] {
  checkTargets(files.map((f) => f.path), opts);
  const out: WrittenFile[] = [];
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true, mode: 0o700 });
    const fd = openSync(f.path, opts.overwrite ? 'w' : 'wx', f.mode);
    try {
      writeSync(fd, f.bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(f.path, f.mode);
    out.push({ path: f.path, kind: f.kind, sha256: createHash('sha256').update(f.bytes).digest('hex'), bytes: f.bytes.length });
  }
  return out;
}
