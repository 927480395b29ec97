// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { call } from '../../../src-renderer/app/call';
import { resetAllStores, useToasts } from '../../../src-renderer/app/stores';
import { SUCCESS_TOAST_MS, Toasts } from '../../../src-renderer/app/Toasts';
import { createFakeBridge, fail, ok, renderApp } from './fake-bridge';

describe('toasts for result envelopes (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    window.location.hash = '#/clusters';
  });
  afterEach(() => {
    cleanup();
    vi.useRealTimers();
  });

  it('an {ok:false} envelope shows a toast with the CODE badge and the message, in a live region', async () => {
    const fake = createFakeBridge({ 'cluster.list': () => fail('KEYCHAIN_LOCKED', 'unlock the login keychain and retry') });
    renderApp(fake);
    const toast = await screen.findByTestId('toast');
    expect(within(toast).getByTestId('toast-code').textContent).toBe('KEYCHAIN_LOCKED');
    expect(within(toast).getByTestId('toast-message').textContent).toBe('unlock the login keychain and retry');
    expect(toast.dataset.kind).toBe('error');
    expect(screen.getByTestId('toasts').getAttribute('aria-live')).toBe('polite');
    // The page says it too, with a retry.
    expect(screen.getByTestId('clusters-error').textContent).toContain('KEYCHAIN_LOCKED');
  });

  it('APPROVAL_REQUIRED says the call was filed and links to where a second person decides; other errors carry no link', async () => {
    const fake = createFakeBridge({ 'cluster.list': () => fail('APPROVAL_REQUIRED', 'tenant.suspend needs a second person: request abc filed') });
    renderApp(fake);
    const toast = await screen.findByTestId('toast');
    expect(within(toast).getByTestId('toast-code').textContent).toBe('APPROVAL_REQUIRED');
    expect(within(toast).getByTestId('toast-approvals-link').getAttribute('href')).toBe('#/access');
    cleanup();
    resetAllStores();
    renderApp(createFakeBridge({ 'cluster.list': () => fail('CONFLICT', 'no') }));
    const other = await screen.findByTestId('toast');
    expect(within(other).queryByTestId('toast-approvals-link')).toBeNull();
  });

  it('an unreachable host surfaces as UNAVAILABLE once, naming every call that failed', async () => {
    const fake = createFakeBridge({
      'app.info': () => fail('UNAVAILABLE', 'console host unreachable'),
      'jobs.list': () => fail('UNAVAILABLE', 'console host unreachable'),
      'cluster.list': () => fail('UNAVAILABLE', 'console host unreachable'),
    });
    renderApp(fake);
    const toast = await screen.findByTestId('toast');
    await waitFor(() => expect(toast.textContent).toContain('×3'));
    expect(within(toast).getByTestId('toast-code').textContent).toBe('UNAVAILABLE');
    for (const ch of ['app.info', 'jobs.list', 'cluster.list']) expect(toast.textContent).toContain(ch);
  });

  it('errors stay until dismissed; confirmations go away by themselves', async () => {
    vi.useFakeTimers();
    const fake = createFakeBridge({ 'jobs.cancel': () => ok({ cancelled: true }) });
    render(<Toasts />);
    act(() => {
      useToasts.getState().error({ code: 'TIMEOUT', message: 'no answer in 10 s' });
    });
    await act(async () => {
      await call(fake.client, 'jobs.cancel', { jobId: 'j1' }, { success: 'Cancellation requested' });
    });
    expect(screen.getAllByTestId('toast')).toHaveLength(2);
    act(() => {
      vi.advanceTimersByTime(SUCCESS_TOAST_MS + 10);
    });
    const left = screen.getAllByTestId('toast');
    expect(left).toHaveLength(1);
    expect(left[0]?.dataset.kind).toBe('error');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss notification' }));
    expect(screen.queryAllByTestId('toast')).toHaveLength(0);
  });

  it('a quiet call does not toast (expected refusals such as NOT_SIGNED_IN on start-up)', async () => {
    const fake = createFakeBridge();
    const r = await call(fake.client, 'session.whoami', { cluster: 'prod' }, { quiet: true });
    expect(r.ok).toBe(false);
    expect(useToasts.getState().toasts).toHaveLength(0);
  });
});
