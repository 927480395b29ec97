import { AppError } from '../app/errors';
import type { Db } from '../store';
import type { CacheCiphertextStore, DataKeyPurpose, RewrittenRow, RotationJournal, SealedEntry, SealedRow } from './ports';

/**
 * The encrypted cache on the local SQLite store. Its tables (sealed_values, key_rotation_journal)
 * are made by store migration 2 (src-main/store/migrations.ts), so open the database through
 * openStore. sealed_values holds only envelopes: entry names (keys) are in clear, values never are.
 */

interface Row {
  tenant_id: string;
  key: string;
  purpose: DataKeyPurpose;
  key_version: number;
  ciphertext: Buffer;
}
interface EntryRow {
  key: string;
  purpose: DataKeyPurpose;
  key_version: number;
  updated_at: string;
}
interface JournalRow {
  tenant_id: string;
  purpose: DataKeyPurpose;
  to_version: number;
  cursor: string | null;
  done: number;
  total: number;
  started_at: string;
  updated_at: string;
}

const MAX_ENTRY_KEY = 512;
/** Entry names are shown in reports and logs: printable, bounded. */
function checkEntryKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_ENTRY_KEY || /[\u0000-\u001f\u007f]/.test(key)) {
    throw new AppError('BAD_INPUT', `cache entry names are 1–${MAX_ENTRY_KEY} printable characters`);
  }
  return key;
}

const toSealed = (r: Row): SealedRow => ({ tenantId: r.tenant_id, key: r.key, purpose: r.purpose, keyVersion: r.key_version, ciphertext: r.ciphertext });
const toJournal = (r: JournalRow): RotationJournal => ({
  tenantId: r.tenant_id,
  purpose: r.purpose,
  toVersion: r.to_version,
  cursor: r.cursor,
  done: r.done,
  total: r.total,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
});
/** A database opened without migration 2 fails here with a reason, not later with "no such table". */
function requireTables(db: Db): void {
  const n = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name IN ('sealed_values', 'key_rotation_journal')").get()?.n ?? 0;
  if (n !== 2) throw new AppError('INTERNAL', 'the encrypted cache tables are missing: the local store must be opened with openStore (store migration 2)');
}

// Above every UTF-8 encoded character, so `key < prefix || END` bounds a prefix range in BINARY collation.
const PREFIX_END = '\u{10FFFF}';

