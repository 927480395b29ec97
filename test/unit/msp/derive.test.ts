import { describe, expect, it } from 'vitest';
import { dashboardSchema } from '../../../src-shared/contract/msp';
import { buildDashboard, health } from '../../../src-main/msp/derive';
import { reads, T0, tenant } from './fixtures';

const now = new Date('2026-02-01T00:00:00.000Z');
const base = { online: true, state: 'active', sagas: { running: 0, failed: 0 }, keys: null, isolation: null, compliance: null };

describe('dashboard health rules', () => {
  it('an active tenant with nothing wrong is healthy', () => {
    expect(health(base)).toEqual({ level: 'healthy', reasons: [] });
  });

  it('critical: failed state, failed saga, critical finding — warnings are listed after', () => {
    expect(health({ ...base, state: 'failed' }).level).toBe('critical');
    expect(health({ ...base, sagas: { running: 0, failed: 2 } })).toEqual({ level: 'critical', reasons: ['2 failed sagas'] });
    const h = health({ ...base, isolation: { critical: 1, warning: 2, info: 0 }, keys: { rotationDue: true, overdueDays: 3, unfinished: false } });
    expect(h.level).toBe('critical');
    expect(h.reasons).toEqual(['1 critical isolation finding', 'key rotation overdue by 3 d', '2 isolation warnings']);
  });

  it('warning: suspended, mid-lifecycle, running saga, rotation due/unfinished, failing compliance', () => {
    expect(health({ ...base, state: 'suspended' })).toEqual({ level: 'warning', reasons: ['suspended'] });
    expect(health({ ...base, state: 'provisioning' }).reasons).toEqual(['being provisioned']);
    expect(health({ ...base, state: 'decommissioning' }).reasons).toEqual(['being deleted']);
    expect(health({ ...base, sagas: { running: 1, failed: 0 } }).reasons).toEqual(['1 saga not finished']);
    expect(health({ ...base, keys: { rotationDue: true, overdueDays: 0, unfinished: true } }).reasons).toEqual(['key rotation due', 'key rotation unfinished']);
    expect(health({ ...base, compliance: { fail: 2 } }).reasons).toEqual(['2 compliance checks failing']);
    expect(health({ ...base, isolation: { critical: 0, warning: 0, info: 5 } }).level).toBe('healthy');
  });

  it('unknown: offline (cached copy) or saga records unreadable', () => {
    expect(health({ ...base, online: false, syncedAt: T0 })).toEqual({ level: 'unknown', reasons: [`no platform session on this cluster: cached copy from ${T0}`] });
    expect(health({ ...base, sagas: null }).level).toBe('unknown');
    // A real problem is still shown when sagas are unreadable.
    expect(health({ ...base, sagas: null, state: 'suspended' }).level).toBe('warning');
  });
});

