import { describe, expect, it } from 'vitest';
import type { UsageSample } from '../../../../src-shared/contract/resources';
import { daysBetween, UsageCache } from '../../../../src-main/resources/metering/store';
import { openStore } from '../../../../src-main/store/store';
import { useTempDir } from '../../store/helpers';

const tmp = useTempDir('csm-usage-');

const sample = (tenant: string, at: string, storage: number): UsageSample => ({
  tenant,
  at,
  trigger: 'manual',
  figures: [{ metric: 'storage_bytes', value: storage, unit: 'bytes', precision: 'estimate', source: 'system_views.disk_usage', note: null }],
});

describe('usage cache (SQLite migration 6)', () => {
  it('keeps samples per cluster and tenant: latest, a range with the sample before it, the newest of every tenant', () => {
    const store = openStore({ dir: tmp() });
    try {
      const c = new UsageCache(store.db);
      c.put('c1', sample('a', '2026-11-27T00:00:00.000Z', 1), { hosts: { h1: { tables: { 'k.t': [1, 2] }, clients: {} } } });
      c.put('c1', sample('a', '2026-11-28T00:00:00.000Z', 2), null);
      c.put('c1', sample('a', '2026-11-29T00:00:00.000Z', 3), { hosts: { h1: { tables: {}, clients: { x: 5 } } } });
      c.put('c1', sample('b', '2026-11-28T12:00:00.000Z', 9), null);
      c.put('c2', sample('a', '2026-11-30T00:00:00.000Z', 99), null);
      expect(c.latest('c1', 'a')).toEqual({ sample: sample('a', '2026-11-29T00:00:00.000Z', 3), raw: { hosts: { h1: { tables: {}, clients: { x: 5 } } } } });
      expect(c.latest('c1', 'zz')).toBeNull();
      const range = c.samples('c1', 'a', Date.parse('2026-11-27T12:00:00Z'), Date.parse('2026-11-29T00:00:00Z'));
      expect(range.map((s) => s.at)).toEqual(['2026-11-27T00:00:00.000Z', '2026-11-28T00:00:00.000Z', '2026-11-29T00:00:00.000Z']);
      expect(c.latestAll('c1').map((s) => [s.tenant, s.figures[0]!.value]).sort()).toEqual([
        ['a', 3],
        ['b', 9],
      ]);
    } finally {
      store.close();
    }
  });

  it('reads counters stored in the older single-node format as a baseline marker (no crash, no base), and damaged ones as none', () => {
    const store = openStore({ dir: tmp() });
    try {
      const c = new UsageCache(store.db);
      const put = store.db.prepare('INSERT INTO usage_samples (cluster, tenant, at, trigger, figures, raw) VALUES (?, ?, ?, ?, ?, ?)');
      const figures = JSON.stringify(sample('a', '2026-11-27T00:00:00.000Z', 1).figures);
      put.run('c1', 'a', Date.parse('2026-11-27T00:00:00Z'), 'manual', figures, JSON.stringify({ tables: { 'k.t': [1, 2] }, clients: { x: 5 }, host: 'h1' }));
      expect(c.latest('c1', 'a')?.raw).toEqual({ hosts: {}, legacy: true });
      put.run('c1', 'b', Date.parse('2026-11-27T00:00:00Z'), 'manual', figures, JSON.stringify({ hosts: { h1: { tables: 'nope' } } }));
      expect(c.latest('c1', 'b')?.raw).toBeNull();
    } finally {
      store.close();
    }
  });

  it("counts a tenant's console operations of the last hour on one cluster from the router's audit", () => {
    const store = openStore({ dir: tmp() });
    try {
      const c = new UsageCache(store.db);
      const entry = (at: string, tenant: string | null, cluster: string) => store.localAudit.record({ at, host: 'cli', channel: 'user.create', operator: 'op', tenant, input: { cluster, tenant }, outcome: 'ok', errorCode: null });
      entry('2026-11-29T11:30:00.000Z', 'a', 'c1');
      entry('2026-11-29T11:59:00.000Z', 'a', 'c1');
      entry('2026-11-29T10:00:00.000Z', 'a', 'c1'); // older than an hour
      entry('2026-11-29T11:40:00.000Z', 'a', 'c2'); // another cluster
      entry('2026-11-29T11:40:00.000Z', 'b', 'c1'); // another tenant
      expect(c.consoleOps('c1', 'a', '2026-11-29T11:00:00.000Z')).toBe(2);
    } finally {
      store.close();
    }
  });

  it('keeps settings and alerts, and prunes old samples and alerts', () => {
    const store = openStore({ dir: tmp() });
    try {
      const c = new UsageCache(store.db);
      expect(c.setting('interval_s', 900)).toBe(900);
      c.putSetting('interval_s', 60);
      expect(c.setting('interval_s', 900)).toBe(60);
      c.putAlert('c1', { tenant: 'a', at: '2026-11-29T11:00:00.000Z', kind: 'requests', share: 0.8, threshold: 0.5 });
      expect(c.alerts('c1', Date.parse('2026-11-29T00:00:00Z'))).toEqual([{ tenant: 'a', at: '2026-11-29T11:00:00.000Z', kind: 'requests', share: 0.8, threshold: 0.5 }]);
      expect(c.alerts('c1', Date.parse('2026-11-29T12:00:00Z'))).toEqual([]);
      c.put('c1', sample('a', '2026-11-01T00:00:00.000Z', 1), null);
      c.put('c1', sample('a', '2026-11-29T00:00:00.000Z', 2), null);
      c.prune(Date.parse('2026-11-15T00:00:00Z'));
      expect(c.samples('c1', 'a', 0, Date.parse('2026-12-01T00:00:00Z')).map((s) => s.at)).toEqual(['2026-11-29T00:00:00.000Z']);
      c.prune(Date.parse('2026-11-30T00:00:00Z'));
      expect(c.alerts('c1', 0)).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('lists the UTC days of a range for the per-day partitions', () => {
    expect(daysBetween(Date.parse('2026-11-28T23:00:00Z'), Date.parse('2026-11-30T00:00:00Z'))).toEqual(['2026-11-28', '2026-11-29', '2026-11-30']);
  });
});
