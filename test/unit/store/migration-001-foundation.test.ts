import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/store/db';
import { migrate } from '../../../src-main/store/migrate';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src-main/store/migrations';
import { openStore } from '../../../src-main/store/store';
import { columnsOf, tableNames, useTempDir, withRawDb } from './helpers';

const tmp = useTempDir();

function atVersion1(): ReturnType<typeof openDatabase> {
  const db = openDatabase(join(tmp(), 'm1.db'));
  migrate(db, { target: 1 });
  return db;
}

describe('migration 1: foundation', () => {
  it('is version 1 and named', () => {
    expect(MIGRATIONS[0]?.version).toBe(1);
    expect(MIGRATIONS[0]?.name).toBe('foundation');
  });

  it('creates the five foundation tables and sets user_version 1', () => {
    const db = atVersion1();
    try {
      expect(tableNames(db)).toEqual(['audit_local', 'cluster_profiles', 'imported_evidence', 'jobs', 'kv_settings']);
      expect(db.pragma('user_version', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('gives each table the agreed columns, and cluster_profiles no place for a password', () => {
    const db = atVersion1();
    try {
      const names = (t: string): string[] => columnsOf(db, t).map((c) => c.name);
      expect(names('cluster_profiles')).toEqual([
        'name', 'contact_points', 'local_dc', 'username', 'tls', 'sandbox', 'created_at', 'updated_at',
      ]);
      expect(names('cluster_profiles').some((n) => /pass|secret/i.test(n))).toBe(false);
      expect(names('jobs')).toEqual(['id', 'kind', 'label', 'state', 'step', 'fraction', 'started_at', 'finished_at', 'message', 'payload']);
      expect(names('audit_local')).toEqual([
        'seq', 'at', 'host', 'channel', 'operator', 'tenant', 'input_redacted', 'outcome', 'error_code',
      ]);
      expect(names('imported_evidence')).toEqual(['id', 'imported_at', 'source', 'sha256', 'payload']);
      expect(names('kv_settings')).toEqual(['key', 'value']);
      expect(columnsOf(db, 'cluster_profiles').find((c) => c.name === 'name')?.pk).toBe(1);
      expect(columnsOf(db, 'imported_evidence').find((c) => c.name === 'payload')?.type).toBe('BLOB');
      expect(columnsOf(db, 'jobs').find((c) => c.name === 'fraction')?.type).toBe('REAL');
    } finally {
      db.close();
    }
  });

  it('numbers audit_local with AUTOINCREMENT, so a sequence number is never reused', () => {
    const db = atVersion1();
    try {
      const sql = db.prepare<[], { sql: string }>(`SELECT sql FROM sqlite_schema WHERE name = 'audit_local'`).get()?.sql ?? '';
      expect(sql).toMatch(/seq\s+INTEGER PRIMARY KEY AUTOINCREMENT/);
      const ins = db.prepare(
        `INSERT INTO audit_local (at, host, channel, operator, tenant, input_redacted, outcome, error_code) VALUES ('t', 'cli', 'a.b', 'op', NULL, '{}', 'ok', NULL)`,
      );
      ins.run();
      ins.run();
      db.exec('DELETE FROM audit_local WHERE seq = 2');
      expect(Number(ins.run().lastInsertRowid)).toBe(3);
    } finally {
      db.close();
    }
  });

  it('refuses values of the wrong type or shape (STRICT tables, JSON checks)', () => {
    const db = atVersion1();
    try {
      const profile = db.prepare(
        `INSERT INTO cluster_profiles VALUES (?, ?, 'dc1', 'admin', ?, ?, 't', 't')`,
      );
      expect(() => profile.run('a', 'not json', null, 0)).toThrow(/CHECK/);
      expect(() => profile.run('b', '{"not":"an array"}', null, 0)).toThrow(/CHECK/);
      expect(() => profile.run('c', '["h:9042"]', '{bad', 0)).toThrow(/CHECK/);
      expect(() => profile.run('d', '["h:9042"]', null, 2)).toThrow(/CHECK/);
      expect(() => profile.run('e', '["h:9042"]', null, 'yes')).toThrow(/cannot store TEXT value in INTEGER column/);
      profile.run('ok', '["h:9042"]', '{"caFile":"/ca.pem"}', 1);

      const job = db.prepare(`INSERT INTO jobs (id, kind, label, state, step, fraction, started_at) VALUES (?, 'k', 'l', ?, 's', ?, 't')`);
      expect(() => job.run('j1', 'exploded', null)).toThrow(/CHECK/);
      expect(() => job.run('j2', 'running', 1.5)).toThrow(/CHECK/);
      job.run('j3', 'running', 0.5);

      expect(() =>
        db.prepare(`INSERT INTO imported_evidence VALUES ('x', 't', 'file', 'short', x'00')`).run(),
      ).toThrow(/CHECK/);
    } finally {
      db.close();
    }
  });

  it('keeps data when the store is opened again (re-running migrations is a no-op)', () => {
    const dir = tmp();
    const first = openStore({ dir });
    first.clusterProfiles.insert({ name: 'prod', contactPoints: ['10.0.0.1:9042'], localDc: 'dc1', username: 'admin', tls: null, sandbox: false });
    first.db.prepare(`INSERT INTO kv_settings VALUES ('theme', '"dark"')`).run();
    first.close();

    const again = openStore({ dir });
    try {
      expect(again.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(again.clusterProfiles.get('prod')?.contactPoints).toEqual(['10.0.0.1:9042']);
      expect(again.db.prepare<[], { value: string }>(`SELECT value FROM kv_settings WHERE key = 'theme'`).get()?.value).toBe('"dark"');
    } finally {
      again.close();
    }
    withRawDb(join(dir, 'csm.db'), (db) => expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION));
  });
});