describe('buildDashboard', () => {
  it('one row per registry tenant with sagas, keys, findings, usage; deleted tenants left out', () => {
    const r = reads('prod', [tenant('acme'), tenant('beta', 'suspended'), tenant('gone', 'deleted'), tenant('cat', 'failed')], {
      sagas: { status: 'ok', at: T0, value: [{ tenantId: 'cat', state: 'failed' }, { tenantId: 'acme', state: 'succeeded' }, { tenantId: 'beta', state: 'running' }] },
      keys: { status: 'ok', at: T0, value: [{ tenantId: 'acme', due: true, overdueDays: 4, daysLeft: 0, unfinished: false }] },
      isolation: { status: 'ok', at: T0, value: { scannedAt: '2026-01-15T00:00:00.000Z', byTenant: new Map([['cat', { critical: 1, warning: 0, info: 0 }]]) } },
    });
    const d = buildDashboard([r], [], now);
    expect(dashboardSchema.safeParse(d).success).toBe(true);
    expect(d.rows.map((x) => [x.id, x.state, x.health.level])).toEqual([
      ['acme', 'active', 'warning'],
      ['beta', 'suspended', 'warning'],
      ['cat', 'failed', 'critical'],
    ]);
    const acme = d.rows[0]!;
    expect(acme.keys).toEqual({ rotationDue: true, overdueDays: 4, daysLeft: 0, unfinished: false });
    // Scanned after acme was created and acme absent: no findings (zeros), not "not scanned".
    expect(acme.isolation).toEqual({ critical: 0, warning: 0, info: 0 });
    expect(acme.usage).toEqual({ keyspaces: 2, tables: 6, roles: 4, users: 1 });
    expect(acme.pending).toEqual({ approvals: null, support: null });
    expect(acme.compliance).toBeNull();
    expect(d.rows[1]!.sagas).toEqual({ running: 1, failed: 0 });
    expect(d.metering).toBe('not-available');
    const c = d.clusters[0]!;
    expect(c).toMatchObject({ cluster: 'prod', online: true, tenants: 3, byState: { active: 1, suspended: 1, failed: 1 }, byHealth: { healthy: 0, warning: 2, critical: 1, unknown: 0 }, findings: { critical: 1, warning: 0, info: 0 }, rotationDue: 1, pendingApprovals: null });
    expect(c.sources.find((s) => s.source === 'compliance')).toMatchObject({ status: 'unavailable', message: 'compliance.list is not available in this console' });
    expect(c.sources.find((s) => s.source === 'keys')).toMatchObject({ status: 'ok', at: T0 });
  });

  it('isolation: never scanned, or the tenant created after the last scan, reads as not scanned (null)', () => {
    const late = tenant('late', 'active', { createdAt: '2026-01-20T00:00:00.000Z' });
    const never = buildDashboard([reads('prod', [tenant('acme')])], [], now);
    expect(never.rows[0]!.isolation).toBeNull();
    const r = reads('prod', [tenant('acme'), late], { isolation: { status: 'ok', at: T0, value: { scannedAt: '2026-01-15T00:00:00.000Z', byTenant: new Map() } } });
    expect(buildDashboard([r], [], now).rows.map((x) => [x.id, x.isolation])).toEqual([
      ['acme', { critical: 0, warning: 0, info: 0 }],
      ['late', null],
    ]);
  });

  it('a failing source makes its columns unknown, never the whole dashboard', () => {
    const r = reads('prod', [tenant('acme')], {
      sagas: { status: 'unavailable', message: 'tenant.jobs: UNAVAILABLE: node down' },
      keys: { status: 'pending', message: 'still reading' },
      isolation: { status: 'unavailable', message: 'isolation.status is not available in this console' },
      tables: { status: 'unavailable', message: 'schema unreadable' },
    });
    const d = buildDashboard([r], [], now);
    const row = d.rows[0]!;
    expect(row.sagas).toBeNull();
    expect(row.keys).toBeNull();
    expect(row.isolation).toBeNull();
    expect(row.usage).toEqual({ keyspaces: 2, tables: null, roles: 4, users: 1 });
    expect(row.health.level).toBe('unknown');
    expect(d.clusters[0]!.sources.filter((s) => s.status !== 'ok').map((s) => [s.source, s.status])).toEqual([
      ['schema', 'unavailable'],
      ['sagas', 'unavailable'],
      ['keys', 'pending'],
      ['isolation', 'unavailable'],
      ['compliance', 'unavailable'],
      ['approvals', 'unavailable'],
      ['support', 'unavailable'],
    ]);
  });

  it('pending approvals and support counted per tenant and in the cluster totals when the lists exist', () => {
    const r = reads('prod', [tenant('acme'), tenant('beta')], {
      approvals: { status: 'ok', at: T0, value: new Map([['acme', 2]]) },
      support: { status: 'ok', at: T0, value: new Map([['beta', 1]]) },
      compliance: { status: 'ok', at: T0, value: new Map([['acme', { frameworks: ['gdpr'], pass: 3, fail: 1 }]]) },
    });
    const d = buildDashboard([r], [], now);
    expect(d.rows.map((x) => x.pending)).toEqual([
      { approvals: 2, support: 0 },
      { approvals: 0, support: 1 },
    ]);
    expect(d.rows[0]!.compliance).toEqual({ frameworks: ['gdpr'], pass: 3, fail: 1 });
    expect(d.rows[1]!.compliance).toBeNull(); // not in the answer: unknown, not "no frameworks"
    expect(d.rows[0]!.health.reasons).toEqual(['1 compliance check failing']);
    expect(d.clusters[0]!.pendingApprovals).toBe(2);
  });

  it('mirror rows of clusters not signed in are listed offline, with their own totals; online clusters are not duplicated', () => {
    const mirror = [
      { cluster: 'dr', id: 'zed', name: 'Zed', tier: 'basic', template: 'default', state: 'active', createdAt: T0, updatedAt: T0, syncedAt: T0 },
      { cluster: 'prod', id: 'acme', name: 'stale copy', tier: 'basic', template: 'default', state: 'suspended', createdAt: T0, updatedAt: T0, syncedAt: T0 },
    ];
    const d = buildDashboard([reads('prod', [tenant('acme')])], mirror, now);
    expect(d.rows.map((x) => [x.cluster, x.id, x.online, x.name])).toEqual([
      ['dr', 'zed', false, 'Zed'],
      ['prod', 'acme', true, 'Tenant acme'],
    ]);
    const dr = d.clusters.find((c) => c.cluster === 'dr')!;
    expect(dr).toMatchObject({ online: false, tenants: 1, byHealth: { unknown: 1 } });
    expect(dr.sources.every((s) => s.status === 'offline')).toBe(true);
    expect(d.rows[0]!.usage).toBeNull();
  });
});
