import { AppError } from '../app/errors';
import type { Db } from './db';

/**
 * Run `fn` in one transaction; a throw rolls everything back. Nested calls become savepoints.
 * better-sqlite3 transactions are synchronous: an async `fn` would commit before its awaits ran,
 * so a returned promise is refused (and rolled back) instead of silently half-applied.
 */
export function withTransaction<T>(db: Db, fn: () => T): T {
  return db.transaction(() => {
    const result = fn();
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      throw new AppError('INTERNAL', 'withTransaction needs a synchronous function; the transaction was rolled back');
    }
    return result;
  })();
}
