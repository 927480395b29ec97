// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BulkApplyInput, BulkApplyOutput, BulkOperation, Dashboard } from '../../../src-shared/contract/msp';
import { ClientProvider } from '../../../src-renderer/app/client';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { actionFrom } from '../../../src-renderer/features/msp/BulkDialog';
import { MspPage } from '../../../src-renderer/features/msp/MspPage';
import { filterRows, useMsp } from '../../../src-renderer/features/msp/store';
import { buildDashboard } from '../../../src-main/msp/derive';
import { createFakeBridge, fail, ok, type FakeBridge } from '../renderer/fake-bridge';
import { reads, T0, tenant } from './fixtures';

function dashboard(): Dashboard {
  return buildDashboard(
    [reads('prod', [tenant('acme'), tenant('beta', 'suspended'), tenant('cat')])],
    [{ cluster: 'dr', id: 'zed', name: 'Zed', tier: 'basic', template: 'default', state: 'active', createdAt: T0, updatedAt: T0, syncedAt: T0 }],
    new Date('2026-02-01T00:00:00Z'),
  );
}

const OP_ID = '11111111-2222-4333-8444-555555555555';

function plan(input: BulkApplyInput): BulkApplyOutput {
  return {
    dryRun: input.dryRun ?? false,
    id: input.dryRun ? null : OP_ID,
    jobId: input.dryRun ? null : OP_ID,
    action: input.action as BulkApplyOutput['action'],
    selection: `${input.targets!.length} named tenants`,
    plan: input.targets!.map((t) => ({ cluster: t.cluster, tenant: t.tenant, name: null, state: t.tenant === 'beta' ? 'suspended' : 'active', will: t.tenant === 'beta' ? 'skip' : 'run', detail: t.tenant === 'beta' ? 'already suspended' : 'active → suspended', code: t.tenant === 'beta' ? 'CONFLICT' : null, approval: 'not-required' })),
  };
}

const finishedOp: BulkOperation = {
  id: OP_ID,
  jobId: OP_ID,
  action: { action: 'suspend', reason: 'unpaid' },
  selection: '2 named tenants',
  total: 2,
  state: 'finished',
  counts: { pending: 0, ok: 1, skipped: 1, 'awaiting-approval': 0, failed: 0, cancelled: 0 },
  startedBy: 'cassandra',
  startedAt: T0,
  finishedAt: T0,
  recordedOn: ['prod'],
  results: [
    { cluster: 'prod', tenant: 'acme', name: null, outcome: 'ok', code: null, message: 'now suspended', approvalId: null, at: T0 },
    { cluster: 'prod', tenant: 'beta', name: null, outcome: 'skipped', code: 'CONFLICT', message: 'already suspended', approvalId: null, at: T0 },
  ],
};

const mount = (fake: FakeBridge) =>
  render(
    <ClientProvider client={fake.client}>
      <MspPage />
    </ClientProvider>,
  );

