import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { unzipSync } from 'fflate';
import { AppError } from '../../app/errors';
import type { Line } from './parse';

/**
 * Audit log files as byte streams of lines, with bounded memory (issue 9, item 2).
 *
 * - plain files are read in 1 MiB chunks from an offset; the live `audit.log` is read up to its
 *   last newline (a line still being written is left for the next run);
 * - `.gz` streams through zlib; `.zip` (logback's rotated `audit.log.<date>.<i>.zip`) is the one
 *   exception to streaming: fflate inflates a member whole, so a member over MAX_ZIP_MEMBER bytes
 *   is refused (logback rolls at 50 MB here);
 * - a file's identity is the hash of its first line (a logback record with a millisecond
 *   timestamp, thread and client port), not its name: the active file keeps its identity when
 *   logback renames and zips it, so offsets and idempotency keys carry over to the rotated copy.
 */

export const MAX_LINE_BYTES = 1024 * 1024;
export const MAX_ZIP_MEMBER = 256 * 1024 * 1024;
/** A zip's members together (declared uncompressed sizes) and how many members it may have. */
export const MAX_ZIP_TOTAL = 1024 * 1024 * 1024;
export const MAX_ZIP_MEMBERS = 1000;
const CHUNK = 1024 * 1024;

export type FileKind = 'plain' | 'gz' | 'zip';

export interface AuditSource {
  /** Path as shown to the operator (`archive.zip!member` for a zip member). */
  path: string;
  file: string;
  kind: FileKind;
  member?: string;
  /** Bytes on disk (progress). */
  size: number;
}

async function kindOf(path: string): Promise<FileKind> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    if (bytesRead >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) return 'zip';
    if (bytesRead >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gz';
    return 'plain';
  } finally {
    await fh.close();
  }
}

/** Audit log file names in a directory: `audit.log`, its rotations (`audit.log.<date>.<i>[.zip|.gz]`), `*.log`, `*.log.gz`, `*.zip`. */
export const isAuditFileName = (name: string): boolean => /^audit\.log(?:\..+)?$/.test(name) || /\.(?:log|log\.gz|zip)$/.test(name);

/**
 * Order of a directory's files: rotated files by date then index (logback's %d / %i), then the
 * live `audit.log` last, since it holds the newest records; anything else by name before it.
 */
export function rotationOrder(a: string, b: string): number {
  const key = (n: string): [number, string, number, string] => {
    if (n === 'audit.log') return [2, '', 0, n];
    const m = /\.(\d{4}-\d{2}-\d{2}(?:[_T-]\d{2}(?:-\d{2})?)?)(?:\.(\d+))?(?:\.(?:zip|gz|log))?$/.exec(n);
    if (m) return [0, m[1]!, Number(m[2] ?? 0), n];
    return [1, '', 0, n];
  };
  const [ka, kb] = [key(a), key(b)];
  for (let i = 0; i < 4; i++) {
    const x = ka[i]!;
    const y = kb[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

async function regularFile(path: string): Promise<number> {
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' ? new AppError('NOT_FOUND', `${path}: no such file`) : new AppError('BAD_INPUT', `${path}: cannot read (${e.code ?? 'error'})`);
  });
  if (!st.isFile()) throw new AppError('BAD_INPUT', `${path}: not a regular file`);
  return st.size;
}

/** Files and directories → the ordered list of sources (each file once, even when named twice). Nothing is read yet beyond magic bytes. */
export async function resolveSources(files: readonly string[], dirs: readonly string[]): Promise<AuditSource[]> {
  const out: AuditSource[] = [];
  const seen = new Set<string>();
  const add = async (path: string): Promise<void> => {
    const size = await regularFile(path);
    const real = await realpath(path);
    if (seen.has(real)) return;
    seen.add(real);
    out.push({ path, file: path, kind: await kindOf(path), size });
  };
  for (const f of files) await add(f);
  for (const d of dirs) {
    const st = await stat(d).catch(() => null);
    if (!st) throw new AppError('NOT_FOUND', `${d}: no such directory`);
    if (!st.isDirectory()) throw new AppError('BAD_INPUT', `${d}: not a directory`);
    const names = (await readdir(d, { withFileTypes: true })).filter((e) => e.isFile() && isAuditFileName(e.name)).map((e) => e.name);
    if (names.length === 0) throw new AppError('BAD_INPUT', `${d}: no audit log files (audit.log, audit.log.<date>.<i>.zip, *.log, *.log.gz)`);
    names.sort(rotationOrder);
    for (const n of names) await add(join(d, n));
  }
  return out;
}

/**
 * Checks a zip's central directory before anything is inflated (a zip bomb: many directory
 * entries pointing at one local entry, or huge declared sizes): at most MAX_ZIP_MEMBERS entries,
 * each at most MAX_ZIP_MEMBER and together at most MAX_ZIP_TOTAL bytes uncompressed, every entry
 * at its own local header, no ZIP64. fflate inflates each member into a buffer of its declared
 * size, so the declared sizes bound the memory used.
 */
export function checkZipDirectory(path: string, bytes: Uint8Array): void {
  const bad = (why: string): never => {
    throw new AppError('BAD_INPUT', `${path}: zip refused: ${why}`);
  };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (v.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) bad('no end of central directory');
  const entries = v.getUint16(eocd + 10, true);
  const cdSize = v.getUint32(eocd + 12, true);
  const cdOffset = v.getUint32(eocd + 16, true);
  if (entries === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) bad('ZIP64 archives are not read');
  if (entries > MAX_ZIP_MEMBERS) bad(`${entries} members (at most ${MAX_ZIP_MEMBERS})`);
  if (cdOffset + cdSize > eocd) bad('central directory outside the file');
  const offsets = new Set<number>();
  let total = 0;
  let p = cdOffset;
  for (let n = 0; n < entries; n++) {
    if (p + 46 > eocd || v.getUint32(p, true) !== 0x02014b50) bad('damaged central directory');
    const compressed = v.getUint32(p + 20, true);
    const size = v.getUint32(p + 24, true);
    const local = v.getUint32(p + 42, true);
    if (size === 0xffffffff || compressed === 0xffffffff || local === 0xffffffff) bad('ZIP64 archives are not read');
    if (size > MAX_ZIP_MEMBER) bad(`a member is over ${MAX_ZIP_MEMBER} bytes uncompressed`);
    total += size;
    if (total > MAX_ZIP_TOTAL) bad(`members over ${MAX_ZIP_TOTAL} bytes uncompressed together`);
    if (offsets.has(local)) bad('two members share one local entry');
    if (local >= cdOffset) bad('a member outside the file');
    offsets.add(local);
    p += 46 + v.getUint16(p + 28, true) + v.getUint16(p + 30, true) + v.getUint16(p + 32, true);
  }
}

/** Zip members (name order), inflated; the central directory is checked first (checkZipDirectory). */
function zipMembers(path: string, bytes: Uint8Array): { name: string; data: Uint8Array }[] {
  checkZipDirectory(path, bytes);
  let tooBig: string | null = null;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (f) => {
        if (f.name.endsWith('/')) return false;
        if (f.originalSize > MAX_ZIP_MEMBER) {
          tooBig = f.name;
          return false;
        }
        return true;
      },
    });
  } catch (e) {
    throw new AppError('BAD_INPUT', `${path}: not a readable zip (${e instanceof Error ? e.message : 'error'})`);
  }
  if (tooBig) throw new AppError('BAD_INPUT', `${path}: member ${tooBig as string} is over ${MAX_ZIP_MEMBER} bytes uncompressed`);
  return Object.keys(entries)
    .sort(rotationOrder)
    .map((name) => ({ name, data: entries[name]! }));
}

