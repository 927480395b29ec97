// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { createFakeBridge, fail, ok, renderApp } from './fake-bridge';
import { manyTenants, summary } from './tenants-fixtures';

const bodyRows = (): HTMLElement[] => within(screen.getByTestId('tenants-table-viewport')).getAllByRole('row');

describe('Tenants screen (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    window.location.hash = '#/tenants';
  });
  afterEach(cleanup);

  it('10,000 tenants: the DOM holds a window of rows, the table still announces them all', async () => {
    const rows = manyTenants(10_000);
    const fake = createFakeBridge({ 'tenant.list': () => ok(rows) });
    renderApp(fake);
    const table = await screen.findByTestId('tenants-table');
    expect(table.getAttribute('aria-rowcount')).toBe('10001');
    expect(screen.getByTestId('tenants-count').textContent).toMatch(/Showing 10,000 of 10,000/);
    const rendered = bodyRows();
    expect(rendered.length).toBeGreaterThan(5);
    expect(rendered.length).toBeLessThan(40);
    expect(rendered[0]?.getAttribute('aria-rowindex')).toBe('2');
    expect(fake.callsTo('tenant.list')[0]?.input).toEqual({ refresh: false });

    // Scrolling moves the window: row 5,000 is rendered, row 0 is not, the count stays small.
    const viewport = screen.getByTestId('tenants-table-viewport');
    viewport.scrollTop = 5000 * 44;
    fireEvent.scroll(viewport);
    await waitFor(() => expect(screen.queryByTestId('tenant-row-us-t05000')).not.toBeNull());
    expect(screen.queryByTestId('tenant-row-us-t00000')).toBeNull();
    expect(bodyRows().length).toBeLessThan(40);
  });

  it('filter text, state and cluster filters narrow the list; the count follows', async () => {
    const fake = createFakeBridge({ 'tenant.list': () => ok(manyTenants(10_000)) });
    renderApp(fake);
    await screen.findByTestId('tenants-table');
    fireEvent.change(screen.getByTestId('tenant-filter'), { target: { value: 'acme' } });
    await waitFor(() => expect(screen.getByTestId('tenants-count').textContent).toMatch(/Showing 1,000 of 10,000/));
    fireEvent.click(screen.getByTestId('filter-cluster-us'));
    await waitFor(() => expect(screen.getByTestId('tenants-count').textContent).toMatch(/Showing 1,000 of/));
    fireEvent.click(screen.getByTestId('filter-state-active'));
    // i % 10 == 0 (Acme, cluster us) and i % 7 == 2 (active): i ≡ 30 mod 70 → 143 rows below 10,000.
    await waitFor(() => expect(screen.getByTestId('tenants-count').textContent).toMatch(/Showing 143 of/));
    for (const r of bodyRows()) expect(r.dataset.state).toBe('active');
    fireEvent.change(screen.getByTestId('tenant-filter'), { target: { value: 'no such tenant' } });
    expect(await screen.findByTestId('tenants-none-match')).toBeTruthy();
  });

  it('column headers sort both ways and say so (aria-sort)', async () => {
    const fake = createFakeBridge({
      'tenant.list': () => ok([summary('bravo', { name: 'Zulu' }), summary('alpha', { name: 'Yankee' }), summary('charlie', { name: 'Xray' })]),
    });
    renderApp(fake);
    await screen.findByTestId('tenants-table');
    const ids = (): string[] => bodyRows().map((r) => r.dataset.testid!.replace('tenant-row-prod-', ''));
    expect(ids()).toEqual(['alpha', 'bravo', 'charlie']);
    const idHeader = screen.getByTestId('sort-id').closest('[role=columnheader]')!;
    expect(idHeader.getAttribute('aria-sort')).toBe('ascending');
    fireEvent.click(screen.getByTestId('sort-id'));
    await waitFor(() => expect(ids()).toEqual(['charlie', 'bravo', 'alpha']));
    expect(idHeader.getAttribute('aria-sort')).toBe('descending');
    fireEvent.click(screen.getByTestId('sort-updatedAt'));
    expect(idHeader.getAttribute('aria-sort')).toBe('none');
  });

  it('rows show state badges and link to the detail; offline rows are marked as cached', async () => {
    const fake = createFakeBridge({
      'tenant.list': () => ok([summary('acme', { state: 'suspended' }), summary('globex', { cluster: 'eu', online: false })]),
    });
    renderApp(fake);
    const acme = await screen.findByTestId('tenant-row-prod-acme');
    expect(within(acme).getByTestId('tenant-state').textContent).toBe('suspended');
    expect(within(acme).queryByTestId('tenant-cached')).toBeNull();
    expect(within(acme).getByRole('link', { name: 'acme' }).getAttribute('href')).toBe('#/tenants/prod/acme');
    const globex = screen.getByTestId('tenant-row-eu-globex');
    expect(within(globex).getByTestId('tenant-cached').textContent).toBe('cached');
    expect(screen.getByTestId('tenants-count').textContent).toContain('1 cached');
    // The colour is an SVG fill attribute, never an inline style (strict CSP).
    const rect = acme.querySelector('svg.swatch rect')!;
    expect(rect.getAttribute('fill')).toBe('#aa3300');
    expect(acme.querySelector('[style]')).toBeNull();
  });

  it('Refresh re-reads the registries (refresh: true)', async () => {
    const fake = createFakeBridge({ 'tenant.list': (i) => ok(i.refresh ? [summary('acme'), summary('fresh')] : [summary('acme')]) });
    renderApp(fake);
    await screen.findByTestId('tenant-row-prod-acme');
    fireEvent.click(screen.getByTestId('refresh-tenants'));
    expect(await screen.findByTestId('tenant-row-prod-fresh')).toBeTruthy();
    expect(fake.callsTo('tenant.list').at(-1)?.input).toEqual({ refresh: true });
  });

  it('a failed list shows its code in place and as a toast', async () => {
    const fake = createFakeBridge({ 'tenant.list': () => fail('UNAVAILABLE', 'cache unreadable') });
    renderApp(fake);
    const err = await screen.findByTestId('tenants-error');
    expect(err.textContent).toContain('UNAVAILABLE');
    expect(screen.getByTestId('toast-code').textContent).toBe('UNAVAILABLE');
  });

  it('a security.alert event raises a banner on any screen; the alerts page lists security.alerts', async () => {
    const alert = { at: '2024-01-05T10:00:00.000Z', channel: 'tenant.show', operator: 'tenant_acme_u_bob', cluster: 'prod', tenant: 'globex', message: 'outside your tenant scope' };
    const fake = createFakeBridge({ 'security.alerts': () => ok([alert, { ...alert, at: '2024-01-04T10:00:00.000Z', channel: 'tenant.suspend' }]) });
    renderApp(fake);
    await screen.findByTestId('tenants-page');
    expect(screen.queryByTestId('security-alert-banner')).toBeNull();
    act(() => fake.emit('security.alert', alert));
    const banner = await screen.findByTestId('security-alert-banner');
    expect(banner.getAttribute('role')).toBe('alert');
    expect(banner.textContent).toContain('tenant.show');
    expect(banner.textContent).toContain('globex');
    // A garbled payload is dropped by the contract parse, not shown.
    act(() => fake.emit('security.alert', { channel: 42 }));
    expect(screen.getByTestId('security-alert-banner').textContent).not.toContain('more');

    act(() => {
      window.location.hash = '#/security';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    await waitFor(() => expect(screen.getAllByTestId('alert-row')).toHaveLength(2));
    const rows = screen.getAllByTestId('alert-row');
    expect(rows[0]?.textContent).toContain('tenant.show');
    fireEvent.click(screen.getByTestId('security-alert-dismiss'));
    expect(screen.queryByTestId('security-alert-banner')).toBeNull();
  });
});
