import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/app/errors';
import { openDatabase, type Db } from '../../../src-main/store/db';
import { migrate } from '../../../src-main/store/migrate';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from '../../../src-main/store/migrations';
import { openStore } from '../../../src-main/store/store';
import { tableNames, useTempDir } from './helpers';

const tmp = useTempDir();

function schemaSql(db: Db): string[] {
  return db
    .prepare<[], { sql: string }>(`SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY type, name`)
    .all()
    .map((r) => r.sql);
}

// A stand-in for the next real migration, to prove the runner carries data across versions.
const addNotes: Migration = {
  version: LATEST_SCHEMA_VERSION + 1,
  name: 'test: profile notes',
  up(db) {
    db.exec(`ALTER TABLE cluster_profiles ADD COLUMN notes TEXT NOT NULL DEFAULT ''`);
  },
};

describe('migration runner', () => {
  it('has versions 1..n in order, and LATEST_SCHEMA_VERSION is n', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('gives the same schema whether applied one step at a time or all at once', () => {
    const stepwise = openDatabase(join(tmp(), 'a.db'));
    const atOnce = openDatabase(join(tmp(), 'b.db'));
    try {
      for (let v = 1; v <= LATEST_SCHEMA_VERSION; v++) expect(migrate(stepwise, { target: v }).to).toBe(v);
      expect(migrate(atOnce).applied).toEqual(MIGRATIONS.map((m) => m.version));
      expect(schemaSql(stepwise)).toEqual(schemaSql(atOnce));
    } finally {
      stepwise.close();
      atOnce.close();
    }
  });

  it('is a no-op when already current', () => {
    const db = openDatabase(join(tmp(), 'c.db'));
    try {
      migrate(db);
      expect(migrate(db)).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION, applied: [] });
    } finally {
      db.close();
    }
  });

  it('preserves existing rows when a later migration runs', () => {
    const dir = tmp();
    const v1 = openStore({ dir });
    v1.clusterProfiles.insert({ name: 'prod', contactPoints: ['h:9042'], localDc: 'dc1', username: 'admin', tls: null, sandbox: false });
    v1.jobs.upsert({ id: 'j1', kind: 'k', label: 'l', state: 'succeeded', step: 'done', fraction: 1, startedAt: 't', finishedAt: 't', message: null, payload: { a: 1 } });
    v1.close();

    const v2 = openStore({ dir, migrations: [...MIGRATIONS, addNotes] });
    try {
      expect(v2.schemaVersion).toBe(addNotes.version);
      expect(v2.clusterProfiles.get('prod')?.localDc).toBe('dc1');
      expect(v2.jobs.get('j1')?.payload).toEqual({ a: 1 });
      expect(v2.db.prepare<[], { notes: string }>(`SELECT notes FROM cluster_profiles`).get()?.notes).toBe('');
    } finally {
      v2.close();
    }
  });

  it('rolls a failing migration back completely and stays at the previous version', () => {
    const broken: Migration = {
      version: LATEST_SCHEMA_VERSION + 1,
      name: 'test: half done',
      up(db) {
        db.exec('CREATE TABLE half_done (x INTEGER)');
        throw new Error('boom');
      },
    };
    const db = openDatabase(join(tmp(), 'd.db'));
    try {
      migrate(db);
      let caught: unknown;
      try {
        migrate(db, { migrations: [...MIGRATIONS, broken] });
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe('INTERNAL');
      expect((caught as AppError).message).toMatch(new RegExp(`migration ${broken.version} .*stays at version ${LATEST_SCHEMA_VERSION}`));
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(tableNames(db)).not.toContain('half_done');
    } finally {
      db.close();
    }
  });

  it('refuses a malformed migration list', () => {
    const db = openDatabase(join(tmp(), 'e.db'));
    try {
      const gap: Migration = { version: LATEST_SCHEMA_VERSION + 2, name: 'gap', up() {} };
      expect(() => migrate(db, { migrations: [...MIGRATIONS, gap] })).toThrow(/malformed/);
      expect(db.pragma('user_version', { simple: true })).toBe(0);
    } finally {
      db.close();
    }
  });

  it('refuses to run on a file newer than it knows', () => {
    const db = openDatabase(join(tmp(), 'f.db'));
    try {
      db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
      expect(() => migrate(db)).toThrow(expect.objectContaining({ code: 'SCHEMA_TOO_NEW' }));
    } finally {
      db.close();
    }
  });
});