describe('MSP dashboard screen (unit: fake bridge)', () => {
  beforeEach(() => {
    resetAllStores();
    useMsp.getState().reset();
  });
  afterEach(cleanup);

  it('shows rows, per-cluster totals, the metering notice and unavailable sources; offline rows cannot be selected', async () => {
    const fake = createFakeBridge({ 'msp.dashboard': () => ok(dashboard()), 'bulk.list': () => ok([]) });
    mount(fake);
    await screen.findByTestId('msp-row-prod-acme');
    expect(within(screen.getByTestId('msp-totals-prod')).getByTestId('msp-total-tenants').textContent).toBe('3');
    expect(screen.getByTestId('msp-totals-dr').textContent).toMatch(/offline \(cached\)/);
    expect(screen.getByTestId('msp-metering').textContent).toMatch(/Usage metering not yet available/);
    expect(screen.getByTestId('msp-sources').textContent).toMatch(/prod · compliance: unknown — compliance.list is not available/);
    expect(screen.getByTestId('msp-row-prod-beta').getAttribute('data-health')).toBe('warning');
    expect((screen.getByTestId('msp-select-dr-zed') as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByTestId('msp-bulk') as HTMLButtonElement).disabled).toBe(true);
  });

  it('filters by text, state and health; select-all takes the shown online rows only', async () => {
    const fake = createFakeBridge({ 'msp.dashboard': () => ok(dashboard()), 'bulk.list': () => ok([]) });
    mount(fake);
    await screen.findByTestId('msp-row-prod-acme');
    fireEvent.click(screen.getByTestId('msp-state-active'));
    expect(screen.queryByTestId('msp-row-prod-beta')).toBeNull();
    expect(screen.getByTestId('msp-count').textContent).toMatch(/^Showing 3 of 4 tenants/);
    fireEvent.click(screen.getByTestId('msp-select-all'));
    expect(Object.keys(useMsp.getState().selected).sort()).toEqual(['prod/acme', 'prod/cat']);
    fireEvent.change(screen.getByTestId('msp-filter'), { target: { value: 'zzz' } });
    expect(screen.getByTestId('msp-none-match')).toBeTruthy();
    expect(filterRows(dashboard().rows, { text: '', states: [], health: ['unknown'] }).map((r) => r.id)).toEqual(['zed']);
  });

  it('select → preview (dry run) → confirm → apply → live results → finished record', async () => {
    const applied: BulkApplyInput[] = [];
    let record: BulkOperation = { ...finishedOp, state: 'running', counts: { ...finishedOp.counts, ok: 0, skipped: 1, pending: 1 }, results: [{ ...finishedOp.results[0]!, outcome: 'pending', message: null }, finishedOp.results[1]!] };
    const fake = createFakeBridge({
      'msp.dashboard': () => ok(dashboard()),
      'bulk.list': () => ok([]),
      'bulk.apply': (i) => {
        applied.push(i);
        return ok(plan(i));
      },
      'bulk.show': () => ok(record),
    });
    mount(fake);
    await screen.findByTestId('msp-row-prod-acme');
    fireEvent.click(screen.getByTestId('msp-select-prod-acme'));
    fireEvent.click(screen.getByTestId('msp-select-prod-beta'));
    fireEvent.click(screen.getByTestId('msp-bulk'));
    const preview = screen.getByTestId('bulk-preview') as HTMLButtonElement;
    expect(preview.disabled).toBe(true); // suspend without a reason
    fireEvent.change(screen.getByTestId('bulk-reason'), { target: { value: 'unpaid' } });
    fireEvent.click(preview);
    await screen.findByTestId('bulk-plan');
    expect(applied[0]).toEqual({ targets: [{ cluster: 'prod', tenant: 'acme' }, { cluster: 'prod', tenant: 'beta' }], action: { action: 'suspend', reason: 'unpaid' }, dryRun: true });
    expect(screen.getByTestId('bulk-preview-summary').textContent).toMatch(/^1 of 2 tenants would change; 1 skipped, 0 refused/);
    expect(screen.getByTestId('bulk-plan-prod-beta').getAttribute('data-will')).toBe('skip');
    const applyBtn = screen.getByTestId('bulk-apply') as HTMLButtonElement;
    expect(applyBtn.disabled).toBe(true); // not confirmed yet
    fireEvent.click(screen.getByTestId('bulk-confirm'));
    fireEvent.click(applyBtn);
    await screen.findByTestId('bulk-results');
    expect(applied[1]).toMatchObject({ dryRun: false });
    expect(screen.getByTestId('bulk-result-prod-acme').getAttribute('data-outcome')).toBe('pending');
    act(() => fake.emit('bulk.result', { id: OP_ID, jobId: OP_ID, done: 1, total: 2, result: finishedOp.results[0] }));
    expect(screen.getByTestId('bulk-result-prod-acme').getAttribute('data-outcome')).toBe('ok');
    // What was already recorded when the answer came (beta skipped) is shown at once.
    await waitFor(() => expect(screen.getByTestId('bulk-result-prod-beta').getAttribute('data-outcome')).toBe('skipped'));
    record = finishedOp;
    act(() => fake.emit('job.progress', { jobId: OP_ID, kind: 'bulk.apply', label: 'Bulk', step: 'done', fraction: 1, state: 'succeeded' }));
    await waitFor(() => expect(screen.getByTestId('bulk-summary').textContent).toMatch(/^finished: 1 ok, 1 skipped/));
    expect(screen.getByTestId('bulk-result-prod-beta').getAttribute('data-outcome')).toBe('skipped');
    // The dashboard and the recent list are read again once the job ended.
    await waitFor(() => expect(fake.callsTo('msp.dashboard').length).toBeGreaterThanOrEqual(2));
    fireEvent.click(screen.getByTestId('bulk-close'));
    expect(screen.queryByTestId('bulk-dialog')).toBeNull();
    expect(useMsp.getState().selected).toEqual({});
  });

  it('a run that ended before its answer arrived (events first) still ends in the dialog', async () => {
    const fake = createFakeBridge({ 'msp.dashboard': () => ok(dashboard()), 'bulk.list': () => ok([]), 'bulk.apply': (i) => ok(plan(i)), 'bulk.show': () => ok(finishedOp) });
    mount(fake);
    await screen.findByTestId('msp-row-prod-acme');
    fireEvent.click(screen.getByTestId('msp-select-prod-acme'));
    fireEvent.click(screen.getByTestId('msp-bulk'));
    fireEvent.change(screen.getByTestId('bulk-reason'), { target: { value: 'unpaid' } });
    fireEvent.click(screen.getByTestId('bulk-preview'));
    await screen.findByTestId('bulk-plan');
    fireEvent.click(screen.getByTestId('bulk-confirm'));
    fireEvent.click(screen.getByTestId('bulk-apply'));
    // No bulk.result and no job.progress reach the page: the record read after the answer says it all.
    await waitFor(() => expect(screen.getByTestId('bulk-summary').textContent).toMatch(/^finished: 1 ok/));
    expect(screen.getByTestId('bulk-result-prod-acme').getAttribute('data-outcome')).toBe('ok');
  });

  it('says what to do when not signed in with platform scope', async () => {
    const fake = createFakeBridge({ 'msp.dashboard': () => fail('NOT_SIGNED_IN', 'msp.dashboard: no signed-in cluster gives platform scope'), 'bulk.list': () => fail('NOT_SIGNED_IN', 'x') });
    mount(fake);
    expect((await screen.findByTestId('msp-error')).textContent).toMatch(/Sign in to a cluster with platform scope first/);
  });

  it('the action form refuses what main would refuse', () => {
    expect(actionFrom('suspend', '  ', '', '')).toMatch(/needs a reason/);
    expect(actionFrom('policy', '', '', '')).toMatch(/frameworks/);
    expect(actionFrom('policy', '', 'gdpr, HIPAA', '')).toEqual({ action: 'policy', frameworks: ['GDPR', 'HIPAA'] });
    expect(actionFrom('policy', '', 'iso27001', '')).toMatch(/Unknown framework iso27001/);
    expect(actionFrom('rotate-keys', '', '', '')).toEqual({ action: 'rotate-keys' });
    expect(actionFrom('template', 'r', '', '', '')).toMatch(/Pick the template/);
    expect(actionFrom('template', ' ', '', '', 'strict')).toMatch(/needs a reason/);
    expect(actionFrom('template', ' tighten ', '', '', 'strict')).toEqual({ action: 'template', template: 'strict', reason: 'tighten' });
  });
});
