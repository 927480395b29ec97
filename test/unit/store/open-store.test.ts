import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src-main/app/errors';
import { CSM_APPLICATION_ID } from '../../../src-main/store/db';
import { LATEST_SCHEMA_VERSION } from '../../../src-main/store/migrations';
import { openStore } from '../../../src-main/store/store';
import { filesIn, useTempDir, withRawDb } from './helpers';

const tmp = useTempDir();
const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('openStore', () => {
  it('creates csm.db with WAL, foreign keys, NORMAL sync, a busy timeout and our application id', () => {
    const dir = tmp();
    const store = openStore({ dir });
    try {
      expect(store.path).toBe(join(dir, 'csm.db'));
      expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(store.notices).toEqual([]);
      const p = (name: string): unknown => store.db.pragma(name, { simple: true });
      expect(p('journal_mode')).toBe('wal');
      expect(p('foreign_keys')).toBe(1);
      expect(p('synchronous')).toBe(1); // NORMAL
      expect(p('busy_timeout')).toBe(5000);
      expect(p('application_id')).toBe(CSM_APPLICATION_ID);
      expect(p('user_version')).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      store.close();
    }
  });

  it.runIf(process.platform !== 'win32')('keeps the cache file private to the user', () => {
    const store = openStore({ dir: tmp() });
    store.close();
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
  });

  it('honours fileName and refuses one that is a path', () => {
    const dir = tmp();
    openStore({ dir, fileName: 'other.db' }).close();
    expect(filesIn(dir)).toContain('other.db');
    expect(() => openStore({ dir, fileName: '../escape.db' })).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => openStore({ dir, fileName: '.hidden' })).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
  });

  it('accepts an empty (0-byte) file as a new cache', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'csm.db'), '');
    const store = openStore({ dir });
    try {
      expect(store.notices).toEqual([]);
      expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      store.close();
    }
  });

  it('refuses a file from a newer console with SCHEMA_TOO_NEW and leaves it untouched', () => {
    const dir = tmp();
    openStore({ dir }).close();
    const path = join(dir, 'csm.db');
    withRawDb(path, (db) => db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 3}`));
    const before = { hash: sha(path), files: filesIn(dir) };

    let caught: unknown;
    try {
      openStore({ dir });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AppError);
    const err = caught as AppError;
    expect(err.code).toBe('SCHEMA_TOO_NEW');
    expect(err.message).toContain(`schema version ${LATEST_SCHEMA_VERSION + 3}`);
    expect(err.message).toContain(`versions up to ${LATEST_SCHEMA_VERSION}`);
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/left untouched/);
    expect({ hash: sha(path), files: filesIn(dir) }).toEqual(before);
  });

  it('withTransaction commits, rolls back on throw, and refuses async functions', async () => {
    const store = openStore({ dir: tmp() });
    try {
      const add = (name: string): void => {
        store.clusterProfiles.insert({ name, contactPoints: ['h:9042'], localDc: 'dc1', username: 'u', tls: null, sandbox: false });
      };
      store.withTransaction(() => add('a'));
      expect(() =>
        store.withTransaction(() => {
          add('b');
          throw new Error('abort');
        }),
      ).toThrow('abort');
      expect(() => store.withTransaction(async () => add('c'))).toThrow(/synchronous/);
      // Let the stray async body settle (it ran outside any transaction's protection, and failed inside it).
      await new Promise((r) => setTimeout(r, 0));
      expect(store.clusterProfiles.list().map((p) => p.name)).toEqual(['a']);
    } finally {
      store.close();
    }
  });

  it('close() may be called twice', () => {
    const store = openStore({ dir: tmp() });
    store.close();
    expect(() => store.close()).not.toThrow();
  });
});
