// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TenantSummary } from '../../../src-shared/contract/tenants';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { createFakeBridge, fail, ok, profile, renderApp, type Handlers } from './fake-bridge';
import { detail, JOB_ID, platformScope, saga, STEPS, summary } from './tenants-fixtures';

function bridge(t: TenantSummary, extra: Handlers = {}) {
  return createFakeBridge({
    'cluster.list': () => ok([profile('prod')]),
    'session.whoami': () => ok(platformScope),
    'tenant.list': () => ok([t]),
    'tenant.show': () => ok(detail(t)),
    ...extra,
  });
}

describe('Tenant detail (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    window.location.hash = '#/tenants/prod/acme';
  });
  afterEach(cleanup);

  it('overview, keyspaces, roles and jobs tabs; the header carries the tenant’s name and colour', async () => {
    const fake = bridge(summary('acme'));
    renderApp(fake);
    expect((await screen.findByTestId('tenant-title')).textContent).toBe('Acme Ltd');
    expect(fake.callsTo('tenant.show')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme' });
    const brand = await screen.findByTestId('tenant-brand');
    expect(brand.textContent).toContain('Acme Ltd');
    expect(brand.textContent).toContain('prod/acme');
    expect(brand.querySelector('rect')?.getAttribute('fill')).toBe('#aa3300');

    expect(await screen.findByTestId('tenant-config')).toBeTruthy();
    expect(screen.getByTestId('tenant-quotas').textContent).toContain('max_tables');
    expect(screen.getByTestId('tenant-features').textContent).toContain('pki.enabled');

    fireEvent.click(screen.getByTestId('tab-keyspaces'));
    const ks = screen.getByTestId('tenant-keyspaces');
    expect(within(ks).getByTestId('keyspace-tenant_acme_data').textContent).toContain('events');
    expect(ks.textContent).toContain('NetworkTopologyStrategy');

    // Arrow keys move between tabs (one tab stop).
    fireEvent.keyDown(screen.getByRole('tablist'), { key: 'ArrowRight' });
    expect(screen.getByTestId('tab-roles').getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(screen.getByTestId('tab-roles'));
    const user = within(screen.getByTestId('tenant-roles')).getByTestId('role-tenant_acme_u_admin');
    expect(user.textContent).toContain('tenant_acme_admin');
    expect(within(user).getByTestId('role-login').textContent).toBe('yes');

    fireEvent.click(screen.getByTestId('tab-jobs'));
    expect(within(screen.getByTestId('tenant-jobs')).getByTestId(`saga-row-${JOB_ID}`).dataset.state).toBe('succeeded');

    // The keys feature's own tab, mounted for this tenant.
    fireEvent.click(screen.getByTestId('tab-keys'));
    expect(await screen.findByTestId('keys-tab')).toBeTruthy();
    await waitFor(() => expect(fake.callsTo('keys.status')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme' }));

    // Leaving the tenant takes its branding out of the header.
    act(() => {
      window.location.hash = '#/tenants';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    await screen.findByTestId('tenants-page');
    expect(screen.queryByTestId('tenant-brand')).toBeNull();
  });

  it('suspend asks for a reason and calls tenant.suspend; the page then offers Resume', async () => {
    const t = summary('acme');
    let current = t;
    const fake = bridge(t, {
      'tenant.show': () => ok(detail(current, { suspendedAt: current.state === 'suspended' ? '2024-01-04T00:00:00.000Z' : null })),
      'tenant.suspend': () => ok((current = { ...t, state: 'suspended' })),
      'tenant.resume': () => ok((current = { ...t, state: 'active' })),
    });
    renderApp(fake);
    fireEvent.click(await screen.findByTestId('tenant-suspend'));
    const dialog = screen.getByTestId('suspend-dialog');
    fireEvent.change(within(dialog).getByTestId('suspend-reason'), { target: { value: 'unpaid invoice' } });
    fireEvent.click(within(dialog).getByTestId('suspend-confirm'));
    await waitFor(() => expect(screen.getByTestId('tenant-detail').dataset.state).toBe('suspended'));
    expect(fake.callsTo('tenant.suspend')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme', reason: 'unpaid invoice' });
    expect(screen.queryByTestId('suspend-dialog')).toBeNull();
    expect(screen.queryByTestId('tenant-suspend')).toBeNull();
    fireEvent.click(screen.getByTestId('tenant-resume'));
    await waitFor(() => expect(screen.getByTestId('tenant-detail').dataset.state).toBe('active'));
    expect(fake.callsTo('tenant.resume')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme' });
    expect(screen.getAllByTestId('toast-message').map((m) => m.textContent)).toContain('Tenant "acme" resumed');
  });

  it('delete needs the tenant id typed exactly, sends purge + confirm, and shows the deletion saga', async () => {
    const fake = bridge(summary('acme'), {
      'tenant.delete': () => ok({ jobId: JOB_ID, tenant: summary('acme', { state: 'decommissioning' }) }),
    });
    renderApp(fake);
    fireEvent.click(await screen.findByTestId('tenant-delete'));
    const dialog = screen.getByTestId('delete-tenant-dialog');
    const confirm = within(dialog).getByTestId('delete-confirm') as HTMLButtonElement;
    const typed = within(dialog).getByTestId('delete-confirm-input');
    expect(document.activeElement).toBe(typed);
    expect(confirm.disabled).toBe(true);
    fireEvent.change(typed, { target: { value: 'ACME' } });
    expect(confirm.disabled).toBe(true);
    fireEvent.submit(confirm.form!);
    expect(fake.callsTo('tenant.delete')).toHaveLength(0);
    fireEvent.change(typed, { target: { value: 'acme' } });
    fireEvent.click(confirm);
    await waitFor(() => expect(screen.queryByTestId('delete-tenant-dialog')).toBeNull());
    expect(fake.callsTo('tenant.delete')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme', purge: true, confirm: 'acme' });
    act(() => fake.emit('tenant.saga', saga(1, 'running', { kind: 'delete' })));
    const card = await screen.findByTestId(`saga-${JOB_ID}`);
    expect(card.textContent).toContain('Deletion of acme');
    act(() => fake.emit('tenant.saga', saga(STEPS.length, 'running', { kind: 'delete' })));
    await waitFor(() => expect(screen.getByTestId(`saga-${JOB_ID}`).dataset.state).toBe('succeeded'));
  });

  it('actions the state machine forbids are greyed out, with the reason', async () => {
    const fake = bridge(summary('acme', { state: 'failed' }));
    renderApp(fake);
    const suspend = (await screen.findByTestId('tenant-suspend')) as HTMLButtonElement;
    expect(suspend.disabled).toBe(true);
    expect(suspend.title).toBe('a failed tenant cannot be suspended');
    expect((screen.getByTestId('tenant-clone') as HTMLButtonElement).disabled).toBe(true);
    // failed → decommissioning is allowed: a failed tenant can be deleted.
    expect((screen.getByTestId('tenant-delete') as HTMLButtonElement).disabled).toBe(false);
  });

  it('a deleted tenant offers nothing; without platform scope nothing either', async () => {
    renderApp(bridge(summary('acme', { state: 'deleted' })));
    await screen.findByTestId('tenant-title');
    for (const id of ['tenant-suspend', 'tenant-clone', 'tenant-delete']) expect((screen.getByTestId(id) as HTMLButtonElement).disabled).toBe(true);
    cleanup();
    resetAllStores();
    renderApp(bridge(summary('acme'), { 'session.whoami': () => ok({ ...platformScope, platform: false, superuser: false, tenantAdmin: ['acme'] }) }));
    await screen.findByTestId('tenant-title');
    await waitFor(() => expect((screen.getByTestId('tenant-suspend') as HTMLButtonElement).title).toBe('needs platform scope on prod'));
    expect((screen.getByTestId('tenant-delete') as HTMLButtonElement).disabled).toBe(true);
  });

  it('clone validates, sends new id, name, with data and admin credentials, and tracks the clone saga', async () => {
    const PASSWORD = 'another long passphrase';
    const fake = bridge(summary('acme'), {
      'tenant.clone': (i) => ok({ jobId: JOB_ID, tenant: summary(i.newId, { state: 'provisioning' }) }),
    });
    renderApp(fake);
    fireEvent.click(await screen.findByTestId('tenant-clone'));
    const dialog = screen.getByTestId('clone-dialog');
    fireEvent.change(within(dialog).getByTestId('clone-id'), { target: { value: 'acme' } });
    fireEvent.click(within(dialog).getByTestId('clone-confirm'));
    expect(await within(dialog).findByText('tenant id: the clone needs an id of its own')).toBeTruthy();
    fireEvent.change(within(dialog).getByTestId('clone-id'), { target: { value: 'acme_qa' } });
    fireEvent.change(within(dialog).getByTestId('clone-name'), { target: { value: 'Acme QA' } });
    fireEvent.click(within(dialog).getByTestId('clone-with-data'));
    fireEvent.change(within(dialog).getByTestId('clone-admin-password'), { target: { value: PASSWORD } });
    fireEvent.change(within(dialog).getByTestId('clone-admin-password-again'), { target: { value: PASSWORD } });
    fireEvent.click(within(dialog).getByTestId('clone-confirm'));
    await waitFor(() => expect(screen.queryByTestId('clone-dialog')).toBeNull());
    expect(fake.callsTo('tenant.clone')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme', newId: 'acme_qa', name: 'Acme QA', withData: true, adminUser: 'admin', adminPassword: PASSWORD });
    act(() => fake.emit('tenant.saga', saga(STEPS.length, 'running', { kind: 'clone', tenantId: 'acme_qa' })));
    expect((await screen.findByTestId('open-clone')).getAttribute('href')).toBe('#/tenants/prod/acme_qa');
    expect(document.body.innerHTML).not.toContain(PASSWORD);
  });

  it('a refused tenant.show (out of scope) is shown with its code', async () => {
    renderApp(bridge(summary('acme'), { 'tenant.list': () => ok([]), 'tenant.show': () => fail('FORBIDDEN', 'tenant acme is outside your scope') }));
    const err = await screen.findByTestId('tenant-detail-error');
    expect(err.textContent).toContain('FORBIDDEN');
    expect(err.textContent).toContain('outside your scope');
    // No branding for a tenant this console could not read.
    expect(screen.queryByTestId('tenant-brand')).toBeNull();
  });
});
