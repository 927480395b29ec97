// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelInput } from '../../../src-shared/contract';
import type { PlacementReport } from '../../../src-shared/contract/tenants';
import { DEFAULT_TEMPLATE } from '../../../src-shared/rules/templates';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { useTenants } from '../../../src-renderer/features/tenants/store';
import { createFakeBridge, fail, ok, profile, renderApp, type Handlers } from './fake-bridge';
import { JOB_ID, platformScope, saga, STEPS, summary } from './tenants-fixtures';

const PASSWORD = 'correct horse battery';

const report: PlacementReport = {
  isolation: 'keyspace',
  chosen: 'prod',
  reason: 'fewest tenants (3) under the threshold',
  candidates: [
    { cluster: 'prod', tenants: 3, tables: 12, refusal: null, dedicated: false },
    { cluster: 'full', tenants: 500, tables: 900, refusal: 'tenant threshold reached (500)', dedicated: false },
  ],
  thresholds: { maxTenantsPerCluster: 500, maxTablesPerCluster: 1000 },
};

function bridge(extra: Handlers = {}) {
  return createFakeBridge({
    'cluster.list': () => ok([profile('prod')]),
    'session.whoami': () => ok(platformScope),
    'template.list': () => ok([{ ...DEFAULT_TEMPLATE, builtIn: true }, { ...DEFAULT_TEMPLATE, name: 'analytics', description: 'Two keyspaces for analytics', builtIn: false }]),
    'tenant.placement': () => ok(report),
    'tenant.create': (i) => ok({ jobId: JOB_ID, tenant: summary(i.id, { state: 'provisioning', cluster: i.cluster ?? 'prod' }) }),
    ...extra,
  });
}

const input = (testId: string): HTMLInputElement => screen.getByTestId(testId) as HTMLInputElement;
const next = (): void => void fireEvent.click(screen.getByTestId('wizard-next'));

async function fillToReview(opts: { policy?: boolean } = {}): Promise<void> {
  await screen.findByTestId('wizard-step-identity');
  fireEvent.change(input('wizard-id'), { target: { value: 'acme' } });
  fireEvent.change(input('wizard-name'), { target: { value: 'Acme Corp' } });
  fireEvent.change(screen.getByTestId('wizard-tier'), { target: { value: 'premium' } });
  fireEvent.change(input('wizard-color'), { target: { value: '#aa3300' } });
  next();
  await screen.findByTestId('wizard-step-placement');
  if (opts.policy) {
    fireEvent.click(screen.getByTestId('wizard-placement-policy'));
    expect(await screen.findByTestId('placement-chosen')).toBeTruthy();
  } else {
    // One platform cluster: it is pre-selected.
    await waitFor(() => expect((screen.getByTestId('wizard-cluster') as HTMLSelectElement).value).toBe('prod'));
  }
  fireEvent.change(input('wizard-dcs'), { target: { value: 'dc1, dc2' } });
  next();
  await screen.findByTestId('wizard-step-template');
  fireEvent.click(await screen.findByTestId('wizard-template-analytics'));
  next();
  await screen.findByTestId('wizard-step-admin');
  fireEvent.change(input('wizard-admin-user'), { target: { value: 'alice' } });
  fireEvent.change(input('wizard-admin-password'), { target: { value: PASSWORD } });
  fireEvent.change(input('wizard-admin-password-again'), { target: { value: PASSWORD } });
  next();
  await screen.findByTestId('wizard-step-review');
}

