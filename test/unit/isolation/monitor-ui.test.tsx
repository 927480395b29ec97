// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorScope } from '../../../src-shared/contract';
import type { Finding, IsolationAlert, IsolationReport, MonitorStatus } from '../../../src-shared/contract/isolation';
import { ClientProvider } from '../../../src-renderer/app/client';
import { Nav } from '../../../src-renderer/app/Nav';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { useSession } from '../../../src-renderer/app/stores/session';
import { subscribeIsolation } from '../../../src-renderer/features/isolation/actions';
import { IsolationPage } from '../../../src-renderer/features/isolation/IsolationPage';
import { scheduleError } from '../../../src-renderer/features/isolation/MonitorPanel';
import { createFakeBridge, fail, ok, type FakeBridge } from '../renderer/fake-bridge';

const scope = (cluster: string): OperatorScope => ({ cluster, role: 'cassandra', superuser: true, roles: [], platform: true, tenantAdmin: [], auditor: 'all', tenants: [] });

const finding: Finding = {
  id: '0123456789abcdef',
  kind: 'cross-tenant-grant',
  severity: 'critical',
  title: 'Role tenant_a_admin of tenant a holds SELECT on tenant b’s KEYSPACE tenant_b_data',
  tenants: ['a', 'b'],
  global: false,
  subject: 'tenant_a_admin',
  evidence: [{ chain: ['tenant_a_admin'], permissions: ['SELECT'], resource: 'KEYSPACE tenant_b_data', owner: 'b', text: 'tenant_a_admin holds SELECT on KEYSPACE tenant_b_data' }],
  moreEvidence: 0,
  fix: ['REVOKE SELECT ON KEYSPACE "tenant_b_data" FROM "tenant_a_admin"'],
  fixNote: null,
};
const alert = (id: string, over: Partial<IsolationAlert> = {}): IsolationAlert => ({
  id,
  cluster: 'prod',
  findingId: finding.id,
  kind: finding.kind,
  severity: 'critical',
  tenants: ['a', 'b'],
  title: finding.title,
  trigger: 'schedule',
  raisedAt: '2025-01-01T00:00:00.000Z',
  raisedBy: 'cassandra',
  acknowledgedBy: null,
  acknowledgedAt: null,
  resolvedAt: null,
  ...over,
});
const A1 = '11111111-1111-4111-8111-111111111111';
const A2 = '22222222-2222-4222-8222-222222222222';
const status = (alerts: IsolationAlert[], over: Partial<MonitorStatus> = {}): MonitorStatus => ({
  cluster: 'prod',
  schedule: { everyMinutes: 15, isDefault: true, updatedBy: null, updatedAt: null },
  lastScan: { at: '2025-01-01T00:00:00.000Z', by: 'cassandra', trigger: 'schedule', counts: { critical: 1, warning: 0, info: 1 }, global: { critical: 0, warning: 0, info: 1 } },
  lastError: null,
  nextScanAt: '2025-01-01T00:15:00.000Z',
  scanning: false,
  stale: false,
  openAlerts: alerts,
  unacknowledged: alerts.filter((a) => !a.acknowledgedAt).length,
  byTenant: { a: { critical: 1, warning: 0, info: 0 } },
  ...over,
});
const report = (): IsolationReport => ({ cluster: 'prod', scannedAt: '2025-01-01T00:00:00.000Z', scannedBy: 'cassandra', tenant: null, counts: { critical: 1, warning: 0, info: 0 }, stats: { tenants: 2, roles: 8, memberships: 4, grants: 20, readMs: 3, analysisMs: 1 }, auth: { authenticator: null, authorizer: null, roleManager: null, networkAuthorizer: null, cidrAuthorizer: null }, findings: [finding] });

function mount(fake: FakeBridge) {
  const off = subscribeIsolation(fake.client);
  const view = render(
    <ClientProvider client={fake.client}>
      <Nav current="isolation" />
      <IsolationPage />
    </ClientProvider>,
  );
  return { off, view };
}
const badge = (): string | null => screen.queryByTestId('nav-isolation-alerts')?.textContent ?? null;

