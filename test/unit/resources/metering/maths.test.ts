import { describe, expect, it } from 'vitest';
import type { UsageFigure, UsageMetric, UsageSample } from '../../../../src-shared/contract/resources';
import { counterDelta, deriveFigures, downsample, isTenantRole, isTenantUser, MIB, noisyShares, sumDeltas, type ClusterReading, type HostReading, type RawCounters, type TenantInputs } from '../../../../src-main/resources/metering/maths';

const node = (over: Partial<HostReading> = {}): HostReading => ({
  host: 'h1',
  disk: new Map([
    ['tenant_acme_data.events', 1],
    ['tenant_acme_data.blobs', 3],
    ['tenant_other_data.events', 50],
  ]),
  reads: new Map([
    ['tenant_acme_data.events', { count: 100, p99Ms: 1.5 }],
    ['tenant_acme_data.blobs', { count: 0, p99Ms: 0 }],
  ]),
  writes: new Map([
    ['tenant_acme_data.events', { count: 10, p99Ms: 0.7 }],
    ['tenant_acme_data.blobs', { count: 40, p99Ms: 2.25 }],
    ['tenant_other_data.events', { count: 9999, p99Ms: 99 }],
  ]),
  clients: [
    { key: '127.0.0.1:1/tenant_acme_u_boss/c1', username: 'tenant_acme_u_boss', requests: 50 },
    { key: '127.0.0.1:2/tenant_acme_svc/c2', username: 'tenant_acme_svc', requests: 7 },
    { key: '127.0.0.1:3/tenant_other_u_x/c3', username: 'tenant_other_u_x', requests: 1000 },
    { key: '127.0.0.1:4/cassandra/c4', username: 'cassandra', requests: 5000 },
  ],
  ...over,
});
const reading = (over: Partial<ClusterReading> = {}, one: Partial<HostReading> = {}): ClusterReading => ({
  at: Date.parse('2026-11-29T12:00:00Z'),
  nodes: 1,
  tables: new Map([
    ['tenant_acme_data', ['events', 'blobs']],
    ['tenant_acme_csm', ['pki_certs']],
    ['tenant_other_data', ['events']],
  ]),
  roles: ['cassandra', 'tenant_acme_admin', 'tenant_acme_u_boss', 'tenant_acme_u_eve', 'tenant_acme_svc', 'tenant_other_u_x', 'tenant_acme_uxyz_admin'],
  hosts: [node(one)],
  missing: [],
  sizeEstimates: null,
  ...over,
});
const inputs: TenantInputs = { tenant: 'acme', keyspaces: ['tenant_acme_data', 'tenant_acme_gone'], certificates: { value: 2, precision: 'exact', source: 'tenant_acme_csm.pki_certs', note: null }, consoleOps: 3 };
const f = (figures: UsageFigure[], m: UsageMetric): UsageFigure => figures.find((x) => x.metric === m)!;

describe('counter deltas', () => {
  it('takes the increase, counts a new counter from zero and treats a counter that went down as reset', () => {
    expect(counterDelta(undefined, 5)).toEqual({ delta: 5, reset: false });
    expect(counterDelta(5, 12)).toEqual({ delta: 7, reset: false });
    expect(counterDelta(12, 12)).toEqual({ delta: 0, reset: false });
    // The node restarted (or a new connection took the key) and has seen 3 since.
    expect(counterDelta(12, 3)).toEqual({ delta: 3, reset: true });
  });
  it('sums keyed counters: vanished keys add nothing, new keys all they show, a reset key what it shows', () => {
    expect(sumDeltas({ a: 10, b: 5, gone: 100 }, { a: 15, b: 2, c: 4 })).toEqual({ delta: 5 + 2 + 4, reset: true });
    expect(sumDeltas({}, {})).toEqual({ delta: 0, reset: false });
  });
});

describe('tenant roles', () => {
  it('matches the fixed roles and users of exactly this tenant', () => {
    expect(isTenantRole('acme', 'tenant_acme_svc')).toBe(true);
    expect(isTenantRole('acme', 'tenant_acme_u_boss')).toBe(true);
    expect(isTenantRole('acme', 'tenant_acme_u_')).toBe(false);
    expect(isTenantRole('acme', 'tenant_acme_data_admin')).toBe(false);
    expect(isTenantRole('a', 'tenant_a_b_admin')).toBe(false); // tenant a_b's admin, not a's
    expect(isTenantUser('acme', 'tenant_acme_uxyz_admin')).toBe(false); // tenant acme_uxyz's admin
    expect(isTenantUser('acme', 'tenant_acme_u_eve')).toBe(true);
  });
});

