// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterTestReport, OperatorScope } from '../../../src-shared/contract/clusters';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { createFakeBridge, fail, ok, profile, renderApp } from './fake-bridge';

const report: ClusterTestReport = {
  cluster: 'prod',
  releaseVersion: '5.0.2',
  clusterName: 'Prod Cluster',
  dataCenters: [
    { name: 'dc1', nodesUp: 3, nodesDown: 0 },
    { name: 'dc2', nodesUp: 2, nodesDown: 1 },
  ],
  nodes: [
    { address: '10.0.0.5', dc: 'dc1', rack: 'r1', up: true, releaseVersion: '5.0.2' },
    { address: '10.1.0.9', dc: 'dc2', rack: 'r1', up: false, releaseVersion: '5.0.2' },
  ],
  authenticator: 'org.apache.cassandra.auth.PasswordAuthenticator',
  authorizer: 'org.apache.cassandra.auth.CassandraAuthorizer',
  roleManager: 'org.apache.cassandra.auth.CassandraRoleManager',
  networkAuthorizer: 'org.apache.cassandra.auth.AllowAllNetworkAuthorizer',
  auditLogging: { enabled: false, logger: '' },
  systemAuthReplication: { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3', dc2: '3' },
  warnings: [
    { code: 'AUDIT_OFF', severity: 'warning', message: 'audit logging is off' },
    { code: 'NODE_DOWN', severity: 'critical', message: '1 node is down' },
  ],
  latencyMs: 12.4,
};

const scope: OperatorScope = {
  cluster: 'prod',
  role: 'alice',
  superuser: false,
  roles: ['alice', 'csm_platform_admin'],
  platform: true,
  tenantAdmin: [],
  auditor: 'all',
  tenants: ['acme', 'globex'],
};

describe('Clusters screen (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    window.location.hash = '#/clusters';
  });
  afterEach(cleanup);

  it('shows the first-run panel when cluster.list is empty, with the sandbox labelled test-only', async () => {
    const fake = createFakeBridge();
    renderApp(fake);
    const panel = await screen.findByTestId('first-run');
    expect(panel.textContent).toMatch(/not for production/);
    expect(within(panel).getByTestId('first-run-add-cluster')).toBeTruthy();
    await waitFor(() => expect((within(panel).getByTestId('start-sandbox') as HTMLButtonElement).disabled).toBe(false));
    expect(screen.queryByTestId('clusters-table')).toBeNull();
  });

  it('explains why the sandbox cannot start and disables the button', async () => {
    const fake = createFakeBridge({
      'cluster.sandboxStatus': () =>
        ok({ available: false, running: false, registered: false, contactPoint: null, reason: 'no Java runtime found' }),
    });
    renderApp(fake);
    expect((await screen.findByTestId('sandbox-unavailable')).textContent).toContain('no Java runtime found');
    expect((screen.getByTestId('start-sandbox') as HTMLButtonElement).disabled).toBe(true);
  });

  it('starting the sandbox registers it: the table replaces the first-run panel, with a SANDBOX badge', async () => {
    let resolve: (v: ReturnType<typeof ok>) => void = () => {};
    const fake = createFakeBridge({
      'cluster.sandboxStart': () => new Promise((r) => (resolve = r as typeof resolve)),
    });
    renderApp(fake);
    const start = await screen.findByTestId('start-sandbox');
    await waitFor(() => expect((start as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(start);
    expect(await screen.findByText('Starting…')).toBeTruthy();
    act(() => {
      fake.emit('job.progress', { jobId: 'sb', kind: 'sandbox.start', label: 'Sandbox', step: 'waiting for CQL', fraction: 0.5, state: 'running' });
    });
    expect(((await screen.findByTestId('sandbox-progress')) as HTMLProgressElement).value).toBe(0.5);
    await act(async () => resolve(ok(profile('sandbox', { sandbox: true, contactPoints: ['127.0.0.1:9042'] }))));
    const row = await screen.findByTestId('cluster-row-sandbox');
    expect(within(row).getByTestId('sandbox-badge').textContent).toBe('SANDBOX');
    expect(screen.queryByTestId('first-run')).toBeNull();
  });

  it('the table shows profile fields and password stored yes/no, never a password value', async () => {
    const fake = createFakeBridge({
      'cluster.list': () =>
        ok([profile('prod'), profile('dev', { passwordStored: false, tls: { caFile: '/tls/ca.pem' } })]),
    });
    renderApp(fake);
    const prod = await screen.findByTestId('cluster-row-prod');
    expect(prod.textContent).toContain('10.0.0.5:9042');
    expect(prod.textContent).toContain('csm_admin');
    expect(within(prod).getByTestId('cell-tls').textContent).toBe('no');
    expect(within(prod).getByTestId('cell-password-stored').textContent).toBe('yes');
    const dev = screen.getByTestId('cluster-row-dev');
    expect(within(dev).getByTestId('cell-tls').textContent).toBe('yes');
    expect(within(dev).getByTestId('cell-password-stored').textContent).toBe('no');
    expect(within(prod).queryByTestId('sandbox-badge')).toBeNull();
  });

  it('Remove requires typing the exact cluster name before it calls cluster.remove', async () => {
    const fake = createFakeBridge({ 'cluster.list': () => ok([profile('prod')]), 'cluster.remove': () => ok({ removed: true }) });
    renderApp(fake);
    fireEvent.click(await screen.findByTestId('remove-prod'));
    const dialog = screen.getByTestId('remove-dialog');
    const confirm = within(dialog).getByTestId('remove-confirm') as HTMLButtonElement;
    const input = within(dialog).getByTestId('remove-confirm-input');
    expect(document.activeElement).toBe(input);
    expect(confirm.disabled).toBe(true);

    fireEvent.change(input, { target: { value: 'prod ' } });
    expect(confirm.disabled).toBe(true);
    fireEvent.submit(confirm.form!);
    expect(fake.callsTo('cluster.remove')).toHaveLength(0);

    fireEvent.change(input, { target: { value: 'Prod' } });
    expect(confirm.disabled).toBe(true);

    fireEvent.change(input, { target: { value: 'prod' } });
    expect(confirm.disabled).toBe(false);
    fireEvent.click(confirm);
    await waitFor(() => expect(screen.queryByTestId('cluster-row-prod')).toBeNull());
    expect(fake.callsTo('cluster.remove')).toEqual([{ channel: 'cluster.remove', input: { name: 'prod' } }]);
    // Last cluster gone: the first-run panel is back.
    expect(await screen.findByTestId('first-run')).toBeTruthy();
  });

  it('Test shows the report: version, DCs, security settings, warnings by severity', async () => {
    const fake = createFakeBridge({ 'cluster.list': () => ok([profile('prod')]), 'cluster.test': () => ok(report) });
    renderApp(fake);
    fireEvent.click(await screen.findByTestId('test-prod'));
    const r = await screen.findByTestId('test-report');
    expect(within(r).getByTestId('report-version').textContent).toBe('5.0.2');
    expect(r.textContent).toContain('Prod Cluster');
    expect(r.textContent).toContain('PasswordAuthenticator');
    expect(r.textContent).toContain('AllowAllNetworkAuthorizer');
    expect(within(r).getByTestId('report-audit').textContent).toBe('off');
    expect(r.textContent).toContain('NetworkTopologyStrategy · dc1=3, dc2=3');
    expect(within(r).getByTestId('report-latency').textContent).toBe('12 ms');
    const warnings = within(within(r).getByTestId('report-warnings')).getAllByRole('listitem');
    expect(warnings.map((w) => w.dataset.severity)).toEqual(['critical', 'warning']);
    expect(fake.callsTo('cluster.test')[0]?.input).toEqual({ name: 'prod' });
  });

  it('Sign in shows the scope in the page and a chip in the header; Sign out clears both', async () => {
    const fake = createFakeBridge({
      'cluster.list': () => ok([profile('prod')]),
      'session.signIn': () => ok(scope),
      'session.signOut': () => ok({ signedOut: true }),
    });
    renderApp(fake);
    expect(await screen.findByTestId('header-no-session')).toBeTruthy();
    fireEvent.click(await screen.findByTestId('sign-in-prod'));
    const dialog = screen.getByTestId('sign-in-dialog');
    fireEvent.change(within(dialog).getByLabelText(/Role/), { target: { value: 'alice' } });
    fireEvent.change(within(dialog).getByLabelText(/Password/), { target: { value: 'pw' } });
    fireEvent.click(within(dialog).getByTestId('sign-in-submit'));

    const card = await screen.findByTestId('session-scope');
    expect(within(card).getByTestId('scope-role').textContent).toBe('alice');
    expect(card.textContent).toContain('all tenants');
    expect(screen.getByTestId('session-chip-prod').textContent).toContain('alice');
    expect(screen.getByTestId('session-chip-prod').textContent).toContain('platform');
    expect(fake.callsTo('session.signIn')[0]?.input).toEqual({ cluster: 'prod', username: 'alice', password: 'pw' });

    fireEvent.click(screen.getByTestId('sign-out-prod'));
    await waitFor(() => expect(screen.queryByTestId('session-chip-prod')).toBeNull());
    expect(screen.queryByTestId('session-scope')).toBeNull();
  });

  it('a failed sign-in is shown in the dialog with its code', async () => {
    const fake = createFakeBridge({
      'cluster.list': () => ok([profile('prod')]),
      'session.signIn': () => fail('AUTH_FAILED', 'bad credentials for role csm_admin'),
    });
    renderApp(fake);
    fireEvent.click(await screen.findByTestId('sign-in-prod'));
    fireEvent.click(screen.getByTestId('sign-in-submit'));
    const err = await screen.findByTestId('form-error');
    expect(err.textContent).toContain('AUTH_FAILED');
    expect(fake.callsTo('session.signIn')[0]?.input).toEqual({ cluster: 'prod' });
  });

  it('restores sessions main still holds (whoami) without toasting NOT_SIGNED_IN', async () => {
    const fake = createFakeBridge({
      'cluster.list': () => ok([profile('prod'), profile('dev')]),
      'session.whoami': (i) => (i.cluster === 'prod' ? ok(scope) : fail('NOT_SIGNED_IN', 'not signed in')),
    });
    renderApp(fake);
    expect(await screen.findByTestId('session-chip-prod')).toBeTruthy();
    expect(screen.queryByTestId('session-chip-dev')).toBeNull();
    expect(screen.queryAllByTestId('toast')).toHaveLength(0);
  });
});
