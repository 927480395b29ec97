import { closeSync, existsSync, openSync, readSync, renameSync } from 'node:fs';
import { CSM_APPLICATION_ID, openDatabase, readIntPragma, sqliteErrorCode, type Db } from './db';

export type Inspection =
  | { kind: 'absent' }
  | { kind: 'too-new'; userVersion: number }
  | { kind: 'ours'; userVersion: number; applicationId: number }
  | { kind: 'corrupt'; reason: string }
  | { kind: 'foreign'; reason: string };

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;

/** Only these mean "the bytes are bad". Busy, permission or I/O errors are not a reason to move a file. */
function isCorruption(e: unknown): boolean {
  const code = sqliteErrorCode(e);
  return code !== null && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}

/** The 100-byte database header as it is on disk (see sqlite.org/fileformat.html §1.3). */
function readHeader(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(HEADER_BYTES);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

export const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

function looksLikeSqlite(path: string): boolean {
  const header = readHeader(path);
  return header.length >= SQLITE_MAGIC.length && header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC);
}

const foreignReason = (applicationId: number): string =>
  `its application id is ${hex32(applicationId)}, not ${hex32(CSM_APPLICATION_ID)} (Cassandra Security Manager)`;

/**
 * Look at an existing cache file without changing it. Errors that are not corruption propagate:
 * a locked or unreadable file is not ours to move.
 */
export function inspectFile(path: string, knownVersion: number): Inspection {
  if (!existsSync(path)) return { kind: 'absent' };
  const header = readHeader(path);
  if (header.length > 0 && !SQLITE_MAGIC.subarray(0, header.length).equals(header.subarray(0, SQLITE_MAGIC.length))) {
    return { kind: 'corrupt', reason: 'it is not an SQLite database' };
  }
  // Without a WAL the on-disk header is the whole truth, so a foreign or newer file is recognised
  // without opening it: even a read-only SQLite open of a WAL-mode file creates -wal/-shm next to it,
  // and a SCHEMA_TOO_NEW file must stay exactly as the newer console left it.
  if (header.length === HEADER_BYTES && !existsSync(`${path}-wal`)) {
    const applicationId = header.readInt32BE(68);
    const userVersion = header.readUInt32BE(60);
    if (applicationId !== CSM_APPLICATION_ID && applicationId !== 0) return { kind: 'foreign', reason: foreignReason(applicationId) };
    if (applicationId === CSM_APPLICATION_ID && userVersion > knownVersion) return { kind: 'too-new', userVersion };
  }
  let db: Db | undefined;
  try {
    // Read-only: not even a WAL checkpoint happens.
    db = openDatabase(path, { readonly: true, fileMustExist: true });
    const applicationId = readIntPragma(db, 'application_id');
    const userVersion = readIntPragma(db, 'user_version');
    const objects = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sqlite_schema').get()?.n ?? 0;
    // 0 is accepted only for an empty file: that is what SQLite itself creates before our first migration.
    if (applicationId !== CSM_APPLICATION_ID && !(applicationId === 0 && objects === 0)) {
      return { kind: 'foreign', reason: foreignReason(applicationId) };
    }
    const check = db.prepare<[], { quick_check: string }>('PRAGMA quick_check(5)').all().map((r) => r.quick_check);
    if (!(check.length === 1 && check[0] === 'ok')) {
      return { kind: 'corrupt', reason: `the SQLite integrity check failed (${check.join('; ').slice(0, 300)})` };
    }
    if (userVersion > knownVersion) return { kind: 'too-new', userVersion };
    return { kind: 'ours', userVersion, applicationId };
  } catch (e) {
    if (isCorruption(e)) return { kind: 'corrupt', reason: `SQLite cannot read it (${(e as Error).message})` };
    throw e;
  } finally {
    db?.close();
  }
}

/** File-name safe on every desktop OS (no ':'), still sortable and readable as ISO 8601. */
export function fileTimestamp(d: Date): string {
  return d.toISOString().replace(/:/g, '-');
}

/**
 * Rename the file and its companions so SQLite can still open the preserved copy with its WAL
 * (`<name>-wal` next to `<name>`). Never deletes; picks a fresh name if one is taken.
 */
export function moveAside(path: string, tag: 'corrupt' | 'foreign', at: Date): { target: string; moved: string[] } {
  let target = `${path}.${tag}-${fileTimestamp(at)}`;
  for (let i = 1; existsSync(target); i++) target = `${path}.${tag}-${fileTimestamp(at)}-${i}`;
  renameSync(path, target);
  const moved = [target];
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (existsSync(path + suffix)) {
      renameSync(path + suffix, target + suffix);
      moved.push(target + suffix);
    }
  }
  return { target, moved };
}

/** Tables holding evidence that cannot be rebuilt from Cassandra (audit_snapshots: planned). */
export const EVIDENCE_TABLES = ['imported_evidence', 'audit_snapshots'] as const;

/**
 * rows: how many evidence rows could be counted (null: could not count);
 * tableSeen: an evidence table exists, even if it could not be read.
 */
export interface EvidenceProbe {
  rows: number | null;
  tableSeen: boolean;
}

export function probeEvidence(path: string): EvidenceProbe {
  // Not SQLite at all: nothing to count, and opening it would only let SQLite rewrite the
  // preserved -shm next to it.
  if (!looksLikeSqlite(path)) return { rows: null, tableSeen: false };
  let db: Db | undefined;
  try {
    db = openDatabase(path, { readonly: true, fileMustExist: true });
    const tables = db
      .prepare<string[], { name: string }>(
        `SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN (${EVIDENCE_TABLES.map(() => '?').join(', ')})`,
      )
      .all(...EVIDENCE_TABLES)
      .map((r) => r.name);
    let rows = 0;
    for (const t of tables) {
      // t comes from the fixed list above, so interpolating it is safe. NOT INDEXED: count the
      // table itself, not a primary-key index that may have survived when the rows did not.
      const n = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM "${t}" NOT INDEXED`).get()?.n;
      if (n === undefined) return { rows: null, tableSeen: true };
      rows += n;
    }
    return { rows, tableSeen: tables.length > 0 };
  } catch {
    // Partial damage: the schema may still name a table whose pages are gone.
    return { rows: null, tableSeen: db !== undefined && schemaMentionsEvidence(db) };
  } finally {
    db?.close();
  }
}

function schemaMentionsEvidence(db: Db): boolean {
  try {
    return db
      .prepare<[], { name: string }>(`SELECT name FROM sqlite_schema WHERE type = 'table'`)
      .all()
      .some((r) => (EVIDENCE_TABLES as readonly string[]).includes(r.name));
  } catch {
    return false;
  }
}