describe('figures of one tenant', () => {
  it('gives exact counts, an estimated storage from disk_usage, and no deltas on the first sample', () => {
    const { figures, raw } = deriveFigures(inputs, reading(), null);
    expect(f(figures, 'storage_bytes')).toMatchObject({ value: 4 * MIB, precision: 'estimate', source: 'system_views.disk_usage' });
    expect(f(figures, 'storage_bytes').note).toMatch(/across replicas/);
    expect(f(figures, 'keyspaces')).toMatchObject({ value: 1, precision: 'exact' }); // tenant_acme_gone does not exist
    expect(f(figures, 'tables')).toMatchObject({ value: 2, precision: 'exact' });
    expect(f(figures, 'users')).toMatchObject({ value: 2, precision: 'exact' });
    expect(f(figures, 'certificates')).toMatchObject({ value: 2, precision: 'exact' });
    expect(f(figures, 'connections')).toMatchObject({ value: 2, precision: 'exact' });
    expect(f(figures, 'console_ops')).toMatchObject({ value: 3, precision: 'exact' });
    for (const m of ['reads', 'writes', 'requests'] as const) expect(f(figures, m)).toMatchObject({ value: null, precision: 'unavailable' });
    expect(f(figures, 'writes').note).toMatch(/first sample/);
    expect(f(figures, 'read_latency_p99_ms')).toMatchObject({ value: 1.5, precision: 'estimate' }); // blobs had no reads
    expect(f(figures, 'write_latency_p99_ms')).toMatchObject({ value: 2.25, precision: 'estimate' });
    expect(raw).toEqual({ hosts: { h1: { tables: { 'tenant_acme_data.events': [100, 10], 'tenant_acme_data.blobs': [0, 40] }, clients: { '127.0.0.1:1/tenant_acme_u_boss/c1': 50, '127.0.0.1:2/tenant_acme_svc/c2': 7 } } } });
  });

  it('takes deltas against the previous raw counters; a reset is marked and makes the figure an estimate', () => {
    const { figures } = deriveFigures(inputs, reading(), prev);
    expect(f(figures, 'reads')).toMatchObject({ value: 10, precision: 'exact' });
    expect(f(figures, 'writes')).toMatchObject({ value: 6 + 40, precision: 'exact' });
    expect(f(figures, 'requests')).toMatchObject({ value: 30 + 7, precision: 'estimate' });
    // Node restarted: the counters are lower than before.
    const restarted = deriveFigures(inputs, reading(), { hosts: { h1: { tables: { 'tenant_acme_data.events': [5000, 5000], 'tenant_acme_data.blobs': [0, 0] }, clients: {} } } });
    expect(f(restarted.figures, 'writes')).toMatchObject({ value: 10 + 40, precision: 'estimate' });
    expect(f(restarted.figures, 'writes').note).toMatch(/restarted/);
  });

  it('falls back to size_estimates without disk_usage and says unavailable without either', () => {
    const est = deriveFigures(inputs, reading({ sizeEstimates: new Map([['tenant_acme_data.events', 1234]]) }, { disk: null }), null);
    expect(f(est.figures, 'storage_bytes')).toMatchObject({ value: 1234, precision: 'estimate', source: 'system.size_estimates' });
    const none = deriveFigures(inputs, reading({}, { disk: null, clients: null }), null);
    expect(f(none.figures, 'storage_bytes')).toMatchObject({ value: null, precision: 'unavailable' });
    expect(f(none.figures, 'connections')).toMatchObject({ value: null, precision: 'unavailable' });
  });
});

const prev: RawCounters = { hosts: { h1: { tables: { 'tenant_acme_data.events': [90, 4], 'tenant_acme_data.blobs': [0, 0] }, clients: { '127.0.0.1:1/tenant_acme_u_boss/c1': 20 } } } };