/** An opened source: its identity (first line) and a reader of line batches from an offset. */
export interface OpenedSource {
  source: AuditSource;
  /** null: the file has no complete first line yet (nothing to ingest). */
  fileId: string | null;
  /** Decompressed size when known (plain, zip member), for resume checks. */
  length: number | null;
  /** Line batches from `offset` (byte offset of a line start, `lineNo` its number). */
  lines(offset: number, lineNo: number, onBytes: (n: number) => void): AsyncGenerator<Line[]>;
}

export const fileIdOf = (firstLine: Uint8Array): string => createHash('sha256').update('csm-audit-file\n').update(firstLine).digest('hex').slice(0, 32);

function firstLineOf(buf: Uint8Array, complete: boolean): Uint8Array | null {
  const nl = buf.indexOf(0x0a);
  if (nl >= 0) return buf.subarray(0, nl);
  return complete && buf.length > 0 ? buf : null;
}

/** Open one source (a zip archive expands into its members). */
export async function openSource(s: AuditSource): Promise<OpenedSource[]> {
  if (s.kind === 'zip') {
    if (s.size > MAX_ZIP_MEMBER) throw new AppError('BAD_INPUT', `${s.path}: zip over ${MAX_ZIP_MEMBER} bytes`);
    const members = zipMembers(s.path, await readFile(s.file));
    return members.map((m) => {
      const src: AuditSource = { ...s, path: members.length === 1 ? s.path : `${s.path}!${m.name}`, member: m.name, size: members.length === 1 ? s.size : 0 };
      const first = firstLineOf(m.data.subarray(0, MAX_LINE_BYTES), m.data.length <= MAX_LINE_BYTES);
      return {
        source: src,
        fileId: first ? fileIdOf(first) : null,
        length: m.data.length,
        lines: (offset: number, lineNo: number, onBytes: (n: number) => void) => splitLines(bufferChunks(m.data, offset, onBytes, src.size), offset, lineNo, true),
      };
    });
  }
  if (s.kind === 'gz') {
    const head = await gzHead(s.file);
    return [
      {
        source: s,
        fileId: head ? fileIdOf(head) : null,
        length: null,
        lines: (offset, lineNo, onBytes) => splitLines(gzChunks(s.file, offset, onBytes), offset, lineNo, true),
      },
    ];
  }
  // plain: read up to the size seen now; the file may be growing (the live audit.log)
  const size = (await stat(s.file)).size;
  const fh = await open(s.file, 'r');
  let head: Buffer;
  try {
    const b = Buffer.alloc(Math.min(size, MAX_LINE_BYTES));
    const { bytesRead } = await fh.read(b, 0, b.length, 0);
    head = b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const first = firstLineOf(head, false);
  return [
    {
      source: { ...s, size },
      fileId: first ? fileIdOf(first) : null,
      length: size,
      lines: (offset, lineNo, onBytes) => splitLines(fileChunks(s.file, offset, size, onBytes), offset, lineNo, false),
    },
  ];
}

async function gzHead(file: string): Promise<Uint8Array | null> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of createReadStream(file, { highWaterMark: 64 * 1024 }).pipe(createGunzip()) as AsyncIterable<Buffer>) {
    parts.push(c);
    n += c.length;
    const all = Buffer.concat(parts);
    const first = firstLineOf(all, false);
    if (first) return first;
    if (n > MAX_LINE_BYTES) return null;
  }
  return firstLineOf(Buffer.concat(parts), true);
}