describe('Isolation monitoring in the renderer (unit: fake bridge)', () => {
  beforeEach(() => resetAllStores());
  afterEach(cleanup);

  it('the nav badge counts unacknowledged alerts from the status, goes up on an isolation.alert event and down on acknowledge', async () => {
    // The "main process": open alerts as csm_system holds them; events and status agree with it.
    const server = new Map<string, IsolationAlert>([[A1, alert(A1)]]);
    const raise = (a: IsolationAlert): void => {
      if (a.acknowledgedAt && a.resolvedAt) server.delete(a.id);
      else server.set(a.id, a);
      act(() => fake.emit('isolation.alert', a));
    };
    const fake = createFakeBridge({
      'isolation.status': () => ok(status([...server.values()])),
      'isolation.acknowledge': (i) => {
        const a = server.get(i.alertId);
        if (!a) return fail('NOT_FOUND', 'no such alert');
        const acked = { ...a, acknowledgedBy: 'cassandra', acknowledgedAt: '2025-01-01T01:00:00.000Z' };
        server.set(a.id, acked);
        return ok(acked);
      },
    });
    const { off } = mount(fake);
    expect(badge()).toBeNull(); // not signed in: nothing loaded
    act(() => useSession.getState().setScope('prod', scope('prod')));
    await waitFor(() => expect(badge()).toBe('1'));
    expect(screen.getByTestId('nav-isolation-alerts').getAttribute('aria-label')).toBe('1 unacknowledged isolation alert');
    expect(screen.getByTestId('nav-isolation').textContent).toContain('Isolation');
    raise(alert(A2, { raisedAt: '2025-01-02T00:00:00.000Z', severity: 'warning' }));
    expect(badge()).toBe('2');
    const table = await screen.findByTestId('monitor-alerts');
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3)); // header + two alerts, newest first
    expect(within(table).getAllByRole('row')[1]!.getAttribute('data-testid')).toBe(`alert-${A2}`);
    fireEvent.click(screen.getByTestId(`alert-ack-${A1}`));
    await waitFor(() => expect(badge()).toBe('1'));
    expect(fake.callsTo('isolation.acknowledge')[0]!.input).toEqual({ cluster: 'prod', alertId: A1 });
    expect(screen.getByTestId(`alert-state-${A1}`).textContent).toContain('acknowledged by cassandra');
    expect((screen.getByTestId(`alert-ack-${A1}`) as HTMLButtonElement).disabled).toBe(true);
    // The other alert is acknowledged elsewhere and resolved: the event closes it.
    raise(alert(A2, { acknowledgedBy: 'ops', acknowledgedAt: '2025-01-02T01:00:00.000Z', resolvedAt: '2025-01-02T02:00:00.000Z' }));
    expect(badge()).toBeNull();
    // A status read agrees (the refresh after the events changes nothing).
    await new Promise((r) => setTimeout(r, 400));
    expect(badge()).toBeNull();
    // Signing out takes the cluster's alerts off the badge.
    raise(alert('33333333-3333-4333-8333-333333333333'));
    expect(badge()).toBe('1');
    act(() => useSession.getState().clear('prod'));
    expect(badge()).toBeNull();
    off();
    expect(fake.listenerCount('isolation.alert')).toBe(0);
  });

  it('shows schedule, last and next scan and the last error; edits the schedule within 1–1440 or off', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    let current = status([], { lastError: { at: '2025-01-01T00:05:00.000Z', code: 'UNAVAILABLE', message: 'no node answered', trigger: 'schedule' } });
    const fake = createFakeBridge({
      'isolation.status': () => ok(current),
      'isolation.setSchedule': (i) => {
        const every = i.everyMinutes === 'off' ? null : (i.everyMinutes as number);
        current = status([], { schedule: { everyMinutes: every, isDefault: false, updatedBy: 'cassandra', updatedAt: '2025-01-01T02:00:00.000Z' }, nextScanAt: null });
        return ok(current.schedule);
      },
    });
    mount(fake);
    expect((await screen.findByTestId('monitor-schedule')).textContent).toBe('every 15 min (default)');
    expect(screen.getByTestId('monitor-last-scan').textContent).toContain('(schedule)');
    expect(screen.getByTestId('monitor-next-scan').textContent).toBe('2025-01-01T00:15:00.000Z');
    expect(screen.getByTestId('monitor-last-error').textContent).toContain('UNAVAILABLE');
    expect(screen.queryByTestId('form-error')).toBeNull(); // the screen's own error slot stays free
    expect(screen.getByTestId('monitor-no-alerts')).toBeTruthy();

    fireEvent.click(screen.getByTestId('monitor-schedule-edit'));
    fireEvent.change(screen.getByTestId('monitor-minutes'), { target: { value: '0' } });
    expect((screen.getByTestId('monitor-schedule-save') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/from 1 to 1440/)).toBeTruthy();
    fireEvent.change(screen.getByTestId('monitor-minutes'), { target: { value: '30' } });
    fireEvent.click(screen.getByTestId('monitor-schedule-save'));
    await waitFor(() => expect(screen.getByTestId('monitor-schedule').textContent).toBe('every 30 min'));
    expect(fake.callsTo('isolation.setSchedule')[0]!.input).toEqual({ cluster: 'prod', everyMinutes: 30 });
    fireEvent.click(screen.getByTestId('monitor-schedule-edit'));
    fireEvent.click(screen.getByTestId('monitor-off'));
    fireEvent.click(screen.getByTestId('monitor-schedule-save'));
    await waitFor(() => expect(screen.getByTestId('monitor-schedule').textContent).toBe('off'));
    expect(fake.callsTo('isolation.setSchedule')[1]!.input).toEqual({ cluster: 'prod', everyMinutes: 'off' });
    expect(screen.getByTestId('monitor-next-scan').textContent).toBe('none scheduled');
  });

  it('an alert links to its finding: scans when the report lacks it, then opens its evidence', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = createFakeBridge({ 'isolation.status': () => ok(status([alert(A1)])), 'isolation.scan': () => ok(report()) });
    mount(fake);
    fireEvent.click(await screen.findByTestId(`alert-show-${A1}`));
    expect((await screen.findByTestId(`finding-evidence-${finding.id}`)).textContent).toContain('tenant_a_admin holds SELECT');
    expect(fake.callsTo('isolation.scan')).toHaveLength(1);
    expect(document.activeElement?.id).toBe(`finding-toggle-${finding.id}`);
  });

  it('schedule validation matches the channel’s bounds', () => {
    expect(scheduleError('1', false)).toBeUndefined();
    expect(scheduleError('1440', false)).toBeUndefined();
    expect(scheduleError('1441', false)).toMatch(/1440/);
    expect(scheduleError('2.5', false)).toMatch(/whole number/);
    expect(scheduleError('', false)).toMatch(/whole number/);
    expect(scheduleError('', true)).toBeUndefined();
  });
});
