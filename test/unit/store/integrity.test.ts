import { closeSync, existsSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../src-main/store/store';
import { filesIn, useTempDir, withRawDb } from './helpers';

const tmp = useTempDir();

function onlyMovedFile(dir: string, tag: 'corrupt' | 'foreign'): string {
  const moved = filesIn(dir).filter((f) => new RegExp(`^csm\\.db\\.${tag}-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d\\.\\d{3}Z$`).test(f));
  expect(moved).toHaveLength(1);
  return join(dir, moved[0] ?? '');
}

function expectFreshCache(store: Store): void {
  expect(store.clusterProfiles.list()).toEqual([]);
  store.clusterProfiles.insert({ name: 'x', contactPoints: ['h:9042'], localDc: 'dc1', username: 'u', tls: null, sandbox: false });
}

/** A real CSM cache holding imported evidence, closed cleanly (so everything is in the main file). */
function cacheWithEvidence(dir: string, rows: number): void {
  const store = openStore({ dir });
  const ins = store.db.prepare(`INSERT INTO imported_evidence VALUES (?, '2024-01-01T00:00:00Z', 'usb', ?, ?)`);
  for (let i = 0; i < rows; i++) ins.run(`ev${i}`, 'a'.repeat(64), Buffer.from(`evidence ${i}`));
  store.db.prepare(`INSERT INTO kv_settings VALUES ('k', '1')`).run();
  store.close();
  expect(existsSync(join(dir, 'csm.db-wal'))).toBe(false);
}

/** Overwrite the root page of one table with 0xFF: the header stays valid, that b-tree does not. */
function smashRootPage(path: string, table: string): void {
  const { root, size } = withRawDb(path, (db) => ({
    root: db.prepare<[string], { rootpage: number }>('SELECT rootpage FROM sqlite_schema WHERE name = ?').get(table)?.rootpage ?? 0,
    size: Number(db.pragma('page_size', { simple: true })),
  }));
  expect(root).toBeGreaterThan(1);
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.alloc(size, 0xff), 0, size, (root - 1) * size);
  } finally {
    closeSync(fd);
  }
}

