import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyConnectionPragmas, CSM_APPLICATION_ID, openDatabase } from '../../../src-main/store/db';
import { migrate } from '../../../src-main/store/migrate';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src-main/store/migrations';
import { openStore } from '../../../src-main/store/store';
import { columnsOf, tableNames, useTempDir, withRawDb } from './helpers';

const tmp = useTempDir();

function atVersion(target: number, name = `m${target}.db`): ReturnType<typeof openDatabase> {
  const db = openDatabase(join(tmp(), name));
  migrate(db, { target });
  return db;
}

const indexesOf = (db: ReturnType<typeof openDatabase>, table: string): string[] =>
  db.prepare<[], { name: string }>(`SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = '${table}' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all().map((r) => r.name);
const isWithoutRowid = (db: ReturnType<typeof openDatabase>, table: string): boolean =>
  /WITHOUT ROWID/i.test(db.prepare<[], { sql: string }>(`SELECT sql FROM sqlite_schema WHERE name = '${table}'`).get()?.sql ?? '');

describe('migration 2: tenant mirror and encrypted key cache', () => {
  it('is version 2 and named', () => {
    expect(MIGRATIONS[1]?.version).toBe(2);
    expect(MIGRATIONS[1]?.name).toBe('tenant mirror and encrypted key cache');
  });

  it('adds tenant_mirror, sealed_values and key_rotation_journal and sets user_version 2', () => {
    const db = atVersion(2);
    try {
      expect(tableNames(db)).toEqual(['audit_local', 'cluster_profiles', 'imported_evidence', 'jobs', 'key_rotation_journal', 'kv_settings', 'sealed_values', 'tenant_mirror']);
      expect(db.pragma('user_version', { simple: true })).toBe(2);
    } finally {
      db.close();
    }
  });

  it('gives each table its columns and keys; sealed_values has no column for a value in clear', () => {
    const db = atVersion(2);
    try {
      const names = (t: string): string[] => columnsOf(db, t).map((c) => c.name);
      const pk = (t: string): string[] => columnsOf(db, t).filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
      expect(names('tenant_mirror')).toEqual([
        'cluster', 'id', 'name', 'tier', 'state', 'isolation', 'template', 'data_centers', 'color', 'created_at', 'updated_at', 'synced_at',
      ]);
      expect(pk('tenant_mirror')).toEqual(['cluster', 'id']);
      expect(indexesOf(db, 'tenant_mirror')).toEqual(['tenant_mirror_by_id']);

      expect(names('sealed_values')).toEqual(['tenant_id', 'key', 'purpose', 'key_version', 'ciphertext', 'updated_at']);
      expect(pk('sealed_values')).toEqual(['tenant_id', 'key']);
      expect(columnsOf(db, 'sealed_values').find((c) => c.name === 'ciphertext')?.type).toBe('BLOB');
      expect(indexesOf(db, 'sealed_values')).toEqual(['sealed_values_by_key_version']);

      expect(names('key_rotation_journal')).toEqual(['tenant_id', 'purpose', 'to_version', 'cursor', 'done', 'total', 'started_at', 'updated_at']);
      expect(pk('key_rotation_journal')).toEqual(['tenant_id', 'purpose']);
      for (const t of ['tenant_mirror', 'sealed_values', 'key_rotation_journal']) expect(isWithoutRowid(db, t)).toBe(true);
    } finally {
      db.close();
    }
  });

  it('refuses rows that break the constraints (STRICT, CHECKs, NOT NULL, primary keys)', () => {
    const db = atVersion(2);
    try {
      const mirror = db.prepare(`INSERT INTO tenant_mirror VALUES (?, ?, 'Acme', 'standard', 'active', ?, 'default', ?, NULL, 't', 't', 't')`);
      expect(() => mirror.run('c1', 'acme', 'shared', '[]')).toThrow(/CHECK/);
      expect(() => mirror.run('c1', 'acme', 'keyspace', '{"dc1":1}')).toThrow(/CHECK/);
      expect(() => mirror.run('c1', 'acme', 'keyspace', 'not json')).toThrow(/CHECK/);
      mirror.run('c1', 'acme', 'keyspace', '["dc1"]');
      mirror.run('c2', 'acme', 'cluster', '[]'); // the same id on another cluster is another tenant
      expect(() => mirror.run('c1', 'acme', 'keyspace', '[]')).toThrow(/UNIQUE|PRIMARY/);

      const sealed = db.prepare(`INSERT INTO sealed_values VALUES ('acme', ?, ?, ?, ?, 't')`);
      expect(() => sealed.run('k1', 'secrets', 1, Buffer.from([1]))).toThrow(/CHECK/);
      expect(() => sealed.run('k1', 'cache', 0, Buffer.from([1]))).toThrow(/CHECK/);
      expect(() => sealed.run('k1', 'cache', 'one', Buffer.from([1]))).toThrow(/cannot store TEXT value in INTEGER column/);
      expect(() => sealed.run('k1', 'cache', 1, null)).toThrow(/NOT NULL/);
      sealed.run('k1', 'cache', 1, Buffer.from([1]));
      sealed.run('k2', 'ca', 3, Buffer.from([2]));
      expect(() => sealed.run('k1', 'ca', 1, Buffer.from([1]))).toThrow(/UNIQUE|PRIMARY/);

      const journal = db.prepare(`INSERT INTO key_rotation_journal VALUES ('acme', ?, ?, NULL, ?, ?, 't', 't')`);
      expect(() => journal.run('signing', 2, 0, 0)).toThrow(/CHECK/);
      expect(() => journal.run('cache', 0, 0, 0)).toThrow(/CHECK/);
      expect(() => journal.run('cache', 2, -1, 0)).toThrow(/CHECK/);
      expect(() => journal.run('cache', 2, 0, -1)).toThrow(/CHECK/);
      journal.run('cache', 2, 0, 10);
      expect(() => journal.run('cache', 3, 0, 10)).toThrow(/UNIQUE|PRIMARY/);
    } finally {
      db.close();
    }
  });

  it('upgrades a version-1 file in place and keeps its data', () => {
    const dir = tmp();
    const path = join(dir, 'csm.db');
    // A file exactly as a version-1 console left it (openStore's own pragmas, migration 1 only).
    withRawDb(path, (db) => {
      applyConnectionPragmas(db);
      db.pragma(`application_id = ${CSM_APPLICATION_ID}`);
      migrate(db, { target: 1 });
      db.prepare(`INSERT INTO cluster_profiles VALUES ('prod', '["10.0.0.1:9042"]', 'dc1', 'admin', NULL, 0, '2024-01-01T00:00:00.000Z', '2024-01-01T00:00:00.000Z')`).run();
      db.prepare(`INSERT INTO kv_settings VALUES ('theme', '"dark"')`).run();
      db.prepare(`INSERT INTO jobs (id, kind, label, state, step, fraction, started_at) VALUES ('j1', 'k', 'l', 'succeeded', 'done', 1, 't')`).run();
      expect(db.pragma('user_version', { simple: true })).toBe(1);
    });

    const store = openStore({ dir });
    try {
      expect(store.notices).toEqual([]);
      expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(store.clusterProfiles.get('prod')?.contactPoints).toEqual(['10.0.0.1:9042']);
      expect(store.db.prepare<[], { value: string }>(`SELECT value FROM kv_settings WHERE key = 'theme'`).get()?.value).toBe('"dark"');
      expect(store.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM jobs').get()?.n).toBe(1);
      expect(tableNames(store.db)).toEqual(expect.arrayContaining(['tenant_mirror', 'sealed_values', 'key_rotation_journal']));
    } finally {
      store.close();
    }
    withRawDb(path, (db) => expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION));
  });

  it('keeps cache tables an earlier keys build created by itself (IF NOT EXISTS) and their rows', () => {
    const db = atVersion(1, 'pre.db');
    try {
      // What SqliteCacheStore's constructor used to create before this migration existed.
      db.exec(`CREATE TABLE sealed_values (
        tenant_id TEXT NOT NULL, key TEXT NOT NULL, purpose TEXT NOT NULL CHECK (purpose IN ('cache', 'ca')),
        key_version INTEGER NOT NULL CHECK (key_version >= 1), ciphertext BLOB NOT NULL, updated_at TEXT NOT NULL,
        PRIMARY KEY (tenant_id, key)) STRICT, WITHOUT ROWID`);
      db.prepare(`INSERT INTO sealed_values VALUES ('acme', 'cfg/a', 'cache', 1, x'0102', 't')`).run();
      migrate(db, { target: 2 });
      expect(db.pragma('user_version', { simple: true })).toBe(2);
      expect(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sealed_values').get()?.n).toBe(1);
      expect(tableNames(db)).toEqual(expect.arrayContaining(['tenant_mirror', 'key_rotation_journal']));
    } finally {
      db.close();
    }
  });
});