describe('per-node fan-out (issue 10 item 1): deltas per host, summed', () => {
  // h2 holds the same tables (replicas) and its own connections.
  const h2 = (over: Partial<HostReading> = {}): HostReading =>
    node({
      host: 'h2',
      disk: new Map([['tenant_acme_data.events', 2], ['tenant_acme_data.blobs', 3]]),
      reads: new Map([['tenant_acme_data.events', { count: 500, p99Ms: 7 }]]),
      writes: new Map([['tenant_acme_data.events', { count: 70, p99Ms: 0.5 }], ['tenant_acme_data.blobs', { count: 5, p99Ms: 3 }]]),
      clients: [{ key: '127.0.0.2:9/tenant_acme_svc/c9', username: 'tenant_acme_svc', requests: 300 }],
      ...over,
    });
  const two = (over: Partial<ClusterReading> = {}, o1: Partial<HostReading> = {}, o2: Partial<HostReading> = {}): ClusterReading => reading({ nodes: 2, hosts: [node(o1), h2(o2)], ...over });
  const prev2: RawCounters = {
    hosts: {
      ...prev.hosts,
      h2: { tables: { 'tenant_acme_data.events': [400, 60], 'tenant_acme_data.blobs': [0, 5] }, clients: { '127.0.0.2:9/tenant_acme_svc/c9': 250 } },
    },
  };

  it('two nodes: each node against its own previous counters, the deltas summed, exact when both answered; storage and connections summed over replicas', () => {
    const { figures, raw } = deriveFigures(inputs, two(), prev2);
    expect(f(figures, 'reads')).toMatchObject({ value: 10 + 100, precision: 'exact' });
    expect(f(figures, 'writes')).toMatchObject({ value: 6 + 40 + (10 + 0), precision: 'exact' });
    expect(f(figures, 'writes').note).toMatch(/summed over 2 nodes/);
    expect(f(figures, 'requests')).toMatchObject({ value: 30 + 7 + 50, precision: 'estimate' });
    expect(f(figures, 'storage_bytes')).toMatchObject({ value: (1 + 3 + 2 + 3) * MIB, precision: 'estimate' });
    expect(f(figures, 'storage_bytes').note).toMatch(/across replicas.*summed over 2 nodes/);
    expect(f(figures, 'connections')).toMatchObject({ value: 3, precision: 'exact' });
    expect(f(figures, 'read_latency_p99_ms').value).toBe(7);
    expect(raw.hosts['h2']).toEqual({ tables: { 'tenant_acme_data.events': [500, 70], 'tenant_acme_data.blobs': [0, 5] }, clients: { '127.0.0.2:9/tenant_acme_svc/c9': 300 } });
    expect(raw.hosts['h1']!.tables['tenant_acme_data.events']).toEqual([100, 10]);
  });

  it('one node restarted: only its counters count from zero; the sum is an estimate saying so', () => {
    const { figures } = deriveFigures(inputs, two({}, {}, { reads: new Map([['tenant_acme_data.events', { count: 3, p99Ms: 1 }]]) }), prev2);
    // h1: 100-90 = 10; h2 went from 400 to 3: reset, counted as 3 (never 3-400, never its lifetime against h1).
    expect(f(figures, 'reads')).toMatchObject({ value: 10 + 3, precision: 'estimate' });
    expect(f(figures, 'reads').note).toMatch(/restarted/);
    expect(f(figures, 'writes')).toMatchObject({ value: 46 + 10, precision: 'exact' });
  });

  it('a node added since the previous sample is a baseline for that node, not a reset: its lifetime counts are not billed', () => {
    const { figures, raw } = deriveFigures(inputs, two(), prev);
    expect(f(figures, 'reads')).toMatchObject({ value: 10, precision: 'estimate' }); // h1 only; h2's 500 not billed
    expect(f(figures, 'writes').value).toBe(46);
    expect(f(figures, 'reads').note).toMatch(/baseline for h2/);
    expect(f(figures, 'reads').note).not.toMatch(/restarted/);
    expect(raw.hosts['h2']!.tables['tenant_acme_data.events']).toEqual([500, 70]);
    // The next sample takes h2's delta against that baseline and is exact again.
    const next = deriveFigures(inputs, two({}, {}, { reads: new Map([['tenant_acme_data.events', { count: 520, p99Ms: 1 }]]) }), raw);
    expect(f(next.figures, 'reads')).toMatchObject({ value: 0 + 20, precision: 'exact' });
  });

  it('a node down now: its figure is missing, the sum is an estimate naming it, its counters are kept for when it is back', () => {
    const down = deriveFigures(inputs, reading({ nodes: 2, missing: ['h2'] }), prev2);
    expect(f(down.figures, 'reads')).toMatchObject({ value: 10, precision: 'estimate' });
    expect(f(down.figures, 'reads').note).toMatch(/no figure from node h2/);
    expect(f(down.figures, 'storage_bytes').note).toMatch(/h2/);
    expect(f(down.figures, 'connections').precision).toBe('estimate');
    expect(down.raw.hosts['h2']).toEqual(prev2.hosts['h2']);
    // Back: h2's delta is taken from its last counters, h1's from this sample's.
    const back = deriveFigures(inputs, two(), down.raw);
    expect(f(back.figures, 'reads')).toMatchObject({ value: 0 + 100, precision: 'exact' });
    // Every node down: nothing to sum, unavailable (never 0).
    const none = deriveFigures(inputs, reading({ nodes: 2, hosts: [], missing: ['h1', 'h2'] }), prev2);
    expect(f(none.figures, 'reads')).toMatchObject({ value: null, precision: 'unavailable' });
    expect(f(none.figures, 'storage_bytes').value).toBeNull();
    expect(none.raw.hosts).toEqual(prev2.hosts);
  });

  it('a view unreadable on one node: the others still sum, the figure an estimate naming the node', () => {
    const { figures, raw } = deriveFigures(inputs, two({}, {}, { writes: null }), prev2);
    expect(f(figures, 'writes')).toMatchObject({ value: 46, precision: 'estimate' });
    expect(f(figures, 'writes').note).toMatch(/local_write_latency unreadable on h2/);
    expect(f(figures, 'reads')).toMatchObject({ value: 110, precision: 'exact' });
    expect(raw.hosts['h2']!.tables['tenant_acme_data.events']).toEqual([500, 60]); // writes carried forward
  });
});

