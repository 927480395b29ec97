import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AvailabilityStore, type Observation } from '../../../src-main/availability/store';
import { HOUR_MS } from '../../../src-main/availability/maths';
import { openStore } from '../../../src-main/store/store';
import { useTempDir } from '../store/helpers';

const tmp = useTempDir('csm-avail-');
const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 29, 8, 0);

function open() {
  const s = openStore({ dir: join(tmp()), logger: { debug() {}, info() {}, warn() {}, error() {} } as never });
  return { db: s, av: new AvailabilityStore(s.db) };
}
const obs = (at: number, ok: boolean, tenant = 'ta_00000001', trigger: 'schedule' | 'manual' = 'schedule'): Observation => ({
  cluster: 'c1',
  tenant,
  at,
  ok,
  latencyMs: 1.5,
  errorClass: ok ? null : 'UNAVAILABLE',
  message: ok ? null : 'probe: no Cassandra node answered',
  coordinator: ok ? '127.0.0.1:9042' : null,
  consistency: 'LOCAL_QUORUM',
  role: 'tenant_ta_00000001_svc',
  keyspace: 'tenant_ta_00000001_data',
  trigger,
});

describe('availability cache (SQLite migration 5)', () => {
  it('weighs samples by time since the previous one; 24 h figure from the hourly rollups', () => {
    const { db, av } = open();
    try {
      // 60 one-minute samples, 3 of them failed.
      for (let i = 0; i < 60; i++) av.record(obs(T0 + i * MIN, !(i >= 10 && i < 13)), MIN);
      const [day] = av.periods('c1', 'ta_00000001', T0 + 61 * MIN, 99.9);
      expect(day).toMatchObject({ percent: 95, monitoredMinutes: 60, downMinutes: 3, samples: 60 });
      // A manual probe 10 s after the last scheduled one weighs 10 s, not a minute.
      const manual = av.record(obs(T0 + 59 * MIN + 10_000, true, 'ta_00000001', 'manual'), MIN);
      expect(manual.weightMs).toBe(10_000);
      const inc = av.incidents('c1', 'ta_00000001', 10);
      expect(inc).toHaveLength(1);
      expect(inc[0]).toMatchObject({ samples: 3, startedAt: new Date(T0 + 10 * MIN).toISOString(), endedAt: new Date(T0 + 13 * MIN).toISOString(), errorClass: 'UNAVAILABLE' });
    } finally {
      db.close();
    }
  });

  it('maintenance windows: samples inside count on neither side, also when the window arrives late', () => {
    const { db, av } = open();
    try {
      for (let i = 0; i < 60; i++) av.record(obs(T0 + i * MIN, !(i >= 20 && i < 30)), MIN);
      const now = T0 + 61 * MIN;
      expect(av.periods('c1', 'ta_00000001', now, 99.9)[0]).toMatchObject({ downMinutes: 10, excludedMinutes: 0 });
      // Declared afterwards over the outage: the hour is re-rolled from the raw samples.
      av.replaceWindows('c1', 'ta_00000001', [{ id: 'w1', startsAt: new Date(T0 + 20 * MIN).toISOString(), endsAt: new Date(T0 + 30 * MIN).toISOString(), reason: 'upgrade', createdBy: 'op' }]);
      expect(av.periods('c1', 'ta_00000001', now, 99.9)[0]).toMatchObject({ percent: 100, downMinutes: 0, excludedMinutes: 10, monitoredMinutes: 50 });
      // The daily rollups (7 d, 30 d) moved by the same difference.
      expect(av.periods('c1', 'ta_00000001', now, 99.9)[1]).toMatchObject({ percent: 100, downMinutes: 0, excludedMinutes: 10, monitoredMinutes: 50, samples: 60 });
      // A sample recorded during a window is excluded at once.
      av.record(obs(T0 + 25 * MIN + 1, false), MIN);
      expect(av.periods('c1', 'ta_00000001', now, 99.9)[0]!.downMinutes).toBe(0);
      // Removed again: the outage counts again.
      av.replaceWindows('c1', 'ta_00000001', []);
      expect(av.periods('c1', 'ta_00000001', now, 99.9)[0]!.downMinutes).toBeGreaterThanOrEqual(10);
    } finally {
      db.close();
    }
  });

  it('7 d and 30 d include older hours; 24 h does not', () => {
    const { db, av } = open();
    try {
      const now = T0 + 10 * 86_400_000;
      av.record(obs(now - 5 * 86_400_000, false), HOUR_MS); // first sample: weighs one interval (1 h)
      av.record(obs(now - 30 * MIN, true), 10 * MIN); // capped at 3 intervals
      const [d1, d7, d30] = av.periods('c1', 'ta_00000001', now, 99);
      expect(d1).toMatchObject({ percent: 100, downMinutes: 0, monitoredMinutes: 30 });
      expect(d7).toMatchObject({ downMinutes: 60, monitoredMinutes: 90 });
      expect(d30!.percent).toBeCloseTo(33.3333, 3);
    } finally {
      db.close();
    }
  });

  it('alerts when 24 h drops below the target, clears when back, once each', () => {
    const { db, av } = open();
    try {
      av.record(obs(T0, true), MIN);
      expect(av.evaluate('c1', 'ta_00000001', T0)).toBeNull();
      av.record(obs(T0 + MIN, false), MIN);
      expect(av.evaluate('c1', 'ta_00000001', T0 + MIN)).toMatchObject({ state: 'raised', percent: 50, target: 99.9 });
      expect(av.evaluate('c1', 'ta_00000001', T0 + MIN)).toBeNull();
      // Lowering the target below what was reached clears it.
      av.putTarget('c1', 'ta_00000001', 50, 'op', T0);
      expect(av.evaluate('c1', 'ta_00000001', T0 + MIN)).toMatchObject({ state: 'cleared' });
      expect(av.alert('c1', 'ta_00000001')).toBeNull();
    } finally {
      db.close();
    }
  });

  it('the overview of a cluster is one query over every probed tenant', () => {
    const { db, av } = open();
    try {
      for (let t = 0; t < 50; t++) {
        const id = `tb_${String(t).padStart(8, '0')}`;
        for (let i = 0; i < 10; i++) av.record(obs(T0 + i * MIN, !(t % 10 === 0 && i === 9), id), MIN);
      }
      // Only tenants still registered are listed: 49 in the mirror, one of them deleted.
      const mirror = db.db.prepare("INSERT INTO tenant_mirror (cluster, id, name, tier, state, isolation, template, data_centers, created_at, updated_at, synced_at) VALUES ('c1', ?, 'n', 'standard', ?, 'keyspace', 'default', '[]', 'x', 'x', 'x')");
      for (let t = 0; t < 49; t++) mirror.run(`tb_${String(t).padStart(8, '0')}`, t === 1 ? 'deleted' : 'active');
      mirror.run('tb_00000049', 'active');
      db.db.prepare("UPDATE tenant_mirror SET state = 'deleted' WHERE id = 'tb_00000001'").run();
      const rows = av.overview('c1', T0 + 11 * MIN);
      expect(rows).toHaveLength(49);
      expect(rows.map((r) => r.tenant)).not.toContain('tb_00000001');
      const bad = rows.filter((r) => r.below);
      expect(bad.map((r) => r.tenant)).toEqual(['tb_00000000', 'tb_00000010', 'tb_00000020', 'tb_00000030', 'tb_00000040']);
      expect(bad[0]).toMatchObject({ percent24h: 90, lastOk: false, openIncident: true });
      expect(av.failing('c1')).toEqual({ probed: 50, failing: 5 });
      expect(av.overview('c2', T0)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('prunes raw samples past retention and keeps the rollups', () => {
    const { db, av } = open();
    try {
      av.record(obs(T0, false), MIN);
      av.prune(T0 + 3 * 86_400_000, 2 * 86_400_000);
      expect(av.recent('c1', 'ta_00000001', 10)).toEqual([]);
      expect(av.periods('c1', 'ta_00000001', T0 + 3 * 86_400_000, 99.9)[1]!.downMinutes).toBe(1);
    } finally {
      db.close();
    }
  });
});
