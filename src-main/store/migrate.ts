import { AppError } from '../app/errors';
import { readIntPragma, type Db } from './db';
import { MIGRATIONS, type Migration } from './migrations';

export interface MigrateResult {
  from: number;
  to: number;
  applied: number[];
}

/** Versions must be exactly 1..n in order: a gap or duplicate is a programming error caught at first open. */
function assertWellFormed(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new AppError('INTERNAL', `migration list is malformed at index ${i} (version ${m.version})`);
  });
}

export function tooNewError(path: string, found: number, known: number): AppError {
  return new AppError(
    'SCHEMA_TOO_NEW',
    `The local cache ${path} has schema version ${found}, but this console only knows versions up to ${known}. ` +
      'It was written by a newer Cassandra Security Manager. Upgrade this console, or start it with another data directory. ' +
      'The file was left untouched.',
  );
}

/**
 * Apply pending migrations, each in its own IMMEDIATE transaction with its user_version bump,
 * so a failure leaves the file at the last completed version. The version is re-read inside the
 * write lock because a second process (CLI next to the desktop app) may have migrated meanwhile.
 */
export function migrate(
  db: Db,
  opts: { migrations?: readonly Migration[]; target?: number; path?: string } = {},
): MigrateResult {
  const migrations = opts.migrations ?? MIGRATIONS;
  assertWellFormed(migrations);
  const known = migrations.length;
  const target = opts.target ?? known;
  if (!Number.isInteger(target) || target < 0 || target > known) {
    throw new AppError('INTERNAL', `migration target ${target} is outside 0..${known}`);
  }
  const from = readIntPragma(db, 'user_version');
  if (from > known) throw tooNewError(opts.path ?? db.name, from, known);

  const applied: number[] = [];
  for (const m of migrations) {
    if (m.version > target) break;
    let ran: boolean;
    try {
      ran = db
        .transaction(() => {
          if (readIntPragma(db, 'user_version') >= m.version) return false;
          m.up(db);
          db.pragma(`user_version = ${m.version}`);
          return true;
        })
        .immediate();
    } catch (e) {
      if (e instanceof AppError) throw e;
      const at = readIntPragma(db, 'user_version');
      throw new AppError('INTERNAL', `schema migration ${m.version} (${m.name}) failed; the cache stays at version ${at}`, {
        cause: e,
      });
    }
    if (ran) applied.push(m.version);
  }
  return { from, to: readIntPragma(db, 'user_version'), applied };
}
