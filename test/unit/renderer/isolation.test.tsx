// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorScope } from '../../../src-shared/contract';
import type { Finding, IsolationReport } from '../../../src-shared/contract/isolation';
import { ClientProvider } from '../../../src-renderer/app/client';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { useSession } from '../../../src-renderer/app/stores/session';
import { IsolationPage } from '../../../src-renderer/features/isolation/IsolationPage';
import { useIsolation } from '../../../src-renderer/features/isolation/store';
import { createFakeBridge, fail, ok, type FakeBridge } from './fake-bridge';

const scope = (cluster: string, platform = true): OperatorScope => ({ cluster, role: 'cassandra', superuser: platform, roles: [], platform, tenantAdmin: [], auditor: platform ? 'all' : [], tenants: [] });

const grant: Finding = {
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
const note: Finding = { ...grant, id: 'fedcba9876543210', kind: 'schema-visibility', severity: 'info', title: 'Keyspace names are visible', tenants: [], global: true, subject: null, evidence: [], fix: [], fixNote: 'neutral names' };

function report(findings: Finding[], cluster = 'prod'): IsolationReport {
  const counts = { critical: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return { cluster, scannedAt: '2025-01-01T00:00:00.000Z', scannedBy: 'cassandra', tenant: null, counts, stats: { tenants: 2, roles: 8, memberships: 4, grants: 20, readMs: 3, analysisMs: 1 }, auth: { authenticator: null, authorizer: null, roleManager: null, networkAuthorizer: null, cidrAuthorizer: null }, findings };
}

const mount = (fake: FakeBridge) =>
  render(
    <ClientProvider client={fake.client}>
      <IsolationPage />
    </ClientProvider>,
  );

describe('Isolation screen (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    useIsolation.getState().reset();
  });
  afterEach(cleanup);

  it('asks for a platform sign-in when there is none', () => {
    useSession.getState().setScope('prod', scope('prod', false));
    mount(createFakeBridge());
    expect(screen.getByTestId('isolation-no-cluster')).toBeTruthy();
  });

  it('scans the chosen cluster, shows severity badges, evidence and the fix statements', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    useSession.getState().setScope('dev', scope('dev'));
    const fake = createFakeBridge({ 'isolation.scan': (i) => ok(report([grant, note], i.cluster!)) });
    mount(fake);
    fireEvent.change(screen.getByTestId('isolation-cluster'), { target: { value: 'prod' } });
    fireEvent.change(screen.getByTestId('isolation-tenant'), { target: { value: 'acme' } });
    fireEvent.click(screen.getByTestId('isolation-scan'));
    const table = await screen.findByTestId('isolation-findings');
    expect(fake.callsTo('isolation.scan')[0]!.input).toEqual({ cluster: 'prod', tenant: 'acme' });
    expect(screen.getByTestId('count-critical').textContent).toBe('1 critical');
    expect(within(table).getByTestId('severity-critical')).toBeTruthy();
    expect(within(table).getByTestId('severity-info')).toBeTruthy();
    expect((within(table).getByTestId(`finding-apply-${note.id}`) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId(`finding-toggle-${grant.id}`));
    expect(screen.getByTestId(`finding-evidence-${grant.id}`).textContent).toContain('tenant_a_admin holds SELECT on KEYSPACE tenant_b_data');
    expect(screen.getByTestId(`finding-fix-${grant.id}`).textContent).toBe(grant.fix[0]);
  });

  it('applies a fix only after confirmation, then shows the re-scan', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    const fake = createFakeBridge({
      'isolation.scan': () => ok(report([grant, note])),
      'isolation.fix': () => ok({ finding: grant, applied: grant.fix, before: { critical: 1, warning: 0, info: 1 }, after: report([note]), resolved: true }),
    });
    mount(fake);
    fireEvent.click(screen.getByTestId('isolation-scan'));
    fireEvent.click(await screen.findByTestId(`finding-apply-${grant.id}`));
    const dialog = screen.getByTestId('isolation-fix-dialog');
    expect(within(dialog).getByTestId('isolation-fix-statements').textContent).toBe(grant.fix[0]);
    expect(fake.callsTo('isolation.fix')).toHaveLength(0);
    fireEvent.click(within(dialog).getByTestId('isolation-fix-confirm'));
    await waitFor(() => expect(screen.queryByTestId('isolation-fix-dialog')).toBeNull());
    expect(fake.callsTo('isolation.fix')[0]!.input).toEqual({ cluster: 'prod', findingId: grant.id });
    expect(screen.getByTestId('isolation-fix-counts').textContent).toContain('after: 0 critical, 0 warning');
    expect(screen.getByTestId('isolation-summary').textContent).toContain('No role reaches across a tenant boundary');
    expect(screen.queryByTestId(`finding-${grant.id}`)).toBeNull();
  });

  it('shows a scan failure in place', async () => {
    useSession.getState().setScope('prod', scope('prod'));
    mount(createFakeBridge({ 'isolation.scan': () => fail('UNAUTHORIZED_STATEMENT', 'the isolation scanner reads system_auth.roles') }));
    fireEvent.click(screen.getByTestId('isolation-scan'));
    expect((await screen.findByTestId('form-error')).textContent).toContain('UNAUTHORIZED_STATEMENT');
  });
});