describe('the base of deltas (security review H5, M1)', () => {
  it('counters of another node (or of the old single-node format) are a baseline, not a reset billing lifetime counts', () => {
    for (const other of [{ hosts: { h2: prev.hosts['h1']! } }, { hosts: {}, legacy: true }] as RawCounters[]) {
      const { figures, raw } = deriveFigures(inputs, reading(), other);
      for (const m of ['reads', 'writes', 'requests'] as const) expect(f(figures, m)).toMatchObject({ value: null, precision: 'unavailable' });
      expect(f(figures, 'writes').note).toMatch(/baseline/);
      expect(Object.keys(raw.hosts)).toEqual(['h1']);
    }
    expect(f(deriveFigures(inputs, reading(), prev).figures, 'reads').value).toBe(10);
  });

  it('a view that failed to read carries the previous counters forward: the sample after it bills only what happened since', () => {
    const failed = deriveFigures(inputs, reading({}, { writes: null, clients: null }), prev);
    expect(f(failed.figures, 'writes')).toMatchObject({ value: null, precision: 'unavailable' });
    expect(f(failed.figures, 'reads').value).toBe(10);
    const h1 = failed.raw.hosts['h1']!;
    expect(h1.tables['tenant_acme_data.events']).toEqual([100, 4]);
    expect(h1.clients).toEqual(prev.hosts['h1']!.clients);
    expect(h1.incomplete).toBeUndefined();
    const next = deriveFigures(inputs, reading({}, { writes: new Map([['tenant_acme_data.events', { count: 12, p99Ms: 1 }], ['tenant_acme_data.blobs', { count: 41, p99Ms: 1 }]]) }), failed.raw);
    expect(f(next.figures, 'writes')).toMatchObject({ value: 8 + 41, precision: 'exact' });
    expect(f(next.figures, 'requests').value).toBe(30 + 7);
  });

  it('a first sample with a view unreadable is marked incomplete and the next one is a baseline again', () => {
    const first = deriveFigures(inputs, reading({}, { reads: null }), null);
    expect(first.raw.hosts['h1']!.incomplete).toBe(true);
    const next = deriveFigures(inputs, reading(), first.raw);
    expect(f(next.figures, 'reads')).toMatchObject({ value: null, precision: 'unavailable' });
    expect(next.raw.hosts['h1']!.incomplete).toBeUndefined();
  });
});