/** CacheCiphertextStore on the local SQLite cache (better-sqlite3: synchronous, one transaction per batch). */
export class SqliteCacheStore implements CacheCiphertextStore {
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly clock: () => string = () => new Date().toISOString(),
  ) {
    requireTables(db);
    const cols = 'tenant_id, key, purpose, key_version, ciphertext';
    this.s = {
      put: db.prepare<[string, string, string, number, Buffer, string]>(
        `INSERT INTO sealed_values (tenant_id, key, purpose, key_version, ciphertext, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, key) DO UPDATE SET purpose = excluded.purpose, key_version = excluded.key_version,
           ciphertext = excluded.ciphertext, updated_at = excluded.updated_at`,
      ),
      get: db.prepare<[string, string], Row>(`SELECT ${cols} FROM sealed_values WHERE tenant_id = ? AND key = ?`),
      listFrom: db.prepare<[string, string, string, number], Row>(
        `SELECT ${cols} FROM sealed_values WHERE tenant_id = ? AND key > ? AND key < ? ORDER BY key LIMIT ?`,
      ),
      // Entry names and versions only: a list view never needs the sealed bytes (see entries()).
      entriesFrom: db.prepare<[string, string, string, number], EntryRow>(
        `SELECT key, purpose, key_version, updated_at FROM sealed_values WHERE tenant_id = ? AND key > ? AND key < ? ORDER BY key LIMIT ?`,
      ),
      entriesAll: db.prepare<[string, string, string, number], EntryRow>(
        `SELECT key, purpose, key_version, updated_at FROM sealed_values WHERE tenant_id = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?`,
      ),
      listAll: db.prepare<[string, string, string, number], Row>(
        `SELECT ${cols} FROM sealed_values WHERE tenant_id = ? AND key >= ? AND key < ? ORDER BY key LIMIT ?`,
      ),
      del: db.prepare<[string, string]>('DELETE FROM sealed_values WHERE tenant_id = ? AND key = ?'),
      count: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM sealed_values WHERE tenant_id = ?'),
      countStale: db.prepare<[string, string, number], { n: number }>(
        'SELECT count(*) AS n FROM sealed_values WHERE tenant_id = ? AND purpose = ? AND key_version <> ?',
      ),
      staleFirst: db.prepare<[string, string, number, number], Row>(
        `SELECT ${cols} FROM sealed_values WHERE tenant_id = ? AND purpose = ? AND key_version <> ? ORDER BY key LIMIT ?`,
      ),
      staleAfter: db.prepare<[string, string, number, string, number], Row>(
        `SELECT ${cols} FROM sealed_values WHERE tenant_id = ? AND purpose = ? AND key_version <> ? AND key > ? ORDER BY key LIMIT ?`,
      ),
      swap: db.prepare<[Buffer, number, string, string, string, Buffer]>(
        'UPDATE sealed_values SET ciphertext = ?, key_version = ?, updated_at = ? WHERE tenant_id = ? AND key = ? AND ciphertext = ?',
      ),
      journalRead: db.prepare<[string, string], JournalRow>('SELECT * FROM key_rotation_journal WHERE tenant_id = ? AND purpose = ?'),
      journalWrite: db.prepare<[string, string, number, string | null, number, number, string, string]>(
        `INSERT INTO key_rotation_journal (tenant_id, purpose, to_version, cursor, done, total, started_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, purpose) DO UPDATE SET to_version = excluded.to_version, cursor = excluded.cursor,
           done = excluded.done, total = excluded.total, started_at = excluded.started_at, updated_at = excluded.updated_at`,
      ),
      journalClear: db.prepare<[string, string]>('DELETE FROM key_rotation_journal WHERE tenant_id = ? AND purpose = ?'),
    };
  }

  async put(row: SealedRow): Promise<void> {
    this.s.put.run(row.tenantId, checkEntryKey(row.key), row.purpose, row.keyVersion, row.ciphertext, this.clock());
  }

  async get(tenantId: string, key: string): Promise<SealedRow | null> {
    const r = this.s.get.get(tenantId, key);
    return r ? toSealed(r) : null;
  }

  async list(tenantId: string, opts: { prefix?: string; after?: string | null; limit: number }): Promise<SealedRow[]> {
    const prefix = opts.prefix ?? '';
    const end = prefix + PREFIX_END;
    const limit = Math.max(0, Math.min(100_000, Math.floor(opts.limit)));
    const rows = opts.after != null && opts.after >= prefix ? this.s.listFrom.all(tenantId, opts.after, end, limit) : this.s.listAll.all(tenantId, prefix, end, limit);
    return rows.map(toSealed);
  }

  async entries(tenantId: string, opts: { prefix?: string; after?: string | null; limit: number }): Promise<SealedEntry[]> {
    const prefix = opts.prefix ?? '';
    const end = prefix + PREFIX_END;
    const limit = Math.max(0, Math.min(100_000, Math.floor(opts.limit)));
    const rows = opts.after != null && opts.after >= prefix ? this.s.entriesFrom.all(tenantId, opts.after, end, limit) : this.s.entriesAll.all(tenantId, prefix, end, limit);
    const out: SealedEntry[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      out[i] = { key: r.key, purpose: r.purpose, keyVersion: r.key_version, updatedAt: r.updated_at };
    }
    return out;
  }

  async delete(tenantId: string, key: string): Promise<boolean> {
    return this.s.del.run(tenantId, key).changes > 0;
  }

  async count(tenantId: string): Promise<number> {
    return this.s.count.get(tenantId)?.n ?? 0;
  }

  async countStale(tenantId: string, purpose: DataKeyPurpose, version: number): Promise<number> {
    return this.s.countStale.get(tenantId, purpose, version)?.n ?? 0;
  }

  async staleBatch(tenantId: string, purpose: DataKeyPurpose, version: number, after: string | null, limit: number): Promise<SealedRow[]> {
    const rows = after === null ? this.s.staleFirst.all(tenantId, purpose, version, limit) : this.s.staleAfter.all(tenantId, purpose, version, after, limit);
    return rows.map(toSealed);
  }

  async commitBatch(journal: RotationJournal, rows: RewrittenRow[]): Promise<number> {
    const at = this.clock();
    return this.db.transaction(() => {
      let n = 0;
      for (const w of rows) n += this.s.swap.run(w.ciphertext, w.keyVersion, at, journal.tenantId, w.key, w.expected).changes;
      this.writeJournalSync(journal);
      return n;
    })();
  }

  async readJournal(tenantId: string, purpose: DataKeyPurpose): Promise<RotationJournal | null> {
    const r = this.s.journalRead.get(tenantId, purpose);
    return r ? toJournal(r) : null;
  }

  async writeJournal(journal: RotationJournal): Promise<void> {
    this.writeJournalSync(journal);
  }

  async clearJournal(tenantId: string, purpose: DataKeyPurpose): Promise<void> {
    this.s.journalClear.run(tenantId, purpose);
  }

  private writeJournalSync(j: RotationJournal): void {
    this.s.journalWrite.run(j.tenantId, j.purpose, j.toVersion, j.cursor, j.done, j.total, j.startedAt, j.updatedAt);
  }
}
