// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { ReactElement } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelOutput, OperatorScope } from '../../../src-shared/contract';
import type { AnalyticsReport, QuotaRow, Statement, UsageView } from '../../../src-shared/contract/resources';
import { ClientProvider } from '../../../src-renderer/app/client';
import { resetAllStores } from '../../../src-renderer/app/stores';
import { useSession } from '../../../src-renderer/app/stores/session';
import { Toasts } from '../../../src-renderer/app/Toasts';
import { AnalyticsPage } from '../../../src-renderer/features/resources/AnalyticsPage';
import { BillingPage } from '../../../src-renderer/features/resources/BillingPage';
import { QuotasTab } from '../../../src-renderer/features/resources/QuotasTab';
import { useResources } from '../../../src-renderer/features/resources/store';
import { UsageTab } from '../../../src-renderer/features/resources/UsageTab';
import { createFakeBridge, fail, ok, type FakeBridge, type Handlers } from './fake-bridge';

type Role = 'platform' | 'admin';
const scope = (role: Role): OperatorScope => ({
  cluster: 'prod',
  role: role === 'platform' ? 'cassandra' : 'tenant_acme_u_boss',
  superuser: role === 'platform',
  roles: role === 'admin' ? ['tenant_acme_admin'] : [],
  platform: role === 'platform',
  tenantAdmin: role === 'admin' ? ['acme'] : [],
  auditor: role === 'platform' ? 'all' : [],
  tenants: ['acme'],
});

const USAGE: UsageView = {
  cluster: 'prod',
  tenant: 'acme',
  intervalS: 300,
  latest: {
    tenant: 'acme',
    at: '2026-11-29T12:00:00.000Z',
    trigger: 'manual',
    figures: [
      { metric: 'storage_bytes', value: 2_500_000, unit: 'bytes', precision: 'estimate', source: 'system_views.disk_usage', note: 'memtables not counted' },
      { metric: 'users', value: 3, unit: 'count', precision: 'exact', source: 'system_auth.roles', note: null },
      { metric: 'read_latency_p99_ms', value: null, unit: 'ms', precision: 'unavailable', source: 'system_views.local_read_latency', note: 'not exposed by this node' },
    ],
  },
  series: [
    {
      metric: 'storage_bytes',
      unit: 'bytes',
      precision: 'estimate',
      points: [
        { at: '2026-11-29T10:00:00.000Z', value: 1_000_000 },
        { at: '2026-11-29T11:00:00.000Z', value: null },
        { at: '2026-11-29T12:00:00.000Z', value: 2_500_000 },
      ],
    },
    { metric: 'users', unit: 'count', precision: 'exact', points: [] },
  ],
};

const row = (resource: QuotaRow['resource'], extra: Partial<QuotaRow> = {}): QuotaRow => ({
  resource,
  soft: null,
  hard: null,
  graceHours: null,
  raisedHard: null,
  raisedUntil: null,
  effectiveHard: null,
  used: 0,
  usedPrecision: 'exact',
  state: 'ok',
  overSince: null,
  graceEndsAt: null,
  ...extra,
});

const QUOTAS = (writesRevoked = false): ChannelOutput<'quota.show'> => ({
  cluster: 'prod',
  tenant: 'acme',
  writesRevoked,
  rows: [
    row('users', { soft: 3, hard: 5, effectiveHard: 5, used: 4, state: 'soft' }),
    row('storage-gb', { soft: 1, hard: 2, graceHours: 24, raisedHard: 4, raisedUntil: '2026-12-01T00:00:00.000Z', effectiveHard: 4, used: 2.5, usedPrecision: 'estimate', state: 'grace', overSince: '2026-11-29T00:00:00.000Z', graceEndsAt: '2026-11-30T00:00:00.000Z' }),
    row('certificates'),
  ],
  events: [{ at: '2026-11-29T11:00:00.000Z', resource: 'users', kind: 'soft-exceeded', detail: '4 users over the soft limit 3' }],
});

const RATES: ChannelOutput<'billing.rates'> = {
  currency: 'EUR',
  perGbMonth: 1234,
  perUserMonth: 500,
  perCertificateMonth: 100,
  perMillionRequests: 25,
  tierFees: { basic: 0, standard: 10000, premium: 50000, enterprise: 250000 },
  updatedAt: '2026-11-01T00:00:00.000Z',
  updatedBy: 'cassandra',
  isDefault: false,
};