describe('Create-tenant wizard (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    window.location.hash = '#/tenants/new';
  });
  afterEach(cleanup);

  it('inline validation from the shared schemas: nothing is sent while a step is invalid', async () => {
    const fake = bridge();
    renderApp(fake);
    await screen.findByTestId('wizard-step-identity');
    fireEvent.change(input('wizard-id'), { target: { value: "acme'; DROP" } });
    next();
    expect((await screen.findByText(/tenant id: a lower-case letter/)).className).toBe('field-error');
    expect(screen.getByText('name: required')).toBeTruthy();
    expect(input('wizard-id').getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(input('wizard-id'), { target: { value: 'acme_u_x' } });
    fireEvent.change(input('wizard-name'), { target: { value: 'Acme' } });
    next();
    expect(await screen.findByText(/must not contain "_u_"/)).toBeTruthy();
    fireEvent.change(input('wizard-id'), { target: { value: 'acme' } });
    next();
    await screen.findByTestId('wizard-step-placement');
    fireEvent.change(input('wizard-dcs'), { target: { value: 'dc1, bad dc!' } });
    next();
    expect(await screen.findByText(/data centre: letters, digits/)).toBeTruthy();
    fireEvent.change(input('wizard-dcs'), { target: { value: '' } });
    next();
    await screen.findByTestId('wizard-step-template');
    next();
    await screen.findByTestId('wizard-step-admin');
    fireEvent.change(input('wizard-admin-password'), { target: { value: 'short' } });
    next();
    expect(await screen.findByText('password: at least 12 characters')).toBeTruthy();
    fireEvent.change(input('wizard-admin-password'), { target: { value: PASSWORD } });
    fireEvent.change(input('wizard-admin-password-again'), { target: { value: `${PASSWORD}x` } });
    next();
    expect(await screen.findByText('the two passwords differ')).toBeTruthy();
    expect(fake.callsTo('tenant.create')).toHaveLength(0);
  });

  it('submits the exact contract input, forgets the password, and drives the stepper from tenant.saga events', async () => {
    const fake = bridge();
    renderApp(fake);
    await fillToReview();
    const review = screen.getByTestId('wizard-review');
    expect(review.textContent).toContain('tenant_acme_u_alice');
    expect(review.textContent).not.toContain(PASSWORD);
    expect(review.textContent).toContain('dc1, dc2');
    next();
    await screen.findByTestId('tenant-provisioning');
    const sent = fake.callsTo('tenant.create')[0]?.input as ChannelInput<'tenant.create'>;
    expect(sent).toEqual({
      cluster: 'prod',
      id: 'acme',
      name: 'Acme Corp',
      tier: 'premium',
      template: 'analytics',
      isolation: 'keyspace',
      dataCenters: ['dc1', 'dc2'],
      color: '#aa3300',
      adminUser: 'alice',
      adminPassword: PASSWORD,
    });
    // Never in a store, never left in the DOM.
    expect(JSON.stringify(useTenants.getState())).not.toContain(PASSWORD);
    expect(document.body.innerHTML).not.toContain(PASSWORD);
    expect(fake.callsTo('template.list')[0]?.input).toEqual({ cluster: 'prod' });

    act(() => fake.emit('tenant.saga', saga(2)));
    const steps = await screen.findByTestId('saga-steps');
    expect(within(steps).getByTestId('saga-step-reserve').dataset.state).toBe('done');
    expect(within(steps).getByTestId('saga-step-keys').dataset.state).toBe('running');
    expect(within(steps).getByTestId('saga-step-keys').getAttribute('aria-current')).toBe('step');
    expect(within(steps).getByTestId('saga-step-activate').dataset.state).toBe('pending');
    expect(screen.getByTestId('saga-state').textContent).toBe('running');
    expect(screen.queryByTestId('open-new-tenant')).toBeNull();

    act(() => fake.emit('tenant.saga', saga(STEPS.length)));
    await waitFor(() => expect(screen.getByTestId('saga-state').textContent).toBe('succeeded'));
    expect(screen.getAllByTestId(/^saga-step-/).every((s) => s.dataset.state === 'done')).toBe(true);
    expect(screen.getByTestId('open-new-tenant').getAttribute('href')).toBe('#/tenants/prod/acme');
  });

  it('"let the policy choose" shows tenant.placement’s report and leaves cluster out of the call', async () => {
    const fake = bridge();
    renderApp(fake);
    await fillToReview({ policy: true });
    expect(screen.getByTestId('wizard-review').textContent).toContain('placement policy');
    next();
    await screen.findByTestId('tenant-provisioning');
    expect(fake.callsTo('tenant.placement')[0]?.input).toEqual({ isolation: 'keyspace' });
    const sent = fake.callsTo('tenant.create')[0]?.input as Record<string, unknown>;
    expect('cluster' in sent).toBe(false);
  });

  it('the policy’s refusal blocks the placement step with its reason', async () => {
    const fake = bridge({ 'tenant.placement': () => ok({ ...report, chosen: null, reason: 'every cluster is at its threshold' }) });
    renderApp(fake);
    await screen.findByTestId('wizard-step-identity');
    fireEvent.change(input('wizard-id'), { target: { value: 'acme' } });
    fireEvent.change(input('wizard-name'), { target: { value: 'Acme' } });
    next();
    await screen.findByTestId('wizard-step-placement');
    fireEvent.click(screen.getByTestId('wizard-placement-policy'));
    const rep = await screen.findByTestId('placement-report');
    expect(within(rep).getByTestId('placement-candidate-full').textContent).toContain('tenant threshold reached');
    next();
    await waitFor(() => expect(screen.getAllByText(/every cluster is at its threshold/).length).toBeGreaterThan(1));
    expect(screen.getByTestId('wizard-step-placement')).toBeTruthy();
  });

  it('a refused create is shown with its code and the password has to be typed again', async () => {
    const fake = bridge({ 'tenant.create': () => fail('CONFLICT', 'tenant acme already exists on prod') });
    renderApp(fake);
    await fillToReview();
    next();
    const err = await screen.findByTestId('form-error');
    expect(err.textContent).toContain('CONFLICT');
    expect(screen.getByTestId('toast-code').textContent).toBe('CONFLICT');
    fireEvent.click(screen.getByTestId('wizard-back'));
    await screen.findByTestId('wizard-step-admin');
    expect(input('wizard-admin-password').value).toBe('');
  });

  it('a failed saga offers Resume (asking for the admin password again) and Roll back', async () => {
    const failed = saga(4, 'failed', { needsAdminPassword: true });
    const fake = bridge({
      'tenant.resumeJob': () => ok(saga(STEPS.length)),
      'tenant.rollbackJob': () => ok({ ...failed, state: 'rolled_back', updatedAt: '2024-01-03T00:01:00.000Z' }),
    });
    renderApp(fake);
    await fillToReview();
    next();
    await screen.findByTestId('tenant-provisioning');
    act(() => fake.emit('tenant.saga', failed));
    expect((await screen.findByTestId('saga-state')).textContent).toBe('failed');
    expect(screen.getByTestId('saga-error').textContent).toContain('UNAVAILABLE');
    expect(screen.getByTestId('saga-step-admin').textContent).toContain('node went away');

    fireEvent.click(screen.getByTestId('saga-resume'));
    expect(await screen.findByText('password: at least 12 characters')).toBeTruthy();
    expect(fake.callsTo('tenant.resumeJob')).toHaveLength(0);
    fireEvent.change(screen.getByTestId('saga-resume-password'), { target: { value: PASSWORD } });
    fireEvent.click(screen.getByTestId('saga-resume'));
    await waitFor(() => expect(screen.getByTestId('saga-state').textContent).toBe('succeeded'));
    expect(fake.callsTo('tenant.resumeJob')[0]?.input).toEqual({ cluster: 'prod', jobId: JOB_ID, adminPassword: PASSWORD });
    expect(JSON.stringify(useTenants.getState())).not.toContain(PASSWORD);
  });

  it('Roll back undoes a failed saga', async () => {
    const failed = saga(3, 'failed');
    const fake = bridge({ 'tenant.rollbackJob': () => ok({ ...failed, state: 'rolled_back', updatedAt: '2024-01-03T00:01:00.000Z' }) });
    renderApp(fake);
    await fillToReview();
    next();
    await screen.findByTestId('tenant-provisioning');
    act(() => fake.emit('tenant.saga', failed));
    expect(screen.queryByTestId('saga-resume-password')).toBeNull();
    fireEvent.click(await screen.findByTestId('saga-rollback'));
    await waitFor(() => expect(screen.getByTestId('saga-state').textContent).toBe('rolled back'));
    expect(fake.callsTo('tenant.rollbackJob')[0]?.input).toEqual({ cluster: 'prod', jobId: JOB_ID });
    expect(screen.queryByTestId('saga-actions')).toBeNull();
  });

  it('without platform scope anywhere the wizard says what is needed', async () => {
    const fake = bridge({ 'session.whoami': () => fail('NOT_SIGNED_IN', 'not signed in') });
    renderApp(fake);
    expect((await screen.findByTestId('wizard-no-platform')).textContent).toContain('platform scope');
  });
});
