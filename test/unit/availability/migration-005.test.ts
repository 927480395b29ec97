import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src-main/store/migrate';
import { openDatabase } from '../../../src-main/store/db';
import { tableNames, useTempDir } from '../store/helpers';

const tmp = useTempDir('csm-mig5-');

describe('cache migration 5 (availability)', () => {
  it('adds the availability tables on top of version 4 and keeps what was there', () => {
    const db = openDatabase(join(tmp(), 'csm.db'));
    try {
      expect(migrate(db, { target: 4 }).to).toBe(4);
      db.prepare('INSERT INTO kv_settings (key, value) VALUES (?, ?)').run('k', '"v"');
      expect(migrate(db, { target: 5 }).to).toBe(5);
      expect(db.pragma('user_version', { simple: true })).toBe(5);
      for (const t of ['availability_samples', 'availability_hourly', 'availability_daily', 'availability_last', 'availability_incidents', 'availability_targets', 'availability_windows', 'availability_alerts', 'availability_settings']) {
        expect(tableNames(db)).toContain(t);
      }
      expect(db.prepare("SELECT value FROM kv_settings WHERE key = 'k'").get()).toEqual({ value: '"v"' });
    } finally {
      db.close();
    }
  });

  it('refuses rows that would corrupt the figures', () => {
    const db = openDatabase(join(tmp(), 'csm.db'));
    try {
      migrate(db, { target: 5 });
      const sample = db.prepare("INSERT INTO availability_samples (cluster, tenant, at, ok, weight_ms, excluded, latency_ms, consistency, trigger) VALUES ('c', 't', 1, ?, ?, 0, 1, 'ONE', ?)");
      expect(() => sample.run(2, 1, 'schedule')).toThrow(/CHECK/);
      expect(() => sample.run(1, -5, 'schedule')).toThrow(/CHECK/);
      expect(() => sample.run(1, 5, 'cron')).toThrow(/CHECK/);
      expect(() => db.prepare("INSERT INTO availability_windows (cluster, tenant, id, starts_at, ends_at, reason) VALUES ('c', 't', 'w', 10, 10, 'r')").run()).toThrow(/CHECK/);
      expect(() => db.prepare("INSERT INTO availability_targets (cluster, tenant, percent) VALUES ('c', 't', 100)").run()).toThrow(/CHECK/);
    } finally {
      db.close();
    }
  });
});