const statement = (tenant: string, totalMinor: number, coverage: number, costCentre: string | null): Statement => ({
  cluster: 'prod',
  tenant,
  costCentre,
  from: '2026-11-01T00:00:00Z',
  to: '2026-11-29T00:00:00Z',
  currency: 'EUR',
  lines: [
    { item: 'storage', quantity: '0.250000', unit: 'GB-month', rateMinor: 1234, amountMinor: 309, precision: 'estimate' },
    { item: 'tier', quantity: '0.933333', unit: 'month', rateMinor: 10000, amountMinor: totalMinor - 309, precision: 'exact' },
  ],
  totalMinor,
  coverage,
  samples: 12,
  maxGapSeconds: 3600,
  notes: coverage < 1 ? ['samples start 2026-11-20'] : [],
});

const ANALYTICS = (k: number, suppressAll: boolean): AnalyticsReport => ({
  k,
  epsilon: suppressAll ? null : 0.5,
  noiseScale: suppressAll ? null : 6,
  noise: suppressAll ? [] : [{ figure: 'storageGb', clip: '100 GB', sensitivity: 100, epsilon: 0.125, scale: 800 }],
  budgetTotal: 1,
  budgetSpent: suppressAll ? 0 : 0.5,
  budgetLeft: suppressAll ? 1 : 0.5,
  groupBy: 'tier',
  cells: [
    { group: 'standard', tenants: suppressAll ? null : 7.3, suppressed: suppressAll, storageGb: suppressAll ? null : 12.5, requests: suppressAll ? null : 1000, findings: suppressAll ? null : 2, growthPercent: suppressAll ? null : 3.2 },
    { group: 'premium', tenants: null, suppressed: true, storageGb: null, requests: null, findings: null, growthPercent: null },
  ],
  total: null,
  notes: [],
  distribution: [],
});

function mount(fake: FakeBridge, node: ReactElement) {
  return render(
    <ClientProvider client={fake.client}>
      {node}
      <Toasts />
    </ClientProvider>,
  );
}

beforeEach(() => {
  resetAllStores();
  useResources.getState().reset();
});
afterEach(cleanup);

