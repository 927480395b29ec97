import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyConnectionPragmas, CSM_APPLICATION_ID, openDatabase } from '../../../src-main/store/db';
import { migrate } from '../../../src-main/store/migrate';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src-main/store/migrations';
import { INTERRUPTED_MESSAGE } from '../../../src-main/store/job-repo';
import { openStore } from '../../../src-main/store/store';
import { columnsOf, useTempDir, withRawDb } from './helpers';

const tmp = useTempDir();

function atVersion(target: number, name = `m${target}.db`): ReturnType<typeof openDatabase> {
  const db = openDatabase(join(tmp(), name));
  migrate(db, { target });
  return db;
}

describe('migration 3: job owner', () => {
  it('is version 3 and named', () => {
    expect(MIGRATIONS[2]?.version).toBe(3);
    expect(MIGRATIONS[2]?.name).toBe('job owner');
  });

  it('adds the owner columns to jobs (nullable: rows from before have no owner) and an index of running jobs', () => {
    const db = atVersion(3);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(3);
      const cols = columnsOf(db, 'jobs');
      expect(cols.map((c) => c.name)).toEqual([
        'id', 'kind', 'label', 'state', 'step', 'fraction', 'started_at', 'finished_at', 'message', 'payload',
        'owner_pid', 'owner_host', 'owner_start', 'owner_instance',
      ]);
      for (const c of cols.filter((c) => c.name.startsWith('owner_'))) expect(c.notnull).toBe(0);
      expect(cols.find((c) => c.name === 'owner_pid')?.type).toBe('INTEGER');
      const idx = db.prepare<[], { name: string; sql: string }>(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'jobs' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all();
      expect(idx.map((i) => i.name)).toEqual(['jobs_by_started_at', 'jobs_running']);
      expect(idx[1]!.sql).toMatch(/WHERE state = 'running'/);
    } finally {
      db.close();
    }
  });

  it('refuses a bad owner pid (STRICT, CHECK)', () => {
    const db = atVersion(3);
    try {
      const ins = db.prepare(`INSERT INTO jobs (id, kind, label, state, step, started_at, owner_pid) VALUES (?, 'k', 'l', 'running', 's', 't', ?)`);
      expect(() => ins.run('a', 0)).toThrow(/CHECK/);
      expect(() => ins.run('b', -5)).toThrow(/CHECK/);
      expect(() => ins.run('c', 'twelve')).toThrow(/cannot store TEXT value in INTEGER column/);
      ins.run('d', 4242);
      ins.run('e', null);
    } finally {
      db.close();
    }
  });

  it('upgrades a version-2 file in place: rows kept, and a job a version-2 console left running is marked interrupted', () => {
    const dir = tmp();
    const path = join(dir, 'csm.db');
    withRawDb(path, (db) => {
      applyConnectionPragmas(db);
      db.pragma(`application_id = ${CSM_APPLICATION_ID}`);
      migrate(db, { target: 2 });
      const ins = db.prepare(`INSERT INTO jobs (id, kind, label, state, step, fraction, started_at, finished_at, payload) VALUES (?, 'k', 'l', ?, ?, ?, 't', ?, ?)`);
      ins.run('ok', 'succeeded', 'done', 1, 't2', '{"keep":true}');
      ins.run('stuck', 'running', 'step 3', 0.4, null, null);
    });

    const store = openStore({ dir, clock: () => '2024-05-05T05:05:05.000Z' });
    try {
      expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(store.jobs.get('ok')).toMatchObject({ state: 'succeeded', finishedAt: 't2', payload: { keep: true } });
      expect(store.jobs.get('stuck')).toMatchObject({ state: 'failed', step: 'step 3', fraction: 0.4, finishedAt: '2024-05-05T05:05:05.000Z', message: INTERRUPTED_MESSAGE });
    } finally {
      store.close();
    }
    withRawDb(path, (db) => expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION));
  });

  it('stamps every row this console writes with its owner', () => {
    const store = openStore({ dir: tmp() });
    try {
      store.jobs.upsert({ id: 'j', kind: 'k', label: 'l', state: 'running', step: 's', fraction: null, startedAt: 't', finishedAt: null, message: null });
      const row = store.db.prepare<[], { owner_pid: number; owner_host: string; owner_instance: string }>(`SELECT owner_pid, owner_host, owner_instance FROM jobs WHERE id = 'j'`).get();
      expect(row).toEqual({ owner_pid: process.pid, owner_host: store.jobs.owner.host, owner_instance: store.jobs.owner.instance });
    } finally {
      store.close();
    }
  });
});
