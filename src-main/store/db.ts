// The only file that imports better-sqlite3 (DESIGN §7: only adapters touch native drivers).
import BetterSqlite3 from 'better-sqlite3';

export type Db = BetterSqlite3.Database;

/**
 * 'CSM1' as a big-endian 32-bit integer. Written into the file header so a stray SQLite file
 * from another program in the data directory is never mistaken for (and migrated as) our cache.
 */
export const CSM_APPLICATION_ID = 0x43534d31;

/** Long enough for a CLI and the desktop console writing at the same moment; short enough to surface a stuck writer. */
export const BUSY_TIMEOUT_MS = 5000;

export function openDatabase(path: string, opts: { readonly?: boolean; fileMustExist?: boolean } = {}): Db {
  return new BetterSqlite3(path, {
    readonly: opts.readonly ?? false,
    fileMustExist: opts.fileMustExist ?? false,
    timeout: BUSY_TIMEOUT_MS,
  });
}

/** Settings for the read/write connection of the cache. */
export function applyConnectionPragmas(db: Db): void {
  // WAL lets the UI read while a job writes; NORMAL is durable across app crashes, and a cache
  // may lose the last transaction on power loss (everything but imported evidence is rebuildable).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
}

export function readIntPragma(db: Db, name: 'user_version' | 'application_id'): number {
  const v: unknown = db.pragma(name, { simple: true });
  if (typeof v !== 'number') throw new Error(`PRAGMA ${name} returned ${typeof v}`);
  return v;
}

/** SQLite's result code (`SQLITE_CORRUPT`, `SQLITE_CONSTRAINT_PRIMARYKEY`, …) or null for other errors. */
export function sqliteErrorCode(e: unknown): string | null {
  return e instanceof BetterSqlite3.SqliteError ? e.code : null;
}