describe('Usage tab (unit: fake bridge)', () => {
  it('shows each figure with its unit, precision badge and source, the interval, and charts with a summary and a table', async () => {
    useSession.getState().setScope('prod', scope('platform'));
    const fake = createFakeBridge({ 'usage.show': () => ok(USAGE) });
    mount(fake, <UsageTab cluster="prod" tenant="acme" />);
    expect((await screen.findByTestId('usage-value-storage_bytes')).textContent).toBe('2.50 MB');
    expect(screen.getByTestId('usage-value-users').textContent).toBe('3');
    expect(screen.getByTestId('usage-value-read_latency_p99_ms').textContent).toBe('—');
    expect(screen.getByTestId('usage-precision-read_latency_p99_ms').textContent).toContain('unavailable');
    expect(screen.getByTestId('usage-precision-storage_bytes').dataset.precision).toBe('estimate');
    expect(screen.getByTestId('usage-precision-storage_bytes').getAttribute('title')).toBe('estimate — source: system_views.disk_usage (memtables not counted)');
    expect(screen.getByTestId('usage-precision-users').textContent).toContain('exact');
    expect(screen.getByTestId('usage-figure-users').getAttribute('title')).toBe('source: system_auth.roles');
    expect(screen.getByTestId('usage-interval').textContent).toContain('Sampled every 5 min by this console');

    const chart = screen.getByTestId('usage-chart-storage_bytes');
    expect(chart.getAttribute('role')).toBe('img');
    expect(chart.getAttribute('aria-label')).toBe('Storage over 2 samples: min 1.00 MB, max 2.50 MB, latest 2.50 MB');
    // The null point breaks the line: two single points, drawn as dots, no line through a made-up zero.
    expect(chart.querySelectorAll('polyline')).toHaveLength(0);
    expect(chart.querySelectorAll('circle')).toHaveLength(2);
    const table = screen.getByTestId('usage-table-storage_bytes');
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    expect(table.textContent).toContain('—');
    // A metric without points gets no empty chart.
    expect(screen.queryByTestId('usage-chart-users')).toBeNull();
  });

  it('Collect now (platform only) samples this tenant and re-reads; a tenant admin sees no button', async () => {
    useSession.getState().setScope('prod', scope('platform'));
    let view: UsageView = { ...USAGE, latest: null, series: [] };
    const fake = createFakeBridge({
      'usage.show': () => ok(view),
      'usage.collect': (i) => {
        view = USAGE;
        return ok({ samples: [USAGE.latest!], failed: [], ...(i.tenant ? {} : {}) });
      },
    });
    mount(fake, <UsageTab cluster="prod" tenant="acme" />);
    await screen.findByTestId('usage-empty');
    fireEvent.click(screen.getByTestId('usage-collect'));
    await screen.findByTestId('usage-value-users');
    expect(fake.callsTo('usage.collect')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme' });
    cleanup();

    useSession.getState().setScope('prod', scope('admin'));
    mount(createFakeBridge({ 'usage.show': () => ok(USAGE) }), <UsageTab cluster="prod" tenant="acme" />);
    await screen.findByTestId('usage-value-users');
    expect(screen.queryByTestId('usage-collect')).toBeNull();
  });

  it('a refused read is shown with its code', async () => {
    useSession.getState().setScope('prod', scope('admin'));
    mount(createFakeBridge({ 'usage.show': () => fail('FORBIDDEN', 'not your tenant') }), <UsageTab cluster="prod" tenant="acme" />);
    const e = await screen.findByTestId('usage-error');
    expect(e.textContent).toContain('FORBIDDEN');
    expect(e.textContent).toContain('not your tenant');
  });

  it('a sign-out drops the cluster’s figures', async () => {
    useSession.getState().setScope('prod', scope('platform'));
    mount(createFakeBridge({ 'usage.show': () => ok(USAGE) }), <UsageTab cluster="prod" tenant="acme" />);
    await screen.findByTestId('usage-value-users');
    expect(useResources.getState().usage['prod/acme']).toBeDefined();
    useSession.getState().clear('prod');
    expect(useResources.getState().usage['prod/acme']).toBeUndefined();
  });
});

describe('Quotas tab (unit: fake bridge)', () => {
  it('shows usage against limits, state, grace end, the raise, events, and the writes-revoked banner', async () => {
    useSession.getState().setScope('prod', scope('platform'));
    mount(createFakeBridge({ 'quota.show': () => ok(QUOTAS(true)) }), <QuotasTab cluster="prod" tenant="acme" />);
    const storage = await screen.findByTestId('quota-row-storage-gb');
    expect(storage.dataset.state).toBe('grace');
    expect(screen.getByTestId('quota-state-storage-gb').textContent).toBe('over hard (grace)');
    expect(screen.getByTestId('quota-grace-storage-gb').textContent).toBe('grace ends 2026-11-30T00:00:00.000Z');
    expect(screen.getByTestId('quota-hard-storage-gb').textContent).toContain('4');
    expect(screen.getByTestId('quota-raise-storage-gb').textContent).toBe('raised from 2 until 2026-12-01T00:00:00.000Z');
    expect(screen.getByTestId('quota-used-storage-gb').textContent).toContain('(estimate)');
    expect(screen.getByTestId('quota-state-users').textContent).toBe('over soft');
    const gauge = screen.getByTestId('quota-gauge-storage-gb');
    expect(gauge.getAttribute('role')).toBe('img');
    expect(gauge.getAttribute('aria-label')).toBe('storage-gb: 2.5 used of soft 1, hard 4 (raised from 2); grace');
    expect(within(gauge).getByTestId('gauge-base-hard')).toBeTruthy();
    expect(within(screen.getByTestId('quota-gauge-users')).queryByTestId('gauge-base-hard')).toBeNull();
    expect(screen.getByTestId('quota-gauge-certificates').getAttribute('aria-label')).toBe('certificates: 0 used, no limit; ok');
    expect(screen.getByTestId('quota-writes-revoked').textContent).toContain('Writes revoked');
    expect(screen.getByTestId('quota-event').dataset.kind).toBe('soft-exceeded');
  });

  it('refuses soft > hard before calling; saves a valid quota; shows QUOTA_EXCEEDED from the server', async () => {
    useSession.getState().setScope('prod', scope('platform'));
    let answer: 'ok' | 'exceeded' = 'exceeded';
    const fake = createFakeBridge({
      'quota.show': () => ok(QUOTAS()),
      'quota.set': (i) => (answer === 'exceeded' ? fail('QUOTA_EXCEEDED', 'users: 4 in use, hard limit 2 would be exceeded') : ok(row(i.resource, { soft: i.soft ?? null, hard: i.hard ?? null }))),
    });
    mount(fake, <QuotasTab cluster="prod" tenant="acme" />);
    await screen.findByTestId('quota-row-users');
    const editor = screen.getByTestId('quota-editor');
    // Prefilled from the users row.
    expect((within(editor).getByTestId('quota-soft') as HTMLInputElement).value).toBe('3');
    expect((within(editor).getByTestId('quota-hard') as HTMLInputElement).value).toBe('5');

    fireEvent.change(within(editor).getByTestId('quota-soft'), { target: { value: '9' } });
    expect(editor.textContent).toContain('the soft limit (9) must not exceed the hard limit (5)');
    expect(within(editor).getByTestId('quota-soft').getAttribute('aria-invalid')).toBe('true');
    fireEvent.submit(editor);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.callsTo('quota.set')).toHaveLength(0);
    expect((within(editor).getByTestId('quota-save') as HTMLButtonElement).disabled).toBe(true);

    fireEvent.change(within(editor).getByTestId('quota-soft'), { target: { value: '-1' } });
    expect(editor.textContent).toContain('a whole non-negative number');

    fireEvent.change(within(editor).getByTestId('quota-soft'), { target: { value: '1' } });
    fireEvent.change(within(editor).getByTestId('quota-hard'), { target: { value: '2' } });
    fireEvent.click(within(editor).getByTestId('quota-save'));
    const err = await within(editor).findByTestId('form-error');
    expect(err.textContent).toContain('QUOTA_EXCEEDED');
    expect(err.textContent).toContain('hard limit 2 would be exceeded');
    expect(fake.callsTo('quota.set')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme', resource: 'users', soft: 1, hard: 2, graceHours: null });

    // Switching resource prefills from that row; an empty field clears that limit (null).
    fireEvent.change(within(editor).getByTestId('quota-resource'), { target: { value: 'storage-gb' } });
    const ed2 = screen.getByTestId('quota-editor');
    expect((within(ed2).getByTestId('quota-grace') as HTMLInputElement).value).toBe('24');
    fireEvent.change(within(ed2).getByTestId('quota-soft'), { target: { value: '' } });
    fireEvent.change(within(ed2).getByTestId('quota-hard'), { target: { value: '2.5' } });
    answer = 'ok';
    fireEvent.click(within(ed2).getByTestId('quota-save'));
    await waitFor(() => expect(fake.callsTo('quota.set')).toHaveLength(2));
    expect(fake.callsTo('quota.set')[1]?.input).toEqual({ cluster: 'prod', tenant: 'acme', resource: 'storage-gb', soft: null, hard: 2.5, graceHours: 24 });
    await waitFor(() => expect(fake.callsTo('quota.show').length).toBeGreaterThanOrEqual(2));
  });

  it('temporary raise: a past end is refused in the dialog, a future one is sent as ISO; BAD_INPUT shown in place', async () => {
    useSession.getState().setScope('prod', scope('platform'));
    let calls = 0;
    const fake = createFakeBridge({
      'quota.show': () => ok(QUOTAS()),
      'quota.raise': (i) => (++calls === 1 ? fail('BAD_INPUT', 'hard: below the current usage') : ok(row(i.resource, { raisedHard: i.hard, raisedUntil: i.until }))),
    });
    mount(fake, <QuotasTab cluster="prod" tenant="acme" />);
    fireEvent.click(await screen.findByTestId('quota-raise-open-users'));
    const dialog = await screen.findByTestId('quota-raise-dialog');
    fireEvent.change(within(dialog).getByTestId('quota-raise-hard'), { target: { value: '10' } });
    fireEvent.change(within(dialog).getByTestId('quota-raise-until'), { target: { value: '2001-01-01T00:00' } });
    expect(dialog.textContent).toContain('a time in the future');
    expect((within(dialog).getByTestId('quota-raise-submit') as HTMLButtonElement).disabled).toBe(true);

    const future = new Date(Date.now() + 3 * 86_400_000);
    const local = `${future.getFullYear()}-${String(future.getMonth() + 1).padStart(2, '0')}-${String(future.getDate()).padStart(2, '0')}T10:30`;
    fireEvent.change(within(dialog).getByTestId('quota-raise-until'), { target: { value: local } });
    fireEvent.change(within(dialog).getByTestId('quota-raise-reason'), { target: { value: 'migration week' } });
    fireEvent.click(within(dialog).getByTestId('quota-raise-submit'));
    expect((await within(dialog).findByTestId('form-error')).textContent).toContain('BAD_INPUT');
    fireEvent.click(within(dialog).getByTestId('quota-raise-submit'));
    await waitFor(() => expect(screen.queryByTestId('quota-raise-dialog')).toBeNull());
    const sent = fake.callsTo('quota.raise')[1]?.input as { until: string; hard: number; reason: string };
    expect(sent.hard).toBe(10);
    expect(sent.reason).toBe('migration week');
    expect(sent.until).toBe(new Date(local).toISOString());
  });

  it('a tenant admin sees the quotas read-only: no editor, no actions', async () => {
    useSession.getState().setScope('prod', scope('admin'));
    mount(createFakeBridge({ 'quota.show': () => ok(QUOTAS()) }), <QuotasTab cluster="prod" tenant="acme" />);
    await screen.findByTestId('quota-row-users');
    expect(screen.getByTestId('quota-readonly')).toBeTruthy();
    expect(screen.queryByTestId('quota-editor')).toBeNull();
    expect(screen.queryByTestId('quota-edit-users')).toBeNull();
    expect(screen.queryByTestId('quota-raise-open-users')).toBeNull();
  });
});

function billingBridge(extra: Handlers = {}) {
  let rates = RATES;
  return createFakeBridge({
    'billing.rates': () => ok(rates),
    'billing.setRates': (i) => {
      rates = { ...i.rates, updatedAt: '2026-11-29T12:00:00.000Z', updatedBy: 'cassandra', isDefault: false };
      return ok(rates);
    },
    'billing.statement': (i) => ok(statement(i.tenant, 1309, 0.42, null)),
    'billing.report': (i) =>
      ok({
        from: i.from,
        to: i.to,
        currency: 'EUR',
        statements: [statement('acme', 1309, 1, 'R&D'), statement('beta', 20000, 0.5, null)],
        byCostCentre: [
          { costCentre: 'RD', tenants: 1, totalMinor: 1309 },
          { costCentre: null, tenants: 1, totalMinor: 20000 },
        ],
        totalMinor: 21309,
        csvPath: i.out ?? null,
      }),
    'billing.setCostCentre': (i) => ok({ tenant: i.tenant, costCentre: i.costCentre }),
    ...extra,
  });
}

describe('Billing screen (unit: fake bridge)', () => {
  it('shows the rate card as money and saves decimals as exact minor units; a bad amount is refused before calling', async () => {
    useSession.getState().setScope('prod', scope('platform'));
    const fake = billingBridge();
    mount(fake, <BillingPage />);
    expect((await screen.findByTestId('rate-perGbMonth')).textContent).toBe('12.34 EUR');
    expect(screen.getByTestId('rate-enterprise').textContent).toBe('2,500.00 EUR');
    const editor = screen.getByTestId('rates-editor');
    expect((within(editor).getByTestId('rate-input-perGbMonth') as HTMLInputElement).value).toBe('12.34');

    fireEvent.change(within(editor).getByTestId('rate-input-perUserMonth'), { target: { value: '1.005' } });
    expect(editor.textContent).toContain('at most 2 decimal places for EUR');
    expect((within(editor).getByTestId('rates-save') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.submit(editor);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.callsTo('billing.setRates')).toHaveLength(0);

    fireEvent.change(within(editor).getByTestId('rate-input-perUserMonth'), { target: { value: '4.35' } });
    fireEvent.change(within(editor).getByTestId('rate-input-perGbMonth'), { target: { value: '1.15' } });
    fireEvent.change(within(editor).getByTestId('rate-input-premium'), { target: { value: '19.99' } });
    fireEvent.click(within(editor).getByTestId('rates-save'));
    await waitFor(() => expect(fake.callsTo('billing.setRates')).toHaveLength(1));
    expect(fake.callsTo('billing.setRates')[0]?.input).toEqual({
      cluster: 'prod',
      rates: { currency: 'EUR', perGbMonth: 115, perUserMonth: 435, perCertificateMonth: 100, perMillionRequests: 25, tierFees: { basic: 0, standard: 10000, premium: 1999, enterprise: 250000 } },
    });
    await waitFor(() => expect(screen.getByTestId('rate-perGbMonth').textContent).toBe('1.15 EUR'));

    // A currency with other minor digits is checked against its own digits.
    const ed2 = screen.getByTestId('rates-editor');
    fireEvent.change(within(ed2).getByTestId('rate-currency'), { target: { value: 'jpy' } });
    expect((within(ed2).getByTestId('rate-currency') as HTMLInputElement).value).toBe('JPY');
    expect(ed2.textContent).toContain('no decimals for JPY');
  });

  it('a statement shows its lines, total and a coverage warning when samples cover less than the period', async () => {
    useSession.getState().setScope('prod', scope('platform'));
    const fake = billingBridge();
    mount(fake, <BillingPage />);
    await screen.findByTestId('rate-perGbMonth');
    fireEvent.change(screen.getByTestId('billing-from'), { target: { value: '2026-11-01T00:00:00Z' } });
    fireEvent.change(screen.getByTestId('billing-to'), { target: { value: '2026-10-01T00:00:00Z' } });
    expect(screen.getByText('after the start')).toBeTruthy();
    fireEvent.change(screen.getByTestId('billing-tenant'), { target: { value: 'acme' } });
    expect((screen.getByTestId('billing-statement-show') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId('billing-to'), { target: { value: '2026-11-29T00:00:00Z' } });
    fireEvent.change(screen.getByTestId('billing-tenant'), { target: { value: 'acme' } });
    fireEvent.click(screen.getByTestId('billing-statement-show'));
    const s = await screen.findByTestId('billing-statement');
    expect(fake.callsTo('billing.statement')[0]?.input).toEqual({ cluster: 'prod', tenant: 'acme', from: '2026-11-01T00:00:00Z', to: '2026-11-29T00:00:00Z' });
    expect(within(s).getByTestId('statement-amount-storage').textContent).toBe('3.09 EUR');
    expect(within(s).getByTestId('statement-total').textContent).toBe('13.09 EUR');
    expect(within(s).getByTestId('billing-coverage-warning').textContent).toContain('42.0 %');
    expect(within(s).getByTestId('billing-statement-notes').textContent).toContain('samples start 2026-11-20');
  });

  it('the consolidated report: per tenant, per cost centre with a bar chart, Export CSV to an absolute path, cost-centre edit', async () => {
    useSession.getState().setScope('prod', scope('platform'));
    const fake = billingBridge({ 'billing.setCostCentre': (i) => (i.costCentre === 'Finance' ? ok({ tenant: i.tenant, costCentre: i.costCentre }) : fail('BAD_INPUT', 'cost centre: refused')) });
    mount(fake, <BillingPage />);
    await screen.findByTestId('rate-perGbMonth');
    fireEvent.click(screen.getByTestId('billing-report-run'));
    const rep = await screen.findByTestId('billing-report');
    expect(within(rep).getByTestId('billing-report-total').textContent).toBe('213.09 EUR');
    const chart = within(rep).getByTestId('billing-cost-centre-chart');
    expect(chart.getAttribute('role')).toBe('img');
    expect(chart.getAttribute('aria-label')).toBe('Totals by cost centre on prod: RD 13.09 EUR; (none) 200.00 EUR');
    expect(within(chart).getAllByTestId('bar')).toHaveLength(2);
    expect(within(rep).getByTestId('billing-tenant-beta').textContent).toContain('partial');

    // Export: a relative path is refused in the form; an absolute one goes to main as `out`.
    fireEvent.change(screen.getByTestId('billing-csv-out'), { target: { value: 'billing.csv' } });
    expect(screen.getByText('path: an absolute path')).toBeTruthy();
    expect((screen.getByTestId('billing-export-csv') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId('billing-csv-out'), { target: { value: '/tmp/billing.csv' } });
    fireEvent.click(screen.getByTestId('billing-export-csv'));
    expect((await screen.findByTestId('billing-csv-path')).textContent).toContain('/tmp/billing.csv');
    expect(fake.callsTo('billing.report').at(-1)?.input).toMatchObject({ cluster: 'prod', out: '/tmp/billing.csv' });

    fireEvent.click(screen.getByTestId('billing-cc-edit-beta'));
    const dialog = await screen.findByTestId('cost-centre-dialog');
    fireEvent.change(within(dialog).getByTestId('cost-centre-input'), { target: { value: 'Bad<cc>' } });
    expect(dialog.textContent).toContain('letters, digits, space');
    fireEvent.change(within(dialog).getByTestId('cost-centre-input'), { target: { value: 'Ops' } });
    fireEvent.click(within(dialog).getByTestId('cost-centre-save'));
    expect((await within(dialog).findByTestId('form-error')).textContent).toContain('BAD_INPUT');
    fireEvent.change(within(dialog).getByTestId('cost-centre-input'), { target: { value: 'Finance' } });
    fireEvent.click(within(dialog).getByTestId('cost-centre-save'));
    await waitFor(() => expect(screen.queryByTestId('cost-centre-dialog')).toBeNull());
    expect(fake.callsTo('billing.setCostCentre').at(-1)?.input).toEqual({ cluster: 'prod', tenant: 'beta', costCentre: 'Finance' });
  });

  it('a tenant admin sees only the statement (no rate card, no report)', async () => {
    useSession.getState().setScope('prod', scope('admin'));
    const fake = billingBridge();
    mount(fake, <BillingPage />);
    await screen.findByTestId('billing-statement-card');
    expect(screen.queryByTestId('billing-rates-card')).toBeNull();
    expect(screen.queryByTestId('billing-report-card')).toBeNull();
    expect(fake.callsTo('billing.rates')).toHaveLength(0);
  });
});

describe('Analytics screen (unit: fake bridge)', () => {
  const bridge = (extra: Handlers = {}) =>
    createFakeBridge({
      'analytics.budget': (i) => ok({ total: i.total ?? 1, spent: 0.25, left: (i.total ?? 1) - 0.25, reports: [{ at: '2026-11-29T10:00:00.000Z', epsilon: 0.25, by: 'cassandra' }] }),
      'usage.noisy': (i) =>
        ok({
          threshold: i.threshold ?? 0.5,
          windowHours: 24,
          note: null,
          alerts: [],
          rows: [
            { tenant: 'acme', requestShare: 0.8, storageGrowthShare: 0.1, over: true, requests: 8000, storageGrowthBytes: 1_000_000, samples: 5 },
            { tenant: 'beta', requestShare: 0.2, storageGrowthShare: 0.9, over: false, requests: 2000, storageGrowthBytes: -2_000, samples: 5 },
          ],
        }),
      'analytics.report': (i) => ok(ANALYTICS(i.k, i.epsilon === undefined)),
      ...extra,
    });

  it('suppressed groups are marked "suppressed (< k tenants)" with no figures; noise scale and budget are shown', async () => {
    useSession.getState().setScope('prod', scope('platform'));
    const fake = bridge();
    mount(fake, <AnalyticsPage />);
    expect((await screen.findByTestId('analytics-budget-text')).textContent).toBe('ε spent 0.25 of 1 · 0.75 left');
    expect((screen.getByTestId('analytics-budget-meter') as HTMLMeterElement).value).toBe(0.25);

    fireEvent.change(screen.getByTestId('analytics-k'), { target: { value: '50' } });
    fireEvent.click(screen.getByTestId('analytics-run'));
    const rep = await screen.findByTestId('analytics-report');
    expect(fake.callsTo('analytics.report')[0]?.input).toEqual({ cluster: 'prod', k: 50, groupBy: 'tier' });
    const cells = within(rep).getAllByTestId('analytics-cell');
    expect(cells.map((c) => c.dataset.suppressed)).toEqual(['true', 'true']);
    expect(within(rep).getAllByTestId('analytics-suppressed').map((c) => c.textContent)).toEqual(['suppressed (< k tenants)', 'suppressed (< k tenants)']);
    expect(cells[0]?.textContent).not.toMatch(/\d/);
    expect(within(rep).getByTestId('analytics-total').dataset.suppressed).toBe('true');
    expect(within(rep).getByTestId('analytics-noise').textContent).toContain('no noise');

    fireEvent.change(screen.getByTestId('analytics-k'), { target: { value: '3' } });
    fireEvent.change(screen.getByTestId('analytics-epsilon'), { target: { value: '0.5' } });
    fireEvent.click(screen.getByTestId('analytics-run'));
    await waitFor(() => expect(screen.getByTestId('analytics-report').dataset.k).toBe('3'));
    expect(fake.callsTo('analytics.report')[1]?.input).toEqual({ cluster: 'prod', k: 3, epsilon: 0.5, groupBy: 'tier' });
    const open = screen.getAllByTestId('analytics-cell').find((c) => c.dataset.group === 'standard');
    expect(open?.dataset.suppressed).toBe('false');
    expect(open?.textContent).toContain('12.5');
    expect(screen.getByTestId('analytics-noise').textContent).toContain('ε = 0.5, count scale 6.00');
    expect(screen.getByTestId('analytics-scale-storageGb').textContent).toBe('800');
    // Each run re-reads the budget.
    expect(fake.callsTo('analytics.budget').length).toBeGreaterThanOrEqual(3);
  });

  it('bad k or ε is refused before calling; the budget refusal is shown', async () => {
    useSession.getState().setScope('prod', scope('platform'));
    const fake = bridge({ 'analytics.report': () => fail('CONFLICT', 'privacy budget: ε 2 requested, 0.75 left of 1') });
    mount(fake, <AnalyticsPage />);
    await screen.findByTestId('analytics-budget-text');
    fireEvent.change(screen.getByTestId('analytics-k'), { target: { value: '1' } });
    expect(screen.getByText('between 2 and 1000')).toBeTruthy();
    fireEvent.change(screen.getByTestId('analytics-epsilon'), { target: { value: '0' } });
    expect(screen.getByText('greater than 0 and at most 10')).toBeTruthy();
    expect((screen.getByTestId('analytics-run') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.submit(screen.getByTestId('analytics-run').closest('form')!);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.callsTo('analytics.report')).toHaveLength(0);

    fireEvent.change(screen.getByTestId('analytics-k'), { target: { value: '5' } });
    fireEvent.change(screen.getByTestId('analytics-epsilon'), { target: { value: '2' } });
    fireEvent.click(screen.getByTestId('analytics-run'));
    const err = await screen.findByTestId('analytics-error');
    expect(err.textContent).toContain('CONFLICT');
    expect(err.textContent).toContain('0.75 left of 1');
    expect(screen.queryByTestId('analytics-report')).toBeNull();
  });

  it('sets the budget total and lists noisy neighbours with the over-threshold row highlighted', async () => {
    useSession.getState().setScope('prod', scope('platform'));
    const fake = bridge();
    mount(fake, <AnalyticsPage />);
    const acme = await screen.findByTestId('noisy-acme');
    expect(acme.dataset.over).toBe('true');
    expect(acme.textContent).toContain('80.0 %');
    expect(acme.textContent).toContain('over threshold');
    expect(screen.getByTestId('noisy-beta').dataset.over).toBe('false');
    expect(screen.getByTestId('noisy-beta').textContent).toContain('-2.00 kB');

    fireEvent.change(screen.getByTestId('noisy-threshold'), { target: { value: '30' } });
    fireEvent.click(screen.getByTestId('noisy-refresh'));
    await waitFor(() => expect(fake.callsTo('usage.noisy').at(-1)?.input).toEqual({ cluster: 'prod', threshold: 0.3 }));

    fireEvent.change(screen.getByTestId('analytics-budget-total'), { target: { value: '101' } });
    expect((screen.getByTestId('analytics-budget-set') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId('analytics-budget-total'), { target: { value: '2' } });
    fireEvent.click(screen.getByTestId('analytics-budget-set'));
    await waitFor(() => expect(screen.getByTestId('analytics-budget-text').textContent).toBe('ε spent 0.25 of 2 · 1.75 left'));
    expect(fake.callsTo('analytics.budget').at(-1)?.input).toEqual({ cluster: 'prod', total: 2 });
  });
});