describe('opening a damaged or foreign cache', () => {
  it('moves a non-SQLite file aside with its -wal/-shm, keeps its bytes, and starts a fresh cache', () => {
    const dir = tmp();
    const garbage = Buffer.from('this is not a database at all, just some bytes \x00\x01\x02'.repeat(50), 'latin1');
    writeFileSync(join(dir, 'csm.db'), garbage);
    writeFileSync(join(dir, 'csm.db-wal'), 'wal bytes');
    writeFileSync(join(dir, 'csm.db-shm'), 'shm bytes');

    const store = openStore({ dir });
    try {
      const target = onlyMovedFile(dir, 'corrupt');
      expect(readFileSync(target)).toEqual(garbage);
      expect(readFileSync(`${target}-wal`, 'utf8')).toBe('wal bytes');
      expect(readFileSync(`${target}-shm`, 'utf8')).toBe('shm bytes');
      expect(store.notices).toHaveLength(1);
      const n = store.notices[0];
      expect(n?.level).toBe('warning');
      expect(n?.message).toContain(join(dir, 'csm.db'));
      expect(n?.message).toContain(`moved to ${target} (with -wal, -shm)`);
      expect(n?.message).toMatch(/not an SQLite database/);
      expect(n?.message).toMatch(/may contain imported audit evidence that is NOT in the rebuilt cache/);
      expectFreshCache(store);
    } finally {
      store.close();
    }
    // The next start is quiet: the problem was reported once, where it happened.
    const again = openStore({ dir });
    expect(again.notices).toEqual([]);
    again.close();
  });

  it('moves aside an SQLite file that belongs to another program', () => {
    const dir = tmp();
    const path = join(dir, 'csm.db');
    withRawDb(path, (db) => {
      db.pragma('application_id = 305419896'); // 0x12345678
      db.exec(`CREATE TABLE their_data (x TEXT); INSERT INTO their_data VALUES ('keep me')`);
    });
    const store = openStore({ dir });
    try {
      const target = onlyMovedFile(dir, 'foreign');
      expect(withRawDb(target, (db) => db.prepare<[], { x: string }>('SELECT x FROM their_data').get()?.x)).toBe('keep me');
      expect(store.notices).toEqual([
        {
          level: 'warning',
          message: expect.stringMatching(/not a Cassandra Security Manager cache: its application id is 0x12345678, not 0x43534d31/),
        },
      ]);
      expect(store.notices[0]?.message).toContain(target);
      expectFreshCache(store);
    } finally {
      store.close();
    }
  });

  it('treats an SQLite file with tables but no application id as foreign', () => {
    const dir = tmp();
    withRawDb(join(dir, 'csm.db'), (db) => db.exec('CREATE TABLE t (x)'));
    const store = openStore({ dir });
    try {
      onlyMovedFile(dir, 'foreign');
      expect(store.notices[0]?.message).toMatch(/application id is 0x00000000/);
    } finally {
      store.close();
    }
  });

  it('reports an error when the damaged cache still holds imported evidence', () => {
    const dir = tmp();
    cacheWithEvidence(dir, 3);
    smashRootPage(join(dir, 'csm.db'), 'kv_settings');

    const store = openStore({ dir });
    try {
      const target = onlyMovedFile(dir, 'corrupt');
      expect(store.notices).toHaveLength(1);
      const n = store.notices[0];
      expect(n?.level).toBe('error');
      expect(n?.message).toMatch(/csm\.db is damaged: (the SQLite integrity check failed|SQLite cannot read it)/);
      expect(n?.message).toMatch(/holds 3 imported audit evidence record\(s\), which are NOT in the rebuilt cache/);
      expect(n?.message).toContain(`Keep ${target}`);
      // The evidence really is still recoverable from the preserved file.
      expect(withRawDb(target, (db) => db.prepare<[], { n: number }>('SELECT count(*) AS n FROM imported_evidence').get()?.n)).toBe(3);
      expect(store.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM imported_evidence').get()?.n).toBe(0);
    } finally {
      store.close();
    }
  });

  it('reports an error when the evidence table exists but cannot be read', () => {
    const dir = tmp();
    cacheWithEvidence(dir, 2);
    smashRootPage(join(dir, 'csm.db'), 'imported_evidence');

    const store = openStore({ dir });
    try {
      const target = onlyMovedFile(dir, 'corrupt');
      expect(store.notices[0]?.level).toBe('error');
      expect(store.notices[0]?.message).toMatch(/evidence table that could not be read; it may contain evidence that is NOT in the rebuilt cache/);
      expect(store.notices[0]?.message).toContain(target);
    } finally {
      store.close();
    }
  });

  it('says plainly when the damaged cache held no evidence', () => {
    const dir = tmp();
    cacheWithEvidence(dir, 0);
    smashRootPage(join(dir, 'csm.db'), 'kv_settings');
    const store = openStore({ dir });
    try {
      expect(store.notices[0]?.level).toBe('warning');
      expect(store.notices[0]?.message).toMatch(/held no imported audit evidence/);
    } finally {
      store.close();
    }
  });

  it('does not overwrite an earlier moved-aside file', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'csm.db'), 'garbage one '.repeat(20));
    openStore({ dir }).close();
    // Second damage within the same run: a distinct name, both kept.
    writeFileSync(join(dir, 'csm.db'), 'garbage two '.repeat(20));
    openStore({ dir }).close();
    const moved = filesIn(dir).filter((f) => f.startsWith('csm.db.corrupt-'));
    expect(moved).toHaveLength(2);
    const contents = moved.map((f) => readFileSync(join(dir, f), 'utf8').slice(0, 12)).sort();
    expect(contents).toEqual(['garbage one ', 'garbage two ']);
  });
});