describe('downsampling', () => {
  const pts = (n: number) => Array.from({ length: n }, (_, i) => ({ at: i * 1000, value: i % 7 === 3 ? null : i }));
  it('leaves short series alone', () => {
    expect(downsample(pts(10), 500, false, 0, 10_000)).toEqual(pts(10));
  });
  it('keeps at most max points; a delta metric keeps its total, a level its last value per bucket', () => {
    const p = pts(2000);
    const d = downsample(p, 500, true, 0, 2_000_000);
    expect(d.length).toBeLessThanOrEqual(500);
    const total = (xs: { value: number | null }[]) => xs.reduce((s, x) => s + (x.value ?? 0), 0);
    expect(total(d)).toBe(total(p));
    const l = downsample(p, 500, false, 0, 2_000_000);
    expect(l.length).toBeLessThanOrEqual(500);
    expect(l[l.length - 1]).toEqual({ at: 1_999_000, value: 1999 });
    expect(l.every((x, i) => i === 0 || x.at > l[i - 1]!.at)).toBe(true);
  });
});

describe('noisy neighbours', () => {
  const s = (tenant: string, at: string, requests: number | null, storage: number | null): UsageSample => ({
    tenant,
    at,
    trigger: 'schedule',
    figures: [
      { metric: 'requests', value: requests, unit: 'count', precision: 'estimate', source: 'x', note: null },
      { metric: 'reads', value: 1, unit: 'count', precision: 'exact', source: 'x', note: null },
      { metric: 'writes', value: 2, unit: 'count', precision: 'exact', source: 'x', note: null },
      { metric: 'storage_bytes', value: storage, unit: 'bytes', precision: 'estimate', source: 'x', note: null },
    ],
  });
  const from = Date.parse('2026-11-28T12:00:00Z');
  const to = Date.parse('2026-11-29T12:00:00Z');
  it('shares requests and storage growth, flags a tenant over the threshold among three or more', () => {
    const r = noisyShares(
      [
        { tenant: 'a', samples: [s('a', '2026-11-28T11:00:00Z', 999, 100), s('a', '2026-11-29T00:00:00Z', 800, 1100)] },
        { tenant: 'b', samples: [s('b', '2026-11-29T00:00:00Z', 100, 0), s('b', '2026-11-29T06:00:00Z', 50, 0)] },
        { tenant: 'c', samples: [s('c', '2026-11-29T00:00:00Z', null, 0), s('c', '2026-11-29T06:00:00Z', 47, 500)] },
      ],
      from,
      to,
      0.5,
    );
    const by = Object.fromEntries(r.rows.map((x) => [x.tenant, x]));
    // The 999 before the window does not count; c's null requests fall back to reads + writes (3).
    expect([by['a']!.requests, by['b']!.requests, by['c']!.requests]).toEqual([800, 150, 50]);
    expect(by['a']!.requestShare).toBeCloseTo(0.8, 6);
    expect(by['a']!.storageGrowthBytes).toBe(1000); // from the sample before the window
    expect(by['c']!.storageGrowthShare).toBeCloseTo(500 / 1500, 6);
    expect(r.rows.filter((x) => x.over).map((x) => x.tenant)).toEqual(['a']);
    expect(r.rows[0]!.tenant).toBe('a');
    expect(r.note).toBeNull();
  });
  it('flags nobody with fewer than three tenants, and shrinking storage is no growth', () => {
    const r = noisyShares(
      [
        { tenant: 'a', samples: [s('a', '2026-11-29T00:00:00Z', 10, 500), s('a', '2026-11-29T01:00:00Z', 10, 100)] },
        { tenant: 'b', samples: [s('b', '2026-11-29T00:00:00Z', 0, 0)] },
        { tenant: 'idle', samples: [] },
      ],
      from,
      to,
      0.5,
    );
    expect(r.rows.every((x) => !x.over)).toBe(true);
    expect(r.note).toMatch(/only 2 tenant/);
    const a = r.rows.find((x) => x.tenant === 'a')!;
    expect([a.requestShare, a.storageGrowthBytes, a.storageGrowthShare]).toEqual([1, -400, 0]);
  });
});

describe('certificates counted like the quota counts them (M6)', () => {
  it('active, not renewed away, not expired', async () => {
    const { activeCertificate } = await import('../../../../src-main/resources/metering/collect');
    const now = Date.parse('2026-11-29T12:00:00Z');
    const later = new Date(now + 86_400_000);
    expect(activeCertificate({ status: 'active', renewed_by: null, not_after: later }, now)).toBe(true);
    expect(activeCertificate({ status: 'active', renewed_by: '0a1b', not_after: later }, now)).toBe(false);
    expect(activeCertificate({ status: 'revoked', renewed_by: null, not_after: later }, now)).toBe(false);
    expect(activeCertificate({ status: 'active', renewed_by: null, not_after: new Date(now - 1) }, now)).toBe(false);
  });
});