async function* fileChunks(file: string, from: number, size: number, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  if (from >= size) return;
  for await (const c of createReadStream(file, { start: from, end: size - 1, highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    onBytes(c.length);
    yield c;
  }
}

async function* gzChunks(file: string, from: number, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  let skip = from;
  const raw = createReadStream(file, { highWaterMark: CHUNK });
  raw.on('data', (c: Buffer | string) => onBytes(c.length));
  const gunzip = raw.pipe(createGunzip());
  raw.on('error', (e) => gunzip.destroy(e));
  try {
    for await (const c of gunzip as AsyncIterable<Buffer>) {
      if (skip >= c.length) {
        skip -= c.length;
        continue;
      }
      yield skip > 0 ? c.subarray(skip) : c;
      skip = 0;
    }
  } catch (e) {
    throw new AppError('BAD_INPUT', `${basename(file)}: gzip data is damaged (${e instanceof Error ? e.message : 'error'})`);
  } finally {
    raw.destroy();
  }
}

async function* bufferChunks(data: Uint8Array, from: number, onBytes: (n: number) => void, diskSize: number): AsyncGenerator<Buffer> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const total = buf.length - from;
  let reported = 0;
  for (let p = from; p < buf.length; p += CHUNK) {
    const end = Math.min(buf.length, p + CHUNK);
    // progress in on-disk bytes, proportional to the inflated bytes handed out
    const share = total > 0 ? Math.round(((end - from) / total) * diskSize) : diskSize;
    onBytes(share - reported);
    reported = share;
    yield buf.subarray(p, end);
  }
}

/**
 * Chunks → batches of lines with byte offsets and numbers. A line longer than MAX_LINE_BYTES is
 * reported (text null) and its bytes dropped as they stream by; a line that is not UTF-8 too.
 * `complete`: the input ends at its end (a final line without a newline is a line); otherwise
 * (a live file) an unterminated tail is not returned — the next run reads it whole.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer>, offset: number, lineNo: number, complete: boolean): AsyncGenerator<Line[]> {
  let carry: Buffer[] = [];
  let carryLen = 0;
  let overlong = false;
  let lineStart = offset;
  let n = lineNo;
  const emit = (bytes: Buffer | null, end: number): Line => {
    const line: Line = overlong
      ? { text: null, problem: `line over ${MAX_LINE_BYTES} bytes`, lineNo: n, start: lineStart, end }
      : bytes !== null && !isUtf8(bytes)
        ? { text: null, problem: 'not UTF-8 text', lineNo: n, start: lineStart, end }
        : { text: bytes === null ? '' : bytes.toString('utf8'), lineNo: n, start: lineStart, end };
    n += 1;
    lineStart = end;
    overlong = false;
    return line;
  };
  let pos = offset;
  for await (const chunk of chunks) {
    const out: Line[] = [];
    let i = 0;
    while (i < chunk.length) {
      const nl = chunk.indexOf(0x0a, i);
      if (nl < 0) {
        const rest = chunk.subarray(i);
        if (!overlong) {
          if (carryLen + rest.length > MAX_LINE_BYTES) {
            overlong = true;
            carry = [];
            carryLen = 0;
          } else {
            carry.push(Buffer.from(rest));
            carryLen += rest.length;
          }
        }
        pos += rest.length;
        break;
      }
      const piece = chunk.subarray(i, nl);
      pos += nl - i + 1;
      let bytes: Buffer | null = null;
      if (!overlong) {
        if (carryLen + piece.length > MAX_LINE_BYTES) overlong = true;
        else bytes = carryLen === 0 ? piece : Buffer.concat([...carry, piece]);
      }
      carry = [];
      carryLen = 0;
      out.push(emit(bytes, pos));
      i = nl + 1;
    }
    if (out.length > 0) yield out;
  }
  if (complete && (carryLen > 0 || overlong)) yield [emit(overlong ? null : Buffer.concat(carry), pos)];
}
