import { afterEach, describe, expect, it, vi } from 'vitest';
import { contract } from '../../../src-shared/contract';
import { diffBaseline, summarize, type BaselineEntry } from '../../../src-main/isolation/diff';
import { analyze } from '../../../src-main/isolation/analyze';
import { syntheticSnapshot } from '../../../src-main/isolation/bench';
import { snapshot } from './fixtures';
import { fakeConsole, MemoryMonitorStore } from './monitor-fakes';

const crossGrant = { role: 'tenant_a_admin', resource: 'data/tenant_b_data', permissions: ['SELECT'] };
const unownedRole = { name: 'etl', superuser: false, login: true, memberOf: [] as string[] };
const unownedGrant = { role: 'etl', resource: 'data/tenant_b_data', permissions: ['MODIFY'] };

const entry = (findingId: string): BaselineEntry => ({ findingId, kind: 'cross-tenant-grant', severity: 'critical', title: findingId, tenants: [], firstSeen: '2025-01-01T00:00:00.000Z', alertId: null });

describe('baseline diff (pure)', () => {
  it('splits a scan into new, persisting and resolved; info notes never enter it', () => {
    const dirty = analyze(snapshot(['a', 'b'], { permissions: [crossGrant] })).findings;
    const grant = dirty.find((f) => f.kind === 'cross-tenant-grant')!;
    const note = dirty.find((f) => f.kind === 'schema-visibility')!;
    expect(note.severity).toBe('info');
    const first = diffBaseline([], dirty);
    expect(first.fresh.map((f) => f.id)).toEqual([grant.id]);
    expect(first).toMatchObject({ persisting: [], resolved: [] });
    const second = diffBaseline([entry(grant.id)], dirty);
    expect(second).toMatchObject({ fresh: [], persisting: [grant.id], resolved: [] });
    const clean = analyze(snapshot(['a', 'b'])).findings;
    const third = diffBaseline([entry(grant.id), entry('00000000000000ff')], clean);
    expect(third.fresh).toEqual([]);
    expect(third.resolved.map((b) => b.findingId)).toEqual([grant.id, '00000000000000ff']);
  });

  it('counts per tenant and cluster-wide apart', () => {
    const { findings } = analyze(snapshot(['a', 'b'], { permissions: [crossGrant] }));
    const s = summarize(findings);
    expect(s.byTenant).toEqual({ a: { critical: 1, warning: 0, info: 0 }, b: { critical: 1, warning: 0, info: 0 } });
    expect(s.global).toEqual({ critical: 0, warning: 0, info: 1 });
    expect(s.counts).toEqual({ critical: 1, warning: 0, info: 1 });
  });

  it('stays linear: 10,000 tenants with a violation every 100 diff against their own baseline', () => {
    const { findings } = analyze(syntheticSnapshot(10_000));
    const alertable = findings.filter((f) => f.severity !== 'info');
    expect(alertable.length).toBeGreaterThan(100);
    const base = alertable.slice(1).map((f) => entry(f.id));
    const d = diffBaseline(base, findings);
    expect(d.fresh.map((f) => f.id)).toEqual([alertable[0]!.id]);
    expect(d.persisting).toHaveLength(alertable.length - 1);
    expect(d.resolved).toEqual([]);
  });
});

