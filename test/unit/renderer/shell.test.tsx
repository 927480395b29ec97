// @vitest-environment jsdom
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { APP_INFO, createFakeBridge, ok, profile, renderApp } from './fake-bridge';

describe('app shell (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    window.location.hash = '';
  });
  afterEach(cleanup);

  it('navigation lists only working screens and marks the current one', async () => {
    renderApp(createFakeBridge());
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getAllByRole('link').map((a) => a.textContent)).toEqual(['Clusters', 'Tenants', 'MSP dashboard', 'Isolation', 'Support & approvals', 'Audit', 'Health & capacity', 'Billing', 'Analytics', 'Migration & export', 'Jobs', 'Security alerts', 'About & settings']);
    expect(screen.getByTestId('nav-clusters').getAttribute('aria-current')).toBe('page');
    expect(await screen.findByTestId('clusters-page')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Skip to content' })).toBeTruthy();
  });

  it('About shows app.info; warning notices also appear as a banner until dismissed', async () => {
    window.location.hash = '#/about';
    const info = {
      ...APP_INFO,
      notices: [
        { level: 'warning' as const, message: 'cache.db was corrupt and has been moved aside' },
        { level: 'info' as const, message: 'first start' },
      ],
    };
    renderApp(createFakeBridge({ 'app.info': () => ok(info) }));
    expect((await screen.findByTestId('app-version')).textContent).toBe('0.1.0-test');
    const about = screen.getByTestId('app-info');
    expect(about.textContent).toContain('/tmp/csm-test');
    expect(about.textContent).toContain('OS keychain');
    expect(about.textContent).toContain('loopback web host');
    expect(screen.getByTestId('app-notices').textContent).toContain('first start');
    const banners = screen.getByTestId('notices');
    expect(banners.textContent).toContain('moved aside');
    expect(banners.textContent).not.toContain('first start');
    fireEvent.click(within(banners).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('notices')).toBeNull();
  });

  it('dialogs trap Tab and make the shell inert while open', async () => {
    renderApp(createFakeBridge({ 'cluster.list': () => ok([profile('prod')]) }));
    fireEvent.click(await screen.findByTestId('remove-prod'));
    const dialog = screen.getByRole('dialog', { name: 'Remove cluster prod' });
    expect(document.getElementById('app-shell')?.hasAttribute('inert')).toBe(true);
    const buttons = within(dialog).getAllByRole('button');
    const lastEnabled = buttons.filter((b) => !(b as HTMLButtonElement).disabled).at(-1)!;
    lastEnabled.focus();
    fireEvent.keyDown(dialog, { key: 'Tab' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Close dialog' }));
    fireEvent.keyDown(dialog, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(lastEnabled);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.getElementById('app-shell')?.hasAttribute('inert')).toBe(false);
  });

  it('the theme toggle flips and persists the theme', async () => {
    localStorage.clear();
    renderApp(createFakeBridge());
    const toggle = screen.getByTestId('theme-toggle');
    expect(toggle.getAttribute('aria-label')).toBe('Switch to dark theme');
    fireEvent.click(toggle);
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(localStorage.getItem('csm.theme')).toBe('dark');
    expect(toggle.getAttribute('aria-label')).toBe('Switch to light theme');
  });
});
