import type { Db } from '../../store';
import type { OffsetStore } from './ingest';

/**
 * Resume offsets in the cache (`audit_ingest_files`, cache migration 4): per cluster and file
 * identity, the byte offset and line number of the first record not yet appended. A local
 * convenience only: losing it (another machine, a wiped cache) costs a re-read, never a
 * duplicate, since the events' keys make re-ingesting idempotent.
 */
export function sqliteOffsets(db: Db): OffsetStore {
  const get = db.prepare<[string, string], { offset: number; line: number }>('SELECT offset, line FROM audit_ingest_files WHERE cluster = ? AND file_id = ?');
  const put = db.prepare<[string, string, string, number, number, string]>(
    `INSERT INTO audit_ingest_files (cluster, file_id, path, offset, line, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (cluster, file_id) DO UPDATE SET path = excluded.path, offset = excluded.offset, line = excluded.line, updated_at = excluded.updated_at
     WHERE excluded.offset >= audit_ingest_files.offset`,
  );
  return {
    get: (cluster, fileId) => get.get(cluster, fileId) ?? null,
    put: (cluster, fileId, path, offset, line) => {
      put.run(cluster, fileId, path, offset, line, new Date().toISOString());
    },
  };
}
