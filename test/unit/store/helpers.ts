import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openDatabase, type Db } from '../../../src-main/store/db';

/** A fresh directory per test, removed afterwards (real SQLite files, as in production). */
export function useTempDir(prefix = 'csm-store-'): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    made.push(d);
    return d;
  };
}

export function withRawDb<T>(path: string, fn: (db: Db) => T): T {
  const db = openDatabase(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

export function columnsOf(db: Db, table: string): { name: string; type: string; notnull: number; pk: number }[] {
  return db.prepare<[], { name: string; type: string; notnull: number; pk: number }>(`PRAGMA table_info("${table}")`).all();
}

export function tableNames(db: Db): string[] {
  return db
    .prepare<[], { name: string }>(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    .all()
    .map((r) => r.name);
}

export const filesIn = (dir: string): string[] => readdirSync(dir).sort();