describe('IsolationMonitor (unit: in-memory csm_system)', () => {
  afterEach(() => vi.useRealTimers());

  it('raises one alert for a new violation (event, security alert, audit), none for a persisting one, resolves it when it is gone', async () => {
    const store = new MemoryMonitorStore();
    const cluster = { snapshot: snapshot(['a', 'b']) };
    const c = fakeConsole(store, cluster);
    await c.monitor.request('prod', 'schedule');
    expect(c.alerts).toEqual([]);
    cluster.snapshot = snapshot(['a', 'b'], { permissions: [crossGrant] });
    await c.monitor.request('prod', 'schedule');
    expect(c.alerts).toHaveLength(1);
    const a = c.alerts[0]!;
    expect(a).toMatchObject({ cluster: 'prod', kind: 'cross-tenant-grant', severity: 'critical', tenants: ['a', 'b'], trigger: 'schedule', acknowledgedAt: null, resolvedAt: null, raisedBy: 'cassandra' });
    expect(c.security).toEqual([expect.objectContaining({ channel: 'isolation.monitor', cluster: 'prod', tenant: 'a' })]);
    expect(c.security[0]!.message).toContain(a.findingId);
    expect(c.audit).toEqual([expect.objectContaining({ channel: 'isolation.monitor', outcome: 'ok', operator: null, tenant: 'a', host: 'web' })]);
    expect(c.audit[0]!.input).toMatchObject({ event: 'alert', alertId: a.id, findingId: a.findingId });

    await c.monitor.request('prod', 'schedule');
    expect(c.alerts).toHaveLength(1);
    let st = await c.monitor.status('prod');
    expect(st.openAlerts.map((x) => x.id)).toEqual([a.id]);
    expect(st.unacknowledged).toBe(1);
    expect(st.byTenant['a']).toEqual({ critical: 1, warning: 0, info: 0 });
    expect(st.lastScan).toMatchObject({ trigger: 'schedule', by: 'cassandra' });

    cluster.snapshot = snapshot(['a', 'b']);
    await c.monitor.request('prod', 'grant-change');
    expect(c.alerts.map((x) => [x.id, x.resolvedAt !== null])).toEqual([
      [a.id, false],
      [a.id, true],
    ]);
    st = await c.monitor.status('prod');
    // Resolved but never acknowledged: still open, still counted — somebody should look.
    expect(st.openAlerts[0]).toMatchObject({ id: a.id, acknowledgedAt: null });
    expect(st.unacknowledged).toBe(1);
    expect(st.byTenant).toEqual({});
    const acked = await c.monitor.acknowledge('prod', a.id, 'ops');
    expect(acked).toMatchObject({ acknowledgedBy: 'ops' });
    expect((await c.monitor.status('prod')).openAlerts).toEqual([]);

    // The same violation planted again is new again.
    cluster.snapshot = snapshot(['a', 'b'], { permissions: [crossGrant] });
    await c.monitor.request('prod', 'schedule');
    expect(c.alerts.filter((x) => x.resolvedAt === null).map((x) => x.id)).toHaveLength(2);
    expect(new Set(c.alerts.map((x) => x.id)).size).toBe(2);
  });

  it('acknowledge: records who and when once, is idempotent, and refuses an unknown id', async () => {
    const store = new MemoryMonitorStore();
    const c = fakeConsole(store, { snapshot: snapshot(['a', 'b'], { permissions: [crossGrant] }) });
    await c.monitor.request('prod', 'sign-in');
    const id = c.alerts[0]!.id;
    const first = await c.monitor.acknowledge('prod', id, 'ops_alice');
    const again = await c.monitor.acknowledge('prod', id, 'ops_bob');
    expect(again).toEqual(first);
    expect(first.acknowledgedBy).toBe('ops_alice');
    const st = await c.monitor.status('prod');
    expect(st.unacknowledged).toBe(0);
    expect(st.openAlerts).toHaveLength(1); // acknowledged, not resolved: still open
    await expect(c.monitor.acknowledge('prod', '5f0c7b39-1d2e-4e0a-9b7e-3c4d5e6f7a8b', 'ops')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('two consoles on one cluster: the shared baseline alerts a finding once, and a restart does not alert it again', async () => {
    const store = new MemoryMonitorStore();
    const cluster = { snapshot: snapshot(['a', 'b'], { permissions: [crossGrant] }) };
    const one = fakeConsole(store, cluster);
    const two = fakeConsole(store, cluster);
    await Promise.all([one.monitor.request('prod', 'sign-in'), two.monitor.request('prod', 'sign-in')]);
    expect(one.alerts.length + two.alerts.length).toBe(1);
    expect(store.open.size).toBe(1);
    const restarted = fakeConsole(store, cluster);
    await restarted.monitor.request('prod', 'sign-in');
    expect(restarted.alerts).toEqual([]);
    // Appeared while every console was closed: alerted at the next scan.
    cluster.snapshot = snapshot(['a', 'b'], { roles: [unownedRole], permissions: [crossGrant, unownedGrant] });
    const later = fakeConsole(store, cluster);
    await later.monitor.request('prod', 'sign-in');
    expect(later.alerts.map((a) => a.kind)).toEqual(['unowned-role-tenant-access']);
  });

  it('a burst of grant changes is one re-scan after the quiet time; a change during a running scan gets one more', async () => {
    vi.useFakeTimers();
    const store = new MemoryMonitorStore();
    const cluster: { snapshot: ReturnType<typeof snapshot>; scanGate?: Promise<void> } = { snapshot: snapshot(['a', 'b']) };
    const c = fakeConsole(store, cluster, { debounceMs: 100, maxDebounceMs: 1000 });
    for (let i = 0; i < 5; i++) {
      c.monitor.afterGrantChange('prod', {});
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(c.scans).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(c.scans).toHaveLength(1);
    expect((await c.monitor.status('prod')).lastScan?.trigger).toBe('grant-change');

    // A scan is running (held at the gate); three changes land: exactly one follow-up scan.
    let release!: () => void;
    cluster.scanGate = new Promise((r) => (release = r));
    const running = c.monitor.request('prod', 'manual');
    await vi.advanceTimersByTimeAsync(0);
    expect(c.scans).toHaveLength(2);
    const waiters = [c.monitor.request('prod', 'grant-change'), c.monitor.request('prod', 'grant-change'), c.monitor.request('prod', 'schedule')];
    await vi.advanceTimersByTimeAsync(0);
    expect(c.scans).toHaveLength(2);
    cluster.scanGate = undefined;
    release();
    await running;
    await Promise.all(waiters);
    expect(c.scans).toHaveLength(3);
  });

  it('a burst that never goes quiet is still scanned at the maximum wait', async () => {
    vi.useFakeTimers();
    const c = fakeConsole(new MemoryMonitorStore(), { snapshot: snapshot(['a']) }, { debounceMs: 100, maxDebounceMs: 300 });
    for (let i = 0; i < 8; i++) {
      c.monitor.afterGrantChange('prod', {});
      await vi.advanceTimersByTimeAsync(60);
    }
    expect(c.scans.length).toBeGreaterThanOrEqual(1);
    expect(c.scans.length).toBeLessThan(8);
  });

  it('a saga answers when it starts: the re-scan waits for the job to end', async () => {
    vi.useFakeTimers();
    let finish!: () => void;
    const job = new Promise<void>((r) => (finish = r));
    const c = fakeConsole(new MemoryMonitorStore(), { snapshot: snapshot(['a']) }, { debounceMs: 10, jobDone: (id) => (id === 'job-1' ? job : null) });
    c.monitor.afterGrantChange(null, { jobId: 'job-1', tenant: { cluster: 'prod' } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(c.scans).toEqual([]);
    finish();
    await vi.advanceTimersByTimeAsync(20);
    expect(c.scans).toEqual(['prod']);
  });

  it('close() runs a pending grant-change re-scan at once and waits for it (the CLI gets its re-scan); no schedule in the CLI', async () => {
    const store = new MemoryMonitorStore();
    const c = fakeConsole(store, { snapshot: snapshot(['a', 'b'], { permissions: [crossGrant] }) }, { host: 'cli', debounceMs: 60_000 });
    c.monitor.onSignIn('prod', true); // the CLI signs in on every command: no scan for that
    c.monitor.afterGrantChange('prod', {});
    expect(c.scans).toEqual([]);
    await c.monitor.close();
    expect(c.scans).toEqual(['prod']);
    expect(c.alerts).toHaveLength(1);
    expect(store.row.scanTrigger).toBe('grant-change');
    expect((await c.monitor.status('prod')).nextScanAt).toBeNull();
    c.monitor.afterGrantChange('prod', {}); // closed: ignored
    expect(c.scans).toEqual(['prod']);
  });

  it('the schedule: default 15 min, shared, off stops the timer; the scheduled scan runs on the one timer', async () => {
    vi.useFakeTimers();
    const store = new MemoryMonitorStore();
    const c = fakeConsole(store, { snapshot: snapshot(['a']) });
    c.monitor.onSignIn('prod', true);
    await vi.advanceTimersByTimeAsync(0);
    expect(c.scans).toEqual(['prod']);
    let st = await c.monitor.status('prod');
    expect(st.schedule).toMatchObject({ everyMinutes: 15, isDefault: true });
    expect(Date.parse(st.nextScanAt!) - Date.now()).toBeGreaterThan(14 * 60_000);
    await vi.advanceTimersByTimeAsync(15 * 60_000);
    expect(c.scans).toHaveLength(2);
    expect(store.row.scanTrigger).toBe('schedule');
    expect(await c.monitor.setSchedule('prod', 2, 'ops')).toMatchObject({ everyMinutes: 2, isDefault: false, updatedBy: 'ops' });
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    expect(c.scans).toHaveLength(3);
    // A second console reads the schedule the first one set.
    const other = fakeConsole(store, { snapshot: snapshot(['a']) });
    expect((await other.monitor.status('prod')).schedule.everyMinutes).toBe(2);
    await c.monitor.setSchedule('prod', 'off', 'ops');
    st = await c.monitor.status('prod');
    expect(st.schedule.everyMinutes).toBeNull();
    expect(st.nextScanAt).toBeNull();
    await vi.advanceTimersByTimeAsync(60 * 60_000);
    expect(c.scans).toHaveLength(3);
    await c.monitor.close();
  });

  it('a failed scan is recorded in the status and logged, never thrown; the next good scan clears it', async () => {
    const store = new MemoryMonitorStore();
    const cluster = { snapshot: snapshot(['a']), signedIn: false };
    const c = fakeConsole(store, cluster);
    await expect(c.monitor.request('prod', 'schedule')).resolves.toBeUndefined();
    const down = await c.monitor.status('prod');
    expect(down).toMatchObject({ stale: true, openAlerts: [], lastError: { code: 'NOT_SIGNED_IN', trigger: 'schedule' } });
    cluster.signedIn = true;
    const st = await c.monitor.status('prod');
    expect(st.stale).toBe(false);
    expect(st.lastError).toMatchObject({ code: 'NOT_SIGNED_IN', trigger: 'schedule' });
    const broken = fakeConsole(store, cluster, {
      scan: async () => {
        throw new Error('connect ECONNREFUSED 10.1.2.3:9042 user=cassandra');
      },
    });
    await broken.monitor.request('prod', 'manual');
    const err = (await broken.monitor.status('prod')).lastError!;
    expect(err.code).toBe('INTERNAL');
    expect(err.message).not.toContain('10.1.2.3'); // hosts and users stay in the log
    await c.monitor.request('prod', 'manual');
    expect((await c.monitor.status('prod')).lastError).toBeNull();
  });
});

describe('isolation.setSchedule / acknowledge inputs (contract)', () => {
  const sched = contract['isolation.setSchedule'].input;
  it('minutes 1..1440 or off, nothing else', () => {
    for (const ok of [1, 15, 1440, 'off']) expect(sched.safeParse({ cluster: 'prod', everyMinutes: ok }).success).toBe(true);
    for (const bad of [0, -5, 1441, 2.5, 'never', '15', null]) expect(sched.safeParse({ cluster: 'prod', everyMinutes: bad }).success).toBe(false);
    expect(sched.safeParse({ cluster: 'prod', everyMinutes: 5, extra: 1 }).success).toBe(false);
    expect(sched.safeParse({ everyMinutes: 5 }).success).toBe(false);
  });
  it('an alert id is a UUID; status may leave the cluster out', () => {
    expect(contract['isolation.acknowledge'].input.safeParse({ cluster: 'prod', alertId: 'abc' }).success).toBe(false);
    expect(contract['isolation.acknowledge'].input.safeParse({ cluster: 'prod', alertId: '5f0c7b39-1d2e-4e0a-9b7e-3c4d5e6f7a8b' }).success).toBe(true);
    expect(contract['isolation.status'].input.safeParse({}).success).toBe(true);
    expect(contract['isolation.status'].input.safeParse({ cluster: 'prod', tenant: 'a' }).success).toBe(false);
  });
});
